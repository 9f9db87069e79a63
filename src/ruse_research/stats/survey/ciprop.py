"""Confidence intervals for a design-based proportion (R ``svyciprop``).

``method="logit"``
    the CI of ``log(p / (1 - p))`` (R's intercept-only ``svyglm(family =
    quasibinomial)``: its SE is the delta-method one, ``se(p) / (p (1 - p))``), Student t
    on the design df, back-transformed.
``method="beta"`` (Korn & Graubard 1998)
    Clopper-Pearson limits on the effective sample size ``p (1 - p) / var(p)``,
    rescaled by ``(t_{n-1} / t_df)^2`` as R does (n = rows with an answer).
``method="mean"``
    ``p +/- t * se``.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design
>>> d = pd.DataFrame({"yes": [1, 0, 0, 1, 0, 0, 0, 1, 0, 0]})  # R: 0.05903411, 0.67201921
>>> ciprop(Design.from_frame(d), "yes", method="beta")[["estimate", "ci_low", "ci_high"]].round(4)
   estimate  ci_low  ci_high
0       0.3   0.059    0.672
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey.errors import WeightingError
from ruse_research.stats.survey.replicate import ReplicateDesign, domain_logit_se
from ruse_research.stats.survey.totals import frame_and_mask, mean_of_values

__all__ = ["ciprop"]

METHODS = ("logit", "beta", "mean")


def ciprop(
    design, variable: str, method: str = "logit", ci: float = 0.95, df: float | None = None
) -> pd.DataFrame:
    """A proportion with a small-sample CI (R ``svyciprop(~I(x), design, method)``).

    ``variable`` is a 0/1 or boolean column (missing values are left out). Returns one
    row: ``variable, method, estimate, se, ci_low, ci_high, df, n``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.survey import Design
    >>> d = pd.DataFrame({"yes": [True, False, False, True]})
    >>> float(ciprop(Design.from_frame(d), "yes")["estimate"].iloc[0])
    0.5
    """
    cols.check_ci(ci)
    if method not in METHODS:
        raise WeightingError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    data, _, mask = frame_and_mask(design)
    col = cols.column(data, variable, "variable")
    y = pd.to_numeric(col.astype("float64") if col.dtype == bool else col, errors="coerce")
    y = y.to_numpy(dtype=float)
    valid = mask & ~np.isnan(y)
    if not valid.any():
        raise WeightingError(f"{variable!r} has no values in the design's domain")
    if not np.isin(y[valid], (0.0, 1.0)).all():
        raise WeightingError(f"{variable!r} must hold 0/1 (or True/False) values for a proportion")
    m = mean_of_values(design, y[:, None], valid)
    p, se = float(m.coef[0]), float(m.se[0])
    dof = m.df if df is None else float(df)
    alpha = 1 - ci
    t = float(stats.t.ppf(1 - alpha / 2, dof))
    if method == "mean":
        low, high = p - t * se, p + t * se
    elif method == "logit":
        if p in (0.0, 1.0) or se == 0:
            low = high = p
        else:
            centre, s = special.logit(p), se / (p * (1 - p))
            if isinstance(design, ReplicateDesign):
                # R fits svyglm(quasibinomial) in every replicate: the variance is that of
                # logit(p_r) over the replicates, not the delta method's se / (p (1 - p))
                s = float(domain_logit_se(design, np.where(valid, y, np.nan),
                                          np.zeros(len(y), dtype=int), 1)[0])
            low, high = special.expit(centre - t * s), special.expit(centre + t * s)
    else:
        n = int(valid.sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = p * (1 - p) / se**2
        n_eff *= (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, dof)) ** 2
        low = float(stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1))
        high = float(stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)))
    return pd.DataFrame(
        [
            {
                "variable": variable,
                "method": method,
                "estimate": p,
                "se": se,
                "ci_low": float(low),
                "ci_high": float(high),
                "df": dof,
                "n": int(valid.sum()),
            }
        ]
    )
