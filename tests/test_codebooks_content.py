"""Content of the two instruments: both languages, a source for every item, mirror wording.

These are checks on the *content* of data/codebooks/staff.yaml and stakeholders.yaml; the
schema itself is checked by ruse_research.data.codebook (tests/test_codebook.py).
"""

from __future__ import annotations

import re

import pytest
import yaml

from ruse_research import paths
from ruse_research.data.codebook import load_codebook

CYRILLIC = re.compile(r"[А-Яа-яЁёЪъЬь]")
NAMES = ("staff", "stakeholders")


def _raw(name: str) -> dict:
    return yaml.load(paths.resolve(f"data/codebooks/{name}.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


@pytest.mark.parametrize("name", NAMES)
def test_codebook_loads_with_the_package_loader(name):
    cb = load_codebook(paths.resolve(f"data/codebooks/{name}.yaml"))
    assert cb.instrument == name


@pytest.mark.parametrize("name", NAMES)
def test_every_item_names_its_source_and_has_both_languages(name):
    for item in _raw(name)["items"]:
        assert isinstance(item.get("source"), str) and item["source"].strip(), item["id"]
        bg, en = item["text"]["bg"], item["text"]["en"]
        assert CYRILLIC.search(bg), f"{item['id']}: Bulgarian text has no Cyrillic: {bg!r}"
        assert not CYRILLIC.search(en), f"{item['id']}: English text contains Cyrillic: {en!r}"


@pytest.mark.parametrize("name", NAMES)
def test_every_construct_names_its_source(name):
    for key, construct in _raw(name)["constructs"].items():
        assert construct["source"].strip(), key
        assert construct["label"]["bg"] and construct["label"]["en"], key


@pytest.mark.parametrize("name", NAMES)
def test_scale_labels_fit_spss_and_have_both_languages(name):
    # SPSS .sav value labels hold at most 120 bytes; Cyrillic takes 2 bytes per letter.
    # (Loaded, so that labels a codebook takes from the region profile are checked too.)
    for key, scale in load_codebook(name).scales.items():
        for part in ("values", "dont_know", "missing"):
            for code, label in getattr(scale, part).items():
                assert label["bg"] and label["en"], (key, code)
                assert len(label["bg"].encode("utf-8")) <= 120, (key, code, label["bg"])
                assert len(label["en"].encode("utf-8")) <= 120, (key, code, label["en"])


@pytest.mark.parametrize("name", NAMES)
def test_dont_know_and_missing_codes_do_not_collide_with_answers(name):
    for key, scale in _raw(name)["response_scales"].items():
        valid = set(scale["values"])
        special = set(scale.get("dont_know") or {}) | set(scale.get("missing") or {})
        assert not valid & special, key
        assert all(code >= 97 for code in special), key


@pytest.mark.parametrize(("name", "low", "high"), [("staff", 50, 70), ("stakeholders", 60, 80)])
def test_questionnaire_length_is_realistic(name, low, high):
    assert low <= len(_raw(name)["items"]) <= high


def test_mirror_items_are_worded_exactly_like_the_staff_items():
    staff = {it["id"]: it for it in _raw("staff")["items"]}
    mirrors = [it for it in _raw("stakeholders")["items"] if "mirror" in it]
    assert len(mirrors) >= 4
    for it in mirrors:
        partner = staff[it["mirror"]]
        assert it["text"] == partner["text"], it["id"]
        assert it["response_scale"] == partner["response_scale"], it["id"]


def test_training_items_are_asked_before_and_after_with_the_same_wording():
    staff = {it["id"]: it for it in _raw("staff")["items"]}
    for k in range(1, 6):
        assert staff[f"comm_pre_{k}"]["text"] == staff[f"comm_post_{k}"]["text"]


def test_practice_grid_covers_four_coe_levels_by_five_stages():
    ids = {it["id"] for it in _raw("staff")["items"] if it["id"].startswith("prac_")}
    levels = ("info", "consult", "dialogue", "partner")
    stages = ("agenda", "draft", "decision", "implement", "monitor")
    assert ids == {f"prac_{lv}_{st}" for lv in levels for st in stages}


def test_attitude_costs_are_reverse_keyed_and_benefits_are_not():
    items = {it["id"]: it for it in _raw("staff")["items"]}
    assert all(items[f"att_cost_{k}"]["reverse"] is True for k in (1, 2, 3))
    assert all(items[f"att_ben_{k}"]["reverse"] is False for k in (1, 2, 3))


def test_stakeholder_municipalities_are_those_of_the_active_region_profile():
    # the codebook names no region: its municipality and wave codes come from the profile
    from ruse_research.data import profile

    prof = profile.load()
    raw = _raw("stakeholders")["response_scales"]
    assert raw["municipality"]["values"] == "profile.municipalities"
    assert raw["wave"]["values"] == "profile.waves"
    labels = load_codebook("stakeholders").value_labels("municipality", "bg")
    assert list(labels.values()) == [m.label("bg") for m in prof.municipalities]
    assert len(labels) == len(prof.municipalities) >= 1


def test_group_blocks_name_only_the_four_stakeholder_groups():
    named = {g for it in _raw("stakeholders")["items"] for g in it.get("groups", [])}
    assert named <= {"citizen", "ngo", "business", "municipality"}
    assert "municipality" in named  # the municipality-only coordination item


def test_importance_items_pair_with_satisfaction_aspects():
    ids = {it["id"] for it in _raw("stakeholders")["items"]}
    aspects = {i[len("imp_"):] for i in ids if i.startswith("imp_")}
    assert len(aspects) >= 4
    assert all(f"sat_{a}" in ids for a in aspects)
