"""Report figures: deterministic, Cyrillic-safe, colour-blind-safe matplotlib/seaborn plots.

Every function takes a tidy ``data`` frame plus column names, draws with DejaVu Sans
(ships with matplotlib, covers Cyrillic), uses colour-blind-safe palettes (ColorBrewer
BrBG for agreement, Okabe-Ito for categories and status) and returns what it drew on:
the :class:`~matplotlib.axes.Axes` for single-panel plots (pass ``ax=`` to compose) or
the :class:`~matplotlib.figure.Figure` for multi-panel plots (:func:`likert_bars`).
Texts (axis labels, legends) come in already translated, usually from the catalog
(``report.texts``); numbers on the figure are formatted for ``lang``.

The package has one module per figure family: :mod:`.likert`, :mod:`.estimates` (matrices,
change, estimates with CIs), :mod:`.model` (participation model), :mod:`.monitoring`, and
:mod:`.base` (style, palettes, checks, tick labels); this module re-exports their names.

Display with ``report.show_figure(fig_or_ax, name, caption)``, which renders fixed-dpi
PNG and salted SVG so the same data give the same bytes.

Functions
---------
Likert
    ``likert_counts(df, items, codebook, lang)`` -> tidy counts with "don't know" kept;
    ``likert_bars(counts, ...) -> Figure`` (diverging, centred on neutral, "don't know"
    panel, n on every bar; ``group=`` for one bar per group under each item,
    ``n_count=`` for weighted counts with unweighted n); ``likert_shares(counts, ...)``
    -> the same numbers as a table.
Matrices and change
    ``heatmap_matrix(matrix, ...)``, ``paired_change(data, before=, after=, unit=,
    kind="dumbbell"|"slope")``.
Estimates
    ``estimates_with_ci(frame, group=, estimate=, low=, high=, wave=None)``,
    ``bar_with_ci(frame, x=, y=, low=, high=, hue=None, percent=False)``.
Participation model
    ``importance_performance(frame, ...)``, ``tornado(frame, variable=, low=, high=,
    base=)``, ``rank_stability(draws, unit=, rank=)``.
Monitoring
    ``status_timeline(frame, indicator=, period=, status=)``, ``status_colour(status)``,
    ``STATUS_COLOURS`` / ``STATUS_SYMBOLS`` (on_track, at_risk, off_track, no_data).
Texts left as ``None`` (axis labels, legends of Likert, paired change, tornado, status)
come from ``locale/common.yaml`` in the function's ``lang``.

Helpers
    ``style()`` context, ``diverging_palette(n)``, ``OKABE_ITO``, ``LangFormatter``,
    ``close(fig_or_ax)``. Bad input raises :class:`PlotError` (a ``RuseError``).

Examples
--------
>>> import pandas as pd
>>> from ruse_research.display import plots
>>> frame = pd.DataFrame({"group": ["Staff", "NGOs"], "estimate": [0.6, 0.4],
...                       "ci_low": [0.5, 0.3], "ci_high": [0.7, 0.5]})
>>> ax = plots.bar_with_ci(frame, x="group", y="estimate", low="ci_low", high="ci_high")
>>> len(ax.patches)
2
>>> plots.close(ax)
"""

from __future__ import annotations

from ruse_research.display.plots.base import (
    DONT_KNOW_COLOUR,
    NEUTRAL_COLOUR,
    OKABE_ITO,
    STATUS_COLOURS,
    STATUS_ORDER,
    STATUS_SYMBOLS,
    STYLE,
    LangFormatter,
    PlotError,
    close,
    diverging_palette,
    style,
)
from ruse_research.display.plots.estimates import (
    bar_with_ci,
    estimates_with_ci,
    heatmap_matrix,
    paired_change,
)
from ruse_research.display.plots.likert import likert_bars, likert_counts, likert_shares
from ruse_research.display.plots.model import importance_performance, rank_stability, tornado
from ruse_research.display.plots.monitoring import status_colour, status_timeline

__all__ = [
    "DONT_KNOW_COLOUR", "NEUTRAL_COLOUR", "OKABE_ITO", "STATUS_COLOURS", "STATUS_ORDER",
    "STATUS_SYMBOLS", "STYLE", "LangFormatter", "PlotError", "bar_with_ci", "close",
    "diverging_palette", "estimates_with_ci", "heatmap_matrix", "importance_performance",
    "likert_bars", "likert_counts", "likert_shares", "paired_change", "rank_stability",
    "status_colour", "status_timeline", "style", "tornado",
]
