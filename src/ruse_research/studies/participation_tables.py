"""The participation study's published tables, figure inputs and finding sentences, in the report's language.

Each builder takes results of :mod:`ruse_research.studies.participation`, the model and the
study's catalog (``report.texts("participation", lang)``, a
:class:`~ruse_research.studies.labels.Texts`) and returns the frame the notebook passes to
``report.show_table`` (or to a plot) unchanged.

Examples
--------
>>> from ruse_research.display import report
>>> from ruse_research.studies import participation as pm
>>> t = report.texts("participation", "en")
>>> data = pm.load()
>>> model_matrix_table(data.model, "en", t).index.name == t("label_mechanism")
True
"""

from __future__ import annotations

import pandas as pd

from ruse_research.studies import participation as pm
from ruse_research.studies.keyfinding import KeyFinding
from ruse_research.studies.labels import Texts

__all__ = [
    "Labels",
    "figure_captions",
    "checklist_summary_table",
    "checklist_table",
    "composite_scores_table",
    "coverage_gaps_table",
    "coverage_heat",
    "draws_for_plot",
    "finding_sentences",
    "key_findings",
    "labels",
    "model_matrix_table",
    "panel_weights_table",
    "rank_stability_table",
    "rater_agreement_table",
    "recommendations_table",
    "sensitivity_indices_table",
    "target_cells",
]


class Labels:
    """Key -> label in one language of the model's mechanisms, criteria, stages, levels, depths."""

    def __init__(self, model: pm.Model, lang: str) -> None:
        self.mechanism = {m["key"]: m["label"][lang] for m in model.mechanisms}
        self.criterion = {c["key"]: c["label"][lang] for c in model.criteria}
        self.stage = {s["key"]: s["label"][lang] for s in model.stages}
        self.level = {lv["key"]: lv["label"][lang] for lv in model.levels}
        self.depth = {d["key"]: d["label"][lang] for d in model.depths}


def labels(model: pm.Model, lang: str) -> Labels:
    """The model's labels in ``lang``."""
    return Labels(model, lang)


def model_matrix_table(model: pm.Model, lang: str, t: Texts) -> pd.DataFrame:
    """Mechanisms x stages with the levels each mechanism reaches, and its depth."""
    lab = labels(model, lang)
    placements = pm.model_placements(model, lang)
    table = (
        placements.assign(level=placements["level"].map(lab.level), stage=placements["stage"].map(lab.stage))
        .pivot_table(index="mechanism", columns="stage", values="level", aggfunc=lambda s: ", ".join(s), sort=False)
        .reindex(index=model.mechanism_keys, columns=[lab.stage[s] for s in model.stage_keys])
        .fillna("")
    )
    table.insert(0, t("label_depth"), [lab.depth[m["depth"]] for m in model.mechanisms])
    table.index = [lab.mechanism[k] for k in table.index]
    return table.rename_axis(index=t("label_mechanism"), columns=None)


def coverage_heat(cov: pm.CoverageResult, model: pm.Model, lang: str) -> pd.DataFrame:
    """Levels x stages of the share of staff who practise "often", named for the heatmap."""
    lab = labels(model, lang)
    heat = cov.cells.pivot(index="level", columns="stage", values="share_often").reindex(
        index=model.level_keys, columns=model.stage_keys)
    heat.index = [lab.level[k] for k in heat.index]
    heat.columns = [lab.stage[k] for k in heat.columns]
    return heat


def target_cells(cov: pm.CoverageResult, model: pm.Model) -> list[tuple[int, int]]:
    """(row, column) positions in :func:`coverage_heat` of the model's target cells."""
    targets = cov.cells.pivot(index="level", columns="stage", values="target").reindex(
        index=model.level_keys, columns=model.stage_keys)
    return [(r, c) for r, level in enumerate(model.level_keys)
            for c, stage in enumerate(model.stage_keys) if targets.loc[level, stage]]


def coverage_gaps_table(cov: pm.CoverageResult, model: pm.Model, lang: str, t: Texts) -> pd.DataFrame:
    """The target cells not practised today, with the mechanisms that would fill them."""
    mech = labels(model, lang).mechanism
    gaps = cov.gaps
    return pd.DataFrame({
        t("label_stage"): gaps["stage_label"],
        t("label_level"): gaps["level_label"],
        t("label_share_often"): gaps["share_often"],
        t("label_mechanisms"): [", ".join(mech[k] for k in s.split(", ")) for s in gaps["mechanisms"]],
    })


def panel_weights_table(weights: pm.PanelWeights, model: pm.Model, lang: str, t: Texts) -> pd.DataFrame:
    """Mean points per criterion overall and for each rater group large enough to publish."""
    crit = labels(model, lang).criterion
    group_name = {pm.ADMIN: t("group_admin"), pm.CIVIL: t("group_civil")}
    overall = weights.overall
    return pd.DataFrame({
        t("label_criterion"): overall["criterion"].map(crit),
        t("label_mean_points"): overall["mean_points"],
        t("label_sd_points"): overall["sd_points"],
        **{t("label_points_of", group=group_name[g]): part["mean_points"].to_numpy()
           for g, part in weights.by_group.groupby("rater_group")},
    })


def composite_scores_table(score: pm.Scores, model: pm.Model, lang: str, t: Texts) -> pd.DataFrame:
    """Score, rank and the normalised value of every criterion, per mechanism."""
    crit = labels(model, lang).criterion
    return score.table[["mechanism_label", "score", "rank", *model.criterion_keys]].rename(columns={
        "mechanism_label": t("label_mechanism"), "score": t("label_score"), "rank": t("label_rank"), **crit})


def rater_agreement_table(agree: pm.Agreement, model: pm.Model, lang: str, t: Texts) -> pd.DataFrame:
    """ICC2 and ICC2k per criterion and for the criterion mean."""
    table = agree.table
    scope = {**labels(model, lang).criterion, "mean": t("label_criteria_mean")}
    icc_name = {"ICC2": t("icc2_name"), "ICC2k": t("icc2k_name")}
    return pd.DataFrame({
        t("label_scope"): table["scope"].map(scope),
        t("label_icc_type"): table["shrout_fleiss"].map(icc_name),
        t("label_icc"): table["icc"],
        t("label_ci_low"): table["ci_low"],
        t("label_ci_high"): table["ci_high"],
        "F": table["f"],
        t("label_p_value"): table["p"],
        t("label_n_mechanisms"): table["n_targets"],
    })


def rank_stability_table(sens: pm.Sensitivity, t: Texts) -> pd.DataFrame:
    """How often each mechanism keeps its rank, its median and 5-95 % rank range."""
    return sens.stability.rename(columns={
        "mechanism_label": t("label_mechanism"), "baseline_rank": t("label_rank"),
        "share_same_rank": t("label_share_same_rank"), "median_rank": t("label_median_rank"),
        "rank_p05": t("label_rank_p05"), "rank_p95": t("label_rank_p95"), "share_top": t("label_share_top"),
    }).drop(columns="mechanism")


def sensitivity_indices_table(sens: pm.Sensitivity, model: pm.Model, lang: str, t: Texts) -> pd.DataFrame:
    """Mechanisms x inputs of first-order sensitivity indices, in baseline-rank order."""
    lab = labels(model, lang)
    input_name = {"normalisation": t("input_normalisation"), "aggregation": t("input_aggregation"),
                  **{f"w_{k}": t("input_weight", criterion=v) for k, v in lab.criterion.items()}}
    table = (sens.indices.pivot(index="mechanism", columns="input", values="first_order")
             .reindex(index=sens.stability["mechanism"], columns=list(input_name)))
    table.index = [lab.mechanism[k] for k in table.index]
    return table.rename(columns=input_name).rename_axis(index=t("label_mechanism"), columns=None)


def draws_for_plot(sens: pm.Sensitivity, model: pm.Model, lang: str) -> pd.DataFrame:
    """The draws with a ``unit`` column of mechanism labels, for ``plots.rank_stability``."""
    return sens.draws.assign(unit=sens.draws["mechanism"].map(labels(model, lang).mechanism))


def checklist_table(data: pm.ParticipationData, lang: str, t: Texts) -> pd.DataFrame:
    """The good-practice checklist: framework, principle, assessment, evidence."""
    status_name = {"met": t("status_met"), "partly": t("status_partly"), "not_met": t("status_not_met")}
    cl = pm.checklist(data.checklist, lang)
    return pd.DataFrame({
        t("label_framework"): cl["framework"], t("label_principle"): cl["principle"],
        t("label_assessment"): cl["status"].map(status_name), t("label_evidence"): cl["evidence"],
    })


def checklist_summary_table(data: pm.ParticipationData, lang: str, t: Texts) -> pd.DataFrame:
    """Counts by assessment and the checklist score per framework, and in total."""
    summary = pm.checklist_summary(pm.checklist(data.checklist, lang))
    return summary.assign(framework=summary["framework"].replace({"all": t("label_total")})).rename(columns={
        "framework": t("label_framework"), "n_items": t("label_items"), "n_met": t("status_met"),
        "n_partly": t("status_partly"), "n_not_met": t("status_not_met"), "score": t("label_checklist_score"),
    })


def recommendations_table(rec: pd.DataFrame, t: Texts) -> pd.DataFrame:
    """The prioritised recommendations with their source, impact, feasibility and quadrant."""
    source_name = {"coverage_gap": t("source_gap"), "checklist": t("source_checklist")}
    quadrant_name = {q: t(f"quadrant_{q}") for q in ("quick_win", "major_project", "fill_in", "deprioritise")}
    return pd.DataFrame({
        t("label_priority_rank"): rec["rank"], t("label_recommendation"): rec["recommendation"],
        t("label_source"): rec["source"].map(source_name), t("label_impact"): rec["impact"],
        t("label_feasibility"): rec["feasibility"], t("label_priority"): rec["priority"],
        t("label_quadrant"): rec["quadrant"].map(quadrant_name),
    })


def finding_sentences(f: pm.ParticipationFindings, cov: pm.CoverageResult, model: pm.Model, lang: str,
                      t: Texts, *, scores: pm.Scores | None = None, agreement: pm.Agreement | None = None,
                      n_raters: int | None = None, n_draws: int | None = None) -> list[str]:
    """The findings, every number taken from the results (the sentences of :func:`key_findings`)."""
    return [item.text for item in key_findings(f, cov, model, lang, t, scores=scores, agreement=agreement,
                                               n_raters=n_raters, n_draws=n_draws)]


def key_findings(f: pm.ParticipationFindings, cov: pm.CoverageResult, model: pm.Model, lang: str,
                 t: Texts, *, scores: pm.Scores | None = None, agreement: pm.Agreement | None = None,
                 n_raters: int | None = None, n_draws: int | None = None) -> list[KeyFinding]:
    """The key findings with n, 95% CIs, the ICC's band (Koo & Li 2016) and their table or figure."""
    crit = labels(model, lang).criterion
    n = t.int(n_raters) if n_raters is not None else "–"
    first, second = f.heaviest
    heavy = dict(c1=crit[first["criterion"]], p1=t.num(first["mean_points"], 1),
                 c2=crit[second["criterion"]], p2=t.num(second["mean_points"], 1), n=n)
    if f.accountability_civil is not None and f.accountability_admin is not None:
        weights_finding = t("finding_weights", civil=t.num(f.accountability_civil, 1),
                            admin=t.num(f.accountability_admin, 1), **heavy)
    else:
        weights_finding = t("finding_weights_overall", **heavy)
    items = []
    if scores is not None:
        o = scores.overall
        items.append(KeyFinding(t("finding_overall", score=t.num(o["score"], 1), low=t.num(o["ci_low"], 1),
                                  high=t.num(o["ci_high"], 1), n=t.int(o["n_raters"]),
                                  k=t.int(o["n_mechanisms"])), "table:composite_scores"))
    items += [
        KeyFinding(t("finding_coverage", practice=t.num(cov.practice_index), target=t.num(cov.target_index),
                     n_gaps=t.int(len(cov.gaps)), n=t.int(cov.n_staff)), "figure:coverage_heatmap"),
        KeyFinding(t("finding_top", first=f.top["mechanism_label"], s1=t.num(f.top["score"], 1),
                     second=f.second["mechanism_label"], s2=t.num(f.second["score"], 1),
                     keep=t.pct(f.top_keeps_rank), n=n, draws=t.int(n_draws) if n_draws else "–"),
                   "table:rank_stability"),
        KeyFinding(weights_finding, "table:panel_weights"),
    ]
    if agreement is not None:
        text = t("finding_icc", icc2k=t.num(agreement.icc2k), low=t.num(agreement.icc2k_low),
                 high=t.num(agreement.icc2k_high), n=n)
        if f.icc_band == "poor":
            text = f"{text} {t('finding_icc_poor_caution')}"
        items.append(KeyFinding(text, "table:rater_agreement", ("icc", float(agreement.icc2k))))
    items.append(KeyFinding(t("finding_recommendation", first=f.first_recommendation), "table:recommendations"))
    return items


def figure_captions(f: pm.ParticipationFindings, cov: pm.CoverageResult, sens: pm.Sensitivity, t: Texts,
                    *, n_draws: int, change: float) -> dict[str, str]:
    """Each figure's caption: what it shows (numbers from the results), then what it plots."""
    swing = sens.tornado.iloc[0]
    takeaways = {
        "coverage_heatmap": (t("caption_coverage", practice=t.num(cov.practice_index),
                                target=t.num(cov.target_index), n_gaps=t.int(len(cov.gaps))),
                             t("coverage_caption")),
        "rank_stability": (t("caption_stability", first=f.top["mechanism_label"], keep=t.pct(f.top_keeps_rank)),
                           t("stability_fig_caption", n_draws=t.int(n_draws))),
        "weight_tornado": (t("caption_tornado", criterion=swing["criterion_label"],
                             swing=t.num(swing["swing"], 1), pct=t.pct(change)),
                           t("tornado_caption", pct=t.pct(change))),
    }
    return {name: t("caption_with_takeaway", say=text, fig=description)
            for name, (text, description) in takeaways.items()}
