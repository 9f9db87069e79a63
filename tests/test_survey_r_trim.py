"""Weight trimming against R ``survey::trimWeights`` on raked ``apistrat`` weights.

R 4.2.2 (2022-11-10 r83330), survey 4.1-1, printed with ``sprintf("%.15g")``::

    data(api)
    dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
    pop.types   <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
    pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
    rdes <- rake(dstrat, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
                 control = list(maxit = 100, epsilon = 1e-12))
    unique(weights(rdes))   # 15.0402777317789 ... 44.5425660276418
    unique(weights(trimWeights(rdes, upper = 40, lower = 20, strict = TRUE)))
    # 20, 23.8295963778005, 23.9976084517988, 40 (strict = FALSE gives the same here)
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
R_RAKED = [
    15.0402777317789,
    15.1646991239238,
    20.3095963778052,
    20.4776084518036,
    44.1771088544018,
    44.5425660276418,
]
R_TRIMMED = [20.0, 23.8295963778005, 23.9976084517988, 40.0]


@pytest.fixture(scope="module")
def raked() -> np.ndarray:
    d = pd.read_csv(R / "apistrat.csv")
    return sv.rake(d, MARGINS, weights="pw", tol=1e-13, max_iter=1000).to_numpy()


def test_raked_weights_equal_r(raked):
    np.testing.assert_allclose(np.unique(raked.round(9)), R_RAKED, rtol=1e-9)


@pytest.mark.parametrize("strict", [True, False])
def test_trim_weights_equal_r(raked, strict):
    trimmed = sv.trim_weights(raked, lower=20, upper=40, strict=strict)
    np.testing.assert_allclose(np.unique(trimmed.round(9)), R_TRIMMED, rtol=1e-9)
    assert trimmed.sum() == pytest.approx(raked.sum(), rel=1e-12)


def test_proportional_rule_differs_and_keeps_ratios(raked):
    prop = sv.trim_weights(raked, lower=20, upper=40, share="proportional")
    inside = (raked > 20) & (raked < 40)
    ratio = prop[inside] / raked[inside]
    assert np.allclose(ratio, ratio[0])
    assert not np.allclose(np.unique(prop.round(9)), R_TRIMMED)
