"""Model matrices and design-based covariances shared by the regression models (internal).

:func:`model_matrix` codes the predictors of a model (numeric columns as they are,
categorical ones as indicators of every level but the first, R's treatment contrasts),
:class:`Sample` holds what a model needs from a design -- the data, the full-sample
weights, the rows in the domain -- for a linearisation :class:`~.design.Design` and for a
replicate-weight design (``replicate.ReplicateDesign``) alike, and :func:`model_vcov`
gives the covariance of the coefficients: the linearisation sandwich of the influence
values over PSUs (residualised on the raking margins of a calibrated design), or the
replicate variance of the estimator refitted with every replicate's weights.

Every model writes its point estimate as a function of one weight vector (all rows of
the data, zero where a row does not enter), so the same function gives the replicates.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design
>>> d = pd.DataFrame({"x": [1.0, 2.0, None], "g": ["a", "b", "b"]})
>>> X, names, valid = model_matrix(d, ["x", "g"], (), np.ones(3, dtype=bool))
>>> names, valid.tolist()
(['Intercept', 'x', 'g[b]'], [True, True, False])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import variance as var_
from ruse_research.stats.survey.design import Design
from ruse_research.stats.survey.errors import WeightingError


def is_replicate(design) -> bool:
    """True for a replicate-weight design (``replicate.ReplicateDesign``)."""
    return hasattr(design, "repweights") and hasattr(design, "weights_in_domain")


@dataclass(frozen=True, eq=False)
class Sample:
    """What a model reads from a design: ``data`` (every row), full-sample weights ``w``
    (zero outside the domain for a replicate design) and the ``in_domain`` mask."""

    design: object
    data: pd.DataFrame
    w: np.ndarray
    in_domain: np.ndarray

    @property
    def replicate(self) -> bool:
        return is_replicate(self.design)


def sample_of(design, where: str) -> Sample:
    """The :class:`Sample` of a :class:`Design` or a replicate design; a one-line error
    for anything else."""
    if isinstance(design, Design):
        return Sample(design, design.data, design.coded.w, design.in_domain)
    if is_replicate(design):
        w, _ = design.weights_in_domain()
        return Sample(design, design.frame, np.asarray(w, dtype=float), design.in_domain)
    raise WeightingError(
        f"{where} takes a survey Design or ReplicateDesign, got {type(design).__name__}; "
        "build one with Design.from_frame(data, weights=..., strata=..., psu=...)"
    )


def _terms(data: pd.DataFrame, predictors: Sequence[str], categorical: Sequence[str]):
    """``(name, values, is_categorical, present)`` of every predictor: categorical ones
    (named in ``categorical``, or not numeric) as the Series, numeric ones as floats."""
    categorical = set(cols.as_list(categorical))
    out = []
    for pred in cols.as_list(predictors):
        s = cols.column(data, pred, "predictor")
        is_numeric = (
            pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        ) and not isinstance(s.dtype, pd.CategoricalDtype)
        if pred in categorical or not is_numeric:
            out.append((pred, s, True, s.notna().to_numpy()))
        else:
            x = cols.numeric(s, "predictor")
            out.append((pred, x, False, ~np.isnan(x)))
    return out


def complete_cases(
    data: pd.DataFrame, predictors: Sequence[str], categorical: Sequence[str], rows: np.ndarray
) -> np.ndarray:
    """``rows`` (a boolean mask) with every predictor present: the rows a model fits,
    among which every model takes the levels of its outcome and categorical predictors.

    Examples
    --------
    >>> d = pd.DataFrame({"x": [1.0, None, 3.0], "g": ["a", "b", None]})
    >>> complete_cases(d, ["x", "g"], (), np.ones(3, dtype=bool)).tolist()
    [True, False, False]
    """
    valid = np.asarray(rows, dtype=bool).copy()
    for *_, present in _terms(data, predictors, categorical):
        valid &= present
    return valid


def model_matrix(
    data: pd.DataFrame,
    predictors: Sequence[str],
    categorical: Sequence[str],
    rows: np.ndarray,
    intercept: bool = True,
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Model matrix (n, p) over every row of ``data``, its column names and the rows
    with every predictor present (restricted to ``rows``, a boolean mask).

    Numeric (and boolean) columns enter as they are; columns in ``categorical`` and any
    non-numeric column enter as indicators ``name[level]`` of every level but the first,
    as R's default treatment contrasts. The levels of every categorical predictor are
    those seen among the fitted rows -- ``rows`` with every predictor present, the
    complete cases (:func:`complete_cases`), whatever the order of the predictors -- in
    categorical order or sorted (R's ``model.frame`` drops incomplete rows before it
    codes a character column), the same for every model of the package.
    """
    n = len(data)
    terms = _terms(data, predictors, categorical)
    valid = np.asarray(rows, dtype=bool).copy()
    for *_, present in terms:
        valid &= present
    columns = [np.ones(n)] if intercept else []
    names = ["Intercept"] if intercept else []
    for pred, values, categorical_term, _ in terms:
        if categorical_term:
            level_list = cols.levels(values[valid])
            code = cols.codes(values, level_list)
            for i, lv in enumerate(level_list[1:], start=1):
                columns.append((code == i).astype(float))
                names.append(f"{pred}[{lv}]")
        else:
            columns.append(values)
            names.append(pred)
    X = np.column_stack(columns) if columns else np.zeros((n, 0))
    X = np.where(valid[:, None], X, 0.0)
    return X, names, valid


def check_rank(X: np.ndarray, names: Sequence[str]) -> None:
    """A one-line error when the model matrix ``X`` (fitted rows) is rank-deficient."""
    if len(X) == 0:
        raise WeightingError("the model has no rows with the outcome and every predictor present")
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise WeightingError(
            f"predictors {', '.join(names)} are collinear in the fitted rows (the model "
            "matrix is singular); drop one of them or merge sparse categories"
        )


def model_vcov(
    sample: Sample,
    valid: np.ndarray,
    estimate: np.ndarray,
    influence: np.ndarray,
    estimator: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, int]:
    """Covariance (K, K) of the K coefficients and the design degrees of freedom.

    ``influence`` (n, K) are the linearised values of the coefficients (zero outside
    ``valid``), used for a :class:`Design`: PSU totals within strata, residualised on
    the raking margins of a calibrated design (R ``svyrecvar``); ``degf`` of the PSUs
    holding a fitted row. For a replicate design, ``estimator(weights)`` is refitted with
    every replicate's weights (R ``svrVar``; ``mse`` as the design says), and the degrees
    of freedom are R's ``degf`` of the fitted rows (rank of their replicate weights - 1:
    R's ``svyglm`` on an ``svrepdesign`` drops the incomplete rows first).
    """
    design = sample.design
    if sample.replicate:
        from ruse_research.stats.survey.replicate import replicate_vcov

        cov = replicate_vcov(design, estimator, full=estimate)
        return np.atleast_2d(cov), int(design.degrees_of_freedom(valid))
    coded = design.coded
    z = var_.residualised(design.calibrator, influence)
    cov = var_.row_covariance(coded, z)  # every stage's variance of a multistage design
    return cov, int(var_.degrees_of_freedom(coded, valid))


def coefficient_table(
    names: Sequence[str],
    estimate: np.ndarray,
    cov: np.ndarray,
    dof: int,
    ci: float,
    n: int,
    odds: np.ndarray | None = None,
) -> pd.DataFrame:
    """The tidy coefficient table of a model: ``term``, ``estimate``, ``se``, ``ci_low``,
    ``ci_high``, ``t``, ``df``, ``p_value``, ``n``, and ``odds_ratio``, ``or_low``,
    ``or_high`` (the exponentiated estimate and limits where ``odds`` is True, NaN
    elsewhere). Limits and p values use Student's t on ``dof`` degrees of freedom."""
    from scipy import stats

    dof = max(int(dof), 1)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    q = float(var_.t_quantile(ci, dof))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = estimate / se
    low, high = estimate - q * se, estimate + q * se
    odds = np.zeros(len(names), dtype=bool) if odds is None else np.asarray(odds, dtype=bool)
    return pd.DataFrame(
        {
            "term": list(names),
            "estimate": estimate,
            "se": se,
            "ci_low": low,
            "ci_high": high,
            "t": t,
            "df": float(dof),
            "p_value": 2 * stats.t.sf(np.abs(t), dof),
            "n": int(n),
            "odds_ratio": np.where(odds, np.exp(np.where(odds, estimate, 0.0)), np.nan),
            "or_low": np.where(odds, np.exp(np.where(odds, low, 0.0)), np.nan),
            "or_high": np.where(odds, np.exp(np.where(odds, high, 0.0)), np.nan),
        }
    )
