"""The staff study recovers the effects planted in the bundled demonstration data.

data/raw/staff.csv and data/raw/truth.json come from ``python -m ruse_research.synthetic --out
data/raw --seed 20190118``; truth.json["staff"] holds the superpopulation values of the planted
effects (Monte Carlo over 100,000 simulated employees, standard error <= 0.004). Each test calls
the same helper functions, with the same arguments, as notebooks/01_staff_attitudes.ipynb and
checks that the planted value lies inside the 95% confidence interval the helper reports.

truth.json has no estimand for differences between staff groups (the generator shifts the latent
attitude by position and contact with the public, but records no expected effect size), so group
comparisons are not checked against a planted value here.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ruse_research import paths
from ruse_research.data import codebook, io
from ruse_research.display import report
from ruse_research.stats import compare, scales

LEVELS = ["info", "consult", "dialogue", "partner"]
STAGES = ["agenda", "draft", "decision", "implement", "monitor"]


@pytest.fixture(scope="module")
def study():
    book = codebook.load_codebook("staff")
    answers = io.read_survey(paths.resolve("data/raw/staff.csv"), book)
    with open(paths.resolve("data/raw/truth.json"), encoding="utf-8") as handle:
        truth = json.load(handle)
    assert truth["synthetic"] is True
    keys = scales.codebook_keys(book)
    scores = scales.score(answers, **keys.kwargs())
    return {"answers": answers, "scores": scores, "truth": truth["staff"], "keys": keys}


def _inside(value, low, high):
    return low <= value <= high


def test_training_effect_inside_paired_ci(study):
    truth = study["truth"]["training_effect"]
    trained = study["scores"][study["answers"]["trained"] == 1]  # as in the notebook
    paired = compare.paired_t(trained, "comm_pre", "comm_post", ci=0.95).iloc[0]
    assert _inside(truth["mean_difference"], paired["ci_low"], paired["ci_high"]), paired
    assert _inside(truth["cohen_dz"], paired["d_z_ci_low"], paired["d_z_ci_high"]), paired
    # 72 trained staff returned both questionnaires; a score needs 3 of the 5 items answered
    n_both = study["truth"]["n_trained_with_both_measurements"]
    assert n_both - 3 <= paired["n"] <= n_both
    ranks = compare.wilcoxon_paired(trained, "comm_pre", "comm_post", ci=0.95).iloc[0]
    assert ranks["ci_low"] > 0  # the planted improvement is visible in the rank test too
    assert ranks["n"] == paired["n"]


def test_attitude_practice_correlation_inside_spearman_ci(study):
    truth = study["truth"]["attitude_practice"]
    result = compare.spearman(
        study["scores"], ["att_participation", "trust_citizens", "psm", "org_enablers"],
        "practice", ci=0.95,
    )  # fmt: skip
    row = result.set_index("x").loc["att_participation"]
    assert _inside(truth["spearman_rho"], row["ci_low"], row["ci_high"]), row
    assert row["n"] >= 90


def test_practice_grid_means_inside_item_cis(study):
    truth = study["truth"]["practice_grid_means"]["values"]
    cells = compare.means(
        study["answers"], [f"prac_{lv}_{st}" for lv in LEVELS for st in STAGES], ci=0.95
    )
    expected = [truth[lv][st] for lv in LEVELS for st in STAGES]
    covered = [
        _inside(value, low, high)
        for value, low, high in zip(expected, cells["ci_low"], cells["ci_high"], strict=True)
    ]
    # 20 separate 95% intervals: on average 19 cover their planted mean; fewer than 18 would
    # happen by chance in under 8% of data sets, so it points to a bias (seed 20190118: all 20)
    assert sum(covered) >= 18, cells.assign(truth=expected, covered=covered)
    # the planted ordering: information > consultation > dialogue > partnership at every stage
    grid = cells.assign(level=[lv for lv in LEVELS for _ in STAGES]).groupby("level")["mean"].mean()
    assert list(grid.loc[LEVELS]) == sorted(grid, reverse=True)


def test_staff_mirror_means_inside_cis(study):
    truth = study["truth"]["mirror_staff"]["values"]
    frame = pd.concat([study["answers"], study["scores"][["admin_image"]]], axis=1)
    columns = [f"mir_{k}" for k in range(1, 6)] + ["admin_image"]
    result = compare.means(frame, columns, ci=0.95)
    covered = [
        _inside(truth[f"{c}_mean"], low, high)
        for c, low, high in zip(columns, result["ci_low"], result["ci_high"], strict=True)
    ]
    assert sum(covered) >= 5, result.assign(covered=covered)
    admin = result.set_index("column").loc["admin_image"]
    assert _inside(truth["admin_image_mean"], admin["ci_low"], admin["ci_high"])


def test_scales_of_the_study_are_reliable_and_keyed(study):
    rel = scales.reliability(study["answers"], **study["keys"].kwargs(), missing="pairwise")
    summary = rel.summary.set_index("scale")
    # the generator loads every item at 0.62-0.76 on one latent: alpha well above .7
    assert (summary["alpha"] > 0.7).all(), summary
    assert (summary["n_negative"] == 0).all()  # reverse-keyed items are reversed
    assert (summary["omega_total"] >= summary["alpha"] - 0.01).all()


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_catalog_and_params_load(lang):
    catalog = report.texts("staff", lang)
    assert catalog("sec_training")
    from ruse_research import runner

    run = runner.load_run(paths.resolve(f"params/staff_attitudes.{lang}.yaml"))
    assert run.parameters["lang"] == lang


def test_notebook_parameters_cell_defaults():
    import nbformat

    from ruse_research import runner

    nb = nbformat.read(paths.resolve("notebooks/01_staff_attitudes.ipynb"), as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first_code.metadata.get("tags", [])
    defaults = runner.parse_parameters_cell(first_code.source)
    assert defaults["lang"] == "en"
    assert defaults["staff_path"] == "data/raw/staff.csv"
    assert defaults["staff_list_size"] is None
    # no markdown cells: the HTML report would show them in one language only
    assert not [c for c in nb.cells if c.cell_type == "markdown"]
