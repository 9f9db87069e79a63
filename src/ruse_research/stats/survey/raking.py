"""Raking weights to population margins, trimming them, and their design effect.

Functions
---------
rake
    Iterative proportional fitting of unit weights to marginal population totals
    (R ``survey::rake``); :meth:`~.design.Design.rake` does it on a design and keeps the
    calibration for the variance.
trim_weights
    Bound weights and hand the trimmed amount to the others (R ``trimWeights``).
design_effect, weight_diagnostics
    Kish's design effect due to weighting (1 + CV^2), efficiency, effective n.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import rake
>>> df = pd.DataFrame({"sex": ["f", "f", "m", "m"]})
>>> rake(df, {"sex": {"f": 60, "m": 40}}).tolist()
[30.0, 30.0, 20.0, 20.0]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey.errors import RakingError, WeightingError

__all__ = ["rake", "trim_weights", "design_effect", "weight_diagnostics"]


def _margin_codes(series: pd.Series, categories: list, column: str) -> np.ndarray:
    """Map data values to margin categories; integers and their string forms both match."""
    if series.isna().any():
        raise RakingError(
            f"column {column!r} has {int(series.isna().sum())} missing value(s); "
            "impute or drop them before raking"
        )
    lookup: dict = {}
    for i, c in enumerate(categories):
        lookup.setdefault(c, i)
        lookup.setdefault(str(c), i)
    codes, uniques = pd.factorize(series, sort=False)
    code_map = np.empty(len(uniques), dtype=np.int64)
    unknown = []
    for j, u in enumerate(uniques):
        idx = lookup.get(u)
        if idx is None:
            idx = lookup.get(str(u))
        if idx is None:
            unknown.append(u)
            idx = -1
        code_map[j] = idx
    if unknown:
        shown = ", ".join(repr(u) for u in sorted(unknown, key=str)[:5])
        raise RakingError(
            f"column {column!r} has value(s) {shown} that are not categories of its margin "
            f"(margin categories: {', '.join(repr(c) for c in categories)})"
        )
    return code_map[codes]


def rake(
    data: pd.DataFrame,
    margins: Mapping[str, Mapping[Hashable, float]],
    weights=None,
    max_iter: int = 200,
    tol: float = 1e-8,
    bounds: tuple[float, float] | None = None,
) -> pd.Series:
    """Rake unit weights so their sums match population totals on every margin.

    Iterative proportional fitting (Deming-Stephan raking, R ``survey::rake``): each
    cycle multiplies the weights of every category of each margin in turn by
    ``population total / current weighted total``, until all weighted margins are within
    ``tol`` (relative) of their targets.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; holds the margin columns (no missing values).
    margins : mapping
        ``{column: {category: population total}}``. Every category seen in the data must
        be listed; every listed category needs at least one respondent; all margins must
        have the same grand total.
    weights : str, array-like or None
        Starting (design) weights: a column of ``data`` or an array; ``None`` = all 1.
    max_iter : int
        Maximum number of raking cycles.
    tol : float
        Convergence criterion: largest relative gap ``|weighted total / target - 1|``.
    bounds : (float, float), optional
        Lower and upper limit for the final weights as multiples of the mean weight
        (``population total / n``), for example ``(0.3, 3.0)``. After every raking cycle
        the weights are clipped to these limits ("raking with trimming"); raking then
        re-adjusts the others. Converged only when margins and bounds both hold.

    Returns
    -------
    Series
        The raked weights, named ``"weight"``, with the index of ``data``.

    Raises
    ------
    RakingError
        A category in the data missing from the margins, a margin category without
        respondents, margins with different totals, or no convergence in ``max_iter``.

    Examples
    --------
    Kalton's textbook example in R ``survey`` (``tests/kalton.Rout.save``), first cell:

    >>> import pandas as pd
    >>> counts = [20, 50, 100, 30, 40, 140, 50, 100, 40, 310, 50, 70]
    >>> cells = [(a, b) for b in (1, 2, 3) for a in (1, 2, 3, 4)]
    >>> sample = pd.DataFrame([c for c, k in zip(cells, counts) for _ in range(k)],
    ...                       columns=["a", "b"])
    >>> w = rake(sample, {"a": {1: 175, 2: 550, 3: 430, 4: 345},
    ...                   "b": {1: 365, 2: 415, 3: 720}})
    >>> round(float(w.iloc[0]), 2)
    1.81
    """
    if not isinstance(data, pd.DataFrame):
        raise RakingError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not margins:
        raise RakingError("margins is empty: give at least one {column: {category: total}}")
    n = len(data)
    if n == 0:
        raise RakingError("data has no rows to rake")
    w = cols.weights_array(data, weights, n, "starting weights").copy()
    if not (w > 0).any():
        raise RakingError("starting weights are all zero")

    codes_list: list[np.ndarray] = []
    targets_list: list[np.ndarray] = []
    names: list[str] = []
    totals = []
    for column, margin in margins.items():
        if column not in data.columns:
            raise RakingError(f"margin column {column!r} is not in the data")
        series = data[column]
        cats = list(margin.keys())
        if not cats:
            raise RakingError(f"margin {column!r} has no categories")
        try:
            target = np.array([float(margin[c]) for c in cats])
        except (TypeError, ValueError):
            raise RakingError(f"margin {column!r} has a total that is not a number") from None
        if not np.isfinite(target).all() or (target <= 0).any():
            bad = [c for c, t in zip(cats, target, strict=True) if not (np.isfinite(t) and t > 0)]
            raise RakingError(
                f"margin {column!r}: population totals must be positive numbers "
                f"(category {bad[0]!r}); drop empty categories from the margin"
            )
        codes = _margin_codes(series, cats, column)
        counts = np.bincount(codes, minlength=len(cats))
        start = np.bincount(codes, weights=w, minlength=len(cats))
        empty = [c for c, k, s in zip(cats, counts, start, strict=True) if k == 0 or s <= 0]
        if empty:
            raise RakingError(
                f"margin {column!r}: category {empty[0]!r} has no respondents "
                "(or only zero weights); collapse it with a neighbouring category (in a margins "
                "file: one row whose survey_codes hold both codes, e.g. '7 8')"
            )
        codes_list.append(codes)
        targets_list.append(target)
        names.append(column)
        totals.append(target.sum())
    totals_arr = np.array(totals)
    if np.abs(totals_arr / totals_arr[0] - 1).max() > 1e-6:
        shown = ", ".join(f"{c}={t:g}" for c, t in zip(names, totals_arr, strict=True))
        raise RakingError(
            f"margins have different population totals ({shown}); raking cannot meet them all"
        )

    lo = hi = None
    if bounds is not None:
        lo_mult, hi_mult = bounds
        if not (0 <= lo_mult < 1 < hi_mult):
            raise RakingError(f"bounds must satisfy 0 <= lower < 1 < upper, got {bounds!r}")
        mean_w = totals_arr[0] / n
        lo, hi = lo_mult * mean_w, hi_mult * mean_w

    gap = np.inf
    for _ in range(max_iter):
        for codes, target in zip(codes_list, targets_list, strict=True):
            sums = np.bincount(codes, weights=w, minlength=len(target))
            w *= (target / sums)[codes]
        if bounds is not None:
            np.clip(w, lo, hi, out=w)
        gap = max(
            np.abs(np.bincount(codes, weights=w, minlength=len(target)) / target - 1).max()
            for codes, target in zip(codes_list, targets_list, strict=True)
        )
        if gap < tol:
            return pd.Series(w, index=data.index, name="weight")
    extra = f" within bounds {bounds!r}" if bounds is not None else ""
    raise RakingError(
        f"raking did not converge{extra} in {max_iter} cycles (largest relative margin gap "
        f"{gap:.3g}); collapse sparse categories, widen the bounds or raise max_iter"
    )


def trim_weights(
    weights,
    lower: float | None = None,
    upper: float | None = None,
    max_iter: int = 100,
    share: str = "equal",
    strict: bool = True,
):
    """Bound weights and redistribute what was trimmed so the total stays the same.

    R ``survey::trimWeights(design, upper, lower, strict = TRUE)``: weights above
    ``upper`` are set to ``upper`` and weights below ``lower`` to ``lower``; the net
    amount trimmed is shared out in *equal* amounts among the weights that were inside
    the bounds (``share="equal"``, R's rule), and with ``strict`` this is repeated until
    every weight is within the bounds (``strict=False``: one round, R's default, which
    can leave weights outside). ``share="proportional"`` shares it in proportion to the
    weights instead (keeping their ratios; the rule of Potter 1990's "trim and
    redistribute" as usually applied to base weights), among the weights strictly
    inside the bounds. Trimming moves the weighted margins away from the population
    totals; to keep both, use ``rake(..., bounds=...)``, which alternates raking and
    trimming.

    Parameters
    ----------
    weights : array-like or Series
        Non-negative weights.
    lower, upper : float, optional
        Absolute bounds (``None`` = no bound on that side).
    max_iter : int
        Maximum number of trim-and-redistribute rounds.
    share : {"equal", "proportional"}
        How the trimmed amount is redistributed (see above).
    strict : bool
        Repeat until every weight is within the bounds.

    Returns
    -------
    Series or ndarray
        Trimmed weights, a Series with the same index if a Series was given.

    Examples
    --------
    >>> trim_weights([1.0, 2.0, 3.0, 6.0], upper=4.0).round(4).tolist()
    [1.6667, 2.6667, 3.6667, 4.0]
    >>> trim_weights([1.0, 2.0, 3.0, 6.0], upper=4.0, share="proportional").round(4).tolist()
    [1.3333, 2.6667, 4.0, 4.0]
    """
    if share not in ("equal", "proportional"):
        raise WeightingError(f"share must be 'equal' or 'proportional', got {share!r}")
    index = weights.index if isinstance(weights, pd.Series) else None
    w = cols.weights_array(
        None, weights if not isinstance(weights, pd.Series) else weights.to_numpy(), len(weights)
    ).copy()
    n, total = len(w), w.sum()
    lo = -np.inf if lower is None else float(lower)
    hi = np.inf if upper is None else float(upper)
    if lo >= hi:
        raise WeightingError(f"lower bound {lo:g} must be below upper bound {hi:g}")
    if lo * n > total * (1 + 1e-12) or hi * n < total * (1 - 1e-12):
        raise WeightingError(
            f"bounds [{lo:g}, {hi:g}] cannot hold {n} weights that sum to {total:g}"
        )
    for _ in range(max_iter):
        outside = (w > hi) | (w < lo)
        if not outside.any():
            break
        clipped = np.clip(w, lo, hi)
        excess = (w - clipped).sum()  # positive: trimmed off the top; negative: added at the bottom
        if share == "equal":
            free = ~outside
            if not free.any():
                raise WeightingError("cannot redistribute trimmed weight: every weight is outside")
            clipped[free] += excess / free.sum()
        else:
            free = ~outside & (clipped > lo) & (clipped < hi)
            if not free.any() or clipped[free].sum() <= 0:
                raise WeightingError(
                    "cannot redistribute trimmed weight: every weight is at a bound"
                )
            clipped[free] += excess * clipped[free] / clipped[free].sum()
        w = clipped
        if not strict:
            break
    else:
        raise WeightingError(f"weight trimming did not settle in {max_iter} rounds")
    return (
        pd.Series(w, index=index, name=getattr(weights, "name", None)) if index is not None else w
    )


def design_effect(weights) -> float:
    """Kish's design effect due to unequal weights: ``1 + CV^2 = n * sum(w^2) / sum(w)^2``.

    Examples
    --------
    >>> design_effect([1, 1, 1, 1])
    1.0
    >>> design_effect([1, 1, 2, 4])
    1.375
    """
    w = cols.weights_array(None, weights, len(weights))
    if w.sum() <= 0:
        raise WeightingError("weights sum to zero")
    return float(len(w) * np.sum(w**2) / w.sum() ** 2)


def weight_diagnostics(
    data: pd.DataFrame, weights, by: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Summary of a weight variable overall or by group.

    Columns: ``n``, ``weight_sum``, ``weight_min``, ``weight_max``, ``weight_mean``,
    ``max_min_ratio``, ``cv``, ``deff`` (Kish 1 + CV^2), ``efficiency`` (1 / deff, the
    share of the sample's information kept) and ``n_effective`` (n / deff).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"g": ["a", "a", "b", "b"], "w": [1.0, 3.0, 2.0, 2.0]})
    >>> weight_diagnostics(d, "w", by="g")[["g", "n", "deff", "efficiency"]]
       g  n  deff  efficiency
    0  a  2  1.25         0.8
    1  b  2  1.00         1.0
    """
    w = cols.weights_array(data, weights, len(data))
    by_cols = cols.as_list(by)
    frame = pd.DataFrame({"_w": w}, index=data.index)
    for b in by_cols:
        frame[b] = cols.column(data, b, "by")

    def summarise(x: np.ndarray) -> dict:
        n = len(x)
        s = x.sum()
        deff = n * np.sum(x**2) / s**2 if s > 0 else np.nan
        mean = s / n if n else np.nan
        return {
            "n": n,
            "weight_sum": s,
            "weight_min": x.min(),
            "weight_max": x.max(),
            "weight_mean": mean,
            "max_min_ratio": x.max() / x.min() if x.min() > 0 else np.inf,
            "cv": float(np.sqrt(max(deff - 1, 0.0))),
            "deff": deff,
            "efficiency": 1 / deff,
            "n_effective": n / deff,
        }

    if not by_cols:
        return pd.DataFrame([summarise(w)])
    rows = []
    for key, part in frame.dropna(subset=by_cols).groupby(by_cols, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by_cols, key, strict=True)), **summarise(part["_w"].to_numpy())})
    return pd.DataFrame(rows)
