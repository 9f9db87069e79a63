"""The reports open with their key findings, and the index fits a phone, measured in Chromium.

The whole study is run once from scratch in a copy of the project; every ``report.html`` is
loaded in headless Chromium at 1280 px with a probe script that writes measurements into the
DOM (``--dump-dom``): the key-findings heading must start in the top 15 % of the page and be
linked from the table of contents. At 390 px nothing in the key findings, and nothing on
``index.html``, may be wider than the viewport.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_html_safety import chromium_binary

pytestmark = pytest.mark.slow  # runs the study / drives Chromium

#: The key-findings heading's top, as a share of the page height, must be below this.
TOP_SHARE = 0.15
FINDINGS = {"en": "Key findings", "bg": "Основни изводи"}

PROBE = """<script>window.addEventListener('load', function () {
  var doc = document.documentElement, out = {height: doc.scrollHeight, width: doc.scrollWidth,
      viewport: window.innerWidth, headings: [], toc: [], wide: []};
  document.querySelectorAll('h1, h2, h3, h4, h5, h6').forEach(function (h) {
    out.headings.push({level: +h.tagName[1], text: h.textContent.trim(), id: h.id,
                       top: h.getBoundingClientRect().top + window.scrollY});
  });
  document.querySelectorAll('nav.toc a').forEach(function (a) { out.toc.push(a.getAttribute('href')); });
  document.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && getComputedStyle(e).position !== 'fixed') {
      out.wide.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right));
    }
  });
  // elements of the key-findings section (from its heading to the next h2) wider than the screen
  var hs = out.headings.filter(function (h) { return h.text === 'Key findings' || h.text === 'Основни изводи'; });
  out.findings_wide = [];
  if (hs.length) {
    var top = hs[0].top, next = out.headings.filter(function (h) { return h.level <= 2 && h.top > top; });
    var bottom = next.length ? next[0].top : doc.scrollHeight;
    document.querySelectorAll('main *').forEach(function (e) {
      var r = e.getBoundingClientRect(), y = r.top + window.scrollY;
      if (y >= top && y < bottom && r.right > window.innerWidth + 1) {
        out.findings_wide.push(e.tagName + ' ' + Math.round(r.right));
      }
    });
  }
  var host = window.parent !== window ? window.parent.document : document;
  var box = host.createElement('pre'); box.id = 'ruse-probe';
  box.textContent = JSON.stringify(out); host.body.appendChild(box);
});</script>"""


#: Headless Chromium does not make windows narrower than 500 px: narrower screens are an iframe.
MIN_WINDOW = 500


def measure(page: Path, width: int, profile: Path) -> dict:
    """Load ``page`` at ``width`` px in headless Chromium; the probe's measurements.

    Below :data:`MIN_WINDOW` the page is shown in an iframe of that width (its viewport is then
    ``width``) and the probe writes into the parent document (same origin with
    ``--allow-file-access-from-files``).
    """
    probed = page.with_name(f".probe-{page.name}")
    text = page.read_text(encoding="utf-8")
    probed.write_text(text.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    target, frame = probed, None
    if width < MIN_WINDOW:
        frame = page.with_name(f".frame-{page.name}")
        frame.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe src="{probed.name}" '
                         f'style="width:{width}px;height:900px;border:0"></iframe></body></html>', encoding="utf-8")
        target = frame
    cmd = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--disable-background-networking", "--no-first-run", f"--user-data-dir={profile}",
           "--allow-file-access-from-files", f"--window-size={max(width, MIN_WINDOW)},900",
           "--virtual-time-budget=5000", "--dump-dom", target.resolve().as_uri()]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    finally:
        probed.unlink()
        if frame is not None:
            frame.unlink()
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="ruse-probe">(.*?)</pre>', result.stdout, re.S)
    assert found, f"the probe did not run in {page}"
    return json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def check_report(m: dict, lang: str) -> None:
    """The key-findings heading is in the top 15 % of the page and in the table of contents."""
    found = [h for h in m["headings"] if h["text"] == FINDINGS[lang]]
    assert len(found) == 1, f"expected one '{FINDINGS[lang]}' heading, found {found}"
    heading = found[0]
    assert heading["level"] == 2
    assert heading["top"] / m["height"] < TOP_SHARE, (
        f"key findings start at {heading['top'] / m['height']:.0%} of the page height")
    assert f"#{heading['id']}" in m["toc"], "the key findings are not in the table of contents"
    levels = [h["level"] for h in m["headings"]]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), f"heading levels skip: {levels}"


@pytest.fixture(scope="module")
def study(shared_study):
    return shared_study / "outputs"


def test_every_report_opens_with_its_key_findings(study, tmp_path):
    reports = sorted(study.glob("*/report.html"))
    assert len(reports) == len(list((study.parent / "params").glob("*.yaml"))) >= 8
    for page in reports:
        lang = page.parent.name.rsplit(".", 1)[-1]
        check_report(measure(page, 1280, tmp_path / "chromium"), lang)


def test_the_key_findings_fit_a_phone_screen(study, tmp_path):
    for page in sorted(study.glob("*/report.html")):
        m = measure(page, 390, tmp_path / "chromium")
        assert m["viewport"] == 390
        assert not m["findings_wide"], f"{page.parent.name}: key findings wider than 390 px: {m['findings_wide'][:5]}"


def test_the_index_fits_a_phone_screen(study, tmp_path):
    m = measure(study / "index.html", 390, tmp_path / "chromium")
    assert m["width"] <= m["viewport"], f"index is {m['width']} px wide at {m['viewport']} px"
    assert not m["wide"], f"elements wider than the screen: {m['wide'][:5]}"


def test_measure_reads_a_page(tmp_path):
    """The probe itself: a page whose heading sits low fails the check."""
    if not shutil.which("chromium") and not Path("/usr/bin/chromium").exists():
        pytest.fail("headless Chromium not found")
    page = tmp_path / "p.html"
    page.write_text('<html><body><nav class="toc"><a href="#key-findings">x</a></nav>'
                    '<div style="height:3000px"></div><h2 id="key-findings">Key findings</h2>'
                    '<div style="height:500px"></div></body></html>', encoding="utf-8")
    m = measure(page, 1280, tmp_path / "chromium")
    with pytest.raises(AssertionError, match="key findings start at"):
        check_report(m, "en")
    wide = tmp_path / "wide.html"
    wide.write_text('<html><body><div style="width:600px">x</div></body></html>', encoding="utf-8")
    narrow = measure(wide, 390, tmp_path / "chromium")
    assert narrow["viewport"] == 390 and narrow["wide"], "the 390 px probe does not see overflow"


def test_every_cross_reference_and_citation_has_its_target(study):
    """Links to tables, figures and references resolve; tables and figures carry their numbers."""
    for page in sorted(study.glob("*/report.html")):
        text = page.read_text(encoding="utf-8")
        ids = set(re.findall(r'\sid="([^"]+)"', text))
        links = re.findall(r'<a href="#((?:table|figure|ref)-[a-z0-9_]+)">([^<]*)</a>', text)
        assert links, f"{page.parent.name}: no cross-references"
        for target, label in links:
            assert target in ids, f"{page.parent.name}: link to #{target} has no target"
            if not target.startswith("ref-"):
                assert re.fullmatch(r"(Таблица|Фигура|Table|Figure) \d+", label), (page.parent.name, target, label)
        assert re.search(r'<figcaption><span class="ruse-number">(Фигура|Figure) 1\.</span>', text)
        assert re.search(r'<caption><span class="ruse-number">(Таблица|Table) 1\.</span>', text)
