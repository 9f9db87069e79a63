"""The reports open with their key findings, and the index fits a phone, measured in Chromium.

The whole study is run once from scratch in a copy of the project (the session's shared study);
every ``report.html`` is loaded in headless Chromium at 1280 and 390 px, all in one Chromium
(:func:`chromium_layout.measure_pages`), with a probe script that measures the page: the
key-findings heading must start in the top 15 % of the page and be linked from the table of contents. At 390 px nothing in the key findings, and nothing on
``index.html``, may be wider than the viewport.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from chromium_layout import chromium, measure_pages

pytestmark = pytest.mark.slow  # runs the study / drives Chromium

#: The key-findings heading's top, as a share of the page height, must be below this.
TOP_SHARE = 0.15
FINDINGS = {"en": "Key findings", "bg": "Основни изводи"}

#: Body of the probe (see :func:`chromium_layout.measure_pages`): headings with their top, the
#: table-of-contents links, and the elements wider than the screen (in the key findings and anywhere).
PROBE = """
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
  return out;
"""


def measure(requests: list[tuple[Path, int]]) -> list[dict]:
    """The probe's measurements of each ``(page, width)``, all from one headless Chromium."""
    return measure_pages(requests, probe=PROBE)


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


@pytest.fixture(scope="module")
def layouts(study) -> dict[tuple[str, int], dict]:
    """Every report at 1280 and 390 px and the index at 390 px, measured in one Chromium."""
    reports = sorted(p.parent.name for p in study.glob("*/report.html"))
    wanted = [*((f"{run}/report.html", 1280) for run in reports),
              *((f"{run}/report.html", 390) for run in reports), ("index.html", 390)]
    return dict(zip(wanted, measure([(study / page, width) for page, width in wanted]), strict=True))


def _reports(layouts, width: int) -> list[tuple[str, dict]]:
    return [(page.split("/")[0], m) for (page, w), m in layouts.items() if w == width and page != "index.html"]


def test_every_report_opens_with_its_key_findings(study, layouts):
    reports = _reports(layouts, 1280)
    assert len(reports) == len(list((study.parent / "params").glob("*.yaml"))) >= 8
    for run, m in reports:
        check_report(m, run.rsplit(".", 1)[-1])


def test_the_key_findings_fit_a_phone_screen(layouts):
    for run, m in _reports(layouts, 390):
        assert m["viewport"] == 390
        assert not m["findings_wide"], f"{run}: key findings wider than 390 px: {m['findings_wide'][:5]}"


def test_the_index_fits_a_phone_screen(layouts):
    m = layouts[("index.html", 390)]
    assert m["width"] <= m["viewport"], f"index is {m['width']} px wide at {m['viewport']} px"
    assert not m["wide"], f"elements wider than the screen: {m['wide'][:5]}"


def test_measure_reads_a_page(tmp_path):
    """The probe itself: a page whose heading sits low fails the check, and overflow is seen."""
    assert chromium(), "headless Chromium not found (/usr/bin/chromium): run scripts/setup-system.sh"
    page = tmp_path / "p.html"
    page.write_text('<html><body><nav class="toc"><a href="#key-findings">x</a></nav>'
                    '<div style="height:3000px"></div><h2 id="key-findings">Key findings</h2>'
                    '<div style="height:500px"></div></body></html>', encoding="utf-8")
    wide = tmp_path / "wide.html"
    wide.write_text('<html><body><div style="width:600px">x</div></body></html>', encoding="utf-8")
    m, narrow, broad = measure([(page, 1280), (wide, 390), (wide, 1280)])
    with pytest.raises(AssertionError, match="key findings start at"):
        check_report(m, "en")
    assert narrow["viewport"] == 390 and narrow["wide"], "the 390 px probe does not see overflow"
    assert broad["viewport"] == 1280 and not broad["wide"], "the 1280 px probe sees overflow that is not there"


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
