"""Report figures: deterministic, Cyrillic-safe, colour-blind-safe matplotlib/seaborn plots.

Every function takes a tidy ``data`` frame plus column names, draws with DejaVu Sans
(ships with matplotlib, covers Cyrillic), uses colour-blind-safe palettes (ColorBrewer
BrBG for agreement, Okabe-Ito for categories and status) and returns what it drew on:
the :class:`~matplotlib.axes.Axes` for single-panel plots (pass ``ax=`` to compose) or
the :class:`~matplotlib.figure.Figure` for multi-panel plots (:func:`likert_bars`).
Texts (axis labels, legends) come in already translated, usually from the catalog
(``report.texts``); numbers on the figure are formatted for ``lang``.

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

import math
import textwrap
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib
import matplotlib.transforms
import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import Formatter, MaxNLocator

from ruse_research.display.report import MIN_CELL, fmt_num, fmt_pct
from ruse_research.errors import RuseError

#: Okabe & Ito (2008) colour-blind-safe qualitative palette (black omitted).
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]

#: Monitoring status -> colour (Okabe-Ito; each status also gets a distinct symbol).
STATUS_COLOURS = {
    "on_track": "#009E73",  # bluish green
    "at_risk": "#E69F00",  # orange
    "off_track": "#D55E00",  # vermillion
    "no_data": "#BBBBBB",  # grey
}
#: Symbols drawn on status cells so colour is never the only cue.
STATUS_SYMBOLS = {"on_track": "✓", "at_risk": "!", "off_track": "✗", "no_data": "–"}
STATUS_ORDER = ["on_track", "at_risk", "off_track", "no_data"]

DONT_KNOW_COLOUR = "#9E9E9E"
NEUTRAL_COLOUR = "#D9D9D9"

#: rcParams applied while a figure is built.
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "ruse_research",
    "svg.fonttype": "path",
    "axes.unicode_minus": False,  # DejaVu has U+2212, but keep "-" like the tables
}


class PlotError(RuseError):
    """Bad input to a plotting function (missing column, wrong shape, too few respondents)."""


# ======================================================================= helpers
@contextmanager
def style():
    """Context in which figures get the package look (font, sizes, SVG determinism)."""
    with matplotlib.rc_context(STYLE):
        yield


def close(obj: Figure | Axes) -> None:
    """Close the figure of ``obj`` (Figure or Axes); ``report.show_figure`` does this itself."""
    plt.close(obj if isinstance(obj, Figure) else obj.get_figure(root=True))


def diverging_palette(n: int) -> list[str]:
    """``n`` colour-blind-safe colours from disagree (brown) to agree (teal), neutral grey.

    ColorBrewer BrBG (Harrower & Brewer 2003), marked colour-blind safe. With odd ``n``
    the middle colour is a light grey, so "neutral" does not look like a side.

    Examples
    --------
    >>> len(diverging_palette(5)), diverging_palette(5)[2]
    (5, '#D9D9D9')
    """
    import seaborn as sns

    if n < 2:
        raise PlotError(f"a diverging scale needs at least 2 categories, got {n}")
    colours = [c.upper() for c in sns.color_palette("BrBG", n).as_hex()]
    if n % 2 == 1:
        colours[n // 2] = NEUTRAL_COLOUR
    return colours


def _common(lang: str, key: str) -> str:
    """A shared label from ``locale/common.yaml`` in ``lang`` (defaults of the plots)."""
    from ruse_research.display.report import COMMON, Catalog, load_catalog_entries

    if lang not in ("bg", "en"):
        raise PlotError(f"unknown language {lang!r}; expected 'bg' or 'en'")
    return Catalog(COMMON, lang, load_catalog_entries(COMMON))(key)


def _need(data: pd.DataFrame, *columns: str | None) -> None:
    if not isinstance(data, pd.DataFrame):
        raise PlotError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise PlotError(f"columns not in data: {missing} (have {list(data.columns)})")
    if data.empty:
        raise PlotError("data has no rows")


def _numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(data[column], errors="coerce").astype("float64").to_numpy()
    return values


def _new_ax(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def _set_labels(ax: Axes, title: str | None, xlabel: str | None, ylabel: str | None) -> None:
    if title is not None:
        ax.set_title(title, loc="left")
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)


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
    if lang not in ("bg", "en"):
        raise PlotError(f"unknown language {lang!r}; expected 'bg' or 'en'")
    _need(df, *items)
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
    _need(counts, item, category, count, dont_know, n_count)
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
                f"item {small.index[0]!r} has {int(small.iloc[0])} {what}, fewer than "
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
    _need(counts, item, group)
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
        xlabel = _common(lang, "label_share_substantive")
    if dont_know_title is None:
        dont_know_title = _common(lang, "label_dont_know")
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
                    dark = j in (0, k - 1)
                    ax.text(
                        x0 + w / 2,
                        yi,
                        fmt_pct(w, lang),
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if dark else "black",
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
        _set_labels(ax, title, xlabel, None)
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
        ax = _new_ax(ax, (1.6 + 1.3 * values.shape[1], 1.2 + 0.6 * values.shape[0]))
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
        colourbar = ax.collections[0].colorbar
        if colourbar is not None:
            colourbar.ax.yaxis.set_major_formatter(LangFormatter(lang, percent=percent))
        ax.set_yticklabels([str(i) for i in matrix.index], rotation=0)
        ax.set_xticklabels([str(c) for c in matrix.columns], rotation=0)
        ax.tick_params(length=0)
        _set_labels(
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
    _need(data, before, after, unit)
    if labels is None:
        labels = (_common(lang, "label_before"), _common(lang, "label_after"))
    if mean_label is None:
        mean_label = _common(lang, "label_mean_change")
    if kind not in ("dumbbell", "slope"):
        raise PlotError(f"kind must be 'dumbbell' or 'slope', got {kind!r}")
    pre, post = _numeric(data, before), _numeric(data, after)
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
            ax = _new_ax(ax, (7.5, max(2.4, 0.45 * len(order) + 1.4)))
            y = np.arange(len(order))[::-1]
            for yi, i in zip(y, order, strict=True):
                ax.plot([pre[i], post[i]], [yi, yi], color="#888888", linewidth=1.5, zorder=1)
            ax.scatter(pre[order], y, color=c_before, s=45, zorder=2, label=labels[0])
            ax.scatter(post[order], y, color=c_after, s=45, zorder=3, marker="D", label=labels[1])
            ax.set_yticks(y, [names[i] for i in order])
            ax.tick_params(axis="y", length=0)
            ax.legend(loc="lower right", frameon=False)
        else:
            if len(change) < MIN_CELL:
                raise PlotError(
                    f"a slopegraph of {len(change)} rows would show fewer than {MIN_CELL} units; "
                    "use kind='dumbbell' on aggregated rows"
                )
            ax = _new_ax(ax, (4.5, 5.0))
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
            ax.legend(loc="best", frameon=False)
        ax.annotate(
            f"{mean_label}: {'+' if mean_change > 0 else ''}{fmt_num(mean_change, lang, digits)}",
            xy=(1.0, 1.01),
            xycoords="axes fraction",
            ha="right",
            va="bottom",
            fontsize=9,
        )
        _set_labels(ax, title, xlabel, ylabel)
    return ax


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
    _need(frame, group, estimate, low, high, wave)
    est, lo, hi = _numeric(frame, estimate), _numeric(frame, low), _numeric(frame, high)
    ok = ~np.isnan(est)
    if ((lo > est + 1e-12) | (hi < est - 1e-12))[ok & ~np.isnan(lo) & ~np.isnan(hi)].any():
        raise PlotError(f"every {low} <= {estimate} <= {high} is required")
    groups = list(dict.fromkeys(frame[group].astype(str)))
    waves = list(dict.fromkeys(frame[wave])) if wave else [None]
    step = 0.32 if len(waves) > 1 else 0.0
    markers = ["o", "D", "s", "^"]
    with style():
        ax = _new_ax(ax, (7.0, max(2.2, 0.5 * len(groups) * max(1, len(waves) * 0.7) + 1.2)))
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
        _set_labels(ax, title, xlabel, "")
        ax.xaxis.set_major_formatter(_number_formatter(lang))
    return ax


class LangFormatter(Formatter):
    """Tick labels in the report language with one number of decimals for the whole axis.

    ``percent=True`` reads values as proportions (0.25 -> "25%").

    Examples
    --------
    >>> LangFormatter("bg").format_ticks([59.8, 60.0, 60.2])
    ['59,8', '60,0', '60,2']
    >>> LangFormatter("en", percent=True).format_ticks([0, 0.125, 0.25])
    ['0.0%', '12.5%', '25.0%']
    """

    def __init__(self, lang: str, percent: bool = False):
        self.lang = lang
        self.percent = percent

    @staticmethod
    def _decimals(values: Sequence[float], percent: bool) -> int:
        scaled = [float(v) * (100 if percent else 1) for v in values if np.isfinite(v)]
        for digits in range(5):
            if all(abs(v * 10**digits - round(v * 10**digits)) < 1e-6 for v in scaled):
                return digits
        return 4

    def _format(self, value: float, digits: int) -> str:
        if self.percent:
            return fmt_pct(value, self.lang, digits)
        return fmt_num(value, self.lang, digits)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self._format(x, self._decimals([x], self.percent))

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        digits = self._decimals(values, self.percent)
        return [self._format(v, digits) for v in values]


def _number_formatter(lang: str) -> LangFormatter:
    return LangFormatter(lang)


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
    _need(frame, importance, performance, label)
    imp, perf = _numeric(frame, importance), _numeric(frame, performance)
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
        ax = _new_ax(ax, (7.0, 6.0))
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
        ax.xaxis.set_major_formatter(_number_formatter(lang))
        ax.yaxis.set_major_formatter(_number_formatter(lang))
        _set_labels(ax, title, xlabel, ylabel)
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
    _need(frame, variable, low, high)
    low_label = _common(lang, "label_low") if low_label is None else low_label
    high_label = _common(lang, "label_high") if high_label is None else high_label
    lo, hi = _numeric(frame, low), _numeric(frame, high)
    if np.isnan(lo).any() or np.isnan(hi).any():
        raise PlotError(f"{low} and {high} must be numbers in every row")
    names = frame[variable].astype(str).to_numpy()
    if isinstance(base, str):
        _need(frame, base)
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
        ax = _new_ax(ax, (7.0, max(2.2, 0.45 * len(order) + 1.3)))
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
        ax.xaxis.set_major_formatter(_number_formatter(lang))
        _set_labels(ax, title, xlabel, "")
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
    _need(frame, unit, rank, share)
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
    _need(frame, x, y, low, high, hue)
    if (low is None) != (high is None):
        raise PlotError("give both low= and high= or neither")
    est = _numeric(frame, y)
    lo = _numeric(frame, low) if low else None
    hi = _numeric(frame, high) if high else None
    cats = list(dict.fromkeys(frame[x].astype(str)))
    hues = list(dict.fromkeys(frame[hue].astype(str))) if hue else [None]
    width = 0.8 / len(hues)
    label_fmt = (
        (lambda v: fmt_pct(v, lang, max(0, digits - 2)))
        if percent
        else (lambda v: fmt_num(v, lang, digits))
    )
    with style():
        ax = _new_ax(
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
        if horizontal:
            ax.set_yticks([len(cats) - 1 - t for t in ticks], cats)
            ax.tick_params(axis="y", length=0)
            axis = ax.xaxis
        else:
            ax.set_xticks(ticks, cats)
            axis = ax.yaxis
        axis.set_major_formatter(LangFormatter(lang, percent=percent))
        if hue:
            ax.legend(frameon=False, title=legend_title, loc="best")
        _set_labels(ax, title, xlabel, ylabel)
    return ax


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
    lang: str = "en",
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
    _need(frame, indicator, period, status)
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
    labels = {**{k: _common(lang, f"status_{k}") for k in STATUS_ORDER}, **(status_labels or {})}
    with style():
        ax = _new_ax(
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
                    color="black" if code in ("at_risk", "no_data") else "white",
                    fontweight="bold",
                )
        ax.set_xlim(-0.6, len(cols) - 0.4)
        ax.set_ylim(-0.6, len(indicators) - 0.4)
        ax.set_xticks(range(len(cols)), [str(c) for c in cols])
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
        _set_labels(ax, title, xlabel, "")
    return ax
