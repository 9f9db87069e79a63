"""Inter-rater agreement: the six intraclass correlations of Shrout & Fleiss (1979).

Study-agnostic: :func:`icc` takes a long frame of targets, raters and ratings (the
participation study's targets are mechanisms and its raters the panel members).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"t": [0, 0, 1, 1, 2, 2, 3, 3], "j": [0, 1] * 4, "x": [1, 2, 4, 3, 5, 7, 8, 8]})
>>> icc(d, "t", "j", "x")["shrout_fleiss"].tolist()
['ICC1', 'ICC2', 'ICC3', 'ICC1k', 'ICC2k', 'ICC3k']
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ruse_research.errors import RuseError

__all__ = ["AgreementError", "icc"]

_SHROUT_FLEISS = {
    "ICC(1,1)": "ICC1",
    "ICC(A,1)": "ICC2",
    "ICC(C,1)": "ICC3",
    "ICC(1,k)": "ICC1k",
    "ICC(A,k)": "ICC2k",
    "ICC(C,k)": "ICC3k",
}


class AgreementError(RuseError):
    """Too few targets or raters for an intraclass correlation."""


def icc(
    data: pd.DataFrame, targets: str, raters: str, ratings: str, ci: float = 0.95
) -> pd.DataFrame:
    """Six intraclass correlations (Shrout & Fleiss 1979) via ``pingouin.intraclass_corr``.

    Targets with a missing rating are dropped (listwise), as in ``psych::ICC``
    (R: ``psych::ICC(wide_ratings)``). The confidence limits are computed here at full
    precision from the F distribution with ``psych::ICC``'s formulas (Shrout & Fleiss
    1979; McGraw & Wong 1996; Satterthwaite degrees of freedom for ICC(A,1) and
    ICC(A,k)) -- pingouin rounds its limits to two decimals.

    Returns
    -------
    pandas.DataFrame
        ``type, shrout_fleiss, icc, f, df1, df2, p, ci_low, ci_high, n_targets, n_raters``.

    Examples
    --------
    Shrout & Fleiss (1979) 6 targets x 4 judges; ICC(2,1) = 0.29 in their Table 4:

    >>> import pandas as pd
    >>> sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> d = pd.DataFrame([(t, j, sf[t][j]) for t in range(6) for j in range(4)], columns=["t", "j", "x"])
    >>> round(float(icc(d, "t", "j", "x").set_index("shrout_fleiss").loc["ICC2", "icc"]), 4)
    0.2898
    """
    clean = data[[targets, raters, ratings]].copy()
    clean[ratings] = pd.to_numeric(clean[ratings], errors="coerce").astype(float)
    complete = clean.groupby(targets)[ratings].transform(lambda s: s.notna().all())
    clean = clean[complete.astype(bool)]
    n_t, n_r = clean[targets].nunique(), clean[raters].nunique()
    if n_t < 3 or n_r < 2:
        raise AgreementError(
            f"ICC needs at least 3 fully rated targets and 2 raters, got {n_t} and {n_r}"
        )
    with warnings.catch_warnings():
        # pingouin 0.7.0 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1
        warnings.filterwarnings("ignore", message=".*inplace keyword.*", category=Warning)
        import pingouin as pg  # imported here: it takes seconds to import

        res = pg.intraclass_corr(data=clean, targets=targets, raters=raters, ratings=ratings)
    wide = clean.pivot(index=targets, columns=raters, values=ratings).to_numpy(dtype=float)
    limits = _f_limits(wide, ci)
    ci_ = np.array([limits[name] for name in res["Type"].map(_SHROUT_FLEISS)])
    return pd.DataFrame(
        {
            "type": res["Type"].to_numpy(),
            "shrout_fleiss": res["Type"].map(_SHROUT_FLEISS).to_numpy(),
            "icc": res["ICC"].to_numpy(dtype=float),
            "f": res["F"].to_numpy(dtype=float),
            "df1": res["df1"].to_numpy(dtype=int),
            "df2": res["df2"].to_numpy(dtype=int),
            "p": res["pval"].to_numpy(dtype=float),
            "ci_low": ci_[:, 0],
            "ci_high": ci_[:, 1],
            "n_targets": n_t,
            "n_raters": n_r,
        }
    )


def _f_limits(x: np.ndarray, ci: float) -> dict[str, tuple[float, float]]:
    """Confidence limits of the six ICCs of the complete targets x raters matrix ``x``,
    as ``psych::ICC`` (psych 2.2.9) computes them from the two-way ANOVA mean squares."""
    from scipy import stats

    if not 0 < ci < 1:
        raise AgreementError(f"ci must be between 0 and 1, got {ci}")
    n, k = x.shape
    grand = x.mean()
    ss_b = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_j = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_e = ((x - grand) ** 2).sum() - ss_b - ss_j
    df_b, df_j, df_e = n - 1, k - 1, (n - 1) * (k - 1)
    msb, msj, mse = ss_b / df_b, ss_j / df_j, ss_e / df_e
    msw = (ss_j + ss_e) / (df_j + df_e)
    q = 1 - (1 - ci) / 2
    f1 = msb / msw
    f1l, f1u = f1 / stats.f.ppf(q, df_b, n * (k - 1)), f1 * stats.f.ppf(q, n * (k - 1), df_b)
    f3 = msb / mse
    f3l, f3u = f3 / stats.f.ppf(q, df_b, df_e), f3 * stats.f.ppf(q, df_e, df_b)
    icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
    fj = msj / mse
    vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = (n - 1) * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    fu, fl = stats.f.ppf(q, n - 1, v), stats.f.ppf(q, v, n - 1)
    mid = k * msj + (k * n - k - n) * mse
    l2 = n * (msb - fu * mse) / (fu * mid + n * msb)
    u2 = n * (fl * msb - mse) / (mid + n * fl * msb)
    return {
        "ICC1": ((f1l - 1) / (f1l + k - 1), (f1u - 1) / (f1u + k - 1)),
        "ICC2": (l2, u2),
        "ICC3": ((f3l - 1) / (f3l + k - 1), (f3u - 1) / (f3u + k - 1)),
        "ICC1k": (1 - 1 / f1l, 1 - 1 / f1u),
        "ICC2k": (l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))),
        "ICC3k": (1 - 1 / f3l, 1 - 1 / f3u),
    }
