"""Tests for ruse_research.studies.monitoring and the synthetic monitoring-log generator."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from ruse_research import paths
from ruse_research.data import io
from ruse_research.data import profile as region  # default paths of the active profile
from ruse_research.errors import DataError, RuseError
from ruse_research.studies import monitoring as M
from ruse_research.synthetic import monitoring as log_gen

SEED = 20190118


@pytest.fixture(scope="module", autouse=True)
def ruse_profile():
    """These tests check the bundled Ruse project (its dates, its published finance, its demo
    log), so they select the ``ruse`` region profile whatever RUSE_RESEARCH_PROFILE says."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RUSE_RESEARCH_PROFILE", "ruse")
        yield


@pytest.fixture(scope="module")
def framework() -> dict:
    return M.load_framework()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    frames, truth = log_gen.generate(np.random.default_rng(SEED))
    path = tmp_path_factory.mktemp("raw") / "monitoring_log.csv"
    frames["monitoring_log"].to_csv(path, index=False, encoding="utf-8")
    return io.read_survey(path, "monitoring_log"), truth


# ------------------------------------------------------------------ status rule


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (100.0, "on_track"),  # target reached
        (120.0, "on_track"),  # beyond the target
        (90.0, "on_track"),  # exactly 0.9 of the path
        (89.99, "at_risk"),
        (60.0, "at_risk"),  # exactly 0.6 of the path
        (59.99, "off_track"),
        (-5.0, "off_track"),  # worse than baseline
        (float("nan"), "no_data"),
    ],
)
def test_status_higher_is_better_full_period(value, expected):
    assert M.status(value, baseline=0, target=100, direction="higher", elapsed=1.0) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (14.0, "on_track"),
        (10.0, "on_track"),  # better than target
        (15.0, "on_track"),  # (15 - 24) / (14 - 24) = 0.9 exactly
        (15.01, "at_risk"),
        (18.0, "at_risk"),  # 0.6 exactly
        (18.01, "off_track"),
        (24.0, "off_track"),  # no progress
        (30.0, "off_track"),  # worse than baseline
    ],
)
def test_status_lower_is_better(value, expected):
    assert M.status(value, baseline=24, target=14, direction="lower", elapsed=1.0) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(45.0, "on_track"), (44.9, "at_risk"), (30.0, "at_risk"), (29.9, "off_track")],
)
def test_status_half_way(value, expected):
    # half the period elapsed: 0.9 * 0.5 = 0.45 and 0.6 * 0.5 = 0.30 of the path are needed
    assert M.status(value, baseline=0, target=100, direction="higher", elapsed=0.5) == expected


def test_status_at_start_and_flat_target():
    # nothing is expected at the start: holding the baseline is on track, falling back is not
    assert M.status(0.4, baseline=0.4, target=0.9, direction="higher", elapsed=0.0) == "on_track"
    assert M.status(0.39, baseline=0.4, target=0.9, direction="higher", elapsed=0.0) == "off_track"
    # target == baseline: meeting it counts as full progress
    assert M.status(1.0, baseline=1.0, target=1.0, direction="higher", elapsed=1.0) == "on_track"
    assert M.status(0.95, baseline=1.0, target=1.0, direction="higher", elapsed=1.0) == "off_track"
    assert M.status(3, baseline=3, target=3, direction="lower", elapsed=1.0) == "on_track"
    assert M.status(4, baseline=3, target=3, direction="lower", elapsed=1.0) == "off_track"


def test_status_custom_thresholds():
    assert M.status(50, 0, 100, "higher", 1.0, on_track=0.5, at_risk=0.25) == "on_track"
    assert M.status(25, 0, 100, "higher", 1.0, on_track=0.5, at_risk=0.25) == "at_risk"


def test_status_rejects_bad_input():
    with pytest.raises(RuseError, match="target >= baseline"):
        M.status(5, baseline=10, target=5, direction="higher", elapsed=0.5)
    with pytest.raises(RuseError, match="target <= baseline"):
        M.status(5, baseline=10, target=15, direction="lower", elapsed=0.5)
    with pytest.raises(RuseError, match="direction"):
        M.status(5, baseline=0, target=10, direction="up", elapsed=0.5)
    with pytest.raises(RuseError, match="elapsed"):
        M.status(5, baseline=0, target=10, direction="higher", elapsed=1.5)
    with pytest.raises(RuseError, match="thresholds"):
        M.status(5, 0, 10, "higher", 0.5, on_track=0.5, at_risk=0.7)


def test_elapsed_fraction():
    # 2019-01-18 .. 2020-07-18 is 547 days (2020 is a leap year)
    assert M.elapsed_fraction("2020-07-18", "2019-01-18", "2020-07-18") == 1.0
    assert M.elapsed_fraction("2018-12-31", "2019-01-18", "2020-07-18") == 0.0
    assert M.elapsed_fraction("2021-01-01", "2019-01-18", "2020-07-18") == 1.0
    assert M.elapsed_fraction("2020-06-30", "2019-01-18", "2020-07-18") == pytest.approx(529 / 547)


# ------------------------------------------------------------------ confidence intervals


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        # Newcombe RG (1998) Two-sided confidence intervals for the single proportion,
        # Stat Med 17:857-872, Table I, method 3 (Wilson score, no continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_reference(x, n, low, high):
    lo, hi = M.wilson_ci(x, n)
    assert lo == pytest.approx(low, abs=5e-5) and hi == pytest.approx(high, abs=5e-5)


def test_wilson_edges():
    assert all(math.isnan(v) for v in M.wilson_ci(0, 0))
    with pytest.raises(RuseError):
        M.wilson_ci(5, 3)


# ------------------------------------------------------------------ indicators


def hand_log() -> pd.DataFrame:
    rows = [
        # 2019Q1: three consultations (30, 45, 14 days; reports yes, no, don't know -> NA)
        ("E1", "2019-02-01", 1, 30, 1, None, None, None, None),
        ("E2", "2019-02-15", 1, 45, 2, None, None, None, None),
        ("E3", "2019-03-01", 1, 14, None, None, None, None, None),
        ("E4", "2019-03-02", 2, None, None, 10, None, None, None),
        ("E5", "2019-03-03", 2, None, None, 20, None, None, None),
        ("E6", "2019-03-04", 2, None, None, 31, None, None, None),
        ("E7", "2019-03-31", 4, None, None, None, 12, 20, None),
        # 2019Q2: one council meeting, a campaign event, a website check
        ("E8", "2019-04-10", 3, None, None, None, None, None, None),
        ("E9", "2019-05-10", 5, None, None, None, None, None, 1500),
        ("E10", "2019-06-30", 4, None, None, None, 15, 20, None),
        # 2019Q3: another campaign event only
        ("E11", "2019-08-01", 5, None, None, None, None, None, 500),
    ]
    cols = ["event_id", "event_date", "event_type", "consult_days", "report_published",
            "days_to_answer", "checklist_met", "checklist_total", "reach"]  # fmt: skip
    log = pd.DataFrame(rows, columns=cols)
    for c in cols[2:]:
        log[c] = log[c].astype("Int64")
    return log


def test_compute_indicators_hand_example(framework):
    v = M.compute_indicators(hand_log(), framework).set_index(["indicator", "quarter"])
    q1, q2, q3 = "2019Q1", "2019Q2", "2019Q3"
    assert v.loc[("consult_30d_share", q1), "value"] == pytest.approx(2 / 3)
    assert v.loc[("consult_30d_share", q1), "n"] == 3
    lo, hi = M.wilson_ci(2, 3)
    assert v.loc[("consult_30d_share", q1), ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [lo, hi]
    )
    # the don't-know report answer is left out of the denominator
    assert v.loc[("consult_report_share", q1), "value"] == pytest.approx(0.5)
    assert v.loc[("consult_report_share", q1), "n"] == 2
    assert v.loc[("request_median_days", q1), "value"] == 20
    assert math.isnan(v.loc[("request_median_days", q2), "value"])
    assert (
        v.loc[("council_meetings", q1), "value"] == 0
        and v.loc[("council_meetings", q2), "value"] == 1
    )
    assert v.loc[("website_transparency", q1), "value"] == pytest.approx(60.0)
    assert v.loc[("website_transparency", q2), "value"] == pytest.approx(75.0)
    assert (
        v.loc[("campaign_reach", q2), "value"] == 1500
        and v.loc[("campaign_reach", q3), "value"] == 2000
    )
    # quarters span the whole project period, partial at both ends
    quarters = v.xs("consult_30d_share").index.tolist()
    assert quarters[0] == "2019Q1" and quarters[-1] == "2020Q3" and len(quarters) == 7
    assert (
        v.loc[("council_meetings", q1), "partial"]
        and not v.loc[("council_meetings", q2), "partial"]
    )


def test_median_ci_brackets_median(framework, synthetic):
    log, _ = synthetic
    v = M.compute_indicators(log, framework)
    med = v[(v["indicator"] == "request_median_days") & (v["n"] >= 10)]
    assert len(med) and ((med["ci_low"] <= med["value"]) & (med["value"] <= med["ci_high"])).all()


def test_bad_log_raises(framework):
    log = hand_log()
    log.loc[2, "event_date"] = "31/02/2019"
    with pytest.raises(DataError) as err:
        M.compute_indicators(log, framework)
    assert "row 4" in str(err.value)
    with pytest.raises(DataError, match="consult_days"):
        M.compute_indicators(hand_log().drop(columns="consult_days"), framework)


def test_dont_know_code_left_in_raw_log_is_refused(framework):
    log = hand_log()
    log.loc[2, "report_published"] = 97  # "cannot be established": io.read_survey makes it NA
    with pytest.raises(DataError, match="io.read_survey"):
        M.compute_indicators(log, framework)


def test_scorecard_uses_last_complete_quarter(framework, synthetic):
    log, _ = synthetic
    v = M.compute_indicators(log, framework)
    sc = M.scorecard(v, framework)
    assert (sc["quarter"] == "2020Q2").all()
    assert sc["elapsed"].iloc[0] == pytest.approx(529 / 547)
    for row in sc.itertuples():
        assert row.status == M.status(
            row.value, row.baseline, row.target, row.direction, row.elapsed
        )
        assert row.expected_value == pytest.approx(
            row.baseline + (row.target - row.baseline) * row.elapsed
        )
    early = M.scorecard(v, framework, as_of="2019Q3", lang="bg")
    assert early["label"].str.contains("[а-я]", regex=True).all()
    with pytest.raises(RuseError, match="2031Q1"):
        M.scorecard(v, framework, as_of="2031Q1")


def test_path_start_delays_the_expected_progress(framework, synthetic):
    log, _ = synthetic
    v = M.compute_indicators(log, framework)
    sc = M.scorecard(v, framework, as_of="2019Q4").set_index("indicator")
    # the campaign's path starts on 2020-01-01, so nothing is expected of it in 2019
    assert sc.loc["campaign_reach", "elapsed"] == 0.0
    assert sc.loc["campaign_reach", "status"] == "on_track"
    sc = M.scorecard(v, framework, as_of="2020Q2").set_index("indicator")
    # 2020-01-01 .. 2020-06-30 is 181 of the 199 days to 2020-07-18
    assert sc.loc["campaign_reach", "elapsed"] == pytest.approx(181 / 199)


def test_same_result_from_raw_csv_and_typed_frame(framework, synthetic, tmp_path):
    typed, _ = synthetic
    frames, _ = log_gen.generate(np.random.default_rng(SEED))
    raw = frames["monitoring_log"]
    a = M.compute_indicators(typed, framework)
    b = M.compute_indicators(raw, framework)
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------ planted effects


@pytest.mark.parametrize("seed", [SEED, 1, 2, 3])
def test_planted_trends_recovered(framework, seed):
    frames, truth = log_gen.generate(np.random.default_rng(seed))
    log = frames["monitoring_log"]
    v = M.compute_indicators(log, framework)
    tr = M.trend(log, v, framework).set_index("indicator")
    assert (
        truth["trends"]["consult_30d_share"] == "up"
        and tr.loc["consult_30d_share", "change"] == "improving"
    )
    assert (
        truth["trends"]["request_median_days"] == "down"
        and tr.loc["request_median_days", "change"] == "improving"
    )
    assert tr.loc["website_transparency", "slope"] > 0
    assert tr.loc["consult_report_share", "slope"] > 0
    # council meetings start in the planted quarter
    meetings = v[v["indicator"] == "council_meetings"].set_index("quarter")["value"]
    assert meetings.loc[:"2019Q2"].sum() == 0 and (meetings.loc["2019Q3":"2020Q2"] >= 1).all()


def test_planted_status_rule_on_true_rates(framework):
    # the generator's true rates at the end of 2020Q2 put the report share short of on track
    _, truth = log_gen.generate(np.random.default_rng(SEED))
    ind = {i["key"]: i for i in framework["indicators"]}
    q = truth["quarters"].index("2020Q2")
    elapsed = M.elapsed_fraction("2020-06-30", "2019-01-18", "2020-07-18")
    p_report = truth["planted_per_quarter"]["p_report_published"][q]
    r = ind["consult_report_share"]
    assert M.status(p_report, r["baseline"], r["target"], r["direction"], elapsed) != "on_track"
    p30 = truth["planted_per_quarter"]["p_consult_30d"][q]
    c = ind["consult_30d_share"]
    assert M.status(p30, c["baseline"], c["target"], c["direction"], elapsed) == "on_track"


def test_trend_classification_sides():
    assert M._classify(0.1, 0.5, "higher") == "improving"
    assert M._classify(0.1, 0.5, "lower") == "worsening"
    assert M._classify(-0.5, -0.1, "lower") == "improving"
    assert M._classify(-0.5, 0.1, "higher") == "no_clear_trend"
    assert M._classify(float("nan"), 0.1, "higher") == "no_clear_trend"


# ------------------------------------------------------------------ finance and timeline


def test_finance_from_project_page(framework):
    f = M.finance(framework).set_index("measure")["value"]
    # project page: total 89,316.00 BGN, paid 84,004.63 BGN, EU share 85%
    assert f["absorption_rate"] == pytest.approx(84004.63 / 89316.00, abs=1e-12)
    assert round(f["absorption_rate"] * 100, 2) == 94.05
    assert f["unpaid"] == pytest.approx(5311.37)
    assert f["eu_total"] == pytest.approx(75918.60) and f["national_total"] == pytest.approx(
        13397.40
    )
    # 84,004.63 * 0.85 = 71,403.9355 -> 71,403.94 (half up); the national part is the rest
    assert f["eu_paid"] == pytest.approx(71403.94) and f["national_paid"] == pytest.approx(12600.69)
    assert f["eu_paid"] + f["national_paid"] == pytest.approx(f["paid"])


def test_timeline(framework):
    t = M.timeline(framework)
    assert t["duration_days"].unique().tolist() == [547]
    assert t["quarter"].tolist() == [
        "2019Q1",
        "2019Q2",
        "2019Q3",
        "2019Q4",
        "2020Q1",
        "2020Q2",
        "end",
    ]
    assert t["elapsed_share"].is_monotonic_increasing and t["elapsed_share"].iloc[-1] == 1.0
    assert (
        M.timeline(framework, as_of="2020-01-18").query("quarter == 'as_of'")["elapsed_days"].item()
        == 365
    )


@pytest.mark.parametrize(("name", "public"), [("ruse", True), ("gabrovo", False), ("demo", False)])
def test_only_a_public_projects_money_is_marked_real_and_cited(name, public):
    """Ruse's project is a public record (ИСУН): its money is marked real and cited. The
    invented projects of the other profiles are neither: their figures are flagged like the
    synthetic data, and the report's references leave out ИСУН."""
    fw = M.load_framework(profile=name)
    data = SimpleNamespace(framework=fw)  # the two functions read only the framework
    assert fw["project"]["public"] is public
    for lang in ("bg", "en"):
        assert M.finance_source(data, lang) == (fw["project"]["source"][lang] if public else None)
    assert ("opgg_project" in M.reference_keys(data)) is public


def test_framework_rejects_a_public_flag_that_is_not_true_or_false(tmp_path):
    data = yaml.safe_load(paths.resolve(M.DEFAULT_FRAMEWORK).read_text(encoding="utf-8"))
    data["project"] = {**yaml.safe_load(paths.resolve("data/regions/ruse/profile.yaml").read_text(encoding="utf-8"))["project"],
                       "public": "yes please"}
    bad = tmp_path / "ind.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(M.FrameworkError, match=r"project.public is 'yes please'; expected true .* or false"):
        M.load_framework(bad)


@pytest.mark.parametrize(("change", "expected"), [
    ({"public": "true"}, "project.public is 'true'; expected true"),
    ({"eu_share": None}, "project.eu_share is missing; give the EU's share of the funding as a fraction "
                         "between 0 and 1 (0.85 for 85%)"),
    ({"paid": "a lot"}, "project.paid is 'a lot'; expected a number"),
    ({"eu_share": 1.5}, "project finance needs total_value > 0, paid >= 0 and 0 <= eu_share <= 1 (got "),
])
def test_a_bad_project_section_of_a_profile_is_reported_against_the_profile_file(tmp_path, change, expected):
    """The framework file has no project section, so an error in the profile's (its flags and
    its money, checked before any table is drawn) names the profile file that holds it."""
    from ruse_research.data import profile as region_profile

    data = yaml.safe_load(paths.resolve("data/regions/demo/profile.yaml").read_text(encoding="utf-8"))
    for field, value in change.items():
        if value is None:
            del data["project"][field]
        else:
            data["project"][field] = value
    own = tmp_path / "profile.yaml"
    own.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    region = region_profile.load(str(own))
    with pytest.raises(M.FrameworkError) as err:
        M.load_framework(profile=region)
    assert str(err.value).startswith(f"{region.source}: {expected}")


# ------------------------------------------------------------------ framework, codebook, template


def test_framework_rejects_target_on_wrong_side(tmp_path):
    data = yaml.safe_load(paths.resolve(M.DEFAULT_FRAMEWORK).read_text(encoding="utf-8"))
    data["indicators"][2]["target"] = 30  # median days: lower is better, target above baseline
    bad = tmp_path / "ind.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(M.FrameworkError, match="request_median_days"):
        M.load_framework(bad)


def test_framework_columns_exist_in_codebook(framework):
    cb = yaml.safe_load(
        paths.resolve("data/codebooks/monitoring_log.yaml").read_text(encoding="utf-8")
    )
    items = [i["id"] for i in cb["items"]]
    for ind in framework["indicators"]:
        comp = ind["computation"]
        for col in (comp.get("column"), comp.get("denominator")):
            assert col is None or col in items, (ind["key"], col)
        assert comp["event_type"] in cb["response_scales"]["event_type"]["values"]
    header = (
        paths.resolve("data/templates/monitoring_log_template.csv")
        .read_text(encoding="utf-8")
        .strip()
    )
    assert header.split(",") == items
    assert len(M.website_checklist(framework)) == log_gen.CHECKLIST_TOTAL


def test_generator_deterministic_and_valid(tmp_path):
    a, ta = log_gen.generate(np.random.default_rng(SEED))
    b, tb = log_gen.generate(np.random.default_rng(SEED))
    pd.testing.assert_frame_equal(a["monitoring_log"], b["monitoring_log"])
    assert ta == tb
    log = a["monitoring_log"]
    assert log["event_id"].is_unique
    dates = pd.to_datetime(log["event_date"])
    assert dates.min() >= pd.Timestamp("2019-01-18") and dates.max() <= pd.Timestamp("2020-07-18")
    path = tmp_path / "monitoring_log.csv"
    log.to_csv(path, index=False)
    io.validate_file(path, "monitoring_log")  # raises DataError on any problem


def test_bundled_demo_data_recovers_truth(framework):
    """The bundled data/raw log, read through its codebook, gives back the planted trends."""
    raw = region.resolve("data/raw")
    if not (raw / "truth.json").is_file():
        pytest.skip("bundled demonstration data not generated")
    truth = yaml.safe_load((raw / "truth.json").read_text(encoding="utf-8"))["monitoring"]
    log = io.read_survey(raw / "monitoring_log.csv", "monitoring_log")
    assert len(log) == truth["n_events"]
    v = M.compute_indicators(log, framework)
    tr = M.trend(log, v, framework).set_index("indicator")
    assert tr.loc["consult_30d_share", "change"] == "improving"
    assert tr.loc["request_median_days", "change"] == "improving"
    assert v["quarter"].drop_duplicates().tolist() == truth["quarters"]


def test_filled_template_validates_and_computes(framework, tmp_path):
    """A monitor's first row in the empty template is a valid log the indicators accept."""
    header = paths.resolve("data/templates/monitoring_log_template.csv").read_text(encoding="utf-8")
    filled = tmp_path / "monitoring_log.csv"
    filled.write_text(header.rstrip("\n") + "\nE0001,2019-02-04,1,30,1,3,,,,,,\n", encoding="utf-8")
    io.validate_file(filled, "monitoring_log")
    log = io.read_survey(filled, "monitoring_log")
    v = M.compute_indicators(log, framework).set_index(["indicator", "quarter"])
    assert v.loc[("consult_30d_share", "2019Q1"), "value"] == 1.0
    assert v.loc[("consult_30d_share", "2019Q1"), "n"] == 1
    assert math.isnan(v.loc[("consult_30d_share", "2019Q2"), "value"])
    card = M.scorecard(v.reset_index(), framework, as_of="2019Q2").set_index("indicator")
    assert card.loc["consult_30d_share", "status"] == "no_data"


# ---- the pipeline notebook 04 displays (studies.monitoring + monitoring_tables)


def test_pipeline_tables_and_findings():
    from ruse_research.display import plots, report
    from ruse_research.studies import monitoring_tables as tables

    data = M.load()
    card = M.current_scorecard(data)
    trends = M.trends(data)
    fin = M.project_finance(data)
    found = M.findings(card, trends)
    assert found.quarter == card["quarter"].iloc[0]
    assert found.n_on_track + found.n_at_risk + found.n_off_track + int((card["status"] == "no_data").sum()) \
        == found.n_indicators
    history = M.status_history(data)
    assert history.periods[-1] in set(history.table["period"])
    for lang in ("bg", "en"):
        t = report.texts("monitoring", lang)
        table = tables.scorecard_table(card, data, t, plots.STATUS_SYMBOLS)
        shares = card["indicator"].map(lambda k: data.indicators[k]["unit"] == "share").to_numpy()
        assert np.allclose(table[t("label_value")].to_numpy()[shares], card["value"].to_numpy()[shares] * 100)
        assert len(tables.finding_sentences(found, fin, t)) == 4
        items = tables.key_findings(found, fin, t, trends)
        assert [i.ref for i in items] == ["table:scorecard", "table:scorecard", "figure:quarterly_trends",
                                          "table:trends", "table:finance"]
        assert f"n = {t.int(found.consult['n'])}" in items[1].text
        assert list(tables.absorption(fin, t)["share"]) == [fin.elapsed_share, fin.values["absorption_rate"]]
