"""Typed errors with one-line messages for people.

Every error a user can cause by what they feed the package (a data file, a codebook,
a params file) derives from :class:`RuseError`. The command line prints ``str(error)``
and exits with :attr:`RuseError.exit_code` (2), with no traceback unless ``--debug``.
"""

from __future__ import annotations

from dataclasses import dataclass


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
        return f"{', '.join(where)}: found {self.value!r}, expected {self.expected}"


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


class RunLockedError(RuseError):
    """Another ``ruse-research run`` holds the outputs lock."""
