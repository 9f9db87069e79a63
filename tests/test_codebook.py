"""Tests for ruse_research.data.codebook: the API on a small fixture, every schema check, and the
bundled codebooks."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ruse_research import paths
from ruse_research.data.codebook import Codebook, codebook_path, load_codebook
from ruse_research.errors import CodebookError, DataError, ParamsError

FIXTURE = Path(__file__).parent / "fixtures" / "io" / "survey.yaml"
RAW = yaml.load(FIXTURE.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return load_codebook(FIXTURE)


# -------------------------------------------------------------------- API
def test_items_and_lookups(cb):
    assert cb.instrument == "survey" and cb.id_column == "resp_id"
    assert cb.item_ids[:4] == ["resp_id", "group", "gender", "age"]
    assert len(cb.items) == 14 and cb.item_ids == [it.id for it in cb.items]
    assert cb.item("age").type == "integer" and cb.item("age").range == (18.0, 99.0)
    assert cb.item("resp_id").required and not cb.item("gender").required
    with pytest.raises(CodebookError, match=r"survey.yaml: no item 'agee' \(did you mean 'age'\?\)"):
        cb.item("agee")


def test_constructs_and_reverse_keys(cb):
    assert cb.construct_items("trust") == ["trust_1", "trust_2", "trust_3"]
    assert cb.reverse_keyed("trust") == ["trust_3"]
    assert cb.construct_items("info") == ["info_1", "info_2"] and cb.reverse_keyed("info") == []
    assert cb.construct_label("trust", "bg") == "Доверие"
    with pytest.raises(CodebookError, match="no construct 'trusts'"):
        cb.construct_items("trusts")


def test_codes(cb):
    assert cb.valid_codes("trust_1") == [1, 2, 3, 4, 5]
    assert cb.dont_know_codes("trust_1") == [8] and cb.missing_codes("trust_1") == [9]
    assert cb.dont_know_codes("gender") == [] and cb.missing_codes("gender") == [9]
    with pytest.raises(CodebookError, match="item 'age' is of type 'integer' and has no response"):
        cb.valid_codes("age")


def test_labels(cb):
    assert cb.label("trust_3", "en") == "The administration hides information."
    assert cb.label("trust_3", "bg") == "Администрацията крие информация."
    assert cb.value_labels("trust_1", "en") == {
        1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree",
        5: "Strongly agree", 8: "Don't know", 9: "No answer"}
    assert cb.value_labels("group", "bg") == {1: "Гражданин", 2: "НПО", 3: "Бизнес"}
    with pytest.raises(ParamsError, match="lang: language 'de' is not supported; expected one of bg, en"):
        cb.label("trust_1", "de")


def test_labelled_makes_ordered_categoricals_for_ordinal_items(cb):
    df = pd.DataFrame({
        "resp_id": pd.array(["a", "b", "c"], dtype="string"),
        "trust_1": pd.array([5, 8, None], dtype="Int64"),
        "gender": pd.array([2, 1, None], dtype="Int64"),
        "age": pd.array([30, 40, 50], dtype="Int64"),
        "not_in_codebook": [1, 2, 3],
    })
    out = cb.labelled(df, "bg")
    assert out["trust_1"].tolist()[:2] == ["Напълно съгласен", "Не мога да преценя"]
    assert pd.isna(out["trust_1"].iloc[2])
    assert out["trust_1"].cat.ordered
    assert list(out["trust_1"].cat.categories) == [
        "Напълно несъгласен", "По-скоро несъгласен", "Нито съгласен, нито несъгласен",
        "По-скоро съгласен", "Напълно съгласен", "Не мога да преценя"]
    assert not out["gender"].cat.ordered and out["gender"].tolist()[:2] == ["Мъж", "Жена"]
    pd.testing.assert_series_equal(out["age"], df["age"])
    pd.testing.assert_frame_equal(df, df.copy())  # input untouched
    assert str(df["trust_1"].dtype) == "Int64"
    missing = cb.labelled(pd.DataFrame({"trust_1": pd.array([9, 1], dtype="Int64")}), "en")
    assert pd.isna(missing["trust_1"].iloc[0]) and missing["trust_1"].iloc[1] == "Strongly disagree"
    with pytest.raises(DataError, match="column 'trust_1': found 7, expected a code of scale"):
        cb.labelled(pd.DataFrame({"trust_1": pd.array([7], dtype="Int64")}), "en")


def test_groups_mirror_and_source(cb):
    assert cb.groups() == ["business", "citizen", "ngo"]
    assert "info_1" in cb.items_for_group("citizen") and "info_2" not in cb.items_for_group("citizen")
    assert "info_2" in cb.items_for_group("ngo") and "info_1" not in cb.items_for_group("ngo")
    assert "trust_1" in cb.items_for_group("business")
    with pytest.raises(CodebookError, match="unknown group 'citizens'; expected one of business, "
                       "citizen, ngo"):
        cb.items_for_group("citizens")
    assert cb.mirror_pairs() == {"info_1": "staff_info_1"}
    with pytest.raises(CodebookError, match="item 'info_1' mirrors 'staff_info_1'; expected an item"):
        cb.mirror_pairs(cb)
    assert cb.source("trust_1") == "Adapted from Grimmelikhuijsen & Knies (2017)"  # construct's
    assert cb.source("trust_3") == "new"  # its own
    assert cb.source("age") is None


def test_names_resolve_to_the_codebook_folder():
    assert codebook_path("staff") == paths.codebook_dir() / "staff.yaml"
    assert codebook_path(FIXTURE) == FIXTURE
    assert load_codebook(load_codebook(FIXTURE)).path == FIXTURE
    with pytest.raises(CodebookError, match=r"nosuch\.yaml: no such codebook file"):
        load_codebook("nosuch")


# ------------------------------------------------------------- schema checks
def _write(tmp_path: Path, raw, name="survey") -> Path:
    path = tmp_path / f"{name}.yaml"
    text = raw if isinstance(raw, str) else yaml.safe_dump(raw, allow_unicode=True,
                                                           sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path, raw, name="survey") -> str:
    with pytest.raises(CodebookError) as info:
        load_codebook(_write(tmp_path, raw, name))
    message = str(info.value)
    assert "\n" not in message
    return message


def _item(raw, item_id):
    return next(it for it in raw["items"] if it["id"] == item_id)


def _mutated(fn):
    raw = copy.deepcopy(RAW)
    fn(raw)
    return raw


BROKEN = {
    "unknown item type": (
        lambda r: _item(r, "age").update(type="int"),
        "item 'age': type 'int' (did you mean 'integer'?); expected one of id, ordinal, nominal, "
        "numeric, integer, text, date"),
    "unknown scale": (
        lambda r: _item(r, "trust_1").update(response_scale="agree7"),
        "item 'trust_1': response_scale 'agree7' does not exist (did you mean 'agree5'?); "
        "expected one of agree5, gender, group"),
    "coded item without scale": (
        lambda r: _item(r, "trust_1").pop("response_scale"),
        "item 'trust_1': is ordinal but has no response_scale"),
    "scale on a numeric item": (
        lambda r: _item(r, "hours").update(response_scale="agree5"),
        "item 'hours': has response_scale 'agree5' but type 'numeric'"),
    "duplicate item id": (
        lambda r: r["items"].append(copy.deepcopy(_item(r, "age"))),
        "item 'age': duplicate item id (items #4 and #15); expected unique ids"),
    "unused construct": (
        lambda r: r["constructs"].update(extra={"label": {"bg": "Х", "en": "X"}}),
        "construct 'extra': no item uses it"),
    "unknown construct": (
        lambda r: _item(r, "trust_1").update(construct="trusts"),
        "item 'trust_1': construct 'trusts' is not defined (did you mean 'trust'?)"),
    "missing en text": (
        lambda r: _item(r, "age")["text"].pop("en"),
        "item 'age': text has no 'en' text; expected both 'bg' and 'en'"),
    "empty bg text": (
        lambda r: _item(r, "age")["text"].update(bg=" "),
        "item 'age': text 'bg' is ' '; expected non-empty text"),
    "missing value label": (
        lambda r: r["response_scales"]["gender"]["values"][2].pop("bg"),
        "response scale 'gender': values code 2 label has no 'bg' text"),
    "unquoted No label": (
        lambda r: r["response_scales"]["gender"]["values"][2].update(en=False),
        "values code 2 label 'en' is False; expected text in quotes"),
    "code that is not a number": (
        lambda r: r["response_scales"]["gender"]["values"].update(x={"bg": "a", "en": "b"}),
        "response scale 'gender': values code 'x'; expected a whole number"),
    "code in two places": (
        lambda r: r["response_scales"]["agree5"]["missing"].update({5: {"bg": "a", "en": "b"}}),
        "response scale 'agree5': code(s) [5] are in both values and missing"),
    "mirror malformed": (
        lambda r: _item(r, "info_1").update(mirror=["a", "b"]),
        "item 'info_1': mirror is ['a', 'b']; expected the id of one item"),
    "groups malformed": (
        lambda r: _item(r, "info_1").update(groups="citizen"),
        "item 'info_1': groups is 'citizen'; expected a non-empty list of distinct group names"),
    "groups repeated": (
        lambda r: _item(r, "info_1").update(groups=["ngo", "ngo"]),
        "groups is ['ngo', 'ngo']; expected a non-empty list of distinct"),
    "waves malformed": (
        lambda r: _item(r, "info_1").update(waves=[0]),
        "item 'info_1': waves is [0]; expected a non-empty list of distinct wave numbers"),
    "id_column not an item": (
        lambda r: r.update(id_column="respondent"),
        "id_column 'respondent' is not an item; expected the id of an item of type 'id'"),
    "id_column of wrong type": (
        lambda r: r.update(id_column="age"),
        "item 'age': is the id_column but has type 'integer'; expected type 'id'"),
    "range on ordinal": (
        lambda r: _item(r, "trust_1").update(range=[1, 5]),
        "item 'trust_1': has range but type 'ordinal'"),
    "range reversed": (
        lambda r: _item(r, "age").update(range=[99, 18]),
        "item 'age': range is [99, 18]; expected [low, high] numbers with low <= high"),
    "reverse without construct": (
        lambda r: _item(r, "age").update(reverse=True),
        "item 'age': is reverse keyed but belongs to no construct"),
    "reverse on a text item": (
        lambda r: _item(r, "comment").update(reverse=True, construct="trust"),
        "item 'comment': is reverse keyed but of type 'text' without range"),
    "construct mixing scales": (
        lambda r: _item(r, "trust_2").update(response_scale="gender"),
        "construct 'trust': its items mix ordinal agree5, ordinal gender; expected every item "
        "of a construct of one type on one response scale"),
    "item without id": (
        lambda r: r["items"].append({"type": "text", "text": {"bg": "x" * 80, "en": "y"}}),
        "item #15: is {'type': 'text', 'text': {'bg': 'xxxxxxxxxxxxxxxxxxxxxxxx...; expected a "
        "mapping with id, type, text"),
    "reverse not a boolean": (
        lambda r: _item(r, "trust_3").update(reverse="yes"),
        "item 'trust_3': reverse is 'yes'; expected true or false"),
    "misspelt item key": (
        lambda r: _item(r, "trust_3").update(reverse_keyed=True),
        "item 'trust_3': unknown key 'reverse_keyed'"),
    "unknown top-level key": (
        lambda r: r.update(scales={}),
        "unknown key 'scales'"),
    "missing items": (
        lambda r: r.pop("items"),
        "missing key 'items'"),
    "instrument differs from file name": (
        lambda r: r.update(instrument="staff"),
        "instrument is 'staff'; expected 'survey' (the file name)"),
    "bad item id": (
        lambda r: _item(r, "age").update(id="age group"),
        "item 'age group': id 'age group'; expected a name of letters, digits and _"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_schema_problem_is_named(tmp_path, case):
    change, expected = BROKEN[case]
    message = _error(tmp_path, _mutated(change))
    assert message.startswith("survey.yaml: ")
    assert expected in message


def test_several_problems_are_reported_together(tmp_path):
    def change(r):
        _item(r, "age").update(type="int")
        _item(r, "trust_1").update(response_scale="nope")
    message = _error(tmp_path, _mutated(change))
    assert message.startswith("survey.yaml: 2 problems: item 'age': type 'int'")
    assert "item 'trust_1': response_scale 'nope' does not exist" in message


def test_yaml_level_problems(tmp_path):
    assert "survey.yaml: line 3: not valid YAML" in _error(
        tmp_path, "instrument: survey\ntitle: {bg: a, en: b\nid_column: x\n")
    duplicate = FIXTURE.read_text(encoding="utf-8").replace(
        "  gender:\n", "  agree5:\n    values: {1: {bg: a, en: b}}\n  gender:\n", 1)
    assert "key 'agree5' appears twice (first on line 7)" in _error(tmp_path, duplicate)
    assert "the file holds list; expected a mapping" in _error(tmp_path, "- a\n- b\n")
    assert "the file holds nothing" in _error(tmp_path, "")
    path = tmp_path / "survey.yaml"
    path.write_bytes("instrument: survey # Анкета\n".encode("cp1251"))
    with pytest.raises(CodebookError, match="not UTF-8 text"):
        load_codebook(path)


# ------------------------------------------------------------ bundled codebooks
# data/codebooks also holds other dictionaries (recommendation_themes.yaml for the text
# module); survey codebooks are the files that declare an instrument.
BUNDLED = sorted(
    p.stem for p in paths.codebook_dir().glob("*.yaml")
    if "instrument" in (yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {})
)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_codebooks_load(name):
    cb = load_codebook(name)
    assert cb.instrument == name and cb.item(cb.id_column).type == "id"
    for it in cb.items:
        assert cb.label(it.id, "bg") and cb.label(it.id, "en")


def test_stakeholder_mirrors_exist_in_staff_with_the_same_scale():
    if not {"staff", "stakeholders"} <= set(BUNDLED):
        pytest.skip("staff/stakeholders codebooks not present")
    pairs = load_codebook("stakeholders").mirror_pairs(load_codebook("staff"))
    assert pairs  # the comparison study needs mirrored items


def test_docstring_examples_run():
    import doctest

    import ruse_research.data.codebook as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0
