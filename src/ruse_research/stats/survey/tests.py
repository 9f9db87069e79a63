"""Omnibus design-based tests: Wald F for equal domain means, Rao-Scott for independence.

Both take the :class:`~.design.Design` and so its calibration: on a raked design the
influence values are residualised on the raking margins before their covariance is
summed, as R ``survey`` does for ``regTermTest`` and ``svychisq`` on a ``rake``/
``calibrate`` design. Checked against R survey 4.1-1 on ``apistrat`` raked to ``apipop``
margins in ``tests/test_survey_reference.py``.

Functions
---------
wald_test
    ``F = d' V^-1 d / (k - 1)`` of the k - 1 differences from the first group
    (R ``regTermTest(svyglm(y ~ group), ~group)``).
rao_scott
    Rao-Scott first-order corrected chi-square, F form (R ``svychisq(statistic = "F")``).

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design, rao_scott
>>> d = pd.DataFrame({"a": list("xxxxyyyy"), "b": list("ppqqppqq")})
>>> rao_scott(Design.from_frame(d), "a", "b")[["statistic", "cramers_v", "n"]]
   statistic  cramers_v  n
0        0.0        0.0  8
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import variance as var_
from ruse_research.stats.survey.design import Design, require_design
from ruse_research.stats.survey.errors import DesignError, WeightingError
from ruse_research.stats.survey.estimate import group_setup, mean_influence
from ruse_research.stats.survey.replicate import ReplicateDesign, replicate_vcov
from ruse_research.stats.survey.replicate import domain_means as replicate_domain_means

__all__ = ["wald_test", "rao_scott"]


def wald_test(design: Design | ReplicateDesign, variable: str, group: str) -> pd.DataFrame:
    """Design-based Wald F test that a numeric variable has the same mean in every group.

    The k - 1 differences from the first group and their design covariance V (calibrated
    when the design is) give ``X2 = d' V^-1 d``; ``F = X2 / (k - 1)`` on
    ``(k - 1, degf - k + 1)`` degrees of freedom, as R
    ``regTermTest(svyglm(y ~ group, design), ~group)`` (for two groups F = t^2 of
    ``svyttest``). Eta-squared is the share of the weighted variance between groups.
    On a :class:`~.replicate.ReplicateDesign` V is the replicate covariance and
    ``degf`` R's ``degf`` of the rows with a value (R ``regTermTest`` on an
    ``svrepdesign``).

    Returns
    -------
    DataFrame
        One row: ``variable``, ``group``, ``statistic`` (F), ``ndf``, ``ddf``,
        ``p_value``, ``eta_squared``, ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "g": list("aaabbb")})
    >>> wald_test(Design.from_frame(d), "y", "g")[["statistic", "ndf", "ddf"]].round(3)
       statistic  ndf  ddf
    0       12.5  1.0  4.0
    """
    replicate = isinstance(design, ReplicateDesign)
    if not replicate:
        design = require_design(design, "wald_test")
    y, dom, labels = group_setup(design, variable, group)
    k = len(labels)
    if replicate:
        mean, cov_means, *_ = replicate_domain_means(design, y, dom, k)
        valid = ~np.isnan(y) & (dom >= 0)
        L = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])
        cov = L @ cov_means @ L.T
        weights, degf = design.weights, design.degrees_of_freedom(valid)
    else:
        coded = design.coded
        mean, z, valid = mean_influence(coded, y, dom, k)
        contrasts = var_.residualised(design.calibrator, z[:, 1:] - z[:, [0]])
        cov = var_.row_covariance(coded, contrasts)
        weights, degf = coded.w, var_.degrees_of_freedom(coded, valid)
    d = mean[1:] - mean[0]
    try:
        x2 = float(d @ np.linalg.solve(cov, d))
    except np.linalg.LinAlgError:
        raise DesignError(
            "the group means' covariance matrix is singular (a group too small?)"
        ) from None
    ddf = max(degf - k + 1, 1)
    f = x2 / (k - 1)
    w, yv, dv = weights[valid], y[valid], dom[valid]
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


def rao_scott(design: Design | ReplicateDesign, row: str, col: str) -> pd.DataFrame:
    """Rao-Scott corrected chi-square test of independence of two categorical columns.

    Follows R ``svychisq(~row + col, design, statistic = "F")``: the Pearson X^2 of the
    weighted table is divided by the mean generalised design effect ``tr(Delta)/.`` and
    referred to an F distribution with ``d0 = tr(Delta)^2 / tr(Delta^2)`` and ``d0 * nu``
    degrees of freedom, where ``nu`` = PSUs minus strata among rows with both answers.
    The design covariance of the cell shares in Delta is the calibrated one on a raked
    design. Rows missing either answer stay in the design (domain). Cramér's V comes
    from the weighted table. On a :class:`~.replicate.ReplicateDesign` the covariance
    is the replicate one and ``nu`` the replicate design's degrees of freedom (R
    ``svychisq`` on an ``svrepdesign``).

    Returns
    -------
    DataFrame
        One row: ``row``, ``col``, ``statistic`` (F), ``ndf``, ``ddf``, ``p_value``,
        ``chisq`` (Pearson X^2 of the weighted table scaled to n), ``cramers_v``, ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": list("xxxyyyyx"), "b": list("ppqqppqq")})
    >>> rao_scott(Design.from_frame(d), "a", "b")[["statistic", "n"]]
       statistic  n
    0        0.0  8
    """
    replicate = isinstance(design, ReplicateDesign)
    if replicate:
        data, weights = design.frame, design.weights
    else:
        design = require_design(design, "rao_scott")
        coded, data = design.coded, design.data
        weights = coded.w
    rs, cs = cols.column(data, row, "row"), cols.column(data, col, "col")
    if design.domain is not None:
        rs, cs = rs.where(design.domain), cs.where(design.domain)
    r_levels, c_levels = cols.levels(rs), cols.levels(cs)
    if len(r_levels) < 2 or len(c_levels) < 2:
        raise WeightingError(f"{row!r} and {col!r} each need at least two observed categories")
    rc, cc = cols.codes(rs, r_levels), cols.codes(cs, c_levels)
    valid = (rc >= 0) & (cc >= 0)
    nr, nc = len(r_levels), len(c_levels)
    # cells ordered as R's interaction(row, col): row index varies fastest
    cell = np.where(valid, rc + nr * cc, 0)
    w = np.where(valid, weights, 0.0)
    wsum = w.sum()
    p = np.bincount(cell, weights=w, minlength=nr * nc) / wsum
    if replicate:  # replicate covariance of the cell shares (R svychisq on an svrepdesign)

        def shares(wt):
            wt = np.where(valid, wt, 0.0)
            return np.bincount(cell, weights=wt, minlength=nr * nc) / wt.sum()

        V = replicate_vcov(design, shares, full=p)
    else:
        ind = np.zeros((len(w), nr * nc))
        vrows = np.flatnonzero(valid)
        ind[vrows, cell[vrows]] = 1.0
        z = (w / wsum)[:, None] * (ind - p[None, :])
        z[~valid] = 0.0
        z = var_.residualised(design.calibrator, z)
        V = var_.row_covariance(coded, z)

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
    nu = design.degf if replicate else var_.degrees_of_freedom(coded, valid)
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
