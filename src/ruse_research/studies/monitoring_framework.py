"""The civic-monitoring indicator framework (YAML) and its status rule.

This module reads and checks the framework (:func:`load_framework`), lists it
(:func:`indicator_table`, :func:`website_checklist`) and applies the status rule
(:func:`progress`, :func:`status`, :func:`elapsed_fraction`); the quarterly values, trends and
finance computed from the monitoring log are in :mod:`ruse_research.studies.monitoring_indicators`.

The framework lives in ``data/model/indicators.yaml``: for each indicator its definition,
data source, legal basis, how it is computed from the monitoring log
(``data/codebooks/monitoring_log.yaml``), baseline, target, direction and frequency, plus the
status rule and the project's financial facts.

Status rule (``status_rule`` in the YAML; defaults 0.9 and 0.6)::

    progress = (value - baseline) / (target - baseline)
    expected = elapsed share of the project period at the end of the quarter (0..1)
    on_track   if progress >= 0.9 * expected
    at_risk    if progress >= 0.6 * expected
    off_track  otherwise;  no_data when there is no value

An indicator whose activity is planned to start later in the project (``path_start`` in the
YAML, e.g. the information campaign) has its linear path start on that date instead.

The formula needs no special case for "lower is better": target and baseline swap sides
together with the value. When target equals baseline, progress is 1 if the value meets the
target and 0 otherwise. A tolerance of 1e-9 lets values exactly on a threshold reach it.

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
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ruse_research import _yaml, paths
from ruse_research.data import profile as region_profile
from ruse_research.errors import RuseError
from ruse_research.i18n import LANGUAGES, check_language, in_language

__all__ = [
    "DEFAULT_FRAMEWORK",
    "DIRECTIONS",
    "LANGS",
    "SHARE_STATISTICS",
    "STATISTICS",
    "STATUSES",
    "TOLERANCE",
    "FrameworkError",
    "check_lang",
    "elapsed_fraction",
    "indicator_table",
    "load_framework",
    "progress",
    "project_money",
    "status",
    "website_checklist",
]

DEFAULT_FRAMEWORK = "data/model/indicators.yaml"
STATUSES = ("on_track", "at_risk", "off_track", "no_data")
DIRECTIONS = ("higher", "lower")
STATISTICS = ("share_at_least", "share_equal", "median", "count", "ratio_sum", "cumulative_sum")
SHARE_STATISTICS = ("share_at_least", "share_equal")
TOLERANCE = 1e-9
LANGS = LANGUAGES


class FrameworkError(RuseError):
    """The indicator framework YAML is malformed or inconsistent."""


# --------------------------------------------------------------------------- framework


def _as_date(value: Any, where: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise FrameworkError(f"{where}: not a date: {value!r}") from exc


def project_money(project: dict, where: Any) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """The project's ``total_value, grant, own_funding, paid, eu_share`` as exact decimals, or
    a :class:`FrameworkError` naming ``where`` (the file that holds the project section), the
    field and what it must be. ``grant`` defaults to the total, ``own_funding`` to 0.

    Examples
    --------
    >>> project_money({"total_value": 100, "paid": 40, "eu_share": 0.85}, "p.yaml")
    (Decimal('100'), Decimal('100'), Decimal('0'), Decimal('40'), Decimal('0.85'))
    >>> project_money({"total_value": 100, "paid": 40}, "p.yaml")
    Traceback (most recent call last):
    ...
    ruse_research.studies.monitoring_framework.FrameworkError: p.yaml: project.eu_share is missing; give the EU's share of the funding as a fraction between 0 and 1 (0.85 for 85%)
    """
    def number(field: str, default: Any = None) -> Decimal:
        value = project.get(field, default)
        if value is None:
            raise FrameworkError(f"{where}: project.{field} is missing; "
                                 + _MONEY_FIELDS.get(field, "give it as a number"))
        try:
            result = Decimal(str(value))
        except ArithmeticError:
            result = Decimal("NaN")
        if isinstance(value, bool) or not result.is_finite():
            raise FrameworkError(f"{where}: project.{field} is {value!r}; expected a number")
        return result

    total, paid, eu = number("total_value"), number("paid"), number("eu_share")
    grant, own = number("grant", total), number("own_funding", 0)
    if total <= 0 or paid < 0 or not 0 <= eu <= 1:
        raise FrameworkError(f"{where}: project finance needs total_value > 0, paid >= 0 and 0 <= eu_share <= 1 "
                             f"(got {total}, {paid}, {eu})")
    return total, grant, own, paid, eu


#: What the finance fields are, for the error when one is missing.
_MONEY_FIELDS = {
    "total_value": "give the project's total value in its currency",
    "paid": "give the amount paid so far in the project's currency",
    "eu_share": "give the EU's share of the funding as a fraction between 0 and 1 (0.85 for 85%)",
}


def load_framework(path: str | os.PathLike[str] = DEFAULT_FRAMEWORK, profile: Any = None) -> dict:
    """Read and check the indicator framework YAML.

    Its ``project`` section (period, money, source) is the framework file's own if it gives
    one, else that of the region ``profile`` (an id, a path or a
    :class:`~ruse_research.data.profile.Profile`; default the active one).

    Raises
    ------
    FrameworkError
        Missing fields, an unknown statistic or direction, a target on the wrong side of the
        baseline for the direction, or an inconsistent project section.

    Examples
    --------
    >>> fw = load_framework(profile="ruse")  # the bundled demo profile's project period
    >>> fw["status_rule"]["on_track"], fw["project"]["start"]
    (0.9, Timestamp('2019-01-18 00:00:00'))
    """
    file = paths.resolve(path)
    if not file.is_file():
        raise FrameworkError(f"indicator framework not found: {file}")
    try:
        data = _yaml.load_file(file, name=str(file), kind="model")
    except _yaml.YamlError as exc:
        raise FrameworkError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
        raise FrameworkError(f"{file}: needs a list 'indicators'")
    rule = data.setdefault("status_rule", {})
    rule.setdefault("on_track", 0.9)
    rule.setdefault("at_risk", 0.6)
    if not 0 <= rule["at_risk"] <= rule["on_track"]:
        raise FrameworkError(f"{file}: status_rule needs 0 <= at_risk <= on_track")
    # the project (period, money, source) is the region profile's unless the framework gives one
    region = profile if isinstance(profile, region_profile.Profile) else region_profile.load(profile)
    project = dict(data.get("project") or region.project)
    # an error in the project section names the file that holds it
    where = file if data.get("project") else region.source
    for field in ("start", "end"):
        if field not in project:
            raise FrameworkError(f"{where}: project.{field} is missing")
        project[field] = _as_date(project[field], f"{where}: project.{field}")
    if project["end"] <= project["start"]:
        raise FrameworkError(f"{where}: project.end must come after project.start")
    source = project.get("source")
    if not isinstance(source, dict) or any(not source.get(lang) for lang in LANGS):
        raise FrameworkError(f"{where}: project.source needs bg and en texts")
    public = project.setdefault("public", False)
    if not isinstance(public, bool):
        raise FrameworkError(f"{where}: project.public is {public!r}; expected true (the figures are the "
                             "project's public record, cited as its source) or false (an invented example)")
    project_money(project, where)  # money errors name the file here, not at the first table
    data["project"] = project
    keys = set()
    for ind in data["indicators"]:
        key = ind.get("key")
        if not key or key in keys:
            raise FrameworkError(f"{file}: every indicator needs a unique key (got {key!r})")
        keys.add(key)
        for field in ("label", "definition", "data_source"):
            if any(not (ind.get(field) or {}).get(lang) for lang in LANGS):
                raise FrameworkError(f"{file}: indicator {key!r} needs {field}.bg and {field}.en")
        comp = ind.get("computation") or {}
        if comp.get("statistic") not in STATISTICS:
            raise FrameworkError(
                f"{file}: indicator {key!r} has unknown statistic {comp.get('statistic')!r}"
            )
        if comp["statistic"] != "count" and not comp.get("column"):
            raise FrameworkError(f"{file}: indicator {key!r} needs computation.column")
        if ind.get("direction") not in DIRECTIONS:
            raise FrameworkError(f"{file}: indicator {key!r} direction must be higher or lower")
        if ind.get("path_start_quarter") is not None:  # n-th calendar quarter of the project
            n = ind.pop("path_start_quarter")
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise FrameworkError(f"{file}: indicator {key!r} path_start_quarter must be a whole "
                                     f"number >= 1, found {n!r}")
            ind["path_start"] = (pd.Period(project["start"], freq="Q") + (n - 1)).start_time
        if ind.get("path_start") is not None:
            ind["path_start"] = _as_date(ind["path_start"], f"{file}: indicator {key!r} path_start")
            if not project["start"] <= ind["path_start"] < project["end"]:
                raise FrameworkError(
                    f"{file}: indicator {key!r} path_start must lie within the project period"
                )
        try:
            _check_sides(float(ind["baseline"]), float(ind["target"]), ind["direction"])
        except (KeyError, TypeError, ValueError) as exc:
            raise FrameworkError(
                f"{file}: indicator {key!r} needs numeric baseline and target"
            ) from exc
        except RuseError as exc:
            raise FrameworkError(f"{file}: indicator {key!r}: {exc}") from exc
    return data


def indicator_table(framework: dict | None = None, lang: str = "en") -> pd.DataFrame:
    """The indicator framework as a table (one row per indicator, framework order).

    Examples
    --------
    >>> indicator_table(lang="bg").columns.tolist()
    ['key', 'label', 'definition', 'data_source', 'legal_basis', 'unit', 'baseline', 'target', 'direction', 'frequency']
    """
    lang = check_lang(lang)
    fw = load_framework() if framework is None else framework
    return pd.DataFrame(
        [
            {
                "key": i["key"],
                "label": i["label"][lang],
                "definition": i["definition"][lang],
                "data_source": i["data_source"][lang],
                "legal_basis": in_language(i.get("legal_basis", ""), lang),
                "unit": i.get("unit", ""),
                "baseline": float(i["baseline"]),
                "target": float(i["target"]),
                "direction": i["direction"],
                "frequency": i.get("frequency", "quarterly"),
            }
            for i in fw["indicators"]
        ]
    )


def website_checklist(framework: dict | None = None, lang: str = "en") -> pd.DataFrame:
    """The website transparency checklist (``key, item``) a civic monitor applies each quarter.

    Examples
    --------
    >>> len(website_checklist())
    20
    """
    lang = check_lang(lang)
    fw = load_framework() if framework is None else framework
    return pd.DataFrame(
        [{"key": i["key"], "item": i[lang]} for i in fw.get("website_checklist", [])]
    )


def check_lang(lang: str) -> str:
    """``lang`` when it is a report language, else ``RuseError``."""
    check_language(lang, where="indicator labels")
    return lang


# --------------------------------------------------------------------------- status rule


def _check_sides(baseline: float, target: float, direction: str) -> None:
    if direction not in DIRECTIONS:
        raise RuseError(f"direction must be 'higher' or 'lower', not {direction!r}")
    if direction == "higher" and target < baseline:
        raise RuseError(f"direction 'higher' needs target >= baseline (got {target} < {baseline})")
    if direction == "lower" and target > baseline:
        raise RuseError(f"direction 'lower' needs target <= baseline (got {target} > {baseline})")


def progress(value: float, baseline: float, target: float, direction: str) -> float:
    """Share of the way from baseline to target that the value has covered.

    Examples
    --------
    >>> progress(20, baseline=24, target=14, direction="lower")
    0.4
    >>> progress(0.9, baseline=0.9, target=0.9, direction="higher")
    1.0
    """
    _check_sides(baseline, target, direction)
    if pd.isna(value):
        return float("nan")
    if target == baseline:
        meets = value >= target if direction == "higher" else value <= target
        return 1.0 if meets else 0.0
    return float((value - baseline) / (target - baseline))


def status(
    value: float,
    baseline: float,
    target: float,
    direction: str,
    elapsed: float,
    on_track: float = 0.9,
    at_risk: float = 0.6,
) -> str:
    """Status of an indicator against the linear path from baseline to target.

    Parameters
    ----------
    value : float
        Observed value (NaN gives ``"no_data"``).
    baseline, target : float
        Start and end points; ``direction`` says which way is better.
    direction : {"higher", "lower"}
    elapsed : float
        Share of the period elapsed, 0..1.
    on_track, at_risk : float
        Thresholds on progress relative to the elapsed share.

    Returns
    -------
    str
        ``"on_track"``, ``"at_risk"``, ``"off_track"`` or ``"no_data"``.

    Examples
    --------
    >>> status(15, baseline=24, target=14, direction="lower", elapsed=1.0)   # progress 0.9
    'on_track'
    >>> status(18, baseline=24, target=14, direction="lower", elapsed=1.0)   # progress 0.6
    'at_risk'
    >>> status(19, baseline=24, target=14, direction="lower", elapsed=1.0)
    'off_track'
    """
    if not 0.0 <= elapsed <= 1.0:
        raise RuseError(f"elapsed must lie in [0, 1], got {elapsed}")
    if not 0 <= at_risk <= on_track:
        raise RuseError("thresholds need 0 <= at_risk <= on_track")
    p = progress(value, baseline, target, direction)
    if np.isnan(p):
        return "no_data"
    if p >= on_track * elapsed - TOLERANCE:
        return "on_track"
    if p >= at_risk * elapsed - TOLERANCE:
        return "at_risk"
    return "off_track"


def elapsed_fraction(date: Any, start: Any, end: Any) -> float:
    """Share of the period [start, end] elapsed at ``date``, clipped to 0..1 (days).

    Examples
    --------
    >>> round(elapsed_fraction("2019-10-18", "2019-01-18", "2020-07-18"), 4)   # 273 / 547
    0.4991
    """
    d, s, e = pd.Timestamp(date), pd.Timestamp(start), pd.Timestamp(end)
    if e <= s:
        raise RuseError("the period end must come after its start")
    return float(min(1.0, max(0.0, (d - s).days / (e - s).days)))
