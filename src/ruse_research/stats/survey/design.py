"""The survey design object: data, weights, strata, PSUs, fpc and calibration, built once.

Every design-based estimator of :mod:`ruse_research.stats.survey` takes a :class:`Design`,
as every R ``survey`` function takes the object of ``svydesign``/``rake``: no part of the
design (calibration in particular) can be forgotten at one call and given at the next.

Variance. Taylor linearisation for a stratified design whose primary sampling units
(PSUs) are drawn with replacement within strata, with an optional finite population
correction -- the variance of R ``svydesign(ids = ~psu, strata = ~stratum, weights = ~w,
fpc = ~fpc)``. Frequency-weight formulas are never used.

Calibration. A raked design (:meth:`Design.rake`, :func:`rake_design` or
:meth:`Design.with_calibration` for weights raked elsewhere) carries its margin columns.
Every estimator then replaces the linearised values ``z_i = w_i u_i`` by
``w_i (u_i - x_i b)``, ``x`` the indicators of every category of every margin, within each
calibrated population (``calibration_group``), before the variance sum. Our definition
(``projection="weighted"``, the default): ``b`` is the least-squares fit of ``u`` on
``x`` weighted by the calibrated weights, computed exactly (an orthonormal basis of
``sqrt(w) x``) -- the residuals of the calibration estimator's linearisation (Deville &
Saerndal 1992; Lumley 2010, ch. 7; R ``survey`` uses it for ``postStratify``, where it
is the weighted mean within post-strata). R ``survey``'s ``rake`` design instead
backfits *unweighted* within-category means (ten sweeps over the margins in
``svyrecvar``), an unweighted least-squares fit; ``projection="unweighted"`` computes
that fit exactly and reproduces R's ``svymean``, ``svychisq`` and ``regTermTest`` on a
raked design to R's raking tolerance (``tests/test_survey_reference.py``). The two agree
when weights are constant within margin categories (post-stratification). In 2,000
stratified samples from ``apipop`` raked to its school-type and ``sch.wide`` margins,
the weighted definition's mean variance was 0.98-1.02 times the empirical variance of
the raked estimates (unweighted: 0.99-1.08); on ``apistrat`` the Rao-Scott F of
``stype`` x ``awards`` is 13.62 (weighted), 11.94 (R, unweighted) and 14.17 with the
weights taken as fixed.

Base-weights variant (``projection="base"``). R's other calibration function,
``calibrate(design, ~m1 + m2, population, calfun = "raking")``, fits ``u`` on ``x`` by
least squares weighted with the weights *before* calibration (the input weights ``d``;
Deville & Saerndal 1992's ``d``-weighted regression). :meth:`Design.rake` keeps those
weights (column ``_base_weight``), so ``Design.rake(margins, projection="base")``
reproduces ``svymean``, ``svytotal`` and ``svychisq`` of R's ``calibrate`` design to
1e-8 (``tests/test_survey_r_calibrate.py``; F 13.614 on the example above). The three
projections differ by terms that vanish as the calibration adjustments ``w / d`` tend to
constants; choose ``"base"`` to match R's ``calibrate``, ``"unweighted"`` to match R's
``rake``.

Domains. :meth:`Design.subset` keeps the full sample: rows outside the subset stay in
the design and add zero to the linearised totals, as R's ``subset(design, ...)`` and
``na.rm = TRUE`` do, so a stratum keeps the number of PSUs it had in the sample.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design, estimate
>>> p = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "g": list("aaabbb")})
>>> fixed = Design.from_frame(p.assign(w=[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]), weights="w")
>>> raked = fixed.rake({"g": {"a": 40.0, "b": 60.0}})
>>> raked.calibration
('g',)
>>> float(estimate(raked, "y")["se"].iloc[0].round(4))
0.5164
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import variance
from ruse_research.stats.survey.errors import DesignError, WeightingError

__all__ = ["Design", "rake_design"]

#: Name of the weight column :meth:`Design.from_frame` adds for weights given as numbers.
WEIGHT_COLUMN = "_design_weight"
#: Column :meth:`Design.rake` adds for the weights before raking (``projection="base"``).
BASE_WEIGHT_COLUMN = "_base_weight"


@dataclass(frozen=True, eq=False)
class Design:
    """A survey sample and how it was drawn and weighted.

    Build it with :meth:`from_frame`; the constructor arguments are the same fields.

    Attributes
    ----------
    data : DataFrame
        Every sampled row (a subset design keeps them all, see ``domain``).
    weights : str or None
        Weight column (``None`` = every row weight 1).
    strata, psu, fpc : str or None
        Stratum, primary sampling unit and finite population correction columns (no
        ``psu`` = every row its own PSU; no ``strata`` = one stratum; ``fpc`` constant
        within strata: a sampling fraction (<= 1) or the stratum's population PSU count).
    lonely_psu : {"fail", "certainty", "adjust"}
        Strata with one PSU: raise, contribute no variance, or centre at the grand mean
        (R ``options(survey.lonely.psu = ...)``).
    calibration : tuple of str
        Categorical columns the weights were raked (calibrated) on, one per margin
        (empty: the weights are fixed).
    calibration_group : str or None
        Column naming the separately calibrated population of every row (for example the
        wave, when each wave was raked on its own); rows with a missing value were not
        calibrated and keep their linearised values. ``None``: one population.
    projection : {"weighted", "unweighted", "base"}
        How the linearised values are fitted on the margin indicators: ``"weighted"``
        least squares with the calibrated weights (default, the Deville-Saerndal
        residuals), ``"unweighted"`` least squares, which is what R ``survey``
        computes for a ``rake`` design (its ten backfitting sweeps of unweighted
        within-category means), or ``"base"``: least squares weighted by the weights
        *before* calibration (``base_weights``), which is what R ``survey`` computes for
        ``calibrate(design, ~m1 + m2, population, calfun = "raking")`` (the QR of
        ``sqrt(input weights) * X`` it stores); see the module notes.
    base_weights : str or None
        Column of the weights before calibration (set by :meth:`rake`), used by
        ``projection="base"``.
    domain : ndarray of bool or None
        Rows of the subset the estimators describe (``None`` = all rows).
    later_stages : tuple of (str or None, str)
        Sampling stages after the first, each ``(unit column, fpc column)`` (unit
        ``None`` = the rows themselves), unstratified within the unit above; with an
        ``fpc`` at the first stage the variance adds every stage's within-unit term (R
        ``svydesign(id = ~psu + unit, fpc = ~fpc + fpc2)``). Give them to
        :meth:`from_frame` as lists ``psu=[...]``, ``fpc=[...]``.
    """

    data: pd.DataFrame
    weights: str | None = None
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    lonely_psu: str = "fail"
    calibration: tuple[str, ...] = ()
    calibration_group: str | None = None
    projection: str = "weighted"
    domain: np.ndarray | None = None
    later_stages: tuple[tuple[str | None, str], ...] = ()
    base_weights: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.data, pd.DataFrame):
            raise WeightingError(f"data must be a pandas DataFrame, got {type(self.data).__name__}")
        object.__setattr__(self, "calibration", tuple(cols.as_list(self.calibration)))
        object.__setattr__(self, "later_stages", tuple(tuple(s) for s in self.later_stages))
        if self.domain is not None:
            mask = np.asarray(self.domain, dtype=bool)
            if mask.shape != (len(self.data),):
                raise DesignError(f"domain mask has {mask.size} values for {len(self.data)} rows")
            object.__setattr__(self, "domain", mask)
        self.coded  # noqa: B018 -- check the design columns now, not at the first estimate
        self.calibrator  # noqa: B018

    # ---------------------------------------------------------------- constructors

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        weights: str | Sequence[float] | None = None,
        strata: str | None = None,
        psu: str | Sequence[str | None] | None = None,
        fpc: str | Sequence[str] | None = None,
        lonely_psu: str = "fail",
    ) -> Design:
        """The design of a sample in ``data`` (R ``svydesign``), weights taken as fixed.

        ``weights`` is a column name, an array of one weight per row (stored as the
        column ``_design_weight`` of a copy of ``data``) or ``None`` (all 1). A
        multistage design gives ``psu`` and ``fpc`` as lists, one per stage (the last
        ``psu`` may be ``None`` for the rows), as R's ``id = ~dnum + snum, fpc = ~fpc1 +
        fpc2``; see ``later_stages``.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"h": [1, 1, 2, 2], "w": [2.0, 2.0, 1.0, 3.0]})
        >>> design = Design.from_frame(d, weights="w", strata="h")
        >>> design.n, design.is_calibrated
        (4, False)
        """
        if weights is not None and not isinstance(weights, str):
            values = cols.weights_array(None, weights, len(data))
            data = data.assign(**{WEIGHT_COLUMN: values})
            weights = WEIGHT_COLUMN
        later: tuple = ()
        if isinstance(psu, (list, tuple)) or isinstance(fpc, (list, tuple)):
            psus = list(psu) if isinstance(psu, (list, tuple)) else [psu]
            fpcs = list(fpc) if isinstance(fpc, (list, tuple)) else [fpc]
            if len(psus) != len(fpcs) or any(f is None for f in fpcs):
                raise DesignError(
                    f"a multistage design needs one fpc column per stage, got psu={psus!r} "
                    f"and fpc={fpcs!r}"
                )
            psu, fpc = psus[0], fpcs[0]
            later = tuple(zip(psus[1:], fpcs[1:], strict=True))
        return cls(data, weights, strata, psu, fpc, lonely_psu, later_stages=later)

    def with_calibration(
        self,
        margins: str | Sequence[str],
        group: str | None = None,
        projection: str = "weighted",
        base_weights: str | None = None,
    ) -> Design:
        """The same design with weights already raked on ``margins`` (columns of ``data``).

        Use it when the weights were calibrated outside :meth:`rake` (for example by
        :func:`~.reference.rake_to_reference`); ``group`` as ``calibration_group``,
        ``projection`` and ``base_weights`` (the column of the weights before raking,
        needed by ``projection="base"``) as the attributes.
        """
        return replace(
            self,
            calibration=tuple(cols.as_list(margins)),
            calibration_group=group,
            projection=projection,
            base_weights=base_weights,
        )

    def rake(
        self,
        margins: Mapping[str, Mapping[Hashable, float]],
        by: str | None = None,
        bounds: tuple[float, float] | None = None,
        max_iter: int = 200,
        tol: float = 1e-8,
        projection: str = "weighted",
    ) -> Design:
        """Rake the weights to population margins and carry the calibration (R ``rake``).

        The current weights are the starting weights; :func:`~.raking.rake` is run on
        the whole sample, or separately within every level of ``by`` (each to the full
        ``margins``), and the result is a new design whose weight column holds the raked
        weights and whose ``calibration`` is the margin columns (``calibration_group =
        by``), so every estimate on it uses the calibrated variance.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"sex": ["f", "f", "m", "m"], "y": [3.0, 4.0, 2.0, 5.0]})
        >>> raked = Design.from_frame(d).rake({"sex": {"f": 60, "m": 40}})
        >>> raked.data[raked.weights].tolist(), raked.calibration
        ([30.0, 30.0, 20.0, 20.0], ('sex',))
        """
        from ruse_research.stats.survey.raking import rake as rake_weights

        if self.domain is not None:
            raise DesignError("rake the full-sample design, then take the subset")
        start = self.coded.w
        new = np.empty(len(self.data))
        if by is None:
            groups = [np.arange(len(self.data))]
        else:
            key = cols.column(self.data, by, "by")
            if key.isna().any():
                raise DesignError(f"by column {by!r} has {int(key.isna().sum())} missing value(s)")
            groups = [np.asarray(ix) for ix in key.groupby(key, sort=True).indices.values()]
        for rows in groups:
            part = self.data.iloc[rows]
            new[rows] = rake_weights(
                part, margins, weights=start[rows], max_iter=max_iter, tol=tol, bounds=bounds
            ).to_numpy()
        name = self.weights or "weight"
        data = self.data.assign(**{name: new, BASE_WEIGHT_COLUMN: start})
        return replace(
            self,
            data=data,
            weights=name,
            calibration=tuple(margins),
            calibration_group=by,
            projection=projection,
            base_weights=BASE_WEIGHT_COLUMN,
        )

    def subset(self, mask) -> Design:
        """The design of a domain: estimates describe the rows of ``mask``, the variance
        keeps the full sample (R ``subset(design, ...)``).

        ``mask`` is a boolean array or Series over the rows of ``data`` (a Series is
        aligned on the index); subsets of subsets intersect.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 6.0], "g": list("aabb")})
        >>> design = Design.from_frame(d)
        >>> design.subset(d["g"] == "b").n
        2
        """
        if isinstance(mask, pd.Series):
            mask = mask.reindex(self.data.index)
            if mask.isna().any():
                raise DesignError("subset mask does not cover every row of the design's data")
            mask = mask.to_numpy(dtype=bool)
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (len(self.data),):
            raise DesignError(f"subset mask has {mask.size} values for {len(self.data)} rows")
        if self.domain is not None:
            mask = mask & self.domain
        return replace(self, domain=mask)

    # ---------------------------------------------------------------- views

    @property
    def n(self) -> int:
        """Rows in the design's domain (all rows without a subset)."""
        return int(self.in_domain.sum())

    @property
    def is_calibrated(self) -> bool:
        """True when the weights are calibrated (the variance residualises on margins)."""
        return bool(self.calibration)

    @property
    def in_domain(self) -> np.ndarray:
        """Boolean mask of the rows the estimates describe."""
        return np.ones(len(self.data), dtype=bool) if self.domain is None else self.domain

    @property
    def frame(self) -> pd.DataFrame:
        """The rows of the domain (``data`` itself without a subset)."""
        return self.data if self.domain is None else self.data[self.domain]

    @property
    def weight_values(self) -> np.ndarray:
        """The weight of every row of ``data``."""
        return self.coded.w

    @functools.cached_property
    def coded(self) -> variance.Coded:
        """Weights, strata and PSUs coded for the variance sums (internal)."""
        return variance.code_design(
            self.data,
            self.weights,
            self.strata,
            self.psu,
            self.fpc,
            self.lonely_psu,
            self.later_stages,
        )

    @functools.cached_property
    def calibrator(self) -> variance.Calibration | None:
        """The projection on the raking margins, ``None`` for fixed weights (internal)."""
        base = None
        if self.base_weights is not None:
            base = cols.weights_array(self.data, self.base_weights, len(self.data), "base_weights")
        return variance.make_calibration(
            self.data,
            self.coded,
            self.calibration,
            self.calibration_group,
            self.projection,
            base,
        )

    def __repr__(self) -> str:
        parts = [f"n={len(self.data)}"]
        if self.domain is not None:
            parts.append(f"domain={self.n}")
        for name in ("weights", "strata", "psu", "fpc"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)!r}")
        if self.later_stages:
            parts.append(f"later_stages={self.later_stages!r}")
        if self.calibration:
            parts.append(f"calibration={self.calibration!r}")
        if self.calibration_group is not None:
            parts.append(f"calibration_group={self.calibration_group!r}")
        return f"Design({', '.join(parts)})"


def rake_design(
    design: Design,
    margins: Mapping[str, Mapping[Hashable, float]],
    by: str | None = None,
    bounds: tuple[float, float] | None = None,
    max_iter: int = 200,
    tol: float = 1e-8,
    projection: str = "weighted",
) -> Design:
    """:meth:`Design.rake` as a function (R ``rake(design, ...)``)."""
    return design.rake(
        margins, by=by, bounds=bounds, max_iter=max_iter, tol=tol, projection=projection
    )


def require_design(design, where: str) -> Design:
    """``design`` if it is a :class:`Design`, else a one-line error saying how to make one."""
    if not isinstance(design, Design):
        raise WeightingError(
            f"{where} takes a survey Design, got {type(design).__name__}; build one with "
            "Design.from_frame(data, weights=..., strata=..., psu=...)"
        )
    return design
