"""Checking and integer-coding the data columns the survey estimators read (internal)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ruse_research.stats.survey.errors import WeightingError


def weights_array(data: pd.DataFrame | None, weights, n: int, what: str = "weights") -> np.ndarray:
    """Weights given as a column name or an array, checked finite and non-negative."""
    if weights is None:
        return np.ones(n)
    if isinstance(weights, str):
        if data is None or weights not in data.columns:
            raise WeightingError(f"{what} column {weights!r} is not in the data")
        values = data[weights]
    else:
        values = weights
    try:
        arr = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise WeightingError(f"{what} must be numbers ({exc})") from None
    if arr.ndim != 1 or arr.shape[0] != n:
        raise WeightingError(f"{what} has {arr.shape[0]} values for {n} rows")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise WeightingError(f"{what} has {int(bad.sum())} missing or infinite value(s)")
    if (arr < 0).any():
        raise WeightingError(f"{what} has {int((arr < 0).sum())} negative value(s)")
    return arr


def column(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    """``data[name]``, or a one-line error naming the role and the missing column."""
    if not isinstance(data, pd.DataFrame):
        raise WeightingError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if name not in data.columns:
        raise WeightingError(f"{role} column {name!r} is not in the data")
    return data[name]


def numeric(series: pd.Series, role: str) -> np.ndarray:
    """A numeric column as float with NaN for missing; booleans count as 0/1."""
    s = series
    if isinstance(s.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
    ):
        raise WeightingError(
            f"{role} column {series.name!r} is not numeric (dtype {series.dtype}); "
            "use kind='proportion' for categorical answers"
        )
    if s.dtype == np.float64:
        return s.to_numpy()
    return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def levels(series: pd.Series) -> list:
    """Observed levels in a stable order: categorical order, else sorted values."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().unique())
        return [c for c in series.cat.categories if c in present]
    values = pd.unique(series.dropna())
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def codes(series: pd.Series, level_list: Sequence) -> np.ndarray:
    """Integer codes of ``series`` in ``level_list`` (-1 for missing)."""
    code, uniques = pd.factorize(series, sort=False)
    position = pd.Index(list(level_list)).get_indexer(pd.Index(uniques).astype(object))
    position = np.append(position, -1).astype(np.int64)  # code -1 (missing) -> last entry
    return position[code]


def as_list(x) -> list:
    """``None`` -> [], a string -> [it], anything else -> list(it)."""
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def check_ci(ci: float) -> None:
    """A confidence level strictly between 0 and 1."""
    if not (0 < ci < 1):
        raise WeightingError(f"ci must be between 0 and 1, got {ci!r}")
