"""Means, proportions, t and Wald tests, linear models and contrasts on replicate-weight
designs against R ``survey`` (``svrepdesign`` + ``svymean``/``svyby``/``svyttest``/
``regTermTest``/``svyglm``/``svycontrast``).

R 4.2.2 (2022-11-10 r83330), survey 4.1-1; every number below is printed (``%.15g``) by
``tests/fixtures/r/replicate_reference.R``. Designs (data in ``tests/fixtures/r``)::

    dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
    jk1 <- as.svrepdesign(dclus1, type = "JK1")
    # bclus1, bstrat: R's own bootstrap replicates (apiclus1_boot50.csv, apistrat_boot50.csv)
    svrepdesign(data = d, weights = ~pw, repweights = "rep[0-9]+", type = "bootstrap",
                combined.weights = TRUE)
    svyby(~api00, ~stype, r, svymean); svymean(~stype, r); svyby(~sch.wide, ~stype, r, svymean)
    degf(subset(r, stype == s))
    svyttest(api00 ~ sch.wide, r); svyttest(api00 ~ stype, subset(r, stype %in% c("E", "M")))
    regTermTest(svyglm(api00 ~ stype, r), ~stype); svyglm(api00 ~ ell + meals + stype, r)
    svycontrast(svymean(~api00 + api99, r), c(api00 = 1, api99 = -1))
    svycontrast(svytotal(~api00 + enroll, r), list(a = c(api00 = 1), d = c(api00 = 2, enroll = -1)))
    svyranktest(ell ~ sch.wide, r, test = test)
"""

from __future__ import annotations

import numpy as np
import pytest
from r_reference import REPS, api_design, read

from ruse_research.stats import survey as sv

TOL = 1e-8

REF = {
    "jk1": {
        "by_est": [648.868055555556, 618.571428571429, 631.44],
        "by_se": [25.3743035523982, 46.344121745186, 33.6876199986314],
        "degf": [14, 7, 11],
        "p_est": [0.786885245901639, 0.0765027322404372, 0.136612021857924],
        "p_se": [0.0514413134701854, 0.0277799029538051, 0.0331743000394655],
        "pb_est": [0.0833333333333333, 0.214285714285714, 0.32,
                   0.916666666666667, 0.785714285714286, 0.68],
        "pb_se": [0.0236904124203635, 0.0985981544474683, 0.114786537656143,
                  0.0236904124203636, 0.0985981544474683, 0.114786537656143],
        "tt": [2.06459426147984, 13, 41.3190217391304],
        "tt2": [-1.16939066405587, 13, -17.4280555555555],
        "rt": [1.03027269257377, 2, 12, 0.386433240543682],
        "glm_est": [845.393569883747, -0.911269385758827, -3.19203220009874,
                    -93.223890722227, -55.7732330344834],
        "glm_se": [15.6046531999299, 0.433572784898825, 0.277958787805243,
                   26.2924159218077, 16.9634335667774],
        "glm_df": 10,
        "c1": ([37.1912568306011], [3.12507318619763]),
        "c2": ([3989985.46570206, 4575030.796875], [898363.644440272, 999296.295560128]),
    },
    "bclus1": {
        "by_est": [648.868055555556, 618.571428571429, 631.44],
        "by_se": [24.0966247053209, 39.6628499613338, 36.3413629162086],
        "degf": [14, 7, 11],
        "p_est": [0.786885245901639, 0.0765027322404372, 0.136612021857923],
        "p_se": [0.0422724870322484, 0.0257495980439832, 0.0298072500785463],
        "pb_est": [0.0833333333333333, 0.214285714285714, 0.32,
                   0.916666666666667, 0.785714285714286, 0.68],
        "pb_se": [0.0226674639531593, 0.0916492799640889, 0.107643164532657,
                  0.0226674639531593, 0.0916492799640889, 0.107643164532657],
        "tt": [2.38421824409076, 13, 41.3190217391304],
        "tt2": [-1.02285892525458, 13, -17.4280555555555],
        "rt": [0.856243906039893, 2, 12, 0.449148495052991],
        "glm_est": [845.393569883747, -0.911269385758827, -3.19203220009874,
                    -93.223890722227, -55.7732330344834],
        "glm_se": [15.2197681053247, 0.467073817473725, 0.378249130372082,
                   20.745621569794, 15.3835907846079],
        "glm_df": 10,
        "c1": ([37.191256830601], [3.1299555433315]),
        "c2": ([3989985.46570205, 4575030.79687499], [759009.252749192, 866222.355611284]),
    },
    "bstrat": {
        "by_est": [674.43, 625.82, 636.6],
        "by_se": [11.2840226869676, 13.7079427236286, 14.7877234742545],
        "degf": [49, 49, 49],
        # a stratified bootstrap keeps every stratum's weight: R's SEs are rounding noise
        "p_est": [0.713755237067748, 0.121892157602241, 0.164352605330011],
        "p_se": [2.783476429471e-16, 2.40435733795564e-16, 2.40206762906734e-16],
        "pb_est": [0.09, 0.48, 0.3, 0.91, 0.52, 0.7],
        "pb_se": [0.0290783600020386, 0.065895402583432, 0.0684534699706329,
                  0.0290783600020386, 0.065895402583432, 0.0684534699706329],
        "tt": [5.30585614503504, 48, 82.7835854421896],
        "tt2": [-2.10276677457448, 48, -37.83],
        "rt": [4.75526125995676, 2, 47, 0.0131601418769115],
        "glm_est": [865.99120420474, -0.562795627294989, -3.42693687723662,
                    -128.294282217617, -60.4594177815062],
        "glm_se": [8.30090462893945, 0.315022612840041, 0.228007616517029,
                   9.65049715945421, 10.2302639661028],
        "glm_df": 45,
        "c1": ([32.8925183753596], [1.81362523949496]),
        "c2": ([4102207.89961815, 4517238.26679802], [52894.7907464138, 163696.341768256]),
    },
}


@pytest.fixture(scope="module")
def designs() -> dict:
    clus1 = api_design("dclus1")
    return {
        "jk1": sv.ReplicateDesign.from_design(clus1, "JK1"),
        "bclus1": sv.ReplicateDesign.from_columns(read("apiclus1", True), "pw", REPS, "bootstrap"),
        "bstrat": sv.ReplicateDesign.from_columns(read("apistrat", True), "pw", REPS, "bootstrap"),
    }


KEYS = list(REF)


@pytest.mark.parametrize("key", KEYS)
def test_domain_means_equal_svyby(designs, key):
    out = sv.estimate(designs[key], "api00", by="stype")
    assert out["stype"].tolist() == ["E", "H", "M"]
    np.testing.assert_allclose(out["estimate"], REF[key]["by_est"], rtol=TOL)
    np.testing.assert_allclose(out["se"], REF[key]["by_se"], rtol=TOL)
    assert out["df"].tolist() == REF[key]["degf"]  # degf(subset(r, stype == s))
    counts = designs[key].frame.groupby("stype").size().tolist()
    assert out["n"].tolist() == counts and (out["ci_low"] < out["estimate"]).all()


@pytest.mark.parametrize("key", KEYS)
def test_proportions_equal_svymean_of_a_factor(designs, key):
    out = sv.estimate(designs[key], "stype", kind="proportion")
    assert out["category"].tolist() == ["E", "H", "M"]
    np.testing.assert_allclose(out["estimate"], REF[key]["p_est"], rtol=TOL)
    np.testing.assert_allclose(out["se"], REF[key]["p_se"], rtol=TOL, atol=1e-12)
    by = sv.estimate(designs[key], "sch.wide", by="stype", kind="proportion")
    assert by["category"].tolist() == ["No"] * 3 + ["Yes"] * 3
    np.testing.assert_allclose(by["estimate"], REF[key]["pb_est"], rtol=TOL)
    np.testing.assert_allclose(by["se"], REF[key]["pb_se"], rtol=TOL)


@pytest.mark.parametrize("key", KEYS)
def test_compare_means_equals_svyttest(designs, key):
    rep = designs[key]
    out = sv.compare_means(rep, "api00", "sch.wide").iloc[0]
    assert (out["group"], out["reference"]) == ("Yes", "No")
    np.testing.assert_allclose([out["t"], out["df"], out["difference"]], REF[key]["tt"], rtol=TOL)
    two = rep.subset(rep.frame["stype"].isin(["E", "M"]).to_numpy())
    out = sv.compare_means(two, "api00", "stype").iloc[0]
    assert (out["group"], out["reference"]) == ("M", "E")
    np.testing.assert_allclose([out["t"], out["df"], out["difference"]], REF[key]["tt2"], rtol=TOL)


@pytest.mark.parametrize("key", KEYS)
def test_wald_test_equals_regtermtest(designs, key):
    out = sv.wald_test(designs[key], "api00", "stype").iloc[0]
    got = [out["statistic"], out["ndf"], out["ddf"], out["p_value"]]
    np.testing.assert_allclose(got, REF[key]["rt"], rtol=TOL)


@pytest.mark.parametrize("key", KEYS)
def test_linear_model_equals_svyglm(designs, key):
    out = sv.linear_model(designs[key], "api00", ["ell", "meals", "stype"])
    assert out["term"].tolist() == ["Intercept", "ell", "meals", "stype[H]", "stype[M]"]
    np.testing.assert_allclose(out["estimate"], REF[key]["glm_est"], rtol=TOL)
    np.testing.assert_allclose(out["se"], REF[key]["glm_se"], rtol=TOL)
    assert (out["df"] == REF[key]["glm_df"]).all()  # svyglm's df.residual


@pytest.mark.parametrize("key", KEYS)
def test_contrasts_equal_svycontrast(designs, key):
    rep = designs[key]
    c = sv.contrast(sv.mean(rep, ["api00", "api99"]), {"api00": 1, "api99": -1})
    np.testing.assert_allclose(np.r_[c.coef, c.se], np.r_[tuple(REF[key]["c1"])], rtol=TOL)
    t = sv.total(rep, ["api00", "enroll"])
    c = sv.contrast(t, {"a": {"api00": 1}, "d": {"api00": 2, "enroll": -1}})
    assert c.names == ("a", "d")
    np.testing.assert_allclose(np.r_[c.coef, c.se], np.r_[tuple(REF[key]["c2"])], rtol=TOL)


def test_replicate_and_linearisation_agree_on_the_design_estimates(designs):
    """Same point estimates as the linearisation design; SEs of the same order."""
    clus1 = sv.Design.from_frame(read("apiclus1"), weights="pw", psu="dnum", fpc="fpc")
    lin = sv.estimate(clus1, "api00", by="stype")
    rep = sv.estimate(designs["jk1"], "api00", by="stype")
    np.testing.assert_allclose(rep["estimate"], lin["estimate"], rtol=1e-12)
    assert ((rep["se"] / lin["se"]).between(0.8, 1.25)).all()
    assert rep["n"].tolist() == lin["n"].tolist()


# svyranktest(ell ~ sch.wide, r, test = test): t, df, estimate, p
RANKS = {
    ("jk1", "wilcoxon"): [1.06290688635789, 13, 0.074320652173913, 0.307170748260669],
    ("jk1", "vanderWaerden"): [1.25743352092536, 13, 0.272286759838237, 0.230717201075545],
    ("jk1", "median"): [0.699725265210332, 13, 0.0964673913043482, 0.496429860725539],
    ("bclus1", "wilcoxon"): [1.16680889838086, 13, 0.074320652173913, 0.264245866115344],
    ("bclus1", "vanderWaerden"): [1.39829992670271, 13, 0.272286759838237, 0.185422514639287],
    ("bclus1", "median"): [0.743714264994791, 13, 0.0964673913043484, 0.470278427851545],
    ("bstrat", "wilcoxon"): [-0.330221935371698, 48, -0.01550824460492, 0.742669266580985],
    ("bstrat", "vanderWaerden"): [-0.0173693827958325, 48, -0.00270248084143484,
                                  0.986213933496207],
    ("bstrat", "median"): [-1.07473496633562, 48, -0.0755156031188716, 0.2878663095925],
}


@pytest.mark.parametrize(("key", "test"), list(RANKS))
def test_rank_test_equals_svyranktest(designs, key, test):
    out = sv.rank_test(designs[key], "ell", "sch.wide", test=test).iloc[0]
    got = [out["t"], out["df"], out["estimate"], out["p"]]
    np.testing.assert_allclose(got, RANKS[(key, test)], rtol=TOL)
