"""Multistage designs with an fpc at every stage against R ``survey`` (``apiclus2``).

R 4.2.2 (2022-11-10 r83330), survey 4.1-1, printed with ``sprintf("%.15g")``; data
``tests/fixtures/r/apiclus2.csv`` (two-stage sample: 40 districts, then up to 5 schools
in each)::

    data(api)
    dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
    svymean(~api00 + enroll, dclus2, na.rm = TRUE)  # SE 31.0573740507784, 80.3409839904244
    svyby(~api00, ~stype, dclus2, svymean)
    svymean(~api00, svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc1, data = apiclus2))
    # SE 29.8891624725 (first stage only)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruse_research.stats.survey import Design, estimate

R = Path(__file__).parent / "fixtures" / "r"


@pytest.fixture(scope="module")
def clus2() -> pd.DataFrame:
    return pd.read_csv(R / "apiclus2.csv")


@pytest.fixture(scope="module")
def dclus2(clus2) -> Design:
    return Design.from_frame(clus2, weights="pw", psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])


def test_two_stage_means_equal_r(dclus2):
    complete = dclus2.subset(dclus2.data["enroll"].notna())
    got = estimate(complete, ["api00", "enroll"])
    np.testing.assert_allclose(got["estimate"], [673.094339622642, 526.262641509434], rtol=1e-10)
    np.testing.assert_allclose(got["se"], [31.0573740507784, 80.3409839904244], rtol=1e-10)


def test_two_stage_domains_equal_r(dclus2):
    got = estimate(dclus2, "api00", by="stype")
    np.testing.assert_allclose(
        got["estimate"], [692.810400866739, 598.340659340659, 642.352], rtol=1e-10
    )
    np.testing.assert_allclose(
        got["se"], [29.926604237403, 17.694167126091, 45.0913163003311], rtol=1e-10
    )


def test_first_stage_only_is_smaller(clus2, dclus2):
    one = Design.from_frame(clus2, weights="pw", psu="dnum", fpc="fpc1")
    se1 = float(estimate(one, "api00")["se"].iloc[0])
    se2 = float(estimate(dclus2, "api00")["se"].iloc[0])
    assert se1 == pytest.approx(29.8891624725, rel=1e-10)  # R: id = ~dnum, fpc = ~fpc1
    assert se2 > se1


def test_stages_need_one_fpc_each(clus2):
    from ruse_research.stats.survey.errors import DesignError

    with pytest.raises(DesignError, match="one fpc column per stage"):
        Design.from_frame(clus2, weights="pw", psu=["dnum", "snum"], fpc="fpc1")
