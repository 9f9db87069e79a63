"""Figures: deterministic PNG and SVG bytes of a matplotlib figure, and its display bundle.

:func:`show_figure` displays a Figure, Axes or seaborn grid as a bundle the runner saves as
``figures/<name>.png|.svg`` (output metadata ``{"ruse": {"kind": "figure", "name": ...}}``,
see :mod:`ruse_research.contract`), then closes it. The bytes depend only on the figure: fixed
dpi, fixed SVG id salt, no dates, no software tag. In a run, the runner asks (environment
:data:`~ruse_research.contract.FIGURE_MARK_ENV`) for the data mark: the 300 dpi PNG then carries it
as a band on top, drawn here (:func:`kernel_flag`), so the runner need not decode and re-encode it.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([0, 1], [0, 1])
>>> figure_bytes(fig) == figure_bytes(fig)
True
>>> plt.close(fig)
"""

from __future__ import annotations

import base64
import io
from typing import Any

from ruse_research.contract import FIGURE_MARK_ENV, MARK_KEY, META_KEY
from ruse_research.display import output
from ruse_research.display.catalog import COMMON, language, texts
from ruse_research.display.errors import ReportError
from ruse_research.display.tables import check_name

#: Fixed figure resolution and SVG id salt: the same figure gives the same bytes.
FIGURE_DPI = 300  # print quality for the exported PNG (the report shows the SVG)
SVG_HASHSALT = "ruse_research"


def _figure_of(fig: Any):
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(fig, Axes):
        fig = fig.get_figure(root=True)
    elif not isinstance(fig, Figure):  # seaborn FacetGrid / JointGrid / PairGrid
        fig = getattr(fig, "figure", None)
    if isinstance(fig, Figure):
        return fig
    raise ReportError("show_figure needs a matplotlib Figure, Axes or seaborn grid")


#: Padding around the tight bounding box of every saved figure, in inches.
PAD_INCHES = 0.1
#: zlib level of the PNG: 1 is twice as fast as the default 6 on these flat-coloured charts, for
#: files about a fifth larger (an RGB PNG at level 1 is still smaller than matplotlib's RGBA one at 6).
PNG_COMPRESS_LEVEL = 1


def figure_bytes(fig: Any, flag: str = "", *, real: bool = False) -> tuple[bytes, bytes]:
    """Render ``fig`` to ``(png, svg)`` bytes, identical on every run with the same inputs.

    Fixed dpi, fixed SVG id salt, no date in the SVG and no ``Software`` text chunk in
    the PNG. The layout is computed once at the PNG's resolution and both files are cut to
    the same tight box (a ``bbox_inches="tight"`` savefig draws twice, and two of them four
    times). With ``flag``, the PNG has a band on top showing it in the right corner (green for
    ``real`` public data, else red): the mark of the exported print file. Does not close the figure.
    """
    import matplotlib

    figure = _figure_of(fig)
    svg = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path",
                                "figure.autolayout": False, "figure.constrained_layout.use": False}):
        engine, dpi, canvas = figure.get_layout_engine(), figure.dpi, figure.canvas
        figure.dpi = FIGURE_DPI
        try:
            figure.draw_without_rendering()  # the layout engine runs here, once
            renderer = _renderer(figure)
            box = figure.get_tightbbox(renderer).padded(PAD_INCHES)
            figure.set_layout_engine(None)  # laid out: savefig must not lay out (and draw) again
            png = _png(figure, box, flag, real)
            figure.savefig(svg, format="svg", dpi=FIGURE_DPI, metadata={"Date": None},
                           bbox_inches=box, facecolor="white")
        finally:
            figure.set_layout_engine(engine)
            figure.dpi = dpi
            figure.set_canvas(canvas)  # _renderer may have given a non-Agg figure an Agg canvas
    return png, svg.getvalue()


def _png(figure, box, flag: str, real: bool) -> bytes:
    """The figure cut to ``box`` as an RGB PNG at :data:`FIGURE_DPI` (fast zlib level, no text chunk),
    under the band of :func:`ruse_research.figure_mark.add_band` when ``flag`` is given.

    Agg draws RGBA on the white face; the PNG is written without the (opaque) alpha channel,
    which is a quarter less to compress.
    """
    from ruse_research.figure_mark import add_band

    raw = io.BytesIO()
    figure.savefig(raw, format="rgba", dpi=FIGURE_DPI, bbox_inches=box, facecolor="white")
    width = int(box.width * FIGURE_DPI)  # matplotlib's own rounding of the cut box
    image = rgb_of(raw.getbuffer(), width, len(raw.getvalue()) // (4 * width))
    if flag:
        image = add_band(image, flag, real=real)
    return png_of(image, FIGURE_DPI)


def rgb_of(rgba, width: int, height: int):
    """Agg's RGBA pixels (a buffer of ``width`` x ``height``) as a PIL RGB image: the face is
    opaque, and a PNG without the alpha channel is a quarter less to compress.

    Examples
    --------
    >>> rgb_of(bytes([255, 0, 0, 255] * 4), 2, 2).getpixel((1, 1))
    (255, 0, 0)
    """
    from PIL import Image

    return Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB")


def png_of(image, dpi: int) -> bytes:
    """A PIL image as PNG bytes: ``dpi`` recorded, :data:`PNG_COMPRESS_LEVEL`, no text chunk.

    Examples
    --------
    >>> from PIL import Image
    >>> png_of(Image.new("RGB", (2, 2), "white"), 300)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def _renderer(figure):
    """An Agg renderer at the figure's dpi (the figure's own canvas when it is an Agg one)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    return canvas.get_renderer()


def kernel_flag(source: str | None = None) -> str:
    """The mark the runner asked for (:data:`~ruse_research.contract.FIGURE_MARK_ENV`), else ``""``.

    Examples
    --------
    >>> import os
    >>> os.environ[FIGURE_MARK_ENV] = '{"synthetic": "SYNTHETIC", "source": "REAL, source: {source}"}'
    >>> kernel_flag(), kernel_flag("ISUN")
    ('SYNTHETIC', 'REAL, source: ISUN')
    >>> del os.environ[FIGURE_MARK_ENV]; kernel_flag()
    ''
    """
    import json
    import os

    try:
        asked = json.loads(os.environ.get(FIGURE_MARK_ENV) or "{}")
    except ValueError:
        return ""
    if not isinstance(asked, dict):
        return ""
    if source:
        return str(asked.get("source") or "").format(source=source)  # as ExportMark.flag
    return str(asked.get("synthetic") or "")


def _axes_kind(ax) -> str:
    from matplotlib.collections import PathCollection, QuadMesh
    from matplotlib.patches import Rectangle

    if any(isinstance(c, QuadMesh) for c in ax.collections):
        return "heatmap"
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() and p.get_height()]
    if len(bars) >= 2:
        return "bar"
    if any(isinstance(c, PathCollection) for c in ax.collections):
        return "points"
    if ax.lines:
        return "lines"
    return "chart"


def _categories(ax) -> list[str]:
    """The category labels of an axes: tick labels of the axis whose labels are words."""
    for axis in (ax.yaxis, ax.xaxis):
        labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text().strip()]
        if labels and not all(any(ch.isdigit() for ch in lab) and len(lab) <= 8 for lab in labels):
            return labels
    return []


def describe_figure(fig: Any, lang: Any) -> str:
    """Alt text for ``fig`` in ``lang``: the kind of chart, its axes and its categories.

    Written from the figure itself, so it says what a reader who cannot see the image
    would otherwise miss, and differs from the caption (which says what the figure shows).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.barh(["Север", "Юг"], [3, 4]); _ = ax.set_xlabel("Доверие")
    >>> describe_figure(fig, "bg")
    'Стълбовидна диаграма; хоризонтална ос: Доверие; вертикална ос: без надпис; 2 категории, от „Север“ до „Юг“.'
    >>> plt.close(fig)
    """
    t = texts(COMMON, language(lang, where="describe_figure"))
    figure = _figure_of(fig)
    axes = [ax for ax in figure.axes if ax.get_label() != "<colorbar>" and ax.has_data()]
    if not axes:
        return t("alt_kind_chart") + "."
    ax = axes[0]
    parts = [t("alt_kind_" + _axes_kind(ax))]
    if len(axes) > 1:
        parts[0] += " (" + t("alt_panels", n=str(len(axes))) + ")"
    parts.append(t("alt_axes", x=ax.get_xlabel().strip() or t("alt_none"),
                   y=ax.get_ylabel().strip() or t("alt_none")))
    categories = _categories(ax)
    if len(categories) >= 2:
        parts.append(t("alt_categories", n=str(len(categories)), first=categories[0], last=categories[-1]))
    return "; ".join(parts) + "."


def figure_bundle(
    fig: Any, name: str, caption: str | None = None, source: str | None = None, *,
    alt: str | None = None, lang: Any = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build the ``(data, metadata)`` display bundle of :func:`show_figure`; closes nothing.

    The metadata carries the caption and the alt text; the report shows the image in a
    ``<figure id="figure-<name>">`` with the caption as ``<figcaption>`` (numbered by the runner).
    """
    check_name(name)
    if alt is None:
        try:
            alt_lang = language(lang, caption, where=f"show_figure {name!r}")
        except ReportError:  # a plain-str caption and no lang: describe the chart in English
            alt_lang = "en"
        alt = describe_figure(fig, alt_lang)
    flag = kernel_flag(source)
    png, svg = figure_bytes(fig, flag, real=bool(source))
    data = {
        "image/png": base64.b64encode(png).decode("ascii"),
        "image/svg+xml": svg.decode("utf-8"),
        # a stable text instead of "<Figure size 640x480 with 1 Axes>" (nbval compares it)
        "text/plain": caption or f"[figure {name}]",
    }
    meta: dict[str, Any] = {"kind": "figure", "name": name, "alt": str(alt)}
    if caption:
        meta["caption"] = str(caption)
    if source:
        meta["source"] = str(source)  # real public figures: the runner marks them with it
    if flag:
        meta[MARK_KEY] = flag  # the print PNG carries this band: the runner adds only its text chunk
    return data, {META_KEY: meta}


def show_figure(
    fig: Any, name: str, caption: str | None = None, source: str | None = None, *,
    alt: str | None = None, lang: Any = None
) -> None:
    """Display a figure the runner saves as ``figures/<name>.png|.svg``, then close it.

    ``fig`` may be a Figure, an Axes, or a seaborn grid. The caption (say what the figure
    shows) is shown under the image as its ``<figcaption>`` and is the bundle's ``text/plain``;
    ``alt`` (default: :func:`describe_figure` in the caption's language or ``lang``) describes
    the image for screen readers. ``source`` marks a figure of real public data (not
    synthetic, even in a synthetic run) with where the figures come from.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> data, meta = figure_bundle(fig, "line", lang="en")
    >>> sorted(data), meta["ruse"]["kind"], meta["ruse"]["alt"]
    (['image/png', 'image/svg+xml', 'text/plain'], 'figure', 'Line chart; horizontal axis: unlabelled; vertical axis: unlabelled.')
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    try:
        output.publish(*figure_bundle(fig, name, caption, source, alt=alt, lang=lang))
    finally:
        plt.close(_figure_of(fig))
