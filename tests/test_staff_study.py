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

import dataclasses
import json

import pandas as pd
import pytest
import report_text

from ruse_research import paths
from ruse_research.contract import STAT_COLUMNS
from ruse_research.data import profile as region  # default paths of the active profile
from ruse_research.display import report
from ruse_research.studies import staff, staff_tables


@pytest.fixture(scope="module")
def study():
    data = staff.load("data/raw/staff.csv")
    with open(region.resolve("data/raw/truth.json"), encoding="utf-8") as handle:
        truth = json.load(handle)
    assert truth["synthetic"] is True
    scored = staff.scored(data)
    return {"data": data, "scored": scored, "truth": truth["staff"]}


def _inside(value, low, high):
    return low <= value <= high


def test_training_effect_inside_paired_ci(study):
    truth = study["truth"]["training_effect"]
    result = staff.training(study["data"], study["scored"], ci=0.95)
    paired = result.paired.iloc[0]
    assert _inside(truth["mean_difference"], paired["ci_low"], paired["ci_high"]), paired
    assert _inside(truth["cohen_dz"], paired["d_z_ci_low"], paired["d_z_ci_high"]), paired
    # 72 trained staff returned both questionnaires; a score needs 3 of the 5 items answered
    n_both = study["truth"]["n_trained_with_both_measurements"]
    assert n_both - 3 <= paired["n"] <= n_both
    ranks = result.wilcoxon.iloc[0]
    assert ranks["ci_low"] > 0  # the planted improvement is visible in the rank test too
    assert ranks["n"] == paired["n"]


def test_attitude_practice_correlation_inside_spearman_ci(study):
    truth = study["truth"]["attitude_practice"]
    result = staff.practice(study["data"], study["scored"], ci=0.95).correlations
    row = result.set_index("x").loc["att_participation"]
    assert _inside(truth["spearman_rho"], row["ci_low"], row["ci_high"]), row
    assert row["n"] >= 90


def test_practice_grid_means_inside_item_cis(study):
    truth = study["truth"]["practice_grid_means"]["values"]
    cells = staff.practice(study["data"], study["scored"], ci=0.95).cells
    expected = [truth[lv][st] for lv, st in zip(cells["level"], cells["stage"], strict=True)]
    covered = [
        _inside(value, low, high)
        for value, low, high in zip(expected, cells["ci_low"], cells["ci_high"], strict=True)
    ]
    # 20 separate 95% intervals: on average 19 cover their planted mean; fewer than 18 would
    # happen by chance in under 8% of data sets, so it points to a bias (seed 20190118: all 20)
    assert sum(covered) >= 18, cells.assign(truth=expected, covered=covered)
    # the planted ordering: information > consultation > dialogue > partnership at every stage
    grid = cells.groupby("level")["mean"].mean()
    assert list(grid.loc[list(staff.LEVELS)]) == sorted(grid, reverse=True)


def test_staff_mirror_means_inside_cis(study):
    truth = study["truth"]["mirror_staff"]["values"]
    frame = pd.concat([study["data"].answers, study["scored"][["admin_image"]]], axis=1)
    columns = [f"mir_{k}" for k in range(1, 6)] + ["admin_image"]
    result = staff.scale_means(frame, columns, ci=0.95)
    covered = [
        _inside(truth[f"{c}_mean"], low, high)
        for c, low, high in zip(columns, result["ci_low"], result["ci_high"], strict=True)
    ]
    assert sum(covered) >= 5, result.assign(covered=covered)
    admin = result.set_index("column").loc["admin_image"]
    assert _inside(truth["admin_image_mean"], admin["ci_low"], admin["ci_high"])


def test_scales_of_the_study_are_reliable_and_keyed(study):
    rel = staff.reliability(study["data"], missing="pairwise")
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


# ---- the pipeline the notebook displays (studies.staff + studies.staff_tables)


def test_sample_tables_hide_small_cells(study):
    sample = staff.sample_tables(study["data"], "en")
    assert sample.n == len(study["data"].answers)
    shown = sample.by_unit.stack().dropna().astype(float)
    assert ((shown >= 5) | (shown == 0)).all()
    one_way = sample.one_way
    assert set(one_way["variable"]) == {"tenure", "public_contact"}
    assert (one_way["n"].dropna() >= 5).all()
    t = report.texts("staff", "en")
    table = staff_tables.sample_background_table(sample, t)
    assert list(table.columns) == [t("label_variable"), t("label_category"), t("label_n")]
    assert set(table[t("label_variable")]) == {t("label_tenure"), t("label_public_contact")}


def test_group_comparisons_pairs_follow_significant_tests(study):
    groups = staff.group_comparisons(study["scored"], n_boot=100, seed=1)
    assert len(groups.tests) == len(staff.COMPARED_SCALES) * len(staff.GROUP_VARS)
    significant = {(r.dv, r.between) for r in groups.significant.itertuples()}
    assert {(r.dv, r.between) for r in groups.pairs.itertuples()} == significant
    shown = groups.means[groups.means["n"].notna()]
    assert (shown["n"] >= 5).all()  # groups smaller than the disclosure threshold are hidden
    t = report.texts("staff", "bg")
    table = staff_tables.group_tests_table(groups, study["data"], t)
    # p values stay numbers (the CSV can be sorted); the report prints them by their header
    assert pd.api.types.is_float_dtype(table[t("label_p_value")])
    assert table.attrs[STAT_COLUMNS] == [t("label_df")]
    html = report.table_bundle(table, "group_tests", lang="bg", digits=3)[0]["text/html"]
    assert report_text.zero_p_values(html) == [] and "p = " not in html
    assert set(table[t("label_scale")]) == {t(f"scale_{c}") for c in staff.COMPARED_SCALES}


def test_findings_take_their_values_from_the_results(study):
    data, scored = study["data"], study["scored"]
    rel = staff.reliability(data)
    groups = staff.group_comparisons(scored, ["position"], ["psm", "practice"], n_boot=50)
    train = staff.training(data, scored)
    prac = staff.practice(data, scored)
    found = staff.findings(rel, groups, train, prac)
    assert found.training["mean_diff"] == train.paired["mean_diff"].iloc[0]
    assert found.top["mean"] == prac.cells["mean"].max()
    assert found.bottom["mean"] == prac.cells["mean"].min()
    assert found.alpha_min == rel.summary["alpha"].min()
    assert found.n_tests == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.n_tests = 3  # type: ignore[misc]
    for lang in ("bg", "en"):
        t = report.texts("staff", lang)
        sentences = staff_tables.finding_sentences(found, data, ["position"], t)
        assert len(sentences) == 5
        assert t.num(found.training["mean_diff"]) in sentences[0]
        items = staff_tables.key_findings(found, data, ["position"], t)
        assert [i.ref for i in items] == ["table:training_paired_t", "table:practice_correlations",
                                          "table:group_tests", "figure:practice_heatmap", "table:reliability"]
        assert items[0].effect == ("d", float(found.training["d_z"]))
        assert all("n = " in i.text for i in items)


def test_from_answers_gives_the_same_scores(study):
    data = staff.from_answers(study["data"].answers)
    pd.testing.assert_frame_equal(staff.scored(data), study["scored"])
    assert data.path is None
