"""Reference-value tests for ruse_research.stats.compare.

Sources of the reference numbers:
* Hollander & Wolfe (1973) examples as printed in R's documentation and in easystats/effectsize
  tests/testthat/test-rankES.R: paired depression scores (rank-biserial 0.777, CI
  0.2953631-0.9441559; R ``wilcox.test(x, y, paired = TRUE, alternative = "greater")``
  V = 40, p = 0.01953), the two-sample A/B data (rank-biserial 0.6071429), and the airway data
  of ``?kruskal.test`` (Kruskal-Wallis chi-squared = 0.77143, df = 2, p = 0.68; rank epsilon
  squared 0.05934066).
* R ``t.test(extra ~ group, data = sleep, paired = TRUE)``: t = -4.0621, df = 9,
  p = 0.002833, 95% CI of the mean difference -2.4598858 to -0.7001142, mean difference -1.58.
* pingouin 0.7.0 and scipy 1.17 as independent implementations (U, H, p values, Holm).
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from lazy_import import LazyModule
from scipy import stats

from ruse_research.errors import RuseError
from ruse_research.stats import compare, paired
from ruse_research.stats.compare import ComparisonError

pg = LazyModule("pingouin")  # imported on first use (seconds)

DEPRESSION_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]  # after (Hollander-Wolfe)
DEPRESSION_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]  # before
AIRWAY = {
    "normal": [2.9, 3.0, 2.5, 2.6, 3.2],
    "obstructive": [3.8, 2.7, 4.0, 2.4],
    "asbestosis": [2.8, 3.4, 3.7, 2.2, 2.0],
}
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]  # R datasets::sleep group 1
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]  # group 2



@pytest.fixture
def airway() -> pd.DataFrame:
    return pd.DataFrame(
        [(v, g) for g, values in AIRWAY.items() for v in values], columns=["fev", "group"]
    )


@pytest.fixture
def three_groups() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    sizes, shifts = [14, 11, 9], [0.0, 0.8, 1.4]
    values = np.concatenate(
        [np.round(rng.normal(3 + s, 1, n)) for s, n in zip(shifts, sizes, strict=True)]
    )
    groups = np.repeat(["a", "b", "c"], sizes)
    return pd.DataFrame({"score": pd.array(values.astype(int), dtype="Int64"), "unit": groups})


# --- Kruskal-Wallis ---------------------------------------------------------------------


def test_kruskal_airway_matches_r_and_effectsize(airway):
    res = compare.kruskal_wallis(airway, "fev", "group", n_boot=0).iloc[0]
    assert res["H"] == pytest.approx(0.77143, abs=5e-6)  # R kruskal.test
    assert res["df"] == 2
    assert round(res["p"], 2) == 0.68  # R kruskal.test
    assert res["epsilon_sq"] == pytest.approx(0.05934066, abs=1e-8)  # effectsize
    assert res["n"] == 14 and res["n_groups"] == 3
    assert math.isnan(res["ci_low"])  # n_boot=0 skips the bootstrap


def test_kruskal_matches_pingouin_with_ties(three_groups):
    res = compare.kruskal_wallis(three_groups, "score", "unit", n_boot=0).iloc[0]
    ref = pg.kruskal(three_groups.astype({"score": float}), dv="score", between="unit").iloc[0]
    assert res["H"] == pytest.approx(ref["H"], rel=1e-12)
    assert res["p"] == pytest.approx(ref["p_unc"], rel=1e-12)
    # own H (used in the bootstrap) equals scipy's tie-corrected H
    groups = [g["score"].astype(float).to_numpy() for _, g in three_groups.groupby("unit")]
    assert compare._kruskal_h(groups) == pytest.approx(stats.kruskal(*groups).statistic)


def test_kruskal_bootstrap_ci_is_seeded(three_groups):
    a = compare.kruskal_wallis(three_groups, "score", "unit", n_boot=500, seed=1)
    b = compare.kruskal_wallis(three_groups, "score", "unit", n_boot=500, seed=1)
    c = compare.kruskal_wallis(three_groups, "score", "unit", n_boot=500, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[0, "ci_low"] != c.loc[0, "ci_low"]
    row = a.iloc[0]
    assert 0 <= row["ci_low"] < row["epsilon_sq"] < row["ci_high"] <= 1


def test_kruskal_drops_small_groups(three_groups):
    res = compare.kruskal_wallis(three_groups, "score", "unit", n_boot=0, min_group_size=10)
    assert res.loc[0, "n_groups"] == 2
    assert res.loc[0, "dropped_groups"] == "c"
    assert res.loc[0, "n"] == 25
    with pytest.raises(ComparisonError, match="at least 2 groups"):
        compare.kruskal_wallis(three_groups, "score", "unit", min_group_size=12)


# --- Mann-Whitney -----------------------------------------------------------------------------


def test_rank_biserial_two_sample_reference():
    a, b = [48, 48, 77, 86, 85, 85, 16], [14, 34, 34, 77]
    df = pd.DataFrame({"v": a + b, "g": ["A"] * 7 + ["B"] * 4})
    res = compare.mann_whitney(df, "v", "g").iloc[0]
    assert res["r_rb"] == pytest.approx(0.6071429, abs=1e-7)  # effectsize test-rankES.R
    # rank-biserial from the U statistic by hand: 2 U1 / (n1 n2) - 1
    u1 = stats.mannwhitneyu(a, b).statistic
    assert res["U"] == u1 and res["r_rb"] == pytest.approx(2 * u1 / 28 - 1)
    ref = pg.mwu(a, b).iloc[0]
    assert res["p"] == pytest.approx(ref["p_val"]) and res["r_rb"] == pytest.approx(ref["RBC"])
    se = math.sqrt((7 + 4 + 1) / (3 * 7 * 4))  # effectsize: Fisher z, this se
    assert res["ci_low"] == pytest.approx(math.tanh(math.atanh(res["r_rb"]) - 1.959964 * se))
    assert res["ci_high"] == pytest.approx(math.tanh(math.atanh(res["r_rb"]) + 1.959964 * se))
    flipped = compare.mann_whitney(df, "v", "g", groups=["B", "A"]).iloc[0]
    assert flipped["r_rb"] == pytest.approx(-res["r_rb"])
    assert flipped["ci_low"] == pytest.approx(-res["ci_high"])


def test_pairwise_matches_pingouin_holm(three_groups):
    ours = compare.pairwise_mann_whitney(three_groups, "score", "unit")
    ref = pg.pairwise_tests(
        three_groups.astype({"score": float}), dv="score", between="unit",
        parametric=False, padjust="holm",
    )  # fmt: skip
    assert list(zip(ours["group_1"], ours["group_2"], strict=True)) == list(
        zip(ref["A"], ref["B"], strict=True)
    )
    np.testing.assert_allclose(ours["U"], ref["U_val"])
    np.testing.assert_allclose(ours["p"], ref["p_unc"], rtol=1e-12)
    np.testing.assert_allclose(ours["p_adj"], ref["p_corr"], rtol=1e-12)
    assert (ours["padjust"] == "holm").all()
    # Holm by hand: sorted p times (m, m-1, ...), cumulative maximum, capped at 1
    p = ours["p"].to_numpy()
    order = np.argsort(p)
    holm = np.minimum(1, np.maximum.accumulate(p[order] * np.array([3, 2, 1])))
    np.testing.assert_allclose(ours["p_adj"].to_numpy()[order], holm)


def test_pairwise_none_leaves_p_unadjusted(three_groups):
    out = compare.pairwise_mann_whitney(three_groups, "score", "unit", padjust="none")
    np.testing.assert_array_equal(out["p"], out["p_adj"])


# --- paired -------------------------------------------------------------------------------


def test_wilcoxon_paired_reference():
    df = pd.DataFrame({"before": DEPRESSION_Y, "after": DEPRESSION_X})
    res = paired.wilcoxon_paired(df, "before", "after").iloc[0]
    assert res["r_rb"] == pytest.approx(7 / 9, abs=1e-12)  # (40 - 5) / 45; effectsize 0.777
    assert res["ci_low"] == pytest.approx(0.2953631, abs=1e-6)  # effectsize test-rankES.R
    assert res["ci_high"] == pytest.approx(0.9441559, abs=1e-6)
    assert res["p"] == pytest.approx(2 * 0.01953125, abs=1e-9)  # R one-sided p 0.01953, doubled
    assert res["W"] == 5  # min(V = 40, 45 - 40)
    assert res["n"] == 9 and res["n_nonzero"] == 9
    ref = pg.wilcoxon(DEPRESSION_X, DEPRESSION_Y).iloc[0]
    assert res["r_rb"] == pytest.approx(ref["RBC"])


def test_wilcoxon_drops_zero_differences_and_missing_pairs():
    df = pd.DataFrame(
        {
            "pre": pd.array([1, 2, 3, 3, 2, 4, None, 2], dtype="Int64"),
            "post": pd.array([2, 4, 3, 5, 3, 5, 5, None], dtype="Int64"),
        }
    )
    res = paired.wilcoxon_paired(df, "pre", "post").iloc[0]
    assert res["n"] == 6 and res["n_nonzero"] == 5
    assert res["r_rb"] == 1.0  # every non-zero change is an increase
    assert res["median_diff"] == 1.0


def test_paired_t_sleep_matches_r():
    df = pd.DataFrame({"g1": SLEEP_1, "g2": SLEEP_2})
    res = paired.paired_t(df, "g1", "g2").iloc[0]
    assert res["mean_diff"] == pytest.approx(1.58)
    assert res["t"] == pytest.approx(4.0621, abs=5e-5)
    assert res["df"] == 9
    assert res["p"] == pytest.approx(0.002833, abs=5e-7)
    assert res["ci_low"] == pytest.approx(0.7001142, abs=1e-7)
    assert res["ci_high"] == pytest.approx(2.4598858, abs=1e-7)
    diffs = np.array(SLEEP_2) - np.array(SLEEP_1)
    assert res["d_z"] == pytest.approx(diffs.mean() / diffs.std(ddof=1))
    # Hedges: exact J(9) = Gamma(4.5) / (sqrt(4.5) Gamma(4)); approx 1 - 3 / (4 df - 1)
    j = math.gamma(4.5) / (math.sqrt(4.5) * math.gamma(4))
    assert res["g_z"] == pytest.approx(res["d_z"] * j)
    assert res["g_z"] == pytest.approx(res["d_z"] * (1 - 3 / 35), abs=1e-3)


def test_paired_t_dz_interval_inverts_the_noncentral_t():
    df = pd.DataFrame({"g1": SLEEP_1, "g2": SLEEP_2})
    res = paired.paired_t(df, "g1", "g2").iloc[0]
    n, t = 10, res["t"]
    # at the bounds the observed t sits at the 97.5th / 2.5th percentile of nct(df, d * sqrt(n))
    assert stats.nct.cdf(t, 9, res["d_z_ci_low"] * math.sqrt(n)) == pytest.approx(0.975)
    assert stats.nct.cdf(t, 9, res["d_z_ci_high"] * math.sqrt(n)) == pytest.approx(0.025)
    # large samples: close to the normal approximation d +/- 1.96 sqrt(1/n + d^2 / (2n))
    rng = np.random.default_rng(3)
    before = rng.normal(0, 1, 4000)
    big = pd.DataFrame({"b": before, "a": before + rng.normal(0.3, 1, 4000)})
    row = paired.paired_t(big, "b", "a").iloc[0]
    half = 1.959964 * math.sqrt(1 / 4000 + row["d_z"] ** 2 / 8000)
    assert row["d_z_ci_low"] == pytest.approx(row["d_z"] - half, abs=2e-3)
    assert row["d_z_ci_high"] == pytest.approx(row["d_z"] + half, abs=2e-3)
    ref = stats.ttest_rel(big["a"], big["b"])
    assert row["p"] == pytest.approx(ref.pvalue) and row["t"] == pytest.approx(ref.statistic)


# --- Spearman and means -----------------------------------------------------------------------


def test_spearman_reference():
    rng = np.random.default_rng(7)
    x = rng.normal(size=60)
    df = pd.DataFrame({"x": x, "y": x + rng.normal(size=60), "z": rng.normal(size=60)})
    df.loc[:4, "y"] = np.nan
    res = compare.spearman(df, "x", "y").iloc[0]
    ref = stats.spearmanr(df["x"][5:], df["y"][5:])
    assert res["n"] == 55
    assert res["rho"] == pytest.approx(ref.statistic) and res["p"] == pytest.approx(ref.pvalue)
    # Bonett & Wright (2000) standard error, by hand
    se = math.sqrt((1 + res["rho"] ** 2 / 2) / 52)
    z = math.atanh(res["rho"])
    assert res["ci_low"] == pytest.approx(math.tanh(z - 1.959964 * se))
    assert res["ci_high"] == pytest.approx(math.tanh(z + 1.959964 * se))
    # the plain Fisher interval is pingouin's (pingouin rounds to 2 dp)
    plain = compare.spearman(df, "x", "y", se="fisher").iloc[0]
    ref_ci = pg.corr(df["x"], df["y"], method="spearman")["CI95"].iloc[0]
    assert [round(plain["ci_low"], 2), round(plain["ci_high"], 2)] == list(ref_ci)
    assert res["ci_high"] - res["ci_low"] > plain["ci_high"] - plain["ci_low"]


def test_spearman_several_pairs_holm():
    rng = np.random.default_rng(8)
    df = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    out = compare.spearman(df, "a", ["b", "c"])
    assert list(out["y"]) == ["b", "c"]
    np.testing.assert_allclose(out["p_adj"], pg.multicomp(out["p"].to_numpy(), method="holm")[1])


def test_group_means_t_interval(three_groups):
    out = compare.group_means(three_groups, "score", "unit")
    assert list(out["group"]) == ["a", "b", "c"]
    for row, (_, g) in zip(out.itertuples(), three_groups.groupby("unit"), strict=True):
        v = g["score"].astype(float)
        low, high = stats.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=stats.sem(v))
        assert row.n == len(v)
        assert row.ci_low == pytest.approx(low) and row.ci_high == pytest.approx(high)


def test_rank_tests_family_holm(three_groups):
    df = three_groups.assign(
        other=lambda d: d["score"].astype(float)[::-1].to_numpy(), tenure=[1, 2] * 17
    )
    out = compare.rank_tests(df, ["score", "other"], ["unit", "tenure"], n_boot=200)
    assert len(out) == 4
    np.testing.assert_allclose(out["p_adj"], pg.multicomp(out["p"].to_numpy(), method="holm")[1])
    single = compare.kruskal_wallis(df, "other", "tenure", n_boot=200)
    row = out[(out["dv"] == "other") & (out["between"] == "tenure")].iloc[0]
    assert row["H"] == pytest.approx(single.loc[0, "H"])
    assert row["ci_low"] == pytest.approx(single.loc[0, "ci_low"])


# --- bad input --------------------------------------------------------------------------------


def test_bad_input_raises_one_line_errors(three_groups):
    cases = [
        (lambda: compare.kruskal_wallis(three_groups, "nope", "unit"), "not in the data: nope"),
        (lambda: compare.mann_whitney(three_groups, "score", "unit"), "name the two"),
        (lambda: compare.mann_whitney(three_groups, "score", "unit", groups=["a", "z"]),
         "not found"),
        (lambda: compare.pairwise_mann_whitney(three_groups, "score", "unit", padjust="holmes"),
         "padjust must be one of"),
        (lambda: compare.kruskal_wallis(three_groups, "unit", "score"), "not numeric"),
        (lambda: paired.wilcoxon_paired(three_groups, "score", "score"), "same column"),
        (lambda: compare.spearman(three_groups, "score", "score2"), "not in the data"),
        (lambda: compare.group_means(three_groups, "score", "unit", ci=95), "ci must be"),
        (lambda: compare.kruskal_wallis(three_groups, "score", "unit", min_group_size=0),
         "positive integer"),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(ComparisonError, match=message) as err:
            call()
        assert isinstance(err.value, RuseError) and "\n" not in str(err.value)


def test_paired_t_constant_change_raises():
    df = pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 4]})
    with pytest.raises(ComparisonError, match="same amount"):
        paired.paired_t(df, "a", "b")
    with pytest.raises(ComparisonError, match="complete pairs"):
        paired.paired_t(pd.DataFrame({"a": [1, None], "b": [None, 2]}), "a", "b")


def test_docstring_examples_run():
    result = doctest.testmod(compare)
    assert result.attempted >= 9
    assert result.failed == 0


def test_means_t_interval_per_column():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"a": rng.integers(1, 6, 30), "b": rng.normal(3, 1, 30)})
    df.loc[:3, "a"] = np.nan
    out = compare.means(df, ["b", "a"])
    assert list(out["column"]) == ["b", "a"]
    for row in out.itertuples():
        v = df[row.column].dropna()
        low, high = stats.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=stats.sem(v))
        assert row.n == len(v) and row.mean == pytest.approx(v.mean())
        assert row.ci_low == pytest.approx(low) and row.ci_high == pytest.approx(high)


def test_kruskal_all_tied_gives_zero_without_warnings():
    import warnings

    df = pd.DataFrame({"v": [3] * 12, "g": ["a", "b", "c"] * 4})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = compare.kruskal_wallis(df, "v", "g").iloc[0]
    assert res["H"] == 0 and res["p"] == 1 and res["epsilon_sq"] == 0
    assert math.isnan(res["ci_low"]) and math.isnan(res["ci_high"])


def test_rank_biserial_ci_at_perfect_separation_is_not_degenerate():
    df = pd.DataFrame({"v": [1, 2, 3, 4, 5, 6, 7, 8], "g": list("aaaabbbb")})
    row = compare.mann_whitney(df, "v", "g").iloc[0]
    assert row["r_rb"] == -1.0
    # half-count centre 2 * 0.5 / 16 - 1, Fisher z with se = sqrt(9 / 48); outer bound -1
    se = math.sqrt(9 / 48)
    centre = math.atanh(-1 + 1 / 16)
    assert row["ci_low"] == -1.0
    assert row["ci_high"] == pytest.approx(math.tanh(centre + 1.959964 * se))
    assert row["ci_high"] < 0
    one = pd.DataFrame({"pre": [1, 2, 3], "post": [1, 2, 4]})  # a single non-zero change
    res = paired.wilcoxon_paired(one, "pre", "post").iloc[0]
    assert res["r_rb"] == 1.0 and res["ci_high"] == 1.0 and res["ci_low"] < -0.9


def test_dz_interval_survives_scipy_nct_nan_in_the_far_tail():
    """scipy 1.17's nct.cdf(5.2754, 69, -3.8647) is NaN; the d_z interval must still come out.

    Found by bench/recovery.py (seeds 295, 384, 862, 976, 981). Reference: at the bounds the
    noncentral t puts the observed t at the 97.5th / 2.5th percentile (Steiger & Fouladi 1997),
    checked here with scipy's own nct.cdf at the bounds, where it is finite.
    """
    import math

    from scipy import stats

    from ruse_research.stats.paired import _dz_interval

    t, df = 5.2754, 69
    n = df + 1
    low, high = _dz_interval(t, df, n, 0.95)
    assert low < t / math.sqrt(n) < high
    assert stats.nct.cdf(t, df, low * math.sqrt(n)) == pytest.approx(0.975, abs=1e-6)
    assert stats.nct.cdf(t, df, high * math.sqrt(n)) == pytest.approx(0.025, abs=1e-6)


def test_batched_epsilon_squared_equals_the_one_resample_formula():
    """The vectorised bootstrap statistic gives, resample by resample, the same epsilon squared
    as the scalar formula (itself checked against scipy.stats.kruskal above)."""
    from ruse_research.stats.compare import _epsilon_squared, _epsilon_squared_batch

    rng = np.random.default_rng(7)
    groups = [rng.integers(1, 6, size=(50, k)).astype(float) for k in (12, 20, 9)]
    batch = _epsilon_squared_batch(*groups)
    one_by_one = [_epsilon_squared(*(g[i] for g in groups)) for i in range(50)]
    np.testing.assert_allclose(batch, one_by_one, rtol=0, atol=1e-12)
    # every answer tied in a resample: H is 0, as in the scalar version
    tied = [np.full((1, 5), 3.0), np.full((1, 6), 3.0)]
    assert _epsilon_squared_batch(*tied)[0] == 0.0 == _epsilon_squared(*(g[0] for g in tied))
