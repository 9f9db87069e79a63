"""Estimates and change: heatmaps of matrices, paired change, estimates and bars with their CIs.

``heatmap_matrix`` annotates every cell in the report language; ``paired_change`` draws a
dumbbell or slope graph of before/after values (at least ``MIN_CELL`` units);
``estimates_with_ci`` and ``bar_with_ci`` show point estimates with confidence intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from ruse_research.display.formats import fmt_num, fmt_pct, fmt_quarter
from ruse_research.display.plots.base import (
    OKABE_ITO,
    LangFormatter,
    PlotError,
    close,  # noqa: F401 (the examples close figures)
    common_label,
    need_columns,
    new_ax,
    number_formatter,
    numeric,
    set_labels,
    style,
    text_colour_on,
)
from ruse_research.stats.disclosure import MIN_CELL


# ========================================================================= heatmap
def heatmap_matrix(
    matrix: pd.DataFrame,
    *,
    lang: str = "en",
    digits: int = 2,
    percent: bool = False,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "cividis",
    cbar_label: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Annotated heatmap of a wide matrix, e.g. participation levels × policy stages.

    Rows of ``matrix`` are drawn top to bottom and columns left to right as given; each
    cell shows its value formatted for ``lang`` (NA cells are left blank). The default
    ``cividis`` map is designed for colour-vision deficiency (Nuñez et al. 2018).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[0.2, 0.5], [0.8, None]], index=["Inform", "Consult"],
    ...                  columns=["Planning", "Monitoring"])
    >>> ax = heatmap_matrix(m, lang="bg")
    >>> sorted(t.get_text() for t in ax.texts)
    ['0,20', '0,50', '0,80']
    >>> close(ax)
    """
    import seaborn as sns

    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise PlotError("matrix must be a non-empty DataFrame (rows × columns)")
    values = matrix.apply(pd.to_numeric, errors="coerce").astype("float64")
    bad = values.isna() & matrix.notna()
    if bad.to_numpy().any():
        raise PlotError("matrix holds values that are not numbers")
    fmt = (
        (lambda v: fmt_pct(v, lang, max(0, digits - 2)))
        if percent
        else (lambda v: fmt_num(v, lang, digits))
    )
    annot = np.array(
        [["" if math.isnan(v) else fmt(v) for v in row] for row in values.to_numpy()], dtype=object
    )
    with style():
        ax = new_ax(ax, (1.6 + 1.3 * values.shape[1], 1.2 + 0.6 * values.shape[0]))
        sns.heatmap(
            values,
            ax=ax,
            annot=annot,
            fmt="",
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            linewidths=1,
            linecolor="white",
            cbar_kws={"label": cbar_label or ""},
            annot_kws={"fontsize": 9},
        )
        # each cell's label in black or white by the cell's luminance: contrast >= 4.5:1 (WCAG)
        mesh = ax.collections[0]
        for text in ax.texts:
            x, y = text.get_position()
            value = values.to_numpy()[int(y), int(x)]
            if not math.isnan(value):
                text.set_color(text_colour_on(mesh.cmap(mesh.norm(value))))
        colourbar = ax.collections[0].colorbar
        if colourbar is not None:
            colourbar.ax.yaxis.set_major_formatter(LangFormatter(lang, percent=percent))
        ax.set_yticklabels([str(i) for i in matrix.index], rotation=0)
        ax.set_xticklabels([str(c) for c in matrix.columns], rotation=0)
        ax.tick_params(length=0)
        set_labels(
            ax, title, xlabel if xlabel is not None else "", ylabel if ylabel is not None else ""
        )
    return ax


# ===================================================================== paired change
def paired_change(
    data: pd.DataFrame,
    *,
    before: str,
    after: str,
    unit: str | None = None,
    kind: str = "dumbbell",
    labels: tuple[str, str] | None = None,
    mean_label: str | None = None,
    lang: str = "en",
    digits: int = 2,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Change from ``before`` to ``after`` per row, with the mean change highlighted.

    ``kind="dumbbell"``: one row per unit (item, group), a dot for each time joined by a
    line, units sorted by change (largest gain on top), mean change in the title area.
    ``kind="slope"``: a slopegraph of every row (thin grey lines) with the mean as a
    thick line; it needs at least 5 rows because each line shows one unit.
    ``labels`` (before, after) and ``mean_label`` default to the common catalog's
    ``label_before``, ``label_after`` and ``label_mean_change`` in ``lang``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"item": ["a", "b", "c"], "w1": [2.0, 3.0, 4.0],
    ...                   "w2": [3.0, 3.5, 3.0]})
    >>> ax = paired_change(d, before="w1", after="w2", unit="item")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a', 'b', 'c']
    >>> close(ax)
    """
    need_columns(data, before, after, unit)
    if labels is None:
        labels = (common_label(lang, "label_before"), common_label(lang, "label_after"))
    if mean_label is None:
        mean_label = common_label(lang, "label_mean_change")
    if kind not in ("dumbbell", "slope"):
        raise PlotError(f"kind must be 'dumbbell' or 'slope', got {kind!r}")
    pre, post = numeric(data, before), numeric(data, after)
    keep = ~(np.isnan(pre) | np.isnan(post))
    if keep.sum() == 0:
        raise PlotError("no row has both a before and an after value")
    pre, post = pre[keep], post[keep]
    names = (
        data[unit].astype(str).to_numpy()[keep]
        if unit
        else np.array([str(i) for i in data.index[keep]])
    )
    change = post - pre
    mean_change = float(change.mean())
    c_before, c_after = OKABE_ITO[0], OKABE_ITO[1]
    with style():
        if kind == "dumbbell":
            order = sorted(range(len(change)), key=lambda i: (-change[i], names[i]))
            ax = new_ax(ax, (7.5, max(2.4, 0.45 * len(order) + 1.4)))
            y = np.arange(len(order))[::-1]
            for yi, i in zip(y, order, strict=True):
                ax.plot([pre[i], post[i]], [yi, yi], color="#888888", linewidth=1.5, zorder=1)
            ax.scatter(pre[order], y, color=c_before, s=45, zorder=2, label=labels[0])
            ax.scatter(post[order], y, color=c_after, s=45, zorder=3, marker="D", label=labels[1])
            ax.set_yticks(y, [names[i] for i in order])
            ax.tick_params(axis="y", length=0)
            ax.xaxis.set_major_formatter(number_formatter(lang))
            ax.legend(loc="lower right", frameon=False)
        else:
            if len(change) < MIN_CELL:
                raise PlotError(
                    f"a slopegraph of {len(change)} rows would show fewer than {MIN_CELL} units; "
                    "use kind='dumbbell' on aggregated rows"
                )
            ax = new_ax(ax, (4.5, 5.0))
            for a, b in zip(pre, post, strict=True):
                ax.plot([0, 1], [a, b], color="#BBBBBB", linewidth=0.8, zorder=1)
            ax.plot(
                [0, 1],
                [pre.mean(), post.mean()],
                color=c_before,
                linewidth=3,
                zorder=2,
                marker="o",
                label=mean_label,
            )
            ax.set_xticks([0, 1], list(labels))
            ax.set_xlim(-0.25, 1.25)
            ax.yaxis.set_major_formatter(number_formatter(lang))
            ax.legend(loc="best", frameon=False)
        ax.annotate(
            f"{mean_label}: {'+' if mean_change > 0 else ''}{fmt_num(mean_change, lang, digits)}",
            xy=(1.0, 1.01),
            xycoords="axes fraction",
            ha="right",
            va="bottom",
            fontsize=9,
        )
        set_labels(ax, title, xlabel, ylabel)
    return ax


def _whole(*arrays: np.ndarray | None) -> bool:
    """True when every finite value of the arrays is a whole number (a count)."""
    values = np.concatenate([a[np.isfinite(a)] for a in arrays if a is not None])
    return bool(len(values)) and bool(np.all(values == np.round(values)))


# ================================================================ estimates with CI
def estimates_with_ci(
    frame: pd.DataFrame,
    *,
    group: str = "group",
    estimate: str = "estimate",
    low: str = "ci_low",
    high: str = "ci_high",
    wave: str | None = None,
    reference: float | None = None,
    lang: str = "en",
    digits: int = 2,
    annotate: bool = True,
    title: str | None = None,
    xlabel: str | None = None,
    legend_title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Dot-and-whisker plot of estimates with CIs by group; two waves side by side.

    Groups are drawn top to bottom in order of first appearance. With ``wave``, each
    wave gets its own colour and marker, dodged vertically within the group.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"group": ["a", "a", "b", "b"], "wave": [1, 2, 1, 2],
    ...                   "estimate": [1.0, 2.0, 3.0, 2.5], "ci_low": [0.5, 1.5, 2.5, 2.0],
    ...                   "ci_high": [1.5, 2.5, 3.5, 3.0]})
    >>> ax = estimates_with_ci(f, wave="wave")
    >>> len(ax.containers)  # one errorbar container per wave
    2
    >>> close(ax)
    """
    need_columns(frame, group, estimate, low, high, wave)
    est, lo, hi = numeric(frame, estimate), numeric(frame, low), numeric(frame, high)
    ok = ~np.isnan(est)
    if ((lo > est + 1e-12) | (hi < est - 1e-12))[ok & ~np.isnan(lo) & ~np.isnan(hi)].any():
        raise PlotError(f"every {low} <= {estimate} <= {high} is required")
    groups = list(dict.fromkeys(frame[group].astype(str)))
    waves = list(dict.fromkeys(frame[wave])) if wave else [None]
    step = 0.32 if len(waves) > 1 else 0.0
    markers = ["o", "D", "s", "^"]
    with style():
        ax = new_ax(ax, (7.0, max(2.2, 0.5 * len(groups) * max(1, len(waves) * 0.7) + 1.2)))
        base = {g: len(groups) - 1 - i for i, g in enumerate(groups)}
        for w_i, w in enumerate(waves):
            rows = frame[wave] == w if wave else pd.Series(True, index=frame.index)
            mask = rows.to_numpy() & ok
            offset = (len(waves) - 1) / 2 * step - w_i * step
            ys = np.array([base[g] + offset for g in frame[group].astype(str).to_numpy()[mask]])
            e, l_, h_ = est[mask], lo[mask], hi[mask]
            err = np.vstack([np.where(np.isnan(l_), 0, e - l_), np.where(np.isnan(h_), 0, h_ - e)])
            ax.errorbar(
                e,
                ys,
                xerr=err,
                fmt=markers[w_i % len(markers)],
                color=OKABE_ITO[w_i % len(OKABE_ITO)],
                capsize=3,
                markersize=6,
                linewidth=1.5,
                label=None if w is None else str(w),
            )
            if annotate:
                for x, yv, top in zip(e, ys, np.where(np.isnan(h_), e, h_), strict=True):
                    # right of the whisker, on the point's own line: never on a neighbour
                    ax.text(
                        top,
                        yv,
                        f"  {fmt_num(x, lang, digits)}",
                        fontsize=8,
                        va="center",
                        ha="left",
                    )
        if reference is not None:
            ax.axvline(reference, color="#666666", linestyle="--", linewidth=0.8)
        if annotate:  # room on the right for the numbers
            left, right = ax.get_xlim()
            ax.set_xlim(left, right + 0.08 * (right - left))
        ax.set_yticks(list(base.values()), list(base.keys()))
        ax.set_ylim(-0.7, len(groups) - 0.3)
        ax.tick_params(axis="y", length=0)
        if wave:
            ax.legend(frameon=False, title=legend_title, loc="best")
        set_labels(ax, title, xlabel, "")
        ax.xaxis.set_major_formatter(number_formatter(lang))
    return ax


# ===================================================================== bar with CI
def bar_with_ci(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    low: str | None = None,
    high: str | None = None,
    hue: str | None = None,
    horizontal: bool = False,
    percent: bool = False,
    lang: str = "en",
    digits: int = 2,
    annotate: bool = True,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend_title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Bars of estimates with CI whiskers, optionally grouped by ``hue`` (dodged).

    ``percent=True`` reads ``y`` as proportions and labels them as percentages.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"g": ["a", "b", "a", "b"], "w": ["1", "1", "2", "2"],
    ...                   "p": [0.2, 0.4, 0.3, 0.5], "lo": [0.1, 0.3, 0.2, 0.4],
    ...                   "hi": [0.3, 0.5, 0.4, 0.6]})
    >>> ax = bar_with_ci(f, x="g", y="p", low="lo", high="hi", hue="w", percent=True)
    >>> len(ax.patches), len(ax.get_legend().get_texts())
    (4, 2)
    >>> close(ax)
    """
    need_columns(frame, x, y, low, high, hue)
    if (low is None) != (high is None):
        raise PlotError("give both low= and high= or neither")
    est = numeric(frame, y)
    lo = numeric(frame, low) if low else None
    hi = numeric(frame, high) if high else None
    cats = list(dict.fromkeys(frame[x].astype(str)))
    hues = list(dict.fromkeys(frame[hue].astype(str))) if hue else [None]
    width = 0.8 / len(hues)
    label_fmt = (
        (lambda v: fmt_pct(v, lang, max(0, digits - 2)))
        if percent
        else (lambda v: fmt_num(v, lang, digits))
    )
    with style():
        ax = new_ax(
            ax,
            (max(4.5, 0.9 * len(cats) * len(hues) + 2), 4.2)
            if not horizontal
            else (7.0, max(2.2, 0.45 * len(cats) * len(hues) + 1.2)),
        )
        pos = {c: i for i, c in enumerate(cats)}
        for h_i, h in enumerate(hues):
            mask = (frame[hue].astype(str) == h).to_numpy() if hue else np.ones(len(frame), bool)
            where = np.array([pos[c] for c in frame[x].astype(str).to_numpy()[mask]], dtype=float)
            where = where + (h_i - (len(hues) - 1) / 2) * width
            if horizontal:
                where = len(cats) - 1 - where
            values = est[mask]
            err = None
            if lo is not None and hi is not None:
                err = np.vstack(
                    [np.nan_to_num(values - lo[mask]), np.nan_to_num(hi[mask] - values)]
                )
            colour = OKABE_ITO[h_i % len(OKABE_ITO)]
            if horizontal:
                ax.barh(
                    where,
                    values,
                    height=width * 0.95,
                    color=colour,
                    label=h,
                    xerr=err,
                    error_kw={"capsize": 3, "elinewidth": 1.2},
                )
            else:
                ax.bar(
                    where,
                    values,
                    width=width * 0.95,
                    color=colour,
                    label=h,
                    yerr=err,
                    error_kw={"capsize": 3, "elinewidth": 1.2},
                )
            if annotate:
                tops = hi[mask] if hi is not None else values
                for p_, v, t_ in zip(
                    where, values, np.where(np.isnan(tops), values, tops), strict=True
                ):
                    if math.isnan(v):
                        continue
                    if horizontal:
                        ax.text(t_, p_, " " + label_fmt(v), va="center", ha="left", fontsize=8)
                    else:
                        ax.text(p_, t_, label_fmt(v), va="bottom", ha="center", fontsize=8)
        ticks = [pos[c] for c in cats]
        shown = [fmt_quarter(c, lang) for c in cats]  # quarter codes (2019Q1) in the language's form
        if horizontal:
            ax.set_yticks([len(cats) - 1 - t for t in ticks], shown)
            ax.tick_params(axis="y", length=0)
            axis = ax.xaxis
        else:
            ax.set_xticks(ticks, shown)
            axis = ax.yaxis
        axis.set_major_formatter(LangFormatter(lang, percent=percent))
        if not percent and _whole(est, lo, hi):
            axis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.5 ticks
        if hue:
            ax.legend(frameon=False, title=legend_title, loc="best")
        set_labels(ax, title, xlabel, ylabel)
    return ax
