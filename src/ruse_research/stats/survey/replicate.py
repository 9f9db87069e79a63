"""Replicate-weight designs: jackknife, bootstrap, BRR/Fay (R ``svrepdesign``).

A :class:`ReplicateDesign` holds the full-sample weights and ``R`` columns of replicate
weights; the variance of any estimator is the spread of its ``R`` re-estimates
(:func:`replicate_vcov`, R's ``svrVar``)::

    V = scale * sum_r rscales[r] * (theta_r - centre)(theta_r - centre)'

with ``centre`` the full-sample estimate (``mse=True``) or the mean of the replicates
(``mse=False``, R's default ``options(survey.replicates.mse = FALSE)``).

Build one from a :class:`~.design.Design` (R ``as.svrepdesign``) or from replicate
columns a data producer ships (R ``svrepdesign(repweights = ..., type = ...)``):

=============  ==========================================================  ==================
kind           replicate r                                                  scale, rscales
=============  ==========================================================  ==================
``JK1``        PSU r dropped, the others times n/(n-1) (unstratified only)  (1-f)(n-1)/n, 1
``JKn``        PSU r of stratum h dropped, the rest of h times n_h/(n_h-1)  1, (1-f_h)(n_h-1)/n_h
``bootstrap``  n_h PSUs drawn with replacement per stratum, weight x count  nbar/((nbar-1)(R-1)), 1
``subbootstrap``  Rao-Wu: n_h-1 drawn, weight x count x n_h/(n_h-1)         1/(R-1), 1
``BRR``        2 PSUs a stratum: one, by a Hadamard row, weight x 2, other 0  1/R, 1
``Fay``        as BRR with multipliers 2 - rho and rho                      1/(R(1-rho)^2), 1
=============  ==========================================================  ==================

(``nbar`` is the harmonic mean of the PSUs per stratum, as R's ``bootweights``; ``f``
the sampling fraction from the design's fpc). BRR and Fay replicates (R
``as.svrepdesign(type = "BRR")``, ``type = "Fay", fay.rho = rho``; R's ``brrweights``)
need exactly two PSUs in every stratum; the Hadamard matrix is R's
(:func:`~.hadamard.hadamard`), its row ``h + 1`` for the ``h``-th stratum in the order
of the stratum labels as text, its entry 1 halving in favour of the PSU that comes first
in the data; like R, they drop the design's fpc. The bootstrap draws come from numpy, not
R's random number generator: to reproduce an R analysis, export R's replicate weights
and use :meth:`ReplicateDesign.from_columns`. ``repweights`` always holds the replicate
weights themselves (R's ``combined.weights = TRUE``), not multipliers.

A calibrated (raked) design gives replicates that are each raked again to the same
margin totals (R ``rake`` on an ``svrepdesign``), so the replicate variance includes the
calibration.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from ruse_research.stats.survey import Design
>>> d = pd.DataFrame({"y": [1.0, 2.0, 4.0, 7.0]})
>>> rep = ReplicateDesign.from_design(Design.from_frame(d), kind="JK1")
>>> rep.repweights.shape, rep.scale
((4, 4), 0.75)
>>> mean = lambda w: np.array([np.sum(w * d["y"]) / np.sum(w)])
>>> float(np.sqrt(replicate_vcov(rep, mean)[0, 0]).round(6))  # sd / sqrt(n)
1.322876
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey.errors import DesignError

__all__ = ["KINDS", "ReplicateDesign", "domain_means", "replicate_vcov"]

#: Replicate methods (``other``: replicate columns with a user-given scale).
KINDS = ("JK1", "JKn", "bootstrap", "subbootstrap", "BRR", "Fay", "other")


@dataclass(frozen=True, eq=False)
class ReplicateDesign:
    """A sample with full-sample and replicate weights (R ``svyrep.design``).

    Attributes
    ----------
    frame : DataFrame
        Every sampled row.
    weights : ndarray (n,)
        Full-sample weights.
    repweights : ndarray (n, R)
        Replicate weights (the weights themselves, not multipliers).
    kind : str
        One of :data:`KINDS`.
    scale : float
        Overall variance multiplier.
    rscales : ndarray (R,)
        Per-replicate multipliers.
    mse : bool
        Centre the replicates at the full-sample estimate (True) or at their mean.
    domain : ndarray of bool or None
        Rows the estimates describe (:meth:`subset`); the others get weight 0 in every
        estimate, as in R's ``subset`` of an ``svrepdesign``.
    """

    frame: pd.DataFrame
    weights: np.ndarray
    repweights: np.ndarray
    kind: str
    scale: float
    rscales: np.ndarray
    mse: bool = False
    domain: np.ndarray | None = None

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype=float)
        rw = np.asarray(self.repweights, dtype=float)
        if rw.ndim == 1:
            rw = rw[:, None]
        n = len(self.frame)
        if w.shape != (n,) or rw.shape[0] != n:
            raise DesignError(
                f"replicate design has {n} rows but {w.shape[0]} weights and "
                f"{rw.shape[0]} rows of replicate weights"
            )
        if self.kind not in KINDS:
            raise DesignError(
                f"replicate kind must be one of {', '.join(KINDS)}, got {self.kind!r}"
            )
        rs = np.broadcast_to(np.asarray(self.rscales, dtype=float), (rw.shape[1],)).copy()
        if not np.all(np.isfinite(w)) or not np.all(np.isfinite(rw)) or (w < 0).any():
            raise DesignError("weights and replicate weights must be finite, weights >= 0")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "repweights", rw)
        object.__setattr__(self, "rscales", rs)
        object.__setattr__(self, "scale", float(self.scale))
        if self.domain is not None:
            mask = np.asarray(self.domain, dtype=bool)
            if mask.shape != (n,):
                raise DesignError(f"domain mask has {mask.size} values for {n} rows")
            object.__setattr__(self, "domain", mask)

    # ---------------------------------------------------------------- constructors

    @classmethod
    def from_columns(
        cls,
        frame: pd.DataFrame,
        weight: str,
        repweights: Sequence[str],
        kind: str,
        scale: float | None = None,
        rscales: Sequence[float] | float | None = None,
        mse: bool = False,
        fay_rho: float | None = None,
    ) -> ReplicateDesign:
        """Replicate weights shipped as columns (R ``svrepdesign(combined.weights=TRUE)``).

        Default ``scale``/``rscales`` as R's ``svrepdesign``: JK1 (R-1)/R; bootstrap
        1/(R-1); BRR 1/R; Fay 1/(R (1-rho)^2) with ``fay_rho`` (R's ``rho``); JKn and
        other need ``scale`` or ``rscales``.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"w": [1.0, 1.0], "r1": [0.0, 2.0], "r2": [2.0, 0.0]})
        >>> ReplicateDesign.from_columns(d, "w", ["r1", "r2"], "JK1").scale
        0.5
        """
        names = cols.as_list(repweights)
        if not names:
            raise DesignError("no replicate weight columns given")
        w = cols.weights_array(frame, weight, len(frame))
        rw = np.column_stack(
            [cols.weights_array(frame, c, len(frame), "repweights") for c in names]
        )
        n_rep = rw.shape[1]
        if scale is None:
            defaults = {
                "JK1": (n_rep - 1) / n_rep,
                "bootstrap": 1 / (n_rep - 1),
                "subbootstrap": 1 / (n_rep - 1),
                "BRR": 1 / n_rep,
            }
            if kind == "Fay" and fay_rho is not None:
                scale = 1 / (n_rep * (1 - _fay_rho(kind, fay_rho)) ** 2)
            elif kind in defaults:
                scale = defaults[kind]
            elif rscales is not None:
                scale = 1.0
            else:
                raise DesignError(f"replicate kind {kind!r} needs scale= (or rscales=)")
        if rscales is None:
            rscales = 1.0
        return cls(frame, w, rw, kind, scale, np.asarray(rscales, dtype=float), mse)

    @classmethod
    def from_design(
        cls,
        design,
        kind: str = "JK1",
        replicates: int | None = None,
        seed: int | None = None,
        mse: bool = False,
        fay_rho: float | None = None,
    ) -> ReplicateDesign:
        """Replicate weights for a :class:`~.design.Design` (R ``as.svrepdesign``).

        ``kind`` "JK1" (unstratified designs), "JKn", "bootstrap" (R's ``bootweights``),
        "subbootstrap" (Rao-Wu), "BRR" or "Fay" (``fay_rho`` in (0, 1), R's
        ``fay.rho``; both for designs with two PSUs in every stratum); ``replicates``
        (default 50, as R) and ``seed`` for the bootstraps. The design's fpc enters as R
        does (BRR and Fay drop it, as R); a calibrated design's replicates are raked again
        to its margin totals.

        Examples
        --------
        >>> import pandas as pd
        >>> from ruse_research.stats.survey import Design
        >>> d = pd.DataFrame({"h": [1, 1, 2, 2, 2], "y": [1.0, 3.0, 2.0, 4.0, 9.0]})
        >>> rep = ReplicateDesign.from_design(Design.from_frame(d, strata="h"), "JKn")
        >>> rep.rscales.round(4).tolist()
        [0.5, 0.5, 0.6667, 0.6667, 0.6667]
        """
        from ruse_research.stats.survey.design import require_design

        design = require_design(design, "ReplicateDesign.from_design")
        if design.domain is not None:
            raise DesignError("build the replicates on the full design, then take the subset")
        coded = design.coded
        w = coded.w
        n_h = coded.n_psu_in_stratum
        with np.errstate(divide="ignore", invalid="ignore"):
            finite = np.where(n_h > 1, coded.scale * (n_h - 1) / n_h, 1.0)
        if design.fpc is None:
            finite = np.ones_like(finite)
        psu = coded.psu
        n_psu = coded.n_psu
        if kind == "JK1":
            if design.strata is not None and coded.n_strata > 1:
                raise DesignError("JK1 is for unstratified designs; use kind='JKn'")
            mult = np.full((n_psu, n_psu), n_psu / (n_psu - 1))
            np.fill_diagonal(mult, 0.0)
            scale, rscales = float(finite[0]) * (n_psu - 1) / n_psu, np.ones(n_psu)
        elif kind == "JKn":
            mult, rscales = _jkn(coded, finite)
            scale = 1.0
        elif kind in ("bootstrap", "subbootstrap"):
            mult = _bootstrap(coded, replicates or 50, seed, kind, design, finite)
            n_rep = mult.shape[1]
            if kind == "bootstrap":
                nbar = 1 / np.mean(1 / n_h)
                scale = nbar / ((nbar - 1) * (n_rep - 1))
            else:
                scale = 1 / (n_rep - 1)
            rscales = np.ones(n_rep)
        elif kind in ("BRR", "Fay"):
            rho = _fay_rho(kind, fay_rho)
            mult = _brr(design, rho)
            scale, rscales = 1 / (mult.shape[1] * (1 - rho) ** 2), np.ones(mult.shape[1])
        else:
            raise DesignError(
                "from_design builds JK1, JKn, bootstrap, subbootstrap, BRR or Fay replicates, "
                f"got {kind!r}"
            )
        rep = w[:, None] * mult[psu]
        if design.is_calibrated:
            rep = _recalibrate(design, rep)
        return cls(design.data, w, rep, kind, scale, rscales, mse)

    # ---------------------------------------------------------------- views

    @property
    def n_replicates(self) -> int:
        """Number of replicates R."""
        return self.repweights.shape[1]

    @property
    def in_domain(self) -> np.ndarray:
        """Boolean mask of the rows the estimates describe."""
        n = len(self.frame)
        return np.ones(n, dtype=bool) if self.domain is None else self.domain

    @property
    def n(self) -> int:
        """Rows in the domain."""
        return int(self.in_domain.sum())

    @property
    def degf(self) -> int:
        """Degrees of freedom as R's ``degf`` of a replicate design (rank of the replicate
        weights minus one; JK1/JKn: number of PSUs minus strata is the same for designs
        built here)."""
        return self.degrees_of_freedom(self.in_domain)

    def degrees_of_freedom(self, rows: np.ndarray) -> int:
        """R's ``degf`` of the design subset to ``rows`` (a boolean mask): the rank of
        their replicate weights minus one (at least 1)."""
        rw = self.repweights[np.asarray(rows, dtype=bool)]
        if rw.size == 0:
            return 1
        return max(int(np.linalg.matrix_rank(rw)) - 1, 1)

    def subset(self, mask) -> ReplicateDesign:
        """The design of a domain: rows outside ``mask`` get weight 0 in every estimate."""
        if isinstance(mask, pd.Series):
            mask = mask.reindex(self.frame.index).fillna(False).to_numpy(dtype=bool)
        mask = np.asarray(mask, dtype=bool)
        if self.domain is not None:
            mask = mask & self.domain
        return replace(self, domain=mask)

    def weights_in_domain(self) -> tuple[np.ndarray, np.ndarray]:
        """Full-sample (n,) and replicate (n, R) weights, zero outside the domain."""
        if self.domain is None:
            return self.weights, self.repweights
        m = self.domain.astype(float)
        return self.weights * m, self.repweights * m[:, None]

    def __repr__(self) -> str:
        return (
            f"ReplicateDesign(n={len(self.frame)}, kind={self.kind!r}, "
            f"replicates={self.n_replicates}, scale={self.scale:.6g})"
        )


def replicate_vcov(
    rdesign: ReplicateDesign,
    estimator: Callable[[np.ndarray], np.ndarray],
    full: np.ndarray | None = None,
) -> np.ndarray:
    """Covariance matrix (K, K) of ``estimator`` from the replicates (R ``svrVar``).

    ``estimator(weights)`` returns the K estimates for one weight vector (n,); it is
    called once per replicate (and once for the full sample unless ``full`` is given).
    Rows outside the design's domain get weight 0.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> d = pd.DataFrame({"w": [1.0, 1.0, 1.0], "y": [1.0, 2.0, 6.0]})
    >>> d[["r1", "r2", "r3"]] = 1.5 * (1 - np.eye(3))
    >>> rep = ReplicateDesign.from_columns(d, "w", ["r1", "r2", "r3"], "JK1")
    >>> total = lambda w: np.array([np.sum(w * d["y"])])
    >>> float(replicate_vcov(rep, total)[0, 0])
    21.0
    """
    w, rw = rdesign.weights_in_domain()
    if full is None:
        full = np.atleast_1d(np.asarray(estimator(w), dtype=float))
    full = np.atleast_1d(np.asarray(full, dtype=float))
    thetas = np.stack(
        [np.atleast_1d(np.asarray(estimator(rw[:, r]), dtype=float)) for r in range(rw.shape[1])]
    )
    return vcov_from_replicates(thetas, full, rdesign.scale, rdesign.rscales, rdesign.mse)


def _domain_mean_function(rdesign: ReplicateDesign, y: np.ndarray, dom: np.ndarray, n_dom: int):
    """``valid`` rows, their domain codes, ``y`` with 0 elsewhere, and ``means(weights)``: the
    weighted mean of ``y`` in every domain for one weight vector (rows without a value or
    outside the design's domain weigh nothing)."""
    valid = ~np.isnan(y) & (dom >= 0) & rdesign.in_domain
    d = np.where(valid, dom, 0)
    yv = np.where(valid, y, 0.0)

    def means(wt: np.ndarray) -> np.ndarray:
        wv = np.where(valid, wt, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.bincount(d, wv * yv, n_dom) / np.bincount(d, wv, n_dom)

    return valid, d, yv, means


def domain_means(
    rdesign: ReplicateDesign, y: np.ndarray, dom: np.ndarray, n_dom: int
) -> tuple[np.ndarray, ...]:
    """Means of ``y`` (NaN = missing) in the domains ``dom`` (codes 0..n_dom-1, -1 in
    none) with their replicate covariance (R ``svyby(~y, ~g, rdesign, svymean)``).

    Returns ``mean``, ``cov`` (n_dom, n_dom), ``n`` (rows with a value), ``wsum``,
    ``s2`` (weighted variance, n - 1 divisor) and ``df`` (R ``degf`` of every domain's
    rows with a value) per domain.
    """
    valid, d, yv, means = _domain_mean_function(rdesign, y, dom, n_dom)
    w = np.where(valid, rdesign.weights, 0.0)
    mean = means(w)
    cov = replicate_vcov(rdesign, means, full=mean)
    n = np.bincount(d[valid], minlength=n_dom).astype(float)
    wsum = np.bincount(d, w, n_dom)
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = np.bincount(d, w * (yv - mean[d]) ** 2, n_dom) / wsum * n / (n - 1)
    df = np.array([rdesign.degrees_of_freedom(valid & (dom == j)) for j in range(n_dom)])
    return mean, cov, n, wsum, s2, df


def domain_logit_se(
    rdesign: ReplicateDesign, y: np.ndarray, dom: np.ndarray, n_dom: int
) -> np.ndarray:
    """SE of logit(share) of 0/1 ``y`` in every domain over the replicates (R
    ``svyciprop(method = "logit")`` refits its glm in every replicate; for shares of exactly
    0 or 1 the SE is NaN)."""
    valid, _, _, means = _domain_mean_function(rdesign, y, dom, n_dom)

    def logits(wt: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            p = means(wt)
            return np.log(p / (1 - p))

    full = logits(rdesign.weights)
    se = np.full(n_dom, np.nan)
    finite = np.isfinite(full)
    if finite.any():
        inner = lambda wt: logits(wt)[finite]  # noqa: E731 - domains with 0 < p < 1
        se[finite] = np.sqrt(np.diag(replicate_vcov(rdesign, inner, full=full[finite])))
    return se


def vcov_from_replicates(
    thetas: np.ndarray, full: np.ndarray, scale: float, rscales: np.ndarray, mse: bool
) -> np.ndarray:
    """``scale * sum_r rscales_r (theta_r - c)(theta_r - c)'`` for replicate estimates
    ``thetas`` (R, K); ``c`` = ``full`` if ``mse`` else the mean of replicates with a
    positive rscale. Replicates with a NaN estimate are dropped, as R's ``na.omit``."""
    thetas = np.asarray(thetas, dtype=float).reshape(len(rscales), -1)
    rscales = np.asarray(rscales, dtype=float)
    ok = ~np.isnan(thetas).any(axis=1)
    if not ok.any():
        raise DesignError("every replicate estimate is missing (NaN)")
    thetas, rscales = thetas[ok], rscales[ok]
    centre = np.asarray(full, dtype=float) if mse else thetas[rscales > 0].mean(axis=0)
    dev = (thetas - centre) * np.sqrt(rscales)[:, None]
    return scale * dev.T @ dev


# ---------------------------------------------------------------- replicate builders


def _jkn(coded, finite: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PSU multipliers (P, R) and rscales of the stratified jackknife (R ``jknweights``)."""
    h_of_psu, n_h = coded.psu_stratum, coded.n_psu_in_stratum
    n_strata = coded.n_strata
    columns, rscales = [], []
    for h in range(n_strata):
        in_h = h_of_psu == h
        if n_h[h] == 1:
            if coded.lonely_psu == "adjust":  # R: stratum dropped, the rest reweighted
                col = np.where(in_h, 0.0, n_strata / (n_strata - 1))
                columns.append(col)
                rscales.append((n_strata - 1) / n_strata)
            continue  # certainty: no replicate
        if finite[h] == 0:
            continue  # census stratum: no variance (R drops these replicates)
        for p in np.flatnonzero(in_h):
            col = np.ones(coded.n_psu)
            col[in_h] = n_h[h] / (n_h[h] - 1)
            col[p] = 0.0
            columns.append(col)
            rscales.append(finite[h] * (n_h[h] - 1) / n_h[h])
    if not columns:
        raise DesignError("every stratum was sampled exhaustively: there is no sampling variance")
    return np.column_stack(columns), np.asarray(rscales)


def _bootstrap(coded, replicates: int, seed, kind: str, design, finite) -> np.ndarray:
    """PSU multipliers (P, R): R's ``bootweights`` (counts of n_h draws with replacement,
    without replacement from N_h/n_h copies under an fpc) or Rao-Wu (``subbootweights``)."""
    if replicates < 2:
        raise DesignError(f"replicates must be at least 2, got {replicates}")
    rng = np.random.default_rng(seed)
    h_of_psu = coded.psu_stratum
    mult = np.empty((coded.n_psu, replicates))
    for h in range(coded.n_strata):
        members = np.flatnonzero(h_of_psu == h)
        m = len(members)
        for r in range(replicates):
            if kind == "subbootstrap":
                draws = rng.integers(0, m, size=max(m - 1, 1))
                counts = np.bincount(draws, minlength=m) * (m / (m - 1) if m > 1 else 1.0)
            elif design.fpc is None or finite[h] >= 1:
                counts = np.bincount(rng.integers(0, m, size=m), minlength=m).astype(float)
            else:
                pop = int(round(m / (1 - finite[h]))) if finite[h] < 1 else m
                copies = np.resize(np.arange(m), pop)
                counts = np.bincount(rng.choice(copies, size=m, replace=False), minlength=m)
                counts = counts.astype(float)
            mult[members, r] = counts
    return mult


def _fay_rho(kind: str, fay_rho: float | None) -> float:
    """0 for BRR; Fay's rho, checked to lie in (0, 1)."""
    if kind == "BRR":
        return 0.0
    if fay_rho is None or not 0 < float(fay_rho) < 1:
        raise DesignError(
            f"Fay replicates need fay_rho= between 0 and 1 (R's fay.rho, e.g. 0.3), got {fay_rho!r}"
        )
    return float(fay_rho)


def _brr(design, rho: float) -> np.ndarray:
    """PSU multipliers (P, R) of BRR/Fay replicates, as R's ``brrweights``."""
    from ruse_research.stats.survey.hadamard import hadamard

    coded = design.coded
    if design.strata is None:
        raise DesignError(
            "BRR/Fay replicates need a stratified design with 2 PSUs in every stratum; "
            "use kind='JK1' or 'bootstrap' for an unstratified one"
        )
    labels = cols.column(design.data, design.strata, "strata").astype(str).to_numpy()
    _, first_row = np.unique(coded.psu, return_index=True)  # PSU p first appears at row
    psu_label = labels[first_row]
    strata = sorted(set(psu_label))
    for h in strata:
        k = int((psu_label == h).sum())
        if k != 2:
            raise DesignError(
                f"BRR/Fay replicates need exactly 2 PSUs in every stratum; stratum {h!r} of "
                f"column {design.strata!r} has {k}; pair the PSUs into strata of two, or "
                "use kind='JKn' or 'bootstrap'"
            )
    H = hadamard(len(strata))
    mult = np.empty((coded.n_psu, H.shape[1]))
    for s, h in enumerate(strata):
        first, second = sorted(np.flatnonzero(psu_label == h), key=lambda p: first_row[p])
        up = H[s + 1] == 1  # R: the stratum's first PSU gets 2 - rho where H is 1
        mult[first] = np.where(up, 2 - rho, rho)
        mult[second] = np.where(up, rho, 2 - rho)
    return mult


def _recalibrate(design, rep: np.ndarray) -> np.ndarray:
    """Rake every replicate column again to the design's margin totals (per group)."""
    from ruse_research.stats.survey.raking import rake

    data, w = design.data, design.coded.w
    if design.calibration_group is None:
        groups = [np.flatnonzero(w > 0)]
    else:
        g = pd.factorize(data[design.calibration_group], sort=True)[0]
        groups = [np.flatnonzero((g == c) & (w > 0)) for c in range(int(g.max()) + 1)]
    out = rep.copy()
    for rows in groups:
        part = data.iloc[rows]
        margins = {
            m: pd.Series(w[rows]).groupby(part[m].to_numpy()).sum().to_dict()
            for m in design.calibration
        }
        for r in range(rep.shape[1]):
            start = rep[rows, r]
            keep = start > 0
            if not keep.all():  # PSUs out of the replicate keep weight 0
                sub = part[keep]
                new = np.zeros(len(rows))
                new[keep] = rake(
                    sub, margins, weights=start[keep], tol=1e-10, max_iter=500
                ).to_numpy()
            else:
                new = rake(part, margins, weights=start, tol=1e-10, max_iter=500).to_numpy()
            out[rows, r] = new
    return out
