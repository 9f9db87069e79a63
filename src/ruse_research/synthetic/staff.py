"""Synthetic staff survey (questionnaire A) of a regional administration.

About 90-105 employees answer (a regional administration employs roughly 100-120 people), so
some background cells are small on purpose: that is what disclosure control is for.

Latent model (standard-normal latents, item loadings about 0.7):

* attitude to participation ``A`` (higher with daily public contact and in management);
* trust in citizens ``TC = 0.5 A + noise``; public service motivation ``PSM = 0.3 A + noise``;
* organisational enablers ``ORG``;
* practice ``P = 0.45 A + 0.3 ORG + noise`` - the planted attitude-practice correlation;
  practice items are most frequent at the information level and rarest at partnership;
* communication self-efficacy before the training ``C``; after the training
  ``C + delta`` with ``delta ~ N(0.70, 0.35)`` for trained staff - the planted training effect;
* the staff view of the administration ``MIR = 0.3 ORG + noise + 0.95``, higher than the
  stakeholders' view of the same mirror items - the planted perception gap.

The planted truths are superpopulation values of what the notebook estimates, computed by
Monte Carlo over 100,000 simulated employees with the same code, the same item non-response
and the same scoring as ``ruse_research.stats.scales.score`` (mean of the answered items, at least
half answered); Monte Carlo standard error <= 0.004.

Examples
--------
>>> import numpy as np
>>> frames, truth = generate(np.random.default_rng(20190118))
>>> 80 <= len(frames["staff"]) <= 120
True
>>> round(truth["training_effect"]["mean_difference"], 1)
0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruse_research.synthetic import texts
from ruse_research.synthetic.common import (
    DONT_KNOW,
    NOT_APPLICABLE,
    categorical,
    inject_nonresponse,
    likert5,
)
from ruse_research.synthetic.region import Region

LEVELS = ("info", "consult", "dialogue", "partner")
STAGES = ("agenda", "draft", "decision", "implement", "monitor")
LEVEL_SHIFT = {"info": 0.9, "consult": 0.25, "dialogue": -0.35, "partner": -1.0}
STAGE_SHIFT = {"agenda": -0.3, "draft": 0.2, "decision": 0.1, "implement": 0.15, "monitor": -0.35}
PRACTICE_ITEMS = [f"prac_{lv}_{st}" for lv in LEVELS for st in STAGES]
ATT_ITEMS = ["att_ben_1", "att_ben_2", "att_ben_3", "att_cost_1", "att_cost_2", "att_cost_3"]
ATT_REVERSED = ("att_cost_1", "att_cost_2", "att_cost_3")
COMM_PRE = [f"comm_pre_{k}" for k in range(1, 6)]
COMM_POST = [f"comm_post_{k}" for k in range(1, 6)]
MIRROR_ITEMS = [f"mir_{k}" for k in range(1, 6)]
# same item shifts as the stakeholder mirror items, plus the staff level
MIRROR_SHIFT = (0.0, -0.25, -0.1, 0.3, -0.45)
STAFF_MIRROR_LEVEL = 0.95
TRAINING_DELTA_MEAN = 0.70
TRAINING_DELTA_SD = 0.35
P_TRAINED = 0.78
N_MONTE_CARLO = 100_000
ITEM_REFUSED = 0.003  # "no answer" (99) on a substantive item

ITEM_ORDER = [
    "resp_id", "unit", "position", "tenure", "public_contact", "sex", "age_band", "trained",
    *ATT_ITEMS, "trc_1", "trc_2", "trc_3", "trc_4", "trc_5", "psm_1", "psm_2", "psm_3", "psm_4",
    "org_1", "org_2", "org_3", "org_4", "org_5", "org_6", *COMM_PRE, *COMM_POST,
    *PRACTICE_ITEMS, *MIRROR_ITEMS, "open_obstacles", "open_change",
]


def _simulate(rng: np.random.Generator, n: int) -> tuple[dict[str, np.ndarray], dict]:
    """Complete answers (no non-response) of ``n`` employees, and their latents."""
    a: dict[str, np.ndarray] = {}
    a["unit"] = categorical(rng, n, [0.14, 0.46, 0.40])
    a["position"] = categorical(rng, n, [0.64, 0.16, 0.20])
    a["tenure"] = categorical(rng, n, [0.20, 0.35, 0.45])
    a["public_contact"] = categorical(rng, n, [0.36, 0.34, 0.30])
    a["sex"] = categorical(rng, n, [0.30, 0.70])
    a["age_band"] = categorical(rng, n, [0.18, 0.40, 0.42])
    trained = rng.random(n) < P_TRAINED
    a["trained"] = np.where(trained, 1, 2)

    e = rng.standard_normal((n, 8))
    A = 0.3 * (a["public_contact"] == 1) + 0.25 * (a["position"] == 2) - 0.15 + e[:, 0]
    TC = 0.5 * A + 0.85 * e[:, 1]
    PSM = 0.3 * A + 0.95 * e[:, 2] + 0.7
    ORG = 0.2 * (a["position"] == 2) + e[:, 3]
    P = 0.45 * A + 0.3 * ORG + 0.8 * e[:, 4]
    C = 0.3 * A + 0.95 * e[:, 5] - 0.1
    delta = np.where(trained, TRAINING_DELTA_MEAN + TRAINING_DELTA_SD * e[:, 6], 0.0)
    MIR = 0.3 * ORG + 0.95 * e[:, 7] + STAFF_MIRROR_LEVEL

    for col, shift in zip(ATT_ITEMS, (0.5, 0.4, 0.6, 0.1, -0.4, 0.2), strict=True):
        a[col] = likert5(rng, A, loading=0.7, shift=shift, reverse=col in ATT_REVERSED)
    for k, shift in enumerate((0.1, 0.3, -0.1, 0.2, 0.2), start=1):
        a[f"trc_{k}"] = likert5(rng, TC, loading=0.7, shift=shift, reverse=(k == 4))
    for k in range(1, 5):
        a[f"psm_{k}"] = likert5(rng, PSM, loading=0.76, shift=0.1 * (k % 2))
    for k, shift in enumerate((0.3, -0.4, -0.3, -0.5, 0.2, -0.2), start=1):
        a[f"org_{k}"] = likert5(rng, ORG, loading=0.72, shift=shift)
    for k, shift in enumerate((0.2, 0.0, -0.4, -0.3, -0.2), start=1):
        a[f"comm_pre_{k}"] = likert5(rng, C, loading=0.75, shift=shift)
        a[f"comm_post_{k}"] = likert5(rng, C + delta, loading=0.75, shift=shift)
    for lv in LEVELS:
        for st in STAGES:
            a[f"prac_{lv}_{st}"] = likert5(rng, P, loading=0.62,
                                           shift=LEVEL_SHIFT[lv] + STAGE_SHIFT[st])
    for k, shift in enumerate(MIRROR_SHIFT, start=1):
        a[f"mir_{k}"] = likert5(rng, MIR, loading=0.72, shift=shift)
    return a, {"trained": trained}


def _score(a: dict, cols: list[str], reverse: tuple[str, ...] = ()) -> np.ndarray:
    """Scale score as ``ruse_research.stats.scales.score`` computes it: mean of the answered items
    (NaN = not answered), NaN when fewer than half of them (rounded up) are answered."""
    x = np.column_stack([6 - a[c] if c in reverse else a[c] for c in cols]).astype(float)
    answered = np.isfinite(x).sum(axis=1)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(x, axis=1) / answered
    return np.where(answered >= -(-len(cols) // 2), mean, np.nan)


def _answered(rng: np.random.Generator, a: dict, trained: np.ndarray) -> dict:
    """The item answers after the fieldwork noise of ``generate`` ("don't know", "no answer"
    and blanks as NaN; comm_post only for trained staff), as ``io.read_survey`` reads them."""
    out = {}
    for col in ATT_ITEMS + COMM_PRE + COMM_POST + PRACTICE_ITEMS + MIRROR_ITEMS:
        dk, blank = next((v for p, v in NONRESPONSE.items() if col.startswith(p)), (0.0, 0.01))
        kept = inject_nonresponse(rng, a[col].astype(np.int64), blank=blank, dont_know=dk,
                                  refused=ITEM_REFUSED)
        values = kept.to_numpy(dtype=float, na_value=np.nan)
        values[values >= DONT_KNOW] = np.nan
        if col in COMM_POST:
            values[~trained] = np.nan
        out[col] = values
    return out


def _truth(rng: np.random.Generator) -> dict:
    full, lat = _simulate(rng, N_MONTE_CARLO)
    trained = lat["trained"]
    a = _answered(rng, full, trained)
    diff = (_score(a, COMM_POST) - _score(a, COMM_PRE))[trained]
    diff = diff[np.isfinite(diff)]
    att = _score(a, ATT_ITEMS, ATT_REVERSED)
    prac = _score(a, PRACTICE_ITEMS)
    both = np.isfinite(att) & np.isfinite(prac)
    att, prac = att[both], prac[both]
    r = float(np.corrcoef(att, prac)[0, 1])
    ranks = [pd.Series(x).rank().to_numpy() for x in (att, prac)]
    rho = float(np.corrcoef(*ranks)[0, 1])
    grid = {lv: {st: float(np.nanmean(a[f"prac_{lv}_{st}"])) for st in STAGES} for lv in LEVELS}
    mirror = {f"{c}_mean": float(np.nanmean(a[c])) for c in MIRROR_ITEMS}
    mirror["admin_image_mean"] = float(np.nanmean(_score(a, MIRROR_ITEMS)))
    return {
        "training_effect": {
            "estimand": "expected paired difference comm_post score - comm_pre score (scale "
                        "score = mean of the answered items of 5, at least 3, 1-5) among "
                        "trained staff with both scores",
            "mean_difference": float(diff.mean()),
            "sd_difference": float(diff.std()),
            "cohen_dz": float(diff.mean() / diff.std()),
            "latent_shift_mean": TRAINING_DELTA_MEAN,
        },
        "attitude_practice": {
            "estimand": "correlation between the att_participation score (mean of the "
                        "answered items of 6, at least 3, att_cost_* reverse-keyed) and the "
                        "practice score (mean of the answered prac_* items, at least 10 of 20) "
                        "among staff with both scores; the item non-response is part of the "
                        "estimand (fewer items, noisier scores, a slightly lower correlation)",
            "pearson_r": r,
            "spearman_rho": rho,
        },
        "practice_grid_means": {
            "estimand": "expected mean frequency (1-5) of each prac_<level>_<stage> item",
            "values": grid,
        },
        "mirror_staff": {
            "estimand": "expected staff mean of each mirror item (1-5) and of the admin_image "
                        "score (mean of mir_1..mir_5)",
            "values": mirror,
        },
        "monte_carlo_draws": N_MONTE_CARLO,
        # The note is part of the bundled truth.json (data/raw/SHA256SUMS): it keeps the
        # module name of generator version 1.1.0; the function is now
        # ruse_research.stats.scales.score.
        "note": "Superpopulation values by Monte Carlo over simulated employees answering "
                "with the same item non-response as the data and scored as "
                "ruse_research.scales.score scores them (mean of the answered items, at least "
                "half answered); 'don't know' and 'no answer' count as missing.",
    }


NONRESPONSE = {  # column prefix -> (don't-know rate, blank rate)
    "att_": (0.02, 0.01), "trc_": (0.04, 0.01), "psm_": (0.0, 0.01), "org_": (0.05, 0.015),
    "comm_pre_": (0.01, 0.01), "comm_post_": (0.01, 0.01), "prac_": (0.07, 0.015),
    "mir_": (0.03, 0.01),
}


def generate(rng: np.random.Generator, region: Region | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Generate the staff survey and the planted truths.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    region : Region, optional
        Gives the planted phone numbers' area code (default: the active profile's).

    Returns
    -------
    frames : dict
        ``{"staff": DataFrame}`` with the columns of ``data/codebooks/staff.yaml`` in codebook
        order (codes ``Int64``; ``resp_id`` and open answers ``string``).
    truth : dict
        Training effect, attitude-practice correlation, practice grid and staff mirror means.

    Examples
    --------
    >>> import numpy as np
    >>> frames, truth = generate(np.random.default_rng(5))
    >>> list(frames["staff"].columns[:3])
    ['resp_id', 'unit', 'position']
    """
    region = region or Region.from_profile()
    n = int(rng.integers(88, 105))
    a, lat = _simulate(rng, n)
    trained = lat["trained"]
    # five trained employees did not return the post-training questionnaire
    no_post = np.zeros(n, dtype=bool)
    no_post[rng.choice(np.flatnonzero(trained), size=5, replace=False)] = True

    out = pd.DataFrame({"resp_id": pd.array([f"S{i:03d}" for i in range(1, n + 1)], dtype="string")})
    for col in ITEM_ORDER[1:-2]:
        values = a[col].astype(np.int64)
        if col.startswith("comm_post_"):
            values = np.where(trained, values, NOT_APPLICABLE)
        dk, blank = next((v for p, v in NONRESPONSE.items() if col.startswith(p)), (0.0, 0.01))
        refused = 0.03 if col in ("sex", "age_band", "unit") else ITEM_REFUSED
        eligible = values != NOT_APPLICABLE
        arr = inject_nonresponse(rng, values, blank=blank, dont_know=dk, refused=refused,
                                 eligible=eligible)
        if col.startswith("comm_post_"):
            arr[no_post] = pd.NA
        out[col] = arr

    obstacles, planted_o = texts.staff_answers(rng, n, texts.STAFF_OBSTACLE_PHRASES, empty=0.45,
                                               pii_rate=0.08, local=region)
    changes, planted_c = texts.staff_answers(rng, n, texts.STAFF_CHANGE_PHRASES, empty=0.5,
                                             pii_rate=0.06, local=region)
    out["open_obstacles"] = pd.array(obstacles, dtype="string")
    out["open_change"] = pd.array(changes, dtype="string")

    truth = _truth(np.random.default_rng(rng.integers(2**63)))
    truth["n_trained_with_both_measurements"] = int((trained & ~no_post).sum())
    truth["planted_text"] = {
        "items": [{"resp_id": f"S{i + 1:03d}", "column": col, "kind": k, "value": v}
                  for col, planted in (("open_obstacles", planted_o), ("open_change", planted_c))
                  for i, k, v in planted],
    }
    return {"staff": out}, _round(truth)


def _round(d):
    if isinstance(d, dict):
        return {k: _round(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_round(v) for v in d]
    if isinstance(d, float):
        return round(d, 4)
    return d
