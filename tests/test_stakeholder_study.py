"""The stakeholder study recovers the effects planted in the demonstration data.

Each planted value comes from the active profile's truth.json (data/raw/truth.json for the
bundled Ruse demo, written by the seeded generator ruse_research.synthetic, seed 20190118; see
data/raw/README.md; another profile's data_dir for its own demo data), so the recovery checks
hold for any profile. The two chance misses marked xfail are facts of the Ruse demo draw: they
are expected only under the ``ruse`` profile and must pass under any other. The estimates come from
``ruse_research.studies.stakeholders``, the pipeline notebook 02 displays: ``load`` (scores,
raked citizen weights and the calibrated survey design), ``group_contrasts``,
``estimates_by_group``, ``wave_change``, ``weighting_sensitivity``, ``perception_gap`` and
``trust_slopes``. Every check asks: does the reported 95 % CI contain the planted
population value?
"""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest
import yaml
from shared_results import step

from ruse_research import paths
from ruse_research.data import codebook, io
from ruse_research.data import profile as region  # default paths of the active profile
from ruse_research.stats import survey as sv
from ruse_research.studies import stakeholders

GROUPS = {1: "citizen", 2: "ngo", 3: "business", 4: "municipality"}
MIRROR = ["mir_1", "mir_2", "mir_3", "mir_4", "mir_5"]


@pytest.fixture(scope="module")
def study(stakeholder_pipeline):
    loaded, _ = stakeholder_pipeline  # stakeholders.load of the two bundled exports, shared
    truth = json.loads(region.resolve("data/raw/truth.json").read_text(encoding="utf-8"))
    assert truth["synthetic"] is True
    return loaded, truth


def _inside(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


#: The two seed-specific chance misses below belong to the bundled Ruse demo data only.
RUSE_DEMO = region.load().id == "ruse"

# bench/recovery.py (1,000 seeds, calibrated SEs as here) covers businesses - citizens in
# wave 1 in 95.1 % of draws (95.5 % with fixed-weight SEs); the bundled seed happens to be one
# of the ~5 % that miss, by 0.049 on the 0-10 scale (CI [-0.788, 0.088]; fixed-weight SEs
# missed by 0.040, CI [-0.798, 0.097]).
_CHANCE_MISS = pytest.mark.xfail(
    RUSE_DEMO,
    strict=True,
    reason="seed 20190118: businesses - citizens trust, wave 1, CI [-0.788, 0.088] misses the "
    "planted -0.8375 by chance (coverage of this contrast over 1,000 seeds: 95.1 %)",
)


@pytest.mark.parametrize(
    ("wave", "group"),
    [
        pytest.param(wave, group, marks=_CHANCE_MISS if (wave, group) == (1, "business") else ())
        for wave in (1, 2)
        for group in ("ngo", "business", "municipality")
    ],
)
def test_group_differences_in_trust(study, wave, group):
    loaded, truth = study
    planted = truth["stakeholders"]["trust_by_group"]["difference_vs_citizen"][str(wave)]
    out = step(stakeholders.group_contrasts, loaded)
    out = out[(out["wave"] == wave) & (out["variable"] == "trust_ra")]
    assert sorted(out["group"]) == [2, 3, 4]
    row = out[out["group"].map(GROUPS) == group].iloc[0]
    assert _inside(row, planted[group]), (wave, group, planted[group], row["ci_low"], row["ci_high"])


@pytest.mark.parametrize("wave", [1, 2])
def test_trust_by_group_levels(study, wave):
    loaded, truth = study
    planted = truth["stakeholders"]["trust_by_group"]["values"][str(wave)]
    out = step(stakeholders.estimates_by_group, loaded)
    out = out[(out["variable"] == "trust_ra") & (out["wave"] == wave)]
    assert len(out) == 4
    for _, row in out.iterrows():
        assert _inside(row, planted[GROUPS[row["group"]]]), (wave, row["group"])


@pytest.mark.parametrize(
    ("variable", "key"),
    [
        ("aware_yes", "aware_role_share_yes"),
        ("public_image", "public_image_mean"),
        ("trust_ra", "trust_ra_mean"),
    ],
)
def test_change_between_waves_for_citizens(study, variable, key):
    loaded, truth = study
    change = step(stakeholders.wave_change, loaded)
    row = change[(change["group_code"] == 1) & (change["variable"] == variable)].iloc[0]
    planted = truth["stakeholders"]["wave_change"][key]
    assert row["group"] == 2 and row["reference"] == 1
    assert _inside(row, planted["difference"]), (variable, planted, row["ci_low"], row["ci_high"])


@pytest.mark.parametrize("wave", [1, 2])
def test_weighting_removes_the_planted_bias(study, wave):
    """Weighted citizen estimates cover the population values; unweighted ones miss trust."""
    loaded, truth = study
    planted = truth["stakeholders"]["weighting_bias"]["values"][str(wave)]
    sensitivity = step(stakeholders.weighting_sensitivity, loaded, (0.5, 2.0))
    sensitivity = sensitivity[sensitivity["wave"] == wave]
    weighted = sensitivity[sensitivity["version"] == "weighted"].set_index("variable")
    for variable, key in [
        ("trust_ra", "trust_ra_mean"),
        ("public_image", "public_image_mean"),
        ("aware_yes", "aware_role_share_yes"),
    ]:
        assert _inside(weighted.loc[variable], planted[key]["population"]), variable
    unweighted = sensitivity[sensitivity["version"] == "unweighted"].set_index("variable")
    assert not _inside(unweighted.loc["trust_ra"], planted["trust_ra_mean"]["population"])


@pytest.mark.parametrize("wave", [1, 2])
def test_perception_gap_staff_minus_groups(study, wave):
    loaded, truth = study
    assert loaded.mirror == MIRROR
    gaps = step(stakeholders.perception_gap, loaded)
    gaps = gaps[gaps["wave"] == wave]
    planted = truth["perception_gap"]["values"][str(wave)]
    score = gaps[gaps["variable"] == "admin_image"]
    assert len(score) == 4
    for _, row in score.iterrows():
        value = planted[GROUPS[row["group"]]]["admin_image_mean"]
        assert _inside(row, value), (wave, GROUPS[row["group"]], value, row["ci_low"], row["ci_high"])
    # Item by item: 20 intervals per wave, each 95 %; allow the misses chance alone gives
    # (P(more than 3 misses of 20) = 1.6 % for independent intervals).
    items = gaps[gaps["variable"] != "admin_image"]
    covered = [
        _inside(r, planted[GROUPS[r["group"]]][f"{r['variable']}_mean"])
        for _, r in items.iterrows()
    ]
    assert len(covered) == 20 and sum(covered) >= 17


def _slope(loaded, wave):
    slopes = step(stakeholders.trust_slopes, loaded)
    return slopes[(slopes["wave"] == wave) & (slopes["term"] == "responsiveness")].iloc[0]


def test_driver_of_trust_wave_2(study):
    loaded, truth = study
    assert _inside(_slope(loaded, 2), truth["stakeholders"]["trust_driver"]["slope"]["2"])


@pytest.mark.xfail(
    RUSE_DEMO,
    strict=True,
    reason="seed 20190118 draws a wave-1 citizen sample whose trust-responsiveness slope is "
    "0.42 [0.31, 0.54] against the planted population slope 0.6175 (sample r 0.39 vs population "
    "0.52); the same helpers cover the planted slope in both waves for seeds 1-4 "
    "(test_driver_of_trust_other_seed checks seed 1)",
)
def test_driver_of_trust_wave_1(study):
    loaded, truth = study
    assert _inside(_slope(loaded, 1), truth["stakeholders"]["trust_driver"]["slope"]["1"])


@pytest.mark.slow  # generates and analyses a second demo data set
def test_driver_of_trust_other_seed(tmp_path):
    """A second seeded draw: the planted driver is recovered in both waves."""
    from ruse_research import synthetic

    synthetic.write(tmp_path, seed=1)
    loaded = stakeholders.load(tmp_path / "stakeholders.csv", tmp_path / "staff.csv")
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    for wave in (1, 2):
        slope = _slope(loaded, wave)
        assert _inside(slope, truth["stakeholders"]["trust_driver"]["slope"][str(wave)]), wave


def test_trust_has_an_ordinal_model_with_the_linear_model_as_its_check(study):
    """The proportional-odds model of trust: the linear model's terms (no intercept), the
    same rows, increasing thresholds, and odds ratios on the same side of 1 as the linear
    coefficients wherever the linear CI excludes 0."""
    from ruse_research.studies import stakeholder_models

    loaded, _ = study
    linear = stakeholders.trust_model(loaded)
    ordinal = stakeholder_models.trust_ordinal(loaded)
    coef = ordinal[ordinal["kind"] == "coefficient"]
    assert coef["term"].tolist() == linear["term"].tolist()[1:]
    assert (ordinal["n"] == linear["n"].iloc[0]).all()
    thresholds = ordinal.loc[ordinal["kind"] == "threshold", "estimate"].to_numpy()
    assert len(thresholds) == 10 and (np.diff(thresholds) > 0).all()
    np.testing.assert_allclose(coef["linear_estimate"], linear["estimate"].iloc[1:])
    clear = (coef["linear_low"] > 0) | (coef["linear_high"] < 0)
    assert clear.sum() >= 2
    assert ((coef["odds_ratio"] > 1) == (coef["linear_estimate"] > 0))[clear].all()
    assert ((coef["or_low"] < coef["odds_ratio"]) & (coef["odds_ratio"] < coef["or_high"])).all()
    satisfaction = stakeholder_models.satisfaction_ordinal(loaded)
    linear = stakeholders.satisfaction_model(loaded)
    coef = satisfaction[satisfaction["kind"] == "coefficient"]
    assert coef["term"].tolist() == linear["term"].tolist()[1:]
    assert satisfaction.loc[satisfaction["kind"] == "threshold", "term"].tolist() == [
        "1|2", "2|3", "3|4", "4|5"]
    np.testing.assert_allclose(coef["linear_estimate"], linear["estimate"].iloc[1:])


def test_design_weights_meet_the_margins(study):
    loaded, _ = study
    sample = loaded.sample
    data = sample.data
    margins, recodes = sv.reference_margins(region.resolve("data/reference/population_margins.csv"))
    citizens = data[data["group"] == 1]
    for wave, part in citizens.groupby("wave"):
        assert part["weight_population"].sum() == pytest.approx(sample.population)
        assert part["weight"].mean() == pytest.approx(1.0)
        for variable, (survey_variable, code_map) in recodes.items():
            sums = part.groupby(part[survey_variable].map(code_map))["weight_population"].sum()
            for category, total in margins[variable].items():
                assert sums[category] == pytest.approx(total, rel=1e-6), (wave, variable, category)
    organisations = data[data["group"] != 1]
    assert (organisations["weight"] == 1.0).all()
    # the calibration the design carries: citizens' raking categories, wave by wave
    design = loaded.design
    assert design.calibration == ("rake_sex", "rake_age_group", "rake_municipality")
    assert design.calibration_group == "rake_group"
    assert (design.weights, design.strata, design.psu) == ("weight", "stratum", None)
    assert not sample.fixed.is_calibrated
    assert organisations[[*design.calibration, "rake_group"]].isna().all().all()
    assert (citizens["rake_group"] == citizens["wave"]).all()
    for variable, (survey_variable, code_map) in recodes.items():
        assert (citizens[f"rake_{variable}"] == citizens[survey_variable].map(code_map)).all()
    raw = io.read_survey(
        region.resolve("data/raw/stakeholders.csv"), codebook.load_codebook("stakeholders")
    )
    unraked = (raw["group"] == 1) & (raw["sex"].isna() | raw["age_band"].isna())
    assert int(sample.excluded["n_excluded"].sum()) == int(unraked.sum()) > 0
    assert len(data) == len(raw) - int(unraked.sum())


def test_omnibus_tests_use_the_calibrated_design(study):
    """Rao-Scott and Wald run on the calibrated design: the same as on the design subset to
    the wave, and not the fixed-weight statistics."""
    loaded, _ = study
    wald = stakeholders.wald_tests(loaded)
    chi = stakeholders.rao_scott_tests(loaded)
    wave1 = loaded.design.subset(loaded.data["wave"] == 1)
    fixed1 = loaded.sample.fixed.subset(loaded.data["wave"] == 1)
    calibrated = sv.wald_test(wave1, "trust_ra", "group")["statistic"].iloc[0]
    fixed = sv.wald_test(fixed1, "trust_ra", "group")["statistic"].iloc[0]
    assert wald["statistic"].iloc[0] == pytest.approx(calibrated, rel=1e-12)
    assert abs(calibrated / fixed - 1) > 1e-3
    calibrated = sv.rao_scott(wave1, "aware_role", "group")["statistic"].iloc[0]
    assert chi["statistic"].iloc[0] == pytest.approx(calibrated, rel=1e-12)
    assert (chi["p_holm"] >= chi["p_value"]).all()


def test_results_and_key_findings_come_from_one_pipeline(study, stakeholder_pipeline):
    loaded, results = stakeholder_pipeline  # results = stakeholders.analyse(loaded)
    key = stakeholders.key_findings(results)
    assert key.top[1] <= key.top[0] <= key.top[2]
    assert key.top_group in GROUPS and key.low_group in GROUPS
    latest = results.estimates[(results.estimates["wave"] == 2)
                               & (results.estimates["variable"] == "trust_ra")]
    assert key.top[0] == latest["estimate"].max()
    # quotes only from themes with at least 10 answers
    assert all(q.n >= 10 and len(q.quotes) <= 2 for q in results.themes.quotes)
    # the key findings: every one with n, linked to its table or figure, effect sizes as d
    from ruse_research.display import report
    from ruse_research.studies import stakeholder_tables, stakeholder_texts

    t = report.texts("stakeholders", "en")
    items = stakeholder_texts.key_findings(key, stakeholder_tables.labels(loaded, t, results.themes.themes))
    assert len(items) == 7 and all("n = " in i.text and i.ref for i in items)
    assert items[2].effect == ("d", key.std["image_change"]) and items[2].ref == "table:change_between_waves"
    # the ordinal finding states the responsiveness odds ratio of the published ordinal table
    row = results.trust_ordinal.set_index("term").loc["responsiveness"]
    assert key.trust_odds == (row["odds_ratio"], row["or_low"], row["or_high"])
    assert items[4].ref == "table:driver_trust_ordinal" and t.ci(*key.trust_odds) in items[4].text
    assert f"n = {t.int(row['n'])}" in items[4].text
    assert f"n = {t.int(key.n['staff'])} staff" in items[5].text


def test_notebook_parameters_and_params_files():
    nb = nbformat.read(paths.resolve("notebooks/02_stakeholder_opinions.ipynb"), as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code_cells[0].metadata.get("tags", [])
    namespace: dict = {}
    exec(code_cells[0].source, namespace)  # the parameters cell is plain assignments
    assert namespace["lang"] == "en"
    assert namespace["stakeholders_path"] == "data/raw/stakeholders.csv"
    assert namespace["staff_path"] == "data/raw/staff.csv"
    for lang in ("bg", "en"):
        params = yaml.safe_load(
            paths.resolve(f"params/stakeholder_opinions.{lang}.yaml").read_text(encoding="utf-8")
        )
        assert params["notebook"] == "notebooks/02_stakeholder_opinions.ipynb"
        assert params["parameters"]["lang"] == lang
        assert set(params["parameters"]) <= set(namespace)
