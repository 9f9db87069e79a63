"""Confidence intervals for a proportion (Wilson score) and for a median (order statistics).

Study-agnostic interval estimators for single-sample summaries: :func:`wilson_ci` for a share
of successes, :func:`median_ci` for the median of a sample without a distributional assumption.

Examples
--------
>>> tuple(round(x, 4) for x in wilson_ci(5, 10))
(0.2366, 0.7634)
"""

from __future__ import annotations

import numpy as np
from scipy.stats import quantile_test
from statsmodels.stats.proportion import proportion_confint

from ruse_research.errors import RuseError

__all__ = ["ProportionError", "median_ci", "wilson_ci"]


class ProportionError(RuseError):
    """A count outside its range."""


def wilson_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (statsmodels ``proportion_confint``).

    ``(nan, nan)`` when ``n`` is 0. R: ``prop.test(x, n, correct = FALSE)$conf.int``.

    Examples
    --------
    Newcombe (1998, Stat Med 17:857-872) Table I, method 3, 81/263:

    >>> tuple(round(x, 4) for x in wilson_ci(81, 263))
    (0.2553, 0.3662)
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    if not 0 <= successes <= n:
        raise ProportionError(f"successes must lie in 0..n, got {successes} of {n}")
    low, high = proportion_confint(successes, n, alpha=1 - level, method="wilson")
    return (float(low), float(high))


def median_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Distribution-free CI for the median from order statistics (scipy ``quantile_test``).

    ``(nan, nan)`` for fewer than 2 values; an end that the sample cannot bound is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> median_ci(np.arange(1.0, 21.0))
    (6.0, 15.0)
    """
    if len(values) < 2:
        return (float("nan"), float("nan"))
    ci = quantile_test(values, q=float(np.median(values)), p=0.5).confidence_interval(level)
    low, high = float(ci.low), float(ci.high)
    return (low if np.isfinite(low) else float("nan"), high if np.isfinite(high) else float("nan"))
