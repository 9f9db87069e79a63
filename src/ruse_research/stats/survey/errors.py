"""The error types of the survey estimators (all :class:`~ruse_research.errors.RuseError`)."""

from __future__ import annotations

from ruse_research.errors import RuseError

__all__ = ["WeightingError", "RakingError", "DesignError"]


class WeightingError(RuseError):
    """Bad input to a weighting or estimation function."""


class RakingError(WeightingError):
    """Raking cannot reach the margins (missing category, empty cell, no convergence)."""


class DesignError(WeightingError):
    """The survey design (weights, strata, PSUs, calibration) cannot give a variance."""
