"""Participation-model figures: importance-performance map, tornado of swings, rank stability.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ruse_research.display.formats import fmt_num, fmt_pct
from ruse_research.display.plots.base import (
    OKABE_ITO,
    PlotError,
    close,  # noqa: F401 (the examples close figures)
    common_label,
    need_columns,
    new_ax,
    number_formatter,
    numeric,
    set_labels,
    style,
)
from ruse_research.display.plots.estimates import heatmap_matrix


# ========================================================== importance-performance
def importance_performance(
    frame: pd.DataFrame,
    *,
    importance: str = "importance",
    performance: str = "performance",
    label: str = "label",
    x_cut: float | None = None,
    y_cut: float | None = None,
    quadrant_labels: Sequence[str] | None = None,
    lang: str = "en",
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Importance-performance quadrant scatter (Martilla & James 1977) with point labels.

    Performance on x, importance on y; the cross-hairs default to the means.
    ``quadrant_labels`` = (top-left, top-right, bottom-left, bottom-right), e.g.
    ``[t("ipa_concentrate"), t("ipa_keep_up"), t("ipa_low_priority"),
    t("ipa_possible_overkill")]``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"label": ["a", "b", "c"], "importance": [4.0, 3.0, 2.0],
    ...                   "performance": [2.0, 4.0, 3.0]})
    >>> ax = importance_performance(f, quadrant_labels=["TL", "TR", "BL", "BR"])
    >>> sorted(t.get_text() for t in ax.texts)
    ['BL', 'BR', 'TL', 'TR', 'a', 'b', 'c']
    >>> close(ax)
    """
    need_columns(frame, importance, performance, label)
    imp, perf = numeric(frame, importance), numeric(frame, performance)
    ok = ~(np.isnan(imp) | np.isnan(perf))
    if not ok.any():
        raise PlotError("no row has both importance and performance")
    names = frame[label].astype(str).to_numpy()[ok]
    imp, perf = imp[ok], perf[ok]
    xc = float(np.mean(perf)) if x_cut is None else float(x_cut)
    yc = float(np.mean(imp)) if y_cut is None else float(y_cut)
    if quadrant_labels is not None and len(quadrant_labels) != 4:
        raise PlotError(
            "quadrant_labels needs 4 texts: top-left, top-right, bottom-left, bottom-right"
        )
    with style():
        ax = new_ax(ax, (7.0, 6.0))
        ax.scatter(perf, imp, s=40, color=OKABE_ITO[0], zorder=3)
        pad_x = max(0.05 * (perf.max() - perf.min()), 0.1)
        pad_y = max(0.05 * (imp.max() - imp.min()), 0.1)
        x0, x1 = min(perf.min(), xc) - 3 * pad_x, max(perf.max(), xc) + 3 * pad_x
        y0, y1 = min(imp.min(), yc) - 3 * pad_y, max(imp.max(), yc) + 3 * pad_y
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.axvline(xc, color="#666666", linewidth=0.8, linestyle="--")
        ax.axhline(yc, color="#666666", linewidth=0.8, linestyle="--")
        order = np.lexsort((names, -imp))
        for i in order:
            ax.annotate(
                names[i], (perf[i], imp[i]), xytext=(5, 4), textcoords="offset points", fontsize=8
            )
        if quadrant_labels is not None:
            spots = [
                (x0, y1, "left", "top"),
                (x1, y1, "right", "top"),
                (x0, y0, "left", "bottom"),
                (x1, y0, "right", "bottom"),
            ]
            for text, (x, y, ha, va) in zip(quadrant_labels, spots, strict=True):
                ax.text(x, y, str(text), ha=ha, va=va, fontsize=9, color="#555555", style="italic")
        ax.xaxis.set_major_formatter(number_formatter(lang))
        ax.yaxis.set_major_formatter(number_formatter(lang))
        set_labels(ax, title, xlabel, ylabel)
    return ax


# =========================================================================== tornado
def tornado(
    frame: pd.DataFrame,
    *,
    variable: str = "variable",
    low: str = "low",
    high: str = "high",
    base: float | str | None = None,
    low_label: str | None = None,
    high_label: str | None = None,
    lang: str = "en",
    digits: int = 2,
    title: str | None = None,
    xlabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Tornado chart: the outcome at each input's low and high value around ``base``.

    Bars run from ``base`` to the outcome at ``low`` and at ``high``; inputs are sorted
    by swing ``|high - low|``, largest on top (ties by name). ``base`` is the outcome with
    every input at its base value: a number, or the name of a column holding it (one
    value for all rows, as in ``participation.weight_tornado``'s ``score_base``); default
    the median of all low and high outcomes. ``low_label`` / ``high_label`` name the two
    bar colours (default: the common catalog's ``label_low`` / ``label_high``).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"variable": ["w1", "w2"], "low": [0.4, 0.45],
    ...                   "high": [0.7, 0.5]})
    >>> ax = tornado(f, base=0.5)
    >>> [t.get_text() for t in ax.get_yticklabels()], len(ax.patches)
    (['w1', 'w2'], 4)
    >>> close(ax)
    """
    need_columns(frame, variable, low, high)
    low_label = common_label(lang, "label_low") if low_label is None else low_label
    high_label = common_label(lang, "label_high") if high_label is None else high_label
    lo, hi = numeric(frame, low), numeric(frame, high)
    if np.isnan(lo).any() or np.isnan(hi).any():
        raise PlotError(f"{low} and {high} must be numbers in every row")
    names = frame[variable].astype(str).to_numpy()
    if isinstance(base, str):
        need_columns(frame, base)
        bases = pd.to_numeric(frame[base], errors="coerce").dropna().unique()
        if len(bases) != 1:
            raise PlotError(f"column {base!r} must hold one base value, found {len(bases)}")
        centre = float(bases[0])
    elif base is None:
        centre = float(np.median(np.concatenate([lo, hi])))
    else:
        centre = float(base)
    swing = np.abs(hi - lo)
    order = sorted(range(len(names)), key=lambda i: (-swing[i], names[i]))
    with style():
        ax = new_ax(ax, (7.0, max(2.2, 0.45 * len(order) + 1.3)))
        y = np.arange(len(order))[::-1]
        ax.barh(y, lo[order] - centre, left=centre, color=OKABE_ITO[3], height=0.6, label=low_label)
        ax.barh(
            y, hi[order] - centre, left=centre, color=OKABE_ITO[0], height=0.6, label=high_label
        )
        ax.axvline(centre, color="#333333", linewidth=0.9)
        span = max(float(np.max(np.abs(np.concatenate([lo, hi]) - centre))), 1e-9)
        for yi, i in zip(y, order, strict=True):
            for value in (lo[i], hi[i]):
                ha = "left" if value >= centre else "right"
                nudge = span * 0.02 * (1 if value >= centre else -1)
                ax.text(
                    value + nudge, yi, fmt_num(value, lang, digits), va="center", ha=ha, fontsize=8
                )
        ax.set_xlim(centre - span * 1.3, centre + span * 1.3)
        ax.set_yticks(y, [names[i] for i in order])
        ax.tick_params(axis="y", length=0)
        ax.legend(frameon=False, loc="lower right")
        ax.xaxis.set_major_formatter(number_formatter(lang))
        set_labels(ax, title, xlabel, "")
    return ax


# ==================================================================== rank stability
def rank_stability(
    frame: pd.DataFrame,
    *,
    unit: str = "unit",
    rank: str = "rank",
    share: str | None = None,
    lang: str = "en",
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    cbar_label: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """How often each unit takes each rank across Monte Carlo draws, as a heatmap.

    ``frame`` is either one row per draw and unit (columns ``unit``, ``rank``) or
    already summarised (pass ``share=`` with the proportion per unit and rank). Units
    are sorted by median rank (best on top); cells show the share as a percentage.

    Examples
    --------
    >>> import pandas as pd
    >>> draws = pd.DataFrame({"unit": ["a", "b"] * 3, "rank": [1, 2, 1, 2, 2, 1]})
    >>> ax = rank_stability(draws)
    >>> sorted(t.get_text() for t in ax.texts)
    ['33%', '33%', '67%', '67%']
    >>> close(ax)
    """
    need_columns(frame, unit, rank, share)
    data = frame[[unit, rank] + ([share] if share else [])].copy()
    data[rank] = pd.to_numeric(data[rank], errors="coerce")
    if data[rank].isna().any():
        raise PlotError(f"column {rank!r} must hold whole-number ranks")
    data[unit] = data[unit].astype(str)
    if share:
        table = data.pivot_table(index=unit, columns=rank, values=share, aggfunc="sum").fillna(0.0)
    else:
        table = pd.crosstab(data[unit], data[rank], normalize="index")
    ranks = np.array(table.columns, dtype=float)
    cumulative = table.cumsum(axis=1)
    median_rank = pd.Series(
        [ranks[np.argmax(row >= 0.5 - 1e-12)] for row in cumulative.to_numpy()], index=table.index
    )
    order = sorted(table.index, key=lambda u: (median_rank[u], u))
    table = table.loc[order]
    table.columns = [str(int(c)) if float(c).is_integer() else str(c) for c in table.columns]
    heat = heatmap_matrix(
        table,
        lang=lang,
        percent=True,
        digits=2,
        vmin=0,
        vmax=1,
        cmap="Blues",
        cbar_label=cbar_label,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        ax=ax,
    )
    # blank cells that were never reached so the eye goes to where ranks fall
    for text in list(heat.texts):
        if text.get_text() in (fmt_pct(0.0, lang), ""):
            text.remove()
    return heat
