"""Tests for ruse_research.data.io: every format reads into an equal typed frame; problems are
collected with file, row, column, value and expectation."""

from __future__ import annotations

import csv
import hashlib
import os
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pandas.testing as pdt
import pyreadstat
import pytest

from ruse_research import paths
from ruse_research.data import profile
from ruse_research.data.codebook import load_codebook
from ruse_research.data.io import MAX_PROBLEMS, read_survey, validate_file
from ruse_research.errors import DataError, ParamsError

FIXTURES = Path(__file__).parent / "fixtures" / "io"
CODEBOOK = load_codebook(FIXTURES / "survey.yaml")
SOURCE_CSV = FIXTURES / "survey.csv"


# ------------------------------------------------------------------ writers
def _as_text(frame: pd.DataFrame, codebook, *, decimal_comma=False, bg_dates=False):
    """Cells as the text a spreadsheet would export (NA -> "")."""
    out = {}
    for it in codebook.items:
        col = frame[it.id]
        cells = []
        for v in col:
            if pd.isna(v):
                cells.append("")
            elif it.type == "numeric":
                text = repr(float(v))
                text = text[:-2] if text.endswith(".0") else text
                cells.append(text.replace(".", ",") if decimal_comma else text)
            elif it.type == "date":
                cells.append(v.strftime("%d.%m.%Y г.") if bg_dates else v.strftime("%Y-%m-%d"))
            else:
                cells.append(str(v))
        out[it.id] = cells
    return out


def write_csv(frame, codebook, path, *, encoding="utf-8", delimiter=",", newline="\n",
              decimal_comma=False, bg_dates=False):
    cols = _as_text(frame, codebook, decimal_comma=decimal_comma, bg_dates=bg_dates)
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter, lineterminator=newline)
        w.writerow(codebook.item_ids)
        for i in range(len(frame)):
            w.writerow([cols[c][i] for c in codebook.item_ids])


def write_xlsx(frame, codebook, path, sheet="Sheet1"):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(codebook.item_ids)
    for i in range(len(frame)):
        row = []
        for it in codebook.items:
            v = frame[it.id].iloc[i]
            if pd.isna(v):
                row.append(None)
            elif it.type in ("numeric",):
                row.append(float(v))
            elif it.type in ("ordinal", "nominal", "integer"):
                row.append(int(v))
            elif it.type == "date":
                row.append(v.to_pydatetime())
            else:
                row.append(str(v))
        ws.append(row)
    book.save(path)


def write_sav(frame, codebook, path, labels_lang="en", override_labels=None):
    data = {}
    for it in codebook.items:
        col = frame[it.id]
        if it.type in ("id", "text"):
            data[it.id] = ["" if pd.isna(v) else str(v) for v in col]
        elif it.type == "date":
            # pyreadstat 1.3 writes pandas-3 datetime64[us] columns as 1970-01-01;
            # datetime.date objects are written correctly.
            data[it.id] = pd.Series([None if pd.isna(v) else v.date() for v in col],
                                    dtype=object)
        else:
            data[it.id] = col.astype("float64").to_numpy(na_value=float("nan"))
    labels = {it.id: codebook.value_labels(it.id, labels_lang)
              for it in codebook.items if it.response_scale}
    labels.update(override_labels or {})
    pyreadstat.write_sav(pd.DataFrame(data), str(path), variable_value_labels=labels)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return read_survey(SOURCE_CSV, CODEBOOK, dont_know="keep")


# ------------------------------------------------------------- typed contract
def test_types_and_values_follow_the_contract():
    df = read_survey(SOURCE_CSV, CODEBOOK)
    assert list(df.columns) == CODEBOOK.item_ids
    assert isinstance(df.index, pd.RangeIndex) and len(df) == 6
    kinds = {
        "resp_id": "string", "group": "Int64", "gender": "Int64", "age": "Int64",
        "trust_1": "Int64", "hours": "Float64", "score": "Float64",
        "interview_date": "datetime64[ns]", "comment": "string",
    }
    for column, dtype in kinds.items():
        assert str(df[column].dtype) == dtype, column
    assert df["resp_id"].tolist() == ["R001", "R002", "R003", "R004", "R005", "R006"]
    # R002 answered 8 = don't know -> <NA>; R003 gender 9 = no answer -> <NA>
    assert pd.isna(df.loc[1, "trust_1"]) and pd.isna(df.loc[2, "gender"])
    assert df.loc[0, "hours"] == 12.5 and df.loc[4, "score"] == 0.001
    assert df.loc[1, "score"] == -1.5  # a signed number is a number, not a formula
    assert df.loc[4, "comment"] == "Line one\nline two"  # quoted newline kept
    assert df.loc[2, "comment"] == 'Много документи; "чакане" на опашка.'
    assert df.loc[3, "comment"] == "- няма забележки"  # dash + space is not a formula
    assert df.loc[4, "interview_date"] == pd.Timestamp("2019-06-01")


def test_dont_know_keep_versus_na():
    keep = read_survey(SOURCE_CSV, CODEBOOK, dont_know="keep")
    na = read_survey(SOURCE_CSV, CODEBOOK, dont_know="na")
    assert keep.loc[1, "trust_1"] == 8 and keep.loc[4, "trust_2"] == 8
    assert pd.isna(na.loc[1, "trust_1"]) and pd.isna(na.loc[4, "trust_2"])
    # missing codes (9) are <NA> either way
    assert pd.isna(keep.loc[2, "trust_2"]) and pd.isna(keep.loc[5, "info_1"])
    with pytest.raises(ParamsError, match="expected 'na' or 'keep'"):
        read_survey(SOURCE_CSV, CODEBOOK, dont_know="drop")


# ------------------------------------------------------------------ round trips
FORMATS = {
    "utf8_comma.csv": lambda f, p: write_csv(f, CODEBOOK, p),
    "cp1251_semicolon_crlf.csv": lambda f, p: write_csv(
        f, CODEBOOK, p, encoding="cp1251", delimiter=";", newline="\r\n",
        decimal_comma=True, bg_dates=True),
    "utf8_bom.csv": lambda f, p: write_csv(f, CODEBOOK, p, encoding="utf-8-sig"),
    "utf8_tab.csv": lambda f, p: write_csv(f, CODEBOOK, p, delimiter="\t"),
    "workbook.xlsx": lambda f, p: write_xlsx(f, CODEBOOK, p),
    "labels_en.sav": lambda f, p: write_sav(f, CODEBOOK, p, "en"),
    "labels_bg.sav": lambda f, p: write_sav(f, CODEBOOK, p, "bg"),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
@pytest.mark.parametrize("dont_know", ["na", "keep"])
def test_every_format_reads_into_an_equal_frame(tmp_path, expected, name, dont_know):
    target = tmp_path / name
    FORMATS[name](expected, target)
    before = sha256(target)
    got = read_survey(target, CODEBOOK, dont_know=dont_know)
    pdt.assert_frame_equal(got, read_survey(SOURCE_CSV, CODEBOOK, dont_know=dont_know))
    assert sha256(target) == before  # raw files are never modified


def test_cp1251_file_really_is_windows_1251_with_crlf(tmp_path, expected):
    target = tmp_path / "bg.csv"
    FORMATS["cp1251_semicolon_crlf.csv"](expected, target)
    data = target.read_bytes()
    assert b"\r\n" in data and "Бързо".encode("cp1251") in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    summary = validate_file(target, CODEBOOK)
    assert summary == "bg.csv: 6 rows, 14 columns, encoding windows-1251, delimiter ';' - OK"


def test_validate_file_summaries(tmp_path, expected):
    write_xlsx(expected, CODEBOOK, tmp_path / "s.xlsx", sheet="Данни")
    write_sav(expected, CODEBOOK, tmp_path / "s.sav")
    write_csv(expected, CODEBOOK, tmp_path / "s.csv", encoding="utf-8-sig")
    assert validate_file(tmp_path / "s.xlsx", CODEBOOK) == (
        "s.xlsx: 6 rows, 14 columns, sheet 'Данни' - OK")
    assert validate_file(tmp_path / "s.sav", CODEBOOK) == (
        "s.sav: 6 rows, 14 columns, SPSS .sav, value labels agree with codebook "
        "'survey' - OK")
    assert validate_file(tmp_path / "s.csv", FIXTURES / "survey.yaml") == (
        "s.csv: 6 rows, 14 columns, encoding utf-8 with BOM, delimiter ',' - OK")


def test_relative_paths_resolve_from_the_project_root(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    df = read_survey("tests/fixtures/io/survey.csv", "tests/fixtures/io/survey.yaml")
    assert len(df) == 6
    assert paths.resolve("tests/fixtures/io/survey.csv").is_file()


# ------------------------------------------------------------------ problems
HEADER = ",".join(CODEBOOK.item_ids)
GOOD = "R001,1,1,34,5,4,2,4,,3,12.5,0.75,2019-05-14,ok"


def _problems(tmp_path, text: str | bytes, name="bad.csv"):
    target = tmp_path / name
    if isinstance(text, str):
        target.write_text(text, encoding="utf-8")
    else:
        target.write_bytes(text)
    with pytest.raises(DataError) as info:
        read_survey(target, CODEBOOK)
    return info.value.problems, str(info.value), info.value.report()


def _row(**changes) -> str:
    cells = dict(zip(CODEBOOK.item_ids, GOOD.split(","), strict=True))
    cells.update(changes)
    return ",".join(cells[c] for c in CODEBOOK.item_ids)


def test_problem_names_file_row_column_value_and_expectation(tmp_path):
    problems, message, _ = _problems(tmp_path, f"{HEADER}\n{GOOD}\n{_row(resp_id='R2', trust_1='7')}\n")
    assert len(problems) == 1
    p = problems[0]
    assert (Path(p.file).name, p.row, p.column, p.value) == ("bad.csv", 3, "trust_1", "7")
    assert p.expected == "a code of scale 'agree5': 1-5, 8 (don't know), 9 (no answer)"
    assert message.endswith(
        "bad.csv, row 3, column 'trust_1': found '7', expected a code of scale 'agree5': "
        "1-5, 8 (don't know), 9 (no answer)")


@pytest.mark.parametrize(
    ("changes", "column", "value", "expected"),
    [
        ({"trust_1": "Agree"}, "trust_1", "Agree", "a numeric code, not text"),
        ({"trust_1": "4.5"}, "trust_1", "4.5", "a whole-number code of scale 'agree5'"),
        ({"trust_1": "-1"}, "trust_1", "-1", "a code of scale 'agree5'"),
        ({"age": "17"}, "age", "17", "a whole number from 18 to 99"),
        ({"age": "thirty"}, "age", "thirty", "a number, not text (integer item)"),
        ({"age": "34.5"}, "age", "34.5", "a whole number"),
        ({"hours": "61"}, "hours", "61", "a number from 0 to 60"),
        ({"hours": "-0.5"}, "hours", "-0.5", "a number from 0 to 60"),
        ({"score": "n/a"}, "score", "n/a", "a number, not text (numeric item)"),
        ({"score": "inf"}, "score", "inf", "a number, not text"),
        ({"hours": "01.05.2019"}, "hours", "01.05.2019",
         "a number, not a date (numeric item; did a spreadsheet turn the number into a date?)"),
        ({"trust_2": "2019-05-04"}, "trust_2", "2019-05-04", "a number, not a date (ordinal"),
        ({"score": "=SUM(A1:A3)"}, "score", "=SUM(A1:A3)", "not a spreadsheet formula"),
        ({"score": "-2+3+cmd|' /C calc'!A0"}, "score", "-2+3+cmd|' /C calc'!A0",
         "not a spreadsheet formula"),
        ({"comment": "=HYPERLINK(\"http://x\")"}, "comment", '=HYPERLINK("http://x")',
         "not a spreadsheet formula"),
        ({"comment": "+1-555"}, "comment", "+1-555", "not a spreadsheet formula"),
        ({"comment": "@SUM(1)"}, "comment", "@SUM(1)", "not a spreadsheet formula"),
        ({"comment": "-cmd"}, "comment", "-cmd", "not a spreadsheet formula"),
        ({"resp_id": ""}, "resp_id", "", "a respondent id (the id column must not be blank)"),
        ({"group": ""}, "group", "", "a value (item 'group' is required)"),
        ({"interview_date": "05/14/2019"}, "interview_date", "05/14/2019", "a date as YYYY-MM-DD"),
        ({"interview_date": "2019-02-30"}, "interview_date", "2019-02-30", "a date as YYYY-MM-DD"),
    ],
)
def test_each_kind_of_bad_cell_has_its_own_message(tmp_path, changes, column, value, expected):
    problems, _, _ = _problems(tmp_path, f"{HEADER}\n{_row(**{'resp_id': 'R9', **changes})}\n")
    assert [(p.row, p.column, p.value) for p in problems] == [(2, column, value)]
    assert expected in problems[0].expected


def test_header_problems(tmp_path):
    header = HEADER.replace("age,", "agee,").replace(",comment", ",comment,comment,extra")
    row = GOOD + ",again,x"
    problems, _, report = _problems(tmp_path, f"{header}\n{row}\n")
    found = {(p.column, p.expected) for p in problems}
    assert ("agee", "a column of codebook 'survey' (did you mean 'age'?)") in found
    assert ("extra", "a column of codebook 'survey'") in found
    assert ("comment", "each column once") in found
    assert ("age", "column 'age' of codebook 'survey'") in found
    assert "found 'the same name in columns N and O'" in report
    assert all(p.row == 1 for p in problems)


def test_duplicate_ids_point_to_the_first_row(tmp_path):
    problems, _, _ = _problems(tmp_path, f"{HEADER}\n{GOOD}\n{_row(resp_id='R002')}\n{GOOD}\n")
    assert [(p.row, p.column, p.value, p.expected) for p in problems] == [
        (4, "resp_id", "R001", "a unique respondent id (also on row 2)")]


def test_file_level_problems(tmp_path):
    cases = {
        "": "an empty file",
        "\ufeff": "an empty file",
        f"{HEADER}\n": "a header row but no data rows",
        f"{HEADER}\n{GOOD}\nR002,1,1,3": "a last row with 4 of 14 fields",
        f"{HEADER}\n{GOOD}\n{GOOD.replace(',', ';', 3).replace('R001', 'R2')}\n":
            "a row of 11 fields that uses ';'",
        f"{HEADER}\n{GOOD}\n{_row(resp_id='R2')},extra\n": "a row of 15 fields",
        f'{HEADER}\n{_row(comment=chr(34) + "open quote")}\n': "a quoted value that is never closed",
        HEADER.replace(",", ";", 2) + "\n" + GOOD + "\n": "a header line using ',' and ';'",
        f"{HEADER}\n{GOOD}\n{HEADER}\n": "a repeated header row",
        f"Survey 2019,,,\n\n{HEADER}\n{GOOD}\n": "the header on row 3",
        f"\n{HEADER}\n{GOOD}\n": "the header on row 2",
        f"Survey 2019\n{HEADER.replace(',', ';')}\n{GOOD.replace(',', ';')}\n":
            "the header on row 2",
        f"{GOOD}\n{_row(resp_id='R2')}\n": "none of the columns of codebook 'survey' in the "
                                          "header ('R001', '1', '1', '34', ...)",
    }
    for text, found in cases.items():
        problems, message, _ = _problems(tmp_path, text)
        assert found in str(problems[0].value), (text, message)


@pytest.mark.parametrize(
    ("data", "found"),
    [
        ("resp_id\nR1\n".encode("utf-16"), "UTF-16 text (byte-order mark at the start)"),
        ("resp_id\nR1\n".encode("utf-32"), "UTF-32 text"),
        ("resp_id\nR1\n".encode("utf-16-le"), "NUL bytes"),
        (f"{HEADER}\n{_row(comment='Müller café über')}\n".encode("latin-1"),
         "neither UTF-8 nor Windows-1251 (Latin-1?), read as 'Mьller'"),
        (f"{HEADER}\n{_row(comment='Добре')}\n".encode() + _row(resp_id="R2", comment="Лошо")
         .encode("cp1251") + b"\n", "not UTF-8 in a file that is otherwise UTF-8"),
        (b"\xef\xbb\xbf" + f"{HEADER}\n{_row(comment='x')}".encode() + b"\xff\n",
         "not UTF-8 in a file that is otherwise UTF-8"),
        (f"{HEADER}\n{_row(comment='Лошо')}\n".encode("cp1251").replace(b"\xcb", b"\x98"),
         "neither UTF-8 nor Windows-1251"),
        (b"PK\x03\x04rest", "a zip archive or Excel workbook named .csv"),
        (b"\xef\xbb\xbf\xef\xbb\xbf" + f"{HEADER}\n{GOOD}\n".encode(),
         "two UTF-8 byte-order marks"),
    ],
)
def test_encoding_problems(tmp_path, data, found):
    problems, _, _ = _problems(tmp_path, data)
    assert found in problems[0].value
    assert "UTF-8" in problems[0].expected or "xlsx" in problems[0].expected


def test_encoding_problems_name_the_row(tmp_path):
    data = (f"{HEADER}\n{_row(comment='Добре')}\n".encode()
            + _row(resp_id="R2", comment="Лошо").encode("cp1251") + b"\n")
    problems, _, _ = _problems(tmp_path, data)
    assert problems[0].row == 3


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(DataError, match=r"found 'a \.xls file', expected a \.csv, \.xlsx or \.sav "
                       r"file \(save it in Excel as 'Excel Workbook \(\*\.xlsx\)'\)"):
        read_survey(tmp_path / "old.xls", CODEBOOK)
    with pytest.raises(DataError, match="found 'a .json file'"):
        read_survey(tmp_path / "x.json", CODEBOOK)
    with pytest.raises(DataError, match=r"nope\.csv: found 'no such file', expected an existing"):
        read_survey(tmp_path / "nope.csv", CODEBOOK)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions and a non-root user")
def test_unreadable_file(tmp_path):
    target = tmp_path / "locked.csv"
    target.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    target.chmod(0)
    try:
        with pytest.raises(DataError, match="a file that cannot be read"):
            read_survey(target, CODEBOOK)
    finally:
        target.chmod(0o600)


def test_read_errors_of_the_operating_system_become_a_problem(monkeypatch):
    import ruse_research.data.io as ruse_io

    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(ruse_io, "_read_csv", refuse)
    with pytest.raises(DataError, match=r"survey\.csv: found 'a file that cannot be read "
                       r"\(Permission denied\)', expected a readable data file"):
        read_survey(SOURCE_CSV, CODEBOOK)


def test_many_problems_are_capped_but_counted(tmp_path):
    rows = [_row(resp_id=f"R{i}", trust_1="7", trust_2="x") for i in range(40)]
    problems, message, report = _problems(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].value == "30 more problems not listed, in columns trust_2 (30)"
    assert message.endswith(f"(and {MAX_PROBLEMS} more problems)")
    assert len(report.splitlines()) == MAX_PROBLEMS + 1


def test_problems_are_all_collected_in_row_order_per_column(tmp_path):
    text = (f"{HEADER}\n{_row(resp_id='R1', age='5')}\n{_row(resp_id='R2', trust_1='0')}\n"
            f"{_row(resp_id='', age='200')}\n")
    problems, _, _ = _problems(tmp_path, text)
    assert [(p.row, p.column) for p in problems] == [
        (4, "resp_id"), (2, "age"), (4, "age"), (3, "trust_1")]


# ------------------------------------------------------------------ xlsx
def test_xlsx_formula_and_error_cells_are_refused(tmp_path, expected):
    target = tmp_path / "f.xlsx"
    write_xlsx(expected, CODEBOOK, target)
    book = openpyxl.load_workbook(target)
    ws = book.active
    ws["D3"] = "=30+21"  # age of R002 as a formula
    ws["K2"] = "#N/A"
    ws["K2"].data_type = "e"
    book.save(target)
    problems, _, _ = _problems_of(target)
    assert [(p.row, p.column, p.value) for p in problems] == [
        (3, "age", "=30+21"), (2, "hours", "#N/A")]
    assert "not a formula" in problems[0].expected
    assert problems[1].expected == "a value, not a spreadsheet error"


def _problems_of(target):
    with pytest.raises(DataError) as info:
        read_survey(target, CODEBOOK)
    return info.value.problems, str(info.value), info.value.report()


def test_xlsx_layout_problems(tmp_path, expected):
    titled = tmp_path / "titled.xlsx"
    write_xlsx(expected, CODEBOOK, titled)
    book = openpyxl.load_workbook(titled)
    book.active.insert_rows(1, amount=2)
    book.active["A1"] = "Survey export 2019"
    book.save(titled)
    problems, _, _ = _problems_of(titled)
    assert problems[0].row == 3 and problems[0].value == "the header on row 3 of sheet 'Sheet1'"

    second = tmp_path / "second.xlsx"
    write_xlsx(expected, CODEBOOK, second)
    book = openpyxl.load_workbook(second)
    book.active.title = "Data"
    book.create_sheet("Notes", 0)["A1"] = "read me"
    book.save(second)
    problems, _, _ = _problems_of(second)
    assert problems[0].value == ("no codebook columns on the first sheet 'Notes', but sheet "
                                 "'Data' has them")

    empty = tmp_path / "empty.xlsx"
    book = openpyxl.Workbook()
    book.create_sheet("Data")["A1"] = "resp_id"
    book.save(empty)
    problems, _, _ = _problems_of(empty)
    assert problems[0].value == "an empty first sheet 'Sheet'; sheet 'Data' has data"

    transposed = tmp_path / "transposed.xlsx"
    book = openpyxl.Workbook()
    for i, name in enumerate(CODEBOOK.item_ids, start=1):
        book.active.cell(row=i, column=1, value=name)
        book.active.cell(row=i, column=2, value=1)
    book.save(transposed)
    problems, _, _ = _problems_of(transposed)
    assert problems[0].value == "item names running down column A of sheet 'Sheet'"

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    problems, _, _ = _problems_of(broken)
    assert "not a valid .xlsx workbook" in problems[0].value

    # a real zip whose sheet XML is damaged (as after an interrupted copy)
    damaged = tmp_path / "damaged.xlsx"
    write_xlsx(expected, CODEBOOK, tmp_path / "good.xlsx")
    with zipfile.ZipFile(tmp_path / "good.xlsx") as src, zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(info, data)
    problems, _, _ = _problems_of(damaged)
    assert "not a valid .xlsx workbook" in problems[0].value


# ------------------------------------------------------------------ sav
def test_sav_labels_that_contradict_the_codebook(tmp_path, expected):
    target = tmp_path / "wrong.sav"
    labels = CODEBOOK.value_labels("trust_1", "en")
    labels[5] = "Strongly disagree"
    labels[1] = "Strongly agree"
    write_sav(expected, CODEBOOK, target, override_labels={"trust_1": labels,
                                                           "gender": {1: "Woman", 7: "Robot"}})
    problems, _, _ = _problems_of(target)
    summary = [(p.row, p.column, p.value, p.expected) for p in problems]
    assert summary == [
        (None, "gender", "a value label for code 7 ('Robot')",
         "labels only for codes of scale 'gender': 1-3, 9 (no answer)"),
        (None, "trust_1", "code 1 labelled 'Strongly agree'",
         "the codebook label 'Напълно несъгласен' or 'Strongly disagree'"),
        (None, "trust_1", "code 5 labelled 'Strongly disagree'",
         "the codebook label 'Напълно съгласен' or 'Strongly agree'"),
    ]


def test_sav_rows_are_numbered_like_spreadsheet_rows(tmp_path, expected):
    bad = expected.copy()
    bad.loc[2, "age"] = 150
    target = tmp_path / "age.sav"
    write_sav(bad, CODEBOOK, target)
    problems, _, _ = _problems_of(target)
    assert [(p.row, p.column, p.value) for p in problems] == [(4, "age", "150")]


# ------------------------------------------------------------ bundled data
# The active profile's demonstration exports (data/raw for ruse, its data_dir for another
# profile): the codebooks take their municipality labels from the same profile.
RAW = profile.resolve("data/raw")
# the stakeholder export read in four formats (XLSX and .sav of about 1,500 rows) takes about
# 3 s, so it runs in the slow tier; the staff export keeps the check in the fast one
INSTRUMENTS = ["staff", pytest.param("stakeholders", marks=pytest.mark.slow)]


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_bundled_demo_exports_read_into_equal_frames(instrument):
    files = [RAW / f"{instrument}{suffix}" for suffix in (".csv", ".cp1251.csv", ".xlsx", ".sav")]
    if not all(f.is_file() for f in files):
        pytest.skip(f"bundled demo data for {instrument} not generated yet in {RAW}")
    codebook = load_codebook(instrument)
    before = [sha256(f) for f in files]
    frames = [read_survey(f, codebook, dont_know="keep") for f in files]
    for other in frames[1:]:
        pdt.assert_frame_equal(frames[0], other)
    assert frames[0][codebook.id_column].is_unique
    assert [sha256(f) for f in files] == before


BUNDLED_EXPORTS = sorted(
    p.name for p in RAW.glob("*")
    if p.suffix in (".csv", ".xlsx", ".sav") and (paths.codebook_dir() / f"{p.name.split('.')[0]}.yaml").is_file()
)


#: exports whose validation reads enough rows through openpyxl to belong to the slow tier
SLOW_EXPORTS = {"stakeholders.xlsx"}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow) if name in SLOW_EXPORTS
                                  else name for name in BUNDLED_EXPORTS or ["(none generated yet)"]])
def test_every_bundled_export_validates_against_its_codebook(name):
    if not BUNDLED_EXPORTS:
        pytest.skip("no bundled demo data yet")
    summary = validate_file(RAW / name, name.split(".")[0])
    assert summary.startswith(f"{name}: ") and summary.endswith(" - OK")


def test_docstring_examples_run():
    import doctest

    import ruse_research.data.io as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0


def test_relative_paths_resolve_from_the_project_root_not_the_current_directory(tmp_path, monkeypatch):
    # a file of the same relative name in the current directory must not be picked up
    (tmp_path / "tests" / "fixtures" / "io").mkdir(parents=True)
    (tmp_path / "tests" / "fixtures" / "io" / "survey.csv").write_text("not,the,export\n")
    monkeypatch.chdir(tmp_path)
    frame = read_survey("tests/fixtures/io/survey.csv", "tests/fixtures/io/survey.yaml")
    assert len(frame) > 0
