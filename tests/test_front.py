"""The front and back of a report: title block, key findings, numbering, cross-references.

Effect-size wording follows one convention per kind (stats.magnitude); tables and figures are
numbered in order of appearance by the runner (runner.xref) and every cross-reference resolves
to its number; the title block names the project from the region profile.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest

from ruse_research.data import profile
from ruse_research.display import output, report
from ruse_research.runner import html as htmlreport
from ruse_research.runner import xref
from ruse_research.stats.magnitude import CONVENTIONS, MagnitudeError, magnitude
from ruse_research.studies.keyfinding import KeyFinding, KeyFindingError


@pytest.fixture
def published(monkeypatch):
    calls: list[tuple[dict, dict]] = []
    monkeypatch.setattr(output, "publish", lambda data, metadata=None: calls.append((data, metadata)))
    return calls


# ---------------------------------------------------------------- effect sizes
@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("d", 0.19, "negligible"), ("d", 0.2, "small"), ("d", -0.5, "medium"), ("d", 0.79, "medium"), ("d", 0.8, "large"),
    ("r", 0.09, "negligible"), ("r", 0.3, "medium"), ("r", -0.51, "large"),
    ("eta2", 0.0077, "negligible"), ("eta2", 0.0775, "medium"), ("eta2", 0.14, "large"),
    ("icc", 0.49, "poor"), ("icc", 0.5, "moderate"), ("icc", 0.9, "excellent"),
])
def test_magnitude_follows_the_cited_conventions(kind, value, expected):
    assert magnitude(kind, value) == expected


def test_every_convention_has_a_reference_entry():
    t = report.texts("references", "en")
    for convention in CONVENTIONS.values():
        assert convention.source in t.keys() and f"{convention.source}.short" in t.keys()
    with pytest.raises(MagnitudeError, match="expected one of d, r, eta2, icc"):
        magnitude("odds", 2.0)


def test_key_finding_refuses_bad_refs_and_effects():
    with pytest.raises(KeyFindingError, match="must be 'table:<name>'"):
        KeyFinding("x", "table:Bad-Name")
    with pytest.raises(KeyFindingError, match="kind one of"):
        KeyFinding("x", None, ("omega", 0.3))


@pytest.mark.parametrize(("lang", "sentence"), [
    ("en", "By the convention of [Cohen, 1988](#ref-cohen1988), this is a medium effect."),
    ("bg", "Според конвенцията на [Коен, 1988](#ref-cohen1988), това е среден ефект."),
])
def test_key_findings_are_a_heading_and_say_what_the_effect_means(published, lang, sentence):
    items = [KeyFinding("Confidence rose (95% CI 0.42 to 0.69; n = 71).", "table:training_paired_t", ("d", 0.61)),
             KeyFinding("Agreement is high.", "table:rater_agreement", ("icc", 0.96)),
             KeyFinding("A mean only.", "figure:practice_heatmap")]
    report.key_findings(items, lang)
    heading, intro, body = (data["text/markdown"] for data, _ in published)
    assert heading == "## " + {"en": "Key findings", "bg": "Основни изводи"}[lang]
    first, second, third = body.splitlines()
    assert first.startswith("1. Confidence rose") and sentence in first
    assert first.endswith({"en": "See [the table](#table-training_paired_t).",
                           "bg": "Вж. [таблицата](#table-training_paired_t)."}[lang])
    assert {"en": "the agreement is excellent", "bg": "съгласието е отлично"}[lang] in second
    assert "#ref-koo2016" in second
    assert "1988" not in third and "2016" not in third and "#figure-practice_heatmap" in third
    meta = published[-1][1]["ruse"]
    assert meta["kind"] == "key_findings" and len(meta["sentences"]) == 3
    assert "](#" not in " ".join(meta["sentences"])  # the index shows plain sentences


def test_key_findings_need_key_finding_items(published):
    with pytest.raises(report.ReportError, match="KeyFinding"):
        report.key_findings(["a plain sentence"], "en")


# ---------------------------------------------------------------- numbering and cross-references
def test_tables_and_figures_are_numbered_in_order_and_references_resolve():
    body = (
        '<ol><li><a href="#table-b">the table</a></li><li><a href="#figure-f">the figure</a></li>'
        '<li><a href="#table-missing">the table</a></li></ol>'
        '<div class="ruse-table-block" id="table-a"><table><caption>First</caption></table></div>'
        '<figure class="ruse-figure" id="figure-f"><img src="data:," alt="Bar chart"><figcaption>Trust</figcaption></figure>'
        '<div class="ruse-table-block" id="table-b"><table><caption>Second</caption></table></div>'
        '<p>Again <a href="#table-a">the table</a>.</p>'
    )
    out = xref.number_artifacts(body, table_label="Таблица {n}", figure_label="Фигура {n}")
    assert '<a href="#table-b">Таблица 2</a>' in out and '<a href="#figure-f">Фигура 1</a>' in out
    assert '<a href="#table-a">Таблица 1</a>' in out
    assert '<a href="#table-missing">the table</a>' in out  # unknown target: text kept
    assert '<caption><span class="ruse-number">Таблица 1.</span> First</caption>' in out
    assert '<caption><span class="ruse-number">Таблица 2.</span> Second</caption>' in out
    assert '<figcaption><span class="ruse-number">Фигура 1.</span> Trust</figcaption>' in out


def test_the_report_wraps_figures_and_tables_and_numbers_them():
    import matplotlib.pyplot as plt
    import nbformat
    import pandas as pd

    fig, ax = plt.subplots()
    ax.bar(["Русе", "Бяла"], [3, 4])
    ax.set_ylabel("Доверие")
    t = report.texts("common", "bg")
    fig_data, fig_meta = report.figure_bundle(fig, "trust", caption=t("label_mean"))
    plt.close(fig)
    tab_data, tab_meta = report.table_bundle(pd.DataFrame({"a": [1.5]}), "means", caption=t("label_mean"), lang="bg")
    cell = nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={"text/markdown": "Вж. [таблицата](#table-means)."}),
        nbformat.v4.new_output("display_data", data=fig_data, metadata=fig_meta),
        nbformat.v4.new_output("display_data", data=tab_data, metadata=tab_meta),
    ])
    body = htmlreport._exporter().from_notebook_node(
        nbformat.v4.new_notebook(cells=[cell]),
        resources={"ruse": {"labels": htmlreport.labels("bg"), "lang": "bg"}})[0]
    out = xref.number_artifacts(body, table_label="Таблица {n}", figure_label="Фигура {n}")
    assert 'id="figure-trust"' in out and "<figcaption>" in out and 'id="table-means"' in out
    alt = fig_meta["ruse"]["alt"]
    assert f'alt="{alt}"' in out and alt != fig_meta["ruse"]["caption"] and alt.startswith("Стълбовидна диаграма")
    assert '<a href="#table-means">Таблица 1</a>' in out
    assert '<span class="ruse-number">Фигура 1.</span> Средна стойност</figcaption>' in out


# ---------------------------------------------------------------- title block and references
def test_title_block_names_the_project_and_the_date_in_the_language():
    """The beneficiary, programme and code are the active profile's (any profile)."""
    region = profile.load()
    data, meta = report.title_block_bundle("bg", synthetic=True, today=dt.date(2020, 7, 18))
    html = data["text/html"]
    assert escape(region.project_text("beneficiary", "bg")) in html and escape(region.project_text("code", "bg")) in html
    assert escape(region.project_text("programme", "bg")) in html and "18 юли 2020 г." in html
    assert "18 юли" not in data["text/plain"]  # stored outputs do not change from day to day
    assert meta == {"ruse": {"kind": "title_block", "synthetic": True}}
    en, _ = report.title_block_bundle("en", synthetic=False, today=dt.date(2020, 7, 18))
    assert "18 July 2020" in en["text/html"] and escape(region.project_text("beneficiary", "en")) in en["text/html"]


def test_references_are_listed_with_anchors_and_unknown_keys_fail(published):
    report.references(["koo2016", "cohen1988", "cohen1988"], "en")
    heading, (data, _) = published[0][0]["text/markdown"], published[1]
    assert heading == "## References"
    html = data["text/html"]
    assert html.count("<li ") == 2 and html.index('id="ref-cohen1988"') < html.index('id="ref-koo2016"')
    with pytest.raises(report.ReportError, match="no entry nobody2000"):
        report.references_bundle(["nobody2000"], "en")
    assert report.cite("iap2", "en") == "[IAP2, 2018](#ref-iap2)"
