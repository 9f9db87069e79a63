"""report.pdf: printed by headless Chromium when it is there; without it the run goes on and says why."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import nbformat
import pytest

from ruse_research.runner import html, pdf, pipeline, provenance


def _record():
    return provenance.build_record(
        run="demo.en", title="Demo", notebook="n.ipynb", lang="en", parameters={"lang": "en"},
        overrides={}, inputs={}, git={"commit": "f" * 40, "dirty": False}, packages={"python": "3.11"},
        started=datetime(2026, 1, 1, tzinfo=UTC), duration_s=1.0, status="ok", cache_key="0" * 64,
        cache_components={}, synthetic=True, tables=[], figures=[])


def _notebook():
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Results", metadata={"tags": ["narrative"]})])


SPEC = SimpleNamespace(lang="en", title="Demo", description="")


def test_without_chromium_the_report_is_written_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, "")
    record = _record()
    pipeline._write_report(_notebook(), SPEC, record, tmp_path)
    assert not (tmp_path / "report.pdf").exists()
    assert record["pdf"] == {"file": None, "reason": pipeline.NO_CHROMIUM}
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f"not made: {pipeline.NO_CHROMIUM}" in page


def test_a_failing_print_leaves_the_report_and_its_reason(tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, "/bin/false")
    record = _record()
    pipeline._write_report(_notebook(), SPEC, record, tmp_path)
    assert record["pdf"]["file"] is None and "Chromium exited with 1" in record["pdf"]["reason"]
    assert "not made: report.html: Chromium exited with 1" in (tmp_path / "report.html").read_text()


@pytest.mark.slow
def test_chromium_prints_a4_with_numbered_pages(tmp_path, monkeypatch):
    import pypdf

    monkeypatch.delenv(pdf.CHROMIUM_ENV, raising=False)
    assert pdf.find_chromium(), "headless Chromium not found: run scripts/setup-system.sh"
    record = _record()
    pipeline._write_report(_notebook(), SPEC, record, tmp_path)
    assert record["pdf"] == {"file": "report.pdf"}
    pages = pypdf.PdfReader(tmp_path / "report.pdf").pages
    assert len(pages) >= 2  # the colophon starts a page
    for number, page in enumerate(pages, start=1):
        assert float(page.mediabox.width) == pytest.approx(595.3, abs=1)
        assert float(page.mediabox.height) == pytest.approx(841.9, abs=1)
        text = " ".join(page.extract_text().split())
        assert f"{number} / {len(pages)}" in text
        assert "Demo — SYNTHETIC DEMONSTRATION DATA" in text


@pytest.mark.slow
def test_the_long_lived_browser_prints_what_a_one_shot_chromium_prints_and_is_reused(tmp_path, monkeypatch):
    import pypdf

    monkeypatch.delenv(pdf.CHROMIUM_ENV, raising=False)
    binary = pdf.find_chromium()
    assert binary, "headless Chromium not found: run scripts/setup-system.sh"
    page = tmp_path / "report.html"
    page.write_text(html.render_report(_notebook(), lang=SPEC.lang, title=SPEC.title, record=_record(),
                                       description=SPEC.description), encoding="utf-8")
    try:
        pdf.print_pdf(page, tmp_path / "browser.pdf", binary)
        first = pdf._current.process
        pdf.print_pdf(page, tmp_path / "again.pdf", binary)
        assert pdf._current.process is first and first.poll() is None, "the second print started a new Chromium"
        first.kill()  # a browser that died is replaced at the next print
        first.wait()
        pdf.print_pdf(page, tmp_path / "after.pdf", binary)
        last = pdf._current.process
        assert last is not first
    finally:
        pdf.close_browser()
    assert pdf._current is None and last.poll() is not None, "close_browser left Chromium running"
    pdf._print_once(page, tmp_path / "once.pdf", binary, timeout=pdf.TIMEOUT_S)

    def pages(name):
        return [(round(float(p.mediabox.width)), round(float(p.mediabox.height)), p.extract_text())
                for p in pypdf.PdfReader(tmp_path / name).pages]

    assert pages("browser.pdf") == pages("once.pdf") == pages("again.pdf") == pages("after.pdf")
    assert len(pages("once.pdf")) >= 2
