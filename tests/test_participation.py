"""Tests for ruse_research.studies.participation and the synthetic panel generator."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from ruse_research import paths
from ruse_research.data import profile as region  # default paths of the active profile
from ruse_research.errors import DataError, RuseError
from ruse_research.stats import agreement, mcda
from ruse_research.studies import participation as P
from ruse_research.studies import participation_panel as panel_mod
from ruse_research.synthetic import panel as panel_gen

SEED = 20190118


@pytest.fixture(scope="module")
def model() -> P.Model:
    return P.load_model()


@pytest.fixture(scope="module")
def synthetic():
    frames, truth = panel_gen.generate(np.random.default_rng(SEED))
    # what io.read_survey(dont_know="na") gives: the "cannot judge" code 97 becomes <NA>
    return frames["panel"].replace(97, pd.NA), frames["panel_weights"], truth


# A hand-computed example: two raters, two mechanisms (codes 1 and 2), five criteria.
# mechanism 1 bands: rater a [4, 4, 5, 3, 4], rater b [4, 2, 5, 3, 2] -> means [4, 3, 5, 3, 3]
# mechanism 2 bands: rater a [2, 5, 3, 5, 3], rater b [4, 5, 3, 3, 3] -> means [3, 5, 3, 4, 3]
# weights (points): a [10, 30, 20, 30, 10], b [30, 30, 20, 10, 10] -> w = [.2, .3, .2, .2, .1]
HAND_BANDS = {
    ("a", 1): [4, 4, 5, 3, 4],
    ("b", 1): [4, 2, 5, 3, 2],
    ("a", 2): [2, 5, 3, 5, 3],
    ("b", 2): [4, 5, 3, 3, 3],
}
HAND_POINTS = {"a": [10, 30, 20, 30, 10], "b": [30, 30, 20, 10, 10]}


def hand_frames(model: P.Model) -> tuple[pd.DataFrame, pd.DataFrame]:
    crits = model.criterion_keys
    panel = pd.DataFrame(
        [
            {
                "record_id": f"{r}{m}",
                "rater_id": r,
                "mechanism": m,
                **{f"crit_{c}": b for c, b in zip(crits, bands, strict=True)},
            }
            for (r, m), bands in HAND_BANDS.items()
        ]
    )
    weights = pd.DataFrame(
        [
            {
                "rater_id": r,
                "rater_group": 1,
                **{f"w_{c}": p for c, p in zip(crits, pts, strict=True)},
            }
            for r, pts in HAND_POINTS.items()
        ]
    )
    return panel, weights


# ------------------------------------------------------------------ model data


def test_model_structure(model):
    assert model.level_keys == ["information", "consultation", "dialogue", "partnership"]
    assert model.stage_keys == [
        "agenda_setting",
        "drafting",
        "decision",
        "implementation",
        "monitoring",
        "reformulation",
    ]
    assert len(model.mechanisms) == 9
    for m in model.mechanisms:
        assert (
            m["label"]["bg"] and m["label"]["en"] and m["recommendation"]["bg"] and m.get("source")
        )


def test_model_codes_match_generator_and_codebook(model):
    assert model.code_to_key() == {code: key for key, (code, _) in panel_gen.TRUE_PROFILES.items()}
    assert model.criterion_keys == panel_gen.CRITERIA
    cb = yaml.safe_load(paths.resolve("data/codebooks/panel.yaml").read_text(encoding="utf-8"))
    scale = cb["response_scales"]["mechanism"]["values"]
    for mech in model.mechanisms:
        assert scale[mech["code"]] == mech["label"], mech["key"]
    crit_items = [i["id"] for i in cb["items"] if i["id"].startswith("crit_")]
    assert crit_items == [f"crit_{c}" for c in model.criterion_keys]


def test_practice_map_matches_staff_codebook(model):
    staff_cb = paths.resolve("data/codebooks/staff.yaml")
    if not staff_cb.is_file():
        pytest.skip("staff codebook not written yet")
    items = {i["id"] for i in yaml.safe_load(staff_cb.read_text(encoding="utf-8"))["items"]}
    prac = {i for i in items if i.startswith("prac_")}
    assert set(model.practice_map["items"]) == prac


def test_bad_model_raises(tmp_path):
    data = yaml.safe_load(paths.resolve(P.DEFAULT_MODEL).read_text(encoding="utf-8"))
    data["mechanisms"][0]["placements"].append({"stage": "lunch", "level": "dialogue"})
    bad = tmp_path / "model.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(P.ModelError, match="outside the matrix"):
        P.load_model(bad)
    with pytest.raises(P.ModelError, match="not found"):
        P.load_model(tmp_path / "absent.yaml")


# ------------------------------------------------------------------ coverage


def staff_info_only(model: P.Model) -> pd.DataFrame:
    # information items: 3 of 4 staff say often/always; every other item: never/rarely
    return pd.DataFrame(
        {
            k: [5, 4, 4, 2] if k.startswith("prac_info") else [1, 2, 2, 1]
            for k in model.practice_map["items"]
        }
    )


def test_coverage_target_cells_and_index(model):
    cov = P.coverage(model)
    assert len(cov) == 4 * 6
    # the model reaches dialogue at agenda setting and reformulation and partnership elsewhere
    ci = P.coverage_index(cov)
    assert ci.set_index("stage")["target_level"].tolist() == [3, 4, 4, 4, 4, 3]
    assert ci.attrs["index"]["target"] == pytest.approx(22 / 24)
    assert math.isnan(ci.attrs["index"]["practice"])
    assert set(cov["status"]) == {"unknown"}


def test_coverage_with_staff_practice(model):
    cov = P.coverage(model, staff_info_only(model))
    info = cov[cov["level"] == "information"]
    assert info["practised"].all() and (info["share_often"] == 0.75).all()
    assert (info["status"] == "in_place").all()
    gaps = P.coverage_gaps(cov)
    expected = cov[(cov["level"] != "information") & cov["target"]]
    # non-information target cells by stage: 2 + 3 + 2 + 2 + 3 + 2 (see the model YAML)
    assert len(gaps) == len(expected) == 14
    assert P.coverage_index(cov).attrs["index"]["practice"] == pytest.approx(6 / 24)
    # monitoring and reformulation share one staff item
    assert (
        cov.query("stage in ['monitoring', 'reformulation']")
        .groupby("level")["share_often"]
        .nunique()
        == 1
    ).all()


def test_practice_threshold_edge(model):
    # exactly min_share (0.5) of answers at min_code (4) counts as practised
    staff = pd.DataFrame({k: [4, 3] for k in model.practice_map["items"]})
    assert P.practice_matrix(staff, model)["practised"].all()
    staff = pd.DataFrame({k: [3, 3, 4] for k in model.practice_map["items"]})
    assert not P.practice_matrix(staff, model)["practised"].any()


def test_practice_missing_column_raises(model):
    with pytest.raises(DataError, match="prac_"):
        P.practice_matrix(pd.DataFrame({"x": [1]}), model)


# ------------------------------------------------------------------ composite scores


def test_hand_computed_composites(model):
    panel, weights = hand_frames(model)
    w = P.mean_weights(weights, model).set_index("criterion")["weight"]
    assert w.tolist() == pytest.approx([0.2, 0.3, 0.2, 0.2, 0.1])

    band = P.composite_scores(panel, weights, model).set_index("mechanism")
    # 20 * (.2*4 + .3*3 + .2*5 + .2*3 + .1*3) = 72 ; 20 * (.2*3 + .3*5 + .2*3 + .2*4 + .1*3) = 76
    assert band.loc["consultation_portal", "score"] == pytest.approx(72.0)
    assert band.loc["public_council", "score"] == pytest.approx(76.0)
    assert band.loc["public_council", "rank"] == 1

    geo = P.composite_scores(panel, weights, model, aggregation="geometric").set_index("mechanism")
    # band values mechanism 1: 80, 60, 100, 60, 60 -> 80^.2 * 60^.6 * 100^.2
    assert geo.loc["consultation_portal", "score"] == pytest.approx(80**0.2 * 60**0.6 * 100**0.2)
    assert geo.loc["public_council", "score"] == pytest.approx(
        60**0.2 * 100**0.3 * 60**0.2 * 80**0.2 * 60**0.1
    )

    mm = P.composite_scores(panel, weights, model, normalisation="minmax").set_index("mechanism")
    # min-max 1..100: winner of a criterion 100, loser 1, a tie (feasibility 3 vs 3) 50.5
    assert mm.loc["consultation_portal", "score"] == pytest.approx(
        0.2 * 100 + 0.3 * 1 + 0.2 * 100 + 0.2 * 1 + 0.1 * 50.5
    )
    assert mm.loc["public_council", "score"] == pytest.approx(
        0.2 * 1 + 0.3 * 100 + 0.2 * 1 + 0.2 * 100 + 0.1 * 50.5
    )

    z = P.composite_scores(panel, weights, model, normalisation="zscore").set_index("mechanism")
    # two values: z = +-1/sqrt(2) (sample sd), scaled 10 + 2z; net weight (.2 - .3 + .2 - .2) = -.1
    assert z.loc["consultation_portal", "score"] == pytest.approx(10 - 0.1 * 2 / math.sqrt(2))
    assert z.loc["public_council", "score"] == pytest.approx(10 + 0.1 * 2 / math.sqrt(2))


def test_overall_score_is_mean_composite_and_reproducible(model, synthetic):
    panel, weights, _ = synthetic
    a = P.overall_score(panel, weights, model, n_boot=300, seed=7)
    b = P.overall_score(panel, weights, model, n_boot=300, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert a["score"].item() == pytest.approx(
        P.composite_scores(panel, weights, model)["score"].mean()
    )
    assert a["ci_low"].item() < a["score"].item() < a["ci_high"].item()


def test_overall_score_hand_example(model):
    panel, weights = hand_frames(model)
    assert P.overall_score(panel, weights, model, n_boot=50)["score"].item() == pytest.approx(74.0)


def test_normalise_and_aggregate_reject_bad_choices():
    s = pd.DataFrame({"a": [1.0, 2.0]})
    with pytest.raises(RuseError, match="normalisation"):
        mcda.normalise(s, "rank")
    with pytest.raises(RuseError, match="aggregation"):
        mcda.aggregate(s, pd.Series({"a": 1.0}), "harmonic")
    with pytest.raises(RuseError, match="non-negative"):
        mcda.aggregate(pd.DataFrame({"a": [-1.0, 2.0]}), pd.Series({"a": 1.0}), "geometric")
    with pytest.raises(RuseError, match="weights"):
        mcda.aggregate(s, pd.Series({"b": 1.0}))


def test_weights_not_summing_to_100_raise_with_row(model):
    _, weights = hand_frames(model)
    weights.loc[1, "w_clarity"] = 35  # row 2 of the data = spreadsheet row 3
    with pytest.raises(DataError) as err:
        P.mean_weights(weights, model)
    assert "row 3" in str(err.value) and "summing to 100" in str(err.value)


def test_band_out_of_range_raises(model):
    panel, _ = hand_frames(model)
    panel.loc[0, "crit_clarity"] = 97  # a don't-know code the caller forgot to turn into NA
    panel.loc[1, "mechanism"] = 42
    with pytest.raises(DataError) as err:
        P.criterion_means(panel, model)
    assert len(err.value.problems) == 2


def test_dont_know_is_left_out_of_means(model):
    panel, _ = hand_frames(model)
    panel["crit_clarity"] = panel["crit_clarity"].astype("Int64")
    panel.loc[0, "crit_clarity"] = pd.NA
    means = P.criterion_means(panel, model).set_index(["mechanism", "criterion"])
    assert means.loc[("consultation_portal", "clarity"), "mean_band"] == 4.0
    assert means.loc[("consultation_portal", "clarity"), "n_raters"] == 1


# ------------------------------------------------------------------ agreement


def test_icc_shrout_fleiss_reference():
    # Shrout & Fleiss (1979) 6 targets x 4 judges, the matrix in psych::ICC's example.
    # Reference values computed with psych 2.2.9 (survey-statistics.md section 3.6).
    sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    data = pd.DataFrame(
        [(t, j, sf[t][j]) for t in range(6) for j in range(4)], columns=["t", "j", "x"]
    )
    res = agreement.icc(data, "t", "j", "x").set_index("shrout_fleiss")
    expected = {
        "ICC1": 0.1657,
        "ICC2": 0.2898,
        "ICC3": 0.7148,
        "ICC1k": 0.4428,
        "ICC2k": 0.6201,
        "ICC3k": 0.9093,
    }
    for name, value in expected.items():
        assert res.loc[name, "icc"] == pytest.approx(value, abs=5e-5), name
    assert res.loc["ICC1", "f"] == pytest.approx(1.794678, abs=1e-6)
    assert res.loc["ICC3", "f"] == pytest.approx(11.027248, abs=1e-6)
    assert (res.loc["ICC2", ["df1", "df2"]].tolist()) == [5, 15]


def test_icc_drops_incomplete_targets_and_needs_enough():
    data = pd.DataFrame({"t": [0, 0, 1, 1, 2, 2], "j": [0, 1] * 3, "x": [1, 2, np.nan, 3, 4, 5]})
    with pytest.raises(RuseError, match="at least 3"):
        agreement.icc(data, "t", "j", "x")


def test_rater_agreement_on_synthetic_panel(model, synthetic):
    panel, _, _ = synthetic
    ra = P.rater_agreement(panel, model)
    assert ra["scope"].tolist() == [s for c in [*model.criterion_keys, "mean"] for s in (c, c)]
    mean = ra[ra["scope"] == "mean"].set_index("shrout_fleiss")
    # planted: between-mechanism spread (~0.9 band) dwarfs rater noise -> the panel mean is reliable
    assert mean.loc["ICC2k", "icc"] > 0.8
    assert mean.loc["ICC2", "icc"] < mean.loc["ICC2k", "icc"]


# ------------------------------------------------------------------ sensitivity


def test_dirichlet_concentration_method_of_moments(model):
    # shares (0.2, 0.8) and (0.4, 0.6) on two criteria, zeros elsewhere:
    # mean (.3, .7), sample variances .02 each; c + 1 = (.21 + .21) / .04 = 10.5
    w = pd.DataFrame(
        {
            "rater_id": ["a", "b"],
            "w_clarity": [20, 40],
            "w_accountability": [80, 60],
            "w_transparency": [0, 0],
            "w_inclusiveness": [0, 0],
            "w_feasibility": [0, 0],
        }
    )
    assert panel_mod._dirichlet_concentration(w, model) == pytest.approx(9.5)


def test_sensitivity_seeded_and_reproducible(model, synthetic):
    panel, weights, _ = synthetic
    a = P.sensitivity_draws(panel, weights, model, n_draws=200, seed=3)
    b = P.sensitivity_draws(panel, weights, model, n_draws=200, seed=3)
    c = P.sensitivity_draws(panel, weights, model, n_draws=200, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a["score"].equals(c["score"])
    assert len(a) == 200 * 9
    wcols = [f"w_{k}" for k in model.criterion_keys]
    per_draw = a.groupby("draw")[wcols].first().sum(axis=1)
    assert np.allclose(per_draw, 1.0)
    assert set(a["normalisation"]) == set(P.NORMALISATIONS) and set(a["aggregation"]) == set(
        P.AGGREGATIONS
    )
    # each draw's ranks are a ranking of the 9 mechanisms
    assert (a.groupby("draw")["rank"].min() == 1).all()


def test_sensitivity_matches_direct_computation(model, synthetic):
    panel, weights, _ = synthetic
    d = P.sensitivity_draws(panel, weights, model, n_draws=20, seed=11)
    matrix = panel_mod._score_matrix(P.criterion_means(panel, model), model)
    for draw in (0, 7, 19):
        part = d[d["draw"] == draw].set_index("mechanism")
        w = pd.Series({k: part[f"w_{k}"].iloc[0] for k in model.criterion_keys})
        direct = mcda.aggregate(
            mcda.normalise(matrix, part["normalisation"].iloc[0]), w, part["aggregation"].iloc[0]
        )
        assert np.allclose(part.loc[direct.index, "score"], direct)


def test_rank_stability_without_uncertainty_is_total(model, synthetic):
    panel, weights, _ = synthetic
    base = P.composite_scores(panel, weights, model)
    d = P.sensitivity_draws(
        panel,
        weights,
        model,
        n_draws=50,
        concentration=1e9,
        normalisations=("band",),
        aggregations=("arithmetic",),
    )
    rs = P.rank_stability(d, base)
    assert (rs["share_same_rank"] == 1.0).all()
    assert (rs["rank_p05"] == rs["baseline_rank"]).all() and (
        rs["rank_p95"] == rs["baseline_rank"]
    ).all()


def test_weight_tornado_shifts(model, synthetic):
    panel, weights, _ = synthetic
    t = P.weight_tornado(panel, weights, model, change=0.5)
    assert np.allclose(t["weight_low"], 0.5 * t["weight_base"])
    assert np.allclose(t["weight_high"], 1.5 * t["weight_base"])
    base = P.composite_scores(panel, weights, model)["score"].mean()
    assert np.allclose(t["score_base"], base)
    # band + arithmetic: the overall score is linear in the weights, so the base lies between
    assert (
        (t[["score_low", "score_high"]].min(axis=1) <= base + 1e-9)
        & (t[["score_low", "score_high"]].max(axis=1) >= base - 1e-9)
    ).all()
    with pytest.raises(RuseError, match="target"):
        P.weight_tornado(panel, weights, model, target="nothing")


# ------------------------------------------------------------------ planted effects


@pytest.mark.parametrize("seed", [SEED, 1, 2])
def test_planted_panel_preferences_recovered(model, seed):
    frames, truth = panel_gen.generate(np.random.default_rng(seed))
    panel = frames["panel"].replace(97, pd.NA)
    weights = frames["panel_weights"]
    cs = P.composite_scores(panel, weights, model)
    assert set(cs["mechanism"].head(2)) == set(truth["top_two_mechanisms"])
    w = P.mean_weights(weights, model).sort_values("weight", ascending=False)
    assert set(w["criterion"].head(2)) == set(truth["heaviest_two_criteria"])
    by = P.mean_weights(weights, model, by="rater_group").set_index(["rater_group", "criterion"])[
        "weight"
    ]
    assert by[(2, "accountability")] > by[(1, "accountability")]


def test_generator_deterministic_and_valid():
    a, ta = panel_gen.generate(np.random.default_rng(SEED))
    b, tb = panel_gen.generate(np.random.default_rng(SEED))
    for stem in a:
        pd.testing.assert_frame_equal(a[stem], b[stem])
    assert ta == tb
    assert a["panel"]["record_id"].is_unique and a["panel_weights"]["rater_id"].is_unique
    assert (a["panel_weights"].filter(like="w_").sum(axis=1) == 100).all()
    crit = a["panel"].filter(like="crit_")
    assert crit.isin([0, 1, 2, 3, 4, 5, 97]).all().all()
    assert (crit == 97).sum().sum() == panel_gen.N_DONT_KNOW


# ------------------------------------------------------------------ checklist and recommendations


def test_checklist_scores(model):
    table = P.checklist()
    assert set(table["score"]) <= {0.0, 0.5, 1.0}
    summary = P.checklist_summary(table)
    allrow = summary.iloc[-1]
    assert allrow["n_met"] + allrow["n_partly"] + allrow["n_not_met"] == len(table)
    assert allrow["score"] == pytest.approx(
        (allrow["n_met"] + 0.5 * allrow["n_partly"]) / len(table)
    )


def test_bad_checklist_raises(tmp_path):
    data = P.load_checklist()
    data["items"][0]["status"] = "almost"
    bad = tmp_path / "cl.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(P.ModelError, match="status"):
        P.load_checklist(bad)


def test_recommendations_prioritised(model, synthetic):
    panel, _, _ = synthetic
    means = P.criterion_means(panel, model)
    cov = P.coverage(model, staff_info_only(model))
    rec = P.recommendations(model, cov, means, lang="bg")
    assert rec["rank"].tolist() == list(range(1, len(rec) + 1))
    assert np.allclose(rec["priority"], rec["impact"] * rec["feasibility"])
    assert (rec["priority"].diff().dropna() <= 1e-12).all()
    n_open = sum(it["status"] != "met" for it in P.load_checklist()["items"])
    assert (rec["source"] == "checklist").sum() == n_open
    # the mechanism filling the most gaps has impact 1
    gap_mech = rec[rec["source"] == "coverage_gap"]
    assert gap_mech["impact"].max() == 1.0
    assert not gap_mech["key"].eq("open_information").any()  # information cells are no gap here
    assert rec["recommendation"].str.contains("[а-я]", regex=True).all()


def test_bundled_demo_data_recovers_truth(model):
    """The bundled data/raw files, read through their codebooks, give back the planted effects."""
    raw = region.resolve("data/raw")
    if not (raw / "truth.json").is_file():
        pytest.skip("bundled demonstration data not generated")
    from ruse_research.data import io

    truth = yaml.safe_load((raw / "truth.json").read_text(encoding="utf-8"))["panel"]
    panel = io.read_survey(raw / "panel.csv", "panel")
    weights = io.read_survey(raw / "panel_weights.csv", "panel_weights")
    cs = P.composite_scores(panel, weights, model)
    assert cs["mechanism"].head(2).tolist() == truth["top_two_mechanisms"]
    w = P.mean_weights(weights, model).sort_values("weight", ascending=False)
    assert set(w["criterion"].head(2)) == set(truth["heaviest_two_criteria"])
    assert len(panel) == truth["n_raters"] * truth["n_mechanisms"]


def test_sensitivity_indices_known_cases(model):
    rng = np.random.default_rng(5)
    n = 2000
    # independent inputs (Dirichlet weights are correlated with each other, which would
    # legitimately give other weights a share too)
    w = rng.random((n, 5))
    norm = rng.choice(["band", "zscore"], size=n)
    base = {
        "draw": np.arange(n),
        "normalisation": norm,
        "aggregation": rng.choice(["arithmetic", "geometric"], size=n),
        **{f"w_{c}": w[:, k] for k, c in enumerate(model.criterion_keys)},
    }
    # mechanism a: rank set by the normalisation only; b: by the clarity weight only; c: constant
    a = pd.DataFrame({**base, "mechanism": "a", "rank": np.where(norm == "band", 1, 2)})
    b = pd.DataFrame(
        {**base, "mechanism": "b", "rank": np.where(w[:, 0] > np.median(w[:, 0]), 1, 2)}
    )
    c = pd.DataFrame({**base, "mechanism": "c", "rank": 3})
    s = P.sensitivity_indices(pd.concat([a, b, c]), model, n_bins=10).set_index(
        ["mechanism", "input"]
    )["first_order"]
    assert s[("a", "normalisation")] == pytest.approx(1.0)
    assert s[("a", "aggregation")] < 0.01
    # a median split sits on a bin edge of 10 equal-count bins, so clarity explains it all
    assert s[("b", "w_clarity")] == pytest.approx(1.0)
    # unrelated inputs stay near the binning bias (n_bins - 1) / n
    assert s[("b", "w_feasibility")] < 0.02 and s[("b", "normalisation")] < 0.01
    assert np.isnan(s[("c", "normalisation")])
    with pytest.raises(RuseError, match="output"):
        P.sensitivity_indices(a, model, output="median")


# ---- the pipeline notebook 03 displays (studies.participation + participation_tables)


def test_group_weights_hides_groups_below_the_disclosure_threshold():
    from ruse_research.stats import disclosure

    model = P.load_model()
    n_small = disclosure.MIN_CELL - 1
    w = pd.DataFrame({"rater_id": [f"r{i}" for i in range(disclosure.MIN_CELL + n_small)],
                      "rater_group": [1] * disclosure.MIN_CELL + [2] * n_small,
                      **{f"w_{c}": [20] * (disclosure.MIN_CELL + n_small) for c in model.criterion_keys}})
    shown = P.group_weights(w, model)
    assert set(shown["rater_group"]) == {1}
    assert (shown["n_raters"] >= disclosure.MIN_CELL).all()
    assert set(P.group_weights(w, model, min_raters=1)["rater_group"]) == {1, 2}


@pytest.fixture(scope="module")
def pipeline():
    data = P.load()
    scores = P.scores(data, n_boot=200)
    sens = P.sensitivity(data, scores, n_draws=200)
    cov = P.coverage_result(data)
    return {"data": data, "scores": scores, "sens": sens, "cov": cov, "weights": P.panel_weights(data),
            "agreement": P.agreement(data), "rec": P.prioritised(data, cov)}


def test_panel_weights_table_shows_only_published_groups(pipeline):
    from ruse_research.display import report
    from ruse_research.studies import participation_tables as tables

    t = report.texts("participation", "en")
    weights = pipeline["weights"]
    table = tables.panel_weights_table(weights, pipeline["data"].model, "en", t)
    groups = sorted(weights.by_group["rater_group"].unique())
    assert len(table.columns) == 3 + len(groups)
    assert weights.n_raters == weights.n_admin + weights.n_civil


def test_findings_follow_the_results(pipeline):
    from ruse_research.display import report
    from ruse_research.studies import participation_tables as tables

    found = P.findings(pipeline["weights"], pipeline["scores"], pipeline["agreement"], pipeline["sens"],
                       pipeline["rec"])
    assert found.top["rank"] == 1
    assert found.heaviest[0]["weight"] >= found.heaviest[1]["weight"]
    assert found.icc2k == pipeline["agreement"].icc2k
    assert found.first_recommendation == pipeline["rec"]["recommendation"].iloc[0]
    for lang in ("bg", "en"):
        t = report.texts("participation", lang)
        sentences = tables.finding_sentences(found, pipeline["cov"], pipeline["data"].model, lang, t)
        assert len(sentences) == 4  # without the scores and the agreement: no overall score, no ICC
        items = tables.key_findings(found, pipeline["cov"], pipeline["data"].model, lang, t,
                                    scores=pipeline["scores"], agreement=pipeline["agreement"],
                                    n_raters=pipeline["weights"].n_raters, n_draws=100)
        assert [i.ref for i in items] == ["table:composite_scores", "figure:coverage_heatmap", "table:rank_stability",
                                          "table:panel_weights", "table:rater_agreement", "table:recommendations"]
        icc = items[4]
        assert icc.effect == ("icc", pipeline["agreement"].icc2k) and icc.convention == "koo2016"
        assert f"n = {pipeline['weights'].n_raters}" in icc.text
        assert t.num(pipeline["agreement"].icc2k_low) in icc.text


def test_sensitivity_tables_follow_baseline_order(pipeline):
    from ruse_research.display import report
    from ruse_research.studies import participation_tables as tables

    t = report.texts("participation", "bg")
    model = pipeline["data"].model
    indices = tables.sensitivity_indices_table(pipeline["sens"], model, "bg", t)
    labels = tables.labels(model, "bg").mechanism
    assert list(indices.index) == [labels[k] for k in pipeline["sens"].stability["mechanism"]]
    assert len(tables.target_cells(pipeline["cov"], model)) == int(pipeline["cov"].cells["target"].sum())


def test_mcda_monte_carlo_matches_the_study_draws():
    frames, _ = panel_gen.generate(np.random.default_rng(SEED))
    panel = frames["panel"].replace(97, pd.NA)
    model = P.load_model()
    draws = P.sensitivity_draws(panel, frames["panel_weights"], model, n_draws=30, seed=3, concentration=20.0)
    matrix = panel_mod._score_matrix(P.criterion_means(panel, model), model)
    w = P.mean_weights(frames["panel_weights"], model).set_index("criterion")["weight"]
    again = mcda.monte_carlo_ranks(matrix, w, 20.0, n_draws=30, seed=3, unit="mechanism")
    pd.testing.assert_frame_equal(draws, again, check_like=False, check_flags=False)
