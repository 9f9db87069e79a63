"""Means, totals, ratios and linear contrasts with their design covariance (R ``svymean``,
``svytotal``, ``svyratio``, ``svycontrast``), on a :class:`~.design.Design` or a
:class:`~.replicate.ReplicateDesign`.

Every function returns :class:`Estimates` -- names, estimates, covariance matrix and
degrees of freedom -- so that :func:`contrast` can combine them as ``svycontrast``
does. On a :class:`~.design.Design` the covariance is the linearisation one (strata,
PSUs, fpc at every stage, calibration), on a replicate design the replicate variance
(R ``svrVar``). Rows with a missing value in any of the variables are left out of the
estimates and stay in the design (R ``na.rm = TRUE``); a categorical (non-numeric)
column becomes one indicator per level, named ``column=level`` (R's ``stypeE``...).

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design
>>> d = pd.DataFrame({"y": [1.0, 2.0, 4.0, 7.0], "x": [1.0, 1.0, 2.0, 2.0]})
>>> est = total(Design.from_frame(d, weights=[2.0, 2.0, 2.0, 2.0]), "y")
>>> est.table()[["name", "estimate", "se"]].round(4)
  name  estimate      se
0    y      28.0  10.583
>>> float(ratio(Design.from_frame(d), "y", "x").coef[0])
2.3333333333333335
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import variance as var_
from ruse_research.stats.survey.design import Design
from ruse_research.stats.survey.errors import WeightingError
from ruse_research.stats.survey.replicate import ReplicateDesign, vcov_from_replicates

__all__ = ["Estimates", "contrast", "mean", "ratio", "total"]


@dataclass(frozen=True, eq=False)
class Estimates:
    """Estimates with their design covariance (R ``svystat``/``svrepstat``).

    ``df`` is the design degrees of freedom (R ``degf``), used by :meth:`table` only
    when asked (``df=True``); R's ``confint`` of these uses the normal quantile.
    """

    names: tuple[str, ...]
    coef: np.ndarray
    vcov: np.ndarray
    df: float = np.inf

    @property
    def se(self) -> np.ndarray:
        """Standard errors."""
        return np.sqrt(np.clip(np.diag(self.vcov), 0, None))

    def table(self, ci: float = 0.95, df: bool = False) -> pd.DataFrame:
        """One row per estimate: ``name, estimate, se, ci_low, ci_high`` (normal-theory
        intervals as R's ``confint``; ``df=True``: Student t on the design df)."""
        cols.check_ci(ci)
        q = stats.t.ppf(0.5 + ci / 2, self.df) if df else stats.norm.ppf(0.5 + ci / 2)
        return pd.DataFrame(
            {
                "name": list(self.names),
                "estimate": self.coef,
                "se": self.se,
                "ci_low": self.coef - q * self.se,
                "ci_high": self.coef + q * self.se,
            }
        )


def _setup(design, variables: Sequence[str]):
    """Data, weights zeroed outside the domain, domain mask and the numeric matrix."""
    data, w, mask = frame_and_mask(design)
    names, columns = [], []
    valid = mask.copy()
    for v in variables:
        col = cols.column(data, v, "variable")
        valid &= col.notna().to_numpy()
    for v in variables:
        col = cols.column(data, v, "variable")
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            names.append(v)
            columns.append(cols.numeric(col, "variable"))
        else:
            for level in cols.levels(col[valid]):
                names.append(f"{v}={level}")
                columns.append((col == level).to_numpy(dtype=float))
    y = np.column_stack(columns) if columns else np.zeros((len(data), 0))
    y = np.where(valid[:, None], y, 0.0)
    if not valid.any():
        raise WeightingError("no row has a value for every variable")
    return data, np.where(valid, w, 0.0), valid, y, names


def _finish(design, names, estimator, influence, valid) -> Estimates:
    """Estimates of ``estimator(w)`` with the linearisation covariance of the influence
    values ``influence`` (n, K) or, for a replicate design, the replicate covariance."""
    if isinstance(design, ReplicateDesign):
        w, rw = design.weights_in_domain()
        w = np.where(valid, w, 0.0)
        full = estimator(w)
        reps = np.stack([estimator(np.where(valid, rw[:, r], 0.0)) for r in range(rw.shape[1])])
        v = vcov_from_replicates(reps, full, design.scale, design.rscales, design.mse)
        return Estimates(tuple(names), full, v, float(design.degf))
    w = np.where(valid, design.weight_values, 0.0)
    full = estimator(w)
    z = var_.residualised(design.calibrator, influence(w, full))
    v = var_.row_covariance(design.coded, z)
    return Estimates(tuple(names), full, v, float(var_.degrees_of_freedom(design.coded, valid)))


def mean_of_values(design, y: np.ndarray, valid: np.ndarray, names=("mean",)) -> Estimates:
    """Means of the columns of ``y`` (n, K) over the rows ``valid`` (internal helper of
    the quantile and proportion modules: same variance as :func:`mean`)."""
    y = np.where(valid[:, None], np.asarray(y, dtype=float).reshape(len(y), -1), 0.0)

    def estimator(wt):
        return wt @ y / wt.sum()

    def influence(wt, theta):
        return wt[:, None] * (y - theta) / wt.sum() * valid[:, None]

    return _finish(design, list(names), estimator, influence, valid)


def frame_and_mask(design) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The data, weights and domain mask of a Design or ReplicateDesign (internal)."""
    if isinstance(design, Design):
        return design.data, design.weight_values, design.in_domain
    if isinstance(design, ReplicateDesign):
        return design.frame, design.weights, design.in_domain
    raise WeightingError(
        f"expected a survey Design or ReplicateDesign, got {type(design).__name__}"
    )


def mean(design, variables: str | Sequence[str]) -> Estimates:
    """Weighted means (R ``svymean(~a + b, design, na.rm = TRUE)``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"g": list("aabb"), "y": [1.0, 2.0, 3.0, 6.0]})
    >>> mean(Design.from_frame(d), "g").names
    ('g=a', 'g=b')
    """
    _, w, valid, y, names = _setup(design, cols.as_list(variables))

    def estimator(wt):
        return wt @ y / wt.sum()

    def influence(wt, theta):
        return wt[:, None] * (y - theta) / wt.sum() * valid[:, None]

    return _finish(design, names, estimator, influence, valid)


def total(design, variables: str | Sequence[str]) -> Estimates:
    """Weighted totals (R ``svytotal(~a + b, design, na.rm = TRUE)``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0]})
    >>> float(total(Design.from_frame(d, weights=[10.0, 10.0, 10.0]), "y").coef[0])
    60.0
    """
    _, w, valid, y, names = _setup(design, cols.as_list(variables))

    def estimator(wt):
        return wt @ y

    def influence(wt, theta):
        return wt[:, None] * y

    return _finish(design, names, estimator, influence, valid)


def ratio(design, numerator: str, denominator: str) -> Estimates:
    """Ratio of two weighted totals (R ``svyratio(~numerator, ~denominator, design)``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [2.0, 4.0, 9.0], "x": [1.0, 2.0, 3.0]})
    >>> ratio(Design.from_frame(d), "y", "x").names
    ('y/x',)
    """
    _, w, valid, y, _names = _setup(design, [numerator, denominator])
    if y.shape[1] != 2:
        raise WeightingError("ratio needs a numeric numerator and denominator column")

    def estimator(wt):
        return np.array([wt @ y[:, 0] / (wt @ y[:, 1])])

    def influence(wt, theta):
        return (wt * (y[:, 0] - theta[0] * y[:, 1]) / (wt @ y[:, 1]))[:, None]

    return _finish(design, [f"{numerator}/{denominator}"], estimator, influence, valid)


def contrast(
    estimates: Estimates, coefficients: Mapping[str, float] | Mapping[str, Mapping[str, float]]
) -> Estimates:
    """Linear combinations of estimates with their covariance (R ``svycontrast``).

    ``coefficients`` maps estimate names to weights (one contrast, named
    ``"contrast"``) or contrast names to such maps; names not given have weight 0.

    Examples
    --------
    >>> import numpy as np
    >>> e = Estimates(("a", "b"), np.array([3.0, 1.0]), np.array([[1.0, 0.5], [0.5, 2.0]]))
    >>> c = contrast(e, {"a": 1.0, "b": -1.0})
    >>> float(c.coef[0]), float(c.vcov[0, 0])
    (2.0, 2.0)
    """
    if not coefficients:
        raise WeightingError("no contrast coefficients given")
    first = next(iter(coefficients.values()))
    sets = dict(coefficients) if isinstance(first, Mapping) else {"contrast": coefficients}
    index = {n: i for i, n in enumerate(estimates.names)}
    L = np.zeros((len(sets), len(estimates.names)))
    for r, (_, coefs) in enumerate(sets.items()):
        for name, value in coefs.items():
            if name not in index:
                raise WeightingError(
                    f"contrast names {name!r}, not an estimate; estimates are "
                    f"{', '.join(estimates.names)}"
                )
            L[r, index[name]] = float(value)
    return Estimates(tuple(sets), L @ estimates.coef, L @ estimates.vcov @ L.T, estimates.df)
