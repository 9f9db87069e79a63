"""The data mark of a print PNG: a band on top showing the flag, drawn the same by kernel and runner.

The kernel draws it into the PNG it renders when the runner asks (``contract.FIGURE_MARK_ENV``,
``display.figures``); the runner draws it into any PNG that lacks it (``runner.artifacts.mark_png``).
Both call :func:`add_band`, so an exported figure looks the same whichever side marked it, and
:func:`remove_band` can take off a band of another flag before the right one is drawn.

Examples
--------
>>> from PIL import Image
>>> plain = Image.new("RGB", (900, 300), "white")
>>> marked = add_band(plain, "SYNTHETIC")
>>> marked.size == (900, 300 + band_height(900, "SYNTHETIC"))
True
>>> remove_band(marked, "SYNTHETIC").tobytes() == plain.tobytes()
True
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

#: Colours of the band's text and rule: red for synthetic data, green for real public data.
MARK_RED = (164, 22, 26)
MARK_GREEN = (27, 78, 42)


@lru_cache(maxsize=32)
def _font(size: int):
    import matplotlib
    from PIL import ImageFont

    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"),
                              size)


def _layout(width: int, flag: str) -> tuple[int, Any, int, tuple[int, int, int, int]]:
    """``(type size, font, band height, text box)`` of ``flag`` over an image ``width`` pixels wide:
    type of 1/75 of the width (at least 12 px), the band the text's height plus one type size,
    smaller type (same band) for a flag too long for the width."""
    size = max(12, round(width / 75))
    box = _font(size).getbbox(flag)
    band = box[3] - box[1] + size
    while box[2] - box[0] + size > width and size > 6:  # a long source: smaller type
        size -= 1
        box = _font(size).getbbox(flag)
    return size, _font(size), band, box


def band_height(width: int, flag: str) -> int:
    """The height in pixels of the band :func:`add_band` puts above an image ``width`` wide."""
    return _layout(width, flag)[2]


def add_band(image, flag: str, *, real: bool = False):
    """A new PIL image: ``image`` under a white band showing ``flag`` in its right corner, and a rule."""
    from PIL import Image, ImageDraw

    size, font, band, (left, top, right, bottom) = _layout(image.width, flag)
    out = Image.new(image.mode, (image.width, image.height + band), "white")
    out.paste(image, (0, band))
    draw = ImageDraw.Draw(out)
    colour = MARK_GREEN if real else MARK_RED
    x = image.width - (right - left) - size // 2
    draw.text((max(0, x), (band - (bottom - top)) // 2 - top), flag, font=font, fill=colour)
    draw.line([(0, band - 1), (image.width, band - 1)], fill=colour, width=max(1, size // 8))
    return out


def remove_band(image, flag: str):
    """``image`` without the band :func:`add_band` drew for ``flag``."""
    return image.crop((0, band_height(image.width, flag), image.width, image.height))
