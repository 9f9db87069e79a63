"""Read a survey tool's export as text and tell which tool wrote it.

Every export becomes an :class:`ExportTable`: one :class:`Column` per header (its name, the
question text it carries, SPSS value labels when there are any) and the data rows as text,
read by the same CSV/XLSX readers as ``ruse-research validate`` (UTF-8 or Windows-1251,
``,`` ``;`` or tab, XLSX first sheet). The file is opened read-only.

Formats told apart (:func:`detect`), from the shapes their tools write (sources in
:mod:`ruse_research.data.imports`):

``google_forms``
    first header ``Timestamp`` (``Клеймо за време`` in a Bulgarian account), one column per
    question headed by its text (``Question [row]`` for grids), answers as label text,
    checkbox answers joined with ``", "``.
``limesurvey``
    the response table's own columns (``id``, ``submitdate``, ``lastpage``,
    ``startlanguage``, ``seed``; with full-text headings ``Response ID``, ``Date
    submitted``, ...), question-code headings (``Q8``, ``Q8[SQ001]``) or question text,
    answer codes (``A1``) or full answers, multiple choice as ``Y``/blank.
``limesurvey_sav``
    the SPSS export: variables named by question code (``Q8_SQ001``), variable labels
    ``[subquestion] question``, value labels, multiple choice as 1/0.
``kobo``
    KoBoToolbox (``_id``, ``_uuid``, ``_submission_time``, ``_index``; ``group/name``
    columns, select-multiple as a space-separated summary and/or ``name/option`` 1/0 columns).
``spss``, ``table``
    any other ``.sav`` file, any other table.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruse_research import paths
from ruse_research.data import io
from ruse_research.data.codebook import Codebook

FORMATS = ("google_forms", "limesurvey", "limesurvey_sav", "kobo", "spss", "table")

GOOGLE_TIMESTAMPS = ("timestamp", "клеймо за време", "време", "marca temporal", "zeitstempel",
                     "horodateur", "informazioni cronologiche")
LIMESURVEY_META = {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate",
                   "datestamp", "token", "ipaddr", "refurl", "response id", "date submitted",
                   "last page", "start language", "date started", "date last action"}
KOBO_META = {"_id", "_uuid", "_submission_time", "_index", "_validation_status", "_notes",
             "_status", "_submitted_by", "__version__", "_tags", "meta/instanceid", "start",
             "end", "today", "deviceid", "_version_"}
ID_HEADERS = ("id", "response id", "_id", "resp_id", "respondent id")
TIMESTAMP_HEADERS = GOOGLE_TIMESTAMPS + ("submitdate", "date submitted", "_submission_time",
                                         "end", "datestamp", "date last action")

TOOL_COLUMNS = (LIMESURVEY_META | KOBO_META) - set(ID_HEADERS)

_YMD = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:\D|$)")
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\D|$)")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\D|$)")
_DASH_DMY = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})(?:\D|$)")


@dataclass(frozen=True)
class Column:
    """One column of an export: ``name`` as in the file, ``text`` the question it shows."""

    index: int
    name: str
    text: str
    value_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class ExportTable:
    """An export read as text: its columns, its rows (with spreadsheet row numbers)."""

    path: Path
    shown: str
    format: str
    columns: list[Column]
    rows: list[tuple[int, list[str]]]
    details: str

    @property
    def name(self) -> str:
        return self.path.name

    def column(self, name: str) -> Column | None:
        """The column headed ``name`` (``None`` when there is none)."""
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def values(self, col: Column) -> list[str]:
        """The column's cells, stripped, one per row."""
        cleaned: dict[str, str] = {}  # a column repeats a few codes: each text cleaned once
        out = []
        for _, cells in self.rows:
            cell = cells[col.index] if col.index < len(cells) else ""
            if cell not in cleaned:
                cleaned[cell] = io._clean(cell)
            out.append(cleaned[cell])
        return out


def _fold(text: str) -> str:
    return " ".join(io._clean(str(text)).casefold().split())


def detect(path: Path, header: list[str], sav: bool) -> str:
    """The tool that wrote an export, from its file type and header (one of :data:`FORMATS`).

    Examples
    --------
    >>> from pathlib import Path
    >>> detect(Path("r.csv"), ["Timestamp", "Пол"], sav=False)
    'google_forms'
    >>> detect(Path("r.csv"), ["id", "submitdate", "lastpage", "startlanguage", "Q8[SQ001]"], False)
    'limesurvey'
    >>> detect(Path("r.csv"), ["start", "end", "grp/q1", "_id", "_uuid", "_submission_time"], False)
    'kobo'
    """
    folded = [_fold(h) for h in header]
    names = set(folded)
    if sav:
        return "limesurvey_sav" if len(names & LIMESURVEY_META) >= 2 else "spss"
    if folded and folded[0] in GOOGLE_TIMESTAMPS:
        return "google_forms"
    if len(names & KOBO_META) >= 2 and any(n.startswith("_") for n in names):
        return "kobo"
    if len(names & LIMESURVEY_META) >= 2:
        return "limesurvey"
    return "table"


def read_export(path: str | os.PathLike[str], codebook: Codebook) -> ExportTable:
    """Read an export (``.csv``, ``.xlsx``, ``.sav``) as text and detect its tool.

    Raises :class:`~ruse_research.errors.DataError` when the file cannot be read as a table.

    Examples
    --------
    >>> from ruse_research.data.codebook import load_codebook
    >>> table = read_export("data/raw/staff.csv", load_codebook("staff"))
    >>> table.format, len(table.rows), table.columns[1].name
    ('table', 98, 'unit')
    """
    shown = os.fspath(path)
    file = Path(path) if Path(path).exists() else paths.resolve(path)
    problems = io._Problems(shown)
    suffix = file.suffix.lower()
    if suffix not in io.SUPPORTED:
        problems.add(None, None, f"a {suffix or 'extensionless'} file",
                     "a .csv, .xlsx or .sav export")
        problems.raise_if_any()
    if not file.is_file():
        problems.add(None, None, "no such file", "an existing export file")
        problems.raise_if_any()
    if suffix == ".sav":
        return _read_sav(file, shown, problems)
    reader = io._read_csv if suffix == ".csv" else io._read_xlsx
    raw = reader(file, shown, codebook, problems)
    problems.raise_if_any()
    assert raw is not None
    columns = [Column(i, name, _text_of(name)) for i, name in enumerate(_unique(raw.header))]
    fmt = detect(file, raw.header, sav=False)
    return ExportTable(file, shown, fmt, columns, raw.rows, raw.details)


def _unique(header: list[str]) -> list[str]:
    """Headers made unique: a second ``Question`` becomes ``Question #2`` (a form may ask
    two questions with one title; the mapping names columns by header)."""
    seen: dict[str, int] = {}
    result = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return result


def _text_of(header: str) -> str:
    """The question text of a header: KoBo ``group/name`` keeps ``name``."""
    header = re.sub(r" #\d+$", "", header)
    if "/" in header and " " not in header:
        return header.rsplit("/", 1)[-1]
    return header


def _read_sav(file: Path, shown: str, problems) -> ExportTable:
    import pyreadstat  # only .sav exports need it

    try:
        frame, meta = pyreadstat.read_sav(os.fspath(file), apply_value_formats=False,
                                          user_missing=True)
    except Exception as err:  # pyreadstat raises several private error classes
        problems.add(None, None, f"a file SPSS cannot read ({type(err).__name__}: {err})",
                     "an SPSS .sav export")
        problems.raise_if_any()
    labels = dict(zip(meta.column_names, meta.column_labels or [], strict=False))
    value_labels = meta.variable_value_labels or {}
    columns = []
    for i, name in enumerate(frame.columns):
        text = labels.get(name) or name
        vl = {io._cell_text(k): str(v) for k, v in value_labels.get(name, {}).items()}
        columns.append(Column(i, str(name), io._clean(str(text)), vl))
    data = [frame[c].tolist() for c in frame.columns]
    rows = [(case + 2, [io._cell_text(col[case]) for col in data]) for case in range(len(frame))]
    fmt = detect(file, [str(c) for c in frame.columns], sav=True)
    return ExportTable(file, shown, fmt, columns, rows, "SPSS .sav")


def parse_timestamp(text: str, order: str = "mdy") -> dt.date | None:
    """The date of a tool's timestamp, or ``None`` when the text is not one.

    Google Forms writes ``2017/05/14 10:23:45 AM GMT+3`` in its CSV download and
    ``14.05.2017 г., 10:23:45`` or ``5/14/2017 10:23:45`` in a sheet, by the account's locale;
    LimeSurvey ``2017-05-14 10:23:45``; KoBoToolbox ``2017-05-14T10:23:45``; LimeSurvey's
    SPSS syntax ``14-05-2017 10:23:45``. ``order`` says how to read ``1/2/2017`` (``mdy``,
    the US default, or ``dmy``).

    Examples
    --------
    >>> parse_timestamp("2017/05/14 10:23:45 AM GMT+3")
    datetime.date(2017, 5, 14)
    >>> parse_timestamp("14.05.2017 г., 10:23:45")
    datetime.date(2017, 5, 14)
    >>> parse_timestamp("5/14/2017 10:23:45"), parse_timestamp("14/5/2017", order="dmy")
    (datetime.date(2017, 5, 14), datetime.date(2017, 5, 14))
    >>> parse_timestamp("soon") is None
    True
    """
    text = text.strip()
    try:
        m = _YMD.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return dt.date(y, mo, d)
        m = _DMY.match(text) or _DASH_DMY.match(text)
        if m:
            d, mo, y = (int(g) for g in m.groups())
            return dt.date(y, mo, d)
        m = _SLASH.match(text)
        if m:
            a, b, y = (int(g) for g in m.groups())
            mo, d = (a, b) if order == "mdy" else (b, a)
            return dt.date(y, mo, d)
    except ValueError:  # 2017-02-30
        return None
    return None


def with_form(table: ExportTable, form: str | os.PathLike[str]) -> ExportTable:
    """``table`` with its question texts and choice labels taken from the XLSForm ``form``.

    A KoBoToolbox export with "XML values and headers" names columns and answers by the
    form's ``name`` columns (``group/q8``, ``agree``); the XLSForm's ``survey`` and
    ``choices`` sheets hold their labels (``label``, or one ``label::Language (code)``
    column per language; the Bulgarian one, ``(bg)``, is preferred). Select-multiple detail
    columns ``q8/option`` get the text ``"Question [Option]"``.
    """
    from openpyxl import load_workbook

    file = Path(form) if Path(form).exists() else paths.resolve(form)
    problems = io._Problems(os.fspath(form))
    try:
        book = load_workbook(file, read_only=True, data_only=True)
        sheets = {ws.title.casefold(): [[io._cell_text(v) for v in row]
                                        for row in ws.iter_rows(values_only=True)]
                  for ws in book.worksheets}
        book.close()
    except Exception as err:  # zip, XML and openpyxl errors: not a workbook
        problems.add(None, None, f"a file that is not an XLSForm workbook ({err})",
                     "the form's .xlsx (sheets survey and choices)")
        problems.raise_if_any()
    if "survey" not in sheets:
        problems.add(None, None, f"sheets {', '.join(sheets)}", "an XLSForm with a 'survey' sheet")
        problems.raise_if_any()

    def records(rows: list[list[str]]) -> list[dict[str, str]]:
        if not rows:
            return []
        head = [h.strip() for h in rows[0]]
        return [dict(zip(head, r, strict=False)) for r in rows[1:] if any(c.strip() for c in r)]

    def label_key(head: list[str]) -> str | None:
        keys = [h for h in head if h == "label" or h.startswith("label::")]
        return next((k for k in keys if k.endswith("(bg)")), keys[0] if keys else None)

    survey = records(sheets["survey"])
    choices = records(sheets.get("choices", []))
    qkey = label_key(list(survey[0]) if survey else [])
    ckey = label_key(list(choices[0]) if choices else [])
    options: dict[str, dict[str, str]] = {}
    for c in choices:
        options.setdefault(c.get("list_name", ""), {})[c.get("name", "")] = c.get(ckey, "") if ckey else ""
    questions = {q.get("name", ""): q for q in survey if q.get("name")}
    columns = []
    for col in table.columns:
        parts = col.name.split("/")
        q = questions.get(parts[-1])
        if q is None and len(parts) >= 2 and parts[-2] in questions:  # q8/option
            q = questions[parts[-2]]
            kind, _, list_name = q.get("type", "").partition(" ")
            option = options.get(list_name.strip(), {}).get(parts[-1], parts[-1])
            text = f"{q.get(qkey, '') if qkey else ''} [{option}]"
            columns.append(Column(col.index, col.name, text, col.value_labels))
            continue
        if q is None:
            columns.append(col)
            continue
        kind, _, list_name = q.get("type", "").partition(" ")
        labels = options.get(list_name.strip(), {}) if kind.startswith("select_one") else {}
        text = (q.get(qkey) if qkey else "") or col.text
        columns.append(Column(col.index, col.name, text, dict(labels) or col.value_labels))
    return ExportTable(table.path, table.shown, table.format, columns, table.rows,
                       f"{table.details}, labels from {file.name}")
