"""Design-based quantiles and medians with Woodruff or replicate intervals (R ``svyquantile``).

The estimate is R survey 4.1's default ``qrule = "math"``: the smallest value whose
weighted cumulative share reaches ``p`` (the inverse of the weighted empirical cdf;
cumulative weights summed in extended precision as R does, so ties with ``p * total``
fall as in R). Intervals:

``interval="mean"`` (R's default ``interval.type = "mean"``, Woodruff 1952)
    the design-based CI of the share of values at or below the estimate (R
    ``svymean(x <= q)``, Student t on the design df) mapped back through the same
    qrule; ``se`` = CI width / (2 t), as R reports it.
``interval="quantile"`` (replicate designs only, R ``interval.type = "quantile"``)
    the replicate variance of the replicate quantiles; CI = estimate +/- t * se.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design
>>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 10.0, 20.0]})
>>> quantile(Design.from_frame(d), "y", [0.5])[["probability", "quantile"]]
   probability  quantile
0          0.5       3.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey.errors import WeightingError
from ruse_research.stats.survey.replicate import ReplicateDesign, vcov_from_replicates
from ruse_research.stats.survey.totals import frame_and_mask, mean_of_values

__all__ = ["quantile", "weighted_quantile"]


def weighted_quantile(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R survey's ``qrule_math``: the smallest x whose cumulative weight share is >= p.

    Examples
    --------
    >>> weighted_quantile([3.0, 1.0, 2.0], [1.0, 1.0, 2.0], 0.5)
    2.0
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    keep = w != 0
    x, w = x[keep], w[keep]
    if len(x) == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    cum_ld = np.cumsum(w[order].astype(np.longdouble))  # R's cumsum / sum accumulate in long double
    cumw = cum_ld.astype(float)
    target = p * float(cum_ld[-1])
    i = int(np.searchsorted(cumw, target, side="left"))
    return float(x[order][min(i, len(x) - 1)])


def quantile(
    design,
    variable: str,
    probs: Sequence[float] = (0.5,),
    ci: float = 0.95,
    interval: str = "mean",
    df: float | None = None,
) -> pd.DataFrame:
    """Weighted quantiles of ``variable`` with design-based CIs (R ``svyquantile``).

    Parameters
    ----------
    design : Design or ReplicateDesign
    variable : str
        Numeric column; missing values are left out (R ``na.rm = TRUE``).
    probs : sequence of float
        Probabilities in (0, 1).
    ci : float
        Confidence level (R ``alpha = 1 - ci``).
    interval : {"mean", "quantile"}
        Woodruff interval (any design) or replicate quantiles (replicate designs).
    df : float, optional
        Degrees of freedom of the t quantile; default the design's (R ``degf``).

    Returns
    -------
    DataFrame
        ``variable, probability, quantile, ci_low, ci_high, se, df``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.survey import Design
    >>> d = pd.DataFrame({"y": [float(v) for v in range(1, 21)]})
    >>> quantile(Design.from_frame(d), "y", [0.25, 0.5])["quantile"].tolist()
    [5.0, 10.0]
    """
    cols.check_ci(ci)
    if interval not in ("mean", "quantile"):
        raise WeightingError(f"interval must be 'mean' or 'quantile', got {interval!r}")
    if interval == "quantile" and not isinstance(design, ReplicateDesign):
        raise WeightingError("interval='quantile' needs a ReplicateDesign; use interval='mean'")
    data, w, mask = frame_and_mask(design)
    x = cols.numeric(cols.column(data, variable, "variable"), "variable")
    valid = mask & ~np.isnan(x)
    if not valid.any():
        raise WeightingError(f"{variable!r} has no values in the design's domain")
    xv = np.where(valid, x, 0.0)
    wv = np.where(valid, w, 0.0)
    rows = []
    for p in probs:
        p = float(p)
        if not 0 < p < 1:
            raise WeightingError(f"quantile probabilities must be in (0, 1), got {p}")
        q = weighted_quantile(xv[valid], wv[valid], p)
        if interval == "mean":
            share = mean_of_values(design, (xv <= q).astype(float)[:, None], valid)
            dof = share.df if df is None else float(df)
            t = float(stats.t.ppf(0.5 + ci / 2, dof))
            lo_p, hi_p = share.coef[0] - t * share.se[0], share.coef[0] + t * share.se[0]
            low = weighted_quantile(xv[valid], wv[valid], lo_p) if lo_p >= 0 else np.nan
            high = weighted_quantile(xv[valid], wv[valid], hi_p) if hi_p <= 1 else np.nan
            se = (high - low) / (2 * t)
        else:
            _, rw = design.weights_in_domain()
            reps = np.array(
                [weighted_quantile(xv[valid], rw[valid, r], p) for r in range(rw.shape[1])]
            )
            v = vcov_from_replicates(
                reps[:, None], np.array([q]), design.scale, design.rscales, design.mse
            )
            dof = float(design.degf) if df is None else float(df)
            t = float(stats.t.ppf(0.5 + ci / 2, dof))
            se = float(np.sqrt(v[0, 0]))
            low, high = q - t * se, q + t * se
        rows.append(
            {
                "variable": variable,
                "probability": p,
                "quantile": q,
                "ci_low": low,
                "ci_high": high,
                "se": se,
                "df": dof,
            }
        )
    return pd.DataFrame(rows)
