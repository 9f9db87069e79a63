"""The expert panel of the participation study: criterion means, weights, composite scores,
rater agreement and the sensitivity of the ranking.

An expert panel (``data/codebooks/panel.yaml``) rates every mechanism of the participation
model against five criteria on the CAF 2020 bands 0-5 and allocates 100 points of weight over
the criteria (``data/codebooks/panel_weights.yaml``). This module turns those two exports into
the study's scores. The composite-indicator machinery (normalise, weight, aggregate, Monte Carlo
draws, rank stability, first-order indices) is study-agnostic and lives in
:mod:`ruse_research.stats.mcda`; intraclass correlations in :mod:`ruse_research.stats.agreement`.

With the defaults the composite is the research proposal's M = 100 * sum_k w_k * mean_band_k / 5.

Examples
--------
>>> import numpy as np
>>> from ruse_research.synthetic.panel import generate
>>> frames, _ = generate(np.random.default_rng(20190118))
>>> w = mean_weights(frames["panel_weights"], load_model())
>>> round(float(w["weight"].sum()), 9)
1.0
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ruse_research.errors import DataError, Problem, RuseError
from ruse_research.stats import disclosure, mcda
from ruse_research.stats.agreement import icc
from ruse_research.stats.mcda import AGGREGATIONS, NORMALISATIONS
from ruse_research.studies.participation_model import (
    Model,
    check_lang,
    load_model,  # noqa: F401 (the examples use it)
)

__all__ = [
    "AGGREGATIONS",
    "CRITERION_PREFIX",
    "MAX_BAND",
    "NORMALISATIONS",
    "POINTS_TOTAL",
    "WEIGHT_PREFIX",
    "composite_scores",
    "criterion_means",
    "group_weights",
    "mean_weights",
    "overall_score",
    "rank_stability",
    "rater_agreement",
    "sensitivity_draws",
    "sensitivity_indices",
    "weight_tornado",
]

MAX_BAND = 5
CRITERION_PREFIX = "crit_"
WEIGHT_PREFIX = "w_"
POINTS_TOTAL = 100


# --------------------------------------------------------------------------- panel scores


def _criterion_columns(model: Model, prefix: str) -> list[str]:
    return [f"{prefix}{c}" for c in model.criterion_keys]


def _check_columns(df: pd.DataFrame, columns: list[str], file: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            [Problem(file, None, c, "(absent)", "a column of the codebook") for c in missing]
        )


def criterion_means(panel: pd.DataFrame, model: Model) -> pd.DataFrame:
    """Mean CAF band per mechanism and criterion over the raters who could judge.

    Parameters
    ----------
    panel : pandas.DataFrame
        Typed panel frame (``io.read_survey`` with ``dont_know="na"``): ``rater_id``,
        ``mechanism`` codes and ``crit_<criterion>`` bands 0-5, ``<NA>`` for "cannot judge".
    model : Model

    Returns
    -------
    pandas.DataFrame
        ``mechanism, criterion, mean_band, sd_band, n_raters`` in model order.

    Raises
    ------
    DataError
        A band outside 0-5, a mechanism code not in the model, or a missing column.

    Examples
    --------
    >>> import pandas as pd
    >>> m = load_model()
    >>> panel = pd.DataFrame({"rater_id": ["a", "b"], "mechanism": [2, 2],
    ...                       **{f"crit_{c}": [4, 5] for c in m.criterion_keys}})
    >>> row = criterion_means(panel, m).iloc[0]
    >>> row["mechanism"], row["criterion"], float(row["mean_band"])
    ('public_council', 'clarity', 4.5)
    """
    cols = _criterion_columns(model, CRITERION_PREFIX)
    _check_columns(panel, ["rater_id", "mechanism", *cols], "panel")
    codes = model.code_to_key()
    problems = []
    for i, code in enumerate(panel["mechanism"]):
        if pd.isna(code) or int(code) not in codes:
            problems.append(
                Problem("panel", i + 2, "mechanism", code, f"a mechanism code {sorted(codes)}")
            )
    for col in cols:
        values = pd.to_numeric(panel[col], errors="coerce")
        bad = values.notna() & ((values < 0) | (values > MAX_BAND))
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    "panel",
                    int(i) + 2,
                    col,
                    panel[col].iloc[i],
                    "a CAF band 0-5 (read with io.read_survey)",
                )
            )
    if problems:
        raise DataError(problems)
    long = panel.assign(mechanism=panel["mechanism"].astype(int).map(codes)).melt(
        id_vars=["rater_id", "mechanism"], value_vars=cols, var_name="criterion", value_name="band"
    )
    long["criterion"] = long["criterion"].str.removeprefix(CRITERION_PREFIX)
    long["band"] = pd.to_numeric(long["band"], errors="coerce").astype(float)
    out = (
        long.groupby(["mechanism", "criterion"], sort=False)["band"]
        .agg(mean_band="mean", sd_band="std", n_raters="count")
        .reset_index()
    )
    out["mechanism"] = pd.Categorical(
        out["mechanism"], categories=model.mechanism_keys, ordered=True
    )
    out["criterion"] = pd.Categorical(
        out["criterion"], categories=model.criterion_keys, ordered=True
    )
    out = out.sort_values(["mechanism", "criterion"]).reset_index(drop=True)
    out["mechanism"] = out["mechanism"].astype(str)
    out["criterion"] = out["criterion"].astype(str)
    out["n_raters"] = out["n_raters"].astype(int)
    return out


def mean_weights(weights: pd.DataFrame, model: Model, by: str | None = None) -> pd.DataFrame:
    """Criterion weights from the raters' 100-point allocations, averaged over raters.

    Parameters
    ----------
    weights : pandas.DataFrame
        Typed ``panel_weights`` frame: one row per rater, ``w_<criterion>`` integer points.
    model : Model
    by : str, optional
        Column to average within (e.g. ``"rater_group"``); groups appear in a first column.

    Returns
    -------
    pandas.DataFrame
        ``[by,] criterion, mean_points, sd_points, n_raters, weight`` with ``weight`` =
        ``mean_points / 100`` (sums to 1 within a group).

    Raises
    ------
    DataError
        A row that does not sum to 100 points, a negative or blank allocation.

    Examples
    --------
    >>> import pandas as pd
    >>> m = load_model()
    >>> w = pd.DataFrame({"rater_id": ["a", "b"], "w_clarity": [10, 20], "w_accountability": [40, 30],
    ...                   "w_transparency": [20, 20], "w_inclusiveness": [20, 20], "w_feasibility": [10, 10]})
    >>> mean_weights(w, m)[["criterion", "mean_points", "weight"]].head(2).values.tolist()
    [['clarity', 15.0, 0.15], ['accountability', 35.0, 0.35]]
    """
    cols = _criterion_columns(model, WEIGHT_PREFIX)
    _check_columns(weights, cols + ([by] if by else []), "panel_weights")
    points = weights[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    problems = []
    for i, row in enumerate(points.itertuples(index=False)):
        values = np.asarray(row, dtype=float)
        if np.isnan(values).any() or (values < 0).any():
            problems.append(
                Problem(
                    "panel_weights",
                    i + 2,
                    None,
                    list(values),
                    "non-negative points in every w_ column",
                )
            )
        elif not np.isclose(values.sum(), POINTS_TOTAL):
            problems.append(
                Problem("panel_weights", i + 2, None, float(values.sum()), "points summing to 100")
            )
    if problems:
        raise DataError(problems)
    frame = points.copy()
    if by:
        frame[by] = weights[by].to_numpy()
    groups = [(None, frame)] if not by else list(frame.groupby(by, sort=True))
    rows = []
    for key, part in groups:
        for crit, col in zip(model.criterion_keys, cols, strict=True):
            row = {} if by is None else {by: key}
            row.update(
                criterion=crit,
                mean_points=float(part[col].mean()),
                sd_points=float(part[col].std()) if len(part) > 1 else float("nan"),
                n_raters=int(len(part)),
                weight=float(part[col].mean() / POINTS_TOTAL),
            )
            rows.append(row)
    return pd.DataFrame(rows)



def group_weights(
    weights: pd.DataFrame, model: Model, by: str = "rater_group", min_raters: int | None = None
) -> pd.DataFrame:
    """:func:`mean_weights` within the groups of ``by``, keeping only the groups that may be
    published: a group's weights are shown only when it has at least ``min_raters`` raters
    (default ``disclosure.MIN_CELL``), so no published weight describes fewer people.

    Examples
    --------
    >>> import pandas as pd
    >>> m = load_model()
    >>> w = pd.DataFrame({"rater_id": list("abcdefg"), "rater_group": [1] * 5 + [2] * 2,
    ...                   **{f"w_{c}": [20] * 7 for c in m.criterion_keys}})
    >>> group_weights(w, m)["rater_group"].unique().tolist()
    [1]
    """
    least = disclosure.MIN_CELL if min_raters is None else int(min_raters)
    out = mean_weights(weights, model, by=by)
    return out[out["n_raters"] >= least]


def _score_matrix(means: pd.DataFrame, model: Model) -> pd.DataFrame:
    wide = means.pivot(index="mechanism", columns="criterion", values="mean_band")
    return wide.reindex(
        index=[k for k in model.mechanism_keys if k in wide.index], columns=model.criterion_keys
    )


def composite_scores(
    panel: pd.DataFrame,
    weights: pd.DataFrame,
    model: Model,
    normalisation: str = "band",
    aggregation: str = "arithmetic",
    lang: str = "en",
) -> pd.DataFrame:
    """Composite score and rank of every mechanism rated by the panel.

    With the defaults this is the research proposal's M = 100 * sum_k w_k * mean_band_k / 5.

    Returns
    -------
    pandas.DataFrame
        ``mechanism, mechanism_label, score, rank`` sorted by rank then model order, plus one
        ``<criterion>`` column per criterion with its normalised value.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> frames, truth = generate(np.random.default_rng(20190118))
    >>> panel = frames["panel"].replace(97, pd.NA)
    >>> cs = composite_scores(panel, frames["panel_weights"], load_model())
    >>> cs["mechanism"].head(2).tolist() == truth["top_two_mechanisms"]
    True
    """
    lang = check_lang(lang)
    matrix = _score_matrix(criterion_means(panel, model), model)
    w = mean_weights(weights, model).set_index("criterion")["weight"]
    norm = mcda.normalise(matrix, normalisation, MAX_BAND)
    score = mcda.aggregate(norm, w, aggregation)
    out = pd.DataFrame(
        {
            "mechanism": score.index,
            "mechanism_label": [model.label("mechanism", k, lang) for k in score.index],
            "score": score.to_numpy(),
            "rank": mcda.rank_descending(score).to_numpy(),
        }
    )
    out = pd.concat([out, norm.reset_index(drop=True)], axis=1)
    order = {k: i for i, k in enumerate(model.mechanism_keys)}
    out = out.assign(_o=out["mechanism"].map(order)).sort_values(["rank", "_o"]).drop(columns="_o")
    return out.reset_index(drop=True)


def overall_score(
    panel: pd.DataFrame,
    weights: pd.DataFrame,
    model: Model,
    n_boot: int = 2000,
    seed: int = 20190118,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Overall model score: the mean band-arithmetic composite over all mechanisms (0-100).

    The confidence interval is a seeded percentile bootstrap over raters (each draw resamples
    raters with replacement, with their ratings and their weights together).

    Returns
    -------
    pandas.DataFrame
        One row: ``score, ci_low, ci_high, n_raters, n_mechanisms, n_boot``.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> o = overall_score(f["panel"].replace(97, pd.NA), f["panel_weights"], load_model(), n_boot=200)
    >>> bool(o["ci_low"].item() < o["score"].item() < o["ci_high"].item())
    True
    """
    base = composite_scores(panel, weights, model)["score"].mean()
    criterion_means(panel, model)  # validates the panel
    mean_weights(weights, model)  # validates the allocations
    raters = sorted(panel["rater_id"].astype(str).unique())
    wr = weights.assign(rater_id=weights["rater_id"].astype(str)).set_index("rater_id")
    missing = [r for r in raters if r not in wr.index]
    if missing:
        raise DataError(
            [
                Problem("panel_weights", None, "rater_id", r, "a weight row for every panel rater")
                for r in missing
            ]
        )
    cols = _criterion_columns(model, CRITERION_PREFIX)
    codes = model.code_to_key()
    mechs = [k for k in model.mechanism_keys if k in set(panel["mechanism"].astype(int).map(codes))]
    # bands[r, m, k]: rater r's band for mechanism m, criterion k (NaN = not rated)
    bands = np.full((len(raters), len(mechs), len(cols)), np.nan)
    r_index = {r: i for i, r in enumerate(raters)}
    m_index = {k: i for i, k in enumerate(mechs)}
    values = panel[cols].apply(pd.to_numeric, errors="coerce").astype(float).to_numpy()
    for row, (rater, code) in enumerate(
        zip(panel["rater_id"].astype(str), panel["mechanism"].astype(int), strict=True)
    ):
        bands[r_index[rater], m_index[codes[code]]] = values[row]
    shares = (
        wr.loc[raters, _criterion_columns(model, WEIGHT_PREFIX)].astype(float).to_numpy()
        / POINTS_TOTAL
    )
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(raters), size=(n_boot, len(raters)))
    stats = np.empty(n_boot)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a criterion nobody drawn could judge
        for b, pick in enumerate(picks):
            means = np.nanmean(bands[pick], axis=0)  # mechanisms x criteria
            w = shares[pick].mean(axis=0)
            stats[b] = np.mean(100.0 * means @ w / MAX_BAND)
    stats = stats[np.isfinite(stats)]
    alpha = (1 - ci) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return pd.DataFrame(
        [
            {
                "score": float(base),
                "ci_low": float(low),
                "ci_high": float(high),
                "n_raters": len(raters),
                "n_mechanisms": int(panel["mechanism"].nunique()),
                "n_boot": int(n_boot),
            }
        ]
    )


# --------------------------------------------------------------------------- agreement

def rater_agreement(
    panel: pd.DataFrame, model: Model, types: tuple[str, ...] = ("ICC2", "ICC2k")
) -> pd.DataFrame:
    """Inter-rater agreement on the mechanisms, per criterion and for the criterion mean.

    Targets are mechanisms, raters are panel members. ``ICC2`` (absolute agreement, single
    rater) and ``ICC2k`` (absolute agreement of the panel mean, the quantity the composite
    uses) are returned by default; pass more Shrout-Fleiss names in ``types``.

    Returns
    -------
    pandas.DataFrame
        ``scope`` (criterion key or ``"mean"``) then the columns of :func:`icc`.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> ra = rater_agreement(f["panel"].replace(97, pd.NA), load_model())
    >>> ra["scope"].unique().tolist()[-1]
    'mean'
    """
    cols = _criterion_columns(model, CRITERION_PREFIX)
    criterion_means(panel, model)  # validates bands and codes
    frame = panel[["rater_id", "mechanism", *cols]].copy()
    frame[cols] = frame[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    frame["mean"] = frame[cols].mean(axis=1)
    parts = []
    for scope, col in [*zip(model.criterion_keys, cols, strict=True), ("mean", "mean")]:
        res = icc(frame, "mechanism", "rater_id", col)
        parts.append(res[res["shrout_fleiss"].isin(types)].assign(scope=scope))
    out = pd.concat(parts, ignore_index=True)
    return out[["scope", *[c for c in out.columns if c != "scope"]]]


# --------------------------------------------------------------------------- sensitivity


def _dirichlet_concentration(weights: pd.DataFrame, model: Model) -> float:
    """Method-of-moments Dirichlet concentration of the raters' shares (``mcda.dirichlet_concentration``)."""
    cols = _criterion_columns(model, WEIGHT_PREFIX)
    shares = weights[cols].apply(pd.to_numeric, errors="coerce").astype(float) / POINTS_TOTAL
    return mcda.dirichlet_concentration(shares)


def sensitivity_draws(
    panel: pd.DataFrame,
    weights: pd.DataFrame,
    model: Model,
    n_draws: int = 1000,
    seed: int = 20190118,
    concentration: float | None = None,
    normalisations: tuple[str, ...] = NORMALISATIONS,
    aggregations: tuple[str, ...] = AGGREGATIONS,
) -> pd.DataFrame:
    """Monte Carlo uncertainty analysis of the composite ranking (JRC/OECD practice).

    Each draw takes weights from a Dirichlet centred on the panel's mean weights
    (``alpha = concentration * mean_weights``; by default the concentration is estimated from
    the raters' own allocations by the method of moments), and a normalisation and an
    aggregation chosen uniformly from those given. Criteria with zero mean weight stay at 0.

    Returns
    -------
    pandas.DataFrame
        Long: ``draw, normalisation, aggregation, mechanism, score, rank`` plus one
        ``w_<criterion>`` column per criterion (the draw's weights). ``attrs["concentration"]``
        holds the concentration used.

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> p = f["panel"].replace(97, pd.NA)
    >>> a = sensitivity_draws(p, f["panel_weights"], load_model(), n_draws=50, seed=1)
    >>> b = sensitivity_draws(p, f["panel_weights"], load_model(), n_draws=50, seed=1)
    >>> a.equals(b), len(a)
    (True, 450)
    """
    if n_draws < 1:
        raise RuseError("n_draws must be at least 1")
    for method in normalisations:
        if method not in NORMALISATIONS:
            raise RuseError(f"unknown normalisation {method!r}")
    for method in aggregations:
        if method not in AGGREGATIONS:
            raise RuseError(f"unknown aggregation {method!r}")
    matrix = _score_matrix(criterion_means(panel, model), model)
    w_mean = (
        mean_weights(weights, model).set_index("criterion")["weight"].reindex(model.criterion_keys)
    )
    c = _dirichlet_concentration(weights, model) if concentration is None else float(concentration)
    out = mcda.monte_carlo_ranks(
        matrix, w_mean, c, n_draws=n_draws, seed=seed, normalisations=normalisations,
        aggregations=aggregations, unit="mechanism", weight_prefix=WEIGHT_PREFIX, max_value=MAX_BAND,
    )
    out.attrs["concentration"] = c
    return out


def rank_stability(
    draws: pd.DataFrame, baseline: pd.DataFrame, lang: str = "en", model: Model | None = None
) -> pd.DataFrame:
    """How often each mechanism keeps its baseline rank across the Monte Carlo draws.

    Parameters
    ----------
    draws : pandas.DataFrame
        Output of :func:`sensitivity_draws`.
    baseline : pandas.DataFrame
        Output of :func:`composite_scores` (``mechanism, rank``).
    lang, model : optional
        With a model, a ``mechanism_label`` column in ``lang`` is added.

    Returns
    -------
    pandas.DataFrame
        ``mechanism, baseline_rank, share_same_rank, median_rank, rank_p05, rank_p95,
        share_top`` (share of draws ranked first), sorted by baseline rank.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"draw": [0, 0, 1, 1], "mechanism": ["a", "b", "a", "b"], "rank": [1, 2, 2, 1]})
    >>> rank_stability(d, pd.DataFrame({"mechanism": ["a", "b"], "rank": [1, 2]}))["share_same_rank"].tolist()
    [0.5, 0.5]
    """
    out = mcda.rank_stability(draws, baseline.set_index("mechanism")["rank"], unit="mechanism")
    if model is not None:
        out.insert(
            1, "mechanism_label", [model.label("mechanism", k, lang) for k in out["mechanism"]]
        )
    return out


def sensitivity_indices(
    draws: pd.DataFrame, model: Model, output: str = "rank", n_bins: int = 10
) -> pd.DataFrame:
    """First-order sensitivity index of each uncertain input, per mechanism (given-data estimate).

    ``S_i = Var(E[Y | X_i]) / Var(Y)``: the share of the output's variance across the Monte
    Carlo draws explained by input ``X_i`` alone (Saltelli et al. 2008, *Global Sensitivity
    Analysis: The Primer*; the variance-based analysis of the JRC/OECD Handbook, step 8). The
    conditional means are taken within the levels of the categorical inputs (normalisation,
    aggregation) and within ``n_bins`` equal-count bins of each criterion weight; binning
    biases small indices upwards by roughly ``(n_bins - 1) / n_draws``.

    Parameters
    ----------
    draws : pandas.DataFrame
        Output of :func:`sensitivity_draws`.
    model : Model
    output : {"rank", "score"}
        The output ``Y``. Scores from different normalisations are on different scales, so
        ``rank`` is the meaningful default when normalisation varies.
    n_bins : int
        Bins for the continuous weight inputs.

    Returns
    -------
    pandas.DataFrame
        ``mechanism, input, first_order`` (``input``: ``normalisation``, ``aggregation`` or
        ``w_<criterion>``); ``first_order`` is NaN when the output does not vary.

    Examples
    --------
    >>> import pandas as pd
    >>> m = load_model()
    >>> d = pd.DataFrame({"draw": range(4), "mechanism": "x", "rank": [1, 1, 2, 2],
    ...                   "normalisation": ["band", "band", "zscore", "zscore"],
    ...                   "aggregation": ["arithmetic", "geometric"] * 2,
    ...                   **{f"w_{c}": [0.2] * 4 for c in m.criterion_keys}})
    >>> s = sensitivity_indices(d, m, n_bins=2).set_index("input")["first_order"]
    >>> float(s["normalisation"]), float(s["aggregation"])
    (1.0, 0.0)
    """
    if output not in ("rank", "score"):
        raise RuseError(f"output must be 'rank' or 'score', not {output!r}")
    if n_bins < 2:
        raise RuseError("n_bins must be at least 2")
    weight_columns = _criterion_columns(model, WEIGHT_PREFIX)
    inputs = ["normalisation", "aggregation", *weight_columns]
    missing = [c for c in [*inputs, "mechanism", output] if c not in draws.columns]
    if missing:
        raise RuseError(f"draws lack column(s) {missing}: pass the output of sensitivity_draws")
    return mcda.first_order_indices(draws, inputs, weight_columns, unit="mechanism", output=output,
                                    n_bins=n_bins)


def weight_tornado(
    panel: pd.DataFrame,
    weights: pd.DataFrame,
    model: Model,
    target: str = "overall",
    change: float = 0.5,
    normalisation: str = "band",
    aggregation: str = "arithmetic",
    lang: str = "en",
) -> pd.DataFrame:
    """One-at-a-time weight changes for a tornado chart.

    Each criterion's weight is multiplied by ``1 - change`` and ``1 + change`` (capped at 1);
    the other weights are rescaled proportionally so the weights still sum to 1. The score of
    ``target`` (a mechanism key, or ``"overall"`` = the mean over mechanisms) is recomputed.

    Returns
    -------
    pandas.DataFrame
        ``criterion, criterion_label, weight_base, weight_low, weight_high, score_base,
        score_low, score_high, swing`` sorted by ``swing`` descending (largest bar on top).

    Examples
    --------
    >>> import numpy as np
    >>> from ruse_research.synthetic.panel import generate
    >>> f, _ = generate(np.random.default_rng(20190118))
    >>> t = weight_tornado(f["panel"].replace(97, pd.NA), f["panel_weights"], load_model())
    >>> bool((t["swing"].diff().dropna() <= 0).all())
    True
    """
    if not 0 < change < 1:
        raise RuseError(f"change must lie strictly between 0 and 1, got {change}")
    lang = check_lang(lang)
    matrix = _score_matrix(criterion_means(panel, model), model)
    if target != "overall" and target not in matrix.index:
        raise RuseError(f"target must be 'overall' or a rated mechanism, not {target!r}")
    norm = mcda.normalise(matrix, normalisation, MAX_BAND)
    w = mean_weights(weights, model).set_index("criterion")["weight"].reindex(model.criterion_keys)

    def score_with(wts: pd.Series) -> float:
        s = mcda.aggregate(norm, wts, aggregation)
        return float(s.mean() if target == "overall" else s[target])

    def shifted(crit: str, factor: float) -> pd.Series:
        return mcda.shift_weight(w, crit, factor)

    base = score_with(w)
    rows = []
    for crit in model.criterion_keys:
        lo, hi = shifted(crit, 1 - change), shifted(crit, 1 + change)
        s_lo, s_hi = score_with(lo), score_with(hi)
        rows.append(
            {
                "criterion": crit,
                "criterion_label": model.label("criterion", crit, lang),
                "weight_base": float(w[crit]),
                "weight_low": float(lo[crit]),
                "weight_high": float(hi[crit]),
                "score_base": base,
                "score_low": s_lo,
                "score_high": s_hi,
                "swing": abs(s_hi - s_lo),
            }
        )
    return (
        pd.DataFrame(rows)
        .sort_values(["swing", "criterion"], ascending=[False, True])
        .reset_index(drop=True)
    )
