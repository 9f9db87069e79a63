"""Read reference tables (population margins and the like) with the survey exports' reader.

A reference table is a small file without a codebook: one header row naming columns, one
row per record. It is read by the same code as the survey exports
(:mod:`ruse_research.data.io`): CSV in UTF-8 or Windows-1251 with ``,``, ``;`` or tab, or
the first sheet of an XLSX workbook. Every cell comes back as stripped text (``""`` for a
blank), with the spreadsheet row of each record, so that the caller can check the values and
name file, row and column in a one-line :class:`~ruse_research.errors.DataError`.

Examples
--------
>>> from ruse_research import paths
>>> table = read_table(paths.resolve("data/reference/population_margins.csv"),
...                    ["variable", "category", "share"], optional=["label_bg"])
>>> table.frame[["variable", "category"]].head(2).values.tolist(), table.rows[:2]
([['sex', '1'], ['sex', '2']], [2, 3])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from ruse_research import paths, reads
from ruse_research.data import io as io_
from ruse_research.errors import DataError, Problem

__all__ = ["ReferenceTable", "read_table", "table_problem"]


@dataclass(frozen=True, eq=False)
class ReferenceTable:
    """A table read as text: ``frame`` (one string column per header name), ``rows`` (the
    spreadsheet row of each record, header = 1), ``file`` (the name to show in messages),
    ``details`` (encoding and delimiter, or sheet) and ``decimal_comma`` (``;`` or tab CSV:
    ``3,5`` is a number)."""

    file: str
    frame: pd.DataFrame
    rows: list[int]
    details: str
    decimal_comma: bool

    def number(self, text: str) -> float | None:
        """A cell's text as a number (decimal comma allowed where the file's delimiter
        allows it), or ``None``."""
        return io_._number(text, self.decimal_comma)


def table_problem(file: str, row: int | None, column: str | None, value: object,
                  expected: str) -> DataError:
    """One problem of a reference table as a :class:`DataError` (one line)."""
    return DataError([Problem(file, row, column, value, expected)])


def read_table(path: str | os.PathLike[str], columns: Sequence[str],
               optional: Sequence[str] = (), what: str = "a reference table",
               kind: str = "reference") -> ReferenceTable:
    """Read a ``.csv`` or ``.xlsx`` reference table; every cell as stripped text.

    ``columns`` must all be in the header; ``optional`` columns are read when present
    (``""`` otherwise); other columns are kept as they are. Problems of the file (encoding,
    delimiters, quoting, a missing column) raise :class:`DataError` naming the file, row and
    column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "m.csv").write_bytes("variable;share\\nпол;0,5\\n".encode("cp1251"))
    >>> t = read_table(folder / "m.csv", ["variable", "share"])
    >>> t.frame.iloc[0].tolist(), t.number(t.frame["share"].iloc[0]), t.details
    (['пол', '0,5'], 0.5, "encoding windows-1251, delimiter ';'")
    >>> read_table(folder / "m.csv", ["variable", "population"])
    Traceback (most recent call last):
    ruse_research.errors.DataError: m.csv, row 1, column 'population': found 'no such column', expected a column 'population' in a reference table
    """
    shown = Path(os.fspath(path)).name
    file = paths.resolve(path)
    problems = io_._Problems(shown)
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        problems.add(None, None, f"a {suffix or 'extensionless'} file", f"{what} as .csv or .xlsx")
        problems.raise_if_any()
    if not file.is_file():
        problems.add(None, None, "no such file" if not file.exists() else "a folder",
                     f"an existing file ({what})")
        problems.raise_if_any()
    # the survey reader finds the header row by the codebook's item names; give it ours
    names = SimpleNamespace(item_ids=list(columns), id_column=None)
    reader = io_._read_csv if suffix == ".csv" else io_._read_xlsx
    try:
        raw = reader(file, shown, names, problems)
    except OSError as err:
        problems.add(None, None, f"a file that cannot be read ({err.strerror or err})",
                     "a readable file")
    problems.raise_if_any()
    assert raw is not None
    reads.record(file, kind)  # recorded as read (ruse_research.reads), as `kind`
    header = [io_._clean(h) for h in raw.header]
    for name in columns:
        if name not in header:
            problems.add(1, name, "no such column", f"a column {name!r} in {what}")
    problems.raise_if_any()
    data = {}
    for name in dict.fromkeys([*header, *optional]):
        if not name:
            continue
        if name in header:
            index = header.index(name)
            data[name] = [io_._clean(cells[index]) for _, cells in raw.rows]
        else:
            data[name] = [""] * len(raw.rows)
    frame = pd.DataFrame(data, dtype=object)
    return ReferenceTable(shown, frame, [row for row, _ in raw.rows], raw.details,
                          raw.decimal_comma)
