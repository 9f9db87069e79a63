"""The civic-monitoring study's published tables, figure inputs and finding sentences, in the report's language.

Each builder takes results of :mod:`ruse_research.studies.monitoring` and the study's catalog
(``report.texts("monitoring", lang)``, a :class:`~ruse_research.studies.labels.Texts`) and
returns the frame the notebook passes to ``report.show_table`` (or to a plot) unchanged. Shares
are shown as percentages (:func:`~ruse_research.studies.monitoring.display_scale`).

Examples
--------
>>> from ruse_research.display import report
>>> from ruse_research.studies import monitoring as mon
>>> t = report.texts("monitoring", "en")
>>> framework_table(mon.load(), "en", t).columns[0] == t("label_indicator")
True
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ruse_research.studies import monitoring as mon
from ruse_research.studies.keyfinding import KeyFinding
from ruse_research.studies.labels import Texts, mark_stat

__all__ = [
    "METHOD_KEYS",
    "UNITS",
    "absorption",
    "figure_captions",
    "change_names",
    "finance_note",
    "finance_table",
    "finding_sentences",
    "key_findings",
    "framework_table",
    "indicator_names",
    "scorecard_table",
    "status_names",
    "timeline_table",
    "trends_table",
    "unit_names",
    "website_checklist_table",
]

UNITS = ("share", "days", "count", "percent", "people")
#: Trend method (as :func:`~ruse_research.studies.monitoring.trend` names it) -> catalog key.
METHOD_KEYS = {
    "logistic regression (event level)": "method_logistic",
    "median regression (event level)": "method_median",
    "Theil-Sen (quarterly values)": "method_theil_sen",
    "Theil-Sen (quarterly increments)": "method_theil_sen_increments",
}


def indicator_names(data: mon.MonitoringData, lang: str) -> dict[str, str]:
    """Indicator key -> label."""
    return {k: i["label"][lang] for k, i in data.indicators.items()}


def status_names(t: Texts) -> dict[str, str]:
    """Status key -> name."""
    return {s: t(f"status_{s}") for s in mon.STATUSES}


def unit_names(t: Texts) -> dict[str, str]:
    """Unit key -> name."""
    return {u: t(f"unit_{u}") for u in UNITS}


def change_names(t: Texts) -> dict[str, str]:
    """Trend verdict -> name."""
    return {c: t(f"change_{c}") for c in ("improving", "worsening", "no_clear_trend")}


def framework_table(data: mon.MonitoringData, lang: str, t: Texts) -> pd.DataFrame:
    """The indicator framework: definition, source, legal basis, unit, baseline, target, direction."""
    frame = mon.indicator_table(data.framework, lang)
    scale = frame["key"].map(mon.display_scale(data.framework))
    return mark_stat(pd.DataFrame({
        t("label_indicator"): frame["label"], t("label_definition"): frame["definition"],
        t("label_data_source"): frame["data_source"], t("label_legal_basis"): frame["legal_basis"],
        t("label_unit"): frame["unit"].map(unit_names(t)),
        t("label_baseline"): frame["baseline"] * scale,
        t("label_target"): frame["target"] * scale,
        t("label_direction"): frame["direction"].map({"higher": t("direction_higher"),
                                                      "lower": t("direction_lower")}),
    }), [t("label_baseline"), t("label_target")])


def scorecard_table(card: pd.DataFrame, data: mon.MonitoringData, t: Texts,
                    symbols: Mapping[str, str]) -> pd.DataFrame:
    """The scorecard: value with CI, events, baseline, target, expected value, progress, status
    (``symbols``: status -> the symbol shown before its name, ``plots.STATUS_SYMBOLS``)."""
    scale = card["indicator"].map(mon.display_scale(data.framework))
    units, statuses, indicators = unit_names(t), status_names(t), data.indicators
    return mark_stat(pd.DataFrame({
        t("label_indicator"): card["label"],
        t("label_unit"): card["indicator"].map(lambda k: units[indicators[k]["unit"]]),
        t("label_value"): card["value"] * scale, t("label_ci_low"): card["ci_low"] * scale,
        t("label_ci_high"): card["ci_high"] * scale, t("label_events"): card["n"],
        t("label_baseline"): card["baseline"] * scale, t("label_target"): card["target"] * scale,
        t("label_expected"): card["expected_value"] * scale, t("label_progress"): card["progress"],
        t("label_status"): card["status"].map(lambda s: f"{symbols[s]} {statuses[s]}"),
    }), [t(k) for k in ("label_value", "label_ci_low", "label_ci_high", "label_baseline", "label_target",
                        "label_expected")])


def trends_table(trend_table: pd.DataFrame, data: mon.MonitoringData, lang: str, t: Texts) -> pd.DataFrame:
    """Slope per quarter with its CI, p value and verdict, per indicator."""
    method_name = {m: t(k) for m, k in METHOD_KEYS.items()}
    return pd.DataFrame({
        t("label_indicator"): trend_table["indicator"].map(indicator_names(data, lang)),
        t("label_method"): trend_table["method"].map(method_name),
        t("label_slope"): trend_table["slope"], t("label_ci_low"): trend_table["slope_low"],
        t("label_ci_high"): trend_table["slope_high"], t("label_p_value"): trend_table["p"],
        t("label_trend"): trend_table["change"].map(change_names(t)),
    })


def finance_table(fin: mon.ProjectFinance, t: Texts) -> pd.DataFrame:
    """The project's financial measures (shares as percentages)."""
    table = fin.table
    return pd.DataFrame({
        t("label_measure"): table["measure"].map(lambda m: t(f"finance_{m}")),
        t("label_amount"): [v * 100 if u == "share" else v
                            for v, u in zip(table["value"], table["unit"], strict=True)],
        t("label_unit"): table["unit"].map({"share": "%", "BGN": t("unit_bgn")}),
    })


def finance_note(project: Mapping, t: Texts) -> str:
    """The finance table's note: where the money's figures come from and the EU share they are
    split with, in as many decimals as the share has (``85%``, ``85.5%``).

    Examples
    --------
    >>> from ruse_research.display import report
    >>> t = report.texts("monitoring", "en")
    >>> finance_note({"source": {"en": "the project page"}, "eu_share": 0.855}, t)
    'Source: the project page. The EU and national parts are computed with the 85.5% EU share.'
    >>> finance_note({"source": {"en": "x"}, "eu_share": 0.85}, t).endswith("the 85% EU share.")
    True
    """
    percent = float(project["eu_share"]) * 100
    digits = next((d for d in range(4) if abs(round(percent, d) - percent) < 1e-9), 4)
    return t("finance_note", source=project["source"][t.lang], eu_share=t.pct(project["eu_share"], digits))


def absorption(fin: mon.ProjectFinance, t: Texts) -> pd.DataFrame:
    """Share of the project's time elapsed beside the share of its funds paid (for a bar chart)."""
    return pd.DataFrame({"what": [t("label_time_elapsed"), t("label_funds_paid")],
                         "share": [fin.elapsed_share, float(fin.values["absorption_rate"])]})


def timeline_table(fin: mon.ProjectFinance, t: Texts) -> pd.DataFrame:
    """Quarter ends of the project with days and share elapsed."""
    line = fin.timeline
    return pd.DataFrame({
        t("label_quarter"): line["quarter"].map(
            lambda q: {"end": t("label_project_end"), "as_of": t("label_as_of")}.get(q) or t.quarter(q)),
        t("label_date"): line["date"].map(t.date),
        t("label_elapsed_days"): line["elapsed_days"], t("label_elapsed_share"): line["elapsed_share"],
    })


def website_checklist_table(data: mon.MonitoringData, lang: str, t: Texts) -> pd.DataFrame:
    """The numbered checks of the administration's website."""
    items = mon.website_checklist(data.framework, lang)
    return pd.DataFrame({t("label_no"): range(1, len(items) + 1), t("label_check"): items["item"]})


def finding_sentences(f: mon.MonitoringFindings, fin: mon.ProjectFinance, t: Texts,
                      trends: pd.DataFrame | None = None) -> list[str]:
    """The findings, every number taken from the results (the sentences of :func:`key_findings`)."""
    return [item.text for item in key_findings(f, fin, t, trends)]


def key_findings(f: mon.MonitoringFindings, fin: mon.ProjectFinance, t: Texts,
                 trends: pd.DataFrame | None = None) -> list[KeyFinding]:
    """The key findings with n and 95% CIs, each linked to its table or figure."""
    statuses, changes, money = status_names(t), change_names(t), fin.values
    c, r, d, dt = f.consult, f.consult_report, f.days, f.days_trend
    items = [
        KeyFinding(t("finding_status", quarter=t.quarter(f.quarter), on=t.int(f.n_on_track), risk=t.int(f.n_at_risk),
                     off=t.int(f.n_off_track), n=t.int(f.n_indicators)), "table:scorecard"),
        KeyFinding(t("finding_consult", value=t.pct(c["value"]), low=t.pct(c["ci_low"]), high=t.pct(c["ci_high"]),
                     n=t.int(c["n"]), status=statuses[c["status"]], report_value=t.pct(r["value"]),
                     report_low=t.pct(r["ci_low"]), report_high=t.pct(r["ci_high"]),
                     report_status=statuses[r["status"]]), "table:scorecard"),
        KeyFinding(t("finding_days", value=t.num(d["value"], 1), low=t.num(d["ci_low"], 1),
                     high=t.num(d["ci_high"], 1), n=t.int(d["n"]), slope=t.num(dt["slope"], 1),
                     slope_low=t.num(dt["slope_low"], 1), slope_high=t.num(dt["slope_high"], 1),
                     n_all=t.int(dt["n"]), trend=changes[dt["change"]]), "figure:quarterly_trends"),
    ]
    if trends is not None and len(trends):
        counts = trends["change"].value_counts()
        items.append(KeyFinding(t("finding_trends", improving=t.int(counts.get("improving", 0)),
                                  worsening=t.int(counts.get("worsening", 0)),
                                  unclear=t.int(counts.get("no_clear_trend", 0)), n=t.int(len(trends))),
                                "table:trends"))
    items.append(KeyFinding(t("finding_finance", rate=t.pct(money["absorption_rate"], 2), paid=t.num(money["paid"]),
                              total=t.num(money["total_value"]), eu=t.num(money["eu_paid"])), "table:finance"))
    return items


def figure_captions(f: mon.MonitoringFindings, fin: mon.ProjectFinance, t: Texts,
                    trends: pd.DataFrame | None = None) -> dict[str, str]:
    """Each figure's caption: what it shows (the matching key finding's sentence, numbers from
    the results), then what it plots; without trends the trends figure keeps its description."""
    by_ref: dict[str, str] = {}
    for item in key_findings(f, fin, t, trends):  # the first finding of a table is its status
        by_ref.setdefault(item.ref, item.text)
    shown = {"status_by_quarter": (by_ref.get("table:scorecard"), "status_fig_caption"),
             "quarterly_trends": (by_ref.get("table:trends"), "trends_fig_caption"),
             "finance_absorption": (by_ref.get("table:finance"), "absorption_caption")}
    return {name: t(key) if text is None else t("caption_with_takeaway", say=text, fig=t(key))
            for name, (text, key) in shown.items()}
