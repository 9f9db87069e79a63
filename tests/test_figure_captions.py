"""Figure captions state what the figure shows, with numbers and names from the results.

Each study's ``figure_captions`` gives one caption per figure of its notebook: a takeaway
sentence (the top group, aspect, cell, mechanism or criterion named from the results, their
numbers through the catalog's formatters) followed by the catalog's plain description of
what is plotted; a figure whose takeaway the design does not give keeps the description.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pandas as pd
import pytest

from ruse_research.display import report
from ruse_research.studies import (
    monitoring as mon,
)
from ruse_research.studies import (
    monitoring_tables,
    participation_tables,
    staff,
    staff_tables,
    stakeholder_tables,
    stakeholder_texts,
    stakeholders,
)

LANGS = ("bg", "en")


@pytest.fixture(scope="module")
def stakeholder_results(stakeholder_pipeline):
    return stakeholder_pipeline  # stakeholders.load of the bundled exports and its analyse()


@pytest.mark.parametrize("lang", LANGS)
def test_stakeholder_captions_name_the_top_group_with_its_numbers(stakeholder_results, lang):
    loaded, results = stakeholder_results
    t = report.texts("stakeholders", lang)
    names = stakeholder_tables.labels(loaded, t, results.themes.themes)
    captions = stakeholder_texts.figure_captions(results, names)
    assert set(captions) == {"trust_by_group", "image_by_wave", "importance_performance", "perception_gap_score"}
    assert {c.lang for c in captions.values()} == {lang}  # the alt text is written in the caption's language
    groups = names.sets["group"]
    for figure, variable, description in (("trust_by_group", "trust_ra", "trust_figure_caption"),
                                          ("image_by_wave", "public_image", "change_figure_caption")):
        est = results.estimates[(results.estimates["variable"] == variable) & results.estimates["n"].notna()]
        latest = est[est["wave"] == est["wave"].max()].set_index("group")["estimate"]
        top, low = latest.idxmax(), latest.idxmin()
        expected = t("caption_top_low", wave=names.sets["wave_short"][est["wave"].max()],
                     top_group=groups[top], top=t.num(latest[top]), low_group=groups[low], low=t.num(latest[low]))
        assert captions[figure] == f"{expected} {t(description)}."
        # the key finding names the same top group for trust
        if variable == "trust_ra":
            assert top == stakeholders.key_findings(results).top_group
    ipa = results.ipa
    worst = ipa.loc[(ipa["importance"] - ipa["performance"]).idxmax()]
    assert captions["importance_performance"].startswith(
        t("caption_ipa", aspect=names.sets["aspect"][worst["aspect"]], importance=t.num(worst["importance"]),
          performance=t.num(worst["performance"])))
    gaps = results.gaps[(results.gaps["variable"] == "admin_image") & results.gaps["difference"].notna()]
    gaps = gaps[gaps["wave"] == gaps["wave"].max()]
    widest = gaps.loc[gaps["difference"].abs().idxmax()]
    assert groups[widest["group"]] in captions["perception_gap_score"]
    assert t.ci(widest["difference"], widest["ci_low"], widest["ci_high"]) in captions["perception_gap_score"]
    assert captions["perception_gap_score"].endswith(f" {t('gap_figure_caption')}.")


def test_stakeholder_captions_fall_back_to_the_description(stakeholder_results):
    loaded, results = stakeholder_results
    t = report.texts("stakeholders", "en")
    names = stakeholder_tables.labels(loaded, t, results.themes.themes)
    bare = dataclasses.replace(results, ipa=results.ipa.iloc[0:0], gaps=results.gaps.iloc[0:0],
                               estimates=results.estimates[results.estimates["group"] == 1])
    captions = stakeholder_texts.figure_captions(bare, names)
    assert captions == {"trust_by_group": t("trust_figure_caption"), "image_by_wave": t("change_figure_caption"),
                        "importance_performance": t("ipa_figure_caption"),
                        "perception_gap_score": t("gap_figure_caption")}


@pytest.fixture(scope="module")
def staff_results():
    """The staff pipeline on the bundled export, once for both languages (read only)."""
    data = staff.load("data/raw/staff.csv")
    scored = staff.scored(data)
    groups = staff.group_comparisons(scored, ["position"], ["psm", "practice"], n_boot=50)
    train, prac = staff.training(data, scored), staff.practice(data, scored)
    found = staff.findings(staff.reliability(data), groups, train, prac)
    return data, groups, train, prac, found


@pytest.mark.parametrize("lang", LANGS)
def test_staff_captions_take_their_numbers_from_the_findings(staff_results, lang):
    data, groups, train, prac, found = staff_results
    t = report.texts("staff", lang)
    captions = staff_tables.figure_captions(found, groups, data, ["position"], t)
    assert set(captions) == {"training_change", "practice_heatmap", "means_by_position"}
    assert {c.lang for c in captions.values()} == {lang}
    change = train.paired.iloc[0]
    assert t.ci(change["mean_diff"], change["ci_low"], change["ci_high"]) in captions["training_change"]
    assert captions["training_change"].endswith(f" {t('training_figure_caption')}.")
    top = prac.cells.loc[prac.cells["mean"].idxmax()]
    bottom = prac.cells.loc[prac.cells["mean"].idxmin()]
    expected = t("caption_practice", top_level=staff_tables.level_names(t)[top["level"]],
                 top_stage=staff_tables.stage_names(t)[top["stage"]], top_mean=t.num(top["mean"]),
                 bottom_level=staff_tables.level_names(t)[bottom["level"]],
                 bottom_stage=staff_tables.stage_names(t)[bottom["stage"]], bottom_mean=t.num(bottom["mean"]))
    assert captions["practice_heatmap"] == f"{expected} {t('practice_heatmap_caption')}."
    largest = groups.tests.loc[groups.tests["epsilon_sq"].idxmax()]
    assert staff_tables.scale_names(data, t)[largest["dv"]] in captions["means_by_position"]
    assert t.num(largest["epsilon_sq"], 3) in captions["means_by_position"]


@pytest.mark.parametrize("lang", LANGS)
def test_participation_captions_name_the_top_mechanism_and_criterion(lang):
    t = report.texts("participation", lang)
    found = SimpleNamespace(top=pd.Series({"mechanism_label": "Mechanism A"}), top_keeps_rank=0.83)
    cov = SimpleNamespace(practice_index=0.42, target_index=0.92, gaps=pd.DataFrame({"cell": [1, 2, 3]}))
    sens = SimpleNamespace(tornado=pd.DataFrame({"criterion_label": ["Criterion B", "Criterion C"],
                                                 "swing": [3.25, 1.0]}))
    captions = participation_tables.figure_captions(found, cov, sens, t, n_draws=1000, change=0.5)
    assert {c.lang for c in captions.values()} == {lang}
    assert captions["rank_stability"] == (
        f"{t('caption_stability', first='Mechanism A', keep=t.pct(0.83))} "
        f"{t('stability_fig_caption', n_draws=t.int(1000))}.")
    assert "Criterion B" in captions["weight_tornado"] and t.num(3.25, 1) in captions["weight_tornado"]
    assert t.num(0.42) in captions["coverage_heatmap"] and t.int(3) in captions["coverage_heatmap"]
    assert captions["coverage_heatmap"].endswith(f" {t('coverage_caption')}.")


@pytest.mark.parametrize("lang", LANGS)
def test_monitoring_captions_reuse_the_key_findings(lang, monkeypatch):
    monkeypatch.setenv("RUSE_RESEARCH_PROFILE", "ruse")
    data = mon.load("data/raw/monitoring_log.csv", "data/model/indicators.yaml")
    card, trends, fin = mon.current_scorecard(data, lang=lang), mon.trends(data), mon.project_finance(data)
    found = mon.findings(card, trends)
    t = report.texts("monitoring", lang)
    captions = monitoring_tables.figure_captions(found, fin, t, trends)
    items = monitoring_tables.key_findings(found, fin, t, trends)
    assert {c.lang for c in captions.values()} == {lang}
    assert captions["status_by_quarter"] == f"{items[0].text} {t('status_fig_caption')}."
    assert t.int(found.n_on_track) in captions["status_by_quarter"]
    assert t.pct(fin.values["absorption_rate"], 2) in captions["finance_absorption"]
    assert captions["quarterly_trends"].endswith(f" {t('trends_fig_caption')}.")
    assert monitoring_tables.figure_captions(found, fin, t)["quarterly_trends"] == t("trends_fig_caption")


@pytest.mark.parametrize("lang", LANGS)
def test_likert_caption_names_the_most_and_least_agreed_items(lang):
    t = report.texts("staff", lang)
    counts = pd.DataFrame({
        "item_label": ["Item A"] * 6 + ["Item B"] * 6,
        "code": [1, 2, 3, 4, 5, 8] * 2,
        "dont_know": [False] * 5 + [True] + [False] * 5 + [True],
        # A: 6 of 10 substantive answers in codes 4-5; B: 1 of 10 (don't know not in the base)
        "count": [1, 1, 2, 3, 3, 7, 5, 3, 1, 1, 0, 2],
    })
    assert staff_tables.agreement_shares(counts).to_dict() == {"Item A": 0.6, "Item B": 0.1}
    caption = staff_tables.likert_caption(counts, "Scale X", t)
    takeaway = t("caption_likert", top_item="Item A", top_share=t.pct(0.6),
                 bottom_item="Item B", bottom_share=t.pct(0.1))
    assert caption == t("caption_with_takeaway", say=takeaway, fig=t("likert_caption", construct="Scale X"))
    # one item: nothing to compare, the description alone
    one = counts[counts["item_label"] == "Item A"]
    assert staff_tables.likert_caption(one, "Scale X", t) == t("likert_caption", construct="Scale X")
