"""Taylor-linearisation variance of a stratified PSU design, with calibration (internal).

The estimator modules turn an estimate into linearised (influence) values ``z`` per row;
this module sums them over PSUs, centres them within strata and gives their variance or
covariance -- the with-replacement PSU variance R ``survey`` computes for
``svydesign(ids = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc)``. For a calibrated
(raked) design, :class:`Calibration` replaces ``z`` by its residuals from the weighted
least-squares fit on the margin indicators first (see :class:`~.design.Design`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey.errors import DesignError, WeightingError

LONELY_PSU_RULES = ("fail", "certainty", "adjust")
#: Least-squares fits of the linearised values on the margins (see ``Design``).
PROJECTIONS = ("weighted", "unweighted", "base")


@dataclass(frozen=True)
class Coded:
    """Weights, strata and PSUs of one sample, coded for fast variance sums."""

    w: np.ndarray  # (n,)
    psu: np.ndarray  # (n,) PSU code 0..P-1, unique across strata
    psu_stratum: np.ndarray  # (P,) stratum code of every PSU
    n_psu_in_stratum: np.ndarray  # (H,) PSUs per stratum in the whole sample
    scale: np.ndarray  # (H,) (1 - f_h) * n_h / (n_h - 1); 0 where not estimable
    lonely: np.ndarray  # (H,) bool, single-PSU strata
    lonely_psu: str
    #: later sampling stages, each (unit code per row (n,), population units per row (n,));
    #: empty for a one-stage (with-replacement PSU) design, see :func:`row_covariance`
    later: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
    fraction: np.ndarray | None = None  # (H,) first-stage sampling fraction (with later)

    @property
    def n_psu(self) -> int:
        return len(self.psu_stratum)

    @property
    def n_strata(self) -> int:
        return len(self.n_psu_in_stratum)


def code_design(
    data: pd.DataFrame,
    weights,
    strata: str | None,
    psu: str | None,
    fpc: str | None,
    lonely_psu: str,
    later_stages: Sequence[tuple[str | None, str]] = (),
) -> Coded:
    """Check the design columns of ``data`` and code them (:class:`Coded`)."""
    n = len(data)
    w = cols.weights_array(data, weights, n)
    if lonely_psu not in LONELY_PSU_RULES:
        raise DesignError(
            f"lonely_psu must be one of {', '.join(LONELY_PSU_RULES)}, got {lonely_psu!r}"
        )
    if strata is None:
        stratum = np.zeros(n, dtype=np.int64)
    else:
        s = cols.column(data, strata, "strata")
        if s.isna().any():
            raise DesignError(
                f"strata column {strata!r} has {int(s.isna().sum())} missing value(s)"
            )
        stratum = pd.factorize(s, sort=True)[0].astype(np.int64)
    if psu is None:
        unit = np.arange(n, dtype=np.int64)
    else:
        p = cols.column(data, psu, "psu")
        if p.isna().any():
            raise DesignError(f"psu column {psu!r} has {int(p.isna().sum())} missing value(s)")
        unit = pd.factorize(p, sort=True)[0].astype(np.int64)
    # PSUs are nested in strata (R svydesign(nest = TRUE)): a PSU is a (stratum, psu) pair.
    n_strata = int(stratum.max()) + 1 if n else 0
    pair = stratum * (int(unit.max()) + 1 if n else 1) + unit
    psu_code, pair_uniques = pd.factorize(pair, sort=True)
    psu_code = psu_code.astype(np.int64)
    psu_stratum = np.zeros(len(pair_uniques), dtype=np.int64)
    psu_stratum[psu_code] = stratum
    n_h = np.bincount(psu_stratum, minlength=n_strata).astype(float)

    finite = np.ones(n_strata)
    if fpc is not None:
        f = cols.numeric(cols.column(data, fpc, "fpc"), "fpc")
        if np.isnan(f).any() or (f <= 0).any():
            raise DesignError(f"fpc column {fpc!r} must be positive with no missing values")
        f_h = np.full(n_strata, np.nan)
        f_h[stratum] = f
        check = np.full(n_strata, np.nan)
        check[stratum[::-1]] = f[::-1]
        if not np.allclose(f_h, check):
            raise DesignError(f"fpc column {fpc!r} must be constant within each stratum")
        # As R svydesign: values <= 1 are sampling fractions, larger values population PSU counts.
        frac = np.where(f_h <= 1, f_h, n_h / f_h)
        if (frac > 1 + 1e-12).any():
            raise DesignError(f"fpc column {fpc!r} gives fewer population PSUs than sampled PSUs")
        finite = 1 - frac
    lonely = n_h == 1
    if lonely.any() and lonely_psu == "fail":
        raise DesignError(
            f"{int(lonely.sum())} stratum/strata have a single PSU, so no variance can be "
            "estimated there; merge strata or pass lonely_psu='certainty' or 'adjust'"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, 1.0 if lonely_psu == "adjust" else 0.0, finite * n_h / (n_h - 1))
    if lonely_psu == "adjust":
        scale = np.where(lonely, finite, scale)
    later = _code_later_stages(data, psu_code, later_stages) if fpc is not None else ()
    return Coded(w, psu_code, psu_stratum, n_h, scale, lonely, lonely_psu, later, 1 - finite)


def _code_later_stages(data: pd.DataFrame, psu_code: np.ndarray, stages) -> tuple:
    """Unit codes (nested in the previous stage) and population sizes of later stages."""
    out, parent = [], psu_code
    for k, (unit, fpc) in enumerate(stages, start=2):
        if unit is None:
            code = np.arange(len(data), dtype=np.int64)
        else:
            u = cols.column(data, unit, f"stage-{k} psu")
            if u.isna().any():
                raise DesignError(f"stage-{k} psu column {unit!r} has missing values")
            code = pd.factorize(pd.Series(list(zip(parent, u, strict=True))), sort=True)[0]
        f = cols.numeric(cols.column(data, fpc, f"stage-{k} fpc"), f"stage-{k} fpc")
        if np.isnan(f).any() or (f <= 0).any():
            raise DesignError(
                f"stage-{k} fpc column {fpc!r} must be positive with no missing values"
            )
        n_in = pd.Series(code).groupby(parent).transform("nunique").to_numpy(dtype=float)
        pop = np.where(f <= 1, n_in / f, f)  # fractions (<= 1) or population unit counts
        if (pop < n_in - 1e-9).any():
            raise DesignError(f"stage-{k} fpc column {fpc!r} gives fewer units than were sampled")
        out.append((code.astype(np.int64), pop))
        parent = code
    return tuple(out)


def _stage_cov(z: np.ndarray, stages, lonely_psu: str) -> np.ndarray:
    """Variance of the totals of ``z`` (rows of one unit of the previous stage) from the
    sampling of its units at this stage and the later ones (R ``multistage``)."""
    (code, pop), rest = stages[0], stages[1:]
    units, inverse = np.unique(code, return_inverse=True)
    n, big_n = len(units), float(pop[0])
    f = (big_n - n) / big_n
    totals = np.zeros((n, z.shape[1]))
    np.add.at(totals, inverse, z)
    if f < 1e-7:
        v = np.zeros((z.shape[1], z.shape[1]))
    elif n > 1:
        c = totals - totals.mean(axis=0)
        v = f * n / (n - 1) * c.T @ c
    elif lonely_psu == "fail":
        raise DesignError(
            "a later sampling stage has a single sampled unit in a unit of the "
            "stage above; pass lonely_psu='certainty' or 'adjust'"
        )
    else:
        v = f * totals.T @ totals if lonely_psu == "adjust" else np.zeros((z.shape[1],) * 2)
    if rest:
        for j in range(n):
            rows = inverse == j
            v = v + n / big_n * _stage_cov(
                z[rows], [(c[rows], p[rows]) for c, p in rest], lonely_psu
            )
    return v


def row_covariance(design: Coded, z: np.ndarray) -> np.ndarray:
    """Covariance (K, K) of the totals of the linearised values ``z`` (n, K) of every row.

    One stage: :func:`covariance` of the PSU totals. With later stages (a design with an
    fpc at every stage, R ``svydesign(id = ~psu1 + psu2, fpc = ~fpc1 + fpc2)``) the
    within-PSU variance of each next stage is added, scaled by the sampling fraction
    of the stage above, as R's ``multistage`` does (without an fpc at the first stage
    R, and this, take the first stage's PSUs as drawn with replacement and stop there).
    """
    z = np.asarray(z, dtype=float).reshape(len(z), -1)
    v = covariance(design, psu_totals(design, z))
    if design.later:
        frac = design.fraction
        order = np.argsort(design.psu, kind="stable")
        bounds = np.flatnonzero(np.diff(design.psu[order])) + 1
        for rows in np.split(order, bounds):
            p = design.psu[rows[0]]
            sub = [(c[rows], q[rows]) for c, q in design.later]
            v = v + frac[design.psu_stratum[p]] * _stage_cov(z[rows], sub, design.lonely_psu)
    return v


def row_variance(design: Coded, z: np.ndarray) -> np.ndarray:
    """Variances (K,) of the totals of ``z`` (n, K) (:func:`row_covariance`)."""
    return np.diag(row_covariance(design, z)).copy()


def psu_totals(design: Coded, z: np.ndarray) -> np.ndarray:
    """Sum linearised values (n, K) over PSUs -> (P, K)."""
    z = z.reshape(len(z), -1)
    out = np.empty((design.n_psu, z.shape[1]))
    for k in range(z.shape[1]):
        out[:, k] = np.bincount(design.psu, weights=z[:, k], minlength=design.n_psu)
    return out


def _centred(design: Coded, totals: np.ndarray) -> np.ndarray:
    """PSU totals minus their stratum mean (grand PSU mean for 'adjust'ed lonely strata)."""
    h = design.psu_stratum
    means = np.empty((design.n_strata, totals.shape[1]))
    for k in range(totals.shape[1]):
        means[:, k] = np.bincount(h, weights=totals[:, k], minlength=design.n_strata)
    means /= design.n_psu_in_stratum[:, None]
    if design.lonely_psu == "adjust" and design.lonely.any():
        means[design.lonely] = totals.mean(axis=0)
    return totals - means[h]


def variance(design: Coded, totals: np.ndarray) -> np.ndarray:
    """Variances (K,) of the K linearised totals from their PSU totals (P, K)."""
    c = _centred(design, totals)
    return np.einsum("pk,pk,p->k", c, c, design.scale[design.psu_stratum])


def covariance(design: Coded, totals: np.ndarray) -> np.ndarray:
    """Covariance matrix (K, K) of the K linearised totals from their PSU totals (P, K)."""
    c = _centred(design, totals)
    return (c * design.scale[design.psu_stratum][:, None]).T @ c


def degrees_of_freedom(design: Coded, rows: np.ndarray) -> int:
    """PSUs minus strata among the PSUs that hold at least one of ``rows`` (bool mask).

    This is R's ``degf()`` of the design subset to those rows, used for t and F
    reference distributions of domain estimates.
    """
    has = np.bincount(design.psu[rows], minlength=design.n_psu) > 0
    n_psu = int(has.sum())
    n_strata = int(
        (np.bincount(design.psu_stratum, weights=has, minlength=design.n_strata) > 0).sum()
    )
    return max(n_psu - n_strata, 1)


@dataclass(frozen=True)
class Calibration:
    """Projection that turns linearised values of fixed weights into those of calibrated ones.

    For every calibrated population (``calibration_group``), ``rows`` are its rows with a
    positive weight, ``scale`` the factor ``w / sqrt(d)`` and ``basis`` an orthonormal
    basis (columns) of ``sqrt(d) * X``, X the indicators of every level of every raking
    margin and d the fitting weights: the calibrated weights w (``"weighted"``), 1
    (``"unweighted"``) or the weights before calibration (``"base"``).
    """

    groups: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]

    def residualise(self, z: np.ndarray) -> np.ndarray:
        """Replace z_i = w_i u_i by w_i (u_i - x_i b), b the d-weighted LS fit of u on x
        (d = w, 1 as R's ``rake`` variance, or the base weights as R's ``calibrate``).

        Rows outside every calibrated population keep their values.
        """
        out = np.array(z, dtype=float, copy=True)
        flat = out.ndim == 1
        if flat:
            out = out[:, None]
        for rows, scale, basis in self.groups:
            v = out[rows] / scale[:, None]  # sqrt(d) u
            v -= basis @ (basis.T @ v)
            out[rows] = v * scale[:, None]
        return out[:, 0] if flat else out


def make_calibration(
    data: pd.DataFrame,
    design: Coded,
    calibration: Sequence[str],
    calibration_group: str | None,
    projection: str = "weighted",
    base: np.ndarray | None = None,
) -> Calibration | None:
    """The residualising projection of the raking margins ``calibration`` (empty: None)."""
    if projection not in PROJECTIONS:
        raise DesignError(
            f"calibration projection must be one of {', '.join(PROJECTIONS)}, got {projection!r}"
        )
    margins = cols.as_list(calibration)
    if not margins:
        if calibration_group is not None:
            raise DesignError("calibration_group needs the calibration (raking margin) columns")
        return None
    if projection == "base" and base is None:
        raise DesignError(
            "projection='base' needs the weights before calibration: rake with Design.rake, "
            "or give base_weights= to Design.with_calibration"
        )
    columns = [cols.column(data, m, "calibration") for m in margins]
    n = len(data)
    if calibration_group is None:
        group = np.zeros(n, dtype=np.int64)
    else:
        g = cols.column(data, calibration_group, "calibration_group")
        group = pd.factorize(g, sort=True)[0].astype(np.int64)  # NA -> -1: not calibrated
    groups = []
    for code in range(int(group.max()) + 1 if n else 0):
        rows = np.flatnonzero((group == code) & (design.w > 0))
        if len(rows) == 0:
            continue
        indicators = []
        for name, col in zip(margins, columns, strict=True):
            part = col.iloc[rows]
            if part.isna().any():
                raise DesignError(
                    f"calibration column {name!r} has {int(part.isna().sum())} missing value(s) "
                    "among calibrated rows; every raked row has a margin category"
                )
            code_ = pd.factorize(part, sort=True)[0]
            indicators.append(np.eye(int(code_.max()) + 1)[code_])
        # z = w u is divided by w / sqrt(d), projected off the span of sqrt(d) X and
        # multiplied back: w (u - X b), b the d-weighted LS fit of u on X, where
        # d = w ("weighted"), 1 ("unweighted") or the pre-calibration weights ("base",
        # R calibrate's qr(mm * sqrt(input weights)) with w = g * sqrt(input weights))
        if projection == "weighted":
            root = np.sqrt(design.w[rows])
            scale, scaled = root, np.hstack(indicators) * root[:, None]
        elif projection == "base":
            root = np.sqrt(base[rows])
            scale, scaled = design.w[rows] / root, np.hstack(indicators) * root[:, None]
        else:
            scale, scaled = design.w[rows], np.hstack(indicators)
        left, singular, _ = np.linalg.svd(scaled, full_matrices=False)
        # indicators of several margins are collinear (each sums to 1): keep the column space
        rank = singular > singular[0] * max(scaled.shape) * np.finfo(float).eps
        groups.append((rows, scale, left[:, rank]))
    return Calibration(tuple(groups))


def residualised(calibration: Calibration | None, z: np.ndarray) -> np.ndarray:
    """``z`` residualised on the margins, or ``z`` itself for a design without calibration."""
    return z if calibration is None else calibration.residualise(z)


def domain_codes(
    data: pd.DataFrame, by: list[str], mask: np.ndarray | None = None
) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer domain code per row (-1 = in no domain) and the domain labels, sorted.

    Rows outside ``mask`` (a design's subset) are in no domain, and their values do not
    make levels.
    """
    n = len(data)
    if not by:
        dom = np.zeros(n, dtype=np.int64)
        if mask is not None:
            dom[~mask] = -1
        return dom, pd.DataFrame(index=range(1))
    columns = [cols.column(data, b, "by") for b in by]
    if mask is not None:
        columns = [c.where(mask) for c in columns]
    level_lists = [cols.levels(c) for c in columns]
    code_cols = [cols.codes(c, lv) for c, lv in zip(columns, level_lists, strict=True)]
    missing = np.zeros(n, dtype=bool)
    combined = np.zeros(n, dtype=np.int64)
    for code, lv in zip(code_cols, level_lists, strict=True):
        missing |= code < 0
        combined = combined * len(lv) + np.maximum(code, 0)
    combined[missing] = -1
    present = np.unique(combined[combined >= 0])
    remap = np.full(int(np.prod([len(lv) for lv in level_lists])) or 1, -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    dom = np.where(combined >= 0, remap[np.maximum(combined, 0)], -1)
    labels = {}
    rest = present.copy()
    for b, lv in reversed(list(zip(by, level_lists, strict=True))):
        labels[b] = [lv[i] for i in rest % len(lv)]
        rest = rest // len(lv)
    frame = pd.DataFrame({b: labels[b] for b in by})
    for b, col in zip(by, (data[b] for b in by), strict=True):
        if isinstance(col.dtype, pd.CategoricalDtype):
            frame[b] = pd.Categorical(frame[b], categories=col.cat.categories)
        else:
            frame[b] = frame[b].astype(col.dtype)
    return dom, frame


@dataclass(frozen=True)
class Cells:
    """Every row's PSU x domain cell, coded once per design and set of domains.

    Domain estimation needs, per item, sums of w, w*y and w*y^2 in every PSU x domain
    cell; one ``np.bincount`` per sum over the compact cell codes gives them, and all
    that follows works on the (much smaller) table of cells. This is the hot loop of the
    stakeholder study and of bench/scale.py.
    """

    cell: np.ndarray  # (n,) compact cell code 0..C-1 of every row
    cell_psu: np.ndarray  # (C,) PSU of every cell
    cell_slot: np.ndarray  # (C,) domain of every cell (n_dom = outside every domain)
    n_dom: int


def cells(design: Coded, dom: np.ndarray, n_dom: int) -> Cells:
    """The PSU x domain cells of ``dom`` (:class:`Cells`)."""
    slot = np.where(dom >= 0, dom, n_dom)
    code = design.psu * (n_dom + 1) + slot
    cell, uniques = pd.factorize(code, sort=True)
    uniques = np.asarray(uniques, dtype=np.int64)
    return Cells(cell.astype(np.int64), uniques // (n_dom + 1), uniques % (n_dom + 1), n_dom)


def domain_means(
    design: Coded,
    y: np.ndarray,
    dom: np.ndarray,
    n_dom: int,
    cell_codes: Cells | None = None,
    calibration: Calibration | None = None,
):
    """Weighted domain means of the columns of y (NaN = missing) with linearised variances.

    With ``calibration`` the linearised values are residualised on the raking margins
    (row by row, the slower path) before the variance sum.

    ``y`` is (n,) or (n, m). Returns estimate, variance, n (valid respondents), weight
    sum, weighted variance of y (R ``svyvar``: n/(n-1) correction) and design degrees
    of freedom, each (n_dom,) for a 1-d ``y`` or (m, n_dom) for a 2-d one.
    """
    if cell_codes is None:
        cell_codes = cells(design, dom, n_dom)
    one = y.ndim == 1
    Y = y.reshape(len(y), -1)
    m, k = Y.shape[1], n_dom + 1
    if len(Y) == 0:
        raise WeightingError("data has no rows")
    slot, n_cells = cell_codes.cell_slot, len(cell_codes.cell_slot)
    c_n, c_w, c_wy, c_wyy = (np.empty((n_cells, m)) for _ in range(4))
    shift = np.empty(m)
    for j in range(m):
        yj = Y[:, j]
        valid = ~np.isnan(yj)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing sample -> shift 0
            shift_j = np.nan_to_num(np.nanmean(yj[::97]))  # centring keeps sums of squares exact
        yc = np.where(valid, yj - shift_j, 0.0)
        wv = np.where(valid, design.w, 0.0)
        wy = wv * yc
        c_n[:, j] = np.bincount(cell_codes.cell, weights=valid, minlength=n_cells)
        c_w[:, j] = np.bincount(cell_codes.cell, weights=wv, minlength=n_cells)
        c_wy[:, j] = np.bincount(cell_codes.cell, weights=wy, minlength=n_cells)
        c_wyy[:, j] = np.bincount(cell_codes.cell, weights=wy * yc, minlength=n_cells)
        shift[j] = shift_j

    def by_slot(c: np.ndarray) -> np.ndarray:  # (C, m) cell sums -> (m, k) domain sums
        return np.stack([np.bincount(slot, weights=c[:, j], minlength=k) for j in range(m)])

    n, wsum, s_wy, s_wyy = by_slot(c_n), by_slot(c_w), by_slot(c_wy), by_slot(c_wyy)
    var = np.empty((m, n_dom))
    df = np.empty((m, n_dom), dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mc = s_wy / wsum  # domain means of the centred values
        ss = s_wyy - s_wy * mc
        s2 = ss / wsum * n / (n - 1)
        for j in range(m):
            # PSU x domain totals of the linearised values w (y - mean_d) / W_d
            z_cell = (c_wy[:, j] - mc[j, slot] * c_w[:, j]) / wsum[j, slot]
            if calibration is None and not design.later:
                totals = np.zeros((design.n_psu, k))
                totals[cell_codes.cell_psu, slot] = z_cell
                var[j] = variance(design, totals[:, :n_dom])
            else:  # row-level values w (y - mean_d) / W_d, residualised on the margins
                rows = np.flatnonzero(~np.isnan(Y[:, j]) & (dom >= 0))
                d = dom[rows]
                z = np.zeros((len(Y), n_dom))
                z[rows, d] = design.w[rows] * (Y[rows, j] - shift[j] - mc[j, d]) / wsum[j, d]
                var[j] = row_variance(design, residualised(calibration, z))
            # design df: PSUs holding a valid answer minus their strata (R degf of the subset)
            has = np.zeros((design.n_psu, k), dtype=bool)
            has[cell_codes.cell_psu, slot] = c_n[:, j] > 0
            has = has[:, :n_dom]
            strata_with = np.zeros((design.n_strata, n_dom), dtype=bool)
            rows_, cols_ = np.nonzero(has)
            strata_with[design.psu_stratum[rows_], cols_] = True
            df[j] = np.maximum(has.sum(axis=0) - strata_with.sum(axis=0), 1)
    out = (
        mc[:, :n_dom] + shift[:, None],
        var,
        n[:, :n_dom].astype(np.int64),
        wsum[:, :n_dom],
        s2[:, :n_dom],
        df,
    )
    return tuple(a[0] for a in out) if one else out


def t_quantile(ci: float, df) -> np.ndarray:
    """Two-sided ``ci`` quantile of Student's t on ``df`` degrees of freedom."""
    return stats.t.ppf(0.5 + ci / 2, np.asarray(df, dtype=float))
