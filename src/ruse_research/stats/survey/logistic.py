"""Design-based logistic regression (R ``svyglm(family = quasibinomial())``).

The coefficients maximise the weighted (pseudo-) log-likelihood
``sum_i w_i [y_i log p_i + (1 - y_i) log(1 - p_i)]``, ``logit p_i = x_i b``, by Newton's
method (IRLS), the weights entering as sampling weights. The variance is design-based:
the influence values ``w_i (y_i - p_i) x_i I^-1`` (``I`` the weighted information
``X' diag(w p (1 - p)) X``) are summed over PSUs within strata -- residualised on the
raking margins of a calibrated design first -- as R's ``svy.varcoef``; on a replicate
design the model is refitted with every replicate's weights (R ``svrVar``). The
dispersion does not enter the sandwich, so quasibinomial and binomial give the same SEs.
Reference values: ``tests/test_survey_r_ordinal.py`` (R 4.2.2, survey 4.1-1, ``api``).

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design, logistic_model
>>> d = pd.DataFrame({"y": [0, 0, 1, 0, 1, 1, 0, 1], "x": [1, 2, 3, 4, 5, 6, 3, 2]})
>>> out = logistic_model(Design.from_frame(d), "y", ["x"])
>>> out[["term", "estimate", "odds_ratio"]].round(3)
        term  estimate  odds_ratio
0  Intercept    -2.389       0.092
1          x     0.747       2.112
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import special

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import _modelframe as mf
from ruse_research.stats.survey.errors import WeightingError

__all__ = ["logistic_model"]


def _binary_outcome(s: pd.Series, event: Hashable | None, rows: np.ndarray) -> np.ndarray:
    """The outcome as floats in [0, 1] (NaN missing): ``s == event``; else a numeric
    0/1 (or proportion) column; else the second of two levels (R's factor convention)."""
    if event is not None:
        return np.where(s.isna(), np.nan, (s == event).astype(float))
    numeric = (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)) and not (
        isinstance(s.dtype, pd.CategoricalDtype)
    )
    if numeric:
        y = cols.numeric(s, "outcome")
        seen = y[rows & ~np.isnan(y)]
        if ((seen < 0) | (seen > 1)).any():
            raise WeightingError(
                f"outcome column {s.name!r} has values outside 0..1; give event= (the "
                "answer that counts as 1) or code the outcome 0/1"
            )
        return y
    level_list = cols.levels(s[rows])
    if len(level_list) != 2:
        raise WeightingError(
            f"outcome column {s.name!r} has {len(level_list)} levels, expected 2; give "
            "event= (the answer that counts as 1)"
        )
    code = cols.codes(s, level_list)
    return np.where(code < 0, np.nan, (code == 1).astype(float))


def fit_logistic(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, start: np.ndarray | None = None,
    max_iter: int = 100, tol: float = 1e-12,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic maximum pseudo-likelihood by Newton's method.

    Returns the coefficients and the inverse information ``(X' diag(w p(1-p)) X)^-1``.
    Rows with weight 0 do not enter. Raises :class:`WeightingError` when the fit does not
    converge (for example under complete separation).

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    >>> beta, _ = fit_logistic(X, np.array([0.0, 1.0, 0.0, 1.0]), np.ones(4))
    >>> beta.round(4).tolist()
    [-1.3623, 0.9082]
    """
    beta = np.zeros(X.shape[1]) if start is None else np.array(start, dtype=float)
    for _ in range(max_iter):
        p = special.expit(X @ beta)
        info = X.T @ ((w * p * (1 - p))[:, None] * X)
        score = X.T @ (w * (y - p))
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            raise WeightingError("the logistic model's information matrix is singular") from None
        beta = beta + step
        if np.max(np.abs(step) / (1.0 + np.abs(beta))) < tol:
            p = special.expit(X @ beta)
            info = X.T @ ((w * p * (1 - p))[:, None] * X)
            return beta, np.linalg.inv(info)
    raise WeightingError(
        f"the logistic model did not converge in {max_iter} Newton steps (an outcome "
        "category may be predicted perfectly by a predictor: complete separation)"
    )


def logistic_model(
    design,
    outcome: str,
    predictors: Sequence[str],
    categorical: Sequence[str] | None = None,
    event: Hashable | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Survey-weighted logistic regression with design-based standard errors.

    ``design`` is a :class:`~.design.Design` (linearisation SEs, calibration included)
    or a replicate-weight design (``ReplicateDesign``: replicate SEs). The outcome is
    ``outcome == event`` when ``event`` is given, else a 0/1 column (proportions in
    0..1 are accepted, as quasibinomial), else the second of two levels. Predictors as
    :func:`~.models.linear_model`. Rows with a missing outcome or predictor, or outside
    the design's subset, drop out of the fit but stay in the design. t tests and limits
    use ``degf - p + 1`` degrees of freedom (p coefficients), as ``svyglm``.

    Returns
    -------
    DataFrame
        ``term``, ``estimate`` (log odds), ``se``, ``ci_low``, ``ci_high``, ``t``,
        ``df``, ``p_value``, ``n``, ``odds_ratio``, ``or_low``, ``or_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.survey import Design
    >>> d = pd.DataFrame({"a": list("nnynyyny"), "x": [1, 2, 3, 4, 5, 6, 3, 2]})
    >>> logistic_model(Design.from_frame(d), "a", ["x"], event="y")["term"].tolist()
    ['Intercept', 'x']
    """
    sample = mf.sample_of(design, "logistic_model")
    cols.check_ci(ci)
    data = sample.data
    categorical = cols.as_list(categorical)
    s = cols.column(data, outcome, "outcome")
    present = sample.in_domain & s.notna().to_numpy()
    fitted = mf.complete_cases(data, predictors, categorical, present)
    y_all = _binary_outcome(s, event, fitted)
    rows = fitted & ~np.isnan(y_all)
    X, names, valid = mf.model_matrix(data, predictors, categorical, rows)
    mf.check_rank(X[valid], names)
    y = np.where(valid, y_all, 0.0)

    def estimator(weights: np.ndarray, start=None) -> np.ndarray:
        wv = np.where(valid, weights, 0.0)
        return fit_logistic(X, y, wv, start)[0]

    beta, bread = fit_logistic(X, y, np.where(valid, sample.w, 0.0))
    p = special.expit(X @ beta)
    influence = np.where(valid, sample.w * (y - p), 0.0)[:, None] * X @ bread

    def refit(weights: np.ndarray) -> np.ndarray:
        try:
            return estimator(weights, beta)
        except WeightingError:
            return np.full(len(beta), np.nan)  # dropped by the replicate variance

    cov, degf = mf.model_vcov(sample, valid, beta, influence, refit)
    dof = degf - len(names) + 1
    return mf.coefficient_table(names, beta, cov, dof, ci, int(valid.sum()),
                                odds=np.ones(len(names), dtype=bool))
