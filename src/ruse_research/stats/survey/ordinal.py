"""Design-based cumulative-link (proportional odds) ordinal regression (R ``svyolr``).

For an outcome with ordered levels ``1..K`` the model is
``P(Y <= k | x) = F(zeta_k - x b)``, ``k = 1..K-1``, with ``F`` the logistic (proportional
odds, the default) or the normal distribution function (ordered probit) and no
intercept in ``x`` (the thresholds ``zeta`` take its place), R's ``MASS::polr`` and
``survey::svyolr`` parametrisation: a positive coefficient moves answers *up* the
scale, and with the logit link ``exp(b)`` is the odds ratio of answering above any
threshold rather than at or below it.

Estimation. ``(b, zeta)`` maximise the weighted (pseudo-) log-likelihood
``sum_i w_i log[F(zeta_{y_i} - x_i b) - F(zeta_{y_i - 1} - x_i b)]`` by Newton's method
with the exact gradient and Hessian (the log-likelihood is concave for both links, Pratt
1981), started at the thresholds of the weighted marginal distribution, with step
halving that keeps the thresholds increasing.

Variance. The influence values ``w_i s_i H^-1`` (``s_i`` the row's score, ``H`` the
weighted observed information) are summed over PSUs within strata and residualised on
the raking margins of a calibrated design, as ``svyolr``'s
``svyrecvar(gmini %*% solve(H), ...)``; on a replicate design the model is refitted with
every replicate's weights, started at the full-sample fit (``svyolr.svrepdesign``); a
replicate in which the model cannot be fitted (an answer level left without weight) is
left out of the variance, as ``svrVar`` leaves out missing replicates.
Python's ``statsmodels.OrderedModel`` takes no survey weights, so this is written out.
R's numbers need a tight optimiser to be reproduced beyond 1e-5: ``svyolr`` stops BFGS
at ``reltol = 1e-8`` and differences the gradient for the Hessian; see
``tests/test_survey_r_ordinal.py``.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats.survey import Design, ordinal_model
>>> d = pd.DataFrame({"y": [1, 2, 2, 3, 1, 3, 2, 3, 1, 2], "x": [0, 1, 1, 2, 1, 2, 0, 1, 0, 2]})
>>> out = ordinal_model(Design.from_frame(d), "y", ["x"])
>>> out[["term", "kind", "estimate", "odds_ratio"]].round(3)
  term         kind  estimate  odds_ratio
0    x  coefficient     2.067       7.899
1  1|2    threshold     0.742         NaN
2  2|3    threshold     3.391         NaN
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from ruse_research.stats.survey import _columns as cols
from ruse_research.stats.survey import _modelframe as mf
from ruse_research.stats.survey.errors import WeightingError

__all__ = ["LINKS", "fit_ordinal", "ordinal_model"]

#: Link functions: the distribution function F of the latent variable's error.
LINKS = ("logit", "probit")


def _link(link: str):
    """``(F, f, f')`` of the link: distribution function, density and its derivative."""
    if link == "logit":
        def cdf(z):
            return special.expit(z)

        def pdf(z):
            p = special.expit(z)
            return p * (1 - p)

        def dpdf(z):
            p = special.expit(z)
            return p * (1 - p) * (1 - 2 * p)
    elif link == "probit":
        def cdf(z):
            return special.ndtr(z)

        def pdf(z):
            return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)

        def dpdf(z):
            return -z * pdf(z)
    else:
        raise WeightingError(f"link must be one of {', '.join(LINKS)}, got {link!r}")
    return cdf, pdf, dpdf


def _quantile(link: str, p: np.ndarray) -> np.ndarray:
    return special.logit(p) if link == "logit" else special.ndtri(p)


class _Likelihood:
    """The weighted log-likelihood of a cumulative-link model, with its derivatives.

    ``X`` (m, p) predictors without intercept, ``y`` (m,) category codes 0..K-1, ``K``.
    Parameters are ``theta = (b, zeta)``.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, K: int, link: str):
        self.X, self.y, self.K, self.p = X, y, K, X.shape[1]
        self.cdf, self.pdf, self.dpdf = _link(link)
        q = K - 1
        m = len(y)
        # d(zeta_y - eta)/d theta and d(zeta_{y-1} - eta)/d theta (zero at -inf/+inf)
        self.has_upper, self.has_lower = y < q, y > 0
        self.e_upper = np.zeros((m, q))
        self.e_upper[np.flatnonzero(self.has_upper), y[self.has_upper]] = 1.0
        self.e_lower = np.zeros((m, q))
        self.e_lower[np.flatnonzero(self.has_lower), y[self.has_lower] - 1] = 1.0
        self.u_upper = np.hstack([-X, self.e_upper]) * self.has_upper[:, None]
        self.u_lower = np.hstack([-X, self.e_lower]) * self.has_lower[:, None]

    def _parts(self, theta: np.ndarray):
        b, zeta = theta[: self.p], theta[self.p:]
        eta = self.X @ b
        padded = np.concatenate([[-np.inf], zeta, [np.inf]])
        upper, lower = padded[self.y + 1] - eta, padded[self.y] - eta
        # both links are symmetric: the top category's 1 - F(lower) is F(-lower), exactly
        pr = np.where(
            self.has_upper,
            self.cdf(upper) - np.where(self.has_lower, self.cdf(lower), 0.0),
            self.cdf(-lower),
        )
        return upper, lower, pr

    def value(self, theta: np.ndarray, w: np.ndarray) -> float:
        """The weighted log-likelihood (-inf where a fitted row has probability 0)."""
        if np.any(np.diff(theta[self.p:]) <= 0):
            return -np.inf
        _, _, pr = self._parts(theta)
        if np.any(pr[w > 0] <= 0):
            return -np.inf
        return float(np.sum(w * np.log(np.where(w > 0, pr, 1.0))))

    def scores(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per-row scores (m, p+q) and what the Hessian needs."""
        upper, lower, pr = self._parts(theta)
        pr = np.where(pr > 0, pr, np.inf)  # rows of weight 0 a replicate may leave at p = 0
        fu = np.where(self.has_upper, self.pdf(np.where(self.has_upper, upper, 0.0)), 0.0)
        fl = np.where(self.has_lower, self.pdf(np.where(self.has_lower, lower, 0.0)), 0.0)
        g = (fu[:, None] * self.u_upper - fl[:, None] * self.u_lower) / pr[:, None]
        du = np.where(self.has_upper, self.dpdf(np.where(self.has_upper, upper, 0.0)), 0.0)
        dl = np.where(self.has_lower, self.dpdf(np.where(self.has_lower, lower, 0.0)), 0.0)
        return g, du / pr, dl / pr, pr

    def information(self, theta: np.ndarray, w: np.ndarray):
        """Score vector, observed information (minus the Hessian) and per-row scores."""
        g, cu, cl, _ = self.scores(theta)
        hess = (
            (self.u_upper * (w * cu)[:, None]).T @ self.u_upper
            - (self.u_lower * (w * cl)[:, None]).T @ self.u_lower
            - (g * w[:, None]).T @ g
        )
        return (w[:, None] * g).sum(axis=0), -hess, g


def fit_ordinal(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    K: int,
    link: str = "logit",
    start: np.ndarray | None = None,
    max_iter: int = 200,
    tol: float = 1e-11,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted maximum pseudo-likelihood of a cumulative-link model.

    ``X`` (m, p) has no intercept column; ``y`` (m,) are category codes ``0..K-1``;
    ``w`` (m,) the weights (rows with weight 0 do not enter). Returns ``theta = (b,
    zeta)``, the inverse observed information and the per-row scores (m, p+K-1).
    Raises :class:`WeightingError` when a category has no weight or the fit does not
    converge.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [1.0], [2.0], [0.0], [2.0]])
    >>> theta, _, _ = fit_ordinal(X, np.array([0, 1, 0, 2, 1, 2]), np.ones(6), 3)
    >>> theta.round(3).tolist()  # MASS::polr: 2.437, 0.989, 3.581
    [2.437, 0.989, 3.581]
    """
    lik = _Likelihood(X, y, K, link)
    share = np.bincount(y, weights=w, minlength=K)
    if np.any(share[:K] <= 0):
        raise WeightingError(
            f"ordinal outcome category {int(np.flatnonzero(share[:K] <= 0)[0]) + 1} of {K} "
            "has no weight among the fitted rows; merge it with a neighbour"
        )
    if start is None:
        cum = np.cumsum(share)[:-1] / share.sum()
        theta = np.concatenate([np.zeros(lik.p), _quantile(link, cum)])
    else:
        theta = np.array(start, dtype=float)
    current = lik.value(theta, w)
    if not np.isfinite(current):
        raise WeightingError("the ordinal model's start values give a row probability 0")
    for _ in range(max_iter):
        score, info, _ = lik.information(theta, w)
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            raise WeightingError("the ordinal model's information matrix is singular") from None
        t = 1.0
        while True:
            trial = theta + t * step
            value = lik.value(trial, w)
            if value >= current - 1e-12 * abs(current) or t < 1e-10:
                break
            t /= 2
        if not np.isfinite(value):
            break
        theta, current = trial, value
        if np.max(np.abs(t * step) / (1.0 + np.abs(theta))) < tol:
            _, info, g = lik.information(theta, w)
            return theta, np.linalg.inv(info), g
    raise WeightingError(
        f"the ordinal model did not converge in {max_iter} Newton steps (a category may "
        "be predicted perfectly by a predictor); merge sparse categories"
    )


def _outcome_codes(s: pd.Series, levels: Sequence | None, rows: np.ndarray):
    """Integer codes 0..K-1 of the ordered outcome (-1 missing) and the level list."""
    if levels is None:
        level_list = cols.levels(s[rows])
    else:
        level_list = list(levels)
        seen = set(pd.unique(s[rows].dropna()))
        unknown = seen - set(level_list)
        if unknown:
            raise WeightingError(
                f"outcome column {s.name!r} has value(s) {sorted(unknown, key=str)!r} not in "
                f"levels {level_list!r}; add them to levels= in scale order"
            )
        level_list = [lv for lv in level_list if lv in seen]
    if len(level_list) < 3:
        raise WeightingError(
            f"outcome column {s.name!r} has {len(level_list)} answer levels among the fitted "
            "rows; an ordinal model needs 3 or more (use logistic_model for two)"
        )
    return cols.codes(s, level_list), level_list


def _label(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def ordinal_model(
    design,
    outcome: str,
    predictors: Sequence[str],
    categorical: Sequence[str] | None = None,
    link: str = "logit",
    levels: Sequence | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Survey-weighted cumulative-link ordinal regression with design-based SEs.

    ``design`` is a :class:`~.design.Design` (linearisation SEs, calibration included)
    or a replicate-weight design (``ReplicateDesign``: replicate SEs). The outcome's
    levels are ``levels`` (scale order, low to high) or the observed values in
    categorical order or sorted (a 0-10 or 1-5 scale as numbers); levels nobody in the
    fit gave are left out. Predictors as :func:`~.models.linear_model`, without an
    intercept. Rows with a missing outcome or predictor, or outside the design's subset,
    drop out of the fit but stay in the design. t limits and p values use
    ``degf - p`` degrees of freedom (p coefficients, thresholds not counted), as
    ``svyolr``'s ``df.residual``.

    Returns
    -------
    DataFrame
        One row per coefficient (``kind = "coefficient"``) and then per threshold
        (``"threshold"``, term ``"low|high"``): ``term``, ``kind``, ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``t``, ``df``, ``p_value``, ``n``, and for the logit
        link's coefficients ``odds_ratio``, ``or_low``, ``or_high`` (NaN otherwise);
        ``link``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ruse_research.stats.survey import Design
    >>> d = pd.DataFrame({"y": ["lo", "mid", "hi", "mid", "lo", "hi", "mid", "hi"],
    ...                   "x": [0, 1, 2, 2, 1, 1, 0, 2]})
    >>> out = ordinal_model(Design.from_frame(d), "y", ["x"], levels=["lo", "mid", "hi"])
    >>> out["term"].tolist()
    ['x', 'lo|mid', 'mid|hi']
    """
    sample = mf.sample_of(design, "ordinal_model")
    cols.check_ci(ci)
    _link(link)
    data = sample.data
    s = cols.column(data, outcome, "outcome")
    categorical = cols.as_list(categorical)
    present = sample.in_domain & s.notna().to_numpy()
    fitted = mf.complete_cases(data, predictors, categorical, present)
    code, level_list = _outcome_codes(s, levels, fitted)
    rows = fitted & (code >= 0)
    X, names, valid = mf.model_matrix(data, predictors, categorical, rows, intercept=False)
    if X.shape[1]:
        mf.check_rank(np.column_stack([np.ones(int(valid.sum())), X[valid]]),
                      ["Intercept", *names])
    K = len(level_list)
    fit_rows = np.flatnonzero(valid)
    Xv, yv = X[fit_rows], code[fit_rows]
    w = sample.w[fit_rows]
    theta, bread, scores = fit_ordinal(Xv, yv, w, K, link)
    influence = np.zeros((len(data), len(theta)))
    influence[fit_rows] = (w[:, None] * scores) @ bread

    def refit(weights: np.ndarray) -> np.ndarray:
        try:
            return fit_ordinal(Xv, yv, weights[fit_rows], K, link, start=theta)[0]
        except WeightingError:
            return np.full(len(theta), np.nan)  # dropped by the replicate variance

    cov, degf = mf.model_vcov(sample, valid, theta, influence, refit)
    labels = [_label(v) for v in level_list]
    thresholds = [f"{a}|{b}" for a, b in zip(labels[:-1], labels[1:], strict=True)]
    odds = np.r_[np.full(len(names), link == "logit"), np.zeros(K - 1, dtype=bool)]
    out = mf.coefficient_table([*names, *thresholds], theta, cov, degf - len(names), ci,
                               len(fit_rows), odds=odds)
    out.insert(1, "kind", ["coefficient"] * len(names) + ["threshold"] * (K - 1))
    out["link"] = link
    return out
