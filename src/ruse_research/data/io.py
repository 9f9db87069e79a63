"""Read survey exports (CSV, XLSX, SPSS .sav) into typed DataFrames checked against a codebook.

Every format is first read as *text* (one string per cell), then converted per item type
by the same code, so a UTF-8 ``,`` CSV, a Windows-1251 ``;`` CSV saved by Excel on a
Bulgarian desktop, an XLSX workbook and an SPSS file holding the same answers give equal
frames. Every problem found on the way is collected and raised together as one
:class:`~ruse_research.errors.DataError`.

What is accepted
----------------
* **CSV** (``.csv``): UTF-8 with or without byte-order mark, else Windows-1251. UTF-16/32,
  NUL bytes, bytes that are neither, and text that decodes as Windows-1251 but looks like
  Latin-1 (words mixing Latin and Cyrillic letters) are refused. The delimiter (``,``,
  ``;`` or tab) is the one used in the header line; a header using two of them, or a data
  row that does not split into the header's number of fields, is a problem. With ``;`` or
  tab, a decimal comma (``3,5``) is read as a decimal point, as Bulgarian Excel writes it.
* **XLSX** (``.xlsx``): the first sheet (or ``sheet=``; survey data on several sheets without
  it is refused), header in row 1, read with openpyxl directly so that formula cells and
  error cells (``#N/A``) can be told apart from values. Formula cells are refused.
* Every cell is normalised (:mod:`ruse_research.data.textcheck`: NFC, invisible characters
  dropped) before ids and codes are checked; mojibake and files over the size limits are refused.
* **SPSS** (``.sav``): the numeric codes (value formats are not applied, user-missing codes
  are kept as codes); the file's value labels must agree with the codebook's labels in
  Bulgarian or English. Rows are numbered as in the other formats: case *n* is row *n + 1*.

Formula injection. A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or their
full-width forms) may be run as a formula by a spreadsheet that opens the data or a
table built from it. In numeric and coded columns a plain signed number (``-1``,
``+2``, ``-0.5``) is read as a number; anything else starting with those characters is
refused as a formula. In id, text and date columns such a cell is refused, except a
dash followed by a space (``"- a list item"``), which spreadsheets do not evaluate.

Cells are stripped of surrounding white space; blank cells are item non-response
(``<NA>``); completely blank rows are skipped.

Examples
--------
>>> from ruse_research.data.io import read_survey, validate_file
>>> df = read_survey("tests/fixtures/io/survey.csv", "tests/fixtures/io/survey.yaml")
>>> df.dtypes["trust_1"], df.dtypes["resp_id"]
(Int64Dtype(), <StringDtype(na_value=<NA>)>)
>>> validate_file("tests/fixtures/io/survey.csv", "tests/fixtures/io/survey.yaml")
"survey.csv: 6 rows, 14 columns, encoding utf-8, delimiter ',' - OK"
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io as _io
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ruse_research import paths, reads
from ruse_research.data import textcheck
from ruse_research.data.codebook import CODED_TYPES, Codebook, Item, Scale, load_codebook
from ruse_research.errors import DataError, ParamsError, Problem

MAX_PROBLEMS = 50
"""At most this many problems are listed; one more line counts the rest."""

SUPPORTED = (".csv", ".xlsx", ".sav")
DATE_RANGE = (dt.datetime(1900, 1, 1), dt.datetime(2200, 12, 31, 23, 59, 59))
"""Dates outside this range are refused (a survey has none; pandas holds 1677-2262 only)."""
_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab"}
_FORMULA_CHARS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_INT_RE = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_FLOAT_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_DECIMAL_COMMA_RE = re.compile(r"^[+-]?\d+,\d+$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$")
_BG_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s*г\.?)?$")
_UTF8_CYRILLIC_RE = re.compile(rb"[\xd0\xd1][\x80-\xbf]")
_WORD_RE = re.compile(r"[^\W\d_]+")
_DATE_EXPECTED = "a date as YYYY-MM-DD or DD.MM.YYYY"
_FORMULA_EXPECTED = (
    "a plain value, not a spreadsheet formula (cells starting with =, +, - or @ are "
    "refused; plain numbers such as -1 are fine)"
)


# =============================================================== public interface
def read_survey(
    path: str | os.PathLike[str],
    codebook: Codebook | str | os.PathLike[str],
    dont_know: str = "na",
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read a survey export and return it typed according to its codebook.

    Parameters
    ----------
    path : str or path
        A ``.csv``, ``.xlsx`` or ``.sav`` file. A relative path is taken from the current
        directory when it exists there, else from the project root. Opened read-only.
    codebook : Codebook, str or path
        A loaded :class:`~ruse_research.data.codebook.Codebook`, a codebook name (``"staff"``)
        or the path of a codebook YAML.
    dont_know : {"na", "keep"}
        ``"na"`` (default) turns "don't know" codes into ``<NA>``; ``"keep"`` keeps the
        code (for plots that show "don't know" apart). Missing codes always become ``<NA>``.
    sheet : str, optional
        The sheet of an ``.xlsx`` workbook to read; without it, a workbook with survey data
        on several sheets is refused (the first sheet is read otherwise).

    Returns
    -------
    pandas.DataFrame
        One row per respondent in file order, default RangeIndex, columns in codebook
        order: id and text -> ``string``; ordinal, nominal, integer -> ``Int64``;
        numeric -> ``Float64``; date -> ``datetime64[ns]``.

    Raises
    ------
    DataError
        Every problem found (up to :data:`MAX_PROBLEMS` listed, then a count of the rest
        per column), each naming the file, 1-based spreadsheet row (header = 1), column,
        value found and what was expected. File-level problems stop the reading; otherwise
        header problems come first, then cell problems column by column (codebook order),
        row by row within a column.
    CodebookError
        The codebook itself is broken.

    Examples
    --------
    >>> from ruse_research.data.io import read_survey
    >>> df = read_survey("tests/fixtures/io/survey.csv", "tests/fixtures/io/survey.yaml")
    >>> df[["resp_id", "trust_1", "hours"]].head(2)
      resp_id  trust_1  hours
    0    R001        5   12.5
    1    R002     <NA>   40.0
    >>> keep = read_survey("tests/fixtures/io/survey.csv", "tests/fixtures/io/survey.yaml",
    ...                    dont_know="keep")
    >>> int(keep.loc[1, "trust_1"])
    8
    """
    frame, _ = _read(path, codebook, dont_know, sheet)
    return frame


def validate_file(
    path: str | os.PathLike[str], codebook: Codebook | str | os.PathLike[str],
    sheet: str | None = None,
) -> str:
    """Check a data file against a codebook and return a one-line summary.

    Parameters
    ----------
    path : str or path
        The export to check (``.csv``, ``.xlsx`` or ``.sav``).
    codebook : Codebook, str or path
        As for :func:`read_survey`.

    Returns
    -------
    str
        For example ``"staff.csv: 104 rows, 61 columns, encoding utf-8,
        delimiter ',' - OK"``.

    Raises
    ------
    DataError, CodebookError
        As :func:`read_survey`.

    Examples
    --------
    >>> from ruse_research.data.io import validate_file
    >>> validate_file("tests/fixtures/io/survey.xlsx", "tests/fixtures/io/survey.yaml")
    "survey.xlsx: 6 rows, 14 columns, sheet 'Sheet1' - OK"
    """
    frame, raw = _read(path, codebook, "na", sheet)
    return (f"{raw.name}: {len(frame)} rows, {frame.shape[1]} columns, "
            f"{raw.details} - OK")


# ==================================================================== internals
@dataclass
class _Raw:
    """A file read as text: header names and data rows with their spreadsheet row number."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    details: str
    decimal_comma: bool = False
    formula_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    value_labels: dict[str, dict[object, str]] | None = None


class _Problems:
    """Collects problems, listing the first :data:`MAX_PROBLEMS` and counting the rest."""

    def __init__(self, file: str):
        self.file = file
        self.listed: list[Problem] = []
        self.unlisted: Counter[str] = Counter()

    def add(self, row: int | None, column: str | None, value: object, expected: str) -> None:
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(Problem(self.file, row, column, value, expected))
        else:
            self.unlisted[column or "(whole file)"] += 1

    def __bool__(self) -> bool:
        return bool(self.listed)

    def raise_if_any(self) -> None:
        if not self.listed:
            return
        problems = list(self.listed)
        if self.unlisted:
            total = sum(self.unlisted.values())
            counts = sorted(self.unlisted.items())
            where = ", ".join(f"{c} ({n})" for c, n in counts[:5]) + (
                f" and {len(counts) - 5} more columns" if len(counts) > 5 else "")
            problems.append(Problem(
                self.file, None, None, f"{total} more problems not listed, in columns {where}",
                "a clean file (fix the problems above and validate again)",
            ))
        raise DataError(problems)


def _read(path, codebook, dont_know: str, sheet: str | None = None) -> tuple[pd.DataFrame, _Raw]:
    if dont_know not in ("na", "keep"):
        raise ParamsError(f"dont_know={dont_know!r}; expected 'na' or 'keep'")
    codebook = load_codebook(codebook)
    shown = os.fspath(path)
    problems = _Problems(shown)
    file = paths.resolve(path)
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED:
        hint = " (save it in Excel as 'Excel Workbook (*.xlsx)')" if suffix == ".xls" else ""
        problems.add(None, None, f"a {suffix or 'extensionless'} file",
                     f"a .csv, .xlsx or .sav file{hint}")
        problems.raise_if_any()
    if not file.is_file():
        problems.add(None, None, "no such file" if not file.exists() else "a folder",
                     "an existing data file")
        problems.raise_if_any()
    reader = {".csv": _read_csv, ".xlsx": _read_xlsx, ".sav": _read_sav}[suffix]
    size_problem = textcheck.too_large(file.stat().st_size)
    if size_problem:
        problems.add(None, None, size_problem, textcheck.SIZE_EXPECTED)
        problems.raise_if_any()
    try:
        raw = (reader(file, shown, codebook, problems) if suffix != ".xlsx"
               else _read_xlsx(file, shown, codebook, problems, sheet))
    except OSError as err:  # unreadable (permissions, a file vanishing mid-read)
        problems.add(None, None, f"a file that cannot be read ({err.strerror or err})",
                     "a readable data file")
    problems.raise_if_any()
    assert raw is not None
    reads.record(file, "export")
    frame = _convert(raw, codebook, dont_know, problems)
    problems.raise_if_any()
    return frame, raw


# ------------------------------------------------------------------------- CSV
def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(data: bytes, problems: _Problems) -> tuple[str, str] | None:
    """Decode CSV bytes as UTF-8 (with or without BOM) or Windows-1251; else a problem."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        problems.add(None, None, "UTF-32 text (byte-order mark at the start)",
                     "UTF-8 or Windows-1251 text (in Excel: Save As 'CSV UTF-8')")
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.add(None, None, "UTF-16 text (byte-order mark at the start)",
                     "UTF-8 or Windows-1251 text (in Excel: Save As 'CSV UTF-8')")
        return None
    if data.startswith(b"PK\x03\x04"):
        problems.add(None, None, "a zip archive or Excel workbook named .csv",
                     "CSV text, or the workbook saved with the .xlsx extension")
        return None
    if b"\x00" in data:
        problems.add(_line_of(data, data.index(b"\x00")), None, "NUL bytes (binary data or "
                     "UTF-16 without byte-order mark)", "UTF-8 or Windows-1251 text")
        return None
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    if bom and body.startswith(b"\xef\xbb\xbf"):
        problems.add(1, None, "two UTF-8 byte-order marks at the start (a file saved twice?)",
                     "UTF-8 text with at most one byte-order mark")
        return None
    try:
        return body.decode("utf-8"), "utf-8 with BOM" if bom else "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err
    lenient = body.decode("utf-8", errors="replace")
    invalid = lenient.count("\ufffd")
    valid_non_ascii = sum(1 for ch in lenient if ord(ch) > 127) - invalid
    if bom or valid_non_ascii > invalid:
        # Mostly UTF-8 with some bytes that are not: a corrupted or mixed file.
        start = utf8_error.start + (3 if bom else 0)
        bad = data[start:start + 4]
        problems.add(_line_of(data, start), None,
                     f"bytes {bad!r} that are not UTF-8 in a file that is otherwise UTF-8",
                     "UTF-8 text throughout (the file mixes encodings)")
        return None
    try:
        text = body.decode("cp1251")
    except UnicodeDecodeError as err:
        problems.add(_line_of(data, err.start), None,
                     f"byte {data[err.start:err.start + 1]!r}, which is neither UTF-8 nor "
                     "Windows-1251", "UTF-8 or Windows-1251 text")
        return None
    # Windows-1251 decodes almost any byte; Latin-1 text shows up as words mixing
    # Latin and Cyrillic letters ("Mьller" for "Müller").
    cyrillic_words = mixed = 0
    first_mixed: tuple[int, str] | None = None
    for line_no, line in enumerate(text.split("\n"), start=1):
        for word in _WORD_RE.findall(line):
            has_cyr = any("\u0400" <= ch <= "\u04ff" for ch in word)
            if not has_cyr:
                continue
            cyrillic_words += 1
            if any(ch.isascii() for ch in word):
                mixed += 1
                first_mixed = first_mixed or (line_no, word)
    if first_mixed and mixed * 2 >= cyrillic_words:
        problems.add(first_mixed[0], None,
                     f"text that is neither UTF-8 nor Windows-1251 (Latin-1?), read as "
                     f"{first_mixed[1]!r}", "UTF-8 or Windows-1251 text")
        return None
    return text, "windows-1251"


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def _read_csv(file: Path, shown: str, codebook: Codebook, problems: _Problems) -> _Raw | None:
    with open(file, "rb") as fh:  # read-only
        data = fh.read()
    if not data.replace(b"\xef\xbb\xbf", b"").strip():
        problems.add(None, None, "an empty file", "a header row and at least one respondent row")
        return None
    size_problem = textcheck.too_large(len(data), data.count(b"\n"))
    if size_problem:
        problems.add(None, None, size_problem, textcheck.SIZE_EXPECTED)
        return None
    decoded = _decode(data, problems)
    if decoded is None:
        return None
    text, encoding = decoded
    # The delimiter is the one of the first line that has any (the header, unless a
    # title line without delimiters sits above it; that is reported below).
    used: list[str] = []
    for line_no, line in enumerate(text.splitlines()[:20], start=1):
        used = [d for d in _DELIMITERS if _count_outside_quotes(line, d)]
        if len(used) > 1:
            names = " and ".join(_DELIMITER_NAMES[d] for d in used)
            problems.add(line_no, None, f"a header line using {names}",
                         "one delimiter (',' or ';' or tab) throughout the file")
            return None
        if used:
            break
    delimiter = used[0] if used else ","
    csv.field_size_limit(max(csv.field_size_limit(), textcheck.MAX_FIELD_CHARS))  # long answers
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 - used after loop
            records.append((number, record))
    except csv.Error as err:
        row = number + 1
        if "unexpected end of data" in str(err):
            problems.add(row, None, "a quoted value that is never closed",
                         "a complete file (it seems cut off) with every \" closed")
        else:
            problems.add(row, None, f"badly quoted text ({err})",
                         'values quoted as "..." with inner quotes doubled ("")')
        return None
    header_index = _find_header_row([cells for _, cells in records], codebook)
    if header_index:
        problems.add(header_index + 1, None, f"the header on row {header_index + 1}",
                     "the header in row 1 (delete the rows above it)")
        return None
    if header_index is None and not any(c.strip() for c in records[0][1]):
        problems.add(1, None, "a blank first row", "the header in row 1")
        return None
    header = [_clean(h) for h in records[0][1]]
    ragged_width = len(header)
    rows: list[tuple[int, list[str]]] = []
    ends_with_newline = text.endswith(("\n", "\r"))
    for index, (row, cells) in enumerate(records[1:], start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > ragged_width and not any(c.strip() for c in cells[ragged_width:]):
            cells = cells[:ragged_width]  # trailing empty fields, as Excel writes them
        if len(cells) == ragged_width:
            rows.append((row, cells))
            continue
        last = index == len(records) - 1
        others = [d for d in _DELIMITERS if d != delimiter and d in "".join(cells)]
        if len(cells) < ragged_width and last and not ends_with_newline:
            problems.add(row, None, f"a last row with {len(cells)} of {ragged_width} fields",
                         "a complete last row (the file seems cut off)")
        elif others:
            problems.add(row, None, f"a row of {len(cells)} fields that uses "
                         f"{_DELIMITER_NAMES[others[0]]}",
                         f"{ragged_width} fields separated by {_DELIMITER_NAMES[delimiter]} "
                         "like the header (the file mixes delimiters)")
        else:
            problems.add(row, None, f"a row of {len(cells)} fields",
                         f"{ragged_width} fields like the header (a value with an unquoted "
                         f"{_DELIMITER_NAMES[delimiter]}?)")
    if not rows and not problems:
        problems.add(None, None, "a header row but no data rows", "at least one respondent row")
    decimal_comma = delimiter != ","
    return _Raw(
        name=file.name, header=header, rows=rows, decimal_comma=decimal_comma,
        details=f"encoding {encoding}, delimiter {_DELIMITER_NAMES[delimiter]}",
    )


# ------------------------------------------------------------------------ XLSX
def _cell_text(value: object) -> str:
    """Text of a spreadsheet or SPSS cell, written so that CSV text reads the same."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | pd.Timestamp):
        if pd.isna(value):
            return ""
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return ""
    return str(value)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _find_header_row(rows: list[list[str]], codebook: Codebook) -> int | None:
    """Index of the first row (of the first 20) that holds the id column or most items."""
    items = set(codebook.item_ids)
    for index, cells in enumerate(rows[:20]):
        known = {_clean(c) for c in cells} & items
        if len(known) * 2 > len(items) or (codebook.id_column in known and len(known) >= 2):
            return index
    return None


def _xlsx_sheets(load_workbook, file: Path):
    """Every sheet as (title, cell values, formula cells, error cells), read-only."""
    book = load_workbook(file, read_only=True, data_only=False)
    try:
        sheets = []
        for sheet in book.worksheets:
            grid: list[list[object]] = []
            formulas: dict[tuple[int, int], str] = {}
            errors: dict[tuple[int, int], str] = {}
            for r, row in enumerate(sheet.iter_rows(), start=1):
                values = []
                for c, cell in enumerate(row):
                    kind = getattr(cell, "data_type", None)
                    if kind == "f":
                        formulas[(r, c)] = str(cell.value)
                    elif kind == "e":
                        errors[(r, c)] = str(cell.value)
                    values.append(cell.value)
                grid.append(values)
            sheets.append((sheet.title, grid, formulas, errors))
        return sheets
    finally:
        book.close()


def _read_xlsx(file: Path, shown: str, codebook: Codebook, problems: _Problems,
               sheet: str | None = None) -> _Raw | None:
    from openpyxl import load_workbook  # imported here: only xlsx reading needs it

    try:
        sheets = _xlsx_sheets(load_workbook, file)
    except Exception as err:  # zip, XML and openpyxl errors all mean "not a workbook we can read"
        problems.add(None, None, f"a file that is not a valid .xlsx workbook "
                     f"({type(err).__name__}: {err})", "an Excel workbook (.xlsx)")
        return None
    names = [name for name, *_ in sheets]
    if sheet is not None:
        if sheet not in names:
            problems.add(None, None, f"no sheet {sheet!r}", f"one of the workbook's sheets: "
                         f"{', '.join(repr(n) for n in names[:10])}")
            return None
        sheets = [sheets[names.index(sheet)]]
    else:
        with_data = [name for name, g, _, _ in sheets if _find_header_row(
            [[_cell_text(v) for v in row] for row in g[:20]], codebook) is not None]
        if len(with_data) > 1:
            problems.add(None, None, f"survey data on {len(with_data)} sheets "
                         f"({', '.join(repr(n) for n in with_data[:5])})", "one sheet with "
                         "data, or the sheet to read named (validate --sheet NAME)")
            return None
    title, grid, formulas, errors = sheets[0]
    sheets_text = [(name, g) for name, g, _, _ in sheets]
    text_rows = [[_cell_text(v) for v in row] for row in grid]
    while text_rows and not any(c.strip() for c in text_rows[-1]):
        text_rows.pop()
    if not text_rows:
        others = [name for name, g in sheets_text[1:]
                  if any(v is not None for r in g for v in r)]
        where = f"; sheet {others[0]!r} has data" if others else ""
        problems.add(None, None, f"an empty first sheet {title!r}{where}",
                     "the data on the first sheet, header in row 1")
        return None
    header_index = _find_header_row(text_rows, codebook)
    if header_index is None:
        column_a = [row[0] if row else "" for row in text_rows]
        if _find_header_row([column_a], codebook) is not None:
            problems.add(None, None, f"item names running down column A of sheet {title!r}",
                         "one column per item with the item names across row 1")
            return None
        for name, other in sheets_text[1:]:
            other_text = [[_cell_text(v) for v in row] for row in other]
            if _find_header_row(other_text, codebook) is not None:
                problems.add(None, None, f"no codebook columns on the first sheet {title!r}, "
                             f"but sheet {name!r} has them",
                             "the data on the first sheet, header in row 1")
                return None
    elif header_index > 0:
        problems.add(header_index + 1, None, f"the header on row {header_index + 1} of sheet "
                     f"{title!r}", "the header in row 1 (delete the rows above it)")
        return None
    header = [_clean(h) for h in text_rows[0]]
    while header and not header[-1]:
        header.pop()
    rows: list[tuple[int, list[str]]] = []
    for r, cells in enumerate(text_rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = (cells + [""] * len(header))[: max(len(header), len(cells))]
        if any(c.strip() for c in cells[len(header):]):
            first = len(header) + next(i for i, c in enumerate(cells[len(header):]) if c.strip())
            problems.add(r, None, f"a value in column {_column_letter(first)}, which has no "
                         "header", "values only under named columns")
            continue
        rows.append((r, cells[: len(header)]))
    if not rows and not problems:
        problems.add(None, None, "a header row but no data rows", "at least one respondent row")
    return _Raw(name=file.name, header=header, rows=rows, details=f"sheet {title!r}",
                formula_cells={(r, c): f for (r, c), f in formulas.items() if r > 1},
                error_cells={(r, c): e for (r, c), e in errors.items() if r > 1})


# ------------------------------------------------------------------------- SAV
def _read_sav(file: Path, shown: str, codebook: Codebook, problems: _Problems) -> _Raw | None:
    import pyreadstat  # imported here: only .sav reading needs it

    try:
        frame, meta = pyreadstat.read_sav(
            os.fspath(file), apply_value_formats=False, user_missing=True,
        )
    except Exception as err:  # pyreadstat raises several private error classes
        problems.add(None, None, f"a file SPSS cannot read ({type(err).__name__}: {err})",
                     "an SPSS .sav data file")
        return None
    header = [_clean(str(c)) for c in frame.columns]
    if frame.empty:
        problems.add(None, None, "a file with variables but no cases",
                     "at least one respondent (case)")
        return None
    columns = [frame[c].tolist() for c in frame.columns]
    rows = [
        (case + 2, [_cell_text(col[case]) for col in columns]) for case in range(len(frame))
    ]
    return _Raw(name=file.name, header=header, rows=rows, details="SPSS .sav, value labels "
                f"agree with codebook {codebook.instrument!r}",
                value_labels=dict(meta.variable_value_labels or {}))


def _check_sav_labels(raw: _Raw, codebook: Codebook, problems: _Problems) -> None:
    items = {it.id: it for it in codebook.items}
    for column, labels in sorted((raw.value_labels or {}).items()):
        it = items.get(_clean(column))
        if it is None or it.type not in CODED_TYPES:
            continue
        scale = codebook.scales[it.response_scale]  # type: ignore[index]
        known = scale.all_codes()
        for code, found in sorted(labels.items(), key=lambda kv: float(kv[0])):
            number = float(code)
            if not number.is_integer() or int(number) not in known:
                problems.add(None, it.id, f"a value label for code {_cell_text(code)} "
                             f"({found!r})", f"labels only for codes of scale {scale.name!r}: "
                             f"{_describe_codes(scale)}")
                continue
            expected = known[int(number)]
            if _fold(found) not in {_fold(expected["bg"]), _fold(expected["en"])}:
                problems.add(None, it.id, f"code {int(number)} labelled {found!r}",
                             f"the codebook label {expected['bg']!r} or {expected['en']!r}")


# ------------------------------------------------------------------ converting
def _clean(text: str) -> str:
    # NFC; U+FEFF (a second file's byte-order mark), zero-width and bidi marks dropped
    return textcheck.normalise(text)


def _fold(text: str) -> str:
    return " ".join(_clean(str(text)).casefold().split())


def _describe_codes(scale: Scale) -> str:
    def runs(codes: list[int]) -> str:
        parts, start = [], None
        for i, code in enumerate(codes):
            if start is None:
                start = code
            if i + 1 == len(codes) or codes[i + 1] != code + 1:
                parts.append(str(start) if start == code else f"{start}-{code}")
                start = None
        return ", ".join(parts)

    text = runs(list(scale.values))
    if scale.dont_know:
        text += f", {runs(list(scale.dont_know))} (don't know)"
    if scale.missing:
        text += f", {runs(list(scale.missing))} (no answer)"
    return text


def _looks_like_formula(text: str) -> bool:
    if not text.startswith(_FORMULA_CHARS):
        return False
    return not (text[0] == "-" and (len(text) == 1 or text[1].isspace()))


def _number(text: str, decimal_comma: bool) -> float | None:
    if decimal_comma and _DECIMAL_COMMA_RE.match(text):
        text = text.replace(",", ".")
    if _FLOAT_RE.match(text):
        return float(text)
    return None


def _parse_date(text: str) -> dt.datetime | None:
    try:
        m = _ISO_DATE_RE.match(text)
        if m:
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
            return dt.datetime(y, mo, d, h, mi, s)
        m = _BG_DATE_RE.match(text)
        if m:
            d, mo, y = (int(g) for g in m.groups())
            return dt.datetime(y, mo, d)
    except ValueError:  # 2019-02-30
        return None
    return None


def _convert(raw: _Raw, codebook: Codebook, dont_know: str, problems: _Problems) -> pd.DataFrame:
    items = {it.id: it for it in codebook.items}
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(raw.header):
        positions.setdefault(name, []).append(index)
    if not set(positions) & set(items):
        first = ", ".join(repr(h) for h in raw.header[:4]) + (", ..." if len(raw.header) > 4 else "")
        some = ", ".join(codebook.item_ids[:3])
        problems.add(1, None, f"none of the columns of codebook {codebook.instrument!r} in the "
                     f"header ({first})",
                     f"a header row naming the items ({some}, ...); is it the right codebook?")
        return pd.DataFrame()
    for name, where in positions.items():
        if not name:
            # Unnamed columns are fine when empty (Excel's trailing delimiters).
            for index in where:
                if any(cells[index].strip() for _, cells in raw.rows):
                    problems.add(1, f"column {_column_letter(index)}", "",
                                 "a column name above values")
            continue
        if len(where) > 1:
            letters = " and ".join(_column_letter(i) for i in where)
            problems.add(1, name, f"the same name in columns {letters}", "each column once")
        if name not in items:
            problems.add(1, name, name, f"a column of codebook {codebook.instrument!r}"
                         f"{_did_you_mean(name, codebook.item_ids)}")
    for it in codebook.items:
        if it.id not in positions:
            problems.add(1, it.id, "no such column",
                         f"column {it.id!r} of codebook {codebook.instrument!r}")
    if raw.value_labels is not None:
        _check_sav_labels(raw, codebook, problems)

    header = [_clean(h) for h in raw.header]
    data_rows = []
    for row, cells in raw.rows:
        if len(cells) == len(header) and all(_clean(c) == h for c, h in zip(cells, header, strict=True)):
            problems.add(row, None, "a repeated header row",
                         "one header row, in row 1 (were two files pasted together?)")
        else:
            data_rows.append((row, cells))
    columns: dict[str, list[object]] = {}
    seen_ids: dict[str, int] = {}
    formula_cells, error_cells = raw.formula_cells, raw.error_cells
    spreadsheet_cells = bool(formula_cells or error_cells)  # CSV and .sav have neither
    for it in codebook.items:
        index = positions.get(it.id, [None])[0]
        if index is None:
            columns[it.id] = [None] * len(data_rows)
            continue
        values: list[object] = []
        converted: dict[str, object] = {}  # its cell texts converted without a problem (no ids)
        for row, cells in data_rows:
            if spreadsheet_cells and ((row, index) in formula_cells or (row, index) in error_cells):
                formula = (row, index) in formula_cells
                problems.add(row, it.id, (formula_cells if formula else error_cells)[(row, index)],
                             "a value, not a formula (in Excel: Paste Special > Values)" if formula
                             else "a value, not a spreadsheet error")
                values.append(None)
                continue
            cell = cells[index]
            if cell in converted:  # a column repeats its few codes: each converted once
                values.append(converted[cell])
                continue
            before = len(problems.listed) + problems.unlisted.total()
            value = _convert_cell(it, codebook, _clean(cell), row, raw, dont_know, problems)
            if len(problems.listed) + problems.unlisted.total() == before and it.type != "id":
                converted[cell] = value
            if it.type == "id" and value is not None:
                if value in seen_ids:
                    problems.add(row, it.id, value,
                                 f"a unique respondent id (also on row {seen_ids[value]})")
                else:
                    seen_ids[value] = row
            values.append(value)
        columns[it.id] = values
    return pd.DataFrame({it.id: _typed(it, columns[it.id]) for it in codebook.items})


def _convert_cell(it: Item, codebook: Codebook, text: str, row: int, raw: _Raw,
                  dont_know: str, problems: _Problems) -> object:
    if text == "":
        if it.type == "id":
            problems.add(row, it.id, "", "a respondent id (the id column must not be blank)")
        elif it.required:
            problems.add(row, it.id, "", f"a value (item {it.id!r} is required)")
        return None
    if it.type in ("id", "text", "date"):
        if it.type != "date" and textcheck.is_mojibake(text):
            problems.add(row, it.id, text, textcheck.MOJIBAKE_EXPECTED
                         + f" (it said {textcheck.repaired(text)[:40]!r})")
            return None
        if _looks_like_formula(text):
            problems.add(row, it.id, text, _FORMULA_EXPECTED)
            return None
        if it.type == "date":
            when = _parse_date(text)
            if when is None:
                problems.add(row, it.id, text, _DATE_EXPECTED)
            elif not DATE_RANGE[0] <= when <= DATE_RANGE[1]:  # pandas' datetime64[ns] range
                problems.add(row, it.id, text, f"a date from {DATE_RANGE[0]:%Y-%m-%d} to "
                             f"{DATE_RANGE[1]:%Y-%m-%d}")
                return None
            return when
        return text
    number = _number(text, raw.decimal_comma)
    if number is None:
        if _looks_like_formula(text):
            problems.add(row, it.id, text, _FORMULA_EXPECTED)
        elif _parse_date(text) is not None:
            problems.add(row, it.id, text, f"a number, not a date ({it.type} item; did a "
                         "spreadsheet turn the number into a date?)")
        elif it.type in CODED_TYPES:
            scale = codebook.scales[it.response_scale]  # type: ignore[index]
            labelled = [c for c, t in scale.all_codes().items()
                        if _fold(text) in (_fold(t["bg"]), _fold(t["en"]))]
            hint = (f"; {text!r} is the label of code {labelled[0]}: write {labelled[0]}, or "
                    "convert the export with `ruse-research map` and `ruse-research import`"
                    if labelled else "")
            problems.add(row, it.id, text, f"a numeric code, not text: one of "
                         f"{_describe_codes(scale)} (scale {scale.name!r}){hint}")
        else:
            problems.add(row, it.id, text, f"a number, not text ({it.type} item)")
        return None
    if it.type == "numeric":
        if it.range and not it.range[0] <= number <= it.range[1]:
            problems.add(row, it.id, text, f"a number from {it.range[0]:g} to {it.range[1]:g}")
            return None
        return number
    if not number.is_integer() or not _INT_RE.match(text.replace(",", ".")):
        problems.add(row, it.id, text, "a whole number" if it.type == "integer"
                     else f"a whole-number code of scale {it.response_scale!r}")
        return None
    code = int(number)
    if it.type == "integer":
        if it.range and not it.range[0] <= code <= it.range[1]:
            problems.add(row, it.id, text, f"a whole number from {it.range[0]:g} to "
                         f"{it.range[1]:g}")
            return None
        return code
    scale = codebook.scales[it.response_scale]  # type: ignore[index]
    if code in scale.values:
        return code
    if code in scale.dont_know:
        return code if dont_know == "keep" else None
    if code in scale.missing:
        return None
    problems.add(row, it.id, text, f"a code of scale {scale.name!r}: {_describe_codes(scale)}")
    return None


def _typed(it: Item, values: list[object]) -> pd.api.extensions.ExtensionArray | pd.Series:
    if it.type in ("id", "text"):
        return pd.array(values, dtype="string")
    if it.type == "numeric":
        return pd.array(values, dtype="Float64")
    if it.type == "date":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)),
                         dtype="datetime64[ns]")
    return pd.array(values, dtype="Int64")


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
