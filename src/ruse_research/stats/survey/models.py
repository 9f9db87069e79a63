"""Survey-weighted linear regression with design-based (sandwich) SEs (R ``svyglm`` gaussian).

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design, linear_model
>>> d = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0, 5.5, 6.0], "x": [0, 1, 2, 3, 4, 5]})
>>> linear_model(Design.from_frame(d), "y", ["x"])[["term", "estimate"]].round(3)
        term  estimate
0  Intercept     0.857
1          x     1.057
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import _modelframe as mf
from ruse_research.stats.survey.design import Design
from ruse_research.stats.survey.errors import WeightingError
from ruse_research.stats.survey.replicate import ReplicateDesign

__all__ = ["linear_model"]


def linear_model(
    design: Design | ReplicateDesign,
    outcome: str,
    predictors: Sequence[str],
    categorical: Sequence[str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Survey-weighted linear regression with design-based standard errors.

    Coefficients are weighted least squares ``(X'WX)^-1 X'Wy`` (the weights enter as
    sampling weights, not precision weights); the variance is the Taylor-linearisation
    sandwich over PSUs within strata, as R ``svyglm(family = gaussian())``, with the
    influence values residualised on the margins of a calibrated design; on a
    :class:`~.replicate.ReplicateDesign` the model is refitted with every replicate's
    weights (R ``svyglm`` on an ``svrepdesign``). Rows with a missing outcome or
    predictor, or outside the design's subset, drop out of the fit but stay in the
    design. t tests use ``degf - p + 1`` degrees of freedom (p = number of
    coefficients), as ``svyglm``; ``degf`` is that of the PSUs holding a fitted row
    (replicate design: R's ``degf`` of the fitted rows).

    Parameters
    ----------
    predictors : list of str
        Numeric columns enter as they are; columns named in ``categorical`` (and any
        non-numeric column) enter as indicators of every level but the first
        (:func:`~._modelframe.model_matrix`, the same coding as every model here).

    Returns
    -------
    DataFrame
        ``term``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``t``, ``df``,
        ``p_value``, ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0, 5.0, 7.0], "g": list("aabbcc")})
    >>> linear_model(Design.from_frame(d), "y", ["g"])["term"].tolist()
    ['Intercept', 'g[b]', 'g[c]']
    """
    sample = mf.sample_of(design, "linear_model")
    cols.check_ci(ci)
    data = sample.data
    y_all = cols.numeric(cols.column(data, outcome, "outcome"), "outcome")
    rows = sample.in_domain & ~np.isnan(y_all)
    X, names, valid = mf.model_matrix(data, predictors, cols.as_list(categorical), rows)
    mf.check_rank(X[valid], names)
    y = np.where(valid, y_all, 0.0)

    def fit(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wv = np.where(valid, weights, 0.0)
        bread = np.linalg.inv(X.T @ (wv[:, None] * X))
        return bread @ (X.T @ (wv * y)), bread

    def refit(weights: np.ndarray) -> np.ndarray:
        try:
            return fit(weights)[0]
        except np.linalg.LinAlgError:  # a replicate without a fitted row of some level
            return np.full(len(names), np.nan)  # dropped by the replicate variance

    try:
        beta, bread = fit(sample.w)
    except np.linalg.LinAlgError:
        raise WeightingError("predictors are collinear (the model matrix is singular)") from None
    influence = np.where(valid, sample.w * (y - X @ beta), 0.0)[:, None] * X @ bread
    cov, degf = mf.model_vcov(sample, valid, beta, influence, refit)
    table = mf.coefficient_table(names, beta, cov, degf - len(names) + 1, ci, int(valid.sum()))
    return table.drop(columns=["odds_ratio", "or_low", "or_high"])
