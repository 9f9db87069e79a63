"""Tables written for Excel users cannot carry spreadsheet formulas (CSV injection)."""

from __future__ import annotations

import openpyxl

from ruse_research.runner import write_table


def test_text_cells_that_start_like_formulas_are_defused_in_csv_and_xlsx(tmp_path):
    payload = {
        "name": "quotes",
        "caption": "",
        "columns": ["theme", "quote", "n"],
        "index": [0, 1, 2, 3],
        "data": [
            ["e-services", '=HYPERLINK("http://evil","x")', 12],
            ["transparency", "+359 88 000", 15],
            ["@staff", "-cmd|' /C calc'!A0", 20],
            ["plain", "Добра работа", -3],
        ],
    }
    write_table(payload, tmp_path)
    csv_text = (tmp_path / "quotes.csv").read_text(encoding="utf-8")
    for line in csv_text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.strip('"').startswith(("=", "+", "@")), line
    sheet = openpyxl.load_workbook(tmp_path / "quotes.xlsx").active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    texts = [v for v in values if isinstance(v, str)]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in texts
    assert "'@staff" in texts
    assert all(not t.startswith(("=", "+", "-", "@")) for t in texts)
    assert -3 in values  # numbers stay numbers
    assert "Добра работа" in texts
