"""Typed errors with one-line messages for people.

Every error a user can cause by what they feed the package (a data file, a codebook,
a params file) derives from :class:`RuseError`. The command line prints ``str(error)``
and exits with :attr:`RuseError.exit_code` (2), with no traceback unless ``--debug``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Longest user value echoed in a message (longer ones keep their start and end).
SHOWN_LIMIT = 80
#: Longest line the command line prints for one error.
LINE_LIMIT = 400

# C0/C1 controls (ESC of ANSI sequences included), DEL, bidi overrides and zero-width marks
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def escape(text: str) -> str:
    """``text`` with control, ANSI-escape and invisible characters written as ``\\xNN``/``\\uNNNN``,
    so a value cannot forge lines or colours on the terminal.

    Examples
    --------
    >>> escape("ok\\nruse-research: all 8 runs ok\\x1b[32m")
    'ok\\\\nruse-research: all 8 runs ok\\\\x1b[32m'
    """
    def one(match: re.Match[str]) -> str:
        ch = match.group()
        named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
        if ch in named:
            return named[ch]
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
    return _UNSAFE.sub(one, text)


def shorten(text: str, limit: int = SHOWN_LIMIT) -> str:
    """``text`` cut in the middle to at most ``limit`` characters, saying how much was left out.

    Examples
    --------
    >>> shorten("abc")
    'abc'
    >>> shorten("x" * 1000, 40)
    'xxxxxxxxxx...(980 more)...xxxxxxxxxx'
    """
    if len(text) <= limit:
        return text
    keep = max(limit - 20, 2)
    head = keep - keep // 2
    return text[:head] + f"...({len(text) - keep} more)..." + text[len(text) - keep // 2:]


def shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """A user's value for a message: its ``repr`` for text (quotes make blanks visible),
    control characters escaped, shortened to about ``limit`` characters.

    Every message that echoes what a user wrote (a cell, a params value, a path) goes
    through this, so a 5 MB string or a forged terminal line stays one short line.

    Examples
    --------
    >>> shown("6")
    "'6'"
    >>> print(shown("a\\x1b[2Jb\\u200b"))
    'a\\x1b[2Jb\\u200b'
    >>> len(shown("y" * 5_000_000)) <= 90
    True
    """
    if isinstance(value, str):
        return repr(shorten(value, limit))  # repr escapes controls and invisible characters
    text = repr(value) if not isinstance(value, int | float) else str(value)
    return escape(shorten(text, limit))


def printable_line(text: str, limit: int = LINE_LIMIT) -> str:
    """One line safe to print: no control characters, at most ``limit`` characters.

    Examples
    --------
    >>> printable_line("a\\nb")
    'a\\\\nb'
    """
    return shorten(escape(text), limit)


class RuseError(Exception):
    """Base class for errors caused by the user's input; the CLI exits with ``exit_code``."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    ``row`` is the 1-based line of the file as a person sees it in an editor or Excel
    (the header is row 1) or ``None`` when the problem concerns the whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    value: object
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: found {shown(self.value, 200)}, expected {self.expected}"


class DataError(RuseError):
    """A data file does not match its codebook. Holds every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("DataError needs at least one problem")
        self.problems = list(problems)
        first = self.problems[0]
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        super().__init__(f"{first}{suffix}")

    def report(self) -> str:
        """All problems, one per line."""
        return "\n".join(str(p) for p in self.problems)


class CodebookError(RuseError):
    """A codebook file is malformed or inconsistent."""


class ParamsError(RuseError):
    """A params file names an unknown key, a value of the wrong type, or a missing file."""


class FileSystemError(RuseError):
    """The file system refused the runner: a folder is read-only or a file, the disk is full."""


class RunLockedError(RuseError):
    """Another ``ruse-research run`` holds the outputs lock."""
