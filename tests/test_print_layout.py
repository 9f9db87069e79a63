"""Every report reads on a laptop, a phone and paper, and the synthetic flag travels.

The whole study runs once into a copy of the project (or, to check outputs already built,
``RUSE_RESEARCH_TEST_OUTPUTS=outputs``). Then, in headless Chromium (:mod:`chromium_layout`):

* at 1280 px no table of any report is wider than the box that holds it;
* at 390 px neither a report (its key findings included) nor the index scrolls sideways: wide
  tables scroll inside their own box;

and in each ``report.pdf`` (read with pypdf): every page is A4 (595 x 842 pt), carries its number
("3 / 12") and, for a synthetic run, the synthetic flag of the running header. Every exported
CSV/XLSX/PNG/SVG of a synthetic run carries the flag, except the finance figures of the
civic-monitoring report when the profile's project is a public record (``project.public``, Ruse's
is), which carry their source instead.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import sys
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from ruse_research.data import profile

sys.path.insert(0, str(Path(__file__).parent))
from chromium_layout import chromium, measure_pages, overflowing  # noqa: E402

pytestmark = pytest.mark.slow  # runs the whole study and drives Chromium

ROOT = Path(__file__).resolve().parents[1]
RUNS = sorted(p.stem for p in (ROOT / "params").glob("*.yaml"))
FLAG = {"bg": "СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ", "en": "SYNTHETIC DEMONSTRATION DATA"}
REAL = {"bg": "РЕАЛНИ ПУБЛИЧНИ ДАННИ", "en": "REAL PUBLIC DATA"}
#: Artifacts of real public figures (the project's finance on its public page), when the active
#: profile's project is a public record; an invented project's are flagged like synthetic data.
FINANCE_ARTIFACTS = {"finance", "timeline", "finance_absorption"}
REAL_ARTIFACTS = FINANCE_ARTIFACTS if profile.load().project.get("public") is True else set()


@pytest.fixture(scope="module")
def outputs(request) -> Path:
    given = os.environ.get("RUSE_RESEARCH_TEST_OUTPUTS")
    if given:
        return (ROOT / given).resolve()
    assert chromium(), "headless Chromium not found (/usr/bin/chromium): run scripts/setup-system.sh"
    return request.getfixturevalue("shared_study") / "outputs"


def _lang(run: str) -> str:
    return run.rsplit(".", 1)[-1]


REPORTS = [f"{run}/report.html" for run in RUNS]
#: (page, window width) of every measurement below
MEASURED = [*((page, 1280) for page in REPORTS), *((page, 390) for page in [*REPORTS, "index.html"])]


@pytest.fixture(scope="module")
def layouts(outputs) -> dict[tuple[str, int], dict]:
    """Every page of :data:`MEASURED` measured in one headless Chromium (one start, not 17)."""
    return dict(zip(MEASURED, measure_pages([(outputs / page, width) for page, width in MEASURED]),
                    strict=True))


@pytest.mark.parametrize("run", RUNS)
def test_no_table_is_wider_than_its_container_at_1280(layouts, run):
    layout = layouts[(f"{run}/report.html", 1280)]
    assert layout["viewport"] == 1280
    assert layout["tables"], "the probe found no table"
    assert overflowing(layout) == []
    assert layout["page"] <= 1280


@pytest.mark.parametrize("page", [*REPORTS, "index.html"])
def test_nothing_scrolls_sideways_at_390(layouts, page):
    layout = layouts[(page, 390)]
    assert layout["viewport"] == 390
    # the page itself (title block, key findings, text, figures) fits; wide tables scroll in their box
    assert layout["page"] <= 391, layout


def test_the_table_probe_sees_overflow(tmp_path):
    """Positive control: a table wider than its box, and a page wider than the phone, are seen."""
    assert chromium(), "headless Chromium not found (/usr/bin/chromium): run scripts/setup-system.sh"
    page = tmp_path / "wide.html"
    page.write_text('<html><body><main><div style="width:200px"><table><tr><td style="white-space:'
                    'nowrap">' + "wide " * 80 + '</td></tr></table></div><div style="width:600px">x</div>'
                    '</main></body></html>', encoding="utf-8")
    laptop, phone = measure_pages([(page, 1280), (page, 390)])
    assert [t["index"] for t in overflowing(laptop)] == [0] and laptop["page"] > 1280
    assert phone["viewport"] == 390 and phone["page"] > 391


def _pdf_pages(path: Path) -> list[tuple[float, float, str]]:
    import pypdf

    reader = pypdf.PdfReader(path)
    return [(float(p.mediabox.width), float(p.mediabox.height), " ".join(p.extract_text().split()))
            for p in reader.pages]


@pytest.mark.parametrize("run", RUNS)
def test_pdf_is_a4_numbered_and_flagged_on_every_page(outputs, run):
    pages = _pdf_pages(outputs / run / "report.pdf")
    assert len(pages) >= 2
    for number, (width, height, text) in enumerate(pages, start=1):
        assert width == pytest.approx(595.3, abs=1.0) and height == pytest.approx(841.9, abs=1.0)
        assert f"{number} / {len(pages)}" in text, (number, text[:200])
        assert FLAG[_lang(run)] in text, (number, text[:200])


@pytest.mark.parametrize("run", RUNS)
def test_every_export_of_a_synthetic_run_carries_the_flag(outputs, run):
    lang = _lang(run)
    folder = outputs / run
    tables = sorted((folder / "tables").glob("*.csv"))
    figures = sorted((folder / "figures").glob("*.png"))
    assert tables and figures
    for csv in tables:
        raw = csv.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), csv.name
        first = raw[3:].decode("utf-8").split("\n", 1)[0].lstrip('"')
        wanted = REAL[lang] if csv.stem in REAL_ARTIFACTS and run.startswith("civic") else FLAG[lang]
        assert first.startswith(f"# {wanted}"), (csv.name, first)
        note = openpyxl.load_workbook(csv.with_suffix(".xlsx")).active["A1"].value
        assert note.startswith(wanted), csv.name
    for png in figures:
        real = png.stem in REAL_ARTIFACTS and run.startswith("civic")
        image = Image.open(png)
        assert [round(v) for v in image.info["dpi"]] == [300, 300], png.name
        key = "Source" if real else "Disclaimer"
        assert image.text[key].startswith(REAL[lang] if real else FLAG[lang]), png.name
        svg = png.with_suffix(".svg").read_text(encoding="utf-8")
        assert re.search(f"<desc>{REAL[lang] if real else FLAG[lang]}", svg), png.name
    # the kernel drew the band (the runner asked for it): the file is the notebook's image, plus its note
    shown = {(o.get("metadata") or {}).get("ruse", {}).get("name"): o["data"]["image/png"]
             for cell in json.loads((folder / "notebook.ipynb").read_text(encoding="utf-8"))["cells"]
             for o in cell.get("outputs", []) if "image/png" in o.get("data", {})}
    for png in figures:
        assert Image.open(png).size == Image.open(io.BytesIO(base64.b64decode(shown[png.stem]))).size, png.name


def test_real_finance_is_not_flagged_synthetic(outputs):
    public = bool(REAL_ARTIFACTS)
    source = profile.load().project["source"]
    for lang in ("bg", "en"):
        folder = outputs / f"civic_monitoring.{lang}"
        # the note is quoted when the title holds the CSV delimiter, as in the test above
        first = (folder / "tables" / "finance.csv").read_text(encoding="utf-8-sig").split("\n", 1)[0].lstrip('"')
        assert (FLAG[lang] not in first and source[lang] in first) if public else first.startswith(f"# {FLAG[lang]}")
        report = (folder / "report.html").read_text(encoding="utf-8")
        # finance, absorption figure, timeline
        assert report.count('class="ruse-source"') == (3 if public else 0)
