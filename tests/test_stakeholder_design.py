"""The stakeholder study follows the design in the data (issue 15, items 3 and 4).

Variants of the bundled demonstration data are written to temporary folders: one wave, three
groups, no citizens, two groups, no staff file, margins in Windows-1251 with ``;``, merged
municipalities, the team's own weight column and a municipality with fewer than 5 citizens.
Each goes through ``stakeholders.load`` / ``analyse`` (no kernel), and the tables, labels
and notes (what could not be estimated, and why) are checked exactly. One slow test runs
notebook 02 through the runner on the one-wave, no-staff variant.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ruse_research import paths
from ruse_research.data import profile as region  # default paths of the active profile
from ruse_research.display import report
from ruse_research.errors import ParamsError
from ruse_research.runner import params as run_params
from ruse_research.stats import survey as sv
from ruse_research.stats import text
from ruse_research.stats.survey.reference import read_margins
from ruse_research.studies import stakeholder_tables as tables
from ruse_research.studies import stakeholder_texts as texts
from ruse_research.studies import stakeholders

ROOT = Path(__file__).resolve().parents[1]
# the active profile's margins and staff export (data/raw/... reads its data_dir)
MARGINS = region.resolve(region.DEFAULT_MARGINS)
STAFF = "data/raw/staff.csv"
PROFILE = region.load()
#: The year of the first wave, as the notes and findings state it.
YEAR_1 = PROFILE.waves[0].year
# a whole study run (load and analyse) takes seconds: the design variants are the slow tier,
# except the one-wave, no-staff variant of the "done when"
STUDY_RUN = pytest.mark.slow


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(region.resolve("data/raw/stakeholders.csv"), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module", autouse=True)
def coded_once():
    """Code every distinct open answer once for the module: coding is row by row, so a
    variant's coding is its rows' codings (the same function, ten seconds saved a variant)."""
    original = text.code_answers
    memo: dict = {}

    def code_answers(series, themes):
        fresh = pd.Series([a for a in dict.fromkeys(series.tolist()) if a not in memo], dtype=object)
        if len(fresh):
            for answer, row in zip(fresh, original(fresh, themes).itertuples(index=False),
                                   strict=True):
                memo[answer] = row
        columns = [*themes.ids, text.NOT_CODED]
        return pd.DataFrame([list(memo[a]) for a in series.tolist()], index=series.index,
                            columns=columns, dtype="boolean")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text, "code_answers", code_answers)
        yield


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("design")


def _write(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path


def _run(path, staff=STAFF, margins=MARGINS, **kwargs):
    study = stakeholders.load(path, staff, margins, **kwargs)
    results = stakeholders.analyse(study)
    names = tables.labels(study, report.texts("stakeholders", "en"), results.themes.themes)
    return study, results, names


def _keys(results) -> list[str]:
    return [n.key for n in results.notes]


@pytest.mark.slow  # the whole stakeholder analysis on a one-wave export
def test_one_wave_without_staff(raw, folder):
    path = _write(folder, "one_wave", raw[raw["wave"] == "1"])
    study, results, names = _run(path, staff=None)
    assert results.waves == (1,) and results.latest_wave == 1
    assert study.staff is None and results.gaps.empty and results.change.empty
    assert set(results.estimates["wave"]) == {1}
    assert list(results.trust_model["term"]) == [
        "Intercept", "responsiveness", "impartiality", "contact_yes"]
    assert list(results.trust_ordinal.query("kind == 'coefficient'")["term"]) == [
        "responsiveness", "impartiality", "contact_yes"]
    assert _keys(results) == ["note_one_wave", "note_no_staff"]
    assert texts.all_notes(results, names) == [
        f"The data hold one wave ({YEAR_1}): change between waves cannot be estimated, and the "
        "models have no wave term.",
        "No staff file was given (staff_path: null): the perception gap between staff and "
        "stakeholders cannot be estimated.",
    ]
    key = stakeholders.key_findings(results)
    assert key.image_change is None and key.citizen_gap is None and key.slope is not None
    sentences = texts.findings(key, names)
    assert len(sentences) == 5 and sentences[1].startswith(f"In {YEAR_1} trust is highest among")
    with pytest.raises(sv.WeightingError, match=r"^parameter latest_wave = 2: no such wave in "
                       r"the data; expected one of 1 \(or null for the last one\)$"):
        stakeholders.analyse(study, latest_wave=2)


@STUDY_RUN
def test_three_groups(raw, folder):
    path = _write(folder, "groups_123", raw[raw["group"].isin(["1", "2", "3"])])
    _, results, names = _run(path)
    assert results.groups == (1, 2, 3)
    assert set(results.estimates["group"]) == {1, 2, 3}
    assert (results.wald["ndf"] == 2.0).all() and len(results.wald) == 6
    assert len(results.rao_scott) == 8
    assert sorted(set(results.contrasts["group"])) == [2, 3]
    assert sorted(set(results.change["group_code"])) == [1, 2, 3]
    assert set(results.gaps["group"]) == {1, 2, 3}
    assert _keys(results) == ["note_groups_absent"]
    assert texts.all_notes(results, names) == [
        "The data hold no answers from: Municipal administrations; these groups are left out "
        "of every table."]
    assert stakeholders.key_findings(results).municipality_gap is None


@STUDY_RUN
def test_no_citizens_means_no_raking(raw, folder):
    path = _write(folder, "groups_234", raw[raw["group"].isin(["2", "3", "4"])])
    study, results, names = _run(path)
    assert study.sample.method == "none" and not study.design.is_calibrated
    assert (study.data["weight"] == 1.0).all()
    for frame in (results.margins, results.diagnostics, results.sensitivity, results.slopes,
                  results.trust_model, results.trust_ordinal, results.ipa,
                  results.by_municipality):
        assert frame.empty
    assert results.reference == 2
    assert sorted(set(results.contrasts["group"])) == [3, 4]
    assert (results.contrasts["reference"] == 2).all()
    assert _keys(results) == ["note_groups_absent", *["note_no_citizens"] * 4,
                              "note_contrast_reference"]
    _, kwargs = tables.published("group_contrasts", results.contrasts, names)
    assert kwargs["caption"] == "Differences from NGOs (group minus NGOs)"
    key = stakeholders.key_findings(results)
    assert key.weighted_trust is None and key.top_contrast is not None


@STUDY_RUN
def test_two_groups_have_a_contrast_and_no_omnibus_test(raw, folder):
    path = _write(folder, "groups_12", raw[raw["group"].isin(["1", "2"])])
    _, results, _ = _run(path)
    assert results.rao_scott.empty and results.wald.empty
    assert len(results.contrasts) == 6 and set(results.contrasts["group"]) == {2}
    assert _keys(results) == ["note_groups_absent", "note_no_omnibus"]


def test_cp1251_semicolon_margins_give_the_same_weights(folder):
    table = pd.read_csv(MARGINS, dtype=str, keep_default_na=False)
    table["share"] = table["share"].str.replace(".", ",", regex=False)
    path = folder / "margins_cp1251.csv"
    # letters Windows-1251 lacks (the 'š' of a source note) become '?', as in a team's own file
    path.write_bytes(table.to_csv(index=False, sep=";").encode("cp1251", errors="replace"))
    read, default_margins = read_margins(path), read_margins(MARGINS)
    assert read.recodes == default_margins.recodes and read.labels == default_margins.labels
    for variable, margin in default_margins.margins.items():
        assert read.margins[variable] == pytest.approx(margin, rel=1e-12)
    default = stakeholders.load("data/raw/stakeholders.csv", STAFF, MARGINS)
    cp1251 = stakeholders.load("data/raw/stakeholders.csv", STAFF, path)
    pd.testing.assert_series_equal(default.data["weight"], cp1251.data["weight"], rtol=1e-12)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("share", "abc", "margins_bad.csv, row 3, column 'share': found 'abc', expected a "
         "positive number (fix the margins file)"),
        ("survey_codes", "1 x", "margins_bad.csv, row 3, column 'survey_codes': found '1 x', "
         "expected whole-number survey codes separated by spaces, e.g. '3 4' (fix the margins "
         "file)"),
        ("category", "1", "margins_bad.csv, row 3, column 'category': found '1', expected each "
         "category of margin 'sex' once (fix the margins file)"),
    ],
)
def test_a_broken_margins_file_gives_one_line(folder, column, value, expected):
    table = pd.read_csv(MARGINS, dtype=str, keep_default_na=False)
    table.loc[1, column] = value  # row 3 of the file
    path = folder / "margins_bad.csv"
    table.to_csv(path, index=False)
    with pytest.raises(sv.WeightingError) as err:
        read_margins(path)
    assert str(err.value) == expected


def _merged_margins(folder: Path) -> Path:
    """The margins with the profile's last two municipalities merged into one row."""
    table = pd.read_csv(MARGINS, dtype=str, keep_default_na=False)
    municipality = table["variable"] == "municipality"
    first, second = (str(m.code) for m in PROFILE.municipalities[-2:])
    kept = table.index[municipality & (table["category"] == first)][0]
    dropped = table.index[municipality & (table["category"] == second)][0]
    for column in ("population", "share"):
        table.loc[kept, column] = str(float(table.loc[kept, column]) + float(table.loc[dropped, column]))
    table.loc[kept, "survey_codes"] = f"{first} {second}"  # labels stay the first municipality's
    path = folder / "margins_merged.csv"
    table.drop(index=dropped).to_csv(path, index=False)
    return path


@STUDY_RUN
def test_merged_municipalities_are_labelled_as_merged(folder):
    study, results, names = _run("data/raw/stakeholders.csv", margins=_merged_margins(folder))
    categories = results.margins.loc[results.margins["variable"] == "municipality", "category"]
    *others, before, first, second = PROFILE.municipalities
    merged = f"{first.label('en')} + {second.label('en')}"
    assert sorted(set(categories)) == [m.code for m in (*others, before, first)]
    assert names["margin_category"][("municipality", first.code)] == merged
    assert names["margin_category"][("municipality", before.code)] == before.label("en")
    assert names["margin"] == {"sex": "Sex", "age_group": "Age", "municipality": "Municipality"}
    table, _ = tables.published("weighting_margins", results.margins, names)
    assert merged in set(table["Category"])


def test_a_margin_category_without_respondents_names_the_file_and_category(folder):
    table = pd.read_csv(MARGINS, dtype=str, keep_default_na=False)
    code = str(max(m.code for m in PROFILE.municipalities) + 1)  # a code no respondent has
    extra = table[table["variable"] == "municipality"].iloc[[-1]].assign(category=code, survey_codes=code)
    path = folder / "margins_extra.csv"
    pd.concat([table, extra]).to_csv(path, index=False)
    with pytest.raises(sv.RakingError) as err:
        stakeholders.load("data/raw/stakeholders.csv", STAFF, path)
    assert str(err.value) == (
        f"raking to margins_extra.csv (wave 1): margin 'municipality': category {code} has no "
        "respondents (or only zero weights); collapse it with a neighbouring category (in a "
        "margins file: one row whose survey_codes hold both codes, e.g. '7 8')"
    )


def test_trim_bounds_that_cannot_hold_leave_out_the_check_with_a_note():
    # a sparse category (a municipality of 3 citizens in a wave) or tight bounds must not
    # stop the study: the bounded-weights check is left out and a note says so
    study = stakeholders.load("data/raw/stakeholders.csv", STAFF)
    out = stakeholders.weighting_sensitivity(study, [0.95, 1.05])
    assert set(out["version"]) == {"unweighted", "weighted"}
    assert out.attrs["trim_failed"] == (0.95, 1.05)
    notes = stakeholders._notes(study, {"sensitivity": out, "by_municipality": pd.DataFrame(
        {"n": [], "municipality": []})}, 2)
    assert stakeholders.Note("weighting", "note_trim_failed", (0.95, 1.05)) in notes
    with pytest.raises(sv.WeightingError, match=r"^parameter trim_bounds = \[2, 3\]: expected"):
        stakeholders.check_analysis_parameters(study, [2, 3], None)


def _weighted_codebook(folder: Path) -> Path:
    text = paths.resolve("data/codebooks/stakeholders.yaml").read_text(encoding="utf-8")
    text += (
        "  - id: w_own\n    type: numeric\n"
        "    text: {bg: \"Тегло на екипа\", en: \"The team's weight\"}\n    source: new\n"
    )
    path = folder / "stakeholders.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@STUDY_RUN
def test_own_weight_column(raw, folder):
    book = _weighted_codebook(folder)
    frame = raw.copy()
    citizen = frame["group"] == "1"
    frame["w_own"] = ""
    frame.loc[citizen, "w_own"] = [str(1 + i % 3) for i in range(int(citizen.sum()))]
    path = _write(folder, "own_weights", frame)
    study, results, names = _run(path, weight_column="w_own", codebook=book)
    assert study.sample.method == "own" and not study.design.is_calibrated
    data = study.data
    citizens = data[data["group"] == 1]
    assert len(data) == len(frame)  # nobody left out: nothing is raked
    assert (citizens["weight_population"] == citizens["w_own"].astype(float)).all()
    assert results.margins.empty and set(results.sensitivity["version"]) == {"unweighted", "weighted"}
    assert _keys(results) == ["note_own_weights"]
    assert texts.all_notes(results, names)[0].startswith("Citizens carry the team's own weights "
                                                         "(column w_own)")
    frame.loc[frame.index[citizen][4], "w_own"] = "0"
    path = _write(folder, "own_weights_bad", frame)
    with pytest.raises(sv.WeightingError) as err:
        stakeholders.load(path, STAFF, weight_column="w_own", codebook=book)
    row = int(frame.index[citizen][4]) + 2
    assert str(err.value) == (f"stakeholders, row {row}, column 'w_own': found 0.0, expected a "
                              "positive, finite weight for every citizen (parameter weight_column)")


@STUDY_RUN
def test_sparse_municipality_is_suppressed_with_a_note(folder, monkeypatch):
    """A fact of the bundled Ruse demo (Tsenovo is sparse in 2020 as drawn), so it pins the
    ``ruse`` profile: its data, margins and codebook labels."""
    monkeypatch.setenv(region.PROFILE_ENV, "ruse")
    raw = pd.read_csv(region.resolve("data/raw/stakeholders.csv"), dtype=str, keep_default_na=False)
    borovo = raw[(raw["wave"] == "2") & (raw["group"] == "1") & (raw["municipality"] == "8")]
    path = _write(folder, "sparse", raw.drop(borovo.index[3:]))
    study = stakeholders.load(path, STAFF, region.resolve(region.DEFAULT_MARGINS))
    results = stakeholders.analyse(study, trim_bounds=None)
    names = tables.labels(study, report.texts("stakeholders", "en"), results.themes.themes)
    assert study.sample.pooled == ((2, "8"),)
    assert "2-1-pooled" in set(study.data["stratum"])
    hidden = results.by_municipality[results.by_municipality["n"].isna()]
    assert 8 in set(hidden["municipality"])
    assert "trimmed" not in set(results.sensitivity["version"])
    assert texts.notes(results, "estimates", names) == [
        "Municipalities with fewer than 5 citizens in a wave (Borovo (2020)) are pooled into "
        "one stratum for the variance; their estimates by municipality are not shown.",
        "Hidden because fewer than 5 citizens answered (2020): Tsenovo, Borovo.",
    ]


# ------------------------------------------------------------------ params, before any kernel


def _project(tmp_path: Path, parameters: str, margins: bytes | None = None) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for name in ("pyproject.toml", "notebooks", "data"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("*.xlsx", "*.sav"))
        else:
            shutil.copy2(source, root / name)
    (root / "params").mkdir()
    if margins is not None:  # the file the active profile's runs read as their margins
        (root / PROFILE.data_path(region.DEFAULT_MARGINS)).write_bytes(margins)
    (root / "params" / "variant.en.yaml").write_text(
        "notebook: notebooks/02_stakeholder_opinions.ipynb\ntitle: Variant\nparameters:\n"
        "  lang: en\n" + parameters, encoding="utf-8")
    return root


def test_params_accept_a_null_staff_file_and_check_the_design(tmp_path):
    root = _project(tmp_path, "  staff_path: null\n  trim_bounds: null\n  latest_wave: 3\n")
    run = run_params.load_run(root / "params" / "variant.en.yaml", root=root)
    assert run.parameters["staff_path"] is None and "staff_path" not in run.inputs
    assert run.parameters["trim_bounds"] is None
    with pytest.raises(ParamsError) as err:
        run_params.check_stakeholder_inputs(run, root)
    assert str(err.value) == ("params/variant.en.yaml: parameters.latest_wave: found 3, expected "
                              "a wave of stakeholders.csv (1, 2) or null for the last one")


def test_margins_are_read_and_checked_before_any_kernel(tmp_path):
    table = pd.read_csv(MARGINS, dtype=str, keep_default_na=False)
    root = _project(tmp_path, "", table.to_csv(index=False, sep=";").encode("cp1251", errors="replace"))
    run = run_params.load_run(root / "params" / "variant.en.yaml", root=root)
    assert run_params.check_stakeholder_inputs(run, root) == [
        f"population_margins.csv: 3 margins (sex, age_group, municipality), {len(table)} categories - OK"]
    assert table.loc[5, "variable"] == "municipality"  # row 7 of the file
    table.loc[5, "survey_variable"] = "town"
    (root / PROFILE.data_path(region.DEFAULT_MARGINS)).write_text(table.to_csv(index=False))
    with pytest.raises(sv.WeightingError) as err:
        run_params.validate_inputs(run, root)
    assert str(err.value) == ("population_margins.csv, row 7, column 'survey_variable': found "
                              "'town', expected 'municipality' like the other rows of margin "
                              "'municipality' (fix the margins file)")


@pytest.mark.slow
def test_the_report_says_what_one_wave_without_staff_cannot_estimate(tmp_path, raw):
    root = _project(tmp_path, "  stakeholders_path: data/raw/one_wave.csv\n  staff_path: null\n")
    raw[raw["wave"] == "1"].to_csv(root / PROFILE.data_path("data/raw/one_wave.csv"), index=False)
    env = {**os.environ, "RUSE_RESEARCH_ROOT": str(root), "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "ruse_research", "run", "variant.en"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = (root / "outputs" / "variant.en" / "report.html").read_text(encoding="utf-8")
    assert "What these data could not estimate" in html
    assert (f"The data hold one wave ({YEAR_1}): change between waves cannot be estimated, and the "
            "models have no wave term.") in html
    assert ("No staff file was given (staff_path: null): the perception gap between staff and "
            "stakeholders cannot be estimated.") in html
