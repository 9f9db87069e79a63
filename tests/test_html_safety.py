"""Respondent text with script, HTML, markdown and LaTeX is shown as text in the report.

The privacy fixture project (tests/fixtures/privacy/) has comments carrying
``<script>window.__pwned=1…</script>``, ``<img src=x onerror=…>``, ``<svg onload=…>``,
``# heading``, ``**bold**``, ``[link](javascript:…)`` and ``$x^2$``. The notebook shows them
as quotes (``report.quote_list``), in a table (``report.show_table``) and in markdown
(``report.md`` + ``report.escape_md``). ``ruse-research run`` builds report.html, which is
opened in headless Chromium: no planted script may run, and each planted string must be
in the page as visible text.

Chromium comes from Debian's ``chromium`` package (the project's setup script installs it);
without it these tests fail rather than skip.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "privacy"))
import privacy_project as pp  # noqa: E402
from chromium_layout import chromium  # noqa: E402

pytestmark = pytest.mark.slow  # starts kernels / runs studies / drives Chromium

RUN = "privacy.en"

# A trusted probe appended to a copy of the page: after the page's own handlers had time to
# run (virtual time), it records window.__pwned and proves that JavaScript is enabled.
PROBE = (
    "<script>setTimeout(function () {"
    "document.documentElement.setAttribute('data-probe', 'ran:' + String(window.__pwned));"
    "}, 1500);</script>"
)


def chromium_binary() -> str:
    found = chromium()
    if not found:
        pytest.fail(
            "headless Chromium not found (/usr/bin/chromium): run the project's setup script, "
            "which installs Debian's chromium package"
        )
    return found


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM after scripts ran, as Chromium serialises it."""
    cmd = [
        chromium_binary(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<html" in result.stdout, result.stderr[-2000:]
    return result.stdout


def with_probe(page: Path, destination: Path) -> Path:
    text = page.read_text(encoding="utf-8")
    assert "</body>" in text
    destination.write_text(text.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    return destination


class _TextNodes(HTMLParser):
    """Text nodes of a document with the tags that enclose them."""

    HIDDEN = {"script", "style", "template", "noscript", "textarea", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.nodes: list[tuple[str, list[tuple[str, dict[str, str | None]]]]] = []

    VOID = {"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr", "source"}

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.nodes.append((data, list(self.stack)))


def visible_text(dom: str) -> str:
    """Text a reader sees: outside script/style/template/…, no ``hidden`` ancestor."""
    parser = _TextNodes()
    parser.feed(dom)
    keep = []
    for data, ancestors in parser.nodes:
        if any(tag in _TextNodes.HIDDEN or "hidden" in attrs for tag, attrs in ancestors):
            continue
        keep.append(data)
    return " ".join(" ".join(keep).split())


@pytest.fixture(scope="module")
def report_dom(tmp_path_factory) -> tuple[str, str]:
    """(DOM of report.html with the probe, raw report.html)."""
    chromium_binary()
    tmp = tmp_path_factory.mktemp("html_safety")
    root = pp.shared_run(tmp_path_factory)  # run once this session (shared with test_privacy_e2e)
    page = root / "outputs" / RUN / "report.html"
    probed = with_probe(page, tmp / "probed.html")
    return dump_dom(probed, tmp / "profile"), page.read_text(encoding="utf-8")


def test_detector_catches_unescaped_payloads(tmp_path):
    """Positive control: the same payloads, not escaped, do run in this Chromium."""
    body = "".join(f"<p>{payload}</p>" for payload in pp.MARKUP.values())
    page = tmp_path / "control.html"
    page.write_text(
        f"<!doctype html><html><head><title>ok</title></head><body>{body}</body></html>"
    )
    dom = dump_dom(with_probe(page, tmp_path / "control_probed.html"), tmp_path / "profile")
    assert 'data-probe="ran:1"' in dom  # window.__pwned was set
    assert "<title>PWNED</title>" in dom
    assert re.search(r'<html[^>]*data-pwned="', dom)


def test_no_planted_script_ran(report_dom):
    dom, _ = report_dom
    # JavaScript was on (the probe ran) and window.__pwned is still undefined.
    assert 'data-probe="ran:undefined"' in dom
    assert "data-pwned=" not in re.search(r"<html[^>]*>", dom).group(0)
    assert "<title>PWNED</title>" not in dom
    # No element carries an event handler or a javascript: link; the only script is the probe.
    assert not re.search(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=", dom)
    assert not re.search(r"<a\b[^>]*href\s*=\s*[\"']?\s*javascript:", dom, re.IGNORECASE)
    assert dom.count("<script") == 1


def test_raw_report_has_no_executable_markup(report_dom):
    _, page = report_dom
    assert "<script" not in page.lower()
    assert not re.search(r"<(img|svg|iframe|object|embed)\b[^>]*\son[a-z]+\s*=", page, re.I)
    assert "javascript:" not in " ".join(re.findall(r"(?:href|src)\s*=\s*\"[^\"]*\"", page))


@pytest.mark.parametrize("kind", sorted(pp.MARKUP))
def test_planted_markup_is_visible_as_text(report_dom, kind):
    dom, _ = report_dom
    payload = pp.MARKUP[kind]
    text = visible_text(dom)
    assert " ".join(payload.split()) in text, kind
    # In the serialised DOM the payload is a text node: its < and > are escaped.
    assert html.escape(payload, quote=False) in dom


def test_markdown_and_latex_are_not_rendered(report_dom):
    dom, _ = report_dom
    assert not re.search(r"<h[1-6][^>]*>[^<]*heading from a respondent", dom)
    assert not re.search(r"<(strong|b|em)>\s*bold from a respondent", dom)
    assert not re.search(r"<a\b[^>]*>\s*click me", dom)
    assert "$x^2$" in visible_text(dom)
    assert not re.search(r"<(mjx-|math\b|sup>2)", dom)
    assert "mathjax" not in dom.lower().replace("mathjax_ignore", "").replace("tex2jax_ignore", "")
