"""Write the bad-input corpus (tests/bad_inputs/*) and its index cases.yaml.

Each case is one small malformed file, the codebook to check it against, the command
(``validate``) and the substrings the error output must contain. The files are committed;
this script documents how they were made and rewrites them. XLSX/SAV files embed
timestamps, so existing ones are kept unless ``--force`` is given.

    /work/venv/bin/python tests/bad_inputs/make_corpus.py [--force]
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import yaml

HERE = Path(__file__).parent
MINI = "codebooks/mini.yaml"
HEADER = ["resp_id", "gender", "age", "q1", "q2", "hours", "visit", "comment"]
ROWS = [
    ["R001", "1", "34", "5", "2", "12.5", "2019-05-14", "Бързо обслужване."],
    ["R002", "2", "51", "8", "3", "40", "2019-05-15", ""],
    ["R003", "9", "27", "4", "9", "0", "2019-05-15", "Много документи."],
]
CASES: list[dict] = []


def csv_text(rows=ROWS, header=HEADER, sep=",") -> str:
    def quote(cell: str) -> str:
        return f'"{cell}"' if sep in cell or '"' in cell else cell

    lines = [sep.join(quote(c) for c in header)]
    lines += [sep.join(quote(c) for c in row) for row in rows]
    return "\n".join(lines) + "\n"


def with_cell(row: int, column: str, value: str, rows=ROWS) -> list[list[str]]:
    """Copy of rows with one cell changed (row 0 = first data row = spreadsheet row 2)."""
    out = [list(r) for r in rows]
    out[row][HEADER.index(column)] = value
    return out


def case(name: str, data: bytes | str | None, expect: list[str], about: str,
         codebook: str = MINI, exit: int = 2) -> None:
    if data is not None:
        path = HERE / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    CASES.append({"file": name, "codebook": codebook, "command": "validate",
                  "expect": expect, "about": about, **({"exit": exit} if exit != 2 else {})})


FORCE = "--force" in sys.argv


def xlsx(name: str, build) -> bytes:
    path = HERE / name
    if FORCE or not path.exists():  # keep committed binaries unless asked (they embed times)
        book = openpyxl.Workbook()
        build(book)
        book.save(path)
    return path.read_bytes()


def fill(ws, rows=ROWS, header=HEADER, start=1):
    for offset, row in enumerate([header, *rows]):
        for col, value in enumerate(row, start=1):
            if value != "":
                typed = value if offset == 0 else _typed(header[col - 1], value)
                ws.cell(row=start + offset, column=col, value=typed)


def _typed(column: str, value: str):
    if column in ("gender", "age", "q1", "q2"):
        return int(value) if value.lstrip("-").isdigit() else value
    if column == "hours":
        return float(value)
    if column == "visit":
        return dt.datetime.fromisoformat(value)
    return value


def sav(name: str, rows=ROWS, labels=None) -> None:
    if not FORCE and (HERE / name).exists():
        return
    data = {}
    for i, column in enumerate(HEADER):
        values = [r[i] for r in rows]
        if column in ("resp_id", "comment"):
            data[column] = values
        elif column == "visit":
            data[column] = pd.Series([dt.date.fromisoformat(v) for v in values], dtype=object)
        else:
            data[column] = [float(v) if v else float("nan") for v in values]
    pyreadstat.write_sav(pd.DataFrame(data), str(HERE / name),
                         variable_value_labels=labels or {})


AGREE = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree",
         5: "Strongly agree", 8: "Don't know", 9: "No answer"}


def main() -> None:
    good = csv_text()
    case("valid.csv", good, ["valid.csv: 3 rows, 8 columns"],
         "a clean file: the harness must accept it (exit 0)")

    # ---------------------------------------------------------------- encoding
    ascii_rows = with_cell(2, "comment", "Many documents.", with_cell(0, "comment", "Fast."))
    case("latin1.csv", csv_text(with_cell(0, "comment", "Müller café über", ascii_rows))
         .encode("latin-1"),
         ["latin1.csv", "row 2", "neither UTF-8 nor Windows-1251 (Latin-1?)", "Mьller"],
         "Latin-1 text decodes as Windows-1251 into words mixing scripts")
    case("utf16_bom.csv", good.encode("utf-16"), ["utf16_bom.csv", "UTF-16 text",
         "expected UTF-8 or Windows-1251"], "UTF-16 with byte-order mark (Excel 'Unicode text')")
    case("utf16_no_bom.csv", good.encode("utf-16-le"), ["utf16_no_bom.csv", "NUL bytes"],
         "UTF-16 without byte-order mark")
    case("utf16_be_bom.csv", b"\xfe\xff" + good.encode("utf-16-be"),
         ["utf16_be_bom.csv", "UTF-16 text"], "UTF-16 big-endian with byte-order mark")
    case("concatenated_with_bom.csv", b"\xef\xbb\xbf" + good.encode() + b"\xef\xbb\xbf"
         + csv_text([["R004", "1", "30", "4", "4", "1", "2019-05-16", ""]]).encode(),
         ["row 5", "a repeated header row", "were two files pasted together?"],
         "two UTF-8-BOM exports concatenated (a BOM in the middle)")
    case("utf32.csv", good.encode("utf-32"), ["UTF-32 text"], "UTF-32 with byte-order mark")
    case("double_bom.csv", b"\xef\xbb\xbf\xef\xbb\xbf" + good.encode(),
         ["double_bom.csv", "two UTF-8 byte-order marks"], "BOM written twice")
    case("bom_then_bad_byte.csv", b"\xef\xbb\xbf" + good.encode() + b"R004,1,30,\xff\n",
         ["row 5", "not UTF-8 in a file that is otherwise UTF-8"],
         "UTF-8 BOM but a byte that is not UTF-8")
    case("mixed_encoding.csv", good.encode() + "R004,1,30,4,4,1,2019-05-16,Лошо\n"
         .encode("cp1251"), ["row 5", "not UTF-8 in a file that is otherwise UTF-8"],
         "UTF-8 file with one row appended in Windows-1251")
    case("undefined_cp1251_byte.csv",
         csv_text(with_cell(0, "comment", "Лошо")).encode("cp1251").replace(b"\xcb", b"\x98"),
         ["row 2", "neither UTF-8 nor Windows-1251"],
         "byte 0x98, undefined in Windows-1251 and invalid in UTF-8")
    buffer = io.BytesIO()
    if FORCE or not (HERE / "workbook_named.csv").exists():
        book = openpyxl.Workbook()
        fill(book.active)
        book.save(buffer)
    case("workbook_named.csv", buffer.getvalue() or None,
         ["a zip archive or Excel workbook named .csv"], "an .xlsx renamed to .csv")

    # ---------------------------------------------------------------- structure
    case("empty.csv", b"", ["empty.csv", "an empty file"], "zero bytes")
    case("bom_only.csv", b"\xef\xbb\xbf\r\n", ["an empty file"], "only a byte-order mark")
    case("header_only.csv", csv_text(rows=[]), ["header_only.csv",
         "a header row but no data rows"], "header without respondents")
    case("header_only_semicolon_crlf.csv", ";".join(HEADER).encode("cp1251") + b"\r\n",
         ["a header row but no data rows"], "header only, Excel-BG style")
    case("mixed_delimiters.csv", good + "R004;1;30;4;4;1;2019-05-16;x\n",
         ["row 5", "uses ';'", "the file mixes delimiters"], "one row uses ';' instead of ','")
    case("header_mixed_delimiters.csv", csv_text().replace(",", ";", 3),
         ["row 1", "a header line using ',' and ';'"], "the header itself mixes delimiters")
    case("truncated.csv", good + "R004,1,3", ["row 5", "a last row with 3 of 8 fields",
         "the file seems cut off"], "file cut off in the last row")
    case("unclosed_quote.csv", good + 'R004,1,30,4,4,1,2019-05-16,"never closed\n',
         ["row 5", "a quoted value that is never closed"], "cut off inside a quoted value")
    case("extra_field.csv", good + "R004,1,30,4,4,1,2019-05-16,ok,extra\n",
         ["row 5", "a row of 9 fields", "unquoted ','"], "a value with an unquoted comma")
    case("no_header.csv", "".join(csv_text().splitlines(keepends=True)[1:]),
         ["row 1", "none of the columns of codebook 'mini' in the header ('R001', '1', '34', "
          "'5', ...)", "is it the right codebook?"], "data without a header row")
    case("title_row_cp1251.csv", ("Анкета 2019;;;;;;;\r\n" + csv_text(sep=";")
                                  .replace("\n", "\r\n")).encode("cp1251"),
         ["row 2", "the header on row 2", "delete the rows above it"],
         "a title row above the header, as Excel-BG saves a sheet with a title")
    case("blank_first_line.csv", "\n" + good, ["the header on row 2"],
         "a blank line before the header")
    case("repeated_header.csv", good + csv_text(rows=[]), ["row 5", "a repeated header row"],
         "two exports pasted together")

    # ----------------------------------------------------------------- columns
    case("unknown_column.csv", csv_text(header=[*HEADER[:2], "agee", *HEADER[3:]]),
         ["row 1", "column 'agee'", "did you mean 'age'", "column 'age'", "no such column"],
         "a misspelt column (unknown + missing)")
    case("missing_column.csv", csv_text([r[:5] + r[6:] for r in ROWS],
                                        [*HEADER[:5], *HEADER[6:]]),
         ["column 'hours'", "found 'no such column'", "of codebook 'mini'"], "a column left out")
    case("extra_column.csv", csv_text([[*r, "x"] for r in ROWS], [*HEADER, "notes"]),
         ["column 'notes'", "expected a column of codebook 'mini'"], "a column not in the codebook")
    case("duplicated_column.csv", csv_text([[*r, r[3]] for r in ROWS], [*HEADER, "q1"]),
         ["column 'q1'", "the same name in columns D and I", "each column once"],
         "the same column twice")
    case("unnamed_column.csv", csv_text([[*r, "5"] for r in ROWS], [*HEADER, ""]),
         ["column I", "a column name above values"], "values under an empty header cell")

    # ----------------------------------------------------------------- ids
    case("duplicate_id.csv", csv_text(with_cell(2, "resp_id", "R001")),
         ["row 4", "column 'resp_id'", "found 'R001'", "a unique respondent id (also on row 2)"],
         "the same respondent twice")
    case("blank_id.csv", csv_text(with_cell(1, "resp_id", "")),
         ["row 3", "column 'resp_id'", "the id column must not be blank"], "a row without id")
    case("required_blank.csv", csv_text(with_cell(1, "gender", "")),
         ["row 3", "column 'gender'", "item 'gender' is required"], "a required item left blank")

    # ----------------------------------------------------------------- cells
    case("out_of_range_code.csv", csv_text(with_cell(1, "q1", "7")),
         ["row 3", "column 'q1'", "found '7'", "a code of scale 'agree5': 1-5, 8 (don't know), "
          "9 (no answer)"], "code 7 on a 1-5 scale")
    case("negative_code.csv", csv_text(with_cell(0, "q2", "-1")),
         ["row 2", "column 'q2'", "found '-1'", "a code of scale 'agree5'"],
         "-1 is read as a number, then refused as a code")
    case("text_in_ordinal.csv", csv_text(with_cell(0, "q1", "Agree")),
         ["row 2", "column 'q1'", "found 'Agree'", "a numeric code, not text"],
         "a label where a code belongs")
    case("text_in_numeric.csv", csv_text(with_cell(2, "hours", "many")),
         ["row 4", "column 'hours'", "found 'many'", "a number, not text (numeric item)"],
         "text in a numeric column")
    case("value_outside_range.csv", csv_text(with_cell(0, "age", "150")),
         ["row 2", "column 'age'", "found '150'", "a whole number from 18 to 99"],
         "an integer outside its range")
    case("numeric_outside_range.csv", csv_text(with_cell(1, "hours", "80.5")),
         ["row 3", "column 'hours'", "found '80.5'", "a number from 0 to 60"],
         "a number outside its range")
    case("fractional_integer.csv", csv_text(with_cell(0, "age", "34.5")),
         ["row 2", "column 'age'", "found '34.5'", "a whole number"], "a fraction in an integer")
    case("bad_date.csv", csv_text(with_cell(0, "visit", "05/14/2019")),
         ["row 2", "column 'visit'", "found '05/14/2019'", "a date as YYYY-MM-DD or DD.MM.YYYY"],
         "an ambiguous US date")
    case("impossible_date.csv", csv_text(with_cell(0, "visit", "2019-02-30")),
         ["row 2", "column 'visit'", "found '2019-02-30'", "a date as YYYY-MM-DD"],
         "a date that does not exist")
    case("many_problems.csv", csv_text([[f"R{i}", "1", "34", "7", "x", "1", "2019-05-14", ""]
                                        for i in range(40)]),
         ["30 more problems not listed, in columns q2 (30)", "row 41"],
         "80 problems: 50 listed, the rest counted")

    # --------------------------------------------------------- formula injection
    case("formula_equals.csv", csv_text(with_cell(0, "comment", "=SUM(A1:A3)")),
         ["row 2", "column 'comment'", "found '=SUM(A1:A3)'", "not a spreadsheet formula"],
         "a cell starting with =")
    case("formula_plus.csv", csv_text(with_cell(1, "comment", "+cmd|' /C calc'!A0")),
         ["row 3", "column 'comment'", "not a spreadsheet formula"], "a cell starting with +")
    case("formula_minus.csv", csv_text(with_cell(0, "hours", "-2+3+cmd|' /C calc'!A0")),
         ["row 2", "column 'hours'", "not a spreadsheet formula", "-1 are fine"],
         "a DDE payload starting with - in a numeric column")
    case("formula_at.csv", csv_text(with_cell(2, "resp_id", "@SUM(1+1)")),
         ["row 4", "column 'resp_id'", "found '@SUM(1+1)'", "not a spreadsheet formula"],
         "a cell starting with @ in the id column")
    case("formula_in_code.csv", csv_text(with_cell(0, "q1", "=1+4")),
         ["row 2", "column 'q1'", "found '=1+4'", "not a spreadsheet formula"],
         "a formula where a code belongs")

    # ----------------------------------------------------------------- xlsx
    case("layout_title_rows.xlsx", xlsx("layout_title_rows.xlsx", lambda b: (
        b.active.__setitem__("A1", "Анкета 2019"), fill(b.active, start=3))),
        ["layout_title_rows.xlsx", "row 3", "the header on row 3 of sheet 'Sheet'",
         "delete the rows above it"], "title rows above the header")
    case("layout_second_sheet.xlsx", xlsx("layout_second_sheet.xlsx", lambda b: (
        b.active.__setitem__("A1", "Бележки"), fill(b.create_sheet("Data")))),
        ["no codebook columns on the first sheet 'Sheet', but sheet 'Data' has them"],
        "data on the second sheet")
    case("layout_empty_first_sheet.xlsx", xlsx("layout_empty_first_sheet.xlsx",
         lambda b: fill(b.create_sheet("Data"))),
         ["an empty first sheet 'Sheet'; sheet 'Data' has data"], "an empty first sheet")
    case("layout_transposed.xlsx", xlsx("layout_transposed.xlsx", lambda b: [
        b.active.cell(row=i, column=1, value=h) for i, h in enumerate(HEADER, start=1)]),
        ["item names running down column A", "one column per item"], "one row per item")
    case("xlsx_formula_cell.xlsx", xlsx("xlsx_formula_cell.xlsx", lambda b: (
        fill(b.active), b.active.__setitem__("C3", "=30+21"))),
        ["row 3", "column 'age'", "found '=30+21'", "a value, not a formula"],
        "a real formula cell")
    case("xlsx_date_in_numeric.xlsx", xlsx("xlsx_date_in_numeric.xlsx", lambda b: (
        fill(b.active), b.active.__setitem__("F2", dt.datetime(2019, 5, 1)))),
        ["row 2", "column 'hours'", "found '2019-05-01'",
         "did a spreadsheet turn the number into a date?"],
        "Excel turned 1.5 into 1 May (a date cell in a numeric column)")
    case("xlsx_header_only.xlsx", xlsx("xlsx_header_only.xlsx", lambda b: fill(b.active, [])),
         ["a header row but no data rows"], "a workbook with only the header")
    case("xlsx_not_a_workbook.xlsx", b"resp_id,gender\nR1,1\n",
         ["xlsx_not_a_workbook.xlsx", "not a valid .xlsx workbook"], "a CSV renamed to .xlsx")

    # ----------------------------------------------------------------- sav
    wrong = dict(AGREE)
    wrong[1], wrong[5] = "Strongly agree", "Strongly disagree"
    sav("sav_labels_contradict.sav", labels={"q1": wrong, "gender": {1: "Жена", 2: "Мъж"}})
    case("sav_labels_contradict.sav", None,
         ["column 'q1'", "code 1 labelled 'Strongly agree'",
          "the codebook label 'Напълно несъгласен' or 'Strongly disagree'"],
         "value labels reversed relative to the codebook")
    sav("sav_unknown_label.sav", labels={"gender": {1: "Woman", 2: "Man", 3: "Other"}})
    case("sav_unknown_label.sav", None,
         ["column 'gender'", "a value label for code 3 ('Other')", "1-2, 9 (no answer)"],
         "a value label for a code the codebook does not have")
    sav("sav_out_of_range.sav", rows=with_cell(1, "age", "150"))
    case("sav_out_of_range.sav", None, ["row 3", "column 'age'", "found '150'"],
         "an SPSS case with an out-of-range age")
    case("sav_not_spss.sav", b"$FL2 this is not really an SPSS file",
         ["sav_not_spss.sav", "a file SPSS cannot read"], "a corrupt .sav")

    # ------------------------------------------------------------- whole file
    case("legacy.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
         ["legacy.xls", "a .xls file", "save it in Excel as 'Excel Workbook (*.xlsx)'"],
         "the old Excel format")
    case("data.json", '{"resp_id": "R1"}\n', ["data.json", "a .json file",
         "expected a .csv, .xlsx or .sav file"], "an unsupported extension")
    case("no_such_file.csv", None, ["no_such_file.csv", "no such file"],
         "a file that does not exist (not in the corpus on purpose)")

    hostile_cases()

    # ------------------------------------------------------------- codebooks
    for name, text, expect, about in CODEBOOK_CASES:
        (HERE / "codebooks" / f"{name}.yaml").write_text(text, encoding="utf-8")
        case("valid.csv", None, [f"{name}.yaml", *expect], about, f"codebooks/{name}.yaml")
    case("valid.csv", None, ["no_such_codebook.yaml", "no such codebook file"],
         "a codebook name that does not exist", "no_such_codebook")

    (HERE / "cases.yaml").write_text(
        "# Bad-input corpus: each file, its codebook, the command and the substrings the\n"
        "# error output must contain. Written by make_corpus.py; run by test_bad_inputs.py.\n"
        + yaml.safe_dump(CASES, allow_unicode=True, sort_keys=False, width=100),
        encoding="utf-8")


def hostile_cases() -> None:
    """The cases of issue 20 (a hostile tester's corpus) and a few more of the same kind."""
    case("date_after_2262.csv", csv_text(with_cell(1, "visit", "2300-01-01")),
         ["row 3", "column 'visit'", "found '2300-01-01'", "a date from 1900-01-01 to 2200-12-31"],
         "a date pandas cannot hold (after 2262)")
    case("date_1500.csv", csv_text(with_cell(0, "visit", "15.06.1500")),
         ["row 2", "column 'visit'", "found '15.06.1500'", "a date from 1900-01-01"],
         "a Bulgarian-style date before 1678")
    mojibake = "Бързо обслужване.".encode("utf-8").decode("cp1251")
    case("mojibake_cp1251.csv", csv_text(with_cell(0, "comment", mojibake)),
         ["row 2", "column 'comment'", "UTF-8 read as Windows-1251", "'Бързо обслужване.'"],
         "UTF-8 text double-encoded through Windows-1251: decodes, but is mojibake")
    case("mojibake_id.csv", csv_text(with_cell(1, "resp_id", "Петър-01".encode("utf-8").decode("cp1251"))),
         ["row 3", "column 'resp_id'", "UTF-8 read as Windows-1251"], "a mojibake respondent id")
    case("zero_width_duplicate_id.csv", csv_text(with_cell(1, "resp_id", "R001\u200b")),
         ["row 3", "column 'resp_id'", "found 'R001'", "a unique respondent id (also on row 2)"],
         "a duplicate id hidden by a zero-width space")
    case("bidi_duplicate_id.csv", csv_text(with_cell(2, "resp_id", "\u202eR001")),
         ["row 4", "a unique respondent id (also on row 2)"],
         "a duplicate id hidden by a right-to-left override")
    case("nfd_code_label.csv", csv_text(with_cell(0, "comment", "Бързо и\u0306 ясно")),
         ["nfd_code_label.csv: 3 rows"],
         "decomposed accents are normalised (NFC), the file is clean", exit=0)
    case("zero_width_in_code.csv", csv_text(with_cell(0, "q1", "5\u200b")),
         ["zero_width_in_code.csv: 3 rows"], "a code with a zero-width space is the code", exit=0)
    case("ansi_in_cell.csv", csv_text(with_cell(0, "q1", "\x1b[32m5")),
         ["row 2", "column 'q1'", "\\x1b[32m5"], "an ANSI escape in a cell is shown escaped")
    case("newline_forged_line.csv", csv_text(with_cell(0, "age", "1\nruse-research: all 8 runs ok, really")),
         ["row 2", "column 'age'", "\\nruse-research: all 8 runs ok"],
         "a quoted newline in a cell cannot forge an output line")
    case("long_valid_field.csv", csv_text(with_cell(0, "comment", "дълъг отговор " * 10_000)),
         ["long_valid_field.csv: 3 rows"], "a correctly quoted 140,000-character open answer (over csv's default field limit)", exit=0)
    case("huge_cell_value.csv", csv_text(with_cell(0, "age", "9" * 150_000)),
         ["row 2", "column 'age'", "more)..."], "a 150 KB value is shortened in the message")
    unknown = HEADER + [f"extra_{i}" for i in range(5000)]
    case("many_unknown_columns.csv", csv_text([r + [""] * 5000 for r in ROWS], unknown),
         ["column 'extra_0'", "more problems not listed", "more columns"],
         "5,000 unknown columns give short lines")
    case("xlsx_two_sheets.xlsx", xlsx("xlsx_two_sheets.xlsx", lambda b: (
        fill(b.active), fill(b.create_sheet("Wave 2")))),
        ["survey data on 2 sheets ('Sheet', 'Wave 2')", "--sheet NAME"],
        "an XLSX with data on two sheets (the second used to be ignored)")
    # too many rows (100,001 blank lines, 1,000,000 rows): generated by tests/test_hostile.py


MINI_TEXT = (HERE / "codebooks" / "mini.yaml").read_text(encoding="utf-8")


def _variant(name: str, old: str, new: str) -> str:
    assert old in MINI_TEXT, old
    return MINI_TEXT.replace("instrument: mini", f"instrument: {name}").replace(old, new, 1)


CODEBOOK_CASES = [
    ("cb_broken_yaml", _variant("cb_broken_yaml", "title: {bg: \"Мини анкета\", en: \"Mini survey\"}",
                                "title: {bg: \"Мини анкета\", en: \"Mini survey\""),
     ["not valid YAML", "line 4"], "a YAML syntax error (unclosed brace)"),
    ("cb_unknown_scale", _variant("cb_unknown_scale", "response_scale: agree5, construct: trust,\n",
                                  "response_scale: agree7, construct: trust,\n"),
     ["item 'q1'", "response_scale 'agree7' does not exist", "expected one of agree5, gender"],
     "an item referencing an unknown response scale"),
    ("cb_missing_id_item", _variant("cb_missing_id_item", "id_column: resp_id", "id_column: respondent"),
     ["id_column 'respondent' is not an item"], "id_column names a missing item"),
    ("cb_unknown_construct", _variant("cb_unknown_construct", "construct: trust, reverse: true",
                                      "construct: trusts, reverse: true"),
     ["item 'q2'", "construct 'trusts' is not defined", "did you mean 'trust'"],
     "an item naming a construct that does not exist"),
    ("cb_duplicate_item", _variant("cb_duplicate_item", "  - {id: hours,", "  - {id: age,"),
     ["item 'age'", "duplicate item id"], "two items with the same id"),
    ("cb_unknown_type", _variant("cb_unknown_type", "type: numeric", "type: float"),
     ["item 'hours'", "type 'float'", "expected one of id, ordinal, nominal"],
     "an unknown item type"),
    ("cb_missing_label", _variant("cb_missing_label", '2: {bg: "Мъж", en: "Man"}', '2: {bg: "Мъж"}'),
     ["response scale 'gender'", "values code 2 label has no 'en' text"],
     "a value label without English"),
    ("cb_duplicate_key", _variant("cb_duplicate_key", "  gender:\n",
                                  "  agree5:\n    values: {1: {bg: a, en: b}}\n  gender:\n"),
     ["key 'agree5' appears twice"], "a YAML mapping key given twice"),
    ("cb_unquoted_no", _variant("cb_unquoted_no", '2: {bg: "Мъж", en: "Man"}', "2: {bg: Не, en: No}"),
     ["values code 2 label 'en' is False", "expected text in quotes"],
     "YAML reads an unquoted No as false"),
    ("cb_alias_bomb", _variant("cb_alias_bomb", "constructs:\n", "".join(
        [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 10)]).join(
        ["x0: &x0 [a, a, a, a, a, a, a, a, a]\n", "constructs:\n"])),
     ["alias bomb"], "a YAML alias bomb: refused before it is expanded"),
    ("cb_unused_construct", _variant("cb_unused_construct", "constructs:\n",
                                     'constructs:\n  extra: {label: {bg: "Х", en: "X"}}\n'),
     ["construct 'extra'", "no item uses it"], "a construct no item uses"),
]


if __name__ == "__main__":
    main()
