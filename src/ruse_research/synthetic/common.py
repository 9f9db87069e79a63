"""Building blocks shared by the staff and stakeholder generators.

Answers are generated from continuous latent variables: an item's latent response is
``loading * eta + sqrt(1 - loading**2) * noise + shift``, cut at fixed thresholds into the
codes of its response scale. Equal loadings of about 0.7 give Cronbach's alpha of about
0.75-0.85 for 4-6 items after discretisation.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> codes = likert5(rng, np.zeros(1000), loading=0.7)
>>> sorted(set(codes.tolist()))
[1, 2, 3, 4, 5]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Thresholds of a standard-normal latent response on the 1-5 agree/frequency scales:
# a latent 0 falls in the middle category; the codes are roughly 7/24/38/24/7 percent.
LIKERT5_CUTS = np.array([-1.5, -0.5, 0.5, 1.5])

DONT_KNOW = 97
NOT_APPLICABLE = 98
NO_ANSWER = 99


def item_latent(rng: np.random.Generator, eta: np.ndarray, loading: float,
                shift: float = 0.0) -> np.ndarray:
    """Latent response of one item: ``loading * eta + unique noise + shift`` (unit variance)."""
    noise = rng.standard_normal(eta.shape[0])
    return loading * eta + np.sqrt(1.0 - loading**2) * noise + shift


def likert5(rng: np.random.Generator, eta: np.ndarray, loading: float = 0.72,
            shift: float = 0.0, reverse: bool = False) -> np.ndarray:
    """Codes 1-5 of a 5-point item driven by ``eta``; ``reverse`` flips the keying."""
    z = item_latent(rng, eta, loading, shift)
    if reverse:
        z = -z
    return (np.searchsorted(LIKERT5_CUTS, z) + 1).astype(np.int64)


def scale11(rng: np.random.Generator, eta: np.ndarray, loading: float = 0.8,
            centre: float = 5.0, spread: float = 2.2) -> np.ndarray:
    """Codes 0-10 of an 11-point item: ``centre + spread * latent``, rounded and clipped."""
    z = item_latent(rng, eta, loading)
    return np.clip(np.rint(centre + spread * z), 0, 10).astype(np.int64)


def binary(rng: np.random.Generator, logit, n: int | None = None) -> np.ndarray:
    """1 with probability ``1 / (1 + exp(-logit))``, else 0 (a scalar ``logit`` needs ``n``)."""
    logit = np.asarray(logit, dtype=float)
    if n is not None:
        logit = np.broadcast_to(logit, (n,))
    p = 1.0 / (1.0 + np.exp(-logit))
    return (rng.random(p.shape[0]) < p).astype(np.int64)


def categorical(rng: np.random.Generator, n: int, probs, codes=None) -> np.ndarray:
    """``n`` draws of ``codes`` (default 1..k) with probabilities ``probs``."""
    probs = np.asarray(probs, dtype=float)
    codes = np.arange(1, len(probs) + 1) if codes is None else np.asarray(codes)
    return codes[rng.choice(len(probs), size=n, p=probs / probs.sum())]


def inject_nonresponse(rng: np.random.Generator, codes: np.ndarray, *, blank: float = 0.015,
                       dont_know: float = 0.0, refused: float = 0.004,
                       eligible: np.ndarray | None = None) -> pd.array:
    """Turn answers into the item non-response seen in real fieldwork.

    Blank cells (item skipped; ``<NA>``), "don't know" (code 97) and "no answer" (code 99)
    are drawn independently of the answer (missing completely at random), so that the
    planted population values stay the expected values of complete-case estimators.
    Rows where ``eligible`` is false are left unchanged.
    """
    n = codes.shape[0]
    u = rng.random(n)
    out = pd.array(codes, dtype="Int64")
    mask_ok = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    dk = mask_ok & (u < dont_know)
    ref = mask_ok & (u >= dont_know) & (u < dont_know + refused)
    bl = mask_ok & (u >= dont_know + refused) & (u < dont_know + refused + blank)
    out[dk] = DONT_KNOW
    out[ref] = NO_ANSWER
    out[bl] = pd.NA
    return out


def largest_remainder(shares, total: int) -> np.ndarray:
    """Integer counts summing to ``total`` that are closest to ``shares * total``."""
    shares = np.asarray(shares, dtype=float)
    raw = shares / shares.sum() * total
    counts = np.floor(raw).astype(np.int64)
    short = total - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:short]] += 1
    return counts
