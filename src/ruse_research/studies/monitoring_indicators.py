"""Civic-monitoring indicators from the monitoring log: quarterly values, scorecard, trends, finance.

The monitoring log (``data/codebooks/monitoring_log.yaml``) records one row per event; each
indicator of the framework (:mod:`ruse_research.studies.monitoring_framework`) says how it is
computed from the log. :func:`compute_indicators` gives the value of every indicator in every
quarter with its CI (Wilson for shares, order statistics for medians, from
:mod:`ruse_research.stats.proportions`), :func:`scorecard` applies the status rule at a quarter,
:func:`trend` estimates the change per quarter, :func:`finance` and :func:`timeline` give the
project's money and time.

Examples
--------
>>> q = quarters("2019-01-18", "2019-07-18")
>>> q["quarter"].tolist()
['2019Q1', '2019Q2', '2019Q3']
"""

from __future__ import annotations

import warnings
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, theilslopes

# the four statsmodels pieces this module uses, not statsmodels.api (which imports the time
# series, graphics and formula machinery: about 1 s more in every kernel and test worker)
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.quantile_regression import QuantReg
from statsmodels.tools.tools import add_constant

from ruse_research.data.codebook import load_codebook
from ruse_research.errors import DataError, Problem, RuseError
from ruse_research.stats.proportions import median_ci as _median_ci
from ruse_research.stats.proportions import wilson_ci
from ruse_research.studies.monitoring_framework import (
    SHARE_STATISTICS,
    STATUSES,  # noqa: F401 (the examples use it)
    check_lang,
    elapsed_fraction,
    load_framework,
    progress,
    project_money,
    status,
)

__all__ = [
    "DAYS_PER_QUARTER",
    "compute_indicators",
    "finance",
    "quarters",
    "scorecard",
    "timeline",
    "trend",
]

DAYS_PER_QUARTER = 365.25 / 4


# --------------------------------------------------------------------------- quarters


def quarters(start: Any, end: Any) -> pd.DataFrame:
    """Calendar quarters overlapping [start, end] with the days observed in each.

    Examples
    --------
    >>> q = quarters("2019-01-18", "2020-07-18")
    >>> q[["quarter", "days_observed", "partial"]].iloc[[0, 1, -1]].values.tolist()
    [['2019Q1', 73, True], ['2019Q2', 91, False], ['2020Q3', 18, True]]
    """
    s, e = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    rows = []
    for p in pd.period_range(s, e, freq="Q"):
        q_start, q_end = p.start_time.normalize(), p.end_time.normalize()
        obs_start, obs_end = max(q_start, s), min(q_end, e)
        days = (obs_end - obs_start).days + 1
        rows.append(
            {
                "quarter": str(p),
                "quarter_start": obs_start,
                "quarter_end": obs_end,
                "days_observed": days,
                "partial": days < (q_end - q_start).days + 1,
            }
        )
    return pd.DataFrame(rows)


def _prepare_log(log: pd.DataFrame, framework: dict) -> pd.DataFrame:
    needed = {"event_date", "event_type"}
    for ind in framework["indicators"]:
        comp = ind["computation"]
        needed.update(c for c in (comp.get("column"), comp.get("denominator")) if c)
    missing = sorted(needed - set(log.columns))
    if missing:
        raise DataError(
            [
                Problem("monitoring_log", None, c, "(absent)", "a column of the log codebook")
                for c in missing
            ]
        )
    out = log.copy()
    _check_codes(out)
    dates = pd.to_datetime(out["event_date"], errors="coerce", format="ISO8601")
    bad = dates.isna()
    if bad.any():
        raise DataError(
            [
                Problem(
                    "monitoring_log",
                    int(i) + 2,
                    "event_date",
                    out["event_date"].iloc[i],
                    "a date YYYY-MM-DD",
                )
                for i in np.flatnonzero(bad.to_numpy())
            ]
        )
    out["event_date"] = dates
    out["quarter"] = out["event_date"].dt.to_period("Q").astype(str)
    return out


def _check_codes(log: pd.DataFrame) -> None:
    """Coded columns may hold only the codebook's valid codes (or blanks).

    A raw export still holding a "don't know" code (e.g. 97 in ``report_published``) would
    otherwise be counted as a substantive answer; ``io.read_survey`` turns those codes into NA.
    """
    book = load_codebook("monitoring_log")
    problems = []
    for item in book.items:
        if item.response_scale is None or item.id not in log.columns:
            continue
        valid = set(book.scales[item.response_scale].values)
        codes = pd.to_numeric(log[item.id], errors="coerce")
        bad = codes.notna() & ~codes.isin(valid)
        problems += [
            Problem("monitoring_log", int(i) + 2, item.id, log[item.id].iloc[i],
                    f"one of the codes {sorted(valid)} (read the log with io.read_survey)")
            for i in np.flatnonzero(bad.to_numpy())
        ]  # fmt: skip
    if problems:
        raise DataError(problems)


def _period(log: pd.DataFrame, framework: dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, end = framework["project"]["start"], framework["project"]["end"]
    if len(log):
        start = min(start, log["event_date"].min().normalize())
        end = max(end, log["event_date"].max().normalize())
    return start, end


# --------------------------------------------------------------------------- indicators


_NO_ROWS = np.array([], dtype=np.intp)


def compute_indicators(
    log: pd.DataFrame, framework: dict | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Every indicator of the framework by calendar quarter.

    Parameters
    ----------
    log : pandas.DataFrame
        The monitoring log, typed by ``io.read_survey`` (``event_date`` dates or ISO text,
        ``event_type`` codes; don't-know answers as ``<NA>``).
    framework : dict, optional
        :func:`load_framework` output; the bundled framework by default.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``indicator, quarter, quarter_end, days_observed, partial, n, numerator, value,
        ci_low, ci_high``. ``n`` counts the events the value rests on; share indicators give
        Wilson intervals, medians a distribution-free order-statistic interval, others none.
        Quarters run over the project period, widened to any event outside it.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"event_date": ["2019-02-01", "2019-03-01", "2019-03-02"],
    ...                     "event_type": [1, 1, 2], "consult_days": [30, 14, None],
    ...                     "report_published": [1, 2, None], "days_to_answer": [None, None, 9],
    ...                     "checklist_met": None, "checklist_total": None, "reach": None})
    >>> ind = compute_indicators(log).query("quarter == '2019Q1'").set_index("indicator")
    >>> float(ind.loc["consult_30d_share", "value"]), float(ind.loc["request_median_days", "value"])
    (0.5, 9.0)
    """
    fw = load_framework() if framework is None else framework
    events = _prepare_log(log, fw)
    start, end = _period(events, fw)
    qs = quarters(start, end)
    rows = []
    event_types = pd.to_numeric(events["event_type"], errors="coerce")
    for ind in fw["indicators"]:
        comp = ind["computation"]
        stat = comp["statistic"]
        of_type = event_types == comp["event_type"]
        of_type = events[of_type.fillna(False).to_numpy(dtype=bool)]
        col = comp.get("column")
        # each column converted once, each quarter's rows found once (not a filter per quarter)
        numeric = pd.to_numeric(of_type[col], errors="coerce") if col else None
        denominators = (pd.to_numeric(of_type[comp["denominator"]], errors="coerce")
                        if stat == "ratio_sum" else None)
        rows_of = of_type.groupby("quarter", sort=False).indices
        running = 0.0
        for q in qs.itertuples(index=False):
            where = rows_of.get(q.quarter, _NO_ROWS)
            values = numeric.iloc[where].dropna().to_numpy(dtype=float) if col else np.array([])
            numerator, value, ci = np.nan, np.nan, (np.nan, np.nan)
            n = len(values) if col else len(where)
            if stat in SHARE_STATISTICS:
                hits = (
                    values >= comp["threshold"]
                    if stat == "share_at_least"
                    else values == comp["value"]
                )
                numerator = float(hits.sum())
                if n:
                    value = numerator / n
                    if ind.get("ci") == "wilson":
                        ci = wilson_ci(int(numerator), n, level)
            elif stat == "median":
                if n:
                    value = float(np.median(values))
                    if ind.get("ci") == "median":
                        ci = _median_ci(values, level)
            elif stat == "count":
                value = float(n)
            elif stat == "ratio_sum":
                denom, num = denominators.iloc[where], numeric.iloc[where]
                ok = num.notna() & denom.notna()
                n = int(ok.sum())
                if n and denom[ok].sum() > 0:
                    numerator = float(num[ok].sum())
                    value = numerator / float(denom[ok].sum()) * float(comp.get("scale", 1))
            elif stat == "cumulative_sum":
                numerator = float(values.sum())
                running += numerator
                value = running
            rows.append(
                {
                    "indicator": ind["key"],
                    "quarter": q.quarter,
                    "quarter_end": q.quarter_end,
                    "days_observed": int(q.days_observed),
                    "partial": bool(q.partial),
                    "n": int(n),
                    "numerator": numerator,
                    "value": value,
                    "ci_low": ci[0],
                    "ci_high": ci[1],
                }
            )
    return pd.DataFrame(rows)


def scorecard(
    values: pd.DataFrame,
    framework: dict | None = None,
    as_of: str | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Status of every indicator at one quarter against its linear path to target.

    Parameters
    ----------
    values : pandas.DataFrame
        Output of :func:`compute_indicators`.
    framework : dict, optional
    as_of : str, optional
        Quarter such as ``"2020Q2"``; by default the last complete (not partial) quarter, so
        a quarter with a few days of data does not decide the status.
    lang : {"bg", "en"}

    Returns
    -------
    pandas.DataFrame
        ``indicator, label, quarter, value, ci_low, ci_high, n, baseline, target, direction,
        elapsed, expected_value, progress, status`` in framework order.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.monitoring import generate
    >>> from ruse_research.synthetic.region import Region
    >>> frames, _ = generate(np.random.default_rng(20190118), Region.from_profile("ruse"))
    >>> fw = load_framework(profile="ruse")
    >>> sc = scorecard(compute_indicators(frames["monitoring_log"], fw), fw)
    >>> sc["quarter"].unique().tolist(), set(sc["status"]) <= set(STATUSES)
    (['2020Q2'], True)
    """
    lang = check_lang(lang)
    fw = load_framework() if framework is None else framework
    rule = fw["status_rule"]
    if as_of is None:
        complete = values.loc[~values["partial"], "quarter"]
        as_of = (complete if len(complete) else values["quarter"]).max()
    if as_of not in set(values["quarter"]):
        raise RuseError(f"quarter {as_of!r} is not in the indicator values")
    start, end = fw["project"]["start"], fw["project"]["end"]
    rows = []
    for ind in fw["indicators"]:
        row = values[(values["indicator"] == ind["key"]) & (values["quarter"] == as_of)]
        if row.empty:
            raise RuseError(
                f"no values for indicator {ind['key']!r}: compute them with this framework"
            )
        r = row.iloc[0]
        baseline, target = float(ind["baseline"]), float(ind["target"])
        # an activity planned for later (path_start) is expected to progress only from then on
        elapsed = elapsed_fraction(r["quarter_end"], ind.get("path_start") or start, end)
        rows.append(
            {
                "indicator": ind["key"],
                "label": ind["label"][lang],
                "quarter": as_of,
                "value": float(r["value"]),
                "ci_low": float(r["ci_low"]),
                "ci_high": float(r["ci_high"]),
                "n": int(r["n"]),
                "baseline": baseline,
                "target": target,
                "direction": ind["direction"],
                "elapsed": elapsed,
                "expected_value": baseline + (target - baseline) * elapsed,
                "progress": progress(float(r["value"]), baseline, target, ind["direction"]),
                "status": status(
                    float(r["value"]),
                    baseline,
                    target,
                    ind["direction"],
                    elapsed,
                    rule["on_track"],
                    rule["at_risk"],
                ),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- trend


def _classify(low: float, high: float, direction: str) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no_clear_trend"
    if low > 0:
        return "improving" if direction == "higher" else "worsening"
    if high < 0:
        return "improving" if direction == "lower" else "worsening"
    return "no_clear_trend"


def trend(
    log: pd.DataFrame, values: pd.DataFrame, framework: dict | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Trend of every indicator over the quarters, with a CI for the slope.

    * share indicators: logistic regression of the event-level outcome on time (quarters since
      the project start); ``slope`` is the change in log-odds per quarter (Wald CI);
    * median indicators: median (quantile 0.5) regression of the event-level value on time;
      ``slope`` is the change in the median per quarter;
    * counts, ratios and cumulative sums: Theil-Sen slope of the quarterly values per quarter
      with its CI (``scipy.stats.theilslopes``) and Kendall's tau p-value; counts and the
      increments of cumulative sums use complete quarters only.

    ``change`` is ``improving`` / ``worsening`` when the CI excludes 0 on the good / bad side
    given the indicator's direction, else ``no_clear_trend``.

    Returns
    -------
    pandas.DataFrame
        ``indicator, method, n, slope, slope_low, slope_high, p, change``.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.monitoring import generate
    >>> frames, truth = generate(np.random.default_rng(20190118))
    >>> log = frames["monitoring_log"]
    >>> tr = trend(log, compute_indicators(log)).set_index("indicator")
    >>> tr.loc["request_median_days", "change"]
    'improving'
    """
    fw = load_framework() if framework is None else framework
    events = _prepare_log(log, fw)
    start = fw["project"]["start"]
    events["t"] = (events["event_date"] - start).dt.days / DAYS_PER_QUARTER
    alpha = 1 - level
    rows = []
    for ind in fw["indicators"]:
        comp = ind["computation"]
        stat = comp["statistic"]
        slope = low = high = p = np.nan
        if stat in SHARE_STATISTICS or stat == "median":
            of_type = events[
                pd.to_numeric(events["event_type"], errors="coerce") == comp["event_type"]
            ]
            y = pd.to_numeric(of_type[comp["column"]], errors="coerce")
            ok = y.notna()
            t, y = of_type.loc[ok, "t"].to_numpy(dtype=float), y[ok].to_numpy(dtype=float)
            n = len(y)
            X = add_constant(t)
            if stat in SHARE_STATISTICS:
                method = "logistic regression (event level)"
                yy = (y >= comp["threshold"]) if stat == "share_at_least" else (y == comp["value"])
                if n >= 3 and 0 < yy.sum() < n:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # near-separation in tiny logs
                        fit = GLM(yy.astype(float), X, family=families.Binomial()).fit()
                    slope, (low, high), p = fit.params[1], fit.conf_int(alpha)[1], fit.pvalues[1]
            else:
                method = "median regression (event level)"
                if n >= 3 and np.ptp(t) > 0:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # IterationLimitWarning on tied data
                        fit = QuantReg(y, X).fit(q=0.5)
                    slope, (low, high), p = fit.params[1], fit.conf_int(alpha)[1], fit.pvalues[1]
        else:
            part = values[values["indicator"] == ind["key"]]
            if stat == "cumulative_sum":
                # the running total always rises; its trend is that of the quarterly increments
                method = "Theil-Sen (quarterly increments)"
                part = part.assign(value=part["numerator"])
            else:
                method = "Theil-Sen (quarterly values)"
            if stat in ("count", "cumulative_sum"):
                part = part[~part["partial"]]  # a partial quarter undercounts
            part = part.dropna(subset=["value"])
            n = len(part)
            if n >= 3:
                x = np.arange(len(values["quarter"].unique()))[
                    pd.Index(sorted(values["quarter"].unique())).get_indexer(part["quarter"])
                ].astype(float)
                yv = part["value"].to_numpy(dtype=float)
                res = theilslopes(yv, x, alpha=level)
                slope, low, high = res.slope, res.low_slope, res.high_slope
                p = float(kendalltau(x, yv).pvalue) if np.ptp(yv) > 0 else 1.0
        rows.append(
            {
                "indicator": ind["key"],
                "method": method,
                "n": int(n),
                "slope": float(slope),
                "slope_low": float(low),
                "slope_high": float(high),
                "p": float(p),
                "change": _classify(float(low), float(high), ind["direction"]),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- finance


def _money(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def finance(framework: dict | None = None) -> pd.DataFrame:
    """Project financial monitoring from the figures on the public project page.

    EU and national amounts split each total by the EU share (85%), rounded half-up to the
    stotinka; the national part is the remainder so the two parts add up exactly.

    Returns
    -------
    pandas.DataFrame
        ``measure, value, unit`` with measures ``total_value, grant, own_funding, paid,
        unpaid, absorption_rate, eu_share, eu_total, national_total, eu_paid, national_paid``.

    Examples
    --------
    >>> f = finance(load_framework(profile="ruse")).set_index("measure")["value"]  # the demo profile's project
    >>> round(float(f["absorption_rate"]), 6), float(f["eu_paid"]), float(f["national_paid"])
    (0.940533, 71403.94, 12600.69)
    """
    fw = load_framework() if framework is None else framework
    pr = fw["project"]
    # load_framework has checked them against their file; only a framework built by hand can fail here
    total, grant, own, paid, eu = project_money(pr, "the framework's project")
    currency = pr.get("currency", "BGN")
    eu_total, eu_paid = _money(total * eu), _money(paid * eu)
    rows = [
        ("total_value", total, currency),
        ("grant", grant, currency),
        ("own_funding", own, currency),
        ("paid", paid, currency),
        ("unpaid", total - paid, currency),
        ("absorption_rate", paid / total, "share"),
        ("eu_share", eu, "share"),
        ("eu_total", eu_total, currency),
        ("national_total", total - eu_total, currency),
        ("eu_paid", eu_paid, currency),
        ("national_paid", paid - eu_paid, currency),
    ]
    return pd.DataFrame([{"measure": m, "value": float(v), "unit": u} for m, v, u in rows])


def timeline(framework: dict | None = None, as_of: Any = None) -> pd.DataFrame:
    """Elapsed project time at the end of every quarter (and at ``as_of`` if given).

    Returns
    -------
    pandas.DataFrame
        ``quarter, date, elapsed_days, duration_days, elapsed_share`` sorted by date; the last
        row is the project end (``quarter`` = ``"end"``) unless ``as_of`` comes later.

    Examples
    --------
    >>> t = timeline(load_framework(profile="ruse"))  # the demo project ran 547 days
    >>> int(t["duration_days"].iloc[0]), float(t["elapsed_share"].iloc[-1])
    (547, 1.0)
    """
    fw = load_framework() if framework is None else framework
    start, end = fw["project"]["start"], fw["project"]["end"]
    qs = quarters(start, end)
    points = [(q.quarter, q.quarter_end) for q in qs.itertuples(index=False) if q.quarter_end < end]
    points.append(("end", end))
    if as_of is not None:
        points.append(("as_of", pd.Timestamp(as_of)))
    duration = (end - start).days
    rows = [
        {
            "quarter": label,
            "date": date,
            "elapsed_days": int((date - start).days),
            "duration_days": int(duration),
            "elapsed_share": elapsed_fraction(date, start, end),
        }
        for label, date in points
    ]
    return pd.DataFrame(rows).sort_values(["date", "quarter"]).reset_index(drop=True)
