"""Group comparisons and correlations with n, an effect size and a confidence interval.

Likert answers and short-scale scores are ordinal, so the primary tests are rank based:

* :func:`kruskal_wallis` -- Kruskal-Wallis H with epsilon squared (``H / (n - 1)``, Tomczak &
  Tomczak 2014; ``effectsize::rank_epsilon_squared``) and a seeded percentile bootstrap CI
  that resamples within groups.
* :func:`mann_whitney` / :func:`pairwise_mann_whitney` -- Mann-Whitney U with the
  rank-biserial correlation ``2 U1 / (n1 n2) - 1`` and a Fisher-z CI with
  ``se = sqrt((n1 + n2 + 1) / (3 n1 n2))`` (``effectsize::rank_biserial``); pairwise tables
  are Holm corrected by default (pingouin's ``pairwise_tests`` defaults to no correction).
* paired before/after tests (Wilcoxon signed-rank, paired t) are in
  :mod:`ruse_research.stats.paired`.
* :func:`spearman` -- Spearman's rho with a Fisher-z CI using the Bonett & Wright (2000)
  standard error ``sqrt((1 + rho^2 / 2) / (n - 3))``.
* :func:`group_means` -- means with t-based CIs, a secondary view beside the rank tests.
* :func:`rank_tests` -- Kruskal-Wallis for several outcomes and grouping variables at once,
  Holm corrected across the family.

Every function returns a tidy DataFrame with stable columns, drops missing values pairwise
for its own variables and reports the n it used.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats import compare
>>> df = pd.DataFrame({"score": [1, 2, 2, 3, 4, 4, 5, 5], "unit": list("aaaabbbb")})
>>> compare.mann_whitney(df, "score", "unit")[["n_1", "n_2", "U", "r_rb"]]
   n_1  n_2    U  r_rb
0    4    4  0.0  -1.0
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ruse_research.errors import RuseError
from ruse_research.memo import memoized
from ruse_research.stats.adjust import METHODS, adjust

__all__ = [
    "ComparisonError",
    "group_means",
    "kruskal_wallis",
    "mann_whitney",
    "means",
    "pairwise_mann_whitney",
    "rank_tests",
    "spearman",
]

DEFAULT_SEED = 20190118
PADJUST_METHODS = METHODS


class ComparisonError(RuseError):
    """Bad input to a comparison (unknown column, too few cases or groups, bad option)."""


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------


def _check_frame(data: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ComparisonError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ComparisonError(f"columns not in the data: {', '.join(map(str, missing))}")


def _as_float(data: pd.DataFrame, column: str) -> pd.Series:
    col = data[column]
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
        raise ComparisonError(f"column {column!r} is not numeric (dtype {col.dtype})")
    return pd.Series(
        col.astype("Float64").to_numpy(dtype=float, na_value=np.nan), index=data.index, name=column
    )


def _check_ci(ci: float) -> None:
    if not 0 < ci < 1:
        raise ComparisonError(f"ci must be between 0 and 1, got {ci}")


def _check_padjust(padjust: str) -> None:
    if padjust not in PADJUST_METHODS:
        raise ComparisonError(
            f"padjust must be one of {', '.join(PADJUST_METHODS)}, got {padjust!r}"
        )


def _adjust(pvalues: Sequence[float], padjust: str) -> np.ndarray:
    return adjust(pvalues, padjust)


def _groups(
    data: pd.DataFrame, dv: str, between: str, min_group_size: int
) -> tuple[list, list[np.ndarray], list]:
    """Split ``dv`` by ``between`` (missing values dropped), in the column's natural order.

    Groups with fewer than ``min_group_size`` answers are dropped and returned separately.
    """
    _check_frame(data, [dv, between])
    if not isinstance(min_group_size, int | np.integer) or min_group_size < 1:
        raise ComparisonError(f"min_group_size must be a positive integer, got {min_group_size!r}")
    values = _as_float(data, dv)
    key = data[between]
    keep = values.notna() & key.notna()
    values, key = values[keep], key[keep]
    if isinstance(key.dtype, pd.CategoricalDtype):
        labels = [c for c in key.cat.categories if (key == c).any()]
    else:
        labels = sorted(key.unique().tolist(), key=lambda v: (str(type(v)), v))
    kept, arrays, dropped = [], [], []
    for label in labels:
        arr = values[key == label].to_numpy(dtype=float)
        if len(arr) >= min_group_size:
            kept.append(label)
            arrays.append(arr)
        else:
            dropped.append(label)
    return kept, arrays, dropped


def _fisher_ci(r: float, se: float, ci: float, cells: float | None = None) -> tuple[float, float]:
    """Interval for a correlation-type effect via Fisher's z: tanh(atanh(r) -/+ q * se).

    At |r| = 1 the z scale is infinite and the interval would collapse onto the estimate.
    For rank-biserial correlations ``cells`` is the number of pair comparisons behind r
    (n1 * n2, or m(m+1)/2 signed-rank units); the interval is then centred on the half-count
    value +/-(1 - 1/cells), as if half a comparison had gone the other way, and its outer
    bound is +/-1, so it still holds the reported estimate of +/-1.
    """
    if not np.isfinite(r) or not np.isfinite(se):
        return float("nan"), float("nan")
    limit = 1 - 1 / cells if cells else 1 - 1e-12
    q = stats.norm.ppf(1 - (1 - ci) / 2)
    z = math.atanh(min(max(r, -limit), limit))
    low, high = math.tanh(z - q * se), math.tanh(z + q * se)
    if r >= limit:
        high = 1.0
    elif r <= -limit:
        low = -1.0
    return float(low), float(high)


def _kruskal_h(groups: Sequence[np.ndarray]) -> float:
    """Kruskal-Wallis H with the tie correction (as scipy.stats.kruskal); 0 if all values tie."""
    pooled = np.concatenate(groups)
    n = len(pooled)
    ranks = stats.rankdata(pooled)
    sizes = [len(g) for g in groups]
    bounds = np.cumsum([0, *sizes])
    rank_sums = np.array([ranks[bounds[i] : bounds[i + 1]].sum() for i in range(len(groups))])
    h = 12 / (n * (n + 1)) * np.sum(rank_sums**2 / np.array(sizes)) - 3 * (n + 1)
    _, counts = np.unique(pooled, return_counts=True)
    correction = 1 - np.sum(counts**3 - counts) / (n**3 - n)
    return float(h / correction) if correction > 0 else 0.0


def _epsilon_squared(*groups: np.ndarray) -> float:
    n = sum(len(g) for g in groups)
    return _kruskal_h(groups) / (n - 1)


def _epsilon_squared_batch(*groups: np.ndarray, axis: int = -1) -> np.ndarray:
    """Epsilon squared for a batch of resamples at once (``scipy.stats.bootstrap`` with
    ``vectorized=True``): each group is an array ``(..., n_i)``; the result has shape ``(...)``.

    Same formula as :func:`_epsilon_squared` (H with the tie correction, divided by n - 1), with
    ranks taken along the last axis, so the bootstrap costs one numpy pass instead of a Python
    loop over thousands of resamples.
    """
    groups = [np.moveaxis(np.asarray(g, dtype=float), axis, -1) for g in groups]
    pooled = np.concatenate(groups, axis=-1)
    n = pooled.shape[-1]
    ranks = stats.rankdata(pooled, axis=-1)
    sizes = np.array([g.shape[-1] for g in groups], dtype=float)
    bounds = np.cumsum([0, *[g.shape[-1] for g in groups]])
    rank_sums = np.stack(
        [ranks[..., bounds[i] : bounds[i + 1]].sum(axis=-1) for i in range(len(groups))], axis=-1
    )
    h = 12 / (n * (n + 1)) * np.sum(rank_sums**2 / sizes, axis=-1) - 3 * (n + 1)
    values = np.unique(pooled)
    counts = (pooled[..., None] == values).sum(axis=-2)  # ties per distinct value, per resample
    correction = 1 - np.sum(counts**3 - counts, axis=-1) / (n**3 - n)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(correction > 0, h / correction, 0.0)
    return h / (n - 1)


# ----------------------------------------------------------------------------------------
# independent groups
# ----------------------------------------------------------------------------------------


@memoized  # the bg and en runs of a study share it (ruse_research.memo)
def _epsilon_squared_ci(groups: tuple[np.ndarray, ...], n_boot: int, ci: float, seed: int) -> tuple[float, float]:
    """Seeded percentile-bootstrap CI of epsilon squared (groups resampled within themselves)."""
    boot = stats.bootstrap(
        groups,
        _epsilon_squared_batch,
        n_resamples=n_boot,
        vectorized=True,
        batch=500,  # bounds memory: 500 resamples x n x distinct values of booleans
        paired=False,
        confidence_level=ci,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(boot.confidence_interval.low), float(boot.confidence_interval.high)


def kruskal_wallis(
    data: pd.DataFrame,
    dv: str,
    between: str,
    ci: float = 0.95,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    min_group_size: int = 1,
) -> pd.DataFrame:
    """Kruskal-Wallis test with epsilon squared and a bootstrap CI.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    dv : str
        Numeric outcome (item codes or scale scores).
    between : str
        Grouping column.
    ci : float, default 0.95
        Confidence level.
    n_boot : int, default 2000
        Bootstrap resamples for the CI of epsilon squared (percentile method; each group is
        resampled within itself, so group sizes stay fixed). 0 skips the CI, and so does an
        outcome on which every answer ties (H = 0). The lower bound is above 0 even when the
        groups do not differ, because epsilon squared cannot be negative.
    seed : int
        Seed of the bootstrap's random generator (same seed, same interval).
    min_group_size : int, default 1
        Groups with fewer answers are left out (listed in ``dropped_groups``); use 5 for
        published tables.

    Returns
    -------
    DataFrame
        One row: ``dv``, ``between``, ``n``, ``n_groups``, ``H``, ``df``, ``p``,
        ``epsilon_sq``, ``ci_low``, ``ci_high``, ``dropped_groups``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.compare import kruskal_wallis
    >>> x = [2.9, 3.0, 2.5, 2.6, 3.2, 3.8, 2.7, 4.0, 2.4, 2.8, 3.4, 3.7, 2.2, 2.0]
    >>> df = pd.DataFrame({"fev": x, "group": [1] * 5 + [2] * 4 + [3] * 5})
    >>> res = kruskal_wallis(df, "fev", "group", n_boot=0)
    >>> round(float(res.loc[0, "epsilon_sq"]), 4)
    0.0593
    """
    _check_ci(ci)
    labels, groups, dropped = _groups(data, dv, between, min_group_size)
    if len(groups) < 2:
        raise ComparisonError(
            f"{dv!r} by {between!r}: need at least 2 groups with >= {min_group_size} answers, "
            f"found {len(groups)}"
        )
    n = sum(len(g) for g in groups)
    pooled = np.concatenate(groups)
    if np.all(pooled == pooled[0]):
        h, p = 0.0, 1.0
    else:
        h, p = (float(v) for v in stats.kruskal(*groups))
    eps = h / (n - 1)
    low = high = float("nan")
    if n_boot and h > 0:  # with every answer tied there is nothing to resample
        low, high = _epsilon_squared_ci(tuple(np.asarray(g) for g in groups), int(n_boot), ci, seed)
    return pd.DataFrame(
        {
            "dv": [dv],
            "between": [between],
            "n": [n],
            "n_groups": [len(groups)],
            "H": [h],
            "df": [len(groups) - 1],
            "p": [p],
            "epsilon_sq": [eps],
            "ci_low": [low],
            "ci_high": [high],
            "dropped_groups": [", ".join(map(str, dropped))],
        }
    )


def _mwu_row(x: np.ndarray, y: np.ndarray, ci: float) -> dict:
    n1, n2 = len(x), len(y)
    u1, p = stats.mannwhitneyu(x, y, alternative="two-sided")
    r_rb = 2 * float(u1) / (n1 * n2) - 1
    low, high = _fisher_ci(r_rb, math.sqrt((n1 + n2 + 1) / (3 * n1 * n2)), ci, n1 * n2)
    return {
        "n_1": n1,
        "n_2": n2,
        "median_1": float(np.median(x)),
        "median_2": float(np.median(y)),
        "U": float(u1),
        "p": float(p),
        "r_rb": r_rb,
        "ci_low": low,
        "ci_high": high,
    }


def mann_whitney(
    data: pd.DataFrame,
    dv: str,
    between: str,
    groups: Sequence | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Mann-Whitney U test with the rank-biserial correlation and its CI.

    Parameters
    ----------
    data : DataFrame
    dv : str
        Numeric outcome.
    between : str
        Grouping column.
    groups : pair of labels, optional
        The two groups to compare, first minus second; required when ``between`` has more
        than two groups.
    ci : float, default 0.95

    Returns
    -------
    DataFrame
        One row: ``dv``, ``between``, ``group_1``, ``group_2``, ``n_1``, ``n_2``,
        ``median_1``, ``median_2``, ``U`` (of group 1), ``p`` (two-sided; scipy's exact
        test for small samples without ties, else the normal approximation with continuity
        correction), ``r_rb`` (positive when group 1 tends to be higher), ``ci_low``,
        ``ci_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.compare import mann_whitney
    >>> df = pd.DataFrame({"v": [48, 48, 77, 86, 85, 85, 16, 14, 34, 34, 77],
    ...                    "g": ["A"] * 7 + ["B"] * 4})
    >>> round(float(mann_whitney(df, "v", "g").loc[0, "r_rb"]), 4)
    0.6071
    """
    _check_ci(ci)
    labels, arrays, _ = _groups(data, dv, between, 1)
    if groups is None:
        if len(labels) != 2:
            raise ComparisonError(
                f"{between!r} has {len(labels)} groups; name the two to compare with groups="
            )
        chosen = labels
    else:
        chosen = list(groups)
        if len(chosen) != 2:
            raise ComparisonError(f"groups must name exactly two groups, got {chosen}")
        absent = [g for g in chosen if g not in labels]
        if absent:
            raise ComparisonError(f"groups not found in {between!r}: {absent}")
    x, y = (arrays[labels.index(g)] for g in chosen)
    if len(x) < 1 or len(y) < 1:
        raise ComparisonError(f"{dv!r} by {between!r}: each group needs at least one answer")
    row = {"dv": dv, "between": between, "group_1": chosen[0], "group_2": chosen[1]}
    row.update(_mwu_row(x, y, ci))
    return pd.DataFrame([row])


def pairwise_mann_whitney(
    data: pd.DataFrame,
    dv: str,
    between: str,
    ci: float = 0.95,
    padjust: str = "holm",
    min_group_size: int = 1,
) -> pd.DataFrame:
    """All pairwise Mann-Whitney tests, Holm corrected by default.

    Parameters
    ----------
    data, dv, between, ci
        As :func:`mann_whitney`.
    padjust : {"holm", "bonf", "sidak", "fdr_bh", "fdr_by", "none"}, default "holm"
        Multiple-comparison correction across the pairs (:func:`ruse_research.stats.adjust.adjust`).
    min_group_size : int, default 1
        Groups with fewer answers are left out.

    Returns
    -------
    DataFrame
        One row per pair in group order: the columns of :func:`mann_whitney` plus
        ``p_adj`` and ``padjust``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.compare import pairwise_mann_whitney
    >>> df = pd.DataFrame({"v": [1, 2, 3, 4, 5, 6, 7, 8, 9], "g": list("aaabbbccc")})
    >>> pairwise_mann_whitney(df, "v", "g")[["group_1", "group_2", "r_rb"]]
      group_1 group_2  r_rb
    0       a       b  -1.0
    1       a       c  -1.0
    2       b       c  -1.0
    """
    _check_ci(ci)
    _check_padjust(padjust)
    labels, arrays, _ = _groups(data, dv, between, min_group_size)
    if len(labels) < 2:
        raise ComparisonError(f"{dv!r} by {between!r}: need at least 2 groups, found {len(labels)}")
    rows = []
    for i, j in itertools.combinations(range(len(labels)), 2):
        row = {"dv": dv, "between": between, "group_1": labels[i], "group_2": labels[j]}
        row.update(_mwu_row(arrays[i], arrays[j], ci))
        rows.append(row)
    out = pd.DataFrame(rows)
    out["p_adj"] = _adjust(out["p"], padjust)
    out["padjust"] = padjust
    return out


def rank_tests(
    data: pd.DataFrame,
    dvs: Sequence[str],
    by: Sequence[str],
    ci: float = 0.95,
    n_boot: int = 2000,
    seed: int = DEFAULT_SEED,
    padjust: str = "holm",
    min_group_size: int = 1,
) -> pd.DataFrame:
    """Kruskal-Wallis tests for every outcome x grouping variable, corrected as one family.

    Parameters
    ----------
    data : DataFrame
    dvs : list of str
        Outcomes (e.g. scale scores).
    by : list of str
        Grouping variables (e.g. unit, position, tenure).
    ci, n_boot, seed, min_group_size
        As :func:`kruskal_wallis` (each test gets its own seeded bootstrap).
    padjust : str, default "holm"
        Correction across all ``len(dvs) * len(by)`` tests.

    Returns
    -------
    DataFrame
        One row per test, the columns of :func:`kruskal_wallis` plus ``p_adj`` and
        ``padjust``. Tests with fewer than two usable groups are skipped.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.compare import rank_tests
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": [2, 1, 4, 3, 6, 5],
    ...                    "g": [1, 1, 2, 2, 3, 3]})
    >>> rank_tests(df, ["a", "b"], ["g"], n_boot=0)[["dv", "between", "n"]]
      dv between  n
    0  a       g  6
    1  b       g  6
    """
    _check_padjust(padjust)
    rows = []
    for dv in dvs:
        for group in by:
            labels, _, _ = _groups(data, dv, group, min_group_size)
            if len(labels) < 2:
                continue
            rows.append(
                kruskal_wallis(
                    data,
                    dv,
                    group,
                    ci=ci,
                    n_boot=n_boot,
                    seed=seed,
                    min_group_size=min_group_size,
                )
            )
    columns = [
        "dv", "between", "n", "n_groups", "H", "df", "p", "epsilon_sq", "ci_low", "ci_high",
        "dropped_groups", "p_adj", "padjust",
    ]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.concat(rows, ignore_index=True)
    out["p_adj"] = _adjust(out["p"], padjust)
    out["padjust"] = padjust
    return out[columns]


def _mean_row(arr: np.ndarray, ci: float) -> dict:
    n = len(arr)
    mean = float(arr.mean()) if n else float("nan")
    sd = float(arr.std(ddof=1)) if n > 1 else float("nan")
    se = sd / math.sqrt(n) if n > 1 else float("nan")
    half = float(stats.t.ppf(1 - (1 - ci) / 2, n - 1) * se) if n > 1 else float("nan")
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "se": se,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "median": float(np.median(arr)) if n else float("nan"),
    }


def means(data: pd.DataFrame, columns: Sequence[str], ci: float = 0.95) -> pd.DataFrame:
    """Mean of each column with a t-based confidence interval (missing values dropped).

    Parameters
    ----------
    data : DataFrame
    columns : list of str
        Numeric columns (items or scale scores).
    ci : float, default 0.95

    Returns
    -------
    DataFrame
        One row per column, in the order given: ``column``, ``n``, ``mean``, ``sd``, ``se``,
        ``ci_low``, ``ci_high`` (mean +/- t(n-1) * se), ``median``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.compare import means
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, None], "b": [4.0, 4.0, 5.0, 5.0]})
    >>> means(df, ["a", "b"])[["column", "n", "mean", "ci_high"]].round(3)
      column  n  mean  ci_high
    0      a  3   2.0    4.484
    1      b  4   4.5    5.419
    """
    _check_ci(ci)
    columns = list(columns)
    _check_frame(data, columns)
    rows = []
    for column in columns:
        values = _as_float(data, column).dropna().to_numpy()
        rows.append({"column": column, **_mean_row(values, ci)})
    return pd.DataFrame(
        rows, columns=["column", "n", "mean", "sd", "se", "ci_low", "ci_high", "median"]
    )


def group_means(
    data: pd.DataFrame,
    dv: str,
    by: str,
    ci: float = 0.95,
    min_group_size: int = 1,
) -> pd.DataFrame:
    """Means by group with t-based confidence intervals (a secondary, interval-scale view).

    Parameters
    ----------
    data : DataFrame
    dv : str
        Numeric outcome.
    by : str
        Grouping column.
    ci : float, default 0.95
    min_group_size : int, default 1
        Groups with fewer answers are left out.

    Returns
    -------
    DataFrame
        One row per group: ``dv``, ``by``, ``group``, ``n``, ``mean``, ``sd``, ``se``,
        ``ci_low``, ``ci_high`` (mean +/- t(n-1) * se; NaN for n = 1), ``median``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.compare import group_means
    >>> df = pd.DataFrame({"v": [1.0, 2.0, 3.0, 5.0, 5.0], "g": ["a", "a", "a", "b", "b"]})
    >>> group_means(df, "v", "g")[["group", "n", "mean", "ci_low"]].round(3)
      group  n  mean  ci_low
    0     a  3   2.0  -0.484
    1     b  2   5.0   5.000
    """
    _check_ci(ci)
    labels, arrays, _ = _groups(data, dv, by, min_group_size)
    rows = [
        {"dv": dv, "by": by, "group": label, **_mean_row(arr, ci)}
        for label, arr in zip(labels, arrays, strict=True)
    ]
    return pd.DataFrame(
        rows,
        columns=["dv", "by", "group", "n", "mean", "sd", "se", "ci_low", "ci_high", "median"],
    )


def spearman(
    data: pd.DataFrame,
    x: str | Sequence[str],
    y: str | Sequence[str],
    ci: float = 0.95,
    se: str = "bonett-wright",
    padjust: str = "holm",
) -> pd.DataFrame:
    """Spearman rank correlations with Fisher-z confidence intervals.

    Parameters
    ----------
    data : DataFrame
    x, y : str or list of str
        Every x is correlated with every y (pairwise complete cases).
    ci : float, default 0.95
    se : {"bonett-wright", "fisher"}, default "bonett-wright"
        Standard error on the z scale: ``sqrt((1 + rho^2 / 2) / (n - 3))`` (Bonett & Wright
        2000, better coverage for Spearman's rho) or ``1 / sqrt(n - 3)`` (pingouin's).
    padjust : str, default "holm"
        Correction across the pairs when there are several.

    Returns
    -------
    DataFrame
        One row per pair: ``x``, ``y``, ``n``, ``rho``, ``p`` (scipy, t approximation),
        ``ci_low``, ``ci_high``, ``p_adj``, ``padjust``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.compare import spearman
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6, 7, 8], "b": [2, 1, 4, 3, 6, 5, 8, 7]})
    >>> spearman(df, "a", "b")[["n", "rho"]].round(4)
       n     rho
    0  8  0.9048
    """
    _check_ci(ci)
    _check_padjust(padjust)
    if se not in ("bonett-wright", "fisher"):
        raise ComparisonError(f"se must be 'bonett-wright' or 'fisher', got {se!r}")
    xs = [x] if isinstance(x, str) else list(x)
    ys = [y] if isinstance(y, str) else list(y)
    _check_frame(data, xs + ys)
    rows = []
    for xi, yi in itertools.product(xs, ys):
        if xi == yi:
            continue
        a, b = _as_float(data, xi), _as_float(data, yi)
        keep = a.notna() & b.notna()
        n = int(keep.sum())
        if n < 4:
            raise ComparisonError(f"{xi!r} with {yi!r}: {n} complete pairs, need at least 4")
        if a[keep].nunique() < 2 or b[keep].nunique() < 2:
            raise ComparisonError(f"{xi!r} with {yi!r}: a variable does not vary")
        res = stats.spearmanr(a[keep], b[keep])
        rho = float(res.statistic)
        z_se = (
            math.sqrt((1 + rho**2 / 2) / (n - 3)) if se == "bonett-wright" else 1 / math.sqrt(n - 3)
        )
        low, high = _fisher_ci(rho, z_se, ci)
        rows.append(
            {"x": xi, "y": yi, "n": n, "rho": rho, "p": float(res.pvalue),
             "ci_low": low, "ci_high": high}
        )  # fmt: skip
    out = pd.DataFrame(rows, columns=["x", "y", "n", "rho", "p", "ci_low", "ci_high"])
    out["p_adj"] = _adjust(out["p"], padjust)
    out["padjust"] = padjust
    return out
