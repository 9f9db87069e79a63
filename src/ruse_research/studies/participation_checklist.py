"""The good-practice checklist of the participation study and the prioritised recommendations.

The checklist is data (``data/model/good_practice.yaml``): each principle with its framework,
the review team's assessment (met, partly, not met), evidence, recommendation and 1-5 impact
and feasibility. :func:`recommendations` ranks the mechanisms that would fill coverage gaps
(:mod:`ruse_research.studies.participation_model`) together with the checklist items not met.

Examples
--------
>>> s = checklist_summary(checklist(load_checklist()))
>>> s["framework"].iloc[-1]
'all'
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ruse_research import paths
from ruse_research.i18n import in_language
from ruse_research.studies.participation_model import (
    LANGS,
    Model,
    ModelError,
    check_lang,
    coverage,  # noqa: F401 (the examples use it)
    load_model,  # noqa: F401 (the examples use it)
    model_placements,
    read_yaml,
)
from ruse_research.studies.participation_panel import (
    MAX_BAND,
    criterion_means,  # noqa: F401 (the examples use it)
)

__all__ = [
    "CHECKLIST_SCORES",
    "DEFAULT_CHECKLIST",
    "checklist",
    "checklist_summary",
    "load_checklist",
    "recommendations",
]

CHECKLIST_SCORES = {"met": 1.0, "partly": 0.5, "not_met": 0.0}
DEFAULT_CHECKLIST = "data/model/good_practice.yaml"


# --------------------------------------------------------------------------- checklist


def load_checklist(path: str | os.PathLike[str] = DEFAULT_CHECKLIST) -> dict:
    """Read and check the good-practice checklist YAML.

    Examples
    --------
    >>> cl = load_checklist()
    >>> {item["status"] for item in cl["items"]} <= {"met", "partly", "not_met"}
    True
    """
    file = paths.resolve(path)
    data = read_yaml(file, "good-practice checklist")
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise ModelError(f"{file}: needs a non-empty list 'items'")
    keys = set()
    for item in items:
        key = item.get("key")
        if not key or key in keys:
            raise ModelError(f"{file}: every item needs a unique key (got {key!r})")
        keys.add(key)
        if item.get("status") not in CHECKLIST_SCORES:
            raise ModelError(
                f"{file}: item {key!r} status must be met, partly or not_met, not {item.get('status')!r}"
            )
        for field in ("principle", "evidence", "recommendation"):
            if any(not (item.get(field) or {}).get(lang) for lang in LANGS):
                raise ModelError(f"{file}: item {key!r} needs {field}.bg and {field}.en")
        for field in ("impact", "feasibility"):
            if item.get(field) not in (1, 2, 3, 4, 5):
                raise ModelError(f"{file}: item {key!r} {field} must be an integer 1-5")
    return data


def checklist(data: dict | None = None, lang: str = "en") -> pd.DataFrame:
    """The good-practice checklist as a table, in checklist order.

    Returns
    -------
    pandas.DataFrame
        ``key, framework, principle, status, score, evidence`` (``score``: met 1, partly 0.5,
        not met 0).

    Examples
    --------
    >>> checklist(lang="bg").columns.tolist()
    ['key', 'framework', 'principle', 'status', 'score', 'evidence']
    """
    lang = check_lang(lang)
    data = load_checklist() if data is None else data
    return pd.DataFrame(
        [
            {
                "key": it["key"],
                "framework": in_language(it.get("framework", ""), lang),
                "principle": it["principle"][lang],
                "status": it["status"],
                "score": CHECKLIST_SCORES[it["status"]],
                "evidence": it["evidence"][lang],
            }
            for it in data["items"]
        ]
    )


def checklist_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Counts by status and the mean score per framework, plus an ``all`` row last.

    Examples
    --------
    >>> s = checklist_summary(checklist())
    >>> s["framework"].iloc[-1], int(s["n_items"].iloc[-1]) == len(checklist())
    ('all', True)
    """

    def summarise(part: pd.DataFrame, name: str) -> dict:
        return {
            "framework": name,
            "n_items": int(len(part)),
            "n_met": int((part["status"] == "met").sum()),
            "n_partly": int((part["status"] == "partly").sum()),
            "n_not_met": int((part["status"] == "not_met").sum()),
            "score": float(part["score"].mean()),
        }

    rows = [summarise(part, fw) for fw, part in table.groupby("framework", sort=True)]
    rows.append(summarise(table, "all"))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- recommendations


def _quadrant(impact: float, feasibility: float) -> str:
    if impact >= 0.5:
        return "quick_win" if feasibility >= 0.5 else "major_project"
    return "fill_in" if feasibility >= 0.5 else "deprioritise"


def recommendations(
    model: Model,
    cov: pd.DataFrame,
    means: pd.DataFrame,
    checklist_data: dict | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Prioritised recommendations (impact x feasibility), from coverage gaps and the checklist.

    * A mechanism that fills at least one coverage gap: impact = gap cells it fills / the most
      any mechanism fills; feasibility = the panel's mean ``feasibility`` band / 5.
    * A checklist item not fully met: impact and feasibility = the review team's 1-5 scores / 5.

    ``priority = impact * feasibility``; quadrants split both axes at 0.5 (``quick_win``,
    ``major_project``, ``fill_in``, ``deprioritise``).

    Returns
    -------
    pandas.DataFrame
        ``rank, source, key, recommendation, impact, feasibility, priority, quadrant`` sorted
        by priority (descending), then source and key.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from ruse_research.synthetic.panel import generate
    >>> m = load_model()
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> staff = pd.DataFrame({k: [5, 5] if "info" in k else [1, 2] for k in m.practice_map["items"]})
    >>> rec = recommendations(m, coverage(m, staff), criterion_means(f["panel"].replace(97, pd.NA), m))
    >>> rec["rank"].tolist()[:3]
    [1, 2, 3]
    """
    lang = check_lang(lang)
    rows = []
    gaps = cov[cov["status"] == "gap"]
    placements = model_placements(model)
    filled = (
        placements.merge(gaps[["level", "stage"]], on=["level", "stage"], how="inner")
        .groupby("mechanism")
        .size()
    )
    feas = means[means["criterion"] == "feasibility"].set_index("mechanism")["mean_band"]
    if len(filled):
        most = filled.max()
        for mech in model.mechanism_keys:
            if mech not in filled.index or mech not in feas.index:
                continue
            entry = next(m for m in model.mechanisms if m["key"] == mech)
            rows.append(
                {
                    "source": "coverage_gap",
                    "key": mech,
                    "recommendation": entry["recommendation"][lang],
                    "impact": float(filled[mech] / most),
                    "feasibility": float(feas[mech] / MAX_BAND),
                }
            )
    data = load_checklist() if checklist_data is None else checklist_data
    for item in data["items"]:
        if item["status"] == "met":
            continue
        rows.append(
            {
                "source": "checklist",
                "key": item["key"],
                "recommendation": item["recommendation"][lang],
                "impact": item["impact"] / 5,
                "feasibility": item["feasibility"] / 5,
            }
        )
    out = pd.DataFrame(rows, columns=["source", "key", "recommendation", "impact", "feasibility"])
    out["priority"] = out["impact"] * out["feasibility"]
    out["quadrant"] = [
        _quadrant(i, f) for i, f in zip(out["impact"], out["feasibility"], strict=True)
    ]
    out = out.sort_values(["priority", "source", "key"], ascending=[False, True, True]).reset_index(
        drop=True
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
