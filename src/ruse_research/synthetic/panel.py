"""Synthetic expert-panel assessment of participation mechanisms (questionnaire C).

A panel of 12 raters (6 from the regional and municipal administrations, 6 from civil
society: NGOs, business, independent experts) rates each participation mechanism of the
model (``data/model/participation_model.yaml``) against five criteria on the CAF 2020
classical enabler bands 0-5, and allocates 100 points of weight over the criteria.

Files (stems match the codebooks in ``data/codebooks/``):

* ``panel``: one row per rater x mechanism (``record_id`` = ``P<rater>-M<code>``).
* ``panel_weights``: one row per rater, integer weights in points that sum to 100.

Planted effects (returned in the truth dict, see :func:`generate`):

* public councils and consultations on strategy.bg with the 30-day rule are rated highest;
* weights favour accountability (feedback) and inclusiveness over clarity and feasibility;
* civil-society raters give accountability more weight than administration raters.

Examples
--------
>>> import numpy as np
>>> frames, truth = generate(np.random.default_rng(1))
>>> sorted(frames)
['panel', 'panel_weights']
>>> bool((frames["panel_weights"].filter(like="w_").sum(axis=1) == 100).all())
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CRITERIA = ["clarity", "accountability", "transparency", "inclusiveness", "feasibility"]

# mechanism key -> (panel code, true mean band per criterion in CRITERIA order).
# Codes must equal the ``code`` of each mechanism in data/model/participation_model.yaml.
TRUE_PROFILES: dict[str, tuple[int, tuple[float, ...]]] = {
    "consultation_portal": (1, (4.2, 4.0, 4.5, 3.4, 4.2)),
    "public_council": (2, (4.0, 4.4, 3.8, 4.5, 3.8)),
    "public_hearing": (3, (3.2, 2.8, 3.4, 3.3, 3.3)),
    "citizen_panel": (4, (2.8, 2.8, 2.6, 3.6, 1.8)),
    "monitoring_committee": (5, (3.0, 3.4, 3.0, 2.6, 2.8)),
    "online_survey": (6, (2.6, 1.8, 2.8, 3.0, 3.9)),
    "participatory_budgeting": (7, (2.2, 2.6, 2.4, 3.0, 1.2)),
    "working_group": (8, (3.0, 3.0, 2.4, 2.2, 3.2)),
    "open_information": (9, (2.8, 1.6, 3.8, 2.6, 3.6)),
}

# Mean share of the 100 points per criterion, by rater group (1 administration, 2 civil society).
TRUE_WEIGHTS = {
    1: (0.16, 0.24, 0.20, 0.24, 0.16),
    2: (0.12, 0.32, 0.20, 0.28, 0.08),
}
N_PER_GROUP = 6
RATER_BIAS_SD = 0.30  # lenient / strict raters (CAF bands)
NOISE_SD = 0.55  # rater x mechanism x criterion disagreement
WEIGHT_CONCENTRATION = 40.0  # Dirichlet concentration of individual allocations
DONT_KNOW = 97  # code of the CAF scale's "cannot judge"
N_DONT_KNOW = 3


def _allocate_points(shares: np.ndarray, unit: int = 5, total: int = 100) -> np.ndarray:
    """Round shares to multiples of ``unit`` points summing exactly to ``total``."""
    units = total // unit
    raw = shares * units
    floor = np.floor(raw).astype(int)
    short = units - floor.sum()
    order = np.argsort(-(raw - floor), kind="stable")
    floor[order[:short]] += 1
    return floor * unit


def generate(rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], dict]:
    """Generate the panel ratings and weight allocations.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded generator; the same state gives identical frames.

    Returns
    -------
    frames : dict of str to pandas.DataFrame
        ``{"panel": ..., "panel_weights": ...}``; integer codes, blanks as ``<NA>``.
    truth : dict
        Planted effects a correct analysis recovers (JSON-serialisable).

    Examples
    --------
    >>> import numpy as np
    >>> frames, truth = generate(np.random.default_rng(20190118))
    >>> frames["panel"].shape
    (108, 9)
    >>> truth["top_two_mechanisms"]
    ['public_council', 'consultation_portal']
    """
    groups = [1] * N_PER_GROUP + [2] * N_PER_GROUP
    rater_ids = [f"R{i + 1:02d}" for i in range(len(groups))]
    bias = rng.normal(0.0, RATER_BIAS_SD, size=len(groups))

    rows = []
    for r, (rater, group) in enumerate(zip(rater_ids, groups, strict=True)):
        for code, means in TRUE_PROFILES.values():
            latent = np.asarray(means) + bias[r] + rng.normal(0.0, NOISE_SD, size=len(CRITERIA))
            bands = np.clip(np.rint(latent), 0, 5).astype(int)
            rows.append(
                {
                    "record_id": f"P{rater[1:]}-M{code}",
                    "rater_id": rater,
                    "rater_group": group,
                    "mechanism": code,
                    **{f"crit_{c}": int(b) for c, b in zip(CRITERIA, bands, strict=True)},
                }
            )
    panel = pd.DataFrame(rows)
    # a few "cannot judge" answers, as real panels give
    cells = rng.choice(len(panel) * len(CRITERIA), size=N_DONT_KNOW, replace=False)
    for cell in sorted(int(c) for c in cells):
        panel.loc[cell // len(CRITERIA), f"crit_{CRITERIA[cell % len(CRITERIA)]}"] = DONT_KNOW
    for col in ["rater_group", "mechanism", *[f"crit_{c}" for c in CRITERIA]]:
        panel[col] = panel[col].astype("Int64")

    weight_rows = []
    for rater, group in zip(rater_ids, groups, strict=True):
        shares = rng.dirichlet(WEIGHT_CONCENTRATION * np.asarray(TRUE_WEIGHTS[group]))
        points = _allocate_points(shares)
        weight_rows.append(
            {
                "rater_id": rater,
                "rater_group": group,
                **{f"w_{c}": int(p) for c, p in zip(CRITERIA, points, strict=True)},
            }
        )
    weights = pd.DataFrame(weight_rows)
    for col in ["rater_group", *[f"w_{c}" for c in CRITERIA]]:
        weights[col] = weights[col].astype("Int64")

    overall = np.mean([TRUE_WEIGHTS[1], TRUE_WEIGHTS[2]], axis=0)
    true_composite = {
        key: round(float(100 * np.dot(overall, means) / 5), 2)
        for key, (_, means) in TRUE_PROFILES.items()
    }
    ranking = sorted(true_composite, key=lambda k: -true_composite[k])
    truth = {
        "n_raters": len(groups),
        "n_mechanisms": len(TRUE_PROFILES),
        "criteria": CRITERIA,
        "rater_groups": {"1": "administration", "2": "civil_society"},
        "true_mean_bands": {k: list(m) for k, (_, m) in TRUE_PROFILES.items()},
        "true_mean_weights": {
            c: round(float(w), 3) for c, w in zip(CRITERIA, overall, strict=True)
        },
        "true_group_weights": {
            str(g): {c: w for c, w in zip(CRITERIA, ws, strict=True)}
            for g, ws in TRUE_WEIGHTS.items()
        },
        "true_composite_0_100": true_composite,
        "true_ranking": ranking,
        "top_two_mechanisms": ranking[:2],
        "heaviest_two_criteria": [
            c for c, _ in sorted(zip(CRITERIA, overall, strict=True), key=lambda cw: -cw[1])[:2]
        ],
        "civil_society_weights_accountability_more": True,
        "rater_bias_sd": RATER_BIAS_SD,
        "noise_sd": NOISE_SD,
        "dont_know_cells": N_DONT_KNOW,
        "note": (
            "A correct analysis ranks public_council and consultation_portal first and second "
            "by the weighted composite, finds accountability and inclusiveness the heaviest "
            "mean weights, and finds a higher accountability weight among civil-society raters."
        ),
    }
    return {"panel": panel, "panel_weights": weights}, truth
