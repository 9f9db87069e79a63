"""Likert figures: counts per answer code, diverging stacked bars, and the shares behind them.

``likert_counts`` tallies the answer codes of ordinal items (``don't know`` kept apart),
``likert_bars`` draws them as diverging bars centred on the neutral answer with a separate
``don't know`` panel and ``n`` on every bar, ``likert_shares`` gives the same numbers as a table.
Bars describing 1 to ``MIN_CELL - 1`` respondents are refused
(:data:`ruse_research.stats.disclosure.MIN_CELL`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.transforms
import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ruse_research.display.formats import fmt_num, fmt_pct
from ruse_research.display.plots.base import (
    DONT_KNOW_COLOUR,
    LangFormatter,
    PlotError,
    close,  # noqa: F401 (the examples close figures)
    common_label,
    diverging_palette,
    need_columns,
    set_labels,
    style,
    text_colour_on,
)
from ruse_research.i18n import check_language
from ruse_research.stats.disclosure import MIN_CELL


# ========================================================================= Likert
def likert_counts(
    df: pd.DataFrame,
    items: Sequence[str],
    codebook: Any,
    lang: str,
    *,
    item_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Tidy answer counts of Likert ``items`` for :func:`likert_bars`, "don't know" kept.

    ``df`` must be read with ``io.read_survey(..., dont_know="keep")`` so "don't know"
    codes are still present; blank and missing answers (``<NA>``) are not counted.

    Parameters
    ----------
    df : DataFrame
        Coded answers, one row per respondent.
    items : sequence of str
        Item columns sharing one response scale.
    codebook : ruse_research.data.codebook.Codebook
        Uses ``value_labels(item, lang)``, ``dont_know_codes(item)`` and, if present,
        ``valid_codes(item)`` and ``label(item, lang)``.
    lang : {"bg", "en"}
    item_labels : mapping, optional
        Item id -> label to show; default ``codebook.label(item, lang)`` or the id.

    Returns
    -------
    DataFrame
        Columns ``item``, ``item_label``, ``code``, ``category``, ``dont_know`` (bool),
        ``count``; every (item, code) of the scale appears, in scale order.

    Examples
    --------
    >>> import pandas as pd
    >>> class Book:  # the two methods likert_counts needs
    ...     def value_labels(self, item, lang): return {1: "No", 2: "Yes", 8: "DK"}
    ...     def dont_know_codes(self, item): return [8]
    >>> df = pd.DataFrame({"q1": pd.array([1, 2, 2, 8, None], dtype="Int64")})
    >>> likert_counts(df, ["q1"], Book(), "en")[["code", "category", "dont_know", "count"]]
       code category  dont_know  count
    0     1       No      False      1
    1     2      Yes      False      2
    2     8       DK       True      1
    """
    check_language(lang)
    need_columns(df, *items)
    rows = []
    for item in items:
        labels = dict(codebook.value_labels(item, lang))
        dont_know = [int(c) for c in codebook.dont_know_codes(item)]
        missing_codes = {int(c) for c in getattr(codebook, "missing_codes", lambda _i: [])(item)}
        if hasattr(codebook, "valid_codes"):
            valid = [int(c) for c in codebook.valid_codes(item)]
        else:  # value_labels holds valid, "don't know" and missing codes
            valid = [c for c in labels if c not in dont_know and c not in missing_codes]
        if item_labels and item in item_labels:
            shown = item_labels[item]
        elif hasattr(codebook, "label"):
            shown = codebook.label(item, lang)
        else:
            shown = item
        answers = pd.to_numeric(df[item], errors="coerce").dropna().astype("int64")
        known = set(valid) | set(dont_know)
        stray = sorted(set(answers) - known - missing_codes)
        if stray:
            raise PlotError(f"item {item!r} holds codes {stray} that its scale does not define")
        counts = answers.value_counts()
        for code in valid + dont_know:
            rows.append(
                {
                    "item": item,
                    "item_label": shown,
                    "code": code,
                    "category": labels[code],
                    "dont_know": code in dont_know,
                    "count": int(counts.get(code, 0)),
                }
            )
    return pd.DataFrame(
        rows, columns=["item", "item_label", "code", "category", "dont_know", "count"]
    )


@dataclass(frozen=True)
class _Likert:
    categories: list
    items: list
    shares: pd.DataFrame  # items x substantive categories, rows sum to 1
    n_substantive: pd.Series
    dk_counts: pd.Series
    n_all: pd.Series
    dk_share: pd.Series  # "don't know" as a share of all answers (weighted if counts are)
    has_dont_know: bool  # the input has "don't know" rows (even if all zero)


def _likert_prepare(
    counts: pd.DataFrame,
    item: str,
    category: str,
    count: str,
    dont_know: str | None,
    order: Sequence[str] | None,
    sort: bool,
    n_count: str | None = None,
) -> _Likert:
    need_columns(counts, item, category, count, dont_know, n_count)
    columns = list(dict.fromkeys(c for c in (item, category, count, dont_know, n_count) if c))
    frame = counts[columns].copy()
    for col in dict.fromkeys(c for c in (count, n_count) if c):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
        if frame[col].isna().any() or (frame[col] < 0).any():
            raise PlotError(f"column {col!r} must hold non-negative counts")
    is_dk = frame[dont_know].astype(bool) if dont_know else pd.Series(False, index=frame.index)
    dk_frame, scale_frame = frame[is_dk], frame[~is_dk]
    categories = list(order) if order is not None else list(dict.fromkeys(scale_frame[category]))
    unknown = sorted(set(scale_frame[category]) - set(categories), key=str)
    if unknown:
        raise PlotError(f"categories not in order=: {unknown}")
    if len(categories) < 2:
        raise PlotError("a Likert scale needs at least two substantive categories")
    if scale_frame.duplicated([item, category]).any():
        raise PlotError(f"more than one row per ({item}, {category})")

    items = list(dict.fromkeys(frame[item]))

    def totals(values: str) -> tuple[pd.DataFrame, pd.Series]:
        wide = (
            scale_frame.pivot_table(
                index=item,
                columns=category,
                values=values,
                aggfunc="sum",
                sort=False,
                observed=True,
            )
            .reindex(columns=categories)
            .reindex(items)
            .fillna(0.0)
        )
        dk = dk_frame.groupby(item, sort=False)[values].sum().reindex(items).fillna(0.0)
        return wide, dk

    wide, dk_weight = totals(count)
    raw_wide, dk_counts = totals(n_count) if n_count else (wide, dk_weight)
    n_substantive = raw_wide.sum(axis=1)
    n_all = n_substantive + dk_counts
    # both the scale bars (substantive answers) and the whole item must describe >= 5 people
    for what, n in (("substantive answers", n_substantive), ("answers", n_all)):
        small = n[(n > 0) & (n < MIN_CELL)]
        if len(small):
            raise PlotError(
                f"item {small.index[0]!r} has fewer than {MIN_CELL} {what} (the number is not "
                f"named: failure messages are published), fewer than "
                f"{MIN_CELL} respondents; leave it out of the figure"
            )
    weight_substantive = wide.sum(axis=1)
    shares = wide.div(weight_substantive.where(weight_substantive > 0), axis=0).fillna(0.0)
    weight_all = weight_substantive + dk_weight
    dk_share = (dk_weight / weight_all.where(weight_all > 0)).fillna(0.0)

    k = len(categories)
    half = k // 2
    agree_cols = categories[half + (k % 2) :]
    if sort:
        key = pd.DataFrame({"agree": shares[agree_cols].sum(axis=1), "pos": range(len(items))})
        # highest agreement first; ties keep input order (deterministic)
        items = list(key.sort_values(["agree", "pos"], ascending=[False, True]).index)
        shares, n_substantive, dk_counts, n_all, dk_share = (
            shares.loc[items],
            n_substantive.loc[items],
            dk_counts.loc[items],
            n_all.loc[items],
            dk_share.loc[items],
        )
    return _Likert(
        categories, items, shares, n_substantive, dk_counts, n_all, dk_share, len(dk_frame) > 0
    )


def _likert_reorder(prepared: _Likert, rows: list) -> _Likert:
    return _Likert(
        prepared.categories,
        rows,
        prepared.shares.loc[rows],
        prepared.n_substantive.loc[rows],
        prepared.dk_counts.loc[rows],
        prepared.n_all.loc[rows],
        prepared.dk_share.loc[rows],
        prepared.has_dont_know,
    )


_ROW_KEY = "__ruse_likert_row__"
_SEP = "\x1f"  # joins item and group in the row key; never in labels


@dataclass(frozen=True)
class _LikertLayout:
    prepared: _Likert
    y: np.ndarray  # y of each data row (top row has the largest y)
    tick_labels: list[str]
    headers: list[tuple[float, str]]  # (y, item text) above each item's group rows
    item_of_row: list[str]
    group_of_row: list[str | None]


def _likert_layout(
    counts: pd.DataFrame,
    item: str,
    category: str,
    count: str,
    dont_know: str | None,
    order: Sequence[str] | None,
    sort: bool,
    n_count: str | None,
    group: str | None,
) -> _LikertLayout:
    """Rows of a Likert chart: items (sorted by agreement) or item headers + group rows."""
    if group is None:
        prepared = _likert_prepare(counts, item, category, count, dont_know, order, sort, n_count)
        rows = prepared.items
        y = np.arange(len(rows), dtype=float)[::-1]
        labels = [str(r) for r in rows]
        return _LikertLayout(prepared, y, labels, [], labels, [None] * len(rows))
    need_columns(counts, item, group)
    keyed = counts.assign(**{_ROW_KEY: counts[item].astype(str) + _SEP + counts[group].astype(str)})
    prepared = _likert_prepare(keyed, _ROW_KEY, category, count, dont_know, order, False, n_count)
    rows = list(prepared.items)
    item_of = {r: r.split(_SEP, 1)[0] for r in rows}
    item_order = list(dict.fromkeys(item_of[r] for r in rows))
    if sort:
        k = len(prepared.categories)
        agree = prepared.shares[prepared.categories[k // 2 + (k % 2) :]].sum(axis=1)
        mean_agree = {it: agree[[r for r in rows if item_of[r] == it]].mean() for it in item_order}
        position = {it: i for i, it in enumerate(item_order)}
        item_order = sorted(item_order, key=lambda it: (-mean_agree[it], position[it]))
    ordered = [r for it in item_order for r in rows if item_of[r] == it]
    prepared = _likert_reorder(prepared, ordered)
    # top to bottom: header line, then the item's group rows
    slots: list[tuple[str, str]] = []
    for it in item_order:
        slots.append(("header", it))
        slots += [("row", r) for r in ordered if item_of[r] == it]
    top = len(slots) - 1
    y_of = {value: float(top - i) for i, (kind, value) in enumerate(slots) if kind == "row"}
    headers = [(float(top - i), value) for i, (kind, value) in enumerate(slots) if kind == "header"]
    return _LikertLayout(
        prepared,
        np.array([y_of[r] for r in ordered]),
        [r.split(_SEP, 1)[1] for r in ordered],
        headers,
        [item_of[r] for r in ordered],
        [r.split(_SEP, 1)[1] for r in ordered],
    )


def likert_shares(
    counts: pd.DataFrame,
    *,
    item: str = "item_label",
    category: str = "category",
    count: str = "count",
    dont_know: str | None = "dont_know",
    order: Sequence[str] | None = None,
    sort: bool = True,
    n_count: str | None = None,
    group: str | None = None,
) -> pd.DataFrame:
    """The numbers behind :func:`likert_bars`, as a table to publish beside the figure.

    Same input, checks, category order and item order as :func:`likert_bars`
    (``n_count``: unweighted counts when ``count`` is weighted; the ``n_*`` columns then
    hold unweighted numbers and the shares are weighted; ``group``: one row per item and
    group, with a ``group`` column after ``item``).

    Returns
    -------
    DataFrame
        One row per item: ``item``, ``n_answers`` (all answers incl. "don't know"),
        ``n_substantive``, ``disagree``, ``neutral`` (NaN for an even scale), ``agree``
        (shares of substantive answers below / at / above the middle), ``dont_know``
        (share of all answers), then one share column per substantive category.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"item_label": ["A"] * 4, "category": ["No", "Neutral", "Yes", "DK"],
    ...                        "dont_know": [False, False, False, True], "count": [2, 3, 15, 5]})
    >>> likert_shares(counts)[["item", "n_answers", "disagree", "neutral", "agree", "dont_know"]]
      item  n_answers  disagree  neutral  agree  dont_know
    0    A         25       0.1     0.15   0.75        0.2
    """
    layout = _likert_layout(counts, item, category, count, dont_know, order, sort, n_count, group)
    prepared = layout.prepared
    cats = prepared.categories
    k = len(cats)
    half = k // 2
    shares = prepared.shares
    out = pd.DataFrame(
        {
            "item": layout.item_of_row,
            "n_answers": prepared.n_all.to_numpy(),
            "n_substantive": prepared.n_substantive.to_numpy(),
            "disagree": shares[cats[:half]].sum(axis=1).to_numpy(),
            "neutral": shares[cats[half]].to_numpy() if k % 2 == 1 else np.nan,
            "agree": shares[cats[half + (k % 2) :]].sum(axis=1).to_numpy(),
            "dont_know": prepared.dk_share.to_numpy(),
        }
    )
    for cat in cats:
        out[str(cat)] = shares[cat].to_numpy()
    if group is not None:
        out.insert(1, "group", layout.group_of_row)
    for col in ("n_answers", "n_substantive"):
        whole = out[col].round().eq(out[col]).all()
        out[col] = out[col].astype("int64") if whole else out[col]
    return out


def likert_bars(
    counts: pd.DataFrame,
    *,
    item: str = "item_label",
    category: str = "category",
    count: str = "count",
    dont_know: str | None = "dont_know",
    order: Sequence[str] | None = None,
    sort: bool = True,
    n_count: str | None = None,
    group: str | None = None,
    lang: str = "en",
    title: str | None = None,
    xlabel: str | None = None,
    dont_know_title: str | None = None,
    legend_title: str | None = None,
    n_label: str = "n",
    min_label_share: float = 0.08,
    wrap: int = 40,
    width: float = 9.0,
) -> Figure:
    """Diverging stacked bars centred on the neutral category, "don't know" shown apart.

    Substantive answers are drawn as percentages of the item's substantive answers,
    centred so the neutral category (the middle one of an odd scale) straddles zero;
    disagreement runs left, agreement right. "Don't know" goes in its own panel on the
    right as a percentage of all answers, so it neither hides nor dilutes the scale.
    Items are sorted by agreement (share above the middle), highest on top, and every
    bar is labelled with its ``n`` (substantive answers; all answers on the right).

    Parameters
    ----------
    counts : DataFrame
        Tidy counts: one row per item and category (see :func:`likert_counts`).
    item, category, count : str
        Column names. ``count`` may hold weighted counts (then give ``n_count``).
    dont_know : str or None
        Boolean column marking "don't know" rows; ``None`` when there are none.
    n_count : str, optional
        Column of unweighted counts when ``count`` is weighted: shares come from
        ``count``, the ``n`` labels and the fewer-than-5 check from ``n_count``.
    group : str, optional
        Column of respondent groups (e.g. staff / citizens / NGOs for mirror items): each
        item becomes a bold header line followed by one bar per group (groups in order
        of appearance; items sorted by their mean agreement across groups).
    order : sequence of str, optional
        Substantive categories from most negative to most positive; default: their
        order of first appearance in ``counts``.
    sort : bool, default True
        Sort items by agreement; otherwise keep first-appearance order (top to bottom).
    lang : {"bg", "en"}
        Number format of the percentage labels.
    title, xlabel, dont_know_title, legend_title : str, optional
        Translated texts. ``xlabel`` and ``dont_know_title`` default to the common
        catalog's ``label_share_substantive`` and ``label_dont_know`` in ``lang``.
    n_label : str
        Text before the count, e.g. ``"n"``.
    min_label_share : float
        Segments narrower than this share get no percentage label.
    wrap : int
        Item labels are wrapped at this many characters.
    width : float
        Figure width in inches (height follows the number of items).

    Returns
    -------
    Figure
        Axes ``[main]`` or ``[main, dont_know]``.

    Raises
    ------
    PlotError
        An item with 1-4 answers (it would describe fewer than 5 respondents), or bad columns.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({
    ...     "item_label": ["A"] * 4 + ["B"] * 4,
    ...     "category": ["No", "Neutral", "Yes", "DK"] * 2,
    ...     "dont_know": [False, False, False, True] * 2,
    ...     "count": [2, 3, 10, 1, 8, 2, 5, 0]})
    >>> fig = likert_bars(counts)  # A (67% agree) above B (33%)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]  # top to bottom
    ['A', 'B']
    >>> close(fig)
    """
    layout = _likert_layout(counts, item, category, count, dont_know, order, sort, n_count, group)
    prepared = layout.prepared
    if xlabel is None:
        xlabel = common_label(lang, "label_share_substantive")
    if dont_know_title is None:
        dont_know_title = common_label(lang, "label_dont_know")
    categories, items, shares = prepared.categories, prepared.items, prepared.shares
    n_substantive, n_all = prepared.n_substantive, prepared.n_all
    k = len(categories)
    half = k // 2
    neutral = categories[half] if k % 2 == 1 else None
    left_offset = shares[categories[:half]].sum(axis=1)
    if neutral is not None:
        left_offset = left_offset + shares[neutral] / 2

    colours = diverging_palette(k)
    has_dk = prepared.has_dont_know
    lines = max(str(i).count("\n") + 1 + len(str(i)) // wrap for i in layout.tick_labels)
    n_slots = len(items) + len(layout.headers)
    height = max(2.6, (0.45 + 0.15 * lines) * n_slots + 1.9)
    with style():
        if has_dk:
            fig, axes = plt.subplots(
                1,
                2,
                figsize=(width, height),
                sharey=True,
                layout="constrained",
                gridspec_kw={"width_ratios": [6, 1]},
            )
            ax, ax_dk = axes
        else:
            fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
            ax_dk = None
        y = layout.y  # first row on top
        start = -left_offset.to_numpy()
        for j, cat in enumerate(categories):
            widths = shares[cat].to_numpy()
            ax.barh(
                y,
                widths,
                left=start,
                color=colours[j],
                edgecolor="white",
                linewidth=0.6,
                height=0.7,
                label=str(cat),
            )
            for yi, x0, w in zip(y, start, widths, strict=True):
                if w >= min_label_share:
                    ax.text(
                        x0 + w / 2,
                        yi,
                        fmt_pct(w, lang),
                        ha="center",
                        va="center",
                        fontsize=8,
                        color=text_colour_on(colours[j]),  # >= 4.5:1 (WCAG)
                    )
            start = start + widths
        right_end = start
        ax.axvline(0, color="#444444", linewidth=0.8)
        reach = max(
            float(np.max(left_offset.to_numpy(), initial=0)),
            float(np.max(right_end, initial=0)),
            0.25,
        )
        lim = math.ceil(reach * 4 - 1e-9) / 4  # next multiple of 25%
        ax.set_xlim(-lim - 0.02, lim + 0.18)  # room on the right for "n = ..."
        for yi, x1, n in zip(y, right_end, n_substantive.to_numpy(), strict=True):
            ax.text(x1 + 0.015, yi, f"{n_label} = {fmt_num(n, lang, 0)}", va="center", fontsize=8)
        ticks = np.arange(-lim, lim + 1e-9, 0.25)
        ax.set_xticks(ticks, [fmt_pct(abs(t), lang) for t in ticks])
        ax.set_yticks(y, [textwrap.fill(str(i), wrap) for i in layout.tick_labels])
        ax.set_ylim(-0.6, n_slots - 0.4)
        for header_y, header in layout.headers:
            ax.text(
                0.0,
                header_y,
                textwrap.shorten(str(header), 110, placeholder=" …"),
                transform=matplotlib.transforms.blended_transform_factory(
                    ax.transAxes, ax.transData
                ),
                ha="left",
                va="center",
                fontweight="bold",
                fontsize=9,
            )
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        set_labels(ax, title, xlabel, None)
        fig.legend(
            *ax.get_legend_handles_labels(),
            loc="outside lower center",
            ncol=min(k, 3 if max(len(str(c)) for c in categories) > 18 else 5),
            frameon=False,
            title=legend_title,
        )
        if ax_dk is not None:
            dk_share = prepared.dk_share.to_numpy()
            ax_dk.barh(
                y,
                dk_share,
                color=DONT_KNOW_COLOUR,
                height=0.7,
                hatch="//",
                edgecolor="white",
                linewidth=0.6,
            )
            top = max(0.25, float(dk_share.max(initial=0)) * 1.9)
            ax_dk.set_xlim(0, top)
            for yi, w, n in zip(y, dk_share, n_all.to_numpy(), strict=True):
                ax_dk.text(
                    w + top * 0.03,
                    yi,
                    f"{fmt_pct(w, lang)}\n{n_label} = {fmt_num(n, lang, 0)}",
                    va="center",
                    fontsize=7.5,
                )
            ax_dk.xaxis.set_major_locator(MaxNLocator(nbins=2, steps=[1, 2, 5, 10]))
            ax_dk.xaxis.set_major_formatter(LangFormatter(lang, percent=True))
            ax_dk.tick_params(axis="y", length=0)
            ax_dk.spines["left"].set_visible(False)
            if dont_know_title is not None:
                ax_dk.set_title(dont_know_title, fontsize=10)
    return fig
