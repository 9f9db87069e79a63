"""Small-sample proportion intervals on replicate-weight designs against R ``svyciprop``.

R 4.2.2 (2022-11-10 r83330), survey 4.1-1, data in ``tests/fixtures/r``::

    dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
    jk1 <- as.svrepdesign(dclus1, type = "JK1")
    boot <- svrepdesign(data = merge(apiclus1, apiclus1_boot50, by = "snum"), weights = ~pw,
                        repweights = "rep[0-9]+", type = "bootstrap", combined.weights = TRUE)
    x <- svyciprop(~I(sch.wide == "No"), r, method = m)   # m in logit, beta, mean
    sprintf("%.15g", c(coef(x), SE(x), confint(x)))
    svyby(~I(sch.wide == "No"), ~stype, jk1, svyciprop, method = "logit", vartype = "ci")

The logit interval on a replicate design is R's ``svyglm(quasibinomial)`` refitted in every
replicate, so its SE is that of logit(p) over the replicates, not the delta method's; the
beta and mean intervals use the replicate SE of the mean. R's glm stops at a relative change of
1e-8 in its deviance, so its logit limits carry about 1e-9 of error: they are compared to
1e-7 (a delta-method SE instead puts them 3e-4 off), the others to 1e-8.
"""

from __future__ import annotations

import pytest
from r_reference import REPS, read

from ruse_research.stats import survey as sv

# (estimate, se, ci_low, ci_high) printed by the R code above
EXPECTED = {
    ("jk1", "logit"): (0.12568306011296, 0.0205560142539665, 0.0879146354879413, 0.176536451729896),
    ("jk1", "beta"): (0.12568306010929, 0.0205560142539665, 0.0849384026515749, 0.176857928697146),
    ("jk1", "mean"): (0.12568306010929, 0.0205560142539665, 0.0815947943807336, 0.169771325837846),
    ("boot", "logit"): (0.12568306011296, 0.0197474040033685, 0.08870219776663, 0.175118893887728),
    ("boot", "beta"): (0.12568306010929, 0.0197474040033685, 0.0864120547474915, 0.174562138471037),
    ("boot", "mean"): (0.12568306010929, 0.0197474040033685, 0.08332909088193, 0.168037029336649),
}


@pytest.fixture(scope="module")
def designs() -> dict:
    data = read("apiclus1")
    data["flag"] = data["sch.wide"] == "No"
    clus1 = sv.Design.from_frame(data, weights="pw", psu="dnum", fpc="fpc")
    boot = read("apiclus1", boot=True).assign(flag=lambda d: d["sch.wide"] == "No")
    return {"jk1": sv.ReplicateDesign.from_design(clus1, "JK1"),
            "boot": sv.ReplicateDesign.from_columns(boot, "pw", REPS, "bootstrap")}


@pytest.mark.parametrize(("design", "method"), sorted(EXPECTED))
def test_ciprop_on_replicate_designs_equals_r(designs, design, method):
    got = sv.ciprop(designs[design], "flag", method=method).iloc[0]
    estimate, se, low, high = EXPECTED[design, method]
    limits = 1e-7 if method == "logit" else 1e-8
    assert got["estimate"] == pytest.approx(estimate, rel=1e-8)
    assert got["se"] == pytest.approx(se, rel=1e-8)
    assert got["ci_low"] == pytest.approx(low, rel=limits)
    assert got["ci_high"] == pytest.approx(high, rel=limits)


# svyby(..., svyciprop, method = "logit") on jk1: share, ci_l, ci_u of stype E, H, M
BY_STYPE = {"E": (0.0833333333333397, 0.0416170200375019, 0.159889255912353),
            "H": (0.214285714285858, 0.060711227216204, 0.53504950868514),
            "M": (0.320000000000098, 0.12827246740852, 0.600794507309499)}


def test_estimate_share_intervals_by_domain_on_jk1_equal_r(designs):
    rep = designs["jk1"]
    data = rep.frame.assign(flag=rep.frame["flag"].astype(float))
    jk1 = sv.ReplicateDesign(data, rep.weights, rep.repweights, rep.kind, rep.scale, rep.rscales)
    got = sv.estimate(jk1, "flag", by="stype").set_index("stype")
    for stype, (share, low, high) in BY_STYPE.items():
        assert got.loc[stype, "estimate"] == pytest.approx(share, rel=1e-8)
        assert got.loc[stype, "ci_low"] == pytest.approx(low, rel=1e-7)
        assert got.loc[stype, "ci_high"] == pytest.approx(high, rel=1e-7)
