"""The stakeholder study recovers the effects planted in the demonstration data.

Each planted value comes from data/raw/truth.json (written by the seeded generator,
ruse_research.synthetic, seed 20190118; see data/raw/README.md). The estimates come from
the same functions, called the same way, as notebooks/02_stakeholder_opinions.ipynb:
``weighting.stakeholder_scores`` + ``weighting.stakeholder_design`` for the data,
``compare_means`` for group differences and change between waves,
``difference_between_samples`` for the staff-stakeholder perception gap and
``linear_model`` for the driver of trust. As in the notebook, the citizens' raked weights
enter as calibration (``design.calibration``: standard errors residualised on the raking
margins, wave by wave). Every check asks: does the reported 95 % CI contain the planted
population value?
"""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest
import yaml

from ruse_research import paths
from ruse_research.data import codebook, io
from ruse_research.stats import scales
from ruse_research.stats import weighting as wt

GROUPS = {1: "citizen", 2: "ngo", 3: "business", 4: "municipality"}
DESIGN = {"strata": "stratum"}  # as the notebook's design_kw


def _raked(design) -> dict:
    """The notebook's raked_kw: the design plus the citizens' raking margins."""
    return {**DESIGN, **design.calibration}


MIRROR = ["mir_1", "mir_2", "mir_3", "mir_4", "mir_5"]


def _load(stakeholders_csv, staff_csv):
    """The notebook's first code cell after the parameters, as functions."""
    book = codebook.load_codebook("stakeholders")
    staff_book = codebook.load_codebook("staff")
    answers = io.read_survey(stakeholders_csv, book)
    answers = pd.concat([answers, wt.stakeholder_scores(answers, book)], axis=1)
    design = wt.stakeholder_design(answers, paths.resolve("data/reference/population_margins.csv"))
    staff = io.read_survey(staff_csv, staff_book)
    staff_keys = scales.codebook_keys(staff_book, ["admin_image"])
    staff = pd.concat([staff, scales.score(staff, **staff_keys.kwargs())], axis=1)
    return design, staff


@pytest.fixture(scope="module")
def study():
    design, staff = _load(
        paths.resolve("data/raw/stakeholders.csv"), paths.resolve("data/raw/staff.csv")
    )
    truth = json.loads(paths.resolve("data/raw/truth.json").read_text(encoding="utf-8"))
    assert truth["synthetic"] is True
    return design, staff, truth


def _inside(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


# bench/recovery.py (1,000 seeds, calibrated SEs as here) covers businesses - citizens in
# wave 1 in 95.1 % of draws (95.5 % with fixed-weight SEs); the bundled seed happens to be one
# of the ~5 % that miss, by 0.049 on the 0-10 scale (CI [-0.788, 0.088]; fixed-weight SEs
# missed by 0.040, CI [-0.798, 0.097]).
_CHANCE_MISS = pytest.mark.xfail(
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
    design, _, truth = study
    data = design.data
    planted = truth["stakeholders"]["trust_by_group"]["difference_vs_citizen"][str(wave)]
    out = wt.compare_means(
        data[data["wave"] == wave], "trust_ra", "group", "weight", reference=1, **_raked(design)
    )
    assert sorted(out["group"]) == [2, 3, 4]
    row = out[out["group"].map(GROUPS) == group].iloc[0]
    assert _inside(row, planted[group]), (
        wave,
        group,
        planted[group],
        row["ci_low"],
        row["ci_high"],
    )


@pytest.mark.parametrize("wave", [1, 2])
def test_trust_by_group_levels(study, wave):
    design, _, truth = study
    planted = truth["stakeholders"]["trust_by_group"]["values"][str(wave)]
    out = wt.estimate(design.data, "trust_ra", "weight", by=["wave", "group"], **_raked(design))
    for _, row in out[out["wave"] == wave].iterrows():
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
    design, _, truth = study
    data = design.data
    row = wt.compare_means(
        data[data["group"] == 1], variable, "wave", "weight", reference=1, **_raked(design)
    ).iloc[0]
    planted = truth["stakeholders"]["wave_change"][key]
    assert row["group"] == 2 and row["reference"] == 1
    assert _inside(row, planted["difference"]), (variable, planted, row["ci_low"], row["ci_high"])


@pytest.mark.parametrize("wave", [1, 2])
def test_weighting_removes_the_planted_bias(study, wave):
    """Weighted citizen estimates cover the population values; unweighted ones miss trust."""
    design, _, truth = study
    citizens = design.data[design.data["group"] == 1]
    planted = truth["stakeholders"]["weighting_bias"]["values"][str(wave)]
    weighted = wt.estimate(
        citizens, ["trust_ra", "public_image", "aware_yes"], "weight", by="wave", **_raked(design)
    )
    weighted = weighted[weighted["wave"] == wave].set_index("variable")
    for variable, key in [
        ("trust_ra", "trust_ra_mean"),
        ("public_image", "public_image_mean"),
        ("aware_yes", "aware_role_share_yes"),
    ]:
        assert _inside(weighted.loc[variable], planted[key]["population"]), variable
    unweighted = wt.estimate(citizens.assign(weight=1.0), "trust_ra", "weight", by="wave", **DESIGN)
    unweighted = unweighted[unweighted["wave"] == wave].iloc[0]
    assert not _inside(unweighted, planted["trust_ra_mean"]["population"])


@pytest.mark.parametrize("wave", [1, 2])
def test_perception_gap_staff_minus_groups(study, wave):
    design, staff, truth = study
    data = design.data
    gaps = wt.difference_between_samples(
        staff,
        data[data["wave"] == wave],
        [*MIRROR, "admin_image"],
        second_weights="weight",
        by="group",
        second_design=_raked(design),
    )
    planted = truth["perception_gap"]["values"][str(wave)]
    score = gaps[gaps["variable"] == "admin_image"]
    assert len(score) == 4
    for _, row in score.iterrows():
        value = planted[GROUPS[row["group"]]]["admin_image_mean"]
        assert _inside(row, value), (
            wave,
            GROUPS[row["group"]],
            value,
            row["ci_low"],
            row["ci_high"],
        )
    # Item by item: 20 intervals per wave, each 95 %; allow the misses chance alone gives
    # (P(more than 3 misses of 20) = 1.6 % for independent intervals).
    items = gaps[gaps["variable"] != "admin_image"]
    covered = [
        _inside(r, planted[GROUPS[r["group"]]][f"{r['variable']}_mean"])
        for _, r in items.iterrows()
    ]
    assert len(covered) == 20 and sum(covered) >= 17


def test_driver_of_trust_wave_2(study):
    design, _, truth = study
    citizens = design.data[design.data["group"] == 1]
    row = (
        wt.linear_model(
            citizens[citizens["wave"] == 2],
            "trust_ra",
            ["responsiveness"],
            "weight",
            **_raked(design),
        )
        .set_index("term")
        .loc["responsiveness"]
    )
    assert _inside(row, truth["stakeholders"]["trust_driver"]["slope"]["2"])


@pytest.mark.xfail(
    strict=True,
    reason="seed 20190118 draws a wave-1 citizen sample whose trust-responsiveness slope is "
    "0.42 [0.31, 0.54] against the planted population slope 0.6175 (sample r 0.39 vs population "
    "0.52); the same helpers cover the planted slope in both waves for seeds 1-4 "
    "(test_driver_of_trust_other_seed checks seed 1)",
)
def test_driver_of_trust_wave_1(study):
    design, _, truth = study
    citizens = design.data[design.data["group"] == 1]
    row = (
        wt.linear_model(
            citizens[citizens["wave"] == 1],
            "trust_ra",
            ["responsiveness"],
            "weight",
            **_raked(design),
        )
        .set_index("term")
        .loc["responsiveness"]
    )
    assert _inside(row, truth["stakeholders"]["trust_driver"]["slope"]["1"])


def test_driver_of_trust_other_seed(tmp_path):
    """A second seeded draw: the planted driver is recovered in both waves."""
    from ruse_research import synthetic

    synthetic.write(tmp_path, seed=1)
    design, _ = _load(tmp_path / "stakeholders.csv", tmp_path / "staff.csv")
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    citizens = design.data[design.data["group"] == 1]
    for wave in (1, 2):
        row = (
            wt.linear_model(
                citizens[citizens["wave"] == wave],
                "trust_ra",
                ["responsiveness"],
                "weight",
                **_raked(design),
            )
            .set_index("term")
            .loc["responsiveness"]
        )
        assert _inside(row, truth["stakeholders"]["trust_driver"]["slope"][str(wave)]), wave


def test_design_weights_meet_the_margins(study):
    design, _, _ = study
    data = design.data
    margins, recodes = wt.reference_margins(paths.resolve("data/reference/population_margins.csv"))
    citizens = data[data["group"] == 1]
    for wave, part in citizens.groupby("wave"):
        assert part["weight_population"].sum() == pytest.approx(design.population)
        assert part["weight"].mean() == pytest.approx(1.0)
        for variable, (survey_variable, code_map) in recodes.items():
            sums = part.groupby(part[survey_variable].map(code_map))["weight_population"].sum()
            for category, total in margins[variable].items():
                assert sums[category] == pytest.approx(total, rel=1e-6), (wave, variable, category)
    organisations = data[data["group"] != 1]
    assert (organisations["weight"] == 1.0).all()
    # the calibration handed to the estimators: citizens' raking categories, wave by wave
    assert design.calibration == {
        "calibration": ["rake_sex", "rake_age_group", "rake_municipality"],
        "calibration_group": "rake_group",
    }
    assert organisations[[*design.calibration["calibration"], "rake_group"]].isna().all().all()
    assert (citizens["rake_group"] == citizens["wave"]).all()
    for variable, (survey_variable, code_map) in recodes.items():
        assert (citizens[f"rake_{variable}"] == citizens[survey_variable].map(code_map)).all()
    raw = io.read_survey(
        paths.resolve("data/raw/stakeholders.csv"), codebook.load_codebook("stakeholders")
    )
    unraked = (raw["group"] == 1) & (raw["sex"].isna() | raw["age_band"].isna())
    assert int(design.excluded["n_excluded"].sum()) == int(unraked.sum()) > 0
    assert len(data) == len(raw) - int(unraked.sum())


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
