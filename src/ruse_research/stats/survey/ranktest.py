"""Design-based rank tests for two or more groups (R ``svyranktest``, Lumley & Scott 2013).

Every row gets its estimated population mid-rank ``sum of the weights below it + half
its own weight`` (tied values share the mean of theirs), divided by the population size
N; the test compares the weighted means of a score of it between the two groups by a
design-based t test of the slope of a weighted regression on the group indicator,
with ``degf - 1`` degrees of freedom. Scores (``test``): ``"wilcoxon"`` (rank / N),
``"vanderWaerden"`` (normal quantile of rank / N), ``"median"`` (rank above N / 2).
Likert comparisons between weighted groups are rank questions: this is their test.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design
>>> d = pd.DataFrame({"y": [1, 2, 2, 3, 4, 4, 5, 5], "g": list("aaaabbbb")})  # R: 0.5, df 6
>>> rank_test(Design.from_frame(d), "y", "g")[["estimate", "df"]].round(4)
   estimate  df
0       0.5   6
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import variance as var_
from ruse_research.stats.survey.design import Design, require_design
from ruse_research.stats.survey.errors import WeightingError
from ruse_research.stats.survey.replicate import ReplicateDesign, replicate_vcov

__all__ = ["rank_test"]

_SCORES = {
    "wilcoxon": lambda r, n: r / n,
    "vanderWaerden": lambda r, n: stats.norm.ppf(r / n),
    "median": lambda r, n: (r > n / 2).astype(float),
}


def rank_test(
    design: Design | ReplicateDesign, variable: str, group: str, test: str = "wilcoxon"
) -> pd.DataFrame:
    """Two-group design-based rank test of ``variable`` by ``group`` (R ``svyranktest``).

    Rows missing either column are left out (they stay in the design). Returns one row:
    ``variable, group, test, level, reference, estimate`` (difference in mean rank score,
    ``level`` minus ``reference``, the levels sorted), ``se``, ``t``, ``df``, ``p``, ``n``.
    With more than two groups (R's ``multiranktest``, a Kruskal-Wallis analogue): ``chisq``
    (Wald statistic of the group effects on the rank score), ``ndf`` = groups - 1,
    ``ddf`` = design df - ndf and ``p`` from F(ndf, ddf) at ``chisq / ndf``. On a
    :class:`~.replicate.ReplicateDesign` the covariance is the replicate one of the
    same influence totals and the df R's ``degf`` of the rows with data (R
    ``svyranktest`` on an ``svrepdesign``; R has no replicate version of the test of
    more than two groups, this one is the same Wald test with that covariance).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1, 2, 3, 4], "g": ["x", "x", "y", "y"]})
    >>> rank_test(Design.from_frame(d), "y", "g")["reference"].iloc[0]
    'x'
    """
    replicate = isinstance(design, ReplicateDesign)
    if not replicate:
        design = require_design(design, "rank_test")
    if test not in _SCORES:
        raise WeightingError(f"test must be one of {', '.join(_SCORES)}, got {test!r}")
    data = design.frame if replicate else design.data
    weights = design.weights if replicate else design.coded.w
    y = cols.numeric(cols.column(data, variable, "variable"), "variable")
    g = cols.column(data, group, "group")
    valid = design.in_domain & ~np.isnan(y) & g.notna().to_numpy()
    levels = cols.levels(g[valid])
    if len(levels) < 2:
        raise WeightingError(
            f"rank_test compares groups; {group!r} has {len(levels)} level(s) with data"
        )
    rows = np.flatnonzero(valid)
    w = weights[rows]
    yv = y[rows]
    order = np.argsort(yv, kind="stable")
    mid = np.cumsum(w[order]) - w[order] / 2
    mid = pd.Series(mid).groupby(yv[order]).transform("mean").to_numpy()
    rank = np.empty(len(rows))
    rank[order] = mid
    score = _SCORES[test](rank, w.sum())
    gv = g.iloc[rows]
    x = np.column_stack(
        [np.ones(len(rows))] + [(gv == lv).to_numpy(dtype=float) for lv in levels[1:]]
    )
    bread = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = bread @ (x.T @ (w * score))
    resid = score - x @ beta
    infn = resid[:, None] * (x @ bread)  # R's infn; its weighted totals give the variance
    k = len(levels)
    if replicate:
        V = replicate_vcov(design, lambda wt: wt[rows] @ infn)
        dof = design.degrees_of_freedom(valid) - (k - 1)
    else:
        z = np.zeros((len(data), x.shape[1]))
        z[rows] = w[:, None] * infn
        z = var_.residualised(design.calibrator, z)
        V = var_.row_covariance(design.coded, z)
        dof = var_.degrees_of_freedom(design.coded, valid) - (k - 1)
    if k > 2:  # R's multiranktest: Wald chi-square of the k - 1 group effects, F reference
        b = beta[1:]
        chisq = float(b @ np.linalg.solve(V[1:, 1:], b))
        return pd.DataFrame(
            [
                {
                    "variable": variable,
                    "group": group,
                    "test": test,
                    "chisq": chisq,
                    "ndf": k - 1,
                    "ddf": dof,
                    "p": float(stats.f.sf(chisq / (k - 1), k - 1, dof)),
                    "n": len(rows),
                }
            ]
        )
    se = float(np.sqrt(V[1, 1]))
    t = beta[1] / se
    return pd.DataFrame(
        [
            {
                "variable": variable,
                "group": group,
                "test": test,
                "level": levels[1],
                "reference": levels[0],
                "estimate": float(beta[1]),
                "se": se,
                "t": float(t),
                "df": dof,
                "p": float(2 * stats.t.sf(abs(t), dof)),
                "n": len(rows),
            }
        ]
    )
