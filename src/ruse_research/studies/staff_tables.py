"""The staff study's published tables and finding sentences, labelled in the report's language.

Each builder takes a result of :mod:`ruse_research.studies.staff` and the study's catalog
(``report.texts("staff", lang)``, see :class:`~ruse_research.studies.labels.Texts`) and returns
the frame the notebook passes to ``report.show_table`` unchanged: columns chosen and ordered,
headers and category names translated, p values as numbers (the display layer prints
them as ``< 0.001``), statistics and degrees of freedom marked as such.

Examples
--------
>>> from ruse_research.display import report
>>> from ruse_research.studies import staff
>>> t = report.texts("staff", "en")
>>> data = staff.load()
>>> reliability_table(staff.reliability(data), t).columns[:2].tolist()
['Scale', 'Items']
"""

from __future__ import annotations

import textwrap

import pandas as pd

from ruse_research.contract import POPULATION
from ruse_research.studies import staff
from ruse_research.studies.keyfinding import KeyFinding
from ruse_research.studies.labels import Texts, relabel

__all__ = [
    "figure_captions",
    "finding_sentences",
    "key_findings",
    "group_names",
    "group_pairwise_table",
    "group_means_table",
    "group_tests_table",
    "level_names",
    "practice_cells_table",
    "practice_correlations_table",
    "practice_grid",
    "reliability_items_table",
    "reliability_table",
    "sample_background_table",
    "sample_unit_position_table",
    "scale_names",
    "stage_names",
    "training_paired_t_table",
    "training_wilcoxon_table",
]


def scale_names(data: staff.StaffData, t: Texts) -> dict[str, str]:
    """Construct key -> scale name."""
    return {c: t(f"scale_{c}") for c in data.keys.items}


def group_names(group_vars, t: Texts) -> dict[str, str]:
    """Grouping variable -> its name."""
    return {g: t(f"label_{g}") for g in group_vars}


def level_names(t: Texts) -> dict[str, str]:
    """Practice-grid level key -> name."""
    return {lv: t(f"level_{lv}") for lv in staff.LEVELS}


def stage_names(t: Texts) -> dict[str, str]:
    """Practice-grid stage key -> name."""
    return {st: t(f"stage_{st}") for st in staff.STAGES}


# --------------------------------------------------------------------------- sample


def sample_unit_position_table(sample: staff.Sample, t: Texts) -> pd.DataFrame:
    """Unit x position counts, axes named."""
    return sample.by_unit.rename_axis(index=t("label_unit"), columns=t("label_position"))


def sample_background_table(sample: staff.Sample, t: Texts) -> pd.DataFrame:
    """One-way counts of tenure and contact with the public."""
    one_way = sample.one_way.assign(variable=sample.one_way["variable"].map(lambda v: t(f"label_{v}")))
    return relabel(one_way, {"variable": "label_variable", "category": "label_category", "n": "label_n"}, t)


# --------------------------------------------------------------------------- reliability

_RELIABILITY = {
    "scale": "label_scale", "n_items": "label_n_items", "n": "label_n_complete", "n_any": "label_n_any",
    "alpha": "label_alpha", "ci_low": "label_ci_low", "ci_high": "label_ci_high",
    "std_alpha": "label_std_alpha", "omega_total": "label_omega",
}


def reliability_table(rel, t: Texts) -> pd.DataFrame:
    """One row per scale: items, n, alpha with CI, standardised alpha, omega."""
    names = {c: t(f"scale_{c}") for c in rel.summary["scale"]}
    return relabel(rel.summary.assign(scale=rel.summary["scale"].map(names)), _RELIABILITY, t)


def reliability_items_table(rel, data: staff.StaffData, lang: str, t: Texts) -> pd.DataFrame:
    """One row per item: its scale, wording, reverse key, n, item-rest r, alpha if deleted, loading."""
    items = rel.items
    names = scale_names(data, t)
    return pd.DataFrame({
        t("label_scale"): items["scale"].map(names),
        t("label_item"): [data.book.label(i, lang) for i in items["item"]],
        t("label_reversed"): items["reversed"].map({True: t("label_yes"), False: t("label_no")}),
        t("label_n"): items["n"],
        t("label_item_rest"): items["item_rest_r"],
        t("label_alpha_deleted"): items["alpha_if_deleted"],
        t("label_loading"): items["loading"],
    })


def negative_items(rel) -> list[str]:
    """Items that correlate negatively with their scale after keying (empty when none)."""
    return list(rel.items.loc[rel.items["negative"], "item"])


# --------------------------------------------------------------------------- groups

_TESTS = {
    "dv": "label_scale", "between": "label_grouping", "n": "label_n", "H": "label_H", "df": "label_df",
    "p": "label_p_value", "p_adj": "label_p_holm", "epsilon_sq": "label_epsilon",
    "ci_low": "label_ci_low", "ci_high": "label_ci_high",
}
_PAIRS = {
    "dv": "label_scale", "between": "label_grouping", "group_1": "label_group_1", "group_2": "label_group_2",
    "n_1": "label_n_1", "n_2": "label_n_2", "U": "label_U", "p": "label_p_value", "p_adj": "label_p_holm",
    "r_rb": "label_r_rb", "ci_low": "label_ci_low", "ci_high": "label_ci_high",
}
_MEANS = {
    "dv": "label_scale", "by": "label_grouping", "group": "label_group", "n": "label_n",
    "mean": "label_mean", "ci_low": "label_ci_low", "ci_high": "label_ci_high", "median": "label_median",
}


def _named(frame: pd.DataFrame, data: staff.StaffData, t: Texts, by: str) -> pd.DataFrame:
    groups = group_names(frame[by].unique(), t)
    return frame.assign(dv=frame["dv"].map(scale_names(data, t)), **{by: frame[by].map(groups)})


def _scored_staff(frame: pd.DataFrame, t: Texts, cell=(), columns=None, stats=()) -> pd.DataFrame:
    """``frame`` declaring whom its counts count (:data:`~ruse_research.contract.POPULATION`):
    the staff with a score on the row's scale, in the cell ``cell`` (``[]``: all of them, however
    grouped), so that the runner compares the tests' n by unit and by position and the group
    means of one scale with each other; ``stats`` are hidden with a hidden count."""
    frame.attrs[POPULATION] = {"who": "staff", "per": [t("label_scale")], "cell": list(cell),
                               "stats": [t(k) for k in stats],
                               **({"columns": columns} if columns else {})}
    return frame


def group_tests_table(groups: staff.GroupComparisons, data: staff.StaffData, t: Texts) -> pd.DataFrame:
    """Kruskal-Wallis tests; each test's n counts the staff with a score (its population)."""
    return _scored_staff(relabel(_named(groups.tests, data, t, "between"), _TESTS, t, stat=["df"]), t)


def group_pairwise_table(groups: staff.GroupComparisons, data: staff.StaffData, t: Texts) -> pd.DataFrame:
    """Pairwise Mann-Whitney tests of the significant comparisons (``n (1)`` counts group 1)."""
    by = t("label_grouping")
    return _scored_staff(relabel(_named(groups.pairs, data, t, "between"), _PAIRS, t, stat=["U"]), t,
                         columns={t("label_n_1"): [(by, t("label_group_1"))],
                                  t("label_n_2"): [(by, t("label_group_2"))]})


def group_means_table(groups: staff.GroupComparisons, data: staff.StaffData, t: Texts) -> pd.DataFrame:
    """Group means with CI and median (suppressed cells blank); a mean's n counts its group."""
    return _scored_staff(relabel(_named(groups.means, data, t, "by"), _MEANS, t), t,
                         cell=[(t("label_grouping"), t("label_group"))],
                         stats=["label_mean", "label_ci_low", "label_ci_high", "label_median"])


def group_means_for_plot(groups: staff.GroupComparisons, group: str, data: staff.StaffData,
                         t: Texts) -> pd.DataFrame:
    """The shown (not suppressed) means of one grouping, with a ``scale`` name column."""
    means = groups.means
    shown = means[(means["by"] == group) & means["n"].notna()]
    return shown.assign(scale=shown["dv"].map(scale_names(data, t)))


# --------------------------------------------------------------------------- training

_WILCOXON = {
    "n": "label_n", "n_nonzero": "label_n_nonzero", "median_before": "label_median_before",
    "median_after": "label_median_after", "median_diff": "label_median_change", "W": "label_W",
    "p": "label_p_value", "r_rb": "label_r_rb", "ci_low": "label_ci_low", "ci_high": "label_ci_high",
}
_PAIRED_T = {
    "n": "label_n", "mean_before": "label_mean_before", "mean_after": "label_mean_after",
    "mean_diff": "label_mean_change", "ci_low": "label_ci_low", "ci_high": "label_ci_high",
    "sd_diff": "label_sd_change", "t": "label_t", "df": "label_df", "p": "label_p_value", "d_z": "label_d_z",
    "d_z_ci_low": "label_dz_ci_low", "d_z_ci_high": "label_dz_ci_high", "g_z": "label_g_z",
}


def training_wilcoxon_table(train: staff.Training, t: Texts) -> pd.DataFrame:
    """The Wilcoxon signed-rank test of the training."""
    return relabel(train.wilcoxon, _WILCOXON, t,
                   stat=["n_nonzero", "median_before", "median_after", "median_diff", "W"])


def training_paired_t_table(train: staff.Training, t: Texts) -> pd.DataFrame:
    """The paired t test of the training with d_z and its CI."""
    return relabel(train.paired, _PAIRED_T, t, stat=["df"])


# --------------------------------------------------------------------------- practice


def practice_grid(prac: staff.Practice, t: Texts) -> pd.DataFrame:
    """Levels x stages of mean frequency, named (stage names wrapped for the heatmap)."""
    return prac.grid.rename(index=level_names(t),
                            columns={st: textwrap.fill(name, 14) for st, name in stage_names(t).items()})


def practice_cells_table(prac: staff.Practice, t: Texts) -> pd.DataFrame:
    """One row per practice-grid cell: level, stage, n, mean with CI."""
    cells = prac.cells
    named = cells.assign(level=cells["level"].map(level_names(t)), stage=cells["stage"].map(stage_names(t)))
    return relabel(named, {"level": "label_level", "stage": "label_stage", "n": "label_n", "mean": "label_mean",
                           "ci_low": "label_ci_low", "ci_high": "label_ci_high"}, t)


def practice_correlations_table(prac: staff.Practice, data: staff.StaffData, t: Texts) -> pd.DataFrame:
    """Spearman correlations of the attitude scales with practice."""
    corr = prac.correlations
    names = scale_names(data, t)
    named = corr.assign(x=corr["x"].map(names), y=corr["y"].map(names))
    return relabel(named, {"x": "label_scale", "y": "label_with", "n": "label_n", "rho": "label_rho",
                           "ci_low": "label_ci_low", "ci_high": "label_ci_high", "p": "label_p_value",
                           "p_adj": "label_p_holm"}, t)


# --------------------------------------------------------------------------- findings


def finding_sentences(f: staff.StaffFindings, data: staff.StaffData, group_vars, t: Texts) -> list[str]:
    """The findings, every number taken from ``f`` (the sentences of :func:`key_findings`)."""
    return [item.text for item in key_findings(f, data, group_vars, t)]


def key_findings(f: staff.StaffFindings, data: staff.StaffData, group_vars, t: Texts) -> list[KeyFinding]:
    """The key findings: each sentence with n and a 95% CI, its effect size and its table or figure."""
    change, ranks, link = f.training, f.ranks, f.link
    items = [KeyFinding(
        t("finding_training", diff=t.num(change["mean_diff"]), low=t.num(change["ci_low"]),
          high=t.num(change["ci_high"]), dz=t.num(change["d_z"]), n=t.int(change["n"]),
          rrb=t.num(ranks["r_rb"]), rrb_low=t.num(ranks["ci_low"]), rrb_high=t.num(ranks["ci_high"])),
        "table:training_paired_t", ("d", float(change["d_z"])))]
    link_key = {"positive": "finding_correlation", "negative": "finding_correlation_negative",
                "none": "finding_correlation_none"}[f.link_direction]
    items.append(KeyFinding(t(link_key, rho=t.num(link["rho"]), low=t.num(link["ci_low"]),
                              high=t.num(link["ci_high"]), n=t.int(link["n"])),
                            "table:practice_correlations", ("r", float(link["rho"]))))
    largest = f.largest
    group_values = dict(k=t.int(f.n_tests), scale=scale_names(data, t)[largest["dv"]],
                        group=group_names(group_vars, t)[largest["between"]],
                        eps=t.num(largest["epsilon_sq"], 3), low=t.num(largest["ci_low"], 3),
                        high=t.num(largest["ci_high"], 3), n=t.int(largest["n"]))
    if f.n_significant:
        text = t("finding_groups_some", count=t.int(f.n_significant), p=t.p(largest["p_adj"]), **group_values)
    else:
        text = t("finding_groups_none", **group_values)
    items.append(KeyFinding(text, "table:group_tests", ("eta2", float(largest["epsilon_sq"]))))
    levels, stages = level_names(t), stage_names(t)
    top, bottom = f.top, f.bottom
    items.append(KeyFinding(
        t("finding_practice", top_level=levels[top["level"]], top_stage=stages[top["stage"]],
          top_mean=t.num(top["mean"]), top_low=t.num(top["ci_low"]), top_high=t.num(top["ci_high"]),
          top_n=t.int(top["n"]), bottom_level=levels[bottom["level"]], bottom_stage=stages[bottom["stage"]],
          bottom_mean=t.num(bottom["mean"]), bottom_low=t.num(bottom["ci_low"]),
          bottom_high=t.num(bottom["ci_high"]), bottom_n=t.int(bottom["n"])),
        "figure:practice_heatmap"))
    low = f.lowest
    items.append(KeyFinding(
        t("finding_reliability", k=t.int(f.n_scales), alpha_min=t.num(f.alpha_min),
          alpha_max=t.num(f.alpha_max), omega_min=t.num(f.omega_min), omega_max=t.num(f.omega_max),
          scale=scale_names(data, t)[low["scale"]], alpha=t.num(low["alpha"]), low=t.num(low["ci_low"]),
          high=t.num(low["ci_high"]), n=t.int(low["n"])),
        "table:reliability"))
    return items


# --------------------------------------------------------------------------- figure captions


def _caption(takeaway: str | None, description: str, t: Texts) -> str:
    """What the figure shows, then what is plotted (only the latter without a takeaway)."""
    return description if takeaway is None else t("caption_with_takeaway", say=takeaway,
                                                  fig=description)


def agreement_shares(counts: pd.DataFrame) -> pd.Series:
    """Share of substantive answers in the two highest codes of the scale, per item label.

    ``counts`` is the tidy frame of :func:`ruse_research.display.plots.likert_counts`
    ("don't know" rows are left out of the base).

    Examples
    --------
    >>> counts = pd.DataFrame({"item_label": ["a"] * 4 + ["b"] * 4, "code": [1, 2, 3, 4] * 2,
    ...                        "dont_know": False, "count": [1, 1, 4, 4, 4, 4, 1, 1]})
    >>> agreement_shares(counts).round(2).to_dict()
    {'a': 0.8, 'b': 0.2}
    """
    valid = counts[~counts["dont_know"].astype(bool)]
    top = sorted(valid["code"].unique())[-2:]
    by_item = valid.groupby("item_label", sort=False)["count"]
    agree = valid[valid["code"].isin(top)].groupby("item_label", sort=False)["count"].sum()
    return (agree / by_item.sum()).reindex(by_item.sum().index).fillna(0.0)


def likert_caption(counts: pd.DataFrame, construct: str, t: Texts) -> str:
    """Caption of a scale's item-distribution figure: the items with the most and the least
    agreement, then what the figure plots."""
    shares = agreement_shares(counts).dropna()
    takeaway = None
    if len(shares) >= 2:
        high, low = shares.idxmax(), shares.idxmin()
        takeaway = t("caption_likert", top_item=high, top_share=t.pct(shares[high]),
                     bottom_item=low, bottom_share=t.pct(shares[low]))
    return _caption(takeaway, t("likert_caption", construct=construct), t)


def figure_captions(f: staff.StaffFindings, groups: staff.GroupComparisons, data: staff.StaffData,
                    group_vars, t: Texts) -> dict[str, str]:
    """The captions of the training, practice and group-means figures: each states what the
    figure shows (numbers from the results), then what it plots."""
    change, top, bottom = f.training, f.top, f.bottom
    levels, stages, scales_ = level_names(t), stage_names(t), scale_names(data, t)
    out = {
        "training_change": _caption(
            t("caption_training", diff=t.ci(change["mean_diff"], change["ci_low"], change["ci_high"]),
              n=t.int(change["n"])), t("training_figure_caption"), t),
        "practice_heatmap": _caption(
            t("caption_practice", top_level=levels[top["level"]], top_stage=stages[top["stage"]],
              top_mean=t.num(top["mean"]), bottom_level=levels[bottom["level"]],
              bottom_stage=stages[bottom["stage"]], bottom_mean=t.num(bottom["mean"])),
            t("practice_heatmap_caption"), t),
    }
    names = group_names(group_vars, t)
    for g in group_vars:
        tests = groups.tests[groups.tests["between"] == g].dropna(subset=["epsilon_sq"])
        takeaway = None
        if len(tests):
            row = tests.loc[tests["epsilon_sq"].idxmax()]
            takeaway = t("caption_means", scale=scales_.get(row["dv"], row["dv"]),
                         eps=t.num(row["epsilon_sq"], 3), p=t.p(row["p_adj"]))
        out[f"means_by_{g}"] = _caption(takeaway, t("means_figure_caption", group=names[g]), t)
    return out
