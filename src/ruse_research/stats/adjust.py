"""Multiple-comparison adjustment of p-values: the one Holm (and the other methods).

Used by :mod:`ruse_research.stats.compare` (``padjust=``) and
:mod:`ruse_research.stats.survey` (``p_holm`` columns) and by the studies for families
of tests. Methods and names follow pingouin's ``multicomp`` (R ``p.adjust`` names in
brackets): ``holm`` (``"holm"``), ``bonf`` (``"bonferroni"``), ``sidak``, ``fdr_bh``
(``"BH"``), ``fdr_by`` (``"BY"``), ``none``. NaN p-values stay NaN and do not count in
the family.

Examples
--------
>>> from ruse_research.stats.adjust import adjust, holm
>>> holm([0.01, 0.04, 0.03]).round(2).tolist()
[0.03, 0.06, 0.06]
>>> adjust([0.01, 0.04, 0.03], "fdr_bh").round(2).tolist()
[0.03, 0.04, 0.04]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ruse_research.errors import RuseError

__all__ = ["METHODS", "AdjustError", "adjust", "holm"]

METHODS = ("holm", "bonf", "sidak", "fdr_bh", "fdr_by", "none")


class AdjustError(RuseError):
    """An unknown p-value adjustment method."""


def check_method(method: str) -> None:
    """A one-line error unless ``method`` is one of :data:`METHODS`."""
    if method not in METHODS:
        raise AdjustError(f"padjust must be one of {', '.join(METHODS)}, got {method!r}")


def _holm(p: np.ndarray) -> np.ndarray:
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def _fdr(p: np.ndarray, dependent: bool) -> np.ndarray:
    m = len(p)
    order = np.argsort(p, kind="stable")[::-1]  # largest first
    factor = m / np.arange(m, 0, -1)
    if dependent:
        factor = factor * np.sum(1.0 / np.arange(1, m + 1))
    adj = np.minimum.accumulate(factor * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def adjust(p: Sequence[float], method: str = "holm") -> np.ndarray:
    """Adjusted p-values of one family of tests.

    Parameters
    ----------
    p : array-like
        Raw p-values; NaN (a test that could not be run) stays NaN.
    method : str
        One of :data:`METHODS`.

    Returns
    -------
    ndarray
        Adjusted p-values in the order given.
    """
    check_method(method)
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    if method == "none":
        return p.copy()
    if not ok.any():
        return out
    values = p[ok]
    m = len(values)
    if method == "holm":
        out[ok] = _holm(values)
    elif method == "bonf":
        out[ok] = np.minimum(values * m, 1.0)
    elif method == "sidak":
        out[ok] = 1.0 - (1.0 - values) ** m
    else:
        out[ok] = _fdr(values, dependent=method == "fdr_by")
    return out


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values for a family of tests (NaN stays NaN).

    Examples
    --------
    >>> holm([0.01, float("nan"), 0.03]).round(2).tolist()
    [0.02, nan, 0.03]
    """
    return adjust(p, "holm")
