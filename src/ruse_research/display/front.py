"""The front and back of a report: title block, key findings, cross-references, references, appendix.

A report opens with :func:`front_matter` (the project's identity from the region profile, the
date of the run in the report's language, and the synthetic-data banner where it applies),
then :func:`key_findings` (a real ``##`` heading, so it is in the table of contents, and 5-7
findings, each linked to the numbered table or figure it comes from and with its effect size
said in words by the convention of :mod:`ruse_research.stats.magnitude`). The body refers to
tables and figures with :func:`xref` and to sources with :func:`cite`; it ends with
:func:`appendix` (long item-level tables) and :func:`references` (the reference list,
``locale/references.yaml``).

Numbers of tables and figures ("Таблица 3", "Figure 2") are given by the runner when it
builds ``report.html``, in the order the tables and figures appear (a display call cannot
know the number of a table shown later); an :func:`xref` is a link to ``#table-<name>`` or
``#figure-<name>`` whose text the runner replaces with that number.

Examples
--------
>>> xref("table", "reliability", "en")
'[the table](#table-reliability)'
>>> cite("cohen1988", "bg")
'[Коен, 1988](#ref-cohen1988)'
>>> format_date(__import__("datetime").date(2017, 7, 18), "bg")
'18 юли 2017 г.'
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ruse_research.contract import META_KEY, check_artifact_name
from ruse_research.data import profile as _profile
from ruse_research.data.marker import is_synthetic
from ruse_research.display import output
from ruse_research.display.blocks import banner_bundle, heading, md
from ruse_research.display.catalog import COMMON, language, texts
from ruse_research.display.errors import ReportError
from ruse_research.display.output import NO_MATH, escape
from ruse_research.display.tables import start_report
from ruse_research.studies.keyfinding import KeyFinding

#: The catalog of the reference list.
REFERENCES = "references"
#: Kinds of cross-reference targets and the id prefix of each.
TARGETS = ("table", "figure")


def format_date(day: _dt.date, lang: str) -> str:
    """``day`` written out in ``lang`` ("18 юли 2017 г.", "18 July 2017")."""
    t = texts(COMMON, language(lang, where="format_date"))
    months = t("month_names").split()
    return t("date_long", day=str(day.day), month=months[day.month - 1], year=str(day.year))


def title_block_bundle(
    lang: str, *, synthetic: bool, today: _dt.date | None = None, profile_name: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, metadata)`` of the title block: project identity, run date and kind of data."""
    lang = language(lang, where="title_block")
    t = texts(COMMON, lang)
    prof = _profile.load(profile_name)
    today = today or _dt.date.today()
    rows = [
        ("front_label_administration", prof.text("administration", lang)),
        ("front_label_beneficiary", prof.project_text("beneficiary", lang)),
        ("front_label_partner", prof.project_text("partner", lang)),
        ("front_label_programme", prof.project_text("programme", lang)),
        ("front_label_code", prof.project_text("code", lang)),
    ]
    rows = [(t(key), value) for key, value in rows if value]
    date_text = format_date(today, lang)
    title = prof.project_text("title", lang)
    quoted = t("front_quoted", q=title)
    # one compact paragraph (a line per field): the key findings must follow within the first screen
    lines = [f"<strong>{escape(t('front_label_project'))}:</strong> {escape(quoted)}"] if title else []
    lines += [f"<strong>{escape(label)}:</strong> {escape(value)}" for label, value in rows]
    lines.append(
        f"<strong>{escape(t('front_label_date'))}:</strong> "
        f'<span class="ruse-run-date" title="{today.isoformat()}">{escape(date_text)}</span>'
    )
    html = [f'<div class="ruse-title-block {NO_MATH}"><p>', "<br>".join(lines), "</p></div>"]
    # the plain text leaves the date out: stored notebook outputs stay the same from day to day;
    # the synthetic flag is the banner that follows (front_matter)
    plain = ([quoted] if title else []) + [f"{label}: {value}" for label, value in rows]
    return (
        {"text/html": "".join(html), "text/plain": "\n".join(plain)},
        {META_KEY: {"kind": "title_block", "synthetic": bool(synthetic)}},
    )


def front_matter(paths: str | Path | Iterable[str | Path], lang: str, *, today: _dt.date | None = None) -> None:
    """Display the title block and, if any of ``paths`` is synthetic, the synthetic-data banner.

    Call it first in the first code cell after the parameters, with every input file; it
    replaces :func:`ruse_research.display.blocks.data_banner`. It starts the report's check
    across tables (:func:`~ruse_research.display.tables.start_report`).
    """
    lang = language(lang, where="front_matter")
    start_report(lang)
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    synthetic = any(is_synthetic(p) for p in items)
    output.publish(*title_block_bundle(lang, synthetic=synthetic, today=today))
    if synthetic:
        output.publish(*banner_bundle(lang))


def xref(kind: str, name: str, lang: Any) -> str:
    """A markdown link to table or figure ``name``; the runner writes its number as the text."""
    if kind not in TARGETS:
        raise ReportError(f"xref kind {kind!r}: expected one of {', '.join(TARGETS)}")
    check_artifact_name(kind, name, set())
    t = texts(COMMON, language(lang, where="xref"))
    return f"[{t('xref_' + kind)}](#{kind}-{name})"


def cite(key: str, lang: Any) -> str:
    """A markdown link from an in-text citation ("Cohen, 1988") to its reference-list entry."""
    t = texts(REFERENCES, language(lang, where="cite"))
    if key not in t.keys() or f"{key}.short" not in t.keys():
        raise ReportError(f"cite: no reference {key!r} in locale/{REFERENCES}.yaml")
    return f"[{t(key + '.short')}](#ref-{key})"


def finding_markdown(item: KeyFinding, lang: str) -> tuple[str, str]:
    """``(markdown, plain)`` of one key finding: sentence, effect size in words, link."""
    t = texts(COMMON, lang)
    text = " ".join(str(item.text).split())
    plain = [text]
    if item.magnitude is not None:
        key = "agreement_sentence" if item.effect[0] == "icc" else "effect_size_sentence"
        size = t("magnitude_" + item.magnitude)
        ref_t = texts(REFERENCES, lang)
        plain.append(t(key, source=ref_t(item.convention + ".short"), size=size))
        linked = t(key, source=cite(item.convention, lang), size=size)
    else:
        linked = ""
    parts = [text] + ([linked] if linked else [])
    if item.ref is not None:
        parts.append(t("see_ref", ref=xref(item.ref_kind, item.ref_name, lang)))
    return " ".join(parts), " ".join(plain)


def key_findings(items: Sequence[KeyFinding], lang: Any, *, title: str | None = None) -> None:
    """Display the key findings under a ``##`` heading (in the table of contents).

    ``items`` are the study's :class:`~ruse_research.studies.keyfinding.KeyFinding` list (5-7).
    The bundle's metadata carries the plain sentences, which the runner's index page shows.
    """
    if isinstance(items, (str, KeyFinding)) or not items:
        raise ReportError("key_findings() needs a non-empty list of KeyFinding")
    if not all(isinstance(i, KeyFinding) for i in items):
        raise ReportError("key_findings() needs KeyFinding items (ruse_research.studies.keyfinding)")
    lang = language(lang, title, where="key_findings")
    t = texts(COMMON, lang)
    heading(title or t("findings_title"), 2)
    md(t("key_findings_intro"))
    rendered = [finding_markdown(i, lang) for i in items]
    body = "\n".join(f"{n}. {markdown}" for n, (markdown, _) in enumerate(rendered, 1))
    output.publish(
        {"text/markdown": body, "text/plain": body},
        {META_KEY: {"kind": "key_findings", "lang": lang, "sentences": [p for _, p in rendered]}},
    )


def appendix(lang: Any) -> None:
    """Display the heading and the line that open the appendix of item-level tables."""
    t = texts(COMMON, language(lang, where="appendix"))
    heading(t("appendix_title"), 2)
    md(t("appendix_text"))


def _lang_attr(text: str, lang: str) -> str:
    """``lang="en"`` for an entry of a Bulgarian list that is mostly Latin script (a publication
    cited by its original English title), so that screen readers switch language."""
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in text)
    return ' lang="en"' if lang == "bg" and latin > cyrillic else ""


def references_bundle(keys: Iterable[str], lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, metadata)`` of the reference list: entries sorted by text, ``id="ref-<key>"``."""
    t = texts(REFERENCES, language(lang, where="references"))
    keys = list(dict.fromkeys(keys))
    missing = [k for k in keys if k not in t.keys() or k.endswith(".short")]
    if missing:
        raise ReportError(f"references: no entry {', '.join(missing)} in locale/{REFERENCES}.yaml")
    entries = sorted(((str(t(k)), k) for k in keys), key=lambda e: e[0].casefold())
    html = [f'<ol class="ruse-references {NO_MATH}">']
    html += [f'<li id="ref-{escape(k)}"{_lang_attr(text, lang)}>{escape(text)}</li>' for text, k in entries]
    html.append("</ol>")
    plain = "\n".join(f"{n}. {text}" for n, (text, _) in enumerate(entries, 1))
    return {"text/html": "".join(html), "text/plain": plain}, {META_KEY: {"kind": "references"}}


def references(keys: Iterable[str], lang: Any) -> None:
    """Display the "References" / "Литература" section: a heading and every source in ``keys``."""
    lang = language(lang, where="references")
    heading(texts(REFERENCES, lang)("references_title"), 2)
    output.publish(*references_bundle(keys, lang))
