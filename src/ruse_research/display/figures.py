"""Figures: deterministic PNG and SVG bytes of a matplotlib figure, and its display bundle.

:func:`show_figure` displays a Figure, Axes or seaborn grid as a bundle the runner saves as
``figures/<name>.png|.svg`` (output metadata ``{"ruse": {"kind": "figure", "name": ...}}``,
see :mod:`ruse_research.contract`), then closes it. The bytes depend only on the figure: fixed
dpi, fixed SVG id salt, no dates, no software tag.

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

from ruse_research.contract import META_KEY
from ruse_research.display import output
from ruse_research.display.errors import ReportError
from ruse_research.display.output import NO_MATH, escape
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


def figure_bytes(fig: Any) -> tuple[bytes, bytes]:
    """Render ``fig`` to ``(png, svg)`` bytes, identical on every run with the same inputs.

    Fixed dpi, fixed SVG id salt, no date in the SVG and no ``Software`` text chunk in
    the PNG. Does not close the figure.
    """
    import matplotlib

    figure = _figure_of(fig)
    png, svg = io.BytesIO(), io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}):
        figure.savefig(
            png,
            format="png",
            dpi=FIGURE_DPI,
            metadata={"Software": None},
            bbox_inches="tight",
            pad_inches=0.1,
            facecolor="white",
        )
        figure.savefig(
            svg,
            format="svg",
            dpi=FIGURE_DPI,
            metadata={"Date": None},
            bbox_inches="tight",
            pad_inches=0.1,
            facecolor="white",
        )
    return png.getvalue(), svg.getvalue()


def figure_bundle(
    fig: Any, name: str, caption: str | None = None, source: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build the ``(data, metadata)`` display bundle of :func:`show_figure`; closes nothing."""
    check_name(name)
    png, svg = figure_bytes(fig)
    data = {
        "image/png": base64.b64encode(png).decode("ascii"),
        "image/svg+xml": svg.decode("utf-8"),
        # a stable text instead of "<Figure size 640x480 with 1 Axes>" (nbval compares it)
        "text/plain": caption or f"[figure {name}]",
    }
    meta: dict[str, Any] = {"kind": "figure", "name": name}
    if source:
        meta["source"] = str(source)  # real public figures: the runner marks them with it
    return data, {META_KEY: meta}


def show_figure(fig: Any, name: str, caption: str | None = None, source: str | None = None) -> None:
    """Display a figure the runner saves as ``figures/<name>.png|.svg``, then close it.

    ``fig`` may be a Figure, an Axes, or a seaborn grid. The caption is shown under
    the image (escaped HTML) and is the bundle's ``text/plain``. ``source`` marks a figure of
    real public data (not synthetic, even in a synthetic run) with where the figures come from.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> data, meta = figure_bundle(fig, "line")
    >>> sorted(data), meta
    (['image/png', 'image/svg+xml', 'text/plain'], {'ruse': {'kind': 'figure', 'name': 'line'}})
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    try:
        output.publish(*figure_bundle(fig, name, caption, source))
    finally:
        plt.close(_figure_of(fig))
    if caption:
        output.publish(
            {
                "text/html": f'<p class="ruse-caption {NO_MATH}"><em>{escape(caption)}</em></p>',
                "text/plain": caption,
            },
            {META_KEY: {"kind": "caption", "name": name}},
        )
