"""Quotes for a report: a few scrubbed answers per theme, only where enough people gave one.

:func:`representative_quotes` draws up to ``k`` answers of a theme (seeded), scrubs each with
:func:`ruse_research.stats.scrub.scrub` and shortens it; below ``MIN_QUOTE`` (10) answers with
the theme it returns nothing, so no quote can point at a small group.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ruse_research.stats.disclosure import MIN_QUOTE
from ruse_research.stats.scrub import quote_problems, scrub
from ruse_research.stats.text import _SPACES, NOT_CODED, TextError, code_answers, load_themes  # noqa: F401

__all__ = ["representative_quotes"]


def representative_quotes(
    answers: pd.Series,
    coded: pd.DataFrame,
    theme: str,
    k: int = 3,
    *,
    min_answers: int = MIN_QUOTE,
    seed: int = 20190118,
    names: Iterable[str] | None = None,
    max_chars: int = 300,
) -> pd.DataFrame:
    """Up to ``k`` scrubbed quotes for a theme, only if at least ``min_answers`` mention it.

    Parameters
    ----------
    answers : pandas.Series
        The raw answers (same index as ``coded``).
    coded : pandas.DataFrame
        Output of :func:`ruse_research.stats.text.code_answers` for ``answers``.
    theme : str
        Theme id (or :data:`ruse_research.stats.text.NOT_CODED`).
    k : int, default 3
        Number of quotes.
    min_answers : int, default ``disclosure.MIN_QUOTE`` (10)
        Below this many answers with the theme, no quote is returned (empty frame).
        Values below ``MIN_QUOTE`` are refused.
    seed : int
        Seed of the random draw (quotes are then listed in the answers' order).
    names : iterable of str, optional
        Personal names to scrub in addition to e-mails, phones, EGN, IBAN and URLs.
    max_chars : int, default 300
        Longer quotes are cut at a word boundary and end with "…".

    Returns
    -------
    pandas.DataFrame
        Columns ``["theme", "quote"]``; ``quote`` is scrubbed with :func:`scrub` and NOT
        HTML-escaped (``report.show_table`` escapes when rendering). Answers with anything
        the scrubber cannot classify as safe (:func:`ruse_research.stats.scrub.quote_problems`)
        are held back: never drawn; how many of the theme's answers were held back is in
        ``attrs["held_back"]`` (to be stated in the report, see ``report.quote_list``).

    Examples
    --------
    >>> answers = pd.Series([f"Повече онлайн услуги, пишете на a{i}@abv.bg" for i in range(12)])
    >>> coded = code_answers(answers, load_themes("recommendation_themes"))
    >>> q = representative_quotes(answers, coded, "e_services", k=2, seed=1)
    >>> len(q), bool(q["quote"].str.contains("@").any())
    (2, False)
    >>> representative_quotes(answers[:9], coded[:9], "e_services").empty
    True
    """
    if theme not in coded.columns:
        raise TextError(
            f"unknown theme {theme!r}; coded columns: {', '.join(map(str, coded.columns))}"
        )
    if min_answers < MIN_QUOTE:
        raise TextError(f"min_answers={min_answers} is below the quote threshold {MIN_QUOTE}")
    if k < 1:
        raise TextError(f"k must be at least 1, got {k}")
    if not answers.index.equals(coded.index):
        raise TextError("answers and coded answers are not row-aligned (different index)")
    hit = coded[theme].fillna(False).astype(bool)
    pool = answers[hit]
    if len(pool) < min_answers:
        empty = pd.DataFrame({"theme": pd.Series(dtype="string"), "quote": pd.Series(dtype="string")})
        empty.attrs["held_back"] = 0
        return empty
    names = list(names) if names is not None else None
    scrubbed = [scrub(str(a), names=names) for a in pool]
    safe = [q for q in scrubbed if not quote_problems(q)]
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(len(safe), size=min(k, len(safe)), replace=False))
    quotes = [_shorten(safe[i], max_chars) for i in picked]
    out = pd.DataFrame(
        {
            "theme": pd.array([theme] * len(quotes), dtype="string"),
            "quote": pd.array(quotes, dtype="string"),
        }
    )
    out.attrs["held_back"] = len(scrubbed) - len(safe)
    return out


def _shorten(s: str, max_chars: int) -> str:
    s = _SPACES.sub(" ", s).strip()
    if len(s) <= max_chars:
        return s
    cut = s[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-") + "…"
