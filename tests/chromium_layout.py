"""Measuring a page's layout in headless Chromium (used by the slow layout and PDF tests).

:func:`measure` opens a copy of an HTML page at a window width with a probe script appended; the
probe writes, into the DOM, the width of every ``<table>`` and of the box that holds it and the
page's own scroll width, and Chromium's ``--dump-dom`` hands that back as JSON. The report itself
carries no script; only the measured copy does.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

PROBE = """<script>
window.addEventListener('load', function () { setTimeout(function () {
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
  var result = JSON.stringify({viewport: window.innerWidth,
    page: document.documentElement.scrollWidth, main: main.clientWidth, tables: tables});
  if (window.parent !== window) { window.parent.postMessage(result, '*'); return; }
  var out = document.createElement('pre');
  out.id = 'layout-probe';
  out.textContent = result;
  document.body.appendChild(out);
}, 50); });
</script>"""

#: Chromium's window is at least 500 px wide: narrower widths are measured in an iframe.
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" style="width:{width}px;height:{height}px;border:0"></iframe>
<script>window.addEventListener('message', function (e) {{
  var out = document.createElement('pre'); out.id = 'layout-probe'; out.textContent = e.data;
  document.body.appendChild(out); }});</script></body></html>"""

_RESULT = re.compile(r'<pre id="layout-probe">(.*?)</pre>', re.S)


def chromium() -> str | None:
    """The Chromium binary, or None."""
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def measure(page: Path, width: int, height: int = 900) -> dict:
    """Layout of ``page`` at ``width`` CSS pixels: ``{viewport, page, main, tables: [...]}``."""
    binary = chromium()
    assert binary, "headless Chromium not found (/usr/bin/chromium): run scripts/setup-system.sh"
    text = page.read_text(encoding="utf-8")
    assert "</body>" in text
    with tempfile.TemporaryDirectory(prefix="ruse-layout-") as tmp:
        probed = page.parent / f".layout-probe-{width}.html"  # beside the page: same relative paths
        probed.write_text(text.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
        target = probed
        if width < 500:
            target = page.parent / f".layout-frame-{width}.html"
            target.write_text(FRAME.format(src=probed.name, width=width, height=height), encoding="utf-8")
        try:
            cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", f"--user-data-dir={tmp}",
                   f"--window-size={width if width >= 500 else 540},{height + 40}", "--hide-scrollbars",
                   "--virtual-time-budget=3000", "--dump-dom", target.resolve().as_uri()]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        finally:
            probed.unlink(missing_ok=True)
            target.unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr[-2000:]
    found = _RESULT.search(done.stdout)
    assert found, "the layout probe did not run: " + done.stderr[-1000:]
    return json.loads(html.unescape(found.group(1)))


def overflowing(layout: dict) -> list[dict]:
    """The tables wider than their container."""
    return [t for t in layout["tables"] if t["overflow"]]
