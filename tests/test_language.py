"""Language and number hygiene: p values never print as zero, statistics and degrees of freedom
carry no spurious decimals, intervals are labelled, quarters and axes follow the language, and
the scan of rendered reports (tests/report_text.py) finds what it must.

The scan of every rendered report runs in the slow tier on the study that
``test_study_determinism.py`` runs (its ``two_studies`` fixture).
"""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import report_text  # noqa: E402

from ruse_research.contract import P_HEADER, STAT_COLUMNS  # noqa: E402
from ruse_research.data import profile  # noqa: E402
from ruse_research.display import formats, plots, report  # noqa: E402
from ruse_research.display.tables import table_bundle  # noqa: E402
from ruse_research.studies import labels  # noqa: E402

NBSP = formats.NBSP


# ------------------------------------------------------------------ p values


@pytest.mark.parametrize(("p", "lang", "shown"), [
    (0.0, "en", "p < 0.001"), (0.0, "bg", "p < 0,001"), (0.0004, "en", "p < 0.001"),
    (0.00049, "bg", "p < 0,001"), (0.001, "en", "p = 0.001"), (0.0421, "bg", "p = 0,042"),
    (0.9996, "en", "p > 0.999"), (1.0, "bg", "p > 0,999"),
])
def test_p_values_never_print_as_zero(p, lang, shown):
    assert formats.fmt_p(p, lang) == shown
    assert formats.fmt_p(p, lang, symbol=False) == shown.removeprefix("p ").removeprefix("= ")


def test_a_column_headed_p_shows_p_values_and_keeps_the_numbers():
    frame = pd.DataFrame({"F": [50.79, 1.2], "p value": [1e-9, 0.2345], "p (Holm)": [2e-7, 0.5],
                          "p-стойност": [0.0, 0.04]})
    data, _ = table_bundle(frame, "tests", lang="bg", digits=3)
    html = data["text/html"]
    assert html.count("&lt; 0,001") == 3
    assert ">0,235<" in html and ">0,040<" in html
    assert ">0,000<" not in html and ">0,00<" not in html
    assert data[report.TABLE_MIME]["data"][0][1] == pytest.approx(1e-9)  # CSV keeps the number


@pytest.mark.parametrize("header", ["p", "p value", "p-стойност", "p (Holm)", "p (Холм)"])
def test_p_headers_are_recognised(header):
    assert P_HEADER.match(header)


@pytest.mark.parametrize("header", ["Population share", "Процент", "pct", "power"])
def test_other_headers_are_not_p_columns(header):
    assert not P_HEADER.match(header)


# ------------------------------------------------------------------ statistics, counts, separators


@pytest.mark.parametrize(("x", "lang", "digits", "shown"), [
    (3.0, "en", 3, "3"), (670.0, "bg", 3, "670"), (210.5, "bg", 3, "210,5"), (210.5, "en", 3, "210.5"),
    (1785.384, "en", 3, "1,785.384"), (1785.384, "bg", 2, "1785,38"), (37.7, "bg", 3, "37,7"),
    (0.0, "en", 2, "0"), (-0.0001, "en", 2, "0"),
])
def test_statistics_and_degrees_of_freedom_drop_spurious_decimals(x, lang, digits, shown):
    assert formats.fmt_stat(x, lang, digits) == shown


def test_marked_statistic_columns_print_without_trailing_zeros():
    frame = labels.relabel(pd.DataFrame({"W": [210.5], "df": [3.0], "mean": [2.8]}),
                           {"W": "=W", "df": "=df", "mean": "=Mean"}, str, stat=["W", "df"])
    assert frame.attrs[STAT_COLUMNS] == ["W", "df"]
    html = table_bundle(frame, "stats", lang="en", digits=3)[0]["text/html"]
    assert ">210.5<" in html and ">3<" in html and ">2.800<" in html  # the mean keeps its digits


@pytest.mark.parametrize(("x", "lang", "shown"), [
    (20000, "bg", f"20{NBSP}000"), (20000, "en", "20,000"), (2019, "bg", "2019"),
    (1234567, "bg", f"1{NBSP}234{NBSP}567"), (1234567, "en", "1,234,567"), (20000.0, "en", "20,000"),
])
def test_counts_have_the_language_thousands_separator_and_no_decimals(x, lang, shown):
    assert formats.fmt_int(x, lang) == shown


@pytest.mark.parametrize(("x", "lang", "shown"), [
    (7.7349, "bg", "7,73"), (7.7349, "en", "7.73"), (12345.678, "bg", f"12{NBSP}345,68"),
    (12345.678, "en", "12,345.68"), (1234.5, "bg", "1234,50"),
])
def test_decimals_per_language(x, lang, shown):
    assert formats.fmt_num(x, lang) == shown


# ------------------------------------------------------------------ intervals and quarters


def test_intervals_are_labelled_in_the_language():
    bg, en = report.texts("common", "bg"), report.texts("common", "en")
    assert bg.ci(7.734, 7.25, 8.2) == "7,73 (95% ДИ 7,25–8,20)"
    assert en.ci(7.734, 7.25, 8.2) == "7.73 (95% CI 7.25–8.20)"
    assert en.ci(0.5, 0.4, 0.6, level=0.9) == "0.50 (90% CI 0.40–0.60)"
    assert bg.ci(0.05, -0.49, 0.59) == "0,05 (95% ДИ -0,49; 0,59)"  # no dash next to a minus sign


@pytest.mark.parametrize(("code", "lang", "shown"), [
    ("2019Q1", "en", "Q1 2019"), ("2020Q4", "bg", "4. трим. 2020"), ("2020Q2*", "en", "Q2 2020*"),
    ("end", "bg", "end"),
])
def test_quarters_in_the_language_form(code, lang, shown):
    assert formats.fmt_quarter(code, lang) == shown


def test_dates_in_the_language_form():
    assert formats.fmt_date("2019-03-31", "bg") == f"31.03.2019{NBSP}г."
    assert formats.fmt_date(pd.Timestamp("2020-12-01"), "en") == "Dec 1, 2020"
    assert formats.fmt_date(None, "bg") == formats.NA_TEXT


def test_monitoring_timeline_shows_quarters_and_dates_in_bulgarian():
    from ruse_research.studies import monitoring as mon
    from ruse_research.studies import monitoring_tables

    t = report.texts("monitoring", "bg")
    fin = mon.project_finance(mon.load())
    table = monitoring_tables.timeline_table(fin, t)
    # the first row is the quarter of the active profile's project start, in Bulgarian form
    start = dt.date.fromisoformat(str(profile.load().project["start"]))
    assert table[t("label_quarter")].iloc[0] == f"{(start.month - 1) // 3 + 1}. трим. {start.year}"
    assert table[t("label_quarter")].iloc[-1] == t("label_project_end")
    assert table[t("label_date")].str.fullmatch(r"\d{2}\.\d{2}\.\d{4}\u00a0г\.").all()


# ------------------------------------------------------------------ axes


def _tick_texts(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_axis_formatter_uses_the_decimal_comma_in_bulgarian():
    assert plots.LangFormatter("bg").format_ticks([0.5, 1.0, 1.5]) == ["0,5", "1,0", "1,5"]
    assert plots.LangFormatter("en").format_ticks([0.5, 1.0, 1.5]) == ["0.5", "1.0", "1.5"]
    assert plots.LangFormatter("bg").format_ticks([10000, 20000]) == ["10\u00a0000", "20\u00a0000"]


@pytest.mark.parametrize("kind", ["dumbbell", "slope"])
def test_paired_change_numbers_its_value_axis_in_the_language(kind):
    frame = pd.DataFrame({"unit": list("abcdef"), "pre": [2.1, 2.6, 3.1, 2.4, 2.9, 3.3],
                          "post": [2.7, 3.2, 3.3, 3.1, 3.0, 3.9]})
    ax = plots.paired_change(frame, before="pre", after="post", unit="unit", kind=kind, lang="bg")
    values = _tick_texts(ax.xaxis if kind == "dumbbell" else ax.yaxis)
    assert values and all("." not in v for v in values), values
    assert any("," in v for v in values), values
    plots.close(ax)


def test_count_axes_have_whole_ticks():
    frame = pd.DataFrame({"quarter": ["2019Q4", "2020Q1", "2020Q2"], "meetings": [0.0, 3.0, 1.0]})
    ax = plots.bar_with_ci(frame, x="quarter", y="meetings", lang="bg", annotate=False)
    assert _tick_texts(ax.yaxis) and all("," not in v for v in _tick_texts(ax.yaxis))
    plots.close(ax)


def test_quarter_ticks_in_the_language():
    frame = pd.DataFrame({"quarter": ["2019Q4", "2020Q1"], "v": [1.0, 2.0]})
    ax = plots.bar_with_ci(frame, x="quarter", y="v", lang="bg")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["4. трим. 2019", "1. трим. 2020"]
    plots.close(ax)
    history = pd.DataFrame({"indicator": ["A", "A"], "period": ["2019Q4", "2020Q1*"],
                            "status": ["on_track", "at_risk"]})
    ax = plots.status_timeline(history, xlabel=report.texts("common", "en")("label_n"))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Q4\n2019", "Q1\n2020*"]
    plots.close(ax)


# ------------------------------------------------------------------ the scanner itself


def test_scan_finds_latin_words_and_names_where():
    page = ("<html><head><title>Мониторинг</title></head><body>"
            "<p>Правно основание: ЗНА art. 26(4); project target</p>"
            "<p>Тримесечие 2019Q1; записва броя (checklist_met)</p>"
            "<img alt='Фигура: participation model'>"
            "<details class='code'><summary>Код</summary><pre>import pandas</pre></details>"
            "<p>Тест на Уилкоксън: W = 210,5; p &lt; 0,001; n = 71; d_z на Коен; ICC(2,k); CAF; IAP2;"
            " Deville и Särndal; strategy.bg; https://example.org/x; data/reference/README.md;"
            " BG05SFOP001-2.009-0033-C03</p>"
            "<footer class='colophon'>sha256 numpy 2.0</footer></body></html>")
    hits = report_text.latin_words(page, "demo.bg/report.html")
    assert [h.word for h in hits] == ["art", "project", "target", "2019Q1", "checklist_met",
                                      "participation", "model"]
    message = report_text.describe(hits, "Latin-script words in Bulgarian reports")
    assert "demo.bg/report.html: 'art' in “Правно основание: ЗНА art. 26(4); project target”" in message
    assert "ALLOWED in tests/report_text.py" in message


def test_scan_of_an_outputs_folder(tmp_path):
    for run, body in (("x.bg", "<p>Оценка 0,42; p = 0,000</p>"), ("x.en", "<p>All fine, p = 0.000</p>"),
                      ("y.bg", "<p>Всичко е наред; p &lt; 0,001</p>")):
        (tmp_path / run).mkdir()
        (tmp_path / run / "report.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    latin, zeros = report_text.scan(tmp_path)
    assert latin == []  # English words in an English report are fine
    assert [(h.report, h.word) for h in zeros] == [("x.bg/report.html", "p = 0,000"),
                                                  ("x.en/report.html", "p = 0.000")]
    assert report_text.main(["report_text", str(tmp_path)]) == 1
