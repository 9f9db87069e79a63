"""Raking to population margins and design-based estimation.

Weights change standard errors, so every estimate here uses Taylor linearisation for a
stratified cluster design with primary sampling units (PSUs) drawn with replacement
within strata -- the variance R's ``survey`` package computes for
``svydesign(ids = ~psu, strata = ~stratum, weights = ~w)``. Frequency-weight formulas
(``statsmodels.stats.weightstats.DescrStatsW``) are never used: they shrink the standard
error as the weights are scaled up.

Missing answers follow R ``survey`` with ``na.rm = TRUE``: the rows stay in the design
and add zero to the linearised totals (domain estimation), so a stratum keeps the number
of PSUs it had in the sample. Subgroups (``by=``) are domains in the same sense.

Raked weights are calibrated, not fixed: ``calibration=`` (the raking margin columns) and
``calibration_group=`` (the separately raked populations) residualise the linearised
values on the margin indicators before the variance sum, the variance of R ``survey``
designs from ``rake``/``calibrate`` (Deville & Saerndal 1992). Without them the weights
are taken as fixed, which overstates the SE of variables related to the margins.

Functions
---------
rake
    Iterative proportional fitting of unit weights to marginal population totals.
trim_weights
    Bound weights and hand the trimmed amount to the others (R ``trimWeights``).
design_effect, weight_diagnostics
    Kish's design effect due to weighting (1 + CV^2), efficiency, effective n.
estimate
    Weighted means or category proportions, by domain, with design-based SE and CI.
compare_means, wald_test
    Design-based differences of domain means (t tests) and an omnibus Wald F test.
rao_scott
    Rao-Scott first-order corrected chi-square (R ``svychisq(statistic = "F")``).
linear_model
    Weighted least squares with design-based (sandwich) SEs (R ``svyglm`` gaussian).
difference_between_samples
    Mean in one sample minus domain means in an independent one (staff vs stakeholders).
holm
    Holm-adjusted p-values for a family of tests.
reference_margins, rake_to_reference
    Margins from ``data/reference/population_margins.csv`` and raking to them by wave.
stakeholder_scores, stakeholder_design
    Helpers of the stakeholder study (notebook 02): construct scores and 0/1 indicators;
    raked citizen weights, analysis weights and strata for the whole sample.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats import weighting
>>> df = pd.DataFrame({"sex": ["f", "f", "m", "m"], "score": [3.0, 4.0, 2.0, None]})
>>> w = weighting.rake(df, {"sex": {"f": 60, "m": 40}})
>>> w.tolist()
[30.0, 30.0, 20.0, 20.0]
>>> weighting.estimate(df.assign(w=w), "score", "w")[["estimate", "n"]]
   estimate  n
0     3.125  3
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ruse_research.errors import RuseError

__all__ = [
    "WeightingError",
    "RakingError",
    "DesignError",
    "rake",
    "trim_weights",
    "design_effect",
    "weight_diagnostics",
    "estimate",
    "compare_means",
    "wald_test",
    "rao_scott",
    "linear_model",
    "holm",
    "difference_between_samples",
    "reference_margins",
    "rake_to_reference",
    "StakeholderDesign",
    "stakeholder_design",
    "stakeholder_scores",
]

LONELY_PSU_RULES = ("fail", "certainty", "adjust")


class WeightingError(RuseError):
    """Bad input to a weighting or estimation function."""


class RakingError(WeightingError):
    """Raking cannot reach the margins (missing category, empty cell, no convergence)."""


class DesignError(WeightingError):
    """The survey design (weights, strata, PSUs) cannot give a variance."""


# --------------------------------------------------------------------------------------
# small helpers


def _weights_array(data: pd.DataFrame | None, weights, n: int, what: str = "weights") -> np.ndarray:
    """Weights given as a column name or an array, checked finite and non-negative."""
    if weights is None:
        return np.ones(n)
    if isinstance(weights, str):
        if data is None or weights not in data.columns:
            raise WeightingError(f"{what} column {weights!r} is not in the data")
        values = data[weights]
    else:
        values = weights
    try:
        arr = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise WeightingError(f"{what} must be numbers ({exc})") from None
    if arr.ndim != 1 or arr.shape[0] != n:
        raise WeightingError(f"{what} has {arr.shape[0]} values for {n} rows")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise WeightingError(f"{what} has {int(bad.sum())} missing or infinite value(s)")
    if (arr < 0).any():
        raise WeightingError(f"{what} has {int((arr < 0).sum())} negative value(s)")
    return arr


def _column(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    if not isinstance(data, pd.DataFrame):
        raise WeightingError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if name not in data.columns:
        raise WeightingError(f"{role} column {name!r} is not in the data")
    return data[name]


def _numeric(series: pd.Series, role: str) -> np.ndarray:
    """A numeric column as float with NaN for missing; booleans count as 0/1."""
    s = series
    if isinstance(s.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
    ):
        raise WeightingError(
            f"{role} column {series.name!r} is not numeric (dtype {series.dtype}); "
            "use kind='proportion' for categorical answers"
        )
    if s.dtype == np.float64:
        return s.to_numpy()
    return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _levels(series: pd.Series) -> list:
    """Observed levels in a stable order: categorical order, else sorted values."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().unique())
        return [c for c in series.cat.categories if c in present]
    values = pd.unique(series.dropna())
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _codes(series: pd.Series, levels: Sequence) -> np.ndarray:
    """Integer codes of ``series`` in ``levels`` (-1 for missing)."""
    codes, uniques = pd.factorize(series, sort=False)
    position = pd.Index(list(levels)).get_indexer(pd.Index(uniques).astype(object))
    position = np.append(position, -1).astype(np.int64)  # code -1 (missing) -> last entry
    return position[codes]


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


# --------------------------------------------------------------------------------------
# raking


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
    w = _weights_array(data, weights, n, "starting weights").copy()
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
                "(or only zero weights); collapse it with a neighbouring category"
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
    weights, lower: float | None = None, upper: float | None = None, max_iter: int = 100
):
    """Bound weights and redistribute what was trimmed so the total stays the same.

    Weights above ``upper`` are set to ``upper`` and weights below ``lower`` to
    ``lower``; the difference is shared among the weights still inside the bounds in
    proportion to their size, and this is repeated until every weight is within the
    bounds (R ``survey::trimWeights(..., strict = TRUE)``). Trimming moves the weighted
    margins away from the population totals; to keep both, use
    ``rake(..., bounds=...)``, which alternates raking and trimming.

    Parameters
    ----------
    weights : array-like or Series
        Non-negative weights.
    lower, upper : float, optional
        Absolute bounds (``None`` = no bound on that side).
    max_iter : int
        Maximum number of trim-and-redistribute rounds.

    Returns
    -------
    Series or ndarray
        Trimmed weights, a Series with the same index if a Series was given.

    Examples
    --------
    >>> trim_weights([1.0, 1.0, 1.0, 5.0], upper=3.0).round(4).tolist()
    [1.6667, 1.6667, 1.6667, 3.0]
    """
    index = weights.index if isinstance(weights, pd.Series) else None
    w = _weights_array(
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
        over, under = w > hi, w < lo
        if not (over.any() or under.any()):
            break
        clipped = np.clip(w, lo, hi)
        excess = (w - clipped).sum()  # positive: trimmed off the top; negative: added at the bottom
        free = ~(over | under) & (clipped > lo) & (clipped < hi)
        if not free.any() or clipped[free].sum() <= 0:
            raise WeightingError("cannot redistribute trimmed weight: every weight is at a bound")
        clipped[free] += excess * clipped[free] / clipped[free].sum()
        w = clipped
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
    w = _weights_array(None, weights, len(weights))
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
    w = _weights_array(data, weights, len(data))
    by_cols = _as_list(by)
    frame = pd.DataFrame({"_w": w}, index=data.index)
    for b in by_cols:
        frame[b] = _column(data, b, "by")

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


# --------------------------------------------------------------------------------------
# the design and its variance


@dataclass(frozen=True)
class _Design:
    """Weights, strata and PSUs of one sample, coded for fast variance sums."""

    w: np.ndarray  # (n,)
    psu: np.ndarray  # (n,) PSU code 0..P-1, unique across strata
    psu_stratum: np.ndarray  # (P,) stratum code of every PSU
    n_psu_in_stratum: np.ndarray  # (H,) PSUs per stratum in the whole sample
    scale: np.ndarray  # (H,) (1 - f_h) * n_h / (n_h - 1); 0 where not estimable
    lonely: np.ndarray  # (H,) bool, single-PSU strata
    lonely_psu: str

    @property
    def n_psu(self) -> int:
        return len(self.psu_stratum)

    @property
    def n_strata(self) -> int:
        return len(self.n_psu_in_stratum)


def _make_design(
    data: pd.DataFrame,
    weights,
    strata: str | None,
    psu: str | None,
    fpc: str | None,
    lonely_psu: str,
) -> _Design:
    n = len(data)
    w = _weights_array(data, weights, n)
    if lonely_psu not in LONELY_PSU_RULES:
        raise DesignError(
            f"lonely_psu must be one of {', '.join(LONELY_PSU_RULES)}, got {lonely_psu!r}"
        )
    if strata is None:
        stratum = np.zeros(n, dtype=np.int64)
    else:
        s = _column(data, strata, "strata")
        if s.isna().any():
            raise DesignError(
                f"strata column {strata!r} has {int(s.isna().sum())} missing value(s)"
            )
        stratum = pd.factorize(s, sort=True)[0].astype(np.int64)
    if psu is None:
        unit = np.arange(n, dtype=np.int64)
    else:
        p = _column(data, psu, "psu")
        if p.isna().any():
            raise DesignError(f"psu column {psu!r} has {int(p.isna().sum())} missing value(s)")
        unit = pd.factorize(p, sort=True)[0].astype(np.int64)
    # PSUs are nested in strata (R svydesign(nest = TRUE)): a PSU is a (stratum, psu) pair.
    n_strata = int(stratum.max()) + 1 if n else 0
    pair = stratum * (int(unit.max()) + 1 if n else 1) + unit
    psu_code, pair_uniques = pd.factorize(pair, sort=True)
    psu_code = psu_code.astype(np.int64)
    psu_stratum = np.zeros(len(pair_uniques), dtype=np.int64)
    psu_stratum[psu_code] = stratum
    n_h = np.bincount(psu_stratum, minlength=n_strata).astype(float)

    finite = np.ones(n_strata)
    if fpc is not None:
        f = _numeric(_column(data, fpc, "fpc"), "fpc")
        if np.isnan(f).any() or (f <= 0).any():
            raise DesignError(f"fpc column {fpc!r} must be positive with no missing values")
        f_h = np.full(n_strata, np.nan)
        f_h[stratum] = f
        check = np.full(n_strata, np.nan)
        check[stratum[::-1]] = f[::-1]
        if not np.allclose(f_h, check):
            raise DesignError(f"fpc column {fpc!r} must be constant within each stratum")
        # As R svydesign: values <= 1 are sampling fractions, larger values population PSU counts.
        frac = np.where(f_h <= 1, f_h, n_h / f_h)
        if (frac > 1 + 1e-12).any():
            raise DesignError(f"fpc column {fpc!r} gives fewer population PSUs than sampled PSUs")
        finite = 1 - frac
    lonely = n_h == 1
    if lonely.any() and lonely_psu == "fail":
        raise DesignError(
            f"{int(lonely.sum())} stratum/strata have a single PSU, so no variance can be "
            "estimated there; merge strata or pass lonely_psu='certainty' or 'adjust'"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, 1.0 if lonely_psu == "adjust" else 0.0, finite * n_h / (n_h - 1))
    if lonely_psu == "adjust":
        scale = np.where(lonely, finite, scale)
    return _Design(w, psu_code, psu_stratum, n_h, scale, lonely, lonely_psu)


def _psu_totals(design: _Design, z: np.ndarray) -> np.ndarray:
    """Sum linearised values (n, K) over PSUs -> (P, K)."""
    z = z.reshape(len(z), -1)
    out = np.empty((design.n_psu, z.shape[1]))
    for k in range(z.shape[1]):
        out[:, k] = np.bincount(design.psu, weights=z[:, k], minlength=design.n_psu)
    return out


def _centred(design: _Design, totals: np.ndarray) -> np.ndarray:
    """PSU totals minus their stratum mean (grand PSU mean for 'adjust'ed lonely strata)."""
    h = design.psu_stratum
    means = np.empty((design.n_strata, totals.shape[1]))
    for k in range(totals.shape[1]):
        means[:, k] = np.bincount(h, weights=totals[:, k], minlength=design.n_strata)
    means /= design.n_psu_in_stratum[:, None]
    if design.lonely_psu == "adjust" and design.lonely.any():
        means[design.lonely] = totals.mean(axis=0)
    return totals - means[h]


def _variance(design: _Design, totals: np.ndarray) -> np.ndarray:
    """Variances (K,) of the K linearised totals from their PSU totals (P, K)."""
    c = _centred(design, totals)
    return np.einsum("pk,pk,p->k", c, c, design.scale[design.psu_stratum])


def _covariance(design: _Design, totals: np.ndarray) -> np.ndarray:
    """Covariance matrix (K, K) of the K linearised totals from their PSU totals (P, K)."""
    c = _centred(design, totals)
    return (c * design.scale[design.psu_stratum][:, None]).T @ c


def _degrees_of_freedom(design: _Design, rows: np.ndarray) -> int:
    """PSUs minus strata among the PSUs that hold at least one of ``rows`` (bool mask).

    This is R's ``degf()`` of the design subset to those rows, used for t and F
    reference distributions of domain estimates.
    """
    has = np.bincount(design.psu[rows], minlength=design.n_psu) > 0
    n_psu = int(has.sum())
    n_strata = int(
        (np.bincount(design.psu_stratum, weights=has, minlength=design.n_strata) > 0).sum()
    )
    return max(n_psu - n_strata, 1)


@dataclass(frozen=True)
class _Calibration:
    """Projection that turns linearised values of fixed weights into those of calibrated ones.

    For every calibrated population (``calibration_group``), ``rows`` are its rows with a
    positive weight, ``root`` their square-root weights and ``basis`` an orthonormal basis
    (columns) of ``root * X``, X the indicators of every level of every raking margin.
    """

    groups: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]

    def residualise(self, z: np.ndarray) -> np.ndarray:
        """Replace z_i = w_i u_i by w_i (u_i - x_i b), b the w-weighted LS fit of u on x.

        Rows outside every calibrated population keep their values.
        """
        out = np.array(z, dtype=float, copy=True)
        flat = out.ndim == 1
        if flat:
            out = out[:, None]
        for rows, root, basis in self.groups:
            v = out[rows] / root[:, None]  # sqrt(w) u
            v -= basis @ (basis.T @ v)
            out[rows] = v * root[:, None]
        return out[:, 0] if flat else out


def _make_calibration(
    data: pd.DataFrame,
    design: _Design,
    calibration: str | Sequence[str] | None,
    calibration_group: str | None,
) -> _Calibration | None:
    """The residualising projection of the raking margins ``calibration`` (None: no calibration)."""
    margins = _as_list(calibration)
    if not margins:
        if calibration_group is not None:
            raise DesignError("calibration_group needs the calibration (raking margin) columns")
        return None
    columns = [_column(data, m, "calibration") for m in margins]
    n = len(data)
    if calibration_group is None:
        group = np.zeros(n, dtype=np.int64)
    else:
        g = _column(data, calibration_group, "calibration_group")
        group = pd.factorize(g, sort=True)[0].astype(np.int64)  # NA -> -1: not calibrated
    groups = []
    for code in range(int(group.max()) + 1 if n else 0):
        rows = np.flatnonzero((group == code) & (design.w > 0))
        if len(rows) == 0:
            continue
        indicators = []
        for name, col in zip(margins, columns, strict=True):
            part = col.iloc[rows]
            if part.isna().any():
                raise DesignError(
                    f"calibration column {name!r} has {int(part.isna().sum())} missing value(s) "
                    "among calibrated rows; every raked row has a margin category"
                )
            codes = pd.factorize(part, sort=True)[0]
            indicators.append(np.eye(int(codes.max()) + 1)[codes])
        root = np.sqrt(design.w[rows])
        scaled = np.hstack(indicators) * root[:, None]
        left, singular, _ = np.linalg.svd(scaled, full_matrices=False)
        # indicators of several margins are collinear (each sums to 1): keep the column space
        rank = singular > singular[0] * max(scaled.shape) * np.finfo(float).eps
        groups.append((rows, root, left[:, rank]))
    return _Calibration(tuple(groups))


def _residualised(calibration: _Calibration | None, z: np.ndarray) -> np.ndarray:
    return z if calibration is None else calibration.residualise(z)


def _domain_codes(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer domain code per row (-1 = in no domain) and the domain labels, sorted."""
    n = len(data)
    if not by:
        return np.zeros(n, dtype=np.int64), pd.DataFrame(index=range(1))
    cols = [_column(data, b, "by") for b in by]
    level_lists = [_levels(c) for c in cols]
    code_cols = [_codes(c, lv) for c, lv in zip(cols, level_lists, strict=True)]
    missing = np.zeros(n, dtype=bool)
    combined = np.zeros(n, dtype=np.int64)
    for codes, lv in zip(code_cols, level_lists, strict=True):
        missing |= codes < 0
        combined = combined * len(lv) + np.maximum(codes, 0)
    combined[missing] = -1
    present = np.unique(combined[combined >= 0])
    remap = np.full(int(np.prod([len(lv) for lv in level_lists])) or 1, -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    dom = np.where(combined >= 0, remap[np.maximum(combined, 0)], -1)
    labels = {}
    rest = present.copy()
    for b, lv in reversed(list(zip(by, level_lists, strict=True))):
        labels[b] = [lv[i] for i in rest % len(lv)]
        rest = rest // len(lv)
    frame = pd.DataFrame({b: labels[b] for b in by})
    for b, col in zip(by, cols, strict=True):
        if isinstance(col.dtype, pd.CategoricalDtype):
            frame[b] = pd.Categorical(frame[b], categories=col.cat.categories)
        else:
            frame[b] = frame[b].astype(col.dtype)
    return dom, frame


@dataclass(frozen=True)
class _Cells:
    """Every row's PSU x domain cell, coded once per design and set of domains.

    Domain estimation needs, per item, sums of w, w*y and w*y^2 in every PSU x domain
    cell; one ``np.bincount`` per sum over the compact cell codes gives them, and all
    that follows works on the (much smaller) table of cells. This is the hot loop of the
    stakeholder study and of bench/scale.py.
    """

    cell: np.ndarray  # (n,) compact cell code 0..C-1 of every row
    cell_psu: np.ndarray  # (C,) PSU of every cell
    cell_slot: np.ndarray  # (C,) domain of every cell (n_dom = outside every domain)
    n_dom: int


def _cells(design: _Design, dom: np.ndarray, n_dom: int) -> _Cells:
    slot = np.where(dom >= 0, dom, n_dom)
    code = design.psu * (n_dom + 1) + slot
    cell, uniques = pd.factorize(code, sort=True)
    uniques = np.asarray(uniques, dtype=np.int64)
    return _Cells(cell.astype(np.int64), uniques // (n_dom + 1), uniques % (n_dom + 1), n_dom)


def _domain_means(
    design: _Design,
    y: np.ndarray,
    dom: np.ndarray,
    n_dom: int,
    cells: _Cells | None = None,
    calibration: _Calibration | None = None,
):
    """Weighted domain means of the columns of y (NaN = missing) with linearised variances.

    With ``calibration`` the linearised values are residualised on the raking margins
    (row by row, the slower path) before the variance sum.

    ``y`` is (n,) or (n, m). Returns estimate, variance, n (valid respondents), weight
    sum, weighted variance of y (R ``svyvar``: n/(n-1) correction) and design degrees
    of freedom, each (n_dom,) for a 1-d ``y`` or (m, n_dom) for a 2-d one.
    """
    if cells is None:
        cells = _cells(design, dom, n_dom)
    one = y.ndim == 1
    Y = y.reshape(len(y), -1)
    m, k = Y.shape[1], n_dom + 1
    if len(Y) == 0:
        raise WeightingError("data has no rows")
    slot, n_cells = cells.cell_slot, len(cells.cell_slot)
    c_n, c_w, c_wy, c_wyy = (np.empty((n_cells, m)) for _ in range(4))
    shift = np.empty(m)
    for j in range(m):
        yj = Y[:, j]
        valid = ~np.isnan(yj)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing sample -> shift 0
            shift_j = np.nan_to_num(np.nanmean(yj[::97]))  # centring keeps sums of squares exact
        yc = np.where(valid, yj - shift_j, 0.0)
        wv = np.where(valid, design.w, 0.0)
        wy = wv * yc
        c_n[:, j] = np.bincount(cells.cell, weights=valid, minlength=n_cells)
        c_w[:, j] = np.bincount(cells.cell, weights=wv, minlength=n_cells)
        c_wy[:, j] = np.bincount(cells.cell, weights=wy, minlength=n_cells)
        c_wyy[:, j] = np.bincount(cells.cell, weights=wy * yc, minlength=n_cells)
        shift[j] = shift_j

    def by_slot(c: np.ndarray) -> np.ndarray:  # (C, m) cell sums -> (m, k) domain sums
        return np.stack([np.bincount(slot, weights=c[:, j], minlength=k) for j in range(m)])

    n, wsum, s_wy, s_wyy = by_slot(c_n), by_slot(c_w), by_slot(c_wy), by_slot(c_wyy)
    var = np.empty((m, n_dom))
    df = np.empty((m, n_dom), dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mc = s_wy / wsum  # domain means of the centred values
        ss = s_wyy - s_wy * mc
        s2 = ss / wsum * n / (n - 1)
        for j in range(m):
            # PSU x domain totals of the linearised values w (y - mean_d) / W_d
            z_cell = (c_wy[:, j] - mc[j, slot] * c_w[:, j]) / wsum[j, slot]
            if calibration is None:
                totals = np.zeros((design.n_psu, k))
                totals[cells.cell_psu, slot] = z_cell
                var[j] = _variance(design, totals[:, :n_dom])
            else:  # row-level values w (y - mean_d) / W_d, residualised on the margins
                rows = np.flatnonzero(~np.isnan(Y[:, j]) & (dom >= 0))
                d = dom[rows]
                z = np.zeros((len(Y), n_dom))
                z[rows, d] = design.w[rows] * (Y[rows, j] - shift[j] - mc[j, d]) / wsum[j, d]
                var[j] = _variance(design, _psu_totals(design, calibration.residualise(z)))
            # design df: PSUs holding a valid answer minus their strata (R degf of the subset)
            has = np.zeros((design.n_psu, k), dtype=bool)
            has[cells.cell_psu, slot] = c_n[:, j] > 0
            has = has[:, :n_dom]
            strata_with = np.zeros((design.n_strata, n_dom), dtype=bool)
            rows, cols = np.nonzero(has)
            strata_with[design.psu_stratum[rows], cols] = True
            df[j] = np.maximum(has.sum(axis=0) - strata_with.sum(axis=0), 1)
    out = (
        mc[:, :n_dom] + shift[:, None],
        var,
        n[:, :n_dom].astype(np.int64),
        wsum[:, :n_dom],
        s2[:, :n_dom],
        df,
    )
    return tuple(a[0] for a in out) if one else out


def _t_quantile(ci: float, df) -> np.ndarray:
    return stats.t.ppf(0.5 + ci / 2, np.asarray(df, dtype=float))


def _check_ci(ci: float) -> None:
    if not (0 < ci < 1):
        raise WeightingError(f"ci must be between 0 and 1, got {ci!r}")


# --------------------------------------------------------------------------------------
# estimates


def estimate(
    data: pd.DataFrame,
    variable: str | Sequence[str],
    weights,
    strata: str | None = None,
    psu: str | None = None,
    by: str | Sequence[str] | None = None,
    kind: str = "mean",
    ci: float = 0.95,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    df: float | None = None,
    calibration: str | Sequence[str] | None = None,
    calibration_group: str | None = None,
) -> pd.DataFrame:
    """Weighted means or category proportions with design-based standard errors.

    Taylor linearisation for a stratified design with PSUs drawn with replacement
    within strata (R ``svymean`` on ``svydesign(ids=~psu, strata=~strata, weights=~w)``).
    Missing answers are treated as R does with ``na.rm=TRUE``: those rows stay in the
    design with zero contribution. Each ``by`` group is a domain of the full design.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    variable : str or list of str
        Column(s) to estimate. ``kind="mean"`` needs numeric columns (0/1 columns give
        proportions); ``kind="proportion"`` takes any column and estimates the share of
        every observed category.
    weights : str or array-like
        Survey weights (column name or array).
    strata, psu : str, optional
        Stratum and primary sampling unit columns. No ``psu`` = every row is its own PSU;
        no ``strata`` = one stratum.
    by : str or list of str, optional
        Columns defining domains (subgroups). Rows with a missing ``by`` value belong
        to no domain but stay in the design.
    kind : {"mean", "proportion"}
    ci : float
        Confidence level.
    fpc : str, optional
        Finite population correction column, constant within strata: a sampling
        fraction (<= 1) or the number of PSUs in the stratum's population (> 1).
    lonely_psu : {"fail", "certainty", "adjust"}
        Strata with one PSU: raise, contribute no variance, or centre at the grand mean
        (R ``options(survey.lonely.psu=...)``).
    df : float, optional
        Degrees of freedom of the t quantile for the CI. Default: the design degrees of
        freedom of each domain (PSUs minus strata holding a valid answer, R ``degf`` of
        the subset design). ``numpy.inf`` gives normal-theory intervals as R's
        ``confint(svymean(...))``.
    calibration : str or list of str, optional
        Categorical columns the weights were raked (calibrated) on, one per margin.
        Given, the linearised values are replaced by their residuals from the weighted
        least-squares regression on the indicators of every margin's categories,
        within each calibrated population, before the variance sum (Deville & Saerndal
        1992; Lumley 2010, ch. 7; R ``survey`` designs from ``rake``/``calibrate``).
        This is the variance of the calibration estimator; treating raked weights as
        fixed overstates it. The regression uses the calibrated weights, which equals
        R's regression on the input weights for post-stratification and is
        asymptotically the same for raking. Pass the whole calibrated sample and use
        ``by`` for subgroups: a subset of a calibrated population is not calibrated.
    calibration_group : str, optional
        Column naming the calibrated population of every row (for example the wave,
        when each wave was raked separately); rows with a missing value were not
        calibrated (say, organisations with weight 1) and keep their linearised
        values. Default: all rows are one calibrated population.

    Returns
    -------
    DataFrame
        One row per variable x domain (x category): ``variable``, the ``by`` columns,
        ``category`` (proportions only), ``estimate``, ``se``, ``ci_low``, ``ci_high``,
        ``df``, ``n`` (unweighted respondents with a valid answer), ``weight_sum`` and
        ``deff`` (design effect against simple random sampling with replacement, R
        ``deff="replace"``). Mean CIs are ``estimate +/- t * se``; proportion CIs (and
        CIs of means of 0/1 columns) are on the logit scale and back-transformed (R
        ``svyciprop(method="logit")``); a share of exactly 0 or 1 gets the exact
        binomial (Clopper-Pearson) bound on its unweighted n instead of a point.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, None, 6.0],
    ...                   "g": ["a", "a", "a", "b", "b", "b"],
    ...                   "w": [1.0, 1.0, 2.0, 2.0, 1.0, 1.0]})
    >>> estimate(d, "y", "w", by="g")[["g", "estimate", "n"]]
       g  estimate  n
    0  a  2.250000  3
    1  b  4.666667  2

    Weights post-stratified (raked on one margin) to 40 % a and 60 % b: the calibrated SE
    is the post-stratified one, smaller than with the weights taken as fixed.

    >>> p = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "g": list("aaabbb")})
    >>> p["w"] = rake(p, {"g": {"a": 40.0, "b": 60.0}}).to_numpy()
    >>> float(estimate(p, "y", "w")["se"].iloc[0].round(4))
    0.8824
    >>> float(estimate(p, "y", "w", calibration="g")["se"].iloc[0].round(4))
    0.5164
    """
    _check_ci(ci)
    if kind not in ("mean", "proportion"):
        raise WeightingError(f"kind must be 'mean' or 'proportion', got {kind!r}")
    variables = _as_list(variable)
    if not variables:
        raise WeightingError("no variable given")
    by_cols = _as_list(by)
    design = _make_design(data, weights, strata, psu, fpc, lonely_psu)
    dom, labels = _domain_codes(data, by_cols)
    n_dom = len(labels)
    cells = _cells(design, dom, n_dom)
    cal = _make_calibration(data, design, calibration, calibration_group)
    frames = []
    specs: list[tuple[str, object, np.ndarray]] = []  # (variable, category, values)
    for var in variables:
        col = _column(data, var, "variable")
        if kind == "mean":
            specs.append((var, None, _numeric(col, "variable")))
            continue
        levels = _levels(col)
        if not levels:
            raise WeightingError(f"variable {var!r} has no valid answers")
        codes = _codes(col, levels)
        specs.extend(
            (var, lv, np.where(codes < 0, np.nan, (codes == i).astype(float)))
            for i, lv in enumerate(levels)
        )
    # one column at a time: gathering a 2-d block of rows is slower than 1-d gathers
    for var, category, values in specs:
        mean, var_, n, wsum, s2, design_df = _domain_means(design, values, dom, n_dom, cells, cal)
        se = np.sqrt(var_)
        use_df = design_df.astype(float) if df is None else np.full(n_dom, float(df))
        q = _t_quantile(ci, use_df)
        observed = values[~np.isnan(values)]
        if kind == "mean" and not np.all((observed == 0) | (observed == 1)):
            low, high = mean - q * se, mean + q * se
        else:  # shares (proportions, or means of 0/1 columns) stay inside [0, 1]
            low, high = _logit_ci(mean, se, q, n, ci)
        with np.errstate(invalid="ignore", divide="ignore"):
            deff = var_ / (s2 / n)
        part = labels.copy()
        part.insert(0, "variable", var)
        if kind == "proportion":
            part["category"] = category
        part["estimate"] = mean
        part["se"] = se
        part["ci_low"] = low
        part["ci_high"] = high
        part["df"] = use_df
        part["n"] = n.astype(np.int64)
        part["weight_sum"] = wsum
        part["deff"] = deff
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    if kind == "proportion":
        out["category"] = out["category"].astype(object)
    return out


def _logit_ci(p: np.ndarray, se: np.ndarray, q: np.ndarray, n: np.ndarray, ci: float):
    """Logit-scale interval back-transformed (delta-method SE of logit(p)).

    At p = 0 or 1 the logit interval collapses to a point; there the exact binomial
    (Clopper-Pearson) bound on the unweighted n is used, as Korn & Graubard (1998) do
    when the estimated variance is zero.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = (p > 0) & (p < 1)
        lp = np.log(p / (1 - p))
        half = q * se / (p * (1 - p))
        low = np.where(inner, 1 / (1 + np.exp(-(lp - half))), p)
        high = np.where(inner, 1 / (1 + np.exp(-(lp + half))), p)
        tail = (1 - ci) / 2
        n = np.asarray(n, dtype=float)
        low = np.where((p == 1) & (n > 0), tail ** (1 / n), low)
        high = np.where((p == 0) & (n > 0), 1 - tail ** (1 / n), high)
    return low, high


# --------------------------------------------------------------------------------------
# comparisons


def _two_level_setup(data, variable, group, weights, strata, psu, fpc, lonely_psu):
    design = _make_design(data, weights, strata, psu, fpc, lonely_psu)
    y = _numeric(_column(data, variable, "variable"), "variable")
    dom, labels = _domain_codes(data, [group])
    if len(labels) < 2:
        raise WeightingError(f"group column {group!r} needs at least two groups with data")
    return design, y, dom, labels


def _mean_influence(design: _Design, y: np.ndarray, dom: np.ndarray, n_dom: int):
    """Domain means and the (n, n_dom) matrix of linearised values (zero outside)."""
    valid = ~np.isnan(y) & (dom >= 0)
    w = np.where(valid, design.w, 0.0)
    d = np.where(valid, dom, 0)
    yv = np.where(valid, y, 0.0)
    wsum = np.bincount(d, weights=w, minlength=n_dom)
    mean = np.bincount(d, weights=w * yv, minlength=n_dom) / wsum
    z = np.zeros((len(y), n_dom))
    rows = np.flatnonzero(valid)
    z[rows, d[rows]] = w[rows] * (yv[rows] - mean[d[rows]]) / wsum[d[rows]]
    return mean, z, valid


def compare_means(
    data: pd.DataFrame,
    variable: str,
    group: str,
    weights,
    strata: str | None = None,
    psu: str | None = None,
    reference=None,
    ci: float = 0.95,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    calibration: str | Sequence[str] | None = None,
    calibration_group: str | None = None,
) -> pd.DataFrame:
    """Differences of domain means against a reference group, with design-based SEs.

    Each difference ``mean(group) - mean(reference)`` is linearised jointly, so the
    covariance of the two domain means (shared strata and PSUs) is included. The t test
    uses the design degrees of freedom of the two groups' rows minus 1, as R
    ``svyttest`` does (which fits ``svyglm(y ~ group)``). Holm-adjusted p-values are
    given for the set of contrasts.

    Parameters
    ----------
    calibration, calibration_group : optional
        Raking margin columns and calibrated-population column, as in :func:`estimate`:
        the influence values are residualised on the margins before the variance sum.

    Returns
    -------
    DataFrame
        ``variable``, ``group``, ``reference``, ``estimate_group``,
        ``estimate_reference``, ``difference``, ``se``, ``ci_low``, ``ci_high``, ``t``,
        ``df``, ``p_value``, ``p_holm``, ``std_diff`` (difference / root mean of the two
        weighted group variances), ``n_group``, ``n_reference``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "g": list("aaabbb")})
    >>> compare_means(d, "y", "g", None)[["group", "reference", "difference"]]
      group reference  difference
    0     b         a    3.333333
    """
    _check_ci(ci)
    design, y, dom, labels = _two_level_setup(
        data, variable, group, weights, strata, psu, fpc, lonely_psu
    )
    levels = list(labels[group])
    if reference is None:
        ref = 0
    else:
        matches = [i for i, lv in enumerate(levels) if lv == reference or str(lv) == str(reference)]
        if not matches:
            raise WeightingError(
                f"reference group {reference!r} is not a level of {group!r} with data"
            )
        ref = matches[0]
    n_dom = len(levels)
    mean, z, valid = _mean_influence(design, y, dom, n_dom)
    z = _residualised(_make_calibration(data, design, calibration, calibration_group), z)
    _, _, n, _, s2, _ = _domain_means(design, y, dom, n_dom)
    rows = []
    for g in range(n_dom):
        if g == ref:
            continue
        totals = _psu_totals(design, z[:, g] - z[:, ref])
        se = float(np.sqrt(_variance(design, totals)[0]))
        pair = valid & ((dom == g) | (dom == ref))
        dof = max(_degrees_of_freedom(design, pair) - 1, 1)
        diff = mean[g] - mean[ref]
        q = float(_t_quantile(ci, dof))
        t = diff / se if se > 0 else np.nan
        rows.append(
            {
                "variable": variable,
                "group": levels[g],
                "reference": levels[ref],
                "estimate_group": mean[g],
                "estimate_reference": mean[ref],
                "difference": diff,
                "se": se,
                "ci_low": diff - q * se,
                "ci_high": diff + q * se,
                "t": t,
                "df": float(dof),
                "p_value": float(2 * stats.t.sf(abs(t), dof)) if np.isfinite(t) else np.nan,
                "std_diff": diff / np.sqrt((s2[g] + s2[ref]) / 2),
                "n_group": int(n[g]),
                "n_reference": int(n[ref]),
            }
        )
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("p_value") + 1, "p_holm", holm(out["p_value"].to_numpy()))
    return out


def holm(p) -> np.ndarray:
    """Holm step-down adjusted p-values for a family of tests (NaN stays NaN).

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adj, 1.0)
    return out


def wald_test(
    data: pd.DataFrame,
    variable: str,
    group: str,
    weights,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
) -> pd.DataFrame:
    """Design-based Wald F test that a numeric variable has the same mean in every group.

    The k - 1 differences from the first group and their design covariance V give
    ``X2 = d' V^-1 d``; ``F = X2 / (k - 1)`` on ``(k - 1, degf - k + 1)`` degrees of
    freedom, as R ``regTermTest(svyglm(y ~ group), ~group)`` (for two groups F = t^2 of
    ``svyttest``). Eta-squared is the share of the weighted variance between groups.

    Returns
    -------
    DataFrame
        One row: ``variable``, ``group``, ``statistic`` (F), ``ndf``, ``ddf``,
        ``p_value``, ``eta_squared``, ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "g": list("aaabbb")})
    >>> round(float(wald_test(d, "y", "g", None)["ndf"].iloc[0]), 1)
    1.0
    """
    design, y, dom, labels = _two_level_setup(
        data, variable, group, weights, strata, psu, fpc, lonely_psu
    )
    k = len(labels)
    mean, z, valid = _mean_influence(design, y, dom, k)
    contrasts = z[:, 1:] - z[:, [0]]
    cov = _covariance(design, _psu_totals(design, contrasts))
    d = mean[1:] - mean[0]
    try:
        x2 = float(d @ np.linalg.solve(cov, d))
    except np.linalg.LinAlgError:
        raise DesignError(
            "the group means' covariance matrix is singular (a group too small?)"
        ) from None
    ddf = max(_degrees_of_freedom(design, valid) - k + 1, 1)
    f = x2 / (k - 1)
    w, yv, dv = design.w[valid], y[valid], dom[valid]
    grand = np.sum(w * yv) / w.sum()
    between = np.sum(w * (mean[dv] - grand) ** 2)
    total = np.sum(w * (yv - grand) ** 2)
    return pd.DataFrame(
        [
            {
                "variable": variable,
                "group": group,
                "statistic": f,
                "ndf": float(k - 1),
                "ddf": float(ddf),
                "p_value": float(stats.f.sf(f, k - 1, ddf)),
                "eta_squared": between / total if total > 0 else np.nan,
                "n": int(valid.sum()),
            }
        ]
    )


def rao_scott(
    data: pd.DataFrame,
    row: str,
    col: str,
    weights,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
) -> pd.DataFrame:
    """Rao-Scott corrected chi-square test of independence of two categorical columns.

    Follows R ``svychisq(~row + col, design, statistic = "F")``: the Pearson X^2 of the
    weighted table is divided by the mean generalised design effect ``tr(Delta)/.`` and
    referred to an F distribution with ``d0 = tr(Delta)^2 / tr(Delta^2)`` and ``d0 * nu``
    degrees of freedom, where ``nu`` = PSUs minus strata among rows with both answers.
    Rows missing either answer stay in the design (domain). Cramér's V comes from the
    weighted table.

    Returns
    -------
    DataFrame
        One row: ``row``, ``col``, ``statistic`` (F), ``ndf``, ``ddf``, ``p_value``,
        ``chisq`` (Pearson X^2 of the weighted table scaled to n), ``cramers_v``, ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": list("xxxxyyyy"), "b": list("ppqqppqq")})
    >>> rao_scott(d, "a", "b", None)[["statistic", "cramers_v", "n"]]
       statistic  cramers_v  n
    0        0.0        0.0  8
    """
    design = _make_design(data, weights, strata, psu, fpc, lonely_psu)
    rs, cs = _column(data, row, "row"), _column(data, col, "col")
    r_levels, c_levels = _levels(rs), _levels(cs)
    if len(r_levels) < 2 or len(c_levels) < 2:
        raise WeightingError(f"{row!r} and {col!r} each need at least two observed categories")
    rc, cc = _codes(rs, r_levels), _codes(cs, c_levels)
    valid = (rc >= 0) & (cc >= 0)
    nr, nc = len(r_levels), len(c_levels)
    # cells ordered as R's interaction(row, col): row index varies fastest
    cell = np.where(valid, rc + nr * cc, 0)
    w = np.where(valid, design.w, 0.0)
    wsum = w.sum()
    p = np.bincount(cell, weights=w, minlength=nr * nc) / wsum
    ind = np.zeros((len(w), nr * nc))
    vrows = np.flatnonzero(valid)
    ind[vrows, cell[vrows]] = 1.0
    z = (w / wsum)[:, None] * (ind - p[None, :])
    z[~valid] = 0.0
    V = _covariance(design, _psu_totals(design, z))

    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    R = (grid_r[:, None] == np.arange(1, nr)[None, :]).astype(float)
    C = (grid_c[:, None] == np.arange(1, nc)[None, :]).astype(float)
    X1 = np.column_stack([np.ones(nr * nc), R, C])
    X12 = np.column_stack([R[:, i] * C[:, j] for j in range(nc - 1) for i in range(nr - 1)])
    beta, *_ = np.linalg.lstsq(X1, X12, rcond=None)
    cmat = X12 - X1 @ beta
    n_valid = int(valid.sum())
    inv_p = np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0)
    denom = cmat.T @ (inv_p[:, None] * cmat) / n_valid
    numr = cmat.T @ (inv_p[:, None] * V * inv_p[None, :]) @ cmat
    delta = np.linalg.solve(denom, numr)
    tr, tr2 = np.trace(delta), np.trace(delta @ delta)
    d0 = tr**2 / tr2

    table = p.reshape(nc, nr).T  # rows x cols proportions
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    chi_over_n = float(np.sum((table - expected) ** 2 / expected))
    chisq = n_valid * chi_over_n
    f = chisq / tr
    nu = _degrees_of_freedom(design, valid)
    return pd.DataFrame(
        [
            {
                "row": row,
                "col": col,
                "statistic": f,
                "ndf": d0,
                "ddf": d0 * nu,
                "p_value": float(stats.f.sf(f, d0, d0 * nu)),
                "chisq": chisq,
                "cramers_v": float(np.sqrt(chi_over_n / (min(nr, nc) - 1))),
                "n": n_valid,
            }
        ]
    )


# --------------------------------------------------------------------------------------
# regression


def linear_model(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    weights,
    strata: str | None = None,
    psu: str | None = None,
    categorical: Sequence[str] | None = None,
    ci: float = 0.95,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    calibration: str | Sequence[str] | None = None,
    calibration_group: str | None = None,
) -> pd.DataFrame:
    """Survey-weighted linear regression with design-based standard errors.

    Coefficients are weighted least squares ``(X'WX)^-1 X'Wy`` (the weights enter as
    sampling weights, not precision weights); the variance is the Taylor-linearisation
    sandwich over PSUs within strata, as R ``svyglm(family = gaussian())``. Rows with a
    missing outcome or predictor drop out of the fit but stay in the design. t tests use
    ``degf - p + 1`` degrees of freedom (p = number of coefficients), as ``svyglm``.

    Parameters
    ----------
    predictors : list of str
        Numeric columns enter as they are; columns named in ``categorical`` (and any
        non-numeric column) enter as indicators of every level but the first.
    calibration, calibration_group : optional
        Raking margin columns and calibrated-population column, as in :func:`estimate`:
        the influence values are residualised on the margins before the variance sum.

    Returns
    -------
    DataFrame
        ``term``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``t``, ``df``,
        ``p_value``, ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0, 5.5, 6.0], "x": [0, 1, 2, 3, 4, 5]})
    >>> linear_model(d, "y", ["x"], None)[["term", "estimate"]].round(3)
            term  estimate
    0  Intercept     0.857
    1          x     1.057
    """
    _check_ci(ci)
    predictors = _as_list(predictors)
    categorical = set(_as_list(categorical))
    design = _make_design(data, weights, strata, psu, fpc, lonely_psu)
    y = _numeric(_column(data, outcome, "outcome"), "outcome")
    n = len(data)
    columns = [np.ones(n)]
    names = ["Intercept"]
    valid = ~np.isnan(y)
    for pred in predictors:
        s = _column(data, pred, "predictor")
        numeric = (
            pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        ) and not isinstance(s.dtype, pd.CategoricalDtype)
        if pred in categorical or not numeric:
            levels = _levels(s)
            codes = _codes(s, levels)
            valid &= codes >= 0
            for i, lv in enumerate(levels[1:], start=1):
                columns.append((codes == i).astype(float))
                names.append(f"{pred}[{lv}]")
        else:
            x = _numeric(s, "predictor")
            valid &= ~np.isnan(x)
            columns.append(x)
            names.append(pred)
    X = np.column_stack(columns)[valid]
    w = design.w[valid]
    yv = y[valid]
    xtwx = X.T @ (w[:, None] * X)
    try:
        bread = np.linalg.inv(xtwx)
    except np.linalg.LinAlgError:
        raise WeightingError("predictors are collinear (the model matrix is singular)") from None
    beta = bread @ (X.T @ (w * yv))
    resid = yv - X @ beta
    z = np.zeros((n, len(names)))
    z[valid] = (w * resid)[:, None] * X @ bread  # influence of each row on beta
    z = _residualised(_make_calibration(data, design, calibration, calibration_group), z)
    cov = _covariance(design, _psu_totals(design, z))
    se = np.sqrt(np.diag(cov))
    dof = max(_degrees_of_freedom(design, valid) - len(names) + 1, 1)
    q = float(_t_quantile(ci, dof))
    t = beta / se
    return pd.DataFrame(
        {
            "term": names,
            "estimate": beta,
            "se": se,
            "ci_low": beta - q * se,
            "ci_high": beta + q * se,
            "t": t,
            "df": float(dof),
            "p_value": 2 * stats.t.sf(np.abs(t), dof),
            "n": int(valid.sum()),
        }
    )


# --------------------------------------------------------------------------------------
# two independent samples


def difference_between_samples(
    first: pd.DataFrame,
    second: pd.DataFrame,
    variables: str | Sequence[str],
    first_weights=None,
    second_weights=None,
    by: str | Sequence[str] | None = None,
    first_design: Mapping[str, str] | None = None,
    second_design: Mapping[str, str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Mean of each variable in one sample minus its (domain) means in another sample.

    For two independently drawn samples (for example staff and stakeholders answering the
    same "mirror" items). Each side is estimated with :func:`estimate` under its own
    design; the variance of the difference is the sum of the two variances and the t
    reference uses Welch-Satterthwaite degrees of freedom from the two design df.
    ``by`` splits the *second* sample into domains; the first is used whole.

    Parameters
    ----------
    first_design, second_design : mapping, optional
        Extra keyword arguments for :func:`estimate` (``strata``, ``psu``, ``fpc``,
        ``lonely_psu``, ``calibration``, ``calibration_group``) of each sample.

    Returns
    -------
    DataFrame
        ``variable``, the ``by`` columns, ``estimate_first``, ``se_first``, ``n_first``,
        ``estimate_second``, ``se_second``, ``n_second``, ``difference`` (first -
        second), ``se``, ``ci_low``, ``ci_high``, ``df``, ``t``, ``p_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"x": [4.0, 5.0, 4.0, 3.0]})
    >>> b = pd.DataFrame({"x": [2.0, 3.0, 3.0, 2.0, 4.0, 2.0], "g": list("ppqqqq")})
    >>> difference_between_samples(a, b, "x", by="g")[["g", "difference"]]
       g  difference
    0  p        1.50
    1  q        1.25
    """
    _check_ci(ci)
    variables = _as_list(variables)
    by_cols = _as_list(by)
    one = estimate(first, variables, first_weights, ci=ci, **dict(first_design or {}))
    two = estimate(second, variables, second_weights, by=by, ci=ci, **dict(second_design or {}))
    one = one[["variable", "estimate", "se", "df", "n"]].rename(
        columns={"estimate": "estimate_first", "se": "se_first", "df": "df_first", "n": "n_first"}
    )
    two = two[["variable", *by_cols, "estimate", "se", "df", "n"]].rename(
        columns={
            "estimate": "estimate_second",
            "se": "se_second",
            "df": "df_second",
            "n": "n_second",
        }
    )
    out = two.merge(one, on="variable", how="left", sort=False)
    out["difference"] = out["estimate_first"] - out["estimate_second"]
    v1, v2 = out["se_first"] ** 2, out["se_second"] ** 2
    out["se"] = np.sqrt(v1 + v2)
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = (v1 + v2) ** 2 / (v1**2 / out["df_first"] + v2**2 / out["df_second"])
        q = _t_quantile(ci, dof)
        out["ci_low"] = out["difference"] - q * out["se"]
        out["ci_high"] = out["difference"] + q * out["se"]
        out["df"] = dof
        out["t"] = out["difference"] / out["se"]
    out["p_value"] = 2 * stats.t.sf(np.abs(out["t"]), dof)
    columns = [
        "variable",
        *by_cols,
        "estimate_first",
        "se_first",
        "n_first",
        "estimate_second",
        "se_second",
        "n_second",
        "difference",
        "se",
        "ci_low",
        "ci_high",
        "df",
        "t",
        "p_value",
    ]
    return out[columns]


# --------------------------------------------------------------------------------------
# population margins from data/reference and the stakeholder survey design


def reference_margins(path, population: float | None = None) -> tuple[dict, dict]:
    """Raking margins and survey-code recodes from a reference margins CSV.

    The file has one row per category (``data/reference/population_margins.csv``):
    ``variable``, ``category``, ``population``, ``share``, ``survey_variable`` and
    ``survey_codes`` (space-separated survey codes that fall in the category). The
    margins of one file may describe different universes (all ages, 15+, another census
    year), so each margin is taken as its ``share`` times one common ``population``
    (default: the smallest margin total in the file, the narrowest universe).

    Returns
    -------
    (margins, recodes)
        ``margins = {variable: {category: total}}``;
        ``recodes = {variable: (survey_variable, {survey_code: category})}``.

    Examples
    --------
    >>> from ruse_research import paths
    >>> margins, recodes = reference_margins(paths.resolve("data/reference/population_margins.csv"))
    >>> sorted(margins)
    ['age_group', 'municipality', 'sex']
    >>> recodes["age_group"]
    ('age_band', {1: 1, 2: 1, 3: 1, 4: 2})
    """
    from ruse_research import paths

    file = paths.resolve(path)
    if not file.is_file():
        raise WeightingError(f"reference margins file {str(path)!r} does not exist")
    table = pd.read_csv(file, dtype={"survey_codes": str})
    needed = {"variable", "category", "population", "share", "survey_variable", "survey_codes"}
    if not needed <= set(table.columns):
        missing = ", ".join(sorted(needed - set(table.columns)))
        raise WeightingError(f"reference margins file {file.name} lacks column(s) {missing}")
    totals = table.groupby("variable", sort=False)["population"].sum()
    total = float(totals.min()) if population is None else float(population)
    margins: dict = {}
    recodes: dict = {}
    for variable, part in table.groupby("variable", sort=False):
        shares = part["share"].astype(float)
        shares = shares / shares.sum()  # shares are rounded to 6 dp; make each margin sum to 1
        margins[variable] = {
            int(c): float(s * total) for c, s in zip(part["category"], shares, strict=True)
        }
        survey_vars = part["survey_variable"].unique()
        if len(survey_vars) != 1:
            raise WeightingError(f"margin {variable!r} names more than one survey variable")
        code_map = {}
        for category, codes in zip(part["category"], part["survey_codes"], strict=True):
            for code in str(codes).split():
                code_map[int(code)] = int(category)
        recodes[variable] = (str(survey_vars[0]), dict(sorted(code_map.items())))
    return margins, recodes


def rake_to_reference(
    data: pd.DataFrame,
    path,
    population: float | None = None,
    weights=None,
    by: str | Sequence[str] | None = None,
    bounds: tuple[float, float] | None = None,
    max_iter: int = 200,
    tol: float = 1e-8,
) -> pd.Series:
    """Rake ``data`` to the margins of a reference CSV, separately within each ``by`` group.

    Survey codes are mapped to margin categories with the file's ``survey_codes`` (for
    example ``age_band`` 1-3 -> ``age_group`` 1). Every ``by`` group (for example each
    wave, an independent cross-section) is raked to the full population margins.

    Returns
    -------
    Series
        Weights named ``"weight"`` on the index of ``data``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research import paths
    >>> import itertools
    >>> d = pd.DataFrame(list(itertools.product([1, 2], [1, 2, 3, 4], range(1, 9))),
    ...                  columns=["sex", "age_band", "municipality"])
    >>> w = rake_to_reference(d, paths.resolve("data/reference/population_margins.csv"), population=1000)
    >>> round(float(w.sum())), round(float(w[d["sex"] == 2].sum()), 1)
    (1000, 521.7)
    """
    margins, recodes = reference_margins(path, population)
    derived = pd.DataFrame(index=data.index)
    for variable, (survey_variable, code_map) in recodes.items():
        source = _column(data, survey_variable, "margin survey")
        mapped = source.map(code_map)
        unknown = source.notna() & mapped.isna()
        if unknown.any():
            raise RakingError(
                f"column {survey_variable!r} has code(s) "
                f"{', '.join(map(str, sorted(source[unknown].unique())[:5]))} that the reference margins do not map"
            )
        derived[variable] = mapped
    by_cols = _as_list(by)
    start = _weights_array(data, weights, len(data))
    out = pd.Series(np.nan, index=data.index, name="weight")
    if by_cols:
        groups = [g.index for _, g in data.groupby(by_cols, sort=True, observed=True)]
    else:
        groups = [data.index]
    for index in groups:
        part = derived.loc[index]
        positions = data.index.get_indexer(index)
        out.loc[index] = rake(
            part, margins, weights=start[positions], max_iter=max_iter, tol=tol, bounds=bounds
        ).to_numpy()
    return out


@dataclass(frozen=True)
class StakeholderDesign:
    """The stakeholder sample ready for design-based estimation.

    ``data`` holds the kept respondents with ``weight``, ``weight_population`` and
    ``stratum`` columns, and the raking categories of the citizens (``rake_<margin>``,
    ``rake_group`` = wave; missing for organisations);
    ``excluded`` counts citizens left out of the weighting (sex or age not given) by wave;
    ``calibration`` holds the keyword arguments (``calibration``, ``calibration_group``)
    that make :func:`estimate`, :func:`compare_means`, :func:`linear_model` and
    :func:`difference_between_samples` account for the raking in their standard errors.
    """

    data: pd.DataFrame
    excluded: pd.DataFrame
    population: float
    calibration: Mapping[str, object] = field(default_factory=dict)


def stakeholder_design(
    answers: pd.DataFrame,
    margins_path,
    citizen_code: int = 1,
    population: float | None = None,
    bounds: tuple[float, float] | None = None,
) -> StakeholderDesign:
    """Weights and strata for the stakeholder questionnaire (citizens raked, organisations not).

    Adds ``weight_population`` (citizens: raked weights summing to the population in each
    wave; organisations: 1), ``weight`` (the same rescaled to mean 1 within wave x group,
    for analysis) and ``stratum``.

    Citizens (``group == citizen_code``) are raked, wave by wave, to the one-way sex,
    age group and municipality margins of ``margins_path`` (:func:`rake_to_reference`);
    citizens who did not give sex or age cannot be raked and are left out (counted in
    ``excluded``). NGOs, businesses and municipal administrations are their own groups,
    not weighted to a population: weight 1. Strata follow the sampling: wave x group x
    municipality for citizens (municipality quotas), wave x group for organisations;
    every respondent is a PSU.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research import paths
    >>> import itertools
    >>> citizens = pd.DataFrame(list(itertools.product([1, 2], [1, 2, 3, 4], range(1, 9))),
    ...                         columns=["sex", "age_band", "municipality"]).assign(wave=1, group=1)
    >>> ngos = pd.DataFrame({"sex": [1, None], "age_band": [2, None], "municipality": [1, 1],
    ...                      "wave": 1, "group": 2})
    >>> sd = stakeholder_design(pd.concat([citizens, ngos], ignore_index=True),
    ...                         paths.resolve("data/reference/population_margins.csv"))
    >>> sd.data["weight"].tolist()[-2:], sd.excluded["n_excluded"].tolist()
    ([1.0, 1.0], [0])
    >>> sd.data["stratum"].iloc[[0, -1]].tolist()
    ['1-1-1', '1-2']
    """
    for column in ("wave", "group", "sex", "age_band", "municipality"):
        _column(answers, column, "stakeholder design")
    margins, recodes = reference_margins(margins_path, population)
    citizen = answers["group"] == citizen_code
    unraked = citizen & (answers["sex"].isna() | answers["age_band"].isna())
    excluded = (
        unraked.groupby(answers["wave"])
        .sum()
        .rename("n_excluded")
        .rename_axis("wave")
        .reset_index()
    )
    excluded["n_excluded"] = excluded["n_excluded"].astype(np.int64)
    data = answers[~unraked].copy()
    citizens = data["group"] == citizen_code
    weight = pd.Series(1.0, index=data.index)
    if citizens.any():
        weight[citizens] = rake_to_reference(
            data[citizens], margins_path, population=population, by="wave", bounds=bounds
        )
    data["weight_population"] = weight
    # Analysis weight: mean 1 within wave x group. Domain means, their SEs and group
    # differences do not change with a constant factor inside a group, but tables that
    # pool groups (Rao-Scott, Cramer's V, eta squared) then count every group with its
    # sample size instead of letting the population-sized citizen weights swamp the rest.
    data["weight"] = weight / weight.groupby([data["wave"], data["group"]]).transform("mean")
    stratum = data["wave"].astype(str) + "-" + data["group"].astype(str)
    data["stratum"] = stratum.where(~citizens, stratum + "-" + data["municipality"].astype(str))
    # the categories each citizen was raked on, and the raked population (one per wave)
    rake_columns = []
    for variable, (survey_variable, code_map) in recodes.items():
        data[f"rake_{variable}"] = (
            data[survey_variable].map(code_map).where(citizens).astype("Int64")
        )
        rake_columns.append(f"rake_{variable}")
    data["rake_group"] = data["wave"].where(citizens).astype("Int64")
    pop = float(sum(next(iter(margins.values())).values()))
    calibration = {"calibration": rake_columns, "calibration_group": "rake_group"}
    return StakeholderDesign(data.reset_index(drop=True), excluded, pop, calibration)


#: Constructs of the stakeholder questionnaire scored as the mean of their answered items.
STAKEHOLDER_SCORES = (
    "public_image",
    "admin_image",
    "sat_services",
    "impartiality",
    "responsiveness",
)


def stakeholder_scores(answers: pd.DataFrame, codebook) -> pd.DataFrame:
    """Analysis columns of the stakeholder questionnaire, one row per respondent.

    Construct scores (:data:`STAKEHOLDER_SCORES`, mean of the answered items with
    reverse keys, at least half of the items answered; ``ruse_research.stats.scales.score``)
    and 0/1 indicators with missing kept missing: ``aware_yes`` (knows the
    administration's role: 1 = yes, 0 = no) and ``contact_yes`` (contact in the last 12
    months).

    Examples
    --------
    >>> from ruse_research import paths
    >>> from ruse_research.data import codebook, io
    >>> book = codebook.load_codebook("stakeholders")
    >>> answers = io.read_survey(paths.resolve("data/raw/stakeholders.csv"), book)
    >>> list(stakeholder_scores(answers, book).columns)
    ['public_image', 'admin_image', 'sat_services', 'impartiality', 'responsiveness', 'aware_yes', 'contact_yes']
    """
    from ruse_research.stats import scales

    parts = []
    for construct in STAKEHOLDER_SCORES:
        keys = scales.codebook_keys(codebook, [construct])
        parts.append(scales.score(answers, **keys.kwargs()))
    out = pd.concat(parts, axis=1)
    for source, target in (("aware_role", "aware_yes"), ("contact_12m", "contact_yes")):
        codes = _column(answers, source, "stakeholder").astype("Float64")
        out[target] = (codes == 1).astype("Float64").where(codes.isin([1, 2]))
    return out
