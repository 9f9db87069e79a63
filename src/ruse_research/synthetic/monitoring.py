"""Synthetic civic-monitoring log of a regional administration over its project's period.

One row per monitored event, as a civic monitor fills in
``data/templates/monitoring_log_template.csv`` (columns documented in
``data/codebooks/monitoring_log.yaml``). Event types: 1 consultation of a draft act,
2 citizen request or signal answered, 3 public-council meeting, 4 website transparency
check, 5 information-campaign event.

Planted trends over the project's calendar quarters (returned in the truth dict):

* the share of consultations open at least 30 days (Normative Acts Act art. 26(4)) rises
  from about 0.35 to 0.95;
* the share of consultations followed by a published report (art. 26(5)) rises slowly,
  from 0.30 to 0.65 (short of the 0.80 target);
* the median days to answer a request falls from about 24 to 13;
* public-council meetings start in the project's third calendar quarter (at least one a quarter);
* the website transparency checklist score rises from 50 to 85 (of 100);
* the information campaign runs from the project's fifth calendar quarter.

The project period is the region profile's ``project.start`` .. ``project.end``.

Examples
--------
>>> import numpy as np
>>> from ruse_research.synthetic.region import Region
>>> frames, truth = generate(np.random.default_rng(1), Region.from_profile("ruse"))
>>> list(frames)
['monitoring_log']
>>> truth["period"]
['2019-01-18', '2020-07-18']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruse_research.synthetic.region import Region

EVENT_TYPES = {
    1: "consultation",
    2: "request",
    3: "council_meeting",
    4: "website_check",
    5: "campaign",
}

SHARE_30_DAYS = (0.35, 0.95)  # first -> last quarter, linear in time
SHARE_REPORT = (0.30, 0.65)
MEDIAN_DAYS = (24.0, 13.0)
CHECKLIST_TOTAL = 20
CHECKLIST_SHARE = (0.50, 0.85)
CONSULTATIONS_PER_QUARTER = 12.0
REQUESTS_PER_QUARTER = 24.0
COUNCIL_MEETINGS_EXTRA = 0.8  # meetings per full quarter beyond the first
COUNCIL_FROM_QUARTER = 3  # the public council meets from the project's 3rd calendar quarter
CAMPAIGN_FROM_QUARTER = 5  # the information campaign runs from its 5th
CAMPAIGN_EVENTS_PER_QUARTER = 4.0


def project_quarters(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Calendar quarters overlapping the project ``start`` .. ``end``, with their days inside it.

    Examples
    --------
    >>> q = project_quarters(pd.Timestamp("2019-01-18"), pd.Timestamp("2020-07-18"))
    >>> q["quarter"].tolist()[0], q["quarter"].tolist()[-1], len(q)
    ('2019Q1', '2020Q3', 7)
    """
    periods = pd.period_range(start, end, freq="Q")
    rows = []
    for p in periods:
        first = max(p.start_time.normalize(), start)
        last = min(p.end_time.normalize(), end)
        rows.append({"quarter": str(p), "start": first, "end": last, "days": (last - first).days + 1})
    return pd.DataFrame(rows)


def _dates(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, n: int) -> list:
    offsets = rng.integers(0, (end - start).days + 1, size=n)
    return sorted(start + pd.Timedelta(days=int(o)) for o in offsets)


def generate(rng: np.random.Generator, region: Region | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Generate the monitoring log.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded generator; the same state gives identical frames.
    region : Region, optional
        Gives the project period (default: the active profile's).

    Returns
    -------
    frames : dict of str to pandas.DataFrame
        ``{"monitoring_log": ...}``, one row per event sorted by date, ``event_date`` as
        ISO ``YYYY-MM-DD`` text, integer columns as ``Int64`` with ``<NA>`` where a field
        does not apply to the event type.
    truth : dict
        The planted per-quarter parameters and trend directions (JSON-serialisable).

    Examples
    --------
    >>> import numpy as np
    >>> frames, truth = generate(np.random.default_rng(20190118))
    >>> log = frames["monitoring_log"]
    >>> set(log["event_type"].unique()) == {1, 2, 3, 4, 5}
    True
    >>> truth["trends"]["consult_30d_share"]
    'up'
    """
    region = region or Region.from_profile()
    project_start, project_end = region.project_start, region.project_end
    quarters = project_quarters(project_start, project_end)
    first = pd.Period(project_start, freq="Q")
    council_from, campaign_from = first + (COUNCIL_FROM_QUARTER - 1), first + (CAMPAIGN_FROM_QUARTER - 1)
    # time position of each quarter's midpoint in the project, 0 .. 1
    mid = quarters["start"] + (quarters["end"] - quarters["start"]) / 2
    pos = ((mid - project_start) / (project_end - project_start)).to_numpy(dtype=float)
    full = quarters["days"].to_numpy() / 91.0

    def lerp(pair: tuple[float, float]) -> np.ndarray:
        return pair[0] + (pair[1] - pair[0]) * pos

    p30, prep, med, chk = (
        lerp(SHARE_30_DAYS),
        lerp(SHARE_REPORT),
        lerp(MEDIAN_DAYS),
        lerp(CHECKLIST_SHARE),
    )

    rows: list[dict] = []
    for i, q in quarters.iterrows():
        period = pd.Period(q["quarter"], freq="Q")
        start, end = q["start"], q["end"]
        n_cons = max(1, int(rng.poisson(CONSULTATIONS_PER_QUARTER * full[i])))
        for d in _dates(rng, start, end, n_cons):
            long_enough = rng.random() < p30[i]
            days = int(rng.integers(30, 46)) if long_enough else int(rng.integers(14, 30))
            rows.append(
                {
                    "event_date": d,
                    "event_type": 1,
                    "consult_days": days,
                    "report_published": 1 if rng.random() < prep[i] else 2,
                    "proposals_received": int(rng.poisson(6)),
                }
            )
        n_req = int(rng.poisson(REQUESTS_PER_QUARTER * full[i]))
        for d in _dates(rng, start, end, n_req):
            days = int(np.clip(np.rint(med[i] * np.exp(rng.normal(0.0, 0.35))), 1, 60))
            rows.append({"event_date": d, "event_type": 2, "days_to_answer": days})
        if period >= council_from:
            n_meet = 1 + int(rng.poisson(COUNCIL_MEETINGS_EXTRA * full[i]))
            for d in _dates(rng, start, end, n_meet):
                rows.append(
                    {"event_date": d, "event_type": 3, "participants": int(rng.integers(8, 26))}
                )
        # one check a quarter; the monitor's reading varies by about one checklist point
        met = int(
            np.clip(np.rint(CHECKLIST_TOTAL * chk[i] + rng.normal(0.0, 0.8)), 0, CHECKLIST_TOTAL)
        )
        rows.append(
            {
                "event_date": end,
                "event_type": 4,
                "checklist_met": met,
                "checklist_total": CHECKLIST_TOTAL,
            }
        )
        if period >= campaign_from:
            n_camp = max(1, int(rng.poisson(CAMPAIGN_EVENTS_PER_QUARTER * full[i])))
            for d in _dates(rng, start, end, n_camp):
                rows.append(
                    {"event_date": d, "event_type": 5, "reach": int(rng.integers(800, 4001))}
                )

    log = pd.DataFrame(rows)
    log = log.sort_values(["event_date", "event_type"], kind="stable").reset_index(drop=True)
    log.insert(0, "event_id", [f"E{i + 1:04d}" for i in range(len(log))])
    log["event_date"] = log["event_date"].dt.strftime("%Y-%m-%d")
    int_cols = [
        "event_type",
        "consult_days",
        "report_published",
        "proposals_received",
        "days_to_answer",
        "participants",
        "checklist_met",
        "checklist_total",
        "reach",
    ]
    for col in int_cols:
        if col not in log:
            log[col] = pd.NA
        log[col] = log[col].astype("Int64")
    log["note"] = pd.Series([pd.NA] * len(log), dtype="string")
    log = log[["event_id", "event_date", *int_cols, "note"]]

    truth = {
        "period": [project_start.strftime("%Y-%m-%d"), project_end.strftime("%Y-%m-%d")],
        "quarters": quarters["quarter"].tolist(),
        "event_types": {str(k): v for k, v in EVENT_TYPES.items()},
        "planted_per_quarter": {
            "p_consult_30d": [round(float(x), 4) for x in p30],
            "p_report_published": [round(float(x), 4) for x in prep],
            "median_days_to_answer": [round(float(x), 3) for x in med],
            "checklist_share": [round(float(x), 4) for x in chk],
        },
        "trends": {
            "consult_30d_share": "up",
            "consult_report_share": "up",
            "request_median_days": "down",
            "website_transparency": "up",
        },
        "council_meetings_from": str(council_from),
        "campaign_from": str(campaign_from),
        "n_events": int(len(log)),
        "note": (
            "Report share is planted to end near 0.65 against a 0.80 target, so a correct "
            "status rule does not put it on track; the 30-day share ends near 0.95."
        ),
    }
    return {"monitoring_log": log}, truth
