"""Measuring pages' layout in headless Chromium (used by the slow layout and PDF tests).

:func:`measure_pages` opens many pages in one Chromium: a host page holds one iframe per page,
each the width asked for, all at the top left of the window (on screen, so none is throttled).
Each iframe shows a copy of its page, in the call's own temporary folder, with a probe script
appended; the probe measures the page and posts ``{probe: id, result: ...}`` to the host, which
keeps every result it receives in a ``<pre>`` that Chromium's ``--dump-dom`` hands back as JSON. One Chromium start (1.5-2 s of wall
time) then serves a whole study's reports instead of one page. The reports themselves carry no
script; only the measured copies do.

Inside an iframe the viewport is the iframe's width, so widths below Chromium's 500 px window
minimum are measured the same way as wide ones.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import tempfile
from pathlib import Path

#: Body of a JavaScript function returning the table measurements of the page it runs in: the
#: width of every ``<table>`` and of the box that holds it, and the page's own scroll width.
TABLES = """
  var main = document.querySelector('main') || document.body;
  var tables = [];
  document.querySelectorAll('table').forEach(function (t, i) {
    var box = t.parentElement;
    var limit = Math.min(box.clientWidth, main.clientWidth || box.clientWidth);
    var width = t.getBoundingClientRect().width;
    var cap = t.querySelector('caption');
    tables.push({index: i, caption: cap ? cap.textContent.trim().slice(0, 80) : '',
                 classes: t.className, width: Math.round(width * 10) / 10, container: limit,
                 overflow: width > limit + 1, colophon: !!t.closest('.colophon')});
  });
  return {viewport: window.innerWidth, page: document.documentElement.scrollWidth,
          main: main.clientWidth, tables: tables};
"""

#: What is appended to a measured copy: runs ``body`` once the page has loaded and laid out.
_PROBE = """<script>
window.addEventListener('load', function () { setTimeout(function () {
  var result = (function () {
%s
  })();
  window.parent.postMessage(JSON.stringify({probe: %d, result: result}), '*');
}, 50); });
</script>"""

_HOST_HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<pre id="layout-probe">{}</pre>
<script>var got = {};
window.addEventListener('message', function (e) {
  var m = JSON.parse(e.data); got[m.probe] = m.result;
  document.getElementById('layout-probe').textContent = JSON.stringify(got); });</script>
"""
_FRAME = ('<iframe src="{src}" style="position:absolute;top:0;left:0;width:{width}px;'
          'height:{height}px;border:0"></iframe>\n')

_RESULT = re.compile(r'<pre id="layout-probe">(.*?)</pre>', re.S)


def chromium() -> str | None:
    """The Chromium binary, or None: the one the runner prints PDFs with (``RUSE_RESEARCH_CHROMIUM``,
    else ``chromium`` and its other names on ``PATH``)."""
    from ruse_research.runner.pdf import find_chromium

    return find_chromium()


def measure_pages(requests: list[tuple[Path, int]], probe: str = TABLES, height: int = 900) -> list[dict]:
    """The probe's result for each ``(page, width)`` of ``requests``, in order, from one Chromium.

    ``probe`` is the body of a JavaScript function run in each page once it has loaded; it
    returns what is measured (default :data:`TABLES`: ``{viewport, page, main, tables: [...]}``).
    """
    binary = chromium()
    assert binary, "headless Chromium not found (/usr/bin/chromium): run scripts/setup-system.sh"
    with tempfile.TemporaryDirectory(prefix="ruse-layout-") as tmp:
        host = [_HOST_HEAD]
        for number, (page, width) in enumerate(requests):
            text = page.read_text(encoding="utf-8")
            assert "</body>" in text, f"{page}: no </body>"
            # in this call's own folder, never beside the page: two workers may measure the
            # same shared report at once, and the reports are self-contained (inline CSS,
            # images as data: URIs), so nothing their layout needs is relative to them
            copy = Path(tmp) / f"page-{number}.html"
            copy.write_text(text.replace("</body>", _PROBE % (probe, number) + "</body>", 1),
                            encoding="utf-8")
            host.append(_FRAME.format(src=copy.as_uri(), width=width, height=height))
        host.append("</body></html>")
        target = Path(tmp) / "host.html"
        target.write_text("".join(host), encoding="utf-8")
        widest = max(width for _, width in requests)
        cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", f"--user-data-dir={tmp}/profile",
               f"--window-size={max(widest, 500) + 40},{height + 40}", "--hide-scrollbars",
               "--virtual-time-budget=10000", "--dump-dom", target.as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120 + 20 * len(requests))
    assert done.returncode == 0, done.stderr[-2000:]
    found = _RESULT.search(done.stdout)
    assert found, "the host page was not dumped: " + done.stderr[-1000:]
    results = json.loads(html.unescape(found.group(1)))
    missing = [f"{page} at {width} px" for number, (page, width) in enumerate(requests)
               if str(number) not in results]
    assert not missing, "the layout probe did not report from " + ", ".join(missing)
    return [results[str(number)] for number in range(len(requests))]


def overflowing(layout: dict) -> list[dict]:
    """The tables wider than their container."""
    return [t for t in layout["tables"] if t["overflow"]]
