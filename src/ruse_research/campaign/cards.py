"""Shareable key-figure cards: one result per image, at 1200x630 (link preview) and 1080x1080.

Each card shows one headline's number, its one-line explanation, the uncertainty in words, the
source line (report and table) and, for synthetic data, the flag; its alt text says the same.
Text sizes are chosen for a phone: on a 390 px wide screen the smallest line is still about
ten pixels high. PNG bytes are deterministic (Agg canvas, no timestamp or software chunk).

Examples
--------
>>> SIZES["wide"], SIZES["square"]
((1200, 630), (1080, 1080))
>>> wrap("one two three four", 9)
'one two\\nthree\\nfour'
"""

from __future__ import annotations

import textwrap

from ruse_research.campaign.content import Content, Headline

#: Card sizes in pixels (width, height).
SIZES = {"wide": (1200, 630), "square": (1080, 1080)}
DPI = 100
INK, ACCENT, MUTED, FLAG_BG, FLAG_INK = "#1b1b1f", "#0b3d6e", "#4a4a55", "#fff3e0", "#3b1f00"


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(" ".join(str(text).split()), width=max(8, width)))


def _px(pixels: float) -> float:
    """A font size in points that is ``pixels`` high on the card."""
    return pixels * 72 / DPI


def card_png(headline: Headline, content: Content, size: str) -> bytes:
    """The PNG bytes of one card."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    width, height = SIZES[size]
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    t = content.t
    square = size == "square"
    left = 60 / width
    chars = int((width - 120) / (0.62 * 40))
    top = 1.0
    if content.synthetic:
        band = 64 / height
        fig.patches.append(Rectangle(
            (0, 1 - band), 1, band, transform=fig.transFigure, facecolor=FLAG_BG, edgecolor="#b35806"))
        fig.text(0.5, 1 - band / 2, t("card_flag"), ha="center", va="center", fontsize=_px(30),
                 color=FLAG_INK, fontweight="bold", family="DejaVu Sans")
        top = 1 - band
    y = top - (170 if square else 50) / height
    fig.text(left, y, headline.number, ha="left", va="top", fontsize=_px(160 if square else 120),
             color=ACCENT, fontweight="bold", family="DejaVu Sans")
    y -= (240 if square else 170) / height
    explanation = wrap(headline.explanation, chars)
    fig.text(left, y, explanation, ha="left", va="top", fontsize=_px(40), color=INK,
             family="DejaVu Sans", linespacing=1.25)
    y -= (explanation.count("\n") + 1) * 52 / height + 24 / height
    uncertainty = wrap(headline.uncertainty, int(chars * 40 / 30))
    fig.text(left, y, uncertainty, ha="left", va="top", fontsize=_px(30), color=MUTED,
             family="DejaVu Sans", linespacing=1.2)
    src = wrap(t("source_line", report=headline.source.report, caption=headline.source.caption),
               int(chars * 40 / 26))
    fig.text(left, 36 / height, src, ha="left", va="bottom", fontsize=_px(26), color=MUTED,
             family="DejaVu Sans", linespacing=1.2)
    # drawn once on the card's own canvas and written as the report figures are (RGB, their zlib
    # level): a fifth less time than savefig's RGBA PNG at level 6, the same pixels
    from ruse_research.display.figures import png_of, rgb_of

    canvas.draw()
    return png_of(rgb_of(canvas.buffer_rgba(), *canvas.get_width_height()), DPI)


def alt_text(headline: Headline, content: Content) -> str:
    """The alt text of a headline's card: number, explanation, uncertainty, source and flag."""
    t = content.t
    source = t("source_line", report=headline.source.report, caption=headline.source.caption)
    flag = t("summary_flag") if content.synthetic else ""
    return " ".join(t("card_alt", number=headline.number, explanation=headline.explanation,
                      uncertainty=headline.uncertainty, source=source, flag=flag).split())


def cards(content: Content) -> dict[str, tuple[bytes, str, Headline]]:
    """``{file name: (png bytes, alt text, headline)}`` for every card in both sizes."""
    out = {}
    for headline in content.card_headlines():
        alt = alt_text(headline, content)
        for size, (width, height) in SIZES.items():
            out[f"{headline.id}_{width}x{height}.png"] = (card_png(headline, content, size), alt, headline)
    return out
