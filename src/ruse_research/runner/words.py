"""The runner's own words: labels of reports and the index from ``locale/runner.yaml``.

Low in the runner's layers so that every runner module (html, artifacts, index) can read
them without importing each other. The runner never imports :mod:`ruse_research.display`
(its notebooks' code); the one number it formats itself, a run's duration, goes through
Babel with the language's decimal sign.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ruse_research import _yaml
from ruse_research.i18n import LANGUAGES

LOCALE_FILE = Path(__file__).resolve().parents[1] / "locale" / "runner.yaml"


@lru_cache(maxsize=1)
def _catalog() -> dict[str, dict[str, str]]:
    """``locale/runner.yaml``: ``{key: {bg, en}}``, checked to have both languages for every key."""
    data = _yaml.load_file(LOCALE_FILE, name="locale/runner.yaml")
    if not isinstance(data, dict):
        raise _yaml.YamlError("locale/runner.yaml: expected a mapping {key: {bg: ..., en: ...}}")
    for key, texts in data.items():
        if not isinstance(texts, dict) or set(texts) != set(LANGUAGES):
            raise _yaml.YamlError(f"locale/runner.yaml: {key}: found {texts!r}, expected "
                                  f"{{{', '.join(f'{lang}: ...' for lang in LANGUAGES)}}}")
    return data


def common_text(key: str, lang: str) -> str:
    """A sentence of the reports' shared catalog ``locale/common.yaml`` in ``lang`` (English for an
    unknown language), unformatted: what the runner writes into a report in the words its kernel
    uses. Read as a file: the runner never imports the display layer.

    >>> common_text("note_differencing", "en").startswith("Some numbers are hidden")
    True
    """
    data = _yaml.load_file(LOCALE_FILE.with_name("common.yaml"), name="locale/common.yaml")
    texts = data.get(key) if isinstance(data, dict) else None
    if not isinstance(texts, dict) or not all(isinstance(texts.get(lang), str) for lang in LANGUAGES):
        raise _yaml.YamlError(f"locale/common.yaml: {key}: found {texts!r}, expected "
                              f"{{{', '.join(f'{lang}: ...' for lang in LANGUAGES)}}}")
    return texts[lang if lang in LANGUAGES else "en"]


def labels(lang: str) -> dict[str, str]:
    """The report labels in ``lang`` (English for an unknown language).

    Examples
    --------
    >>> labels("bg")["colophon"], labels("en")["colophon"]
    ('Колофон', 'Colophon')
    """
    lang = lang if lang in LANGUAGES else "en"
    return {key: texts[lang] for key, texts in _catalog().items()}


def seconds_text(seconds: float | None, lang: str) -> str:
    """A duration in seconds with one decimal in the language's number format ("–" if none).

    Examples
    --------
    >>> seconds_text(12.25, "bg"), seconds_text(12.25, "en"), seconds_text(None, "en")
    ('12,3', '12.3', '–')
    """
    from decimal import ROUND_HALF_UP, Decimal

    from babel.numbers import format_decimal

    if seconds is None:
        return "–"
    rounded = Decimal(str(seconds)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format_decimal(rounded, format="0.0", locale=lang if lang in LANGUAGES else "en")
