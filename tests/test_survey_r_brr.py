"""BRR and Fay replicate weights built from a design with two PSUs per stratum, against
R ``survey`` (``as.svrepdesign(type = "BRR")``, ``type = "Fay", fay.rho = 0.3``).

R 4.2.2 (2022-11-10 r83330), survey 4.1-1; every number is printed (``%.15g``) by
``tests/fixtures/r/replicate_reference.R``, which also wrote the data::

    data(scd)   # the example of R's svrepdesign documentation: 3 strata, 2 ambulances each
    scdnofpc <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
    # apistrat_pairs.csv: apistrat in 100 strata of two schools (Paley Hadamard, order 104)
    dps <- svydesign(id = ~snum, strata = ~pair, weights = ~pw, data = ps)
    # apiclus1_pairs.csv: 14 of apiclus1's districts in 7 strata of two (doubled H4, order 8)
    dpc <- svydesign(id = ~dnum, strata = ~pair, weights = ~pw, data = pc)
    r <- as.svrepdesign(d, type = "BRR"); r <- as.svrepdesign(d, type = "Fay", fay.rho = 0.3)
    svymean(~alive, r); svytotal(~alive + arrests, r); svyratio(~alive, ~arrests, r)
    svymean(~api00 + enroll, r); svyratio(~api00, ~api99, r); svyglm(api00 ~ ell + meals, r)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruse_research.errors import RuseError
from ruse_research.stats import survey as sv
from ruse_research.stats.survey.hadamard import hadamard

R = Path(__file__).parent / "fixtures" / "r"
TOL = 1e-8
RHO = {"BRR": None, "Fay": 0.3}

SCD = {  # scale, mean alive (est, se), totals alive + arrests (est, se), ratio alive/arrests
    "BRR": (0.25, [46.3333333333333, 3.58236421003411],
            [278, 1811, 21.4941852602047, 152.35813073151],
            [0.153506350082827, 0.00941840066991849]),
    "Fay": (0.510204081632653, [46.3333333333333, 3.58236421003411],
            [278, 1811, 21.4941852602047, 152.35813073151],
            [0.153506350082827, 0.00952518747770524]),
}
# R's weights(r, "analysis") of scd, replicate by replicate (rows in data order)
SCD_BRR_WEIGHTS = [2, 0, 2, 0, 2, 0, 0, 2, 2, 0, 0, 2, 2, 0, 0, 2, 0, 2, 0, 2, 0, 2, 2, 0]

PAIRS = {  # (design, kind): replicates, degf, means api00 + enroll (est, se), ratio, svyglm
    ("dps", "BRR"): (104, 100, [662.287363159321, 595.282137135504, 8.22416543892778,
                                18.3856174329335], [1.05226054621825, 0.00315541993826011],
                     [823.857925625166, -0.505725551902641, -3.11062899440933],
                     [8.26060201392912, 0.340554026205857, 0.24451094493925]),
    ("dps", "Fay"): (104, 100, [662.287363159321, 595.282137135504, 8.22416543892777,
                                18.3856174329335], [1.05226054621825, 0.00315422730332735],
                     [823.857925625166, -0.505725551902641, -3.11062899440933],
                     [8.19666274869078, 0.335371698894473, 0.243429370186946]),
    ("dpc", "BRR"): (8, 7, [667.732876712329, 512.219178082192, 13.2190245532881,
                            39.9577017610733], [1.05878839219775, 0.00661590282324981],
                     [829.133415427886, -0.60395675812633, -3.27576264875055],
                     [19.7047572022187, 0.566056388995661, 0.597476290810881]),
    ("dpc", "Fay"): (8, 7, [667.732876712329, 512.219178082192, 13.4469064428544,
                            37.5911206174479], [1.05878839219775, 0.00668597910741608],
                     [829.133415427886, -0.60395675812633, -3.27576264875055],
                     [18.0663507992735, 0.499834929910566, 0.543609669434036]),
}

# R: H <- hadamard(n); c(nrow(H), sum(H * outer(1:nrow(H), 1:ncol(H),
#    function(i, j) (i * 131 + j * 7919) %% 10007)))
HADAMARD = {1: (4, 57016), 3: (4, 57016), 4: (8, 220721), 7: (8, 220721), 8: (12, 433334),
            11: (12, 433334), 12: (16, 747151), 16: (20, 1084377), 20: (24, 1477294),
            24: (28, 2078268), 28: (32, 2679413), 32: (36, 3423088), 36: (40, 4081393),
            40: (44, 4936785), 44: (48, 5861434), 48: (56, 8007603), 56: (60, 9003484),
            60: (64, 10397890), 64: (68, 11822823), 71: (72, 13180474), 72: (80, 16323408),
            80: (84, 17762968), 88: (96, 23282342), 100: (104, 27334658),
            104: (108, 29439391), 112: (120, 36215106), 120: (128, 41339596)}


def _design(name: str) -> sv.Design:
    if name == "scd":
        return sv.Design.from_frame(pd.read_csv(R / "scd.csv"), strata="ESA", psu="ambulance")
    if name == "dps":
        return sv.Design.from_frame(pd.read_csv(R / "apistrat_pairs.csv"), weights="pw",
                                    strata="pair", psu="snum")
    return sv.Design.from_frame(pd.read_csv(R / "apiclus1_pairs.csv"), weights="pw",
                                strata="pair", psu="dnum")


def _same(est, values, rtol=TOL):
    k = len(est.coef)
    np.testing.assert_allclose(np.r_[est.coef, est.se], values[: 2 * k], rtol=rtol)


@pytest.mark.parametrize("kind", ["BRR", "Fay"])
def test_scd_equals_r_documentation_example(kind):
    rep = sv.ReplicateDesign.from_design(_design("scd"), kind, fay_rho=RHO[kind])
    scale, mean, totals, ratio = SCD[kind]
    assert rep.n_replicates == 4 and rep.scale == pytest.approx(scale, rel=1e-12)
    _same(sv.mean(rep, "alive"), mean)
    _same(sv.total(rep, ["alive", "arrests"]), totals)
    _same(sv.ratio(rep, "alive", "arrests"), ratio)
    expected = np.array(SCD_BRR_WEIGHTS, dtype=float).reshape(4, 6).T
    if kind == "Fay":
        expected = np.where(expected == 2, 1.7, 0.3)
    np.testing.assert_allclose(rep.repweights, expected, rtol=1e-12)


@pytest.mark.parametrize("key", list(PAIRS))
def test_paired_api_designs_equal_r(key):
    name, kind = key
    rep = sv.ReplicateDesign.from_design(_design(name), kind, fay_rho=RHO[kind])
    n_rep, degf, means, ratio, coef, se = PAIRS[key]
    assert (rep.n_replicates, rep.degf) == (n_rep, degf)
    _same(sv.mean(rep, ["api00", "enroll"]), means)
    _same(sv.ratio(rep, "api00", "api99"), ratio)
    est = sv.estimate(rep, ["api00", "enroll"])
    np.testing.assert_allclose(np.r_[est["estimate"], est["se"]], means, rtol=TOL)
    fit = sv.linear_model(rep, "api00", ["ell", "meals"])
    np.testing.assert_allclose(fit["estimate"], coef, rtol=TOL)
    np.testing.assert_allclose(fit["se"], se, rtol=TOL)
    assert (fit["df"] == degf + 1 - 3).all()  # svyglm's df.residual


@pytest.mark.parametrize("n", list(HADAMARD))
def test_hadamard_is_r_s(n):
    H = hadamard(n)
    size, checksum = HADAMARD[n]
    i, j = np.arange(1, size + 1)[:, None], np.arange(1, size + 1)[None, :]
    assert H.shape == (size, size)
    assert int((H * ((i * 131 + j * 7919) % 10007)).sum()) == checksum
    signs = 2 * H - 1
    np.testing.assert_array_equal(signs @ signs.T, size * np.eye(size))  # orthogonal rows


def test_brr_columns_with_fay_rho_give_r_s_scale():
    rep = sv.ReplicateDesign.from_design(_design("scd"), "Fay", fay_rho=0.3)
    frame = rep.frame.assign(**{f"r{k}": rep.repweights[:, k] for k in range(4)})
    frame["w"] = 1.0
    cols = sv.ReplicateDesign.from_columns(frame, "w", [f"r{k}" for k in range(4)], "Fay",
                                           fay_rho=0.3)
    assert cols.scale == pytest.approx(rep.scale, rel=1e-12)
    np.testing.assert_allclose(sv.ratio(cols, "alive", "arrests").se, SCD["Fay"][3][1:],
                               rtol=TOL)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: (sv.Design.from_frame(pd.read_csv(R / "apistrat.csv"), weights="pw",
                                       strata="stype"), "BRR", None),
         "need exactly 2 PSUs in every stratum; stratum 'E' of column 'stype' has 100"),
        (lambda: (sv.Design.from_frame(pd.read_csv(R / "scd.csv")), "BRR", None),
         "need a stratified design"),
        (lambda: (_design("scd"), "Fay", None), "fay_rho= between 0 and 1"),
        (lambda: (_design("scd"), "Fay", 1.0), "fay_rho= between 0 and 1"),
    ],
)
def test_brr_errors_are_one_line(make, message):
    design, kind, rho = make()
    with pytest.raises(RuseError, match=message) as err:
        sv.ReplicateDesign.from_design(design, kind, fay_rho=rho)
    assert "\n" not in str(err.value)


# dpc with api_band <- factor(as.integer(cut(api00, c(0, 550, 650, 750, 1000)))), r as above:
#   svyglm(sch.wide ~ ell + meals, r, family = quasibinomial(),
#          control = glm.control(epsilon = 1e-14, maxit = 100))
#   svyolr(api_band ~ ell + meals, r, control = list(reltol = 1e-15, maxit = 1000,
#          ndeps = rep(1e-6, 5))): estimates; SEs from the same algorithm with the tight
#   control in every replicate refit (svyolr gives it to the full-sample fit only; its own
#   SEs, BRR 0.0232182241874722, ..., agree to 1e-3)
MODELS = {
    "BRR": ([1.72253878572256, 0.0470788983318017, -0.020429773207578],
            [0.863829198871429, 0.0187592511720701, 0.0225121916175094],
            [-0.0311260329901329, -0.120720837193439, -10.4383238949415, -6.90061512840096,
             -2.82461804910817],
            [0.0232121632430596, 0.0339796742694749, 1.59875784983768, 1.8634037893881,
             0.740963154951674]),
    "Fay": ([1.72253878572256, 0.0470788983318017, -0.020429773207578],
            [0.780589705591615, 0.016388397838952, 0.01970833776934],
            [-0.0311260329901329, -0.120720837193439, -10.4383238949415, -6.90061512840096,
             -2.82461804910817],
            [0.0193978142155865, 0.0276698631302896, 1.20262884017496, 1.10509312015967,
             0.648592110675129]),
}


@pytest.mark.parametrize("kind", ["BRR", "Fay"])
def test_logistic_and_ordinal_models_on_brr_equal_r(kind):
    design = _design("dpc")
    band = pd.cut(design.data["api00"], [0, 550, 650, 750, 1000], labels=False) + 1
    design = sv.Design.from_frame(design.data.assign(api_band=band), weights="pw",
                                  strata="pair", psu="dnum")
    rep = sv.ReplicateDesign.from_design(design, kind, fay_rho=RHO[kind])
    glm_est, glm_se, olr_est, olr_se = MODELS[kind]
    glm = sv.logistic_model(rep, "sch.wide", ["ell", "meals"], event="Yes")
    np.testing.assert_allclose(glm["estimate"], glm_est, rtol=1e-6)
    np.testing.assert_allclose(glm["se"], glm_se, rtol=1e-6)
    assert (glm["df"] == 7 + 1 - 3).all()  # svyglm's df.residual
    olr = sv.ordinal_model(rep, "api_band", ["ell", "meals"])
    assert olr["term"].tolist() == ["ell", "meals", "1|2", "2|3", "3|4"]
    np.testing.assert_allclose(olr["estimate"], olr_est, rtol=1e-6)
    np.testing.assert_allclose(olr["se"], olr_se, rtol=1e-6)
    assert (olr["df"] == 7 - 2).all()  # svyolr's df.residual: degf - coefficients
