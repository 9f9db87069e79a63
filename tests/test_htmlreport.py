"""Reviewer reports: hidden code, table of contents, offline, escaped respondent text, colophon."""

from __future__ import annotations

import base64
import copy
import re
from datetime import UTC, datetime

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ruse_research.runner import html as htmlreport
from ruse_research.runner import provenance

PNG_1x1 = base64.b64encode(
    bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                  "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
).decode()


def record(lang="en", status="ok", error=None, dirty=True):
    return provenance.build_record(
        run=f"demo.{lang}", title="Demo", notebook="notebooks/01_demo.ipynb", lang=lang,
        parameters={"lang": lang, "staff_path": "data/raw/staff.csv", "alpha": 0.05},
        overrides={"lang": lang}, inputs={"data/raw/staff.csv": "a" * 64, "data/codebooks/staff.yaml": "b" * 64},
        git={"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": dirty},
        packages=provenance.package_versions(), started=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        duration_s=12.25, status=status, cache_key="c" * 64, cache_components={}, synthetic=True,
        tables=[], figures=[], error=error)


def notebook():
    return new_notebook(cells=[
        new_markdown_cell("# Въведение\n\nNotes <img src=x onerror=alert(1)> for readers.", metadata={"tags": ["narrative"]}),
        new_markdown_cell("## The model\n\n*Note for readers of the `.ipynb`:* narrative lives in the catalog."),
        new_code_cell("import this", metadata={"tags": ["parameters"]}, execution_count=1),
        new_code_cell("show()", execution_count=2, outputs=[
            new_output("display_data", data={"text/markdown": "## Резултати\n\n<script>alert('x')</script>",
                                             "text/plain": "Резултати"}),
            new_output("display_data", data={
                "text/html": '<table class="t" onclick="steal()"><caption>Таблица</caption><thead><tr><th>група</th>'
                             '<th>n</th></tr></thead><tbody><tr><td>а</td><td>12</td></tr></tbody></table>'
                             '<script>alert(2)</script><style>body{display:none}</style>'
                             '<img src="https://tracker.example/p.gif"><a href="javascript:alert(3)">x</a>',
                "text/plain": "table"}),
            new_output("stream", name="stdout", text="<b>respondent: Иван</b>\n"),
            new_output("display_data", data={"image/png": PNG_1x1, "text/plain": "Фигура 1"},
                       metadata={"ruse": {"kind": "figure", "name": "f"}}),
            new_output("display_data", data={"text/markdown": "### Подробности $x^2$", "text/plain": ""}),
        ]),
        new_code_cell("secret_helper()", metadata={"tags": ["remove-input"]}, execution_count=3),
        new_code_cell("x = 1\n", execution_count=4, outputs=[
            new_output("display_data", data={"application/javascript": "alert(4)", "text/plain": "js"})]),
    ])


@pytest.fixture(scope="module")
def page_bg():
    return htmlreport.render_report(notebook(), lang="bg", title="Демо <отчет>", record=record("bg"),
                                    description="Описание")


def test_page_language_and_title(page_bg):
    assert page_bg.startswith("<!DOCTYPE html>\n<html lang=\"bg\">")
    # a synthetic run says so in the title (browser tab, bookmarks, the PDF's metadata)
    assert "<title>Демо &lt;отчет&gt; — СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ</title>" in page_bg


def test_print_rules_a4_page_numbers_and_running_header(page_bg):
    style = re.search(r"<style>(.*?)</style>", page_bg, re.S).group(1)
    assert "size: A4" in style
    assert 'content: counter(page) " / " counter(pages)' in style
    # the running header: title and flag, as a CSS string with < and > escaped
    assert '@top-center { content: "Демо \\3c отчет\\3e  — СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ"' in style
    assert "</style" not in style


def test_a_real_public_table_is_marked_with_its_source():
    import nbformat

    data = {"text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "1"}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data=data,
                               metadata={"ruse": {"kind": "table", "name": "finance", "source": "ИСУН"}})])])
    page = htmlreport.render_report(nb, lang="bg", title="Т", record=record("bg"))
    assert '<p class="ruse-source">РЕАЛНИ ПУБЛИЧНИ ДАННИ, източник: ИСУН</p>' in page
    assert '<a href="tables/finance.csv">CSV</a> <a href="tables/finance.xlsx">XLSX</a>' in page


def test_table_of_contents_from_markdown_cells_and_outputs(page_bg):
    toc = re.search(r'<nav class="toc".*?</nav>', page_bg, re.S).group(0)
    entries = re.findall(r'<li class="toc-level-(\d)"><a href="#([^"]+)">([^<]+)</a>', toc)
    assert entries == [("1", "въведение", "Въведение"), ("2", "резултати", "Резултати"),
                       ("3", "подробности-x-2", "Подробности $x^2$"), ("1", "colophon", "Колофон")]
    for anchor in ("въведение", "резултати", "подробности-x-2", "colophon"):
        assert f'id="{anchor}"' in page_bg


def test_notes_for_notebook_readers_stay_out_of_the_report(page_bg):
    # an untagged markdown cell speaks to readers of the .ipynb (in one language, about files)
    assert "The model" not in page_bg
    assert "Note for readers" not in page_bg and "narrative lives in the catalog" not in page_bg
    assert '<details class="note">' not in page_bg
    assert "Notes &lt;img" in page_bg  # a cell tagged narrative is part of the report


def test_code_hidden_but_revealable_and_remove_input_honoured(page_bg):
    assert page_bg.count('<details class="code">') == 3  # 4 code cells, one tagged remove-input
    assert "<summary>Код" in page_bg
    assert "secret_helper" not in page_bg


def test_nothing_executes_and_nothing_remote(page_bg):
    assert "<script" not in page_bg
    assert "onclick" not in page_bg and "onerror=alert" not in page_bg.replace("onerror=alert(1)&gt;", "")
    assert "javascript:" not in page_bg
    assert 'src="http' not in page_bg and "tracker.example" not in page_bg
    assert "<style>body{display:none}" not in page_bg
    assert "alert(4)" not in page_bg  # application/javascript outputs are dropped
    assert "mathjax" not in page_bg.lower()
    assert re.findall(r'<img[^>]*src="([^":]+):', page_bg) == ["data"]


def test_respondent_text_is_escaped(page_bg):
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page_bg or "&lt;script&gt;alert('x')&lt;/script&gt;" in page_bg
    assert "&lt;b&gt;respondent: Иван&lt;/b&gt;" in page_bg
    assert "Notes &lt;img src=x onerror=alert(1)&gt; for readers." in page_bg


def test_tables_survive_sanitising(page_bg):
    assert '<table class="t"><caption>Таблица</caption><thead><tr><th>група</th><th>n</th></tr></thead>' in page_bg


def test_figures_inline_with_caption_as_alt(page_bg):
    assert f'src="data:image/png;base64,{PNG_1x1}"' in page_bg
    assert 'alt="Фигура 1"' in page_bg


def test_colophon_in_the_run_language(page_bg):
    colophon = page_bg[page_bg.index('<footer id="colophon"'):]
    for text in ("Колофон", "0123456789abcdef0123456789abcdef01234567",
                 "работното копие е имало непубликувани промени", "2026-11-27T09:30:00+00:00", "12,3 с",
                 "a" * 64, "data/codebooks/staff.yaml", "Версии на пакетите", "papermill", "nbconvert",
                 '<code>"data/raw/staff.csv"</code>', "от файла с параметри", "стойност по подразбиране", "синтетични демонстрационни данни"):
        assert text in colophon, text
    page_en = htmlreport.render_report(notebook(), lang="en", title="Demo", record=record("en", dirty=False))
    assert "<h2>Colophon</h2>" in page_en and "clean working tree" in page_en and "Колофон" not in page_en


def test_print_friendly_and_cyrillic_font_stack(page_bg):
    assert "@media print" in page_bg
    assert '"DejaVu Sans"' in page_bg and '"Noto Sans"' in page_bg


def test_failure_banner_points_to_the_failing_cell():
    nb = notebook()
    nb.cells.insert(0, new_markdown_cell('<span style="color:red">An Exception was encountered at '
                                         '<a href="#papermill-error-cell">In [4]</a>.</span>',
                                         metadata={"tags": ["papermill-error-cell-tag"]}))
    nb.cells.insert(5, new_markdown_cell('<span id="papermill-error-cell" style="color:red">Execution using '
                                         'papermill encountered an exception here and stopped:</span>',
                                         metadata={"tags": ["papermill-error-cell-tag"]}))
    nb.cells[5 + 1].outputs = [new_output("error", ename="KeyError", evalue="'staff_path'",
                                          traceback=["\x1b[0;31mKeyError\x1b[0m: <b>'staff_path'</b>"])]
    error = {"cell": 5, "execution_count": 4, "ename": "KeyError", "evalue": "'staff_path'"}
    page = htmlreport.render_report(nb, lang="en", title="Demo", record=record(status="failed", error=error))
    assert "This run failed." in page and "cell 5: KeyError: &#39;staff_path&#39;" in page
    assert page.count('id="papermill-error-cell"') == 1 and 'href="#papermill-error-cell"' in page
    assert "An Exception was encountered" not in page  # papermill's own banner is replaced by ours
    assert "&lt;b&gt;&#39;staff_path&#39;&lt;/b&gt;" in page or "&lt;b&gt;'staff_path'&lt;/b&gt;" in page


def test_duplicate_headings_get_unique_ids():
    body, toc = htmlreport.add_heading_ids('<h2 id="x">A</h2><h3>A</h3><h2>Colophon</h2><h4>deep</h4>')
    assert [e["id"] for e in toc] == ["a", "a-2", "colophon-2"]
    assert "<h4>deep</h4>" in body


def test_report_is_deterministic_for_the_same_notebook_and_record():
    nb = notebook()
    first = htmlreport.render_report(nb, lang="en", title="Demo", record=record())
    second = htmlreport.render_report(nbformat.from_dict(copy.deepcopy(nb)), lang="en", title="Demo", record=record())
    assert first == second


def test_labels_come_from_the_locale_catalog_in_both_languages():
    from ruse_research import _yaml
    from ruse_research.i18n import LANGUAGES

    catalog = _yaml.load_file(htmlreport.LOCALE_FILE)
    assert all(set(texts) == set(LANGUAGES) and all(texts.values()) for texts in catalog.values())
    assert htmlreport.labels("bg")["colophon"] == catalog["colophon"]["bg"] == "Колофон"
    assert htmlreport.labels("xx") == htmlreport.labels("en")  # unknown language: English


def test_no_language_state_between_reports():
    # rendering in one language leaves nothing behind for the next report
    nb = notebook()
    bg = htmlreport.render_report(nb, lang="bg", title="Демо", record=record("bg"))
    en = htmlreport.render_report(nb, lang="en", title="Demo", record=record("en"))
    bg_again = htmlreport.render_report(nb, lang="bg", title="Демо", record=record("bg"))
    assert "Колофон" in bg and "Колофон" not in en and bg == bg_again
