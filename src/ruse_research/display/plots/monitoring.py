"""Monitoring figures: indicator status over time, with a colour and a symbol per status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from ruse_research.display.catalog import LocalText
from ruse_research.display.formats import QUARTER, fmt_quarter
from ruse_research.display.plots.base import (
    STATUS_COLOURS,
    STATUS_ORDER,
    STATUS_SYMBOLS,
    PlotError,
    close,  # noqa: F401 (the examples close figures)
    common_label,
    need_columns,
    new_ax,
    set_labels,
    style,
    text_colour_on,
)


# ======================================================================= monitoring
def status_colour(status: str) -> str:
    """Colour of a monitoring status (``on_track``, ``at_risk``, ``off_track``, ``no_data``).

    Examples
    --------
    >>> status_colour("at_risk")
    '#E69F00'
    """
    try:
        return STATUS_COLOURS[status]
    except KeyError:
        raise PlotError(f"unknown status {status!r}; expected one of {STATUS_ORDER}") from None


def status_timeline(
    frame: pd.DataFrame,
    *,
    indicator: str = "indicator",
    period: str = "period",
    status: str = "status",
    status_labels: Mapping[str, str] | None = None,
    periods: Sequence[Any] | None = None,
    lang: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    legend_title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Scorecard grid: one row per indicator, one column per period, a coloured cell per status.

    Status codes are ``on_track``, ``at_risk``, ``off_track``, ``no_data``; each cell
    also carries a symbol (✓ ! ✗ –) so the chart reads without colour. Missing
    indicator × period combinations are drawn as ``no_data``. ``status_labels`` maps the
    codes to legend texts; by default the common catalog's ``status_*`` labels in ``lang``.
    Quarter codes (``2017Q1``) among the periods are labelled in the language's form
    (``Q1 2017``, ``1. трим. 2017``). Without ``lang``, the language of a catalog text among
    ``xlabel``, ``legend_title`` and ``title`` is used, else English.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"indicator": ["A", "A", "B"], "period": ["Q1", "Q2", "Q1"],
    ...                   "status": ["on_track", "at_risk", "off_track"]})
    >>> ax = status_timeline(f)
    >>> sorted(t.get_text() for t in ax.texts)
    ['!', '–', '✓', '✗']
    >>> close(ax)
    """
    need_columns(frame, indicator, period, status)
    if lang is None:
        lang = next((x.lang for x in (xlabel, legend_title, title) if isinstance(x, LocalText)), "en")
    unknown = sorted(set(frame[status].dropna().astype(str)) - set(STATUS_COLOURS))
    if unknown:
        raise PlotError(f"unknown status value(s) {unknown}; expected {STATUS_ORDER}")
    if frame.duplicated([indicator, period]).any():
        raise PlotError(f"more than one status per ({indicator}, {period})")
    indicators = list(dict.fromkeys(frame[indicator].astype(str)))
    cols = list(periods) if periods is not None else sorted(dict.fromkeys(frame[period]))
    lookup = {
        (str(r[0]), r[1]): (str(r[2]) if pd.notna(r[2]) else "no_data")
        for r in frame[[indicator, period, status]].itertuples(index=False, name=None)
    }
    labels = {**{k: common_label(lang, f"status_{k}") for k in STATUS_ORDER}, **(status_labels or {})}
    with style():
        ax = new_ax(
            ax, (max(5.0, 1.6 + 0.9 * len(cols) + 2.0), max(2.0, 0.5 * len(indicators) + 1.3))
        )
        used = set()
        for r_i, ind in enumerate(indicators):
            yv = len(indicators) - 1 - r_i
            for c_i, per in enumerate(cols):
                code = lookup.get((ind, per), "no_data")
                used.add(code)
                ax.add_patch(
                    Rectangle(
                        (c_i - 0.45, yv - 0.4),
                        0.9,
                        0.8,
                        facecolor=STATUS_COLOURS[code],
                        edgecolor="white",
                    )
                )
                ax.text(
                    c_i,
                    yv,
                    STATUS_SYMBOLS[code],
                    ha="center",
                    va="center",
                    fontsize=11,
                    color=text_colour_on(STATUS_COLOURS[code]),  # >= 4.5:1 (WCAG)
                    fontweight="bold",
                )
        ax.set_xlim(-0.6, len(cols) - 0.4)
        ax.set_ylim(-0.6, len(indicators) - 0.4)
        # quarter codes in the language's form, the year on a second line: "Q1\n2017", "1. трим.\n2017"
        ax.set_xticks(range(len(cols)), [
            "\n".join(fmt_quarter(c, lang).rsplit(" ", 1)) if QUARTER.fullmatch(str(c).removesuffix("*"))
            else str(c) for c in cols])
        ax.set_yticks(range(len(indicators)), indicators[::-1])
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        handles = [
            Patch(facecolor=STATUS_COLOURS[k], label=f"{STATUS_SYMBOLS[k]} {labels[k]}")
            for k in STATUS_ORDER
            if k in used
        ]
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            title=legend_title,
        )
        set_labels(ax, title, xlabel, "")
    return ax
