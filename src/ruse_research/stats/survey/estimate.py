"""Design-based means and shares by domain, differences of domain means, two samples.

Functions
---------
estimate
    Weighted means or category proportions, by domain, with design-based SE and CI
    (R ``svymean``/``svyby``, ``svyciprop(method = "logit")``).
compare_means
    Differences of domain means against a reference group, t tests (R ``svyttest``).
difference_between_samples
    Mean in one sample minus domain means in an independent one (staff vs stakeholders).

Missing answers follow R ``survey`` with ``na.rm = TRUE``: the rows stay in the design
and add zero to the linearised totals (domain estimation); ``by`` groups are domains in
the same sense. A calibrated :class:`~.design.Design` gives calibrated variances.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design, estimate
>>> d = pd.DataFrame({"score": [3.0, 4.0, 2.0, None], "w": [30.0, 30.0, 20.0, 20.0]})
>>> estimate(Design.from_frame(d, weights="w"), "score")[["estimate", "n"]]
   estimate  n
0     3.125  3
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ruse_research.stats.adjust import holm
from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import variance as var_
from ruse_research.stats.survey.design import Design, require_design
from ruse_research.stats.survey.errors import WeightingError
from ruse_research.stats.survey.replicate import ReplicateDesign
from ruse_research.stats.survey.replicate import domain_logit_se as replicate_logit_se
from ruse_research.stats.survey.replicate import domain_means as replicate_domain_means

__all__ = ["estimate", "compare_means", "difference_between_samples"]


def estimate(
    design: Design | ReplicateDesign,
    variable: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    kind: str = "mean",
    ci: float = 0.95,
    df: float | None = None,
) -> pd.DataFrame:
    """Weighted means or category proportions with design-based standard errors.

    Taylor linearisation for the design (R ``svymean`` on ``svydesign(ids=~psu,
    strata=~strata, weights=~w)``; on a raked design the calibrated variance of R
    ``svymean`` on ``rake(...)``). Missing answers are treated as R does with
    ``na.rm=TRUE``: those rows stay in the design with zero contribution. Each ``by``
    group is a domain of the full design. On a :class:`~.replicate.ReplicateDesign`
    the variance is the replicate one (R ``svymean``/``svyby`` on an ``svrepdesign``)
    and a domain's df is R's ``degf`` of its rows (rank of their replicate weights - 1).

    Parameters
    ----------
    design : Design
        The sample, its weights, strata, PSUs and calibration.
    variable : str or list of str
        Column(s) to estimate. ``kind="mean"`` needs numeric columns (0/1 columns give
        proportions); ``kind="proportion"`` takes any column and estimates the share of
        every observed category.
    by : str or list of str, optional
        Columns defining domains (subgroups). Rows with a missing ``by`` value belong
        to no domain but stay in the design.
    kind : {"mean", "proportion"}
    ci : float
        Confidence level.
    df : float, optional
        Degrees of freedom of the t quantile for the CI. Default: the design degrees of
        freedom of each domain (PSUs minus strata holding a valid answer, R ``degf`` of
        the subset design). ``numpy.inf`` gives normal-theory intervals as R's
        ``confint(svymean(...))``.

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
    >>> estimate(Design.from_frame(d, weights="w"), "y", by="g")[["g", "estimate", "n"]]
       g  estimate  n
    0  a  2.250000  3
    1  b  4.666667  2

    Weights post-stratified (raked on one margin) to 40 % a and 60 % b: the calibrated SE
    is the post-stratified one, smaller than with the weights taken as fixed.

    >>> p = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "g": list("aaabbb")})
    >>> raked = Design.from_frame(p).rake({"g": {"a": 40.0, "b": 60.0}})
    >>> fixed = Design.from_frame(raked.data, weights=raked.weights)
    >>> float(estimate(fixed, "y")["se"].iloc[0].round(4))
    0.8824
    >>> float(estimate(raked, "y")["se"].iloc[0].round(4))
    0.5164
    """
    replicate = isinstance(design, ReplicateDesign)
    if not replicate:
        design = require_design(design, "estimate")
    cols.check_ci(ci)
    if kind not in ("mean", "proportion"):
        raise WeightingError(f"kind must be 'mean' or 'proportion', got {kind!r}")
    variables = cols.as_list(variable)
    if not variables:
        raise WeightingError("no variable given")
    data, mask = data_of(design), design.domain
    dom, labels = var_.domain_codes(data, cols.as_list(by), mask)
    n_dom = len(labels)
    if not replicate:
        coded, cal = design.coded, design.calibrator
        cell_codes = var_.cells(coded, dom, n_dom)
    frames = []
    specs: list[tuple[str, object, np.ndarray]] = []  # (variable, category, values)
    for name in variables:
        col = cols.column(data, name, "variable")
        if kind == "mean":
            specs.append((name, None, cols.numeric(col, "variable")))
            continue
        level_list = cols.levels(col if mask is None else col[mask])
        if not level_list:
            raise WeightingError(f"variable {name!r} has no valid answers")
        code = cols.codes(col, level_list)
        specs.extend(
            (name, lv, np.where(code < 0, np.nan, (code == i).astype(float)))
            for i, lv in enumerate(level_list)
        )
    # one column at a time: gathering a 2-d block of rows is slower than 1-d gathers
    for name, category, values in specs:
        if replicate:
            mean, cov, n, wsum, s2, design_df = replicate_domain_means(
                design, values, dom, n_dom
            )
            v = np.diag(cov).copy()
        else:
            mean, v, n, wsum, s2, design_df = var_.domain_means(
                coded, values, dom, n_dom, cell_codes, cal
            )
        se = np.sqrt(v)
        use_df = design_df.astype(float) if df is None else np.full(n_dom, float(df))
        q = var_.t_quantile(ci, use_df)
        observed = values[~np.isnan(values) & design.in_domain]
        if kind == "mean" and not np.all((observed == 0) | (observed == 1)):
            low, high = mean - q * se, mean + q * se
        else:  # shares (proportions, or means of 0/1 columns) stay inside [0, 1]
            scale_se = se
            if replicate:  # the logit's SE over the replicates, as R's svyciprop refits
                scale_se = replicate_logit_se(design, values, dom, n_dom) * mean * (1 - mean)
            low, high = _logit_ci(mean, scale_se, q, n, ci)
        with np.errstate(invalid="ignore", divide="ignore"):
            deff = v / (s2 / n)
        part = labels.copy()
        part.insert(0, "variable", name)
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


def data_of(design: Design | ReplicateDesign) -> pd.DataFrame:
    """Every sampled row of a :class:`Design` or :class:`~.replicate.ReplicateDesign`."""
    return design.frame if isinstance(design, ReplicateDesign) else design.data


def group_setup(design: Design | ReplicateDesign, variable: str, group: str):
    """Numeric ``variable`` (NaN outside the domain) and the domains of ``group``."""
    data = data_of(design)
    y = cols.numeric(cols.column(data, variable, "variable"), "variable")
    if design.domain is not None:
        y = np.where(design.domain, y, np.nan)
    dom, labels = var_.domain_codes(data, [group], design.domain)
    if len(labels) < 2:
        raise WeightingError(f"group column {group!r} needs at least two groups with data")
    return y, dom, labels


def mean_influence(coded: var_.Coded, y: np.ndarray, dom: np.ndarray, n_dom: int):
    """Domain means and the (n, n_dom) matrix of linearised values (zero outside)."""
    valid = ~np.isnan(y) & (dom >= 0)
    w = np.where(valid, coded.w, 0.0)
    d = np.where(valid, dom, 0)
    yv = np.where(valid, y, 0.0)
    wsum = np.bincount(d, weights=w, minlength=n_dom)
    mean = np.bincount(d, weights=w * yv, minlength=n_dom) / wsum
    z = np.zeros((len(y), n_dom))
    rows = np.flatnonzero(valid)
    z[rows, d[rows]] = w[rows] * (yv[rows] - mean[d[rows]]) / wsum[d[rows]]
    return mean, z, valid


def compare_means(
    design: Design | ReplicateDesign,
    variable: str,
    group: str,
    reference=None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Differences of domain means against a reference group, with design-based SEs.

    Each difference ``mean(group) - mean(reference)`` is linearised jointly, so the
    covariance of the two domain means (shared strata and PSUs) is included; a
    calibrated design residualises the influence values on its margins first. The t
    test uses the design degrees of freedom of the two groups' rows minus 1, as R
    ``svyttest`` does (which fits ``svyglm(y ~ group)``). Holm-adjusted p-values are
    given for the set of contrasts. On a :class:`~.replicate.ReplicateDesign` the
    covariance of the domain means is the replicate one and the df R's ``degf`` of the
    two groups' rows minus 1 (R ``svyttest`` on an ``svrepdesign``).

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
    >>> compare_means(Design.from_frame(d), "y", "g")[["group", "reference", "difference"]]
      group reference  difference
    0     b         a    3.333333
    """
    replicate = isinstance(design, ReplicateDesign)
    if not replicate:
        design = require_design(design, "compare_means")
    cols.check_ci(ci)
    y, dom, labels = group_setup(design, variable, group)
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
    if replicate:
        mean, cov, n, _, s2, _ = replicate_domain_means(design, y, dom, n_dom)
        valid = ~np.isnan(y) & (dom >= 0)
    else:
        coded = design.coded
        mean, z, valid = mean_influence(coded, y, dom, n_dom)
        z = var_.residualised(design.calibrator, z)
        _, _, n, _, s2, _ = var_.domain_means(coded, y, dom, n_dom)
    rows = []
    for g in range(n_dom):
        if g == ref:
            continue
        pair = valid & ((dom == g) | (dom == ref))
        if replicate:
            se = float(np.sqrt(max(cov[g, g] + cov[ref, ref] - 2 * cov[g, ref], 0.0)))
            dof = max(design.degrees_of_freedom(pair) - 1, 1)
        else:
            se = float(np.sqrt(var_.row_variance(coded, z[:, [g]] - z[:, [ref]])[0]))
            dof = max(var_.degrees_of_freedom(coded, pair) - 1, 1)
        diff = mean[g] - mean[ref]
        q = float(var_.t_quantile(ci, dof))
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


def difference_between_samples(
    first: Design | ReplicateDesign,
    second: Design | ReplicateDesign,
    variables: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Mean of each variable in one sample minus its (domain) means in another sample.

    For two independently drawn samples (for example staff and stakeholders answering the
    same "mirror" items). Each side is estimated with :func:`estimate` under its own
    design (a :class:`Design` or a :class:`~.replicate.ReplicateDesign`); the variance
    of the difference is the sum of the two variances and the t
    reference uses Welch-Satterthwaite degrees of freedom from the two design df.
    ``by`` splits the *second* sample into domains; the first is used whole.

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
    >>> difference_between_samples(Design.from_frame(a), Design.from_frame(b), "x",
    ...                            by="g")[["g", "difference"]]
       g  difference
    0  p        1.50
    1  q        1.25
    """
    if not isinstance(first, ReplicateDesign):
        first = require_design(first, "difference_between_samples")
    if not isinstance(second, ReplicateDesign):
        second = require_design(second, "difference_between_samples")
    cols.check_ci(ci)
    variables = cols.as_list(variables)
    by_cols = cols.as_list(by)
    one = estimate(first, variables, ci=ci)
    two = estimate(second, variables, by=by, ci=ci)
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
        q = var_.t_quantile(ci, dof)
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
