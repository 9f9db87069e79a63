"""Composite indicators (multi-criteria scoring) and their Monte Carlo sensitivity analysis.

Study-agnostic: every function takes a units x criteria matrix of values and criterion
weights, whatever the units are (the participation study's units are mechanisms rated by a
panel). Composite indicators follow the JRC/OECD ten-step practice (Nardo et al. 2008,
*Handbook on Constructing Composite Indicators*, OECD/JRC): normalise, weight, aggregate,
then test how robust the ranking is to those choices by Monte Carlo (Saltelli et al. 2008,
*Global Sensitivity Analysis: The Primer*).

Normalisations (per criterion, across units):

* ``band``: ``100 * x / max_value`` (the CAF band as a share of the top band, 0-100);
* ``minmax``: ``1 + 99 * (x - min) / (max - min)``, COINr's ``n_minmax(1, 100)``;
* ``zscore``: ``10 + 2 * (x - mean) / sd`` (sample sd), COINr's ``n_zscore(10, 2)``.

The last two follow the COINr sensitivity vignette, whose positive ranges keep geometric
aggregation defined. Aggregations (weights sum to 1): ``arithmetic`` ``sum_k w_k x_k`` and
``geometric`` ``prod_k x_k ** w_k``.

Examples
--------
>>> import pandas as pd
>>> x = pd.DataFrame({"a": [4.0, 2.0], "b": [1.0, 3.0]}, index=["p", "q"])
>>> score = aggregate(normalise(x), pd.Series({"a": 0.5, "b": 0.5}))
>>> score.round(6).tolist(), rank_descending(score).tolist()
([50.0, 50.0], [1, 1])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ruse_research.errors import RuseError
from ruse_research.memo import memoized

__all__ = [
    "AGGREGATIONS",
    "NORMALISATIONS",
    "MCDAError",
    "aggregate",
    "dirichlet_concentration",
    "first_order_indices",
    "monte_carlo_ranks",
    "normalise",
    "rank_descending",
    "rank_stability",
    "shift_weight",
]

NORMALISATIONS = ("band", "minmax", "zscore")
AGGREGATIONS = ("arithmetic", "geometric")


class MCDAError(RuseError):
    """A bad argument to a composite-indicator function (method, weights, draws)."""


def normalise(scores: pd.DataFrame, method: str = "band", max_value: float = 5) -> pd.DataFrame:
    """Normalise a units x criteria matrix, column by column.

    Parameters
    ----------
    scores : pandas.DataFrame
        Rows = units, columns = criteria.
    method : {"band", "minmax", "zscore"}
        ``band``: ``100 x / max_value``; ``minmax``: ``1 + 99 (x - min) / (max - min)`` (a
        constant column maps to 50.5); ``zscore``: ``10 + 2 (x - mean) / sd`` with the sample
        sd (a constant column maps to 10).
    max_value : float
        Top of the rating scale, for ``band``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=["x", "y", "z"])
    >>> normalise(s, "band")["a"].tolist()
    [20.0, 40.0, 60.0]
    >>> normalise(s, "minmax")["a"].tolist()
    [1.0, 50.5, 100.0]
    >>> normalise(s, "zscore")["a"].tolist()
    [8.0, 10.0, 12.0]
    """
    if method not in NORMALISATIONS:
        raise MCDAError(f"normalisation must be one of {', '.join(NORMALISATIONS)}, not {method!r}")
    x = scores.astype(float)
    if method == "band":
        return 100.0 * x / max_value
    if method == "minmax":
        span = x.max() - x.min()
        out = 1.0 + 99.0 * (x - x.min()) / span.where(span > 0)
        return out.fillna({c: 50.5 for c in x.columns[span <= 0]})
    sd = x.std()
    out = 10.0 + 2.0 * (x - x.mean()) / sd.where(sd > 0)
    return out.fillna({c: 10.0 for c in x.columns[~(sd > 0)]})


def aggregate(
    normalised: pd.DataFrame, weights: pd.Series, method: str = "arithmetic"
) -> pd.Series:
    """Aggregate normalised criteria into one score per unit.

    Parameters
    ----------
    normalised : pandas.DataFrame
        Rows = units, columns = criteria (output of :func:`normalise`).
    weights : pandas.Series
        Criterion -> weight; rescaled to sum to 1.
    method : {"arithmetic", "geometric"}
        ``sum_k w_k x_k`` or ``prod_k x_k ** w_k`` (needs every value >= 0). A unit with a
        missing criterion gets no score.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [80.0, 20.0], "b": [20.0, 80.0]}, index=["p", "q"])
    >>> aggregate(x, pd.Series({"a": 0.75, "b": 0.25})).round(6).tolist()
    [65.0, 35.0]
    >>> aggregate(x, pd.Series({"a": 0.5, "b": 0.5}), "geometric").round(6).tolist()
    [40.0, 40.0]
    """
    if method not in AGGREGATIONS:
        raise MCDAError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, not {method!r}")
    w = weights.reindex(normalised.columns).astype(float)
    if w.isna().any() or (w < 0).any() or w.sum() <= 0:
        raise MCDAError("weights must be non-negative, one per criterion, and not all zero")
    w = w / w.sum()
    x = normalised.astype(float)
    if method == "arithmetic":
        return (x * w).sum(axis=1, min_count=1).where(x.notna().all(axis=1))
    if (x < 0).any().any():
        raise MCDAError(
            "geometric aggregation needs non-negative normalised values (use band or minmax)"
        )
    with np.errstate(divide="ignore"):
        logs = np.log(x)
    return pd.Series(np.exp((logs * w).sum(axis=1)), index=x.index).where(x.notna().all(axis=1))


def rank_descending(scores: pd.Series) -> pd.Series:
    """Rank 1 = highest score; ties share the best rank (``method="min"``).

    Examples
    --------
    >>> import pandas as pd
    >>> rank_descending(pd.Series([3.0, 5.0, 3.0])).tolist()
    [2, 1, 2]
    """
    return scores.rank(ascending=False, method="min").astype(int)


def shift_weight(weights: pd.Series, criterion: str, factor: float) -> pd.Series:
    """Multiply one weight by ``factor`` (capped at 1) and rescale the others proportionally so
    the weights still sum to 1 (the one-at-a-time change of a tornado chart).

    Examples
    --------
    >>> import pandas as pd
    >>> shift_weight(pd.Series({"a": 0.5, "b": 0.3, "c": 0.2}), "a", 1.5).round(6).tolist()
    [0.75, 0.15, 0.1]
    """
    new = min(1.0, weights[criterion] * factor)
    rest = 1.0 - weights[criterion]
    out = weights * ((1.0 - new) / rest) if rest > 0 else weights * 0.0
    out[criterion] = new
    return out


def dirichlet_concentration(shares: pd.DataFrame) -> float:
    """Method-of-moments Dirichlet concentration of weight shares (one row per rater).

    For a Dirichlet with mean w and concentration c, Var(w_k) = w_k (1 - w_k) / (c + 1), so
    c + 1 = sum_k w_k (1 - w_k) / sum_k Var(w_k).

    Examples
    --------
    >>> import pandas as pd
    >>> round(dirichlet_concentration(pd.DataFrame({"a": [0.4, 0.6], "b": [0.6, 0.4]})), 4)
    11.5
    """
    mean, var = shares.mean(), shares.var()
    if len(shares) < 2 or var.sum() <= 0:
        raise MCDAError("the raters' weights do not vary: pass concentration= explicitly")
    return float((mean * (1 - mean)).sum() / var.sum() - 1)


@memoized  # the bg and en runs of a study share the draws (ruse_research.memo)
def monte_carlo_ranks(
    matrix: pd.DataFrame,
    mean_weights: pd.Series,
    concentration: float,
    n_draws: int = 1000,
    seed: int = 20190118,
    normalisations: Sequence[str] = NORMALISATIONS,
    aggregations: Sequence[str] = AGGREGATIONS,
    unit: str = "unit",
    weight_prefix: str = "w_",
    max_value: float = 5,
) -> pd.DataFrame:
    """Monte Carlo uncertainty analysis of a composite ranking (JRC/OECD practice).

    Each draw takes weights from a Dirichlet centred on ``mean_weights`` (``alpha =
    concentration * mean_weights``; criteria with zero mean weight stay at 0), and a
    normalisation and an aggregation chosen uniformly from those given.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Units x criteria of raw values (normalised here, ``max_value`` for ``band``).
    mean_weights : pandas.Series
        Criterion -> mean weight, in the order of ``matrix.columns``.

    Returns
    -------
    pandas.DataFrame
        Long: ``draw, normalisation, aggregation, <unit>, score, rank`` plus one
        ``<weight_prefix><criterion>`` column per criterion (the draw's weights).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"a": [4.0, 2.0], "b": [1.0, 3.0]}, index=["p", "q"])
    >>> d = monte_carlo_ranks(m, pd.Series({"a": 0.5, "b": 0.5}), 10.0, n_draws=5, seed=1)
    >>> len(d), sorted(d.columns)[:3], bool(d["rank"].isin([1, 2]).all())
    (10, ['aggregation', 'draw', 'normalisation'], True)
    """
    if n_draws < 1:
        raise MCDAError("n_draws must be at least 1")
    for method in normalisations:
        if method not in NORMALISATIONS:
            raise MCDAError(f"unknown normalisation {method!r}")
    for method in aggregations:
        if method not in AGGREGATIONS:
            raise MCDAError(f"unknown aggregation {method!r}")
    c = float(concentration)
    if c <= 0:
        raise MCDAError(f"concentration must be positive, got {c}")
    criteria = list(matrix.columns)
    w_mean = mean_weights.reindex(criteria)
    active = (w_mean > 0).to_numpy()
    normalised = {m: normalise(matrix, m, max_value) for m in normalisations}
    for m in normalisations:
        if "geometric" in aggregations and (normalised[m] < 0).any().any():
            raise MCDAError(
                f"{m} normalisation gives negative values; geometric aggregation is undefined"
            )
    rng = np.random.default_rng(seed)
    w_draws = np.zeros((n_draws, len(criteria)))
    w_draws[:, active] = rng.dirichlet(c * w_mean.to_numpy()[active], size=n_draws)
    norm_pick = rng.integers(len(normalisations), size=n_draws)
    agg_pick = rng.integers(len(aggregations), size=n_draws)
    units = list(matrix.index)
    scores = np.empty((n_draws, len(units)))
    with np.errstate(divide="ignore"):
        for i, norm in enumerate(normalisations):
            x = normalised[norm].to_numpy(dtype=float)
            for j, agg in enumerate(aggregations):
                sel = (norm_pick == i) & (agg_pick == j)
                if not sel.any():
                    continue
                if agg == "arithmetic":
                    scores[sel] = w_draws[sel] @ x.T
                else:
                    scores[sel] = np.exp(w_draws[sel] @ np.log(x).T)
    # rank 1 = highest score, ties share the best rank (as pandas method="min")
    ranks = np.vstack([rankdata(-row, method="min") for row in scores]).astype(int)
    n_u = len(units)
    out = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(n_draws), n_u),
            "normalisation": np.repeat(np.asarray(normalisations, dtype=object)[norm_pick], n_u),
            "aggregation": np.repeat(np.asarray(aggregations, dtype=object)[agg_pick], n_u),
            unit: np.tile(np.asarray(units, dtype=object), n_draws),
            "score": scores.ravel(),
            "rank": ranks.ravel(),
        }
    )
    for k, crit in enumerate(criteria):
        out[f"{weight_prefix}{crit}"] = np.repeat(w_draws[:, k], n_u)
    return out


def rank_stability(draws: pd.DataFrame, baseline: pd.Series, unit: str = "unit") -> pd.DataFrame:
    """How often each unit keeps its baseline rank across Monte Carlo draws.

    Parameters
    ----------
    draws : pandas.DataFrame
        Long draws with columns ``<unit>`` and ``rank`` (e.g. :func:`monte_carlo_ranks`).
    baseline : pandas.Series
        Unit -> baseline rank.

    Returns
    -------
    pandas.DataFrame
        ``<unit>, baseline_rank, share_same_rank, median_rank, rank_p05, rank_p95, share_top``
        (share of draws ranked first), sorted by baseline rank.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"draw": [0, 0, 1, 1], "unit": ["a", "b", "a", "b"], "rank": [1, 2, 2, 1]})
    >>> rank_stability(d, pd.Series({"a": 1, "b": 2}))["share_same_rank"].tolist()
    [0.5, 0.5]
    """
    rows = []
    for key, part in draws.groupby(unit, sort=False):
        ranks = part["rank"].to_numpy()
        rows.append(
            {
                unit: key,
                "baseline_rank": int(baseline[key]),
                "share_same_rank": float(np.mean(ranks == baseline[key])),
                "median_rank": float(np.median(ranks)),
                "rank_p05": float(np.quantile(ranks, 0.05, method="inverted_cdf")),
                "rank_p95": float(np.quantile(ranks, 0.95, method="inverted_cdf")),
                "share_top": float(np.mean(ranks == 1)),
            }
        )
    return pd.DataFrame(rows).sort_values(["baseline_rank", unit]).reset_index(drop=True)


def first_order_indices(
    draws: pd.DataFrame,
    inputs: Sequence[str],
    continuous: Sequence[str] = (),
    unit: str = "unit",
    output: str = "rank",
    n_bins: int = 10,
) -> pd.DataFrame:
    """First-order sensitivity index of each uncertain input, per unit (given-data estimate).

    ``S_i = Var(E[Y | X_i]) / Var(Y)``: the share of the output's variance across the draws
    explained by input ``X_i`` alone (Saltelli et al. 2008; the variance-based analysis of the
    JRC/OECD Handbook, step 8). Conditional means are taken within the levels of categorical
    inputs and within ``n_bins`` equal-count bins of each ``continuous`` input; binning biases
    small indices upwards by roughly ``(n_bins - 1) / n_draws``.

    Returns
    -------
    pandas.DataFrame
        ``<unit>, input, first_order``; ``first_order`` is NaN when the output does not vary.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit": "x", "rank": [1, 1, 2, 2], "norm": ["a", "a", "b", "b"],
    ...                   "w": [0.1, 0.2, 0.3, 0.4]})
    >>> first_order_indices(d, ["norm", "w"], ["w"], n_bins=2)["first_order"].tolist()
    [1.0, 1.0]
    """
    if n_bins < 2:
        raise MCDAError("n_bins must be at least 2")
    missing = [c for c in [*inputs, unit, output] if c not in draws.columns]
    if missing:
        raise MCDAError(f"draws lack column(s) {missing}")
    binned = set(continuous)
    rows = []
    for key, part in draws.groupby(unit, sort=False):
        y = part[output].astype(float)
        total = float(y.var(ddof=0))
        for name in inputs:
            if total <= 0:
                share = float("nan")
            else:
                x = part[name]
                if name in binned:
                    x = pd.qcut(x.rank(method="first"), q=min(n_bins, len(x)), labels=False)
                means = y.groupby(x.to_numpy()).transform("mean")
                share = float(means.var(ddof=0) / total)
            rows.append({unit: key, "input": name, "first_order": share})
    return pd.DataFrame(rows)
