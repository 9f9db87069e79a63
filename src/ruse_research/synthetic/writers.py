"""Write a survey frame in the four export formats, byte-for-byte reproducibly.

* UTF-8 CSV with ``,`` and ``\\n`` line ends (no byte-order mark), dates ``YYYY-MM-DD``;
* Windows-1251 CSV with ``;`` and CRLF line ends, dates ``DD.MM.YYYY`` - what Excel saves as
  "CSV (разделен със запетаи)" on a Bulgarian Windows desktop;
* XLSX (openpyxl) with the workbook's created/modified stamps fixed and every zip entry dated
  1980-01-01, so the bytes do not depend on the clock;
* SPSS ``.sav`` (pyreadstat) with Bulgarian variable and value labels, the codebook's
  "don't know" and missing codes declared as user-missing values, and the header's creation
  date and time overwritten with a fixed stamp (readstat writes the current time there).

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> df = pd.DataFrame({"resp_id": ["a", "b"], "q1": pd.array([1, None], dtype="Int64")})
>>> with tempfile.TemporaryDirectory() as d:
...     p = pathlib.Path(d) / "x.csv"
...     write_csv(df, p)
...     p.read_text()
'resp_id,q1\\na,1\\nb,\\n'
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from pathlib import Path

import pandas as pd

from ruse_research.data.codebook import Codebook
from ruse_research.deterministic import fixed_zip

#: Creation time written into .xlsx/.sav headers when none is given; the generator passes the
#: region's (``demo.stamp`` of the profile, see :mod:`ruse_research.synthetic.region`).
FIXED_STAMP = datetime(2000, 1, 1, 12, 0, 0)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _text_frame(df: pd.DataFrame, date_format: str) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime(date_format).fillna("")
        else:
            out[col] = s.astype("string").fillna("")
    return out


def write_csv(df: pd.DataFrame, path: Path, *, sep: str = ",", encoding: str = "utf-8",
              lineterminator: str = "\n", date_format: str = "%Y-%m-%d") -> None:
    r"""Write ``df`` as CSV: blanks for missing, minimal quoting, fixed line ends.

    Parameters
    ----------
    df : DataFrame
        Codes (``Int64``), text (``string``) and dates (``datetime64``).
    path : Path
        File to write (overwritten).
    sep, encoding, lineterminator, date_format
        Delimiter, text encoding, line end and ``strftime`` format of dates.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> df = pd.DataFrame({"d": pd.to_datetime(["2019-05-02"]), "t": ["а, б"]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = pathlib.Path(tmp) / "x.csv"
    ...     write_csv(df, p)
    ...     p.read_text(encoding="utf-8")
    'd,t\n2019-05-02,"а, б"\n'
    """
    text = _text_frame(df, date_format)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator=lineterminator,
                        quoting=csv.QUOTE_MINIMAL)
    writer.writerow(list(text.columns))
    writer.writerows(text.itertuples(index=False, name=None))
    Path(path).write_bytes(buf.getvalue().encode(encoding))


def write_csv_cp1251(df: pd.DataFrame, path: Path) -> None:
    r"""Windows-1251, ``;``, CRLF, ``DD.MM.YYYY`` dates (Excel on a Bulgarian desktop).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> df = pd.DataFrame({"d": pd.to_datetime(["2019-05-02"]), "t": ["София"]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = pathlib.Path(tmp) / "x.csv"
    ...     write_csv_cp1251(df, p)
    ...     p.read_bytes()
    b'd;t\r\n02.05.2019;\xd1\xee\xf4\xe8\xff\r\n'
    """
    write_csv(df, path, sep=";", encoding="cp1251", lineterminator="\r\n", date_format="%d.%m.%Y")


def _fix_zip(data: bytes, when: datetime = FIXED_STAMP) -> bytes:
    """Rewrite a zip archive with every entry dated 1980-01-01 and fixed core properties."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return fixed_zip(data, date_time=ZIP_DATE, stamp=stamp, mode=0o600)


def write_xlsx(df: pd.DataFrame, path: Path, sheet: str = "data", stamp: datetime = FIXED_STAMP) -> None:
    """First sheet, header in row 1, codes as numbers, dates as Excel dates, blanks empty.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib, openpyxl
    >>> df = pd.DataFrame({"q": pd.array([1, None], dtype="Int64"), "t": ["a", "b"]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = pathlib.Path(tmp) / "x.xlsx"
    ...     write_xlsx(df, p)
    ...     [c.value for c in openpyxl.load_workbook(p).active["A"]]
    ['q', 1, None]
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(df.columns))
    cols = []
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            cols.append([None if pd.isna(v) else v.to_pydatetime().date() for v in s])
        elif isinstance(s.dtype, pd.Int64Dtype):
            cols.append([None if pd.isna(v) else int(v) for v in s])
        else:
            cols.append([None if pd.isna(v) else str(v) for v in s])
    for row in zip(*cols, strict=True):
        ws.append(list(row))
    for cells in ws.iter_cols(min_row=2, max_row=ws.max_row):
        for cell in cells:
            if cell.data_type == "d":
                cell.number_format = "DD.MM.YYYY"
    wb.properties.creator = "ruse_research.synthetic"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    Path(path).write_bytes(_fix_zip(buf.getvalue(), stamp))


# SAV header: "$FL2"(4) product(60) layout(4) nominal_case_size(4) compression(4)
# weight_index(4) ncases(4) bias(8) -> creation date (9 bytes "dd Mmm yy") at offset 92,
# creation time (8 bytes "hh:mm:ss") at offset 101 (IBM SPSS "System File Format").
_SAV_DATE = slice(92, 101)
_SAV_TIME = slice(101, 109)


def _clip_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes at a character boundary (SPSS limits)."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", errors="ignore").rstrip() + "..."


def write_sav(df: pd.DataFrame, path: Path, codebook: Codebook, lang: str = "bg",
              stamp: datetime = FIXED_STAMP) -> None:
    """SPSS file with variable labels, value labels and user-missing codes from ``codebook``.

    Labels are in ``lang`` and cut to SPSS's byte limits (value labels 120 bytes). The
    header's creation date and time are set to ``stamp`` (default :data:`FIXED_STAMP`).

    Examples
    --------
    >>> import tempfile, pathlib, pyreadstat
    >>> from ruse_research.data.codebook import load_codebook
    >>> from ruse_research.synthetic import generate
    >>> staff = generate(1, only=["staff"])[0]["staff"]  # as in a full run
    >>> cb = load_codebook("data/codebooks/staff.yaml")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = pathlib.Path(tmp) / "staff.sav"
    ...     write_sav(staff.head(3), p, cb)  # the labels and header of a full export
    ...     _, meta = pyreadstat.read_sav(p, metadataonly=True)
    >>> meta.variable_value_labels["sex"][2], str(meta.creation_time)
    ('Жена', '2000-01-01 12:00:00')
    """
    import pyreadstat

    items = {it.id: it for it in codebook.items}
    data = pd.DataFrame(index=df.index)
    value_labels: dict[str, dict[int, str]] = {}
    missing_ranges: dict[str, list] = {}
    variable_labels: list[str] = []
    for col in df.columns:
        it = items[col]
        s = df[col]
        variable_labels.append(_clip_bytes(it.text[lang], 255))
        if it.type in ("id", "text"):
            data[col] = s.astype("string").fillna("").astype(object)
        elif it.type == "date":
            data[col] = s
        else:
            data[col] = s.astype("Float64").astype(float)
        if it.response_scale:
            scale = codebook.scales[it.response_scale]
            labels = {**scale.values, **scale.dont_know, **scale.missing}
            value_labels[col] = {int(code): _clip_bytes(lab[lang], 120)
                                for code, lab in sorted(labels.items())}
            user_missing = sorted([*scale.dont_know, *scale.missing])
            if user_missing:
                missing_ranges[col] = [int(c) for c in user_missing][:3]
    tmp = Path(path).with_suffix(".sav.tmp")
    pyreadstat.write_sav(data, tmp, column_labels=variable_labels,
                         variable_value_labels=value_labels, missing_ranges=missing_ranges,
                         file_label=_clip_bytes(codebook.title[lang], 64))
    raw = bytearray(tmp.read_bytes())
    tmp.unlink()
    if raw[:4] not in (b"$FL2", b"$FL3"):
        raise RuntimeError(f"unexpected SPSS header {bytes(raw[:4])!r} written by pyreadstat")
    raw[_SAV_DATE] = stamp.strftime("%d %b %y").encode("ascii")
    raw[_SAV_TIME] = stamp.strftime("%H:%M:%S").encode("ascii")
    Path(path).write_bytes(bytes(raw))


def write_all_formats(df: pd.DataFrame, out: Path, stem: str, codebook: Codebook,
                      stamp: datetime = FIXED_STAMP) -> list[Path]:
    """``<stem>.csv``, ``<stem>.cp1251.csv``, ``<stem>.xlsx`` and ``<stem>.sav`` in ``out``.

    Examples
    --------
    >>> import tempfile
    >>> from ruse_research.data.codebook import load_codebook
    >>> from ruse_research.synthetic import generate
    >>> staff = generate(1, only=["staff"])[0]["staff"]  # as in a full run
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_all_formats(staff.head(3), tmp, "staff",  # three rows suffice here
    ...                               load_codebook("data/codebooks/staff.yaml"))
    >>> [p.name for p in paths]
    ['staff.csv', 'staff.cp1251.csv', 'staff.xlsx', 'staff.sav']
    """
    out = Path(out)
    paths = [out / f"{stem}.csv", out / f"{stem}.cp1251.csv", out / f"{stem}.xlsx",
             out / f"{stem}.sav"]
    write_csv(df, paths[0])
    write_csv_cp1251(df, paths[1])
    write_xlsx(df, paths[2], stamp=stamp)
    write_sav(df, paths[3], codebook, stamp=stamp)
    return paths


def sha256sums(folder: Path, names: list[str]) -> str:
    r"""Lines ``<sha256>  <name>`` (the ``sha256sum`` format), sorted by name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (pathlib.Path(tmp) / "a.txt").write_bytes(b"")
    ...     sha256sums(tmp, ["a.txt"])
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.txt\n'
    """
    lines = []
    for name in sorted(names):
        digest = hashlib.sha256((Path(folder) / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}\n")
    return "".join(lines)
