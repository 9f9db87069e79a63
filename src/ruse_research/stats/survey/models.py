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
from scipy import stats

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import variance as var_
from ruse_research.stats.survey.design import Design, require_design
from ruse_research.stats.survey.errors import WeightingError

__all__ = ["linear_model"]


def linear_model(
    design: Design,
    outcome: str,
    predictors: Sequence[str],
    categorical: Sequence[str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Survey-weighted linear regression with design-based standard errors.

    Coefficients are weighted least squares ``(X'WX)^-1 X'Wy`` (the weights enter as
    sampling weights, not precision weights); the variance is the Taylor-linearisation
    sandwich over PSUs within strata, as R ``svyglm(family = gaussian())``, with the
    influence values residualised on the margins of a calibrated design. Rows with a
    missing outcome or predictor, or outside the design's subset, drop out of the fit but
    stay in the design. t tests use ``degf - p + 1`` degrees of freedom (p = number of
    coefficients), as ``svyglm``.

    Parameters
    ----------
    predictors : list of str
        Numeric columns enter as they are; columns named in ``categorical`` (and any
        non-numeric column) enter as indicators of every level but the first.

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
    design = require_design(design, "linear_model")
    cols.check_ci(ci)
    predictors = cols.as_list(predictors)
    categorical = set(cols.as_list(categorical))
    data, coded = design.data, design.coded
    y = cols.numeric(cols.column(data, outcome, "outcome"), "outcome")
    n = len(data)
    columns = [np.ones(n)]
    names = ["Intercept"]
    valid = ~np.isnan(y) & design.in_domain
    for pred in predictors:
        s = cols.column(data, pred, "predictor")
        is_numeric = (
            pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        ) and not isinstance(s.dtype, pd.CategoricalDtype)
        if pred in categorical or not is_numeric:
            level_list = cols.levels(s if design.domain is None else s[design.domain])
            code = cols.codes(s, level_list)
            valid &= code >= 0
            for i, lv in enumerate(level_list[1:], start=1):
                columns.append((code == i).astype(float))
                names.append(f"{pred}[{lv}]")
        else:
            x = cols.numeric(s, "predictor")
            valid &= ~np.isnan(x)
            columns.append(x)
            names.append(pred)
    X = np.column_stack(columns)[valid]
    w = coded.w[valid]
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
    z = var_.residualised(design.calibrator, z)
    cov = var_.row_covariance(coded, z)
    se = np.sqrt(np.diag(cov))
    dof = max(var_.degrees_of_freedom(coded, valid) - len(names) + 1, 1)
    q = float(var_.t_quantile(ci, dof))
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
