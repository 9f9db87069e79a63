"""Text blocks of a report: headings, markdown, key findings, the synthetic-data banner, quotes.

Every block is a display bundle sent with :func:`ruse_research.display.output.publish`.
Markdown (:func:`md`, :func:`heading`, :func:`findings`) is trusted text from the catalog;
respondent text goes only through :func:`quote_list`, which re-scrubs and escapes it and
refuses groups smaller than :data:`ruse_research.stats.disclosure.MIN_QUOTE`. Blocks that need
the language take it as ``lang`` (a code or the catalog) or from a catalog text
(:func:`ruse_research.display.catalog.language`).

Examples
--------
>>> data, meta = banner_bundle("en")
>>> meta, data["text/plain"].splitlines()[0].startswith("***")
({'ruse': {'kind': 'banner', 'name': 'synthetic'}}, True)
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ruse_research.contract import META_KEY
from ruse_research.data.marker import is_synthetic
from ruse_research.display import output
from ruse_research.display.catalog import COMMON, language, texts
from ruse_research.display.errors import ReportError
from ruse_research.display.formats import is_na
from ruse_research.display.output import NO_MATH, escape
from ruse_research.stats.disclosure import MIN_QUOTE, DisclosureError

#: The language respondents answered in: quotes carry ``lang="bg"`` in reports of other languages.
QUOTE_LANGUAGE = "bg"


def md(text: str) -> None:
    """Display trusted ``text`` (from the catalog) as markdown.

    Headings ``#``, ``##``, ``###`` feed the HTML report's table of contents. Never pass
    respondent text here; use :func:`quote_list` or :func:`escape_md`.
    """
    if not isinstance(text, str):
        raise ReportError(f"md() needs text, got {type(text).__name__}")
    text = str(text)  # a plain str, also for catalog texts
    output.publish({"text/markdown": text, "text/plain": text})


def heading(text: str, level: int = 2) -> None:
    """Display a markdown heading (levels 1-3 appear in the report's table of contents).

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.object(output, "publish") as shown:
    ...     heading("Results", 2)
    >>> shown.call_args.args[0]["text/markdown"]
    '## Results'
    """
    if level not in range(1, 7):
        raise ReportError(f"heading level must be 1..6, got {level!r}")
    one_line = " ".join(str(text).split())
    if not one_line:
        raise ReportError("a heading needs text")
    md("#" * level + " " + one_line)


def findings(sentences: Sequence[str], title: str | None = None, lang: Any = None) -> None:
    """Display key findings as a markdown bullet list under a bold title.

    Sentences are trusted text (from the catalog, with numbers from results). ``title``
    defaults to the catalog's ``findings_title`` ("Key findings" / "Основни изводи") in
    ``lang`` (a code or the catalog; default: the language of the sentences when they come
    from the catalog); pass ``""`` for no title.

    Examples
    --------
    >>> from unittest import mock
    >>> t = texts("common", "bg")
    >>> with mock.patch.object(output, "publish") as shown:
    ...     findings([t("label_dont_know")])
    >>> print(shown.call_args.args[0]["text/markdown"])
    **Основни изводи**
    <BLANKLINE>
    - Не мога да преценя
    """
    if isinstance(sentences, str) or not sentences:
        raise ReportError("findings() needs a non-empty list of sentences")
    if title is None:
        title = texts(COMMON, language(lang, *sentences, where="findings"))("findings_title")
    lines = [f"**{title}**", ""] if title else []
    lines += ["- " + " ".join(str(s).split()) for s in sentences]
    md("\n".join(lines))


def banner_bundle(lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, metadata)`` of the synthetic-data banner in ``lang``."""
    t = texts(COMMON, language(lang, where="banner"))
    title, body = t("banner_synthetic_title"), t("banner_synthetic_text")
    style = (
        "border: 3px solid #B35806; background: #FFF3E0; color: #3B1F00; padding: 0.8em 1em; "
        "margin: 0.5em 0 1em 0; border-radius: 4px; font-size: 1.05em"
    )
    # a strong paragraph, not a heading: prominent, outside the table of contents, and the
    # heading order stays h1 -> h2 (WCAG 1.3.1); classes for the report CSS, inline style for
    # JupyterLab and plain nbconvert
    html_text = (
        # "synthetic-tag" is the report CSS's own class for synthetic data (orange box)
        f'<div class="ruse-banner ruse-banner-synthetic synthetic-tag {NO_MATH}" role="note" '
        f'style="{style}">'
        f'<p class="ruse-banner-title" style="margin: 0 0 0.3em 0; font-size: 1.15em">'
        f'<strong>⚠ {escape(title)}</strong></p><p style="margin: 0">{escape(body)}</p></div>'
    )
    return (
        {"text/html": html_text, "text/plain": f"*** {title} ***\n{body}"},
        {META_KEY: {"kind": "banner", "name": "synthetic"}},
    )


def banner_synthetic(lang: str) -> None:
    """Display the prominent banner saying the data are synthetic demonstration data."""
    output.publish(*banner_bundle(lang))


def data_banner(paths: str | Path | Iterable[str | Path], lang: str) -> None:
    """Show the synthetic-data banner if any of ``paths`` is synthetic demonstration data.

    The rule is :func:`ruse_research.data.marker.is_synthetic` (the runner's provenance uses
    the same function); relative paths are resolved from the project root.

    Call it right after the parameters cell with every ``*_path`` parameter.
    """
    lang = language(lang, where="data_banner")
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if any(is_synthetic(p) for p in items):
        banner_synthetic(lang)


def quote_list(
    quotes: Iterable[str],
    lang: str,
    *,
    base_n: int,
    caption: str | None = None,
    names: Iterable[str] | None = None,
    held_back: int = 0,
) -> None:
    """Display respondent quotes as literal text: scrubbed, escaped, never HTML/markdown.

    Every quote goes through :func:`ruse_research.stats.scrub.scrub` again (it is idempotent),
    so e-mails, phones, EGNs, IBANs and the given ``names`` never reach the report even
    if the caller forgot; then it is HTML-escaped and shown in a block quote.

    Parameters
    ----------
    quotes : iterable of str
        Comments, ideally already scrubbed with ``ruse_research.stats.scrub.scrub``.
    lang : {"bg", "en"}
    base_n : int
        Number of respondents in the group the quotes come from; at least 10
        (``disclosure.MIN_QUOTE``), else ``DisclosureError``.
    caption : str, optional
        Shown above the list.
    names : iterable of str, optional
        Personal names to remove (passed to ``scrub``).
    held_back : int, default 0
        Answers of the group already held back by the caller (e.g. ``attrs["held_back"]`` of
        ``representative_quotes``). Quotes here that ``scrub.quote_problems`` cannot classify
        as safe are held back too; a sentence then says how many (the number only from
        ``disclosure.MIN_QUOTE`` on, "some" below).

    Examples
    --------
    >>> data, meta = quote_bundle(["Call me on 0888 123 456 <b>now</b>"], "en", base_n=40)
    >>> data["text/plain"]
    '> Call me on [PHONE] <b>now</b>'
    >>> "&lt;b&gt;now&lt;/b&gt;" in data["text/html"]
    True
    """
    output.publish(
        *quote_bundle(quotes, lang, base_n=base_n, caption=caption, names=names, held_back=held_back)
    )


def quote_bundle(
    quotes: Iterable[str],
    lang: str,
    *,
    base_n: int,
    caption: str | None = None,
    names: Iterable[str] | None = None,
    held_back: int = 0,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, metadata)`` of :func:`quote_list`."""
    from ruse_research.stats.scrub import quote_problems, scrub

    lang = language(lang, caption, where="quote_list")
    if isinstance(quotes, str):
        raise ReportError("quote_list needs a list of quotes, not one string")
    if (
        isinstance(base_n, bool)
        or not isinstance(base_n, numbers.Integral)
        or base_n < MIN_QUOTE
    ):
        if isinstance(base_n, bool) or not isinstance(base_n, numbers.Integral):
            raise DisclosureError(f"base_n must be a whole number of respondents, got {base_n!r}")
        raise DisclosureError(  # the small number itself is not named (failure.json is published)
            f"quotes come from a group of fewer than {MIN_QUOTE} respondents; at least "
            f"{MIN_QUOTE} are needed before comments are quoted"
        )
    names = list(names) if names is not None else None
    scrubbed = [
        " ".join(scrub(q, names=names).split()) for q in quotes if not is_na(q) and str(q).strip()
    ]
    items = [q for q in scrubbed if not quote_problems(q)]
    held_back = int(held_back) + len(scrubbed) - len(items)
    t = texts(COMMON, lang)
    # the answers are in Bulgarian (the survey's language): screen readers switch voice for them
    quote_lang = "" if lang == QUOTE_LANGUAGE else f' lang="{QUOTE_LANGUAGE}"'
    parts = [f'<div class="ruse-quotes {NO_MATH}">']
    plain = []
    if caption:
        parts.append(f"<p><strong>{escape(caption)}</strong></p>")
        plain.append(caption)
    if items:
        parts += [
            f'<blockquote class="ruse-quote"{quote_lang} style="margin: 0.4em 0 0.4em 1em; '
            f'padding-left: 0.8em; border-left: 3px solid #999">{escape(q)}</blockquote>'
            for q in items
        ]
        plain += [f"> {q}" for q in items]
    else:
        parts.append(f"<p>{escape(t('quotes_none'))}</p>")
        plain.append(t("quotes_none"))
    if held_back > 0:
        held = (
            t("quotes_held_back", n=t.int(held_back)) if held_back >= MIN_QUOTE else t("quotes_held_back_some")
        )
        parts.append(f"<p><em>{escape(held)}</em></p>")
        plain.append(held)
    parts.append("</div>")
    return (
        {"text/html": "".join(parts), "text/plain": "\n".join(plain)},
        {META_KEY: {"kind": "quotes"}},
    )
