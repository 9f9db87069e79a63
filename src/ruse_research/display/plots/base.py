"""What every figure shares: the package style, palettes, status colours, input checks, tick labels.

Figures are drawn inside :func:`style` (DejaVu Sans covers Cyrillic; SVG ids salted so the
bytes repeat), with colour-blind-safe palettes (:func:`diverging_palette`, :data:`OKABE_ITO`,
:data:`STATUS_COLOURS`). Numbers on axes and labels use the report language through
:class:`LangFormatter` and :mod:`ruse_research.display.formats`; default texts come from
``locale/common.yaml`` (:func:`common_label`). Bad input raises :class:`PlotError`.

Examples
--------
>>> LangFormatter("bg").format_ticks([0.5, 1.0])
['0,5', '1,0']
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from ruse_research.display.catalog import COMMON, texts
from ruse_research.display.formats import fmt_num, fmt_pct
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


#: WCAG 2.1 minimum contrast of normal text (success criterion 1.4.3).
MIN_CONTRAST = 4.5


def relative_luminance(colour) -> float:
    """WCAG 2.1 relative luminance of a matplotlib colour (0 black .. 1 white).

    Examples
    --------
    >>> relative_luminance("white"), relative_luminance("#000000")
    (1.0, 0.0)
    """
    from matplotlib.colors import to_rgb

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first, second) -> float:
    """WCAG 2.1 contrast ratio of two colours, from 1 (same) to 21 (black on white).

    Examples
    --------
    >>> round(contrast_ratio("black", "white"), 1), round(contrast_ratio("#777777", "white"), 2)
    (21.0, 4.48)
    """
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_colour_on(background) -> str:
    """Black or white, whichever contrasts more with ``background`` (always at least 4.5:1).

    Examples
    --------
    >>> text_colour_on("#FDE725"), text_colour_on("#00204C")
    ('#000000', '#FFFFFF')
    """
    black, white = "#000000", "#FFFFFF"
    return black if contrast_ratio(black, background) >= contrast_ratio(white, background) else white


def common_label(lang: str, key: str) -> str:
    """A shared label from ``locale/common.yaml`` in ``lang`` (defaults of the plots)."""
    return texts(COMMON, lang)(key)


def need_columns(data: pd.DataFrame, *columns: str | None) -> None:
    if not isinstance(data, pd.DataFrame):
        raise PlotError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise PlotError(f"columns not in data: {missing} (have {list(data.columns)})")
    if data.empty:
        raise PlotError("data has no rows")


def numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(data[column], errors="coerce").astype("float64").to_numpy()
    return values


def new_ax(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def set_labels(ax: Axes, title: str | None, xlabel: str | None, ylabel: str | None) -> None:
    if title is not None:
        ax.set_title(title, loc="left")
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)


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


def number_formatter(lang: str) -> LangFormatter:
    return LangFormatter(lang)
