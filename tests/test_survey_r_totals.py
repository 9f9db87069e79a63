"""Totals, ratios, means and contrasts against R ``survey`` (``svytotal``, ``svyratio``,
``svymean``, ``svycontrast``), linearisation and replicate designs.

R 4.2.2 (2022-11-10 r83330), survey 4.1-1, printed with ``sprintf("%.15g")``; data and
replicate weights in ``tests/fixtures/r`` (see its README)::

    data(api)
    dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
    dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
    dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
    svytotal(~enroll + stype, dstrat); svyratio(~api00, ~api99, dstrat)
    svytotal(~enroll, dclus2, na.rm = TRUE); svyratio(~api00, ~api99, dclus2)
    svycontrast(svytotal(~api00 + api99, dclus2), c(api00 = 1, api99 = -1))
    svycontrast(svymean(~api00 + api99, dstrat),
                list(diff = c(api00 = 1, api99 = -1), avg = c(api00 = 0.5, api99 = 0.5)))
    svytotal(~enroll, as.svrepdesign(dclus1, type = "JK1"))
    svyratio(~api00, ~api99, as.svrepdesign(dstrat, type = "JKn"))
    svymean(~stype, as.svrepdesign(dclus1, type = "JK1"))
    # bootstrap: svrepdesign(data = d, weights = ~pw, repweights = "rep[0-9]+",
    #                        type = "bootstrap", combined.weights = TRUE)
"""

from __future__ import annotations

import numpy as np
import pytest
from r_reference import REPS, api_design, read

from ruse_research.stats import survey as sv


@pytest.fixture(scope="module")
def dstrat():
    return api_design("dstrat")


@pytest.fixture(scope="module")
def dclus1():
    return api_design("dclus1")


@pytest.fixture(scope="module")
def dclus2():
    return api_design("dclus2")


def _same(est, coef, se, rtol=1e-10, atol=0.0):
    np.testing.assert_allclose(est.coef, coef, rtol=rtol)
    np.testing.assert_allclose(est.se, se, rtol=rtol, atol=atol)


def test_stratified_total_with_factor(dstrat):
    est = sv.total(dstrat, ["enroll", "stype"])
    assert est.names == ("enroll", "stype=E", "stype=H", "stype=M")
    coef = [3687177.53243828, 4420.99990844727, 755.000019073486, 1018.00003051758]
    _same(est, coef, [114641.71610078, 0, 0, 0], atol=1e-6)


def test_stratified_ratio(dstrat):
    _same(sv.ratio(dstrat, "api00", "api99"), [1.05226054621825], [0.00364392223084347])


def test_two_stage_total_and_ratio(dclus2):
    _same(sv.total(dclus2, "enroll"), [2639272.93], [799637.773648358])
    _same(sv.ratio(dclus2, "api00", "api99"), [1.03996357066935], [0.00462053412338679])


def test_contrasts(dclus2, dstrat):
    c = sv.contrast(sv.total(dclus2, ["api00", "api99"]), {"api00": 1, "api99": -1})
    _same(c, [132206.265], [41183.8388662617])
    m = sv.mean(dstrat, ["api00", "api99"])
    c = sv.contrast(m, {"diff": {"api00": 1, "api99": -1}, "avg": {"api00": 0.5, "api99": 0.5}})
    assert c.names == ("diff", "avg")
    _same(c, [32.8925183753596, 645.841103971641], [2.05111240771061, 9.63599713953837])


def test_replicate_jackknife_totals_ratios_means(dclus1, dstrat):
    jk1 = sv.ReplicateDesign.from_design(dclus1, "JK1")
    _same(sv.total(jk1, "enroll"), [3404940.13452911], [932235.027041215], rtol=1e-8)
    share = sv.mean(jk1, "stype")
    _same(
        share,
        [0.786885245901639, 0.0765027322404372, 0.136612021857924],
        [0.0514413134701854, 0.0277799029538051, 0.0331743000394655],
        rtol=1e-8,
    )
    jkn = sv.ReplicateDesign.from_design(dstrat, "JKn")
    _same(sv.ratio(jkn, "api00", "api99"), [1.05226054621825], [0.0036441892400613], rtol=1e-8)


@pytest.mark.parametrize(
    "name, mean, ratio, tot",
    [
        (
            "apiclus1",
            (644.169398907104, 549.715846994535, 25.5130653332979, 35.5261566019011),
            (1.0612728107529, 0.00648433860847278),
            (3404940.13452911, 760910.696748742),
        ),
        (
            "apistrat",
            (662.287363159321, 595.282137135504, 8.53968212863305, 16.8563150371496),
            (1.05226054621825, 0.00337618767359104),
            (3687177.53243828, 104408.014632786),
        ),
    ],
)
def test_replicate_bootstrap_equal_r(name, mean, ratio, tot):
    rep = sv.ReplicateDesign.from_columns(read(name, boot=True), "pw", REPS, "bootstrap")
    _same(sv.mean(rep, ["api00", "enroll"]), mean[:2], mean[2:], rtol=1e-8)
    _same(sv.ratio(rep, "api00", "api99"), ratio[:1], ratio[1:], rtol=1e-8)
    _same(sv.total(rep, "enroll"), tot[:1], tot[1:], rtol=1e-8)


def test_linearised_mean_equals_estimate(dstrat):
    m = sv.mean(dstrat, "api00")
    e = sv.estimate(dstrat, "api00")
    assert m.coef[0] == pytest.approx(float(e["estimate"].iloc[0]), rel=1e-12)
    assert m.se[0] == pytest.approx(float(e["se"].iloc[0]), rel=1e-10)
    table = m.table()
    assert list(table.columns) == ["name", "estimate", "se", "ci_low", "ci_high"]
