"""Paired (before / after) comparisons: Wilcoxon signed-rank and paired t, each with an effect size.

* :func:`wilcoxon_paired` -- Wilcoxon signed-rank with the matched-pairs rank-biserial
  correlation ``(T+ - T-) / (T+ + T-)`` and its Fisher-z CI (zero differences dropped).
* :func:`paired_t` -- paired t with a t-based CI of the mean difference, Cohen's d_z with a
  noncentral-t CI, and Hedges' g_z.

Both drop incomplete pairs and report the n they used.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats import paired
>>> df = pd.DataFrame({"pre": [2, 3, 3, 4, 2, 3, 4, 3], "post": [3, 4, 3, 5, 3, 4, 5, 4]})
>>> int(paired.paired_t(df, "pre", "post")["n"].iloc[0])
8
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

# shared argument checks of the comparison family
from ruse_research.stats.compare import (
    ComparisonError,
    _as_float,
    _check_ci,
    _check_frame,
    _fisher_ci,
)

__all__ = ["paired_t", "wilcoxon_paired"]


def _pairs(data: pd.DataFrame, before: str, after: str, least: int) -> tuple[np.ndarray, ...]:
    _check_frame(data, [before, after])
    if before == after:
        raise ComparisonError(f"before and after are the same column {before!r}")
    b, a = _as_float(data, before), _as_float(data, after)
    keep = b.notna() & a.notna()
    if keep.sum() < least:
        raise ComparisonError(
            f"{before!r} -> {after!r}: {int(keep.sum())} complete pairs, need at least {least}"
        )
    return b[keep].to_numpy(), a[keep].to_numpy()


def wilcoxon_paired(
    data: pd.DataFrame, before: str, after: str, ci: float = 0.95, correction: bool = True
) -> pd.DataFrame:
    """Wilcoxon signed-rank test of after - before with the matched-pairs rank-biserial r.

    Parameters
    ----------
    data : DataFrame
        One row per respondent with both measurements.
    before, after : str
        Columns; differences are ``after - before``.
    ci : float, default 0.95
    correction : bool, default True
        Continuity correction of the normal approximation (0.5 towards the mean), as R's
        default ``wilcox.test(paired = TRUE, correct = TRUE)``; ``False`` for the plain
        normal approximation.

    Returns
    -------
    DataFrame
        One row: ``before``, ``after``, ``n`` (complete pairs), ``n_nonzero`` (pairs with a
        change; zeros are dropped, Wilcoxon's method), ``median_before``, ``median_after``,
        ``median_diff``, ``W`` (the smaller rank sum), ``p`` (two-sided; as R's
        ``wilcox.test(paired = TRUE)``: the exact distribution for fewer than 50 nonzero
        differences without ties or zeros, else the normal approximation with the tie
        correction of the variance and, with ``correction``, the continuity correction),
        ``method`` (``"exact"`` or ``"normal"``), ``r_rb`` = (T+ - T-) / (T+ + T-), positive when scores rose,
        ``ci_low``, ``ci_high`` (Fisher z, se = sqrt((2m^3 + 3m^2 + m) / 6) / (m(m+1)/2),
        m = ``n_nonzero``).

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.paired import wilcoxon_paired
    >>> df = pd.DataFrame({"pre": [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29],
    ...                    "post": [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]})
    >>> wilcoxon_paired(df, "pre", "post")[["n", "r_rb", "ci_low", "ci_high"]].round(4)
       n    r_rb  ci_low  ci_high
    0  9  0.7778  0.2954   0.9442
    """
    _check_ci(ci)
    b, a = _pairs(data, before, after, 2)
    diff = a - b
    nonzero = diff[diff != 0]
    m = len(nonzero)
    if m == 0:
        w, p, r_rb, low, high = 0.0, 1.0, 0.0, float("nan"), float("nan")
        method = "none"
    else:
        ranks = stats.rankdata(np.abs(nonzero))
        t_plus, t_minus = ranks[nonzero > 0].sum(), ranks[nonzero < 0].sum()
        r_rb = float((t_plus - t_minus) / (t_plus + t_minus))
        total = m * (m + 1) / 2
        se = math.sqrt((2 * m**3 + 3 * m**2 + m) / 6) / total
        low, high = _fisher_ci(r_rb, se, ci, total)
        w = float(min(t_plus, t_minus))
        p, method = _signed_rank_p(nonzero, ranks, t_plus, diff.size > m, correction)
    return pd.DataFrame(
        {
            "before": [before],
            "after": [after],
            "n": [len(diff)],
            "n_nonzero": [m],
            "median_before": [float(np.median(b))],
            "median_after": [float(np.median(a))],
            "median_diff": [float(np.median(diff))],
            "W": [w],
            "p": [p],
            "method": [method],
            "r_rb": [r_rb],
            "ci_low": [low],
            "ci_high": [high],
        }
    )


def _signed_rank_p(
    nonzero: np.ndarray, ranks: np.ndarray, t_plus: float, zeros: bool, correction: bool
) -> tuple[float, str]:
    """Two-sided p of the signed-rank statistic as R's ``wilcox.test(paired = TRUE)``.

    Exact (scipy's distribution of T+) for fewer than 50 nonzero differences with no
    tied absolute differences and no zero differences; otherwise
    ``z = (T+ - m(m+1)/4 - sign * 0.5) / sigma``, ``sigma^2 = m(m+1)(2m+1)/24 -
    sum(t^3 - t)/48`` over tie groups of size t, the 0.5 only with ``correction``.
    """
    m = len(nonzero)
    _, tie_sizes = np.unique(ranks, return_counts=True)
    ties = bool((tie_sizes > 1).any())
    if m < 50 and not ties and not zeros:
        res = stats.wilcoxon(nonzero, method="exact", alternative="two-sided")
        return float(res.pvalue), "exact"
    z = t_plus - m * (m + 1) / 4
    sigma = math.sqrt(m * (m + 1) * (2 * m + 1) / 24 - float(np.sum(tie_sizes**3 - tie_sizes)) / 48)
    if sigma == 0:
        return 1.0, "normal"
    shift = math.copysign(0.5, z) if correction and z != 0 else 0.0
    z = (z - shift) / sigma
    return float(min(1.0, 2 * stats.norm.sf(abs(z)))), "normal"


def _dz_interval(t: float, df: int, n: int, ci: float) -> tuple[float, float]:
    """Noncentral-t interval for d_z (Steiger & Fouladi 1997): find the noncentrality
    parameters whose distributions put the observed t at the upper / lower tail, divide by
    sqrt(n)."""
    tail = (1 - ci) / 2

    def bound(target: float) -> float:
        def f(ncp: float) -> float:
            value = float(stats.nct.cdf(t, df, ncp))
            if math.isnan(value):
                # scipy's nct.cdf returns NaN far in a tail (e.g. t=5.28, df=69, ncp=-3.9);
                # the cdf is decreasing in ncp, so there it is ~1 below t and ~0 above.
                value = 1.0 if ncp < t else 0.0
            return value - target

        width = 10 + 2 * abs(t)
        return optimize.brentq(f, t - width, t + width, xtol=1e-12)

    return bound(1 - tail) / math.sqrt(n), bound(tail) / math.sqrt(n)


def paired_t(data: pd.DataFrame, before: str, after: str, ci: float = 0.95) -> pd.DataFrame:
    """Paired t test of after - before with CIs for the mean change and for Cohen's d_z.

    Parameters
    ----------
    data : DataFrame
    before, after : str
        Columns; differences are ``after - before``.
    ci : float, default 0.95
    correction : bool, default True
        Continuity correction of the normal approximation (0.5 towards the mean), as R's
        default ``wilcox.test(paired = TRUE, correct = TRUE)``; ``False`` for the plain
        normal approximation.

    Returns
    -------
    DataFrame
        One row: ``before``, ``after``, ``n``, ``mean_before``, ``mean_after``,
        ``mean_diff``, ``sd_diff``, ``ci_low``, ``ci_high`` (t-based CI of the mean
        difference), ``t``, ``df``, ``p``, ``d_z`` (mean_diff / sd_diff),
        ``d_z_ci_low``, ``d_z_ci_high`` (noncentral t), ``g_z`` (d_z times Hedges'
        exact small-sample factor J(df)).

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.paired import paired_t
    >>> sleep = pd.DataFrame({"drug1": [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    ...                       "drug2": [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]})
    >>> paired_t(sleep, "drug1", "drug2")[["n", "mean_diff", "ci_low", "ci_high", "t"]].round(4)
        n  mean_diff  ci_low  ci_high       t
    0  10       1.58  0.7001   2.4599  4.0621
    """
    _check_ci(ci)
    b, a = _pairs(data, before, after, 2)
    diff = a - b
    n = len(diff)
    df = n - 1
    mean, sd = float(diff.mean()), float(diff.std(ddof=1))
    if sd == 0:
        raise ComparisonError(
            f"{before!r} -> {after!r}: every pair changed by the same amount; t is undefined"
        )
    se = sd / math.sqrt(n)
    t = mean / se
    p = float(2 * stats.t.sf(abs(t), df))
    half = float(stats.t.ppf(1 - (1 - ci) / 2, df) * se)
    d_z = mean / sd
    d_low, d_high = _dz_interval(t, df, n, ci)
    j = math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)
    return pd.DataFrame(
        {
            "before": [before],
            "after": [after],
            "n": [n],
            "mean_before": [float(b.mean())],
            "mean_after": [float(a.mean())],
            "mean_diff": [mean],
            "sd_diff": [sd],
            "ci_low": [mean - half],
            "ci_high": [mean + half],
            "t": [t],
            "df": [df],
            "p": [p],
            "d_z": [d_z],
            "d_z_ci_low": [d_low],
            "d_z_ci_high": [d_high],
            "g_z": [d_z * j],
        }
    )


# ----------------------------------------------------------------------------------------
# association
# ----------------------------------------------------------------------------------------
