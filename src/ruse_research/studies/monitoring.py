"""The civic-monitoring study: its pipeline, from the monitoring log to the findings' values.

``notebooks/04_civic_monitoring.ipynb`` and the tests call these functions; the labelled,
translated tables the report shows are built from their results by
:mod:`ruse_research.studies.monitoring_tables`. The steps compose two domain modules, whose
public functions are re-exported here so callers need one import:

* :mod:`~ruse_research.studies.monitoring_framework` -- the indicator framework YAML and the
  status rule;
* :mod:`~ruse_research.studies.monitoring_indicators` -- quarterly indicator values, the
  scorecard, trends, finance and the project's timeline (interval estimators in
  :mod:`ruse_research.stats.proportions`).

Pipeline steps: :func:`load` (the log, the framework and every indicator's quarterly values),
:func:`current_scorecard`, :func:`status_history`, :func:`trends`, :func:`project_finance`,
:func:`finance_source`, :func:`reference_keys`
and :func:`findings`.

Status rule (``status_rule`` in the YAML; defaults 0.9 and 0.6)::

    progress = (value - baseline) / (target - baseline)
    expected = elapsed share of the project period at the end of the quarter (0..1)
    on_track   if progress >= 0.9 * expected
    at_risk    if progress >= 0.6 * expected
    off_track  otherwise;  no_data when there is no value

Examples
--------
>>> fw = load_framework()
>>> [i["key"] for i in fw["indicators"]][:2]
['consult_30d_share', 'consult_report_share']
>>> status(0.72, baseline=0.5, target=0.9, direction="higher", elapsed=0.5)
'on_track'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ruse_research.data import io, profile
from ruse_research.stats.proportions import wilson_ci
from ruse_research.studies.monitoring_framework import (
    DEFAULT_FRAMEWORK,
    STATUSES,
    FrameworkError,
    elapsed_fraction,
    indicator_table,
    load_framework,
    progress,
    status,
    website_checklist,
)
from ruse_research.studies.monitoring_indicators import (
    _classify,  # noqa: F401 (tested)
    compute_indicators,
    finance,
    quarters,
    scorecard,
    timeline,
    trend,
)

__all__ = [
    "DEFAULT_FRAMEWORK",
    "STATUSES",
    "FrameworkError",
    "MonitoringData",
    "MonitoringFindings",
    "ProjectFinance",
    "StatusHistory",
    "compute_indicators",
    "current_scorecard",
    "display_scale",
    "elapsed_fraction",
    "finance",
    "finance_source",
    "findings",
    "indicator_table",
    "load",
    "load_framework",
    "progress",
    "project_finance",
    "quarters",
    "reference_keys",
    "scorecard",
    "status",
    "status_history",
    "timeline",
    "trend",
    "trends",
    "website_checklist",
    "wilson_ci",
]


@dataclass(frozen=True)
class MonitoringData:
    """The monitoring log, the framework, every indicator's quarterly ``values``
    (:func:`compute_indicators`) at CI ``level``, and the data file read (for the banner)."""

    log: pd.DataFrame
    framework: dict
    values: pd.DataFrame
    level: float
    file: Path

    @property
    def indicators(self) -> dict[str, dict]:
        """Indicator key -> its framework entry, in framework order."""
        return {i["key"]: i for i in self.framework["indicators"]}


def load(
    monitoring_log_path: str | os.PathLike[str] = "data/raw/monitoring_log.csv",
    framework_file: str | os.PathLike[str] = DEFAULT_FRAMEWORK,
    level: float = 0.95,
) -> MonitoringData:
    """Read the log against its codebook and the framework, and compute every indicator.

    Examples
    --------
    >>> d = load()
    >>> list(d.indicators)[:1], sorted(d.values["indicator"].unique()) == sorted(d.indicators)
    (['consult_30d_share'], True)
    """
    file = profile.resolve(monitoring_log_path)
    log = io.read_survey(file, "monitoring_log")
    fw = load_framework(framework_file)
    return MonitoringData(log, fw, compute_indicators(log, fw, level=level), level, file)


def display_scale(framework: dict) -> dict[str, float]:
    """Indicator key -> factor to its display scale: shares are shown as percentages (100),
    everything else as is (1), so one value column holds numbers on their display scale.

    Examples
    --------
    >>> sorted(set(display_scale(load_framework()).values()))
    [1.0, 100.0]
    """
    return {i["key"]: 100.0 if i["unit"] == "share" else 1.0 for i in framework["indicators"]}


def current_scorecard(data: MonitoringData, as_of: str | None = None, lang: str = "en") -> pd.DataFrame:
    """The scorecard at ``as_of`` (a quarter such as ``"2020Q2"``; ``None``: the last complete one).

    Examples
    --------
    >>> card = current_scorecard(load())
    >>> card["quarter"].nunique(), set(card["status"]) <= set(STATUSES)
    (1, True)
    """
    return scorecard(data.values, data.framework, as_of=as_of, lang=lang)


@dataclass(frozen=True)
class StatusHistory:
    """The scorecard of every quarter stacked (``table``, with a ``period`` column that marks
    partial quarters with ``*``) and the ``periods`` in order."""

    table: pd.DataFrame
    periods: list[str]


def status_history(data: MonitoringData, lang: str = "en") -> StatusHistory:
    """Every indicator's status quarter by quarter.

    Examples
    --------
    >>> h = status_history(load())
    >>> set(h.table["period"]) == set(h.periods)
    True
    """
    quarters_seen = data.values["quarter"].drop_duplicates().tolist()
    partial = set(data.values.loc[data.values["partial"], "quarter"])
    history = pd.concat([scorecard(data.values, data.framework, as_of=q, lang=lang) for q in quarters_seen],
                        ignore_index=True)
    history["period"] = history["quarter"].map(lambda q: q + "*" if q in partial else q)
    return StatusHistory(history, [q + "*" if q in partial else q for q in quarters_seen])


def quarterly_series(data: MonitoringData, key: str) -> pd.DataFrame:
    """One indicator's quarterly values with ``shown``, ``lo``, ``hi`` on its display scale.

    Examples
    --------
    >>> s = quarterly_series(load(), "consult_30d_share")
    >>> bool((s["shown"] == s["value"] * 100).all())
    True
    """
    factor = display_scale(data.framework)[key]
    part = data.values[data.values["indicator"] == key]
    return part.assign(shown=part["value"] * factor, lo=part["ci_low"] * factor, hi=part["ci_high"] * factor)


def trends(data: MonitoringData) -> pd.DataFrame:
    """Change per quarter of every indicator with its CI and a verdict (:func:`trend`).

    Examples
    --------
    >>> set(trends(load())["change"]) <= {"improving", "worsening", "no_clear_trend"}
    True
    """
    return trend(data.log, data.values, data.framework, level=data.level)


@dataclass(frozen=True)
class ProjectFinance:
    """The project's money (``table``: ``measure, value, unit``; ``values``: measure -> value)
    and time (``timeline``; ``duration_days`` and ``elapsed_share`` at the last quarter)."""

    table: pd.DataFrame
    values: pd.Series
    timeline: pd.DataFrame
    duration_days: int
    elapsed_share: float


def project_finance(data: MonitoringData) -> ProjectFinance:
    """Absorption of the project's funds against the time elapsed.

    Examples
    --------
    >>> f = project_finance(load())
    >>> bool(0 <= f.values["absorption_rate"] <= 1), 0 <= f.elapsed_share <= 1
    (True, True)
    """
    fin = finance(data.framework)
    line = timeline(data.framework)
    return ProjectFinance(fin, fin.set_index("measure")["value"], line,
                          int(line["duration_days"].iloc[0]), float(line["elapsed_share"].iloc[-1]))


def finance_source(data: MonitoringData, lang: str) -> str | None:
    """The source the project's money is marked with as real public data, or ``None`` when the
    profile's project is not a public record (``project.public: false``, an invented example):
    its finance tables and figure are then flagged like the synthetic data, not as real.

    Examples
    --------
    >>> d = load()
    >>> (finance_source(d, "en") is not None) == d.framework["project"]["public"]
    True
    """
    project = data.framework["project"]
    return project["source"][lang] if project["public"] else None


def reference_keys(data: MonitoringData) -> list[str]:
    """The references the report lists: the status rule's and the interval's sources, and the
    project's public record (ИСУН) only when the project is one.

    Examples
    --------
    >>> reference_keys(load())[:2]
    ['zna', 'wilson1927']
    """
    return ["zna", "wilson1927", *(["opgg_project"] if data.framework["project"]["public"] else [])]


@dataclass(frozen=True)
class MonitoringFindings:
    """The values the findings quote: the scorecard's quarter and how many indicators are on
    track, at risk and off track; the scorecard rows of the consultation indicators and of the
    median reply time with its trend row."""

    quarter: str
    n_on_track: int
    n_at_risk: int
    n_off_track: int
    n_indicators: int
    consult: pd.Series
    consult_report: pd.Series
    days: pd.Series
    days_trend: pd.Series


def findings(card: pd.DataFrame, trend_table: pd.DataFrame) -> MonitoringFindings:
    """Collect the findings' values from the scorecard and the trends.

    Examples
    --------
    >>> d = load()
    >>> f = findings(current_scorecard(d), trends(d))
    >>> f.n_on_track + f.n_at_risk + f.n_off_track <= f.n_indicators
    True
    """
    counts = card["status"].value_counts()
    c = card.set_index("indicator")
    by = trend_table.set_index("indicator")
    return MonitoringFindings(
        quarter=str(card["quarter"].iloc[0]),
        n_on_track=int(counts.get("on_track", 0)),
        n_at_risk=int(counts.get("at_risk", 0)),
        n_off_track=int(counts.get("off_track", 0)),
        n_indicators=len(card),
        consult=c.loc["consult_30d_share"],
        consult_report=c.loc["consult_report_share"],
        days=c.loc["request_median_days"],
        days_trend=by.loc["request_median_days"],
    )
