"""Quantiles, proportion intervals and rank tests against R ``survey``.

R 4.2.2 (2022-11-10 r83330), survey 4.1-1, printed with ``sprintf("%.15g")``; data in
``tests/fixtures/r`` (designs as in ``test_survey_r_totals.py``)::

    svyquantile(~api00, dclus1, c(0.25, 0.5, 0.9))   # qrule = "math", interval.type = "mean"
    svyquantile(~api00, dstrat, 0.5); svyquantile(~api00, dclus2, 0.5)
    svyquantile(~api00, as.svrepdesign(dclus1, type = "JK1"), 0.5)
    svyquantile(~api00, as.svrepdesign(dstrat, type = "JKn"), 0.5, interval.type = "quantile")
    svyquantile(~api00, bootstrap_columns_design, c(0.25, 0.5), interval.type = "quantile")
    svyciprop(~I(sch.wide == "No"), dclus1, method = "beta")   # and "logit"
    svyciprop(~I(awards == "Yes"), dclus2, method = "beta")    # and "logit"
    svyranktest(ell ~ comp.imp, dclus1); svyranktest(api00 ~ awards, dstrat)
    svyranktest(api00 ~ sch.wide, dclus2)
    svyranktest(api00 ~ awards, dstrat, test = "vanderWaerden")   # and "median"
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from r_reference import REPS, api_design, read

from ruse_research.stats import survey as sv


@pytest.fixture(scope="module")
def designs():
    return {key: api_design(key) for key in ("dstrat", "dclus1", "dclus2")}


def _check_q(got: pd.DataFrame, q, low, high, se, rtol=1e-10):
    np.testing.assert_allclose(got["quantile"], q, rtol=rtol)
    np.testing.assert_allclose(got["ci_low"], low, rtol=rtol)
    np.testing.assert_allclose(got["ci_high"], high, rtol=rtol)
    np.testing.assert_allclose(got["se"], se, rtol=rtol)


def test_woodruff_quantiles(designs):
    got = sv.quantile(designs["dclus1"], "api00", [0.25, 0.5, 0.9])
    _check_q(
        got,
        [552, 652, 781],
        [492, 561, 745],
        [627, 714, 836],
        [31.4716612053995, 35.6678826994527, 21.2142308866026],
    )
    _check_q(sv.quantile(designs["dstrat"], "api00"), [668], [642], [694], [13.1840557881618])
    _check_q(sv.quantile(designs["dclus2"], "api00"), [653], [580], [766], [45.978354418237])


def test_replicate_quantiles(designs):
    jk1 = sv.ReplicateDesign.from_design(designs["dclus1"], "JK1")
    _check_q(sv.quantile(jk1, "api00"), [652], [552], [720], [39.1647339444971])
    jkn = sv.ReplicateDesign.from_design(designs["dstrat"], "JKn")
    _check_q(
        sv.quantile(jkn, "api00", interval="quantile"),
        [668],
        [654.461913177396],
        [681.538086822604],
        [6.86488045900739],
        rtol=1e-8,
    )
    for name, q, se in (
        ("apiclus1", [552, 652], [37.8138350666655, 34.6324373136762]),
        ("apistrat", [565, 668], [14.5290841319846, 9.97343410040403]),
    ):
        rep = sv.ReplicateDesign.from_columns(read(name, boot=True), "pw", REPS, "bootstrap")
        got = sv.quantile(rep, "api00", [0.25, 0.5], interval="quantile")
        np.testing.assert_allclose(got["quantile"], q)
        np.testing.assert_allclose(got["se"], se, rtol=1e-8)


@pytest.mark.parametrize(
    "design, column, level, method, expected",
    [
        (
            "dclus1",
            "sch.wide",
            "No",
            "beta",
            (0.12568306010929, 0.0203594772446274, 0.0852955078731347, 0.176297789152499),
        ),
        (
            "dclus1",
            "sch.wide",
            "No",
            "logit",
            (0.12568306010929, 0.0203594772446274, 0.0880999229787773, 0.176201107620966),
        ),
        (
            "dclus2",
            "awards",
            "Yes",
            "beta",
            (0.639852398523985, 0.0633993060768308, 0.499023054795223, 0.765023068821371),
        ),
        (
            "dclus2",
            "awards",
            "Yes",
            "logit",
            (0.639852398523985, 0.0633993060768308, 0.504559440166465, 0.756061923808519),
        ),
    ],
)
def test_ciprop(designs, design, column, level, method, expected):
    d = designs[design]
    d = sv.Design.from_frame(
        d.data.assign(flag=(d.data[column] == level).astype(float)),
        weights=d.weights,
        strata=d.strata,
        psu=[d.psu, *[u for u, _ in d.later_stages]] if d.later_stages else d.psu,
        fpc=[d.fpc, *[f for _, f in d.later_stages]] if d.later_stages else d.fpc,
    )
    got = sv.ciprop(d, "flag", method=method).iloc[0]
    # R's logit estimate is expit of svyglm's converged coefficient (differs from the mean by 4e-12)
    np.testing.assert_allclose(
        [got["estimate"], got["se"], got["ci_low"], got["ci_high"]], expected, rtol=1e-9
    )


@pytest.mark.parametrize(
    "design, variable, group, test, expected",
    [
        (
            "dclus1",
            "ell",
            "comp.imp",
            "wilcoxon",
            (2.13672375802069, 13, 0.136315789473685, 0.052205812626434),
        ),
        (
            "dstrat",
            "api00",
            "awards",
            "wilcoxon",
            (2.11879850890955, 196, 0.0960395768882281, 0.0353667842843473),
        ),
        (
            "dclus2",
            "api00",
            "sch.wide",
            "wilcoxon",
            (5.42370266600128, 38, 0.292847400098994, 3.51169578071013e-06),
        ),
        (
            "dstrat",
            "api00",
            "awards",
            "vanderWaerden",
            (2.50325891506472, 196, 0.392753053575981, 0.0131223018349326),
        ),
        (
            "dstrat",
            "api00",
            "awards",
            "median",
            (1.37987668600529, 196, 0.106140605274735, 0.169196645943456),
        ),
    ],
)
def test_rank_test(designs, design, variable, group, test, expected):
    got = sv.rank_test(designs[design], variable, group, test=test).iloc[0]
    np.testing.assert_allclose(
        [got["t"], got["df"], got["estimate"], got["p"]], expected, rtol=1e-9
    )


@pytest.mark.parametrize(
    "design, test, expected",
    [
        ("dclus1", "wilcoxon", (2.22397482137553, 2, 12, 0.360546784857326)),
        ("dclus2", "median", (7.62385827605387, 2, 37, 0.0312421000817608)),
    ],
)
def test_rank_test_three_groups(designs, design, test, expected):
    """R: ``svyranktest(api00 ~ stype, dclus1)``, ``svyranktest(api00 ~ stype, dclus2,
    test = "median")`` (R's multiranktest; its htest swaps the names of chisq and df)."""
    got = sv.rank_test(designs[design], "api00", "stype", test=test).iloc[0]
    np.testing.assert_allclose(
        [got["chisq"], got["ndf"], got["ddf"], got["p"]], expected, rtol=1e-9
    )
