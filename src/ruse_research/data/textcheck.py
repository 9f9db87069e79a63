"""Text checks of the survey reader: Unicode normalisation, mojibake, size limits.

* :func:`normalise` is how every cell and header is compared: NFC, line ends unified, and
  invisible characters removed (zero-width space/joiners, word joiner, soft hyphen, byte-order
  marks, bidirectional marks and overrides), so ``"R001\\u200b"`` is the id ``"R001"``: a
  duplicate hidden by a zero-width space is found, and a code with a joiner is still a code.
* :func:`is_mojibake` finds UTF-8 text that was decoded as Windows-1251 and saved again
  ("Р“СЂР°Рґ" for "Град"): it decodes cleanly, so only a re-encoding test shows it.
* :data:`MAX_FILE_BYTES` and :data:`MAX_ROWS` are the reader's documented size limits: a
  larger export is refused at once (before it is parsed) instead of filling the memory.
  Within them a file validates in well under a minute and 1 GB (README, "Size limits").

Examples
--------
>>> normalise("R0\\u200b01 ")
'R001'
>>> is_mojibake("Добър ден".encode("utf-8").decode("cp1251"))
True
>>> is_mojibake("Добър ден"), is_mojibake("Muller")
(False, False)
"""

from __future__ import annotations

import re
import unicodedata

#: Largest data file read (bytes); a larger one is refused before it is parsed.
MAX_FILE_BYTES = 50_000_000
#: Most data rows read; a file with more is refused before it is parsed.
MAX_ROWS = 100_000
#: Longest field (characters) a CSV cell may have; a long open answer is fine.
MAX_FIELD_CHARS = 10_000_000

# zero-width space/non-joiner/joiner, LRM/RLM, bidi embeddings and overrides, word joiner and
# invisible operators, bidi isolates, BOM, soft hyphen, Mongolian vowel separator
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u180e]")
# Windows-1251 characters of the bytes 0x80-0xBF: UTF-8 continuation bytes read as cp1251
_CONTINUATION = "".join(sorted(set(bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore"))))
_MOJIBAKE_HINT = re.compile("[РСТУ][" + re.escape(_CONTINUATION) + "]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")

MOJIBAKE_EXPECTED = ("readable text, not UTF-8 read as Windows-1251 and saved again (e.g. "
                     "'Р“СЂР°Рґ' for 'Град'); export the data again as UTF-8")


def normalise(text: str) -> str:
    """A cell as the reader compares it: NFC, ``\\n`` line ends, no invisible characters,
    no surrounding white space.

    Examples
    --------
    >>> normalise("\\ufeffa\\r\\nb\\u00ad")
    'a\\nb'
    >>> normalise("е\\u0308") == "ё"
    True
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return text.strip()


def is_mojibake(text: str) -> bool:
    """Whether ``text`` is UTF-8 Cyrillic decoded as Windows-1251 (double-encoded).

    The test: the text encodes back to Windows-1251 bytes that are valid UTF-8 holding
    at least two Cyrillic letters. Real Bulgarian text almost never passes it (its
    Windows-1251 bytes are not valid UTF-8; "ПАЗАР”" is not: П, А, З are no lead bytes).

    Examples
    --------
    >>> is_mojibake("РЎРѕС„РёСЏ")
    True
    >>> is_mojibake("София"), is_mojibake("Р”")
    (False, False)
    """
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return False
    try:
        repaired = text.encode("cp1251").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return len(_CYRILLIC.findall(repaired)) >= 2 and repaired != text


def repaired(text: str) -> str:
    """What a mojibake text said (for the message).

    Examples
    --------
    >>> repaired("Р“СЂР°Рґ")
    'Град'
    """
    try:
        return text.encode("cp1251").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def too_large(size: int, rows: int | None = None) -> str | None:
    """The size problem of a data file of ``size`` bytes and ``rows`` lines, or ``None``.

    Examples
    --------
    >>> too_large(234_000_000)
    'a file of 234,000,000 bytes, more than the 50,000,000 the reader takes'
    >>> too_large(1000, 1_000_001)
    'a file of 1,000,001 lines, more than the 100,000 rows the reader takes'
    >>> too_large(1000, 10) is None
    True
    """
    if size > MAX_FILE_BYTES:
        return f"a file of {size:,} bytes, more than the {MAX_FILE_BYTES:,} the reader takes"
    if rows is not None and rows > MAX_ROWS + 1:
        return f"a file of {rows:,} lines, more than the {MAX_ROWS:,} rows the reader takes"
    return None


SIZE_EXPECTED = ("a survey export of at most 100,000 rows and 50 MB (split larger files, "
                 "e.g. by wave)")
