"""The base-weights calibrated variance reproduces R's ``calibrate`` (raking) design.

R 4.2.2 (2022-11-10 r83330), survey 4.1-1, printed with ``sprintf("%.15g")``::

    data(api)
    dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
    pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122)
    cdes <- calibrate(dstrat, ~stype + sch.wide, pop, calfun = "raking",
                      epsilon = 1e-12, maxit = 200)
    svymean(~api00 + enroll, cdes); svytotal(~enroll, cdes)
    svyby(~api00, ~awards, cdes, svymean)
    svychisq(~stype + awards, cdes, statistic = "F")
    svychisq(~comp.imp + awards, cdes, statistic = "F")
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruse_research.stats import survey as sv

R = Path(__file__).parent / "fixtures" / "r"
MARGINS = {
    "stype": {"E": 4421.0, "H": 755.0, "M": 1018.0},
    "sch.wide": {"No": 1072.0, "Yes": 5122.0},
}


@pytest.fixture(scope="module")
def designs():
    d = pd.read_csv(R / "apistrat.csv")
    fixed = sv.Design.from_frame(d, weights="pw", strata="stype", fpc="fpc")
    return {
        p: fixed.rake(MARGINS, tol=1e-13, max_iter=1000, projection=p)
        for p in ("base", "weighted", "unweighted")
    }


def test_base_projection_equals_r_calibrate(designs):
    cdes = designs["base"]
    m = sv.mean(cdes, ["api00", "enroll"])
    np.testing.assert_allclose(m.coef, [662.211650357845, 595.434367607878], rtol=1e-10)
    np.testing.assert_allclose(m.se, [9.26954760646102, 18.4861085574681], rtol=1e-8)
    t = sv.total(cdes, "enroll")
    np.testing.assert_allclose([t.coef[0], t.se[0]], [3688120.4729632, 114502.956404957], rtol=1e-8)
    by = sv.estimate(cdes, "api00", by="awards")
    np.testing.assert_allclose(by["estimate"], [633.610557242246, 678.425888585594], rtol=1e-10)
    np.testing.assert_allclose(by["se"], [15.1831964662002, 11.8596562154612], rtol=1e-8)


@pytest.mark.parametrize(
    "row, col, expected",
    [
        (
            "stype",
            "awards",
            (13.6136597467527, 1.86839332929916, 368.073485871935, 3.69987379951521e-06),
        ),
        ("comp.imp", "awards", (166.665468720555, 1.0, 197.0, 4.97520626934725e-28)),
    ],
)
def test_base_projection_rao_scott_equals_r(designs, row, col, expected):
    got = sv.rao_scott(designs["base"], row, col).iloc[0]
    np.testing.assert_allclose(
        [got["statistic"], got["ndf"], got["ddf"], got["p_value"]], expected, rtol=1e-8
    )


def test_projections_differ_by_definition(designs):
    se = {p: float(sv.mean(d, "api00").se[0]) for p, d in designs.items()}
    assert se["base"] != pytest.approx(se["unweighted"], rel=1e-4)
    assert se["weighted"] == pytest.approx(se["base"], rel=1e-3)


def test_base_projection_needs_base_weights():
    d = pd.read_csv(R / "apistrat.csv")
    with pytest.raises(sv.DesignError, match="before calibration"):
        sv.Design.from_frame(d, weights="pw").with_calibration(["stype"], projection="base")
