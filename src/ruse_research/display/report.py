"""The notebooks' display interface: one import for everything a study notebook shows.

``from ruse_research.display import report`` gives the names the notebooks use; each lives in
the module that does that one job, and this module only re-exports them:

======================  ==============================================================
module                  names
======================  ==============================================================
:mod:`.catalog`         ``texts(study, lang) -> Catalog``, ``Catalog``, ``LocalText``,
                        ``language``, ``load_catalog_entries``, ``COMMON``
:mod:`.formats`         ``fmt_num``, ``fmt_int``, ``fmt_pct``, ``fmt_ci``, ``fmt_p``,
                        ``NA_TEXT``, ``NBSP``
:mod:`.tables`          ``show_table``, ``table_bundle``, ``table_from_bundle``,
                        ``check_counts``, ``check_name``
:mod:`.figures`         ``show_figure``, ``figure_bundle``, ``figure_bytes``,
                        ``describe_figure``, ``FIGURE_DPI``, ``SVG_HASHSALT``
:mod:`.blocks`          ``md``, ``heading``, ``findings``, ``data_banner``,
                        ``banner_synthetic``, ``banner_bundle``, ``quote_list``,
                        ``quote_bundle``
:mod:`.front`           ``front_matter``, ``title_block_bundle``, ``key_findings``,
                        ``xref``, ``cite``, ``references``, ``references_bundle``,
                        ``appendix``, ``format_date``
:mod:`.output`          ``escape``, ``escape_md``
:mod:`.inputs`          ``inputs_read`` (last call of a notebook: the files it read)
:mod:`.errors`          ``ReportError``, ``CatalogError``
======================  ==============================================================

Also re-exported, from their one home: ``MIN_CELL`` and ``MIN_QUOTE``
(:mod:`ruse_research.stats.disclosure`), ``TABLE_MIME`` (:mod:`ruse_research.contract`),
``LANGUAGES`` (:mod:`ruse_research.i18n`) and ``is_synthetic``
(:mod:`ruse_research.data.marker`).

There is no session language. ``t = texts("staff", lang)`` is bound to its language and so
is every text it returns; ``show_table(df, name, caption=t("..."))`` takes the language from
the caption, or from ``lang=`` (a code or the catalog) when the caption is not a catalog text.

Examples
--------
>>> from ruse_research.display import report
>>> t = report.texts("common", "bg")
>>> t("label_n")
'n'
>>> t.ci(0.4213, 0.3, 0.552)
'0,42 (95% ДИ 0,30–0,55)'
>>> report.fmt_p(0.0004, "en")
'p < 0.001'
"""

from __future__ import annotations

from ruse_research.contract import TABLE_MIME
from ruse_research.data.marker import is_synthetic
from ruse_research.display.blocks import (
    banner_bundle,
    banner_synthetic,
    data_banner,
    findings,
    heading,
    md,
    quote_bundle,
    quote_list,
)
from ruse_research.display.catalog import (
    COMMON,
    Catalog,
    LocalText,
    language,
    load_catalog_entries,
    texts,
)
from ruse_research.display.errors import CatalogError, ReportError
from ruse_research.display.figures import (
    FIGURE_DPI,
    SVG_HASHSALT,
    describe_figure,
    figure_bundle,
    figure_bytes,
    show_figure,
)
from ruse_research.display.formats import NA_TEXT, NBSP, fmt_ci, fmt_int, fmt_num, fmt_p, fmt_pct
from ruse_research.display.front import (
    appendix,
    cite,
    format_date,
    front_matter,
    key_findings,
    references,
    references_bundle,
    title_block_bundle,
    xref,
)
from ruse_research.display.inputs import inputs_read
from ruse_research.display.output import escape, escape_md
from ruse_research.display.tables import (
    check_counts,
    check_name,
    show_table,
    table_bundle,
    table_from_bundle,
)
from ruse_research.i18n import LANGUAGES
from ruse_research.stats.disclosure import MIN_CELL, MIN_QUOTE

__all__ = [
    "COMMON", "FIGURE_DPI", "LANGUAGES", "MIN_CELL", "MIN_QUOTE", "NA_TEXT", "NBSP",
    "SVG_HASHSALT", "TABLE_MIME", "Catalog", "CatalogError", "LocalText", "ReportError",
    "appendix", "banner_bundle", "banner_synthetic", "check_counts", "check_name", "cite",
    "data_banner", "describe_figure", "format_date", "front_matter", "key_findings",
    "references", "references_bundle", "title_block_bundle", "xref",
    "escape", "escape_md", "figure_bundle", "figure_bytes", "findings", "fmt_ci", "fmt_int",
    "fmt_num", "fmt_p", "fmt_pct", "heading", "inputs_read", "is_synthetic", "language",
    "load_catalog_entries", "md", "quote_bundle", "quote_list", "show_figure", "show_table",
    "table_bundle", "table_from_bundle", "texts",
]
