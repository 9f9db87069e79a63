"""Open answers of the stakeholder study: recommendations coded into themes, tabulated
by group (small cells suppressed) and scrubbed quotes of the themes with enough answers.

Part of :mod:`ruse_research.studies.stakeholders` (re-exported there), kept apart so that
each module stays small.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ruse_research.stats import disclosure, text
from ruse_research.stats.quotes import representative_quotes


@dataclass(frozen=True)
class ThemeQuotes:
    """Scrubbed quotes of one theme with at least ``min_quote`` answers (``held_back``: not
    quotable, the scrubber could not classify them as safe)."""

    theme: str
    n: int
    quotes: tuple[str, ...]
    held_back: int = 0


@dataclass(frozen=True, eq=False)
class Themes:
    """Coded recommendations: ``coded`` (0/1 per theme), ``frequencies`` by group (small
    cells suppressed), ``shares`` over everyone, ``quotes`` per quotable theme."""

    themes: text.ThemeSet
    coded: pd.DataFrame
    frequencies: pd.DataFrame
    shares: pd.DataFrame
    quotes: tuple[ThemeQuotes, ...]


def recommendation_themes(
    study, min_quote: int = 10, quotes_per_theme: int = 2, seed: int = 20190118
) -> Themes:
    """Code the open recommendations into themes, tabulate them by group and pick quotes.

    ``study`` is a :class:`ruse_research.studies.stakeholders.StakeholderStudy` (not imported
    here: that module imports this one).

    Frequencies by group are suppressed below 5 answers; quotes come only from themes
    with at least ``min_quote`` answers (the privacy rule: 10) and are scrubbed of
    personal data by :func:`ruse_research.stats.quotes.representative_quotes`.
    """
    themes = text.load_themes()
    answers = study.data["recommend"]
    coded = text.code_answers(answers, themes)
    frequencies = disclosure.suppress(
        text.theme_frequencies(coded, by=study.data["group"]),
        count_columns=["n", "n_answers"],
        group_columns=["group", "theme"],
        stat_columns=["share"],
    )
    totals = coded.drop(columns="not_coded").sum().sort_values(ascending=False, kind="stable")
    quotes = []
    for theme, n_theme in totals[totals >= min_quote].items():
        picked = representative_quotes(
            answers, coded, theme, k=quotes_per_theme, min_answers=min_quote, seed=seed
        )
        quotes.append(ThemeQuotes(str(theme), int(n_theme), tuple(picked["quote"]), picked.attrs["held_back"]))
    return Themes(themes, coded, frequencies, text.theme_frequencies(coded), tuple(quotes))
