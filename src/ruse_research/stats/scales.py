"""Multi-item scales: reliability (alpha with reverse keys, omega) and scale scores.

Three public functions:

* :func:`reliability` -- Cronbach's alpha with a Feldt confidence interval on the complete
  cases, standardized alpha, McDonald's omega total, and per item the item-rest correlation,
  alpha-if-item-deleted and one-factor loading. Warns when an item correlates negatively with
  the rest of its scale (a reverse key is probably missing).
* :func:`omega` / :func:`omega_from_corr` -- omega total from a one-factor minres model, or
  omega total and omega hierarchical from a Schmid-Leiman transformation of an oblimin
  solution (the estimator of R ``psych::omega``).
* :func:`score` -- scale scores as the mean of the answered (reverse-keyed) items when at
  least ``min_items`` were answered.

Likert answers are ordinal; alpha and omega treat them as interval (Pearson covariances).
That is the convention of the published instruments this package adapts, and the report
says so beside the numbers.

Estimators, and where they come from
------------------------------------
* alpha = k/(k-1) * (1 - sum of item variances / variance of the sum), from the item
  covariance matrix (``pingouin.cronbach_alpha`` computes it; it matches ``psych::alpha``).
* Feldt CI: ``1 - (1 - alpha) * F(q; n-1, (n-1)(k-1))`` (Feldt, Woodruff & Salih 1987),
  the formula of ``psych::alpha.ci`` and pingouin -- but with n = complete cases. psych and
  pingouin use every row, which gives too narrow an interval when rows are incomplete.
* standardized alpha = k*r/(1 + (k-1)*r) with r the mean inter-item correlation, from the
  correlation matrix of the same rows (``psych`` >= 2.4.1 uses ``cor(x, use=...)``).
* omega total = (V_t - sum u2) / V_t with V_t the sum of the correlation matrix and u2 the
  uniquenesses of a minres (unweighted least squares) factor model, as ``psych::omegah``.
  With one factor this is McDonald's omega total for a congeneric scale.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats import scales
>>> df = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 4, 2, 3], "q2": [2, 2, 3, 5, 4, 4, 1, 3],
...                    "q3": [5, 4, 3, 1, 2, 2, 4, 3]})
>>> rel = scales.reliability(df, ["q1", "q2", "q3"], reverse=["q3"], scale_min=1, scale_max=5)
>>> round(float(rel.summary.loc[0, "alpha"]), 3)
0.96
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ruse_research.errors import RuseError

__all__ = [
    "NegativeItemWarning",
    "ScaleKeys",
    "codebook_keys",
    "OmegaResult",
    "Reliability",
    "ScaleError",
    "omega",
    "omega_from_corr",
    "reliability",
    "score",
]

MISSING_METHODS = ("listwise", "pairwise", "median")

SUMMARY_COLUMNS = [
    "scale",
    "n_items",
    "n",
    "n_any",
    "alpha",
    "ci_low",
    "ci_high",
    "std_alpha",
    "omega_total",
    "average_r",
    "n_negative",
    "missing",
]
ITEM_COLUMNS = [
    "scale",
    "item",
    "reversed",
    "n",
    "mean",
    "sd",
    "item_rest_r",
    "alpha_if_deleted",
    "loading",
    "negative",
]


class ScaleError(RuseError):
    """Bad input to a scale function (unknown column, too few items or answers, bad keys)."""


class NegativeItemWarning(UserWarning):
    """An item correlates negatively with the rest of its scale after reverse keying."""


@dataclass(frozen=True)
class Reliability:
    """Result of :func:`reliability`.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per scale, columns ``SUMMARY_COLUMNS``: ``scale``, ``n_items``, ``n``
        (complete cases, the n of the CI), ``n_any`` (rows with at least one answer),
        ``alpha``, ``ci_low``, ``ci_high`` (Feldt), ``std_alpha``, ``omega_total``,
        ``average_r`` (mean inter-item correlation), ``n_negative`` (items with a negative
        item-rest correlation) and ``missing`` (the missing-data treatment).
    items : pandas.DataFrame
        One row per item, columns ``ITEM_COLUMNS``: ``scale``, ``item``, ``reversed``, ``n``
        (answers used), ``mean`` and ``sd`` (after reverse keying), ``item_rest_r``,
        ``alpha_if_deleted``, ``loading`` (one-factor minres) and ``negative`` (flag).
    """

    summary: pd.DataFrame
    items: pd.DataFrame


@dataclass(frozen=True)
class OmegaResult:
    """Result of :func:`omega` / :func:`omega_from_corr`.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row: ``n_items``, ``nfactors``, ``omega_total``, ``omega_hierarchical`` (NaN for
        one factor, where it is not meaningful), ``alpha`` (standardized, from the same
        correlation matrix), ``n`` (rows behind the correlations, NaN for a matrix input).
    loadings : pandas.DataFrame
        One row per item: ``item``, ``g`` (general / single factor loading), ``F1*``...
        (Schmid-Leiman group loadings, only when ``nfactors`` > 1), ``h2`` (communality),
        ``u2`` (uniqueness).
    """

    summary: pd.DataFrame
    loadings: pd.DataFrame


@dataclass(frozen=True)
class ScaleKeys:
    """Items, reverse keys and response-scale bounds of constructs, from a codebook.

    Pass them on as keyword arguments: ``reliability(df, **keys.kwargs())`` or
    ``score(df, **keys.kwargs())``.
    """

    items: dict[str, list[str]]
    reverse: list[str]
    scale_min: float
    scale_max: float

    def kwargs(self) -> dict:
        return {
            "items": self.items,
            "reverse": self.reverse,
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
        }


def codebook_keys(codebook, constructs: Sequence[str] | None = None) -> ScaleKeys:
    """Scale definitions (items, reverse keys, bounds) of ``constructs`` from a codebook.

    Parameters
    ----------
    codebook : ruse_research.data.codebook.Codebook
        Uses ``constructs``, ``construct_items``, ``reverse_keyed`` and ``valid_codes``.
    constructs : list of str, optional
        Construct ids, default all constructs of the codebook in file order.

    Returns
    -------
    ScaleKeys
        The bounds are the lowest and highest substantive code ("don't know" and missing
        codes excluded), which must be the same for every item of the constructs.

    Examples
    --------
    >>> from ruse_research.data.codebook import load_codebook
    >>> keys = codebook_keys(load_codebook("staff"), ["att_participation"])
    >>> keys.reverse, keys.scale_min, keys.scale_max
    (['att_cost_1', 'att_cost_2', 'att_cost_3'], 1.0, 5.0)
    """
    names = list(codebook.constructs) if constructs is None else list(constructs)
    if not names:
        raise ScaleError("no constructs given")
    items: dict[str, list[str]] = {}
    reverse: list[str] = []
    bounds: set[tuple[float, float]] = set()
    for name in names:
        if name not in codebook.constructs:
            raise ScaleError(f"no construct {name!r} in the {codebook.instrument} codebook")
        items[name] = list(codebook.construct_items(name))
        reverse += list(codebook.reverse_keyed(name))
        for item in items[name]:
            codes = codebook.valid_codes(item)
            bounds.add((float(min(codes)), float(max(codes))))
    if len(bounds) != 1:
        raise ScaleError(f"constructs {names} mix response scales with bounds {sorted(bounds)}")
    low, high = bounds.pop()
    return ScaleKeys(items=items, reverse=reverse, scale_min=low, scale_max=high)


# ----------------------------------------------------------------------------------------
# input checks and keying
# ----------------------------------------------------------------------------------------


def _scale_map(items: Sequence[str] | Mapping[str, Sequence[str]], name: str | None):
    if isinstance(items, Mapping):
        mapping = {str(k): list(v) for k, v in items.items()}
    elif isinstance(items, str):
        raise ScaleError(f"items must be a list of column names, got the single string {items!r}")
    else:
        mapping = {name or "scale": list(items)}
    for scale, cols in mapping.items():
        if len(cols) < 2:
            raise ScaleError(f"scale {scale!r} needs at least 2 items, got {len(cols)}")
        if len(set(cols)) != len(cols):
            raise ScaleError(f"scale {scale!r} lists an item twice: {cols}")
    return mapping


def _numeric(data: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ScaleError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ScaleError(f"columns not in the data: {', '.join(map(str, missing))}")
    out = {}
    for c in cols:
        col = data[c]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            raise ScaleError(f"column {c!r} is not numeric (dtype {col.dtype})")
        out[c] = col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame(out, index=data.index)


def _keyed(
    frame: pd.DataFrame,
    reverse: Iterable[str] | None,
    scale_min: float | None,
    scale_max: float | None,
    require_bounds: bool,
) -> tuple[pd.DataFrame, set[str]]:
    """Reverse-key the ``reverse`` columns as ``scale_min + scale_max - x``.

    Without bounds the observed minimum and maximum over all columns are used (the
    convention of ``psych::alpha``); alpha, correlations and omega do not depend on the
    constant, scale means do -- so :func:`score` requires the bounds.
    """
    rev = set(reverse or [])
    unknown = sorted(rev - set(frame.columns))
    if unknown:
        raise ScaleError(f"reverse-keyed items not in the scale: {', '.join(unknown)}")
    if (scale_min is None) != (scale_max is None):
        raise ScaleError("give both scale_min and scale_max, or neither")
    if scale_min is not None:
        if not scale_min < scale_max:
            raise ScaleError(f"scale_min ({scale_min}) must be below scale_max ({scale_max})")
        values = frame.to_numpy()
        outside = np.isfinite(values) & ((values < scale_min) | (values > scale_max))
        if outside.any():
            col = frame.columns[np.argwhere(outside)[0][1]]
            bad = values[outside][0]
            raise ScaleError(
                f"item {col!r} has value {bad:g} outside the scale range "
                f"[{scale_min:g}, {scale_max:g}]"
            )
        low, high = float(scale_min), float(scale_max)
    elif rev:
        if require_bounds:
            raise ScaleError("reverse-keyed items need scale_min and scale_max")
        low, high = float(np.nanmin(frame.to_numpy())), float(np.nanmax(frame.to_numpy()))
    else:
        return frame, rev
    out = frame.copy()
    for c in rev:
        out[c] = low + high - out[c]
    return out, rev


def _feldt_ci(alpha: float, n: int, k: int, ci: float) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987) interval, as in psych::alpha.ci and pingouin."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci) / 2
    low = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(low), float(high)


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if not total > 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov) / total))


def _check_ci(ci: float) -> None:
    if not 0 < ci < 1:
        raise ScaleError(f"ci must be between 0 and 1, got {ci}")


# ----------------------------------------------------------------------------------------
# factor models: minres extraction, oblimin rotation, Schmid-Leiman
# ----------------------------------------------------------------------------------------


def _smc(corr: np.ndarray) -> np.ndarray:
    """Squared multiple correlations (1 - 1/diag(R^-1)); pseudo-inverse if R is singular."""
    inv = np.linalg.pinv(corr)
    return np.clip(1 - 1 / np.diag(inv), 0.0, 1.0)


def _loadings_for(psi: np.ndarray, corr: np.ndarray, nfactors: int) -> np.ndarray:
    reduced = corr.copy()
    np.fill_diagonal(reduced, 1 - psi)
    values, vectors = np.linalg.eigh(reduced)
    order = np.argsort(values)[::-1][:nfactors]
    return vectors[:, order] * np.sqrt(np.maximum(values[order], 0))


def _minres(corr: np.ndarray, nfactors: int) -> np.ndarray:
    """Minimum-residual (unweighted least squares) factor loadings, unrotated.

    Minimises the sum of squared residuals of the reduced correlation matrix over the
    uniquenesses, starting from 1 - SMC with bounds [0.005, 1] -- the objective, start and
    bounds of ``fa(fm="minres")`` in R psych. Columns are signed to have positive sums.
    """

    def objective(psi: np.ndarray) -> float:
        load = _loadings_for(psi, corr, nfactors)
        reduced = corr.copy()
        np.fill_diagonal(reduced, 1 - psi)
        return float(((reduced - load @ load.T) ** 2).sum())

    start = np.clip(1 - _smc(corr), 0.005, 1.0)
    fit = optimize.minimize(
        objective,
        start,
        method="L-BFGS-B",
        bounds=[(0.005, 1.0)] * corr.shape[0],
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000},
    )
    load = _loadings_for(fit.x, corr, nfactors)
    signs = np.where(load.sum(axis=0) < 0, -1.0, 1.0)
    return load * signs


def _quartimin(loadings: np.ndarray) -> tuple[float, np.ndarray]:
    """Oblimin criterion with gamma = 0 (quartimin) and its gradient (GPArotation vgQ.oblimin)."""
    sq = loadings**2
    k = loadings.shape[1]
    off = np.ones((k, k)) - np.eye(k)
    x = sq @ off
    return float((sq * x).sum() / 4), loadings * x


def _oblimin(loadings: np.ndarray, seed: int = 20190118, n_starts: int = 10):
    """Direct oblimin (quartimin) rotation by gradient projection (Bernaards & Jennrich 2005).

    Runs GPFoblq from the identity and ``n_starts - 1`` seeded random orthogonal starts and
    keeps the lowest criterion, so a local minimum is unlikely and the result reproducible.
    Returns the pattern matrix and the factor correlation matrix Phi.
    """
    k = loadings.shape[1]
    rng = np.random.default_rng(seed)
    starts = [np.eye(k)] + [
        np.linalg.qr(rng.standard_normal((k, k)))[0] for _ in range(n_starts - 1)
    ]
    best = None
    for start in starts:
        t = start
        pattern = loadings @ np.linalg.inv(t).T
        f, gq = _quartimin(pattern)
        grad = -(pattern.T @ gq @ np.linalg.inv(t)).T
        step = 1.0
        for _ in range(2000):
            proj = grad - t @ np.diag((t * grad).sum(axis=0))
            if math.sqrt((proj**2).sum()) < 1e-8:
                break
            step *= 2
            for _ in range(11):
                cand = t - step * proj
                cand = cand / np.sqrt((cand**2).sum(axis=0))
                cand_pattern = loadings @ np.linalg.inv(cand).T
                cand_f, cand_gq = _quartimin(cand_pattern)
                if f - cand_f > 0.5 * (proj**2).sum() * step:
                    break
                step /= 2
            t, pattern, f = cand, cand_pattern, cand_f
            grad = -(pattern.T @ cand_gq @ np.linalg.inv(t)).T
        if best is None or f < best[0] - 1e-12:
            best = (f, pattern, t.T @ t)
    _, pattern, phi = best
    # sign each factor to a positive loading sum and order by explained variance (as psych)
    signs = np.where(pattern.sum(axis=0) < 0, -1.0, 1.0)
    pattern = pattern * signs
    phi = phi * np.outer(signs, signs)
    order = np.argsort(-(pattern**2).sum(axis=0), kind="stable")
    return pattern[:, order], phi[np.ix_(order, order)]


def _schmid_leiman(corr: np.ndarray, nfactors: int):
    """Schmid-Leiman general and group loadings from an oblimin minres solution (psych::schmid)."""
    orth = _minres(corr, nfactors)
    h2 = (orth**2).sum(axis=1)
    pattern, phi = _oblimin(orth)
    if nfactors == 2:
        # two factors do not identify a higher-order factor; psych's option="equal"
        g_of_factor = np.full(2, math.sqrt(abs(phi[0, 1])))
        g_of_factor[1] *= np.sign(phi[0, 1]) or 1.0
    else:
        g_of_factor = _minres(phi, 1)[:, 0]
    general = pattern @ g_of_factor
    group = pattern * np.sqrt(np.clip(1 - g_of_factor**2, 0, None))
    return general, group, h2


def omega_from_corr(corr: pd.DataFrame | np.ndarray, nfactors: int = 1, n: int | None = None):
    """Omega total (and omega hierarchical) from a correlation matrix.

    Parameters
    ----------
    corr : DataFrame or ndarray
        Square correlation matrix of items already reverse keyed (column names become item
        names).
    nfactors : int, default 1
        1 gives omega total of a one-factor (congeneric) minres model. With 2 or more a
        minres solution is rotated by oblimin and transformed by Schmid-Leiman to give
        omega hierarchical (general factor) besides omega total, as ``psych::omega``; with
        exactly 2 the general loadings are set equal (psych's ``option="equal"``).
    n : int, optional
        Number of rows behind the correlations, reported in the summary.

    Returns
    -------
    OmegaResult

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.stats.scales import omega_from_corr
    >>> lam = np.array([0.8, 0.7, 0.6, 0.5])
    >>> corr = np.outer(lam, lam)
    >>> np.fill_diagonal(corr, 1.0)
    >>> round(float(omega_from_corr(corr).summary.loc[0, "omega_total"]), 4)
    0.7494
    """
    names = list(corr.columns) if isinstance(corr, pd.DataFrame) else None
    r = np.asarray(corr, dtype=float)
    if r.ndim != 2 or r.shape[0] != r.shape[1]:
        raise ScaleError(f"a correlation matrix must be square, got shape {r.shape}")
    if not np.all(np.isfinite(r)):
        raise ScaleError("the correlation matrix has missing values (too few answers per pair?)")
    if not np.allclose(r, r.T, atol=1e-10) or not np.allclose(np.diag(r), 1.0):
        raise ScaleError("not a correlation matrix: it must be symmetric with ones on the diagonal")
    k = r.shape[0]
    if k < 3:
        raise ScaleError(f"omega needs at least 3 items, got {k}")
    if not isinstance(nfactors, int | np.integer) or not 1 <= nfactors < k:
        raise ScaleError(f"nfactors must be an integer from 1 to {k - 1}, got {nfactors!r}")
    names = names or [f"V{i + 1}" for i in range(k)]
    total_variance = r.sum()
    if nfactors == 1:
        load = _minres(r, 1)[:, 0]
        h2 = load**2
        general, group = load, np.empty((k, 0))
        omega_h = float("nan")
    else:
        general, group, h2 = _schmid_leiman(r, nfactors)
        omega_h = float(general.sum() ** 2 / total_variance)
    u2 = 1 - h2
    omega_t = float((total_variance - u2.sum()) / total_variance)
    mean_r = (total_variance - k) / (k * (k - 1))
    std_alpha = k * mean_r / (1 + (k - 1) * mean_r)
    summary = pd.DataFrame(
        {
            "n_items": [k],
            "nfactors": [int(nfactors)],
            "omega_total": [omega_t],
            "omega_hierarchical": [omega_h],
            "alpha": [float(std_alpha)],
            "n": [float("nan") if n is None else n],
        }
    )
    loadings = pd.DataFrame({"item": names, "g": general})
    for j in range(group.shape[1]):
        loadings[f"F{j + 1}*"] = group[:, j]
    loadings["h2"] = h2
    loadings["u2"] = u2
    return OmegaResult(summary=summary, loadings=loadings)


def omega(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    reverse: Iterable[str] | None = None,
    nfactors: int = 1,
    missing: str = "listwise",
) -> OmegaResult:
    """McDonald's omega from item responses.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : list of str, optional
        Item columns (default: all columns).
    reverse : list of str, optional
        Reverse-keyed items; their correlations change sign (no scale bounds needed).
    nfactors : int, default 1
        See :func:`omega_from_corr`.
    missing : {"listwise", "pairwise", "median"}, default "listwise"
        Correlations from complete cases, from all pairs (``psych::omega``'s default), or
        after replacing missing answers by the item median.

    Returns
    -------
    OmegaResult

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.scales import omega
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3],
    ...                    "c": [1, 3, 3, 4, 4, 2], "d": [5, 4, 3, 2, 1, 3]})
    >>> res = omega(df, reverse=["d"])
    >>> 0 < float(res.summary.loc[0, "omega_total"]) <= 1
    True
    """
    cols = list(data.columns) if items is None else list(items)
    frame, _ = _keyed(_numeric(data, cols), reverse, None, None, require_bounds=False)
    frame, n = _prepared(frame, missing)
    corr = frame.corr() if missing == "pairwise" else frame.dropna().corr()
    return omega_from_corr(corr, nfactors=nfactors, n=n)


def _prepared(frame: pd.DataFrame, missing: str) -> tuple[pd.DataFrame, int]:
    """Apply the missing-data treatment; return the frame and the number of complete cases."""
    if missing not in MISSING_METHODS:
        raise ScaleError(f"missing must be one of {', '.join(MISSING_METHODS)}, got {missing!r}")
    complete = frame.dropna()
    n_complete = len(complete)
    if missing == "listwise":
        return complete, n_complete
    if missing == "median":
        return frame.fillna(frame.median()), n_complete
    return frame, n_complete


# ----------------------------------------------------------------------------------------
# reliability
# ----------------------------------------------------------------------------------------


def reliability(
    data: pd.DataFrame,
    items: Sequence[str] | Mapping[str, Sequence[str]],
    reverse: Iterable[str] | None = None,
    scale_min: float | None = None,
    scale_max: float | None = None,
    ci: float = 0.95,
    missing: str = "listwise",
    name: str | None = None,
) -> Reliability:
    """Reliability of one or several multi-item scales.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; item columns numeric (``Int64`` codes are fine, missing
        answers as ``<NA>``/NaN -- code "don't know" as missing before calling).
    items : list of str, or dict of scale name -> list of str
        The items of one scale, or several scales at once.
    reverse : list of str, optional
        Reverse-keyed items, scored ``scale_min + scale_max - x`` before anything else.
    scale_min, scale_max : float, optional
        The response scale's lowest and highest codes. Without them the observed minimum
        and maximum are used for reversing (as ``psych::alpha``); alpha, correlations and
        omega do not change, item means do. Values outside the range are an error.
    ci : float, default 0.95
        Confidence level of the Feldt interval.
    missing : {"listwise", "pairwise", "median"}, default "listwise"
        ``"listwise"``: everything from the complete cases (one n for every number).
        ``"pairwise"``: covariances from all available pairs (the default of
        ``psych::alpha`` and ``pingouin.cronbach_alpha``). ``"median"``: missing answers
        replaced by the item median (the default of ``psych::scoreItems``). In every case the
        CI uses n = complete cases, the conservative effective sample size.
    name : str, optional
        Scale name when ``items`` is a list (default ``"scale"``).

    Returns
    -------
    Reliability
        ``.summary`` (one row per scale) and ``.items`` (one row per item); see
        :class:`Reliability` for the columns.

    Warns
    -----
    NegativeItemWarning
        When an item's item-rest correlation is negative after keying; the item frame's
        ``negative`` column flags it too.

    Raises
    ------
    ScaleError
        Unknown columns, fewer than 2 items, a reverse item outside the scale, values out
        of range, or fewer than 3 complete cases.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.scales import reliability
    >>> df = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 4, 2, 3], "q2": [2, 2, 3, 5, 4, 4, 1, 3],
    ...                    "q3": [5, 4, 3, 1, 2, 2, 4, None]})
    >>> rel = reliability(df, {"demo": ["q1", "q2", "q3"]}, reverse=["q3"],
    ...                   scale_min=1, scale_max=5)
    >>> rel.summary[["scale", "n", "n_any"]].to_dict("records")
    [{'scale': 'demo', 'n': 7, 'n_any': 8}]
    >>> list(rel.items["item"])
    ['q1', 'q2', 'q3']
    """
    _check_ci(ci)
    if missing not in MISSING_METHODS:
        raise ScaleError(f"missing must be one of {', '.join(MISSING_METHODS)}, got {missing!r}")
    mapping = _scale_map(items, name)
    reverse = set(reverse or [])
    all_items = {c for cols in mapping.values() for c in cols}
    stray = sorted(reverse - all_items)
    if stray:
        raise ScaleError(f"reverse-keyed items not in any scale: {', '.join(stray)}")

    summaries, item_frames = [], []
    for scale, cols in mapping.items():
        raw = _numeric(data, cols)
        keyed, rev = _keyed(raw, reverse & set(cols), scale_min, scale_max, require_bounds=False)
        summary, item_frame = _one_scale(scale, keyed, rev, ci, missing)
        summaries.append(summary)
        item_frames.append(item_frame)
    return Reliability(
        summary=pd.DataFrame(summaries, columns=SUMMARY_COLUMNS),
        items=pd.concat(item_frames, ignore_index=True)[ITEM_COLUMNS],
    )


def _one_scale(scale: str, keyed: pd.DataFrame, rev: set[str], ci: float, missing: str):
    k = keyed.shape[1]
    n_any = int(keyed.notna().any(axis=1).sum())
    frame, n_complete = _prepared(keyed, missing)
    if n_complete < 3:
        raise ScaleError(
            f"scale {scale!r} has {n_complete} complete cases; reliability needs at least 3"
        )
    cov = frame.cov().to_numpy()
    corr_frame = frame.corr()
    if np.any(np.diag(cov) <= 0):
        constant = [c for c, v in zip(frame.columns, np.diag(cov), strict=True) if v <= 0]
        raise ScaleError(f"scale {scale!r}: item(s) without variance: {', '.join(constant)}")

    # pingouin computes alpha (pairwise covariances unless the frame is already complete);
    # its CI uses all rows, so the Feldt interval is recomputed with the complete cases.
    import pingouin as pg  # imported here: pingouin takes seconds to import (seaborn, sklearn)

    alpha = float(pg.cronbach_alpha(data=frame, nan_policy="pairwise")[0])
    ci_low, ci_high = _feldt_ci(alpha, n_complete, k, ci)

    corr = corr_frame.to_numpy()
    mean_r = float(corr[~np.eye(k, dtype=bool)].mean())
    std_alpha = k * mean_r / (1 + (k - 1) * mean_r)
    omega_t, loadings = float("nan"), np.full(k, np.nan)
    if k >= 3 and np.all(np.isfinite(corr)):
        om = omega_from_corr(corr_frame, nfactors=1, n=n_complete)
        omega_t = float(om.summary.loc[0, "omega_total"])
        loadings = om.loadings["g"].to_numpy()

    rest_r, alpha_drop = [], []
    for i in range(k):
        keep = [j for j in range(k) if j != i]
        rest_cov = cov[np.ix_(keep, keep)]
        rest_r.append(float(cov[i, keep].sum() / math.sqrt(cov[i, i] * rest_cov.sum())))
        alpha_drop.append(_alpha_from_cov(rest_cov) if k > 2 else float("nan"))

    item_frame = pd.DataFrame(
        {
            "scale": scale,
            "item": list(frame.columns),
            "reversed": [c in rev for c in frame.columns],
            "n": frame.notna().sum().astype(int).to_numpy(),
            "mean": frame.mean().to_numpy(),
            "sd": frame.std().to_numpy(),
            "item_rest_r": rest_r,
            "alpha_if_deleted": alpha_drop,
            "loading": loadings,
        }
    )
    item_frame["negative"] = item_frame["item_rest_r"] < 0
    negative = item_frame.loc[item_frame["negative"]]
    if len(negative):
        listed = ", ".join(f"{r.item} (r = {r.item_rest_r:.2f})" for r in negative.itertuples())
        warnings.warn(
            f"scale {scale!r}: item(s) correlating negatively with the rest of the scale: "
            f"{listed}; check the reverse keying",
            NegativeItemWarning,
            stacklevel=3,
        )
    summary = [
        scale,
        k,
        n_complete,
        n_any,
        alpha,
        ci_low,
        ci_high,
        float(std_alpha),
        omega_t,
        mean_r,
        int(len(negative)),
        missing,
    ]
    return summary, item_frame


# ----------------------------------------------------------------------------------------
# scores
# ----------------------------------------------------------------------------------------


def score(
    data: pd.DataFrame,
    items: Sequence[str] | Mapping[str, Sequence[str]],
    reverse: Iterable[str] | None = None,
    scale_min: float | None = None,
    scale_max: float | None = None,
    min_items: int | None = None,
    name: str | None = None,
) -> pd.Series | pd.DataFrame:
    """Scale scores: the mean of the answered items, reverse keyed.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : list of str, or dict of scale name -> list of str
        One scale (returns a Series) or several (returns a DataFrame, one column each).
    reverse : list of str, optional
        Reverse-keyed items, scored ``scale_min + scale_max - x``.
    scale_min, scale_max : float, optional
        Response scale bounds; required when ``reverse`` is given (observed bounds could
        be wrong in a small sample, and the score's level depends on them).
    min_items : int, optional
        Least number of answered items for a score; fewer gives ``NaN``. Default: half of
        the scale's items rounded up (the "half rule"). No values are imputed.
    name : str, optional
        Series name when ``items`` is a list (default ``"scale"``).

    Returns
    -------
    Series or DataFrame
        ``float64`` scores with ``data``'s index.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.scales import score
    >>> df = pd.DataFrame({"q1": [4, 2, None], "q2": [5, None, None], "q3": [2, 4, 1]})
    >>> score(df, ["q1", "q2", "q3"], reverse=["q3"], scale_min=1, scale_max=5,
    ...       min_items=2).round(2).tolist()
    [4.33, 2.0, nan]
    """
    mapping = _scale_map(items, name)
    reverse = set(reverse or [])
    stray = sorted(reverse - {c for cols in mapping.values() for c in cols})
    if stray:
        raise ScaleError(f"reverse-keyed items not in any scale: {', '.join(stray)}")
    out = {}
    for scale, cols in mapping.items():
        needed = math.ceil(len(cols) / 2) if min_items is None else int(min_items)
        if not 1 <= needed <= len(cols):
            raise ScaleError(
                f"min_items for scale {scale!r} must be between 1 and {len(cols)}, got {min_items}"
            )
        keyed, _ = _keyed(
            _numeric(data, cols), reverse & set(cols), scale_min, scale_max, require_bounds=True
        )
        answered = keyed.notna().sum(axis=1)
        out[scale] = keyed.mean(axis=1).where(answered >= needed).astype("float64")
    if isinstance(items, Mapping):
        return pd.DataFrame(out, index=data.index)
    return out[next(iter(out))].rename(name or "scale")
