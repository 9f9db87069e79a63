"""Self-contained reviewer reports (the outputs index is :mod:`ruse_research.runner.index`).

:func:`render_report` turns an executed notebook into one HTML file a reviewer can read
offline: code hidden in ``<details>`` per cell (revealable without JavaScript), a table of
contents from the page's h1-h3 headings (``text/markdown`` outputs and markdown cells tagged
``narrative``; other markdown cells are notes for .ipynb readers, left out of the report),
figures inlined as ``data:`` URIs, a typography that reads well in Cyrillic, a print style,
``<html lang>`` from the run's language and a colophon (commit, dirty flag, parameters,
SHA-256 of every input file, package versions, start time, duration) in that language.

Cells are rendered by nbconvert's Python API with the template in ``templates/ruse`` (in the
same process as the runner). Nothing from a notebook is trusted: markdown is rendered with
raw HTML escaped, ``text/html`` outputs pass an allow-list sanitiser (nh3; tables survive, scripts,
styles, event handlers and remote images do not), ``text/plain`` is escaped, and MathJax,
require.js and widgets are never loaded.

The labels of the page (code toggles, colophon...) come from ``locale/runner.yaml`` in the
run's language; nothing here keeps a language in module state. This module imports nothing of
the runner's orchestration: runs and results come in as arguments.

Examples
--------
>>> render_markdown("## Резултати <script>alert(1)</script>")
'<h2>Резултати &lt;script&gt;alert(1)&lt;/script&gt;</h2>\\n'
>>> sanitize_html('<table><tr><td onclick="x()">1</td></tr></table><img src="http://x/y.png">')
'<table><tbody><tr><td>1</td></tr></tbody></table><img>'
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from ruse_research.i18n import LANGUAGES
from ruse_research.runner import provenance, xref  # noqa: F401 (provenance: the examples build records)
from ruse_research.runner.spec import RunFailure
from ruse_research.runner.words import LOCALE_FILE, _catalog, labels, seconds_text  # noqa: F401 (re-exported)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", Roboto, '
    '"Helvetica Neue", Arial, "Liberation Sans", sans-serif'
)
MONO_STACK = '"DejaVu Sans Mono", "Noto Sans Mono", "Liberation Mono", Menlo, Consolas, monospace'

BASE_CSS = f"""
:root {{ --ink: #1d1d1f; --muted: #5b5b66; --rule: #d8d8de; --accent: #1f5fa8; --bad: #a4161a; --paper: #fff; }}
html {{ font-size: 17px; }}
body {{ font-family: {FONT_STACK}; color: var(--ink); background: var(--paper); line-height: 1.6;
  max-width: 52rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; font-feature-settings: "kern", "liga";
  text-rendering: optimizeLegibility; hyphens: auto; overflow-wrap: break-word; }}
h1, h2, h3, h4 {{ line-height: 1.25; margin: 1.6em 0 .5em; font-weight: 650; }}
h1 {{ font-size: 1.9rem; }} h2 {{ font-size: 1.45rem; }} h3 {{ font-size: 1.15rem; }}
.report-title {{ margin-top: .5rem; }}
.description {{ color: var(--muted); }}
a {{ color: var(--accent); }}
code, pre, kbd {{ font-family: {MONO_STACK}; font-size: .86em; }}
pre {{ overflow-x: auto; padding: .6rem .8rem; background: #f6f6f8; border-radius: 4px; line-height: 1.4; }}
table {{ border-collapse: collapse; margin: .8rem 0; font-size: .92rem; font-variant-numeric: tabular-nums; max-width: 100%; }}
th, td {{ border-bottom: 1px solid var(--rule); padding: .3rem .6rem; text-align: left; vertical-align: top; }}
td {{ text-align: right; }} td:first-child, th {{ text-align: left; }}
td.text {{ text-align: left; }} td.num {{ text-align: right; white-space: nowrap; }}
/* Result tables fit the column: smaller type, tighter cells, words and long headers wrap. */
table.ruse-table {{ font-size: .8rem; line-height: 1.35; }}
table.ruse-table th, table.ruse-table td {{ padding: .25rem .4rem; }}
/* a number keeps its digits together but a CI may wrap after its separator */
table.ruse-table td.num {{ white-space: normal; }}
table.ruse-table td.text, table.ruse-table tbody th {{ overflow-wrap: break-word; hyphens: auto; }}
/* wide tables get smaller type so that whole words still fit */
table.ruse-table:has(thead th:nth-child(7)) {{ font-size: .74rem; }}
table.ruse-table:has(thead th:nth-child(10)) {{ font-size: .7rem; }}
table.ruse-table:has(thead th:nth-child(7)) td, table.ruse-table:has(thead th:nth-child(7)) th {{ padding: .2rem .3rem; }}
/* headers of wide tables may break inside a long word rather than push the table out */
table.ruse-table thead th {{ overflow-wrap: anywhere; hyphens: auto; font-size: .95em; }}
table.ruse-table thead th {{ vertical-align: bottom; }}
table.ruse-table tfoot td {{ white-space: normal; text-align: left; color: var(--muted); font-size: .95em;
  border-bottom: 0; overflow-wrap: break-word; }}
.ruse-downloads {{ margin: -.4rem 0 1rem; font-size: .78rem; color: var(--muted); }}
.ruse-downloads a {{ margin-right: .5em; }}
.ruse-source {{ font-size: .85rem; color: #1b4e2a; background: #edf7ef; border-left: 4px solid #3a8a50;
  padding: .3rem .6rem; margin: .4rem 0; }}
.figure-mark {{ font-size: .78rem; color: var(--muted); }}
.ruse-banner {{ background: #fff4e5; border: 1px solid #e0a040; border-left: 6px solid #e0a040; border-radius: 4px;
  padding: .6rem .9rem; margin: 1rem 0; }}
.ruse-banner.synthetic-tag {{ font-size: 1rem; }}
.ruse-quote {{ border-left: 3px solid var(--rule); margin: .4rem 0 .4rem 1rem; padding: .1rem .8rem; color: var(--ink); font-style: italic; }}
.ruse-caption {{ color: var(--muted); font-size: .92rem; }}
thead th {{ border-bottom: 2px solid var(--ink); }}
caption {{ caption-side: top; text-align: left; font-weight: 600; padding-bottom: .3rem; }}
.output-html {{ overflow-x: auto; max-width: 100%; }}
img, svg {{ max-width: 100%; height: auto; }}
.toc {{ border: 1px solid var(--rule); border-radius: 6px; padding: .6rem 1.2rem; margin: 1.2rem 0 2rem; background: #fafafb; }}
.toc-title {{ font-size: 1.05rem; margin: .3rem 0; }}
.toc ol {{ list-style: none; padding-left: 0; margin: .3rem 0; }}
.toc-level-2 {{ padding-left: 1.2rem; }} .toc-level-3 {{ padding-left: 2.4rem; font-size: .95em; }}
details.code, details.note {{ margin: .4rem 0; }}
details.code > summary, details.note > summary {{ cursor: pointer; color: var(--muted); font-size: .85rem; user-select: none; }}
details.note {{ color: var(--muted); font-size: .92rem; }}
details.code[open] > summary {{ margin-bottom: .3rem; }}
.count {{ font-family: {MONO_STACK}; }}
.output-stdout, .output-stderr, .output_text pre {{ background: #f6f6f8; }}
.output_stderr pre {{ background: #fff4e5; }}
.output_error pre {{ background: #fdecea; border-left: 4px solid var(--bad); }}
.failed-cell {{ border-left: 4px solid var(--bad); padding-left: .8rem; }}
.failure-banner, .failure-anchor {{ background: #fdecea; border: 1px solid var(--bad); color: var(--bad);
  padding: .6rem .9rem; border-radius: 4px; margin: 1rem 0; }}
.colophon {{ margin-top: 3rem; border-top: 2px solid var(--ink); font-size: .88rem; color: var(--muted); }}
.colophon dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }}
.colophon dt {{ font-weight: 600; color: var(--ink); }} .colophon dd {{ margin: 0; }}
.colophon-table td {{ text-align: left; }}
details.ruse-provenance {{ margin: -.6rem 0 1rem; font-size: .78rem; color: var(--muted); }}
details.ruse-provenance > summary {{ cursor: pointer; user-select: none; }}
details.ruse-provenance dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .3rem 0; }}
details.ruse-provenance dt {{ font-weight: 600; }} details.ruse-provenance dd {{ margin: 0; overflow-wrap: anywhere; }}
details.ruse-provenance ul {{ margin: 0; padding-left: 1rem; }}
.hash {{ overflow-wrap: anywhere; font-size: .8em; }}
.colophon code {{ overflow-wrap: anywhere; }}
.colophon-table {{ table-layout: fixed; width: 100%; }}
.colophon-table td, .colophon-table th {{ overflow-wrap: anywhere; }}
.status-failed {{ color: var(--bad); font-weight: 600; }} .status-ok {{ color: #1b6e2a; }}
.synthetic-tag {{ background: #fff4e5; border: 1px solid #e0a040; border-radius: 3px; padding: 0 .3rem; font-size: .8em; }}
/* Narrow screens (phones): smaller type; a wide table scrolls inside its box with the
   first column kept in view; the colophon stacks. */
@media (max-width: 640px) {{
  html {{ font-size: 15px; }}
  body {{ padding: 1rem .75rem 3rem; }}
  h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.25rem; }}
  .output-html {{ overflow-x: auto; -webkit-overflow-scrolling: touch; }}
  table.ruse-table {{ font-size: .78rem; }}
  table.ruse-table th:first-child, table.ruse-table td:first-child {{ position: sticky; left: 0;
    background: var(--paper); z-index: 1; box-shadow: 1px 0 0 var(--rule); }}
  table.ruse-table th:first-child, table.ruse-table td.text:first-child {{ min-width: 7.5rem; max-width: 11rem; }}
  body > table, section > table {{ display: block; overflow-x: auto; max-width: 100%; }}
  .colophon dl {{ grid-template-columns: 1fr; }}
  .colophon dd {{ margin-bottom: .4rem; }}
  .toc-level-2 {{ padding-left: .8rem; }} .toc-level-3 {{ padding-left: 1.6rem; }}
}}
/* Print and PDF (headless Chromium, runner.pdf): A4, running header and page numbers from
   the @page margin boxes (their text is set per report, see page_css), sensible breaks. */
@page {{ size: A4; margin: 20mm 16mm 18mm 16mm;
  @bottom-right {{ content: counter(page) " / " counter(pages); font: 8pt {FONT_STACK}; color: #5b5b66; }}
}}
@media print {{
  html {{ font-size: 10pt; }} body {{ max-width: none; padding: 0; line-height: 1.45; }}
  details.code, details.note, details.ruse-provenance, .toc, .ruse-downloads {{ display: none; }}
  a {{ color: inherit; text-decoration: none; }}
  h1, h2, h3, h4, h5, caption, .note-heading {{ break-after: avoid; page-break-after: avoid; break-inside: avoid; }}
  p {{ orphans: 3; widows: 3; }}
  .output-html {{ overflow: visible; }}
  table {{ break-inside: auto; }}
  thead {{ display: table-header-group; }} tfoot {{ display: table-row-group; }}
  tr, th, td {{ break-inside: avoid; page-break-inside: avoid; }}
  table.ruse-table {{ font-size: 7.5pt; }}
  /* on paper nothing may be cut: a word breaks before a table leaves the page */
  table.ruse-table td.text, table.ruse-table th {{ overflow-wrap: anywhere; }}
  img, svg, figure, .output-svg, .output-png, .ruse-banner, .ruse-source, .ruse-quote {{ break-inside: avoid; }}
  .output-svg img, .output-png img {{ max-height: 112mm; width: auto; max-width: 100%; }}
  .colophon {{ break-before: page; }}
  .colophon-table {{ font-size: 7.5pt; }}
}}
"""

def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that is safe inside ``<style>`` (for ``content:``).

    Examples
    --------
    >>> css_string('Доклад "А" </style>')
    '"Доклад \\\\22 А\\\\22  \\\\3c /style\\\\3e "'
    """
    out = []
    for ch in " ".join(str(text).split()):
        out.append(f"\\{ord(ch):x} " if ch in '"\\<>&' or ord(ch) < 0x20 else ch)
    return '"' + "".join(out) + '"'


def page_title(title: str, lang: str, synthetic: bool) -> str:
    """The report's ``<title>`` and running header: its title, and the synthetic flag if any.

    Examples
    --------
    >>> page_title("Нагласи на служителите", "bg", True)
    'Нагласи на служителите — СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ'
    >>> page_title("Staff attitudes", "en", False)
    'Staff attitudes'
    """
    return f"{title} — {labels(lang)['synthetic_flag']}" if synthetic else title


def page_css(title: str, lang: str, synthetic: bool) -> str:
    """The per-report print rules: the running header on every printed page.

    Examples
    --------
    >>> "@top-center" in page_css("Staff attitudes", "en", True)
    True
    """
    colour = "#a4161a" if synthetic else "#5b5b66"
    return (f"@page {{ @top-center {{ content: {css_string(page_title(title, lang, synthetic))}; "
            f"font: 600 8pt {FONT_STACK}; color: {colour}; }} }}\n")


_ALLOWED_TAGS = frozenset(
    "a abbr b blockquote br caption code col colgroup dd del details div dl dt em figcaption figure "
    "h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s small span strong sub summary sup "
    "table tbody td tfoot th thead tr u ul".split()
)
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
}
_SCRIPT_OR_STYLE = re.compile(r"<(script|style|template|iframe|object)\b.*?</\1\s*>", re.S | re.I)
_HEADING = re.compile(r"<h([1-3])((?:\s[^>]*)?)>(.*?)</h\1\s*>", re.S | re.I)
_ID_ATTR = re.compile(r"""\sid\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_TAG = re.compile(r"<[^>]+>")


#: Elements removed together with their content (the rest of a disallowed element's content stays).
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object"})


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    """Keep an allowed attribute's value, or drop it (``None``): images only as ``data:`` URIs
    (the report stays offline), links only to anchors, http(s) and mail."""
    if tag == "img" and name == "src":
        return value if value.startswith("data:image/") else None
    if tag == "a" and name == "href":
        return value if value.startswith(("#", "https://", "http://", "mailto:")) else None
    return value


def _clean(text: str) -> str:
    import nh3

    return nh3.clean(
        text,
        tags=set(_ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto", "data"},
        strip_comments=True,
        link_rel=None,
    )


def sanitize_html(fragment: str | list[str]) -> str:
    """Keep the markup of tables and text; drop scripts, styles, handlers and remote images.

    Examples
    --------
    >>> sanitize_html('<p style="x" onmouseover="steal()">Здравей<script>alert(1)</script></p>')
    '<p>Здравей</p>'
    """
    text = "".join(fragment) if isinstance(fragment, list) else str(fragment)
    return _clean(_SCRIPT_OR_STYLE.sub("", text))


@lru_cache(maxsize=1)
def _markdown_parser():
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=True, allow_harmful_protocols=False, exclude_anchor_links=True)
    return MarkdownWithMath(renderer=renderer)


def render_markdown(source: str | list[str]) -> str:
    """Markdown to HTML with any raw HTML in it escaped (respondent text cannot inject markup).

    Math stays as literal ``$...$`` text: MathJax is never loaded.

    Examples
    --------
    >>> render_markdown('**n = 12** <b onclick="x">')
    '<p><strong>n = 12</strong> &lt;b onclick="x"&gt;</p>\\n'
    """
    text = "".join(source) if isinstance(source, list) else str(source)
    return sanitize_html(_markdown_parser()(text)) if _needs_sanitizing(text) else _markdown_parser()(text)


def _needs_sanitizing(text: str) -> bool:
    # Escaped rendering already neutralises raw HTML; images and links are the remaining way to
    # reach the network (``![](http://...)``), so those pass the sanitiser too.
    return "](" in text or "]:" in text or "<" in text


_ANY_HEADING = re.compile(r"<h([1-6])(?:\s[^>]*)?>(.*?)</h\1\s*>", re.S | re.I)


def demote_headings(fragment: str) -> str:
    """Turn headings into bold paragraphs (notes must not enter the table of contents).

    Examples
    --------
    >>> demote_headings("<h2>The model</h2><p>x</p>")
    '<p class="note-heading"><strong>The model</strong></p><p>x</p>'
    """
    return _ANY_HEADING.sub(r'<p class="note-heading"><strong>\2</strong></p>', fragment)


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML

    class ReportExporter(HTMLExporter):
        """HTMLExporter without its BeautifulSoup pass over the finished page.

        That pass only adds alt text (our template always writes it) and tabindex to JupyterLab
        classes we do not use, and costs more than the rendering itself on large reports.
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name", None))
            self.register_filter("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            # the template exporter's public entry point (it prepares the resources itself)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = ReportExporter(
        template_name="ruse",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        sanitize_html=False,  # done by our own filters: nbconvert's allow-list escapes table markup
    )
    exporter.register_filter("ruse_markdown", render_markdown)
    exporter.register_filter("ruse_sanitize", sanitize_html)
    exporter.register_filter("ruse_demote_headings", demote_headings)
    return exporter


@lru_cache(maxsize=1)
def _page_template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES / "ruse")),
        autoescape=True,
        keep_trailing_newline=True,
    )
    return env.get_template("page.html.j2")


@lru_cache(maxsize=1)
def _css() -> str:
    from pygments.formatters import HtmlFormatter

    return BASE_CSS + HtmlFormatter(style="default").get_style_defs(".highlight")


def warm_up() -> None:
    """Load the exporter, templates and CSS once (the runner calls this before forking workers).

    Examples
    --------
    >>> warm_up()
    """
    _exporter()
    _page_template()
    _css()
    _markdown_parser()
    _catalog()
    import nh3  # noqa: F401


def slugify(text: str) -> str:
    """An id for a heading that keeps Cyrillic letters.

    Examples
    --------
    >>> slugify("Отношение към ползите (Yang & Callahan)")
    'отношение-към-ползите-yang-callahan'
    """
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s-]", " ", text)
    return re.sub(r"[\s_-]+", "-", text).strip("-") or "section"


def add_heading_ids(body: str) -> tuple[str, list[dict[str, object]]]:
    """Give every h1-h3 a unique id; return the new HTML and the table-of-contents entries.

    Examples
    --------
    >>> body, toc = add_heading_ids("<h2>Резултати</h2><p>x</p><h2>Резултати</h2>")
    >>> body
    '<h2 id="резултати">Резултати</h2><p>x</p><h2 id="резултати-2">Резултати</h2>'
    >>> [entry["id"] for entry in toc]
    ['резултати', 'резултати-2']
    """
    seen: dict[str, int] = {"colophon": 1, "papermill-error-cell": 1}
    toc: list[dict[str, object]] = []

    def replace(match: re.Match) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2) or "", match.group(3)
        text = html.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        base = slugify(text)
        count = seen.get(base, 0) + 1
        seen[base] = count
        anchor = base if count == 1 else f"{base}-{count}"
        attrs = _ID_ATTR.sub("", attrs)
        toc.append({"level": level, "id": anchor, "text": text})
        return f'<h{level} id="{anchor}"{attrs}>{inner}</h{level}>'

    return _HEADING.sub(replace, body), toc


def render_report(nb, *, lang: str, title: str, record: dict, description: str = "") -> str:
    """Render an executed notebook (``nbformat.NotebookNode``) as a self-contained HTML report.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (papermill's error markers, if any, are shown where it failed).
    lang : {"bg", "en"}
        Language of the page (``<html lang>``) and of the colophon's labels.
    title, description : str
        Shown at the top of the page.
    record : dict
        The provenance record (see :func:`ruse_research.runner.provenance.build_record`).

    Returns
    -------
    str
        The whole HTML document.

    Examples
    --------
    >>> import nbformat
    >>> from datetime import datetime, UTC
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Въведение", metadata={"tags": ["narrative"]})])
    >>> rec = provenance.build_record(run="demo.bg", title="Демо", notebook="n.ipynb", lang="bg",
    ...     parameters={"lang": "bg"}, overrides={"lang": "bg"}, inputs={"data/raw/x.csv": "ab" * 32},
    ...     git={"commit": "f" * 40, "dirty": False}, packages={"python": "3.11.7"},
    ...     started=datetime(2001, 1, 1, tzinfo=UTC), duration_s=2.0, status="ok", cache_key="0" * 64,
    ...     cache_components={}, synthetic=True, tables=[], figures=[])
    >>> page = render_report(nb, lang="bg", title="Демо", record=rec)
    >>> '<html lang="bg">' in page, 'href="#въведение"' in page, "Колофон" in page
    (True, True, True)
    >>> "<dd>2,0 с</dd>" in page  # the run's duration in the page's number format
    True
    """
    words = labels(lang)
    links = record.get("status") == "ok"  # the exported files sit beside an ok report only
    body, _ = _exporter().from_notebook_node(
        nb, resources={"ruse": {"labels": words, "lang": lang, "links": links,
                                "provenance": record.get("artifacts") or {}}})
    body, toc = add_heading_ids(body)
    body = xref.number_artifacts(body, table_label=words["table_number"], figure_label=words["figure_number"])
    failure = RunFailure.from_dict(record.get("error"))
    error_line = ""
    if failure is not None:
        where = f"{words['cell']} {failure.cell}: " if failure.cell is not None else ""
        error_line = f"{where}{failure.ename}: {failure.evalue}"
    page = _page_template().render(
        lang=lang if lang in LANGUAGES else "en",
        title=title,
        page_title=page_title(title, lang, bool(record.get("synthetic"))),
        description=description,
        labels=words,
        record=record,
        duration=seconds_text(record.get("duration_s"), lang),
        toc=toc,
        body=body,
        css=_css() + page_css(title, lang, bool(record.get("synthetic"))),
        pdf=record.get("pdf") or {},
        error_line=error_line,
        has_anchor='id="papermill-error-cell"' in body,
    )
    return neutralise_remote_sources(page)


_REMOTE_SOURCE = re.compile(r"""\b(src|srcset|href)\s*=\s*(["'])(?=\s*(?:https?:)?//)""", re.I)


def neutralise_remote_sources(page: str) -> str:
    """Last line of defence for offline reports: no ``src="http...`` may survive anywhere.

    Real ``src`` attributes were already limited to ``data:`` URIs by the sanitiser, so any
    remaining ``src="http`` is escaped text (for example a respondent's quoted HTML); its quote is
    turned into ``&quot;`` so it cannot be mistaken for a reference. Links (``<a href>``) stay.

    Examples
    --------
    >>> neutralise_remote_sources('&lt;img src="http://x"&gt; <a href="https://ok">')
    '&lt;img src=&quot;http://x"&gt; <a href="https://ok">'
    """

    def fix(match: re.Match) -> str:
        before = page[max(0, match.start() - 200) : match.start()]
        if match.group(1).lower() == "href" and re.search(r"<a\s[^<>]*$", before, re.I):
            return match.group(0)
        quote = "&quot;" if match.group(2) == '"' else "&#39;"
        return f"{match.group(1)}={quote}"

    return _REMOTE_SOURCE.sub(fix, page)
