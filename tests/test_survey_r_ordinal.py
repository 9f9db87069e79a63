"""Design-based logistic and cumulative-link ordinal regression against R ``survey``.

Data: R survey's ``api`` schools (``tests/fixtures/r/ordinal_*.csv``, see the README
there), written with the replicate weights by ``tests/fixtures/r/ordinal_reference.R``,
which printed every number below (R 4.2.2 Patched r83330, survey 4.1-1, MASS 7.3-58.2;
``sprintf("%.12g")``). The designs and models::

    dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
    dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
    jk1  <- as.svrepdesign(dclus1, type = "JK1", compress = FALSE)
    set.seed(20191); boot <- as.svrepdesign(dstrat, type = "bootstrap", replicates = 50)
    svyglm(sch.wide ~ ell + meals + stype, d, family = quasibinomial(),
           control = glm.control(epsilon = 1e-14, maxit = 100))
    svyolr(factor(api_band) ~ ell + meals + stype, d, method = "logistic" / "probit",
           control = list(reltol = 1e-15, maxit = 1000, ndeps = rep(1e-6, 7)))

``svyolr`` stops BFGS at ``reltol = 1e-8`` by default and takes the Hessian from
differences of the gradient, so its default numbers are those of a tight optimiser to
about 1e-4 (checked below at that tolerance); with the tight control above they agree
with the exact Newton fit here to 1e-6. ``svyolr``'s replicate method gives the control
to the full-sample fit only, so the tight replicate values come from the same algorithm
(``polr`` per replicate from the full-sample estimates, then ``svrVar``) with the control
given to every fit (``olr_rep_tight`` in the R script).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruse_research.stats import survey as sv

FIXTURES = Path(__file__).parent / "fixtures" / "r"
PREDICTORS = ["ell", "meals", "stype"]
GLM_TERMS = ["Intercept", "ell", "meals", "stype[H]", "stype[M]"]
OLR_TERMS = ["ell", "meals", "stype[H]", "stype[M]", "1|2", "2|3", "3|4"]
RTOL = 1e-6

# (estimate, SE) per term, in GLM_TERMS / OLR_TERMS order.
R = {
    ("glm", "strat"): (
        [2.88610161382, -0.0113038077449, -0.00444939005201, -2.51522884395, -1.59859479081],
        [0.643843564687, 0.0148430811279, 0.00909675855811, 0.551206914641, 0.502165054867],
    ),
    ("glm", "clus1"): (
        [2.75076746641, 0.0381668993703, -0.0253533647496, -1.03693660109, -1.73834218638],
        [0.498775902235, 0.0120221601528, 0.00864442771972, 0.57931960795, 0.59684075766],
    ),
    ("glm", "jk1"): (
        [2.75076746641, 0.0381668993703, -0.0253533647496, -1.03693660109, -1.73834218638],
        [0.562468931554, 0.0129341282373, 0.00993558370725, 0.672942177988, 0.659587406006],
    ),
    ("glm", "boot"): (
        [2.88610161382, -0.0113038077449, -0.00444939005201, -2.51522884395, -1.59859479081],
        [0.532046476038, 0.0151477774696, 0.00959347963494, 0.467219631071, 0.470756735464],
    ),
    ("logit", "strat"): (
        [-0.0284110189852, -0.109060946901, -4.4766453608, -1.77219068102, -10.1399100791,
         -7.0869925543, -3.86522362455],
        [0.013854840002, 0.0137623486597, 0.565042042295, 0.371974694515, 0.995445475946,
         0.693361128745, 0.522251972421],
    ),
    ("probit", "strat"): (
        [-0.0162464083902, -0.0603844750763, -2.51573360108, -1.0069713499, -5.659321594,
         -4.01051218479, -2.1693962981],
        [0.00709750005328, 0.00758167355324, 0.299301426848, 0.205156889707, 0.540455559276,
         0.378234661227, 0.288016867191],
    ),
    ("logit", "clus1"): (
        [-0.0503111077054, -0.117463905724, -3.9272239362, -2.48988941425, -11.2428583175,
         -7.90055680262, -3.67438948193],
        [0.0169971121101, 0.0129660141672, 0.667850157922, 0.553807470626, 1.1976140042,
         0.905429712734, 0.658189145117],
    ),
    ("logit", "jk1"): (
        [-0.0503111080299, -0.11746390616, -3.92722393622, -2.48988941427, -11.2428583175,
         -7.90055680242, -3.67438948167],
        [0.0197932748115, 0.0174408694619, 0.800493532901, 0.61690569982, 1.7306082919,
         1.14170794247, 0.789671379511],
    ),
    ("probit", "jk1"): (
        [-0.0286888016288, -0.0668931986209, -2.27584012115, -1.41515162706, -6.43933408993,
         -4.52827384179, -2.09049944378],
        [0.0106416803915, 0.00905690025711, 0.442723225891, 0.327052151329, 0.894792756023,
         0.61857167399, 0.4247660088],
    ),
    ("logit", "boot"): (
        [-0.0284110189343, -0.109060946717, -4.47664536077, -1.77219068102, -10.1399100792,
         -7.08699255431, -3.86522362457],
        [0.0140246869272, 0.0135011891866, 0.586365585324, 0.391546146456, 0.987878736093,
         0.721382913162, 0.5246229779],
    ),
    ("probit", "boot"): (
        [-0.0162464082863, -0.0603844748491, -2.51573360108, -1.00697134991, -5.659321594,
         -4.0105121848, -2.16939629811],
        [0.00737603699064, 0.00713444721301, 0.308669758922, 0.21540406741, 0.519010467352,
         0.366806395399, 0.280696668396],
    ),
}
# svyolr(factor(api_band) ~ ell + meals + stype, dstrat) with R's default optimiser control.
R_OLR_STOCK = (
    [-0.0284101678172, -0.109057573087, -4.47652946949, -1.7721317953, -10.1396983345,
     -7.0867357499, -3.86501663872],
    [0.0138549413254, 0.0137579569351, 0.564901905134, 0.371950629976, 0.994987593081,
     0.693072872643, 0.522075541695],
)
# jk1$scale, boot$scale (rscales 1, mse FALSE); degf: dstrat 197, dclus1 14, jk1 14, boot 49.
REPLICATES = {"jk1": ("apiclus1", "JK1", 0.914839277851), "boot": ("apistrat", "bootstrap",
                                                                      0.0207540643376)}
DEGF = {"strat": 197, "clus1": 14, "jk1": 14, "boot": 49}


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / f"ordinal_{name}.csv")


@pytest.fixture(scope="module")
def designs() -> dict:
    strat, clus1 = _data("apistrat"), _data("apiclus1")
    out = {
        "strat": sv.Design.from_frame(strat, weights="pw", strata="stype", fpc="fpc"),
        "clus1": sv.Design.from_frame(clus1, weights="pw", psu="dnum", fpc="fpc"),
    }
    try:
        from ruse_research.stats.survey.replicate import ReplicateDesign
    except ImportError:  # the replicate designs land with their own branch
        return out
    for key, (data, kind, scale) in REPLICATES.items():
        frame = _data(data)
        rw = pd.read_csv(FIXTURES / f"ordinal_{key}_repweights.csv").to_numpy()
        out[key] = ReplicateDesign(frame, frame["pw"].to_numpy(), rw, kind, scale,
                                   np.ones(rw.shape[1]), False)
    return out


def _design(designs: dict, key: str):
    if key not in designs:
        pytest.skip("replicate designs (stats.survey.replicate) are not on this branch")
    return designs[key]


@pytest.mark.parametrize("key", ["strat", "clus1", "jk1", "boot"])
def test_logistic_equals_svyglm_quasibinomial(designs, key):
    out = sv.logistic_model(_design(designs, key), "sch.wide", PREDICTORS, event="Yes")
    estimate, se = R[("glm", key)]
    assert out["term"].tolist() == GLM_TERMS
    np.testing.assert_allclose(out["estimate"], estimate, rtol=RTOL)
    np.testing.assert_allclose(out["se"], se, rtol=RTOL)
    assert (out["df"] == DEGF[key] + 1 - len(GLM_TERMS)).all()  # svyglm's df.residual
    np.testing.assert_allclose(out["odds_ratio"], np.exp(estimate), rtol=RTOL)
    assert (out["n"] == (183 if key in ("clus1", "jk1") else 200)).all()  # every school


@pytest.mark.parametrize(
    ("link", "key"),
    [("logit", "strat"), ("probit", "strat"), ("logit", "clus1"), ("logit", "jk1"),
     ("probit", "jk1"), ("logit", "boot"), ("probit", "boot")],
)
def test_ordinal_equals_svyolr(designs, link, key):
    out = sv.ordinal_model(_design(designs, key), "api_band", PREDICTORS, link=link)
    estimate, se = R[(link, key)]
    assert out["term"].tolist() == OLR_TERMS
    assert out["kind"].tolist() == ["coefficient"] * 4 + ["threshold"] * 3
    np.testing.assert_allclose(out["estimate"], estimate, rtol=RTOL)
    np.testing.assert_allclose(out["se"], se, rtol=RTOL)
    assert (out["df"] == DEGF[key] - 4).all()  # svyolr's df.residual: degf - coefficients
    odds = out["odds_ratio"].to_numpy()
    if link == "logit":
        np.testing.assert_allclose(odds[:4], np.exp(estimate[:4]), rtol=RTOL)
    assert np.isnan(odds[4:]).all() and (link == "logit" or np.isnan(odds).all())


def test_ordinal_is_r_default_svyolr_to_its_optimiser_tolerance(designs):
    out = sv.ordinal_model(designs["strat"], "api_band", PREDICTORS)
    np.testing.assert_allclose(out["estimate"], R_OLR_STOCK[0], rtol=1e-4)
    np.testing.assert_allclose(out["se"], R_OLR_STOCK[1], rtol=1e-3)


# Two-stage apiclus2 (districts, then schools; fpc at both stages), R as above:
#   dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
#   svyolr(factor(api_band) ~ ell + meals, dclus2, control = <tight, ndeps 1e-6 x 5>)
#   svyglm(sch.wide ~ ell + meals, dclus2, quasibinomial(), control = glm.control(1e-14, 100))
# (with svyglm's default epsilon = 1e-8 the SEs move by up to 4e-6: the sandwich uses the
# working weights of the last IRLS step).
R_MULTISTAGE = {
    "olr": ([-0.0461487471692, -0.0190192155715, -3.6338597476, -2.18643159292, -1.1107470296],
            [0.0257599769129, 0.0216953368327, 0.721582119692, 0.641044449772, 0.644009569449]),
    "glm": ([1.0016996844, -0.056091807617, 0.030923727225],
            [0.631657588101, 0.0218898350392, 0.0163454907014]),
}


def test_two_stage_design_equals_r():
    data = _data("apiclus2")
    try:
        design = sv.Design.from_frame(data, weights="pw", psu=["dnum", "snum"],
                                      fpc=["fpc1", "fpc2"])
    except TypeError:  # a list of PSU columns: multistage designs land with their own branch
        pytest.skip("multistage designs (Design psu=[...]) are not on this branch")
    olr = sv.ordinal_model(design, "api_band", ["ell", "meals"])
    np.testing.assert_allclose(olr["estimate"], R_MULTISTAGE["olr"][0], rtol=RTOL)
    np.testing.assert_allclose(olr["se"], R_MULTISTAGE["olr"][1], rtol=RTOL)
    glm = sv.logistic_model(design, "sch.wide", ["ell", "meals"], event="Yes")
    np.testing.assert_allclose(glm["estimate"], R_MULTISTAGE["glm"][0], rtol=RTOL)
    np.testing.assert_allclose(glm["se"], R_MULTISTAGE["glm"][1], rtol=RTOL)


def test_binary_outcome_codings_agree(designs):
    design = designs["strat"]
    data = design.data.assign(wide=(design.data["sch.wide"] == "Yes").astype(int))
    coded = sv.Design.from_frame(data, weights="pw", strata="stype", fpc="fpc")
    by_event = sv.logistic_model(design, "sch.wide", ["ell"], event="Yes")
    by_levels = sv.logistic_model(design, "sch.wide", ["ell"])  # "Yes" is the second level
    by_number = sv.logistic_model(coded, "wide", ["ell"])
    for other in (by_levels, by_number):
        np.testing.assert_allclose(other["estimate"], by_event["estimate"], rtol=1e-12)
        np.testing.assert_allclose(other["se"], by_event["se"], rtol=1e-12)


def test_subset_keeps_the_design_and_missing_rows_drop_out(designs):
    design = designs["clus1"]
    data = design.data.copy()
    data.loc[data.index[:7], "ell"] = np.nan
    with_gaps = sv.Design.from_frame(data, weights="pw", psu="dnum", fpc="fpc")
    out = sv.ordinal_model(with_gaps, "api_band", ["ell", "meals"])
    assert (out["n"] == len(data) - 7).all()
    dropped = sv.ordinal_model(with_gaps.subset(data["ell"].notna()), "api_band",
                               ["ell", "meals"])
    np.testing.assert_allclose(dropped["estimate"], out["estimate"], rtol=1e-10)
    np.testing.assert_allclose(dropped["se"], out["se"], rtol=1e-10)


def test_levels_give_the_scale_order(designs):
    design = designs["strat"]
    words = {1: "low", 2: "fair", 3: "good", 4: "high"}
    data = design.data.assign(band=design.data["api_band"].map(words))
    worded = sv.Design.from_frame(data, weights="pw", strata="stype", fpc="fpc")
    out = sv.ordinal_model(worded, "band", PREDICTORS, levels=list(words.values()))
    assert out["term"].tolist()[4:] == ["low|fair", "fair|good", "good|high"]
    np.testing.assert_allclose(out["estimate"], R[("logit", "strat")][0], rtol=RTOL)


def test_calibrated_design_changes_the_se_not_the_estimate(designs):
    design = designs["strat"]
    # post-stratified on the strata: the weights are already at the margins, so the
    # estimate stays; calibration on the strata cannot change a stratified variance
    strata = design.rake({"stype": {"E": 4421.0, "H": 755.0, "M": 1018.0}})
    fixed = sv.ordinal_model(design, "api_band", ["ell", "meals"])
    cal = sv.ordinal_model(strata, "api_band", ["ell", "meals"])
    np.testing.assert_allclose(cal["estimate"], fixed["estimate"], rtol=1e-6)
    np.testing.assert_allclose(cal["se"], fixed["se"], rtol=1e-6)
    # raked on sch.wide too (apipop's margins): the residualised influence values differ
    raked = design.rake({"stype": {"E": 4421.0, "H": 755.0, "M": 1018.0},
                         "sch.wide": {"No": 1072.0, "Yes": 5122.0}})
    out = sv.ordinal_model(raked, "api_band", ["ell", "meals"])
    refit = sv.ordinal_model(sv.Design.from_frame(raked.data, weights=raked.weights,
                                                  strata="stype", fpc="fpc"),
                             "api_band", ["ell", "meals"])
    np.testing.assert_allclose(out["estimate"], refit["estimate"], rtol=1e-12)
    assert (out["se"] < refit["se"] * 1.2).all() and not np.allclose(out["se"], refit["se"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: sv.ordinal_model(d, "sch.wide", ["ell"]), "needs 3 or more"),
        (lambda d: sv.ordinal_model(d, "api_band", ["ell"], link="cauchit"), "link must be"),
        (lambda d: sv.ordinal_model(d, "api_band", ["ell"], levels=[1, 2, 3]), "not in levels"),
        (lambda d: sv.logistic_model(d, "api_band", ["ell"]), "outside 0..1"),
        (lambda d: sv.logistic_model(d, "stype", ["ell"]), "3 levels, expected 2"),
        (lambda d: sv.logistic_model(d.data, "sch.wide", ["ell"]), "takes a survey Design"),
    ],
)
def test_errors_say_what_to_do(designs, call, message):
    with pytest.raises(sv.WeightingError, match=message):
        call(designs["strat"])
