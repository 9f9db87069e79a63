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


def icc(data: pd.DataFrame, targets: str, raters: str, ratings: str) -> pd.DataFrame:
    """Six intraclass correlations (Shrout & Fleiss 1979) via ``pingouin.intraclass_corr``.

    Targets with a missing rating are dropped (listwise), as in ``psych::ICC``
    (R: ``psych::ICC(wide_ratings)``).

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
    ci = np.vstack(res["CI95"].to_numpy())
    return pd.DataFrame(
        {
            "type": res["Type"].to_numpy(),
            "shrout_fleiss": res["Type"].map(_SHROUT_FLEISS).to_numpy(),
            "icc": res["ICC"].to_numpy(dtype=float),
            "f": res["F"].to_numpy(dtype=float),
            "df1": res["df1"].to_numpy(dtype=int),
            "df2": res["df2"].to_numpy(dtype=int),
            "p": res["pval"].to_numpy(dtype=float),
            "ci_low": ci[:, 0].astype(float),
            "ci_high": ci[:, 1].astype(float),
            "n_targets": n_t,
            "n_raters": n_r,
        }
    )
