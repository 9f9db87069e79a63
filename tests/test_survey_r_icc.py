"""Intraclass correlations and their confidence limits against ``psych::ICC``.

R 4.2.2 (2022-11-10 r83330), psych 2.2.9, printed with ``sprintf("%.15g")``; data
``tests/fixtures/r/USJudgeRatings.csv`` (``datasets::USJudgeRatings``: 43 judges rated on
12 scales -- the scales as raters here)::

    r <- psych::ICC(as.matrix(USJudgeRatings), lmer = FALSE)$results
    r[, c("type", "ICC", "F", "lower bound", "upper bound")]

``lmer = FALSE`` takes the mean squares from the two-way ANOVA, as here and as pingouin;
psych's default (``lmer = TRUE``) takes them from lme4's REML fit, whose optimiser
tolerance moves the values by up to 6e-7 (ICC and limits) -- the second table, checked
to 1e-6.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ruse_research.stats.agreement import icc

R = Path(__file__).parent / "fixtures" / "r"
# type: ICC, F, lower bound, upper bound (lmer = FALSE)
PSYCH = {
    "ICC1": (0.715692162019296, 31.2077705814584, 0.621947594940216, 0.806913368510046),
    "ICC2": (0.716723929070366, 36.876934122552, 0.618732550900045, 0.809412133587242),
    "ICC3": (0.749357384303614, 36.876934122552, 0.661938570620002, 0.832074037836515),
    "ICC1k": (0.967956698560385, 31.2077705814584, 0.951787784077478, 0.980448996400907),
    "ICC2k": (0.96811377265733, 36.876934122552, 0.951157492530255, 0.980755569009739),
    "ICC3k": (0.972882778251665, 36.876934122552, 0.959177853918092, 0.983460156437459),
}
# psych::ICC(as.matrix(USJudgeRatings))$results (default lmer = TRUE)
PSYCH_LMER = {
    "ICC1": (0.715692051321683, 31.2077541475195, 0.621947464849967, 0.80691328482782),
    "ICC2": (0.716723809659461, 36.876852697923, 0.618732497489503, 0.809412009758203),
    "ICC3": (0.74935695803328, 36.876852697923, 0.661938055491226, 0.83207372412906),
    "ICC1k": (0.967956681686449, 31.2077541475195, 0.951787758689024, 0.980448986105389),
    "ICC2k": (0.96811375450168, 36.876852697923, 0.951157482011975, 0.980755553859361),
    "ICC3k": (0.972882718376443, 36.876852697923, 0.959177763782198, 0.983460119917243),
}


@pytest.fixture(scope="module")
def judges() -> pd.DataFrame:
    u = pd.read_csv(R / "USJudgeRatings.csv")
    long = u.melt(id_vars="judge", var_name="scale", value_name="rating")
    return icc(long, "judge", "scale", "rating").set_index("shrout_fleiss")


def test_icc_limits_equal_psych_default(judges):
    for name, (value, _f, low, high) in PSYCH_LMER.items():
        row = judges.loc[name]
        for got, want in ((row["icc"], value), (row["ci_low"], low), (row["ci_high"], high)):
            assert got == pytest.approx(want, abs=1e-6), name


def test_icc_limits_equal_psych(judges):
    res = judges
    for name, (value, f, low, high) in PSYCH.items():
        row = res.loc[name]
        assert row["icc"] == pytest.approx(value, abs=1e-9), name
        assert row["f"] == pytest.approx(f, rel=1e-9), name
        assert row["ci_low"] == pytest.approx(low, abs=1e-9), name
        assert row["ci_high"] == pytest.approx(high, abs=1e-9), name
