"""Exported files a team can paste: CSV/XLSX/PNG/SVG carry the data's status and the shown precision.

The writers of :mod:`ruse_research.runner.artifacts` get a table or figure bundle as a notebook
displays it (``report.table_bundle`` / ``report.figure_bundle``) and must write: a CSV in UTF-8 with
a BOM whose first line is the note (synthetic flag, or the source of real public figures), read back
by ``pandas.read_csv(path, skiprows=1)`` (``sep=";", decimal=","`` for Bulgarian runs); numbers
rounded as the report shows them; an XLSX with the note row, a frozen header, number formats and
column widths, and no index column the report does not show; a 300 dpi PNG and an SVG, each with
the note as metadata and a visible mark.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from ruse_research.contract import TABLE_MIME  # noqa: E402
from ruse_research.display.figures import figure_bundle  # noqa: E402
from ruse_research.display.tables import table_bundle  # noqa: E402
from ruse_research.figure_mark import add_band, band_height  # noqa: E402
from ruse_research.runner.artifacts import (  # noqa: E402
    ExportMark,
    extract_artifacts,
    figure_mark_env,
    mark_png,
    read_table_csv,
    write_table,
)

SYNTHETIC_EN = ExportMark("en", True, "Stakeholder opinions")
SYNTHETIC_BG = ExportMark("bg", True, "Мнения на заинтересованите страни")


def frame() -> pd.DataFrame:
    # an index the report does not show (rows filtered out of a longer table)
    return pd.DataFrame(
        {"Група": ["Граждани", "НПО"], "n": [442, 75], "Разлика": [0.7343426941922013, -0.641],
         "Дял": [0.42567, 0.5], "p": [9.39e-10, 0.0001615]},
        index=[24, 25],
    )


def payload(lang: str = "bg") -> dict:
    data, _ = table_bundle(frame(), "perception_gap", lang=lang, digits={"Разлика": 2, "p": 3},
                           percent_columns=["Дял"], pct_digits=1, show_index=False)
    return data[TABLE_MIME]


def written(tmp_path, mark, lang="bg", source=None):
    write_table(payload(lang), tmp_path, mark, source)
    return (tmp_path / "perception_gap.csv").read_bytes()


def test_csv_has_bom_and_the_flag_on_its_first_line(tmp_path):
    raw = written(tmp_path, SYNTHETIC_BG)
    assert raw.startswith(b"\xef\xbb\xbf")
    first = raw[3:].decode("utf-8").splitlines()[0]
    assert first.startswith("# СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ")
    assert first.endswith(";")


def test_bulgarian_csv_uses_semicolons_and_decimal_commas(tmp_path):
    lines = written(tmp_path, SYNTHETIC_BG)[3:].decode("utf-8").splitlines()
    assert lines[1] == "Група;n;Разлика;Дял;p"
    # a p value below the shown precision keeps two significant digits, never "0,000"
    assert lines[2] == "Граждани;442;0,73;0,426;9,4e-10"
    assert lines[3] == "НПО;75;-0,64;0,5;0,00016"


def test_pandas_reads_the_csv_with_the_documented_options(tmp_path):
    written(tmp_path, SYNTHETIC_BG)
    table = pd.read_csv(tmp_path / "perception_gap.csv", skiprows=1, sep=";", decimal=",")
    assert list(table.columns) == ["Група", "n", "Разлика", "Дял", "p"]
    assert table["Разлика"].tolist() == pytest.approx([0.73, -0.64])
    assert table["Дял"].tolist() == pytest.approx([0.426, 0.5])
    assert table["p"].tolist() == pytest.approx([9.4e-10, 0.00016])
    english = tmp_path / "en"
    write_table(payload("en"), english, SYNTHETIC_EN)
    again = pd.read_csv(english / "perception_gap.csv", skiprows=1)
    assert again["n"].tolist() == [442, 75]
    assert again["Разлика"].tolist() == pytest.approx([0.73, -0.64])
    assert read_table_csv(english / "perception_gap.csv").equals(again)
    assert read_table_csv(tmp_path / "perception_gap.csv").equals(table)


def test_no_index_column_the_report_does_not_show(tmp_path):
    written(tmp_path, SYNTHETIC_BG)
    assert "Unnamed: 0" not in read_table_csv(tmp_path / "perception_gap.csv").columns
    sheet = openpyxl.load_workbook(tmp_path / "perception_gap.xlsx").active
    assert [c.value for c in sheet[2]] == ["Група", "n", "Разлика", "Дял", "p"]


def test_xlsx_note_row_frozen_header_number_formats_and_widths(tmp_path):
    written(tmp_path, SYNTHETIC_BG)
    sheet = openpyxl.load_workbook(tmp_path / "perception_gap.xlsx").active
    assert sheet["A1"].value.startswith("СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ")
    assert sheet.freeze_panes == "A3"
    assert sheet["B3"].number_format == "#,##0"
    assert sheet["C3"].number_format == "#,##0.00"
    assert sheet["D3"].number_format == "0.0%"
    assert sheet["C3"].value == pytest.approx(0.73)
    assert sheet["D3"].value == pytest.approx(0.426)
    assert sheet.column_dimensions["A"].width >= len("Граждани") + 2


def test_real_public_figures_are_marked_with_their_source_not_as_synthetic(tmp_path):
    raw = written(tmp_path, SYNTHETIC_EN, lang="en", source="eumoney.bg project page")
    first = raw[3:].decode("utf-8").splitlines()[0]
    assert first.startswith('"# REAL PUBLIC DATA, source: eumoney.bg project page')
    assert "SYNTHETIC" not in first
    sheet = openpyxl.load_workbook(tmp_path / "perception_gap.xlsx").active
    assert sheet["A1"].value.startswith("REAL PUBLIC DATA")


def _figure_notebook(source=None) -> dict:
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    data, meta = figure_bundle(fig, "line", "A line", source=source)
    plt.close(fig)
    return {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": data, "metadata": meta}]}]}, data


def test_png_is_300_dpi_with_the_flag_as_metadata_and_a_visible_band(tmp_path):
    nb, data = _figure_notebook()
    assert extract_artifacts(nb, tmp_path, SYNTHETIC_EN) == ([], ["line"])
    original = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    marked = Image.open(tmp_path / "figures" / "line.png")
    assert [round(v) for v in marked.info["dpi"]] == [300, 300]
    assert marked.text["Disclaimer"].startswith("SYNTHETIC DEMONSTRATION DATA")
    assert marked.width == original.width and marked.height > original.height
    band = marked.convert("RGB").crop((marked.width // 2, 0, marked.width, marked.height - original.height))
    reds = [p for p in band.get_flattened_data() if p[0] > 120 and p[1] < 90 and p[2] < 90]
    assert len(reds) > 50  # the flag's red letters in the top-right corner


def test_svg_has_the_flag_as_metadata_and_visible_text(tmp_path):
    nb, _ = _figure_notebook()
    extract_artifacts(nb, tmp_path, SYNTHETIC_BG)
    svg = (tmp_path / "figures" / "line.svg").read_text(encoding="utf-8")
    assert "<desc>СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ" in svg
    assert '<metadata id="ruse-data-status">СИНТЕТИЧНИ' in svg
    assert ">СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ</text>" in svg


def test_real_figure_is_marked_with_its_source(tmp_path):
    nb, _ = _figure_notebook(source="ИСУН")
    extract_artifacts(nb, tmp_path, SYNTHETIC_BG)
    marked = Image.open(tmp_path / "figures" / "line.png")
    assert marked.text["Source"].startswith("РЕАЛНИ ПУБЛИЧНИ ДАННИ, източник: ИСУН")
    assert "Disclaimer" not in marked.text
    assert ">РЕАЛНИ ПУБЛИЧНИ ДАННИ, източник: ИСУН</text>" in (tmp_path / "figures" / "line.svg").read_text()


def _red_pixels(image, top: int) -> int:
    band = image.convert("RGB").crop((image.width // 2, 0, image.width, top))
    return len([p for p in band.get_flattened_data() if p[0] > 120 and p[1] < 90 and p[2] < 90])


def test_a_band_drawn_by_the_kernel_is_kept_and_only_the_note_is_added(tmp_path, monkeypatch):
    monkeypatch.setenv(*next(iter(figure_mark_env(SYNTHETIC_BG).items())))
    nb, data = _figure_notebook()
    meta = nb["cells"][0]["outputs"][0]["metadata"]["ruse"]
    assert meta["mark"] == "СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ"
    drawn = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    monkeypatch.delenv("RUSE_RESEARCH_FIGURE_MARK")
    plain = Image.open(io.BytesIO(base64.b64decode(_figure_notebook()[1]["image/png"])))
    assert drawn.width == plain.width and drawn.height > plain.height  # the band, on top
    assert _red_pixels(drawn, drawn.height - plain.height) > 50
    extract_artifacts(nb, tmp_path, SYNTHETIC_BG)
    marked = Image.open(tmp_path / "figures" / "line.png")
    assert marked.size == drawn.size  # no second band
    assert marked.tobytes() == drawn.tobytes()
    assert marked.text["Disclaimer"].startswith("СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ")
    assert [round(v) for v in marked.info["dpi"]] == [300, 300]
    svg = (tmp_path / "figures" / "line.svg").read_text(encoding="utf-8")
    assert svg.count(">СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ</text>") == 1  # the SVG is marked by the runner only


def test_a_figure_whose_drawn_band_is_not_the_runs_flag_gets_the_runners_band(tmp_path, monkeypatch):
    monkeypatch.setenv(*next(iter(figure_mark_env(SYNTHETIC_EN).items())))  # an English band
    nb, data = _figure_notebook()
    drawn = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    extract_artifacts(nb, tmp_path, SYNTHETIC_BG)  # a Bulgarian run
    marked = Image.open(tmp_path / "figures" / "line.png")
    assert marked.height > drawn.height
    # the English band is replaced, not covered: one band, the Bulgarian one
    english, bulgarian = SYNTHETIC_EN.flag(), SYNTHETIC_BG.flag()
    plain_height = drawn.height - band_height(drawn.width, english)
    assert marked.size == (drawn.width, plain_height + band_height(drawn.width, bulgarian))
    monkeypatch.delenv("RUSE_RESEARCH_FIGURE_MARK")
    plain = Image.open(io.BytesIO(base64.b64decode(_figure_notebook()[1]["image/png"])))
    assert marked.convert("RGB").tobytes() == add_band(plain.convert("RGB"), bulgarian).tobytes()
    assert marked.text["Disclaimer"].startswith("СИНТЕТИЧНИ ДЕМОНСТРАЦИОННИ ДАННИ")


def test_the_kernels_band_is_the_runners_band_pixel_for_pixel(tmp_path, monkeypatch):
    """Whichever side marks a figure, the exported PNG shows the same band (figure_mark.add_band)."""
    plain_png = base64.b64decode(_figure_notebook()[1]["image/png"])
    by_runner = Image.open(io.BytesIO(mark_png(plain_png, SYNTHETIC_EN.flag(), "note")))
    monkeypatch.setenv(*next(iter(figure_mark_env(SYNTHETIC_EN).items())))
    by_kernel = Image.open(io.BytesIO(base64.b64decode(_figure_notebook()[1]["image/png"])))
    assert by_kernel.size == by_runner.size
    assert by_kernel.convert("RGB").tobytes() == by_runner.convert("RGB").tobytes()


def test_a_real_figure_drawn_by_the_kernel_carries_its_source(tmp_path, monkeypatch):
    monkeypatch.setenv(*next(iter(figure_mark_env(SYNTHETIC_BG).items())))
    nb, data = _figure_notebook(source="ИСУН")
    assert nb["cells"][0]["outputs"][0]["metadata"]["ruse"]["mark"] == "РЕАЛНИ ПУБЛИЧНИ ДАННИ, източник: ИСУН"
    extract_artifacts(nb, tmp_path, SYNTHETIC_BG)
    marked = Image.open(tmp_path / "figures" / "line.png")
    assert marked.size == Image.open(io.BytesIO(base64.b64decode(data["image/png"]))).size
    assert marked.text["Source"].startswith("РЕАЛНИ ПУБЛИЧНИ ДАННИ, източник: ИСУН")
    assert "Disclaimer" not in marked.text
    band = marked.convert("RGB").crop((marked.width // 2, 0, marked.width, 40)).get_flattened_data()
    assert len([p for p in band if p[1] > p[0] + 20 and p[1] > p[2] + 20]) > 50  # green letters


def test_kernel_marked_figures_are_byte_stable(tmp_path, monkeypatch):
    monkeypatch.setenv(*next(iter(figure_mark_env(SYNTHETIC_EN).items())))
    for folder in ("a", "b"):
        extract_artifacts(_figure_notebook()[0], tmp_path / folder, SYNTHETIC_EN)
    for rel in ("figures/line.png", "figures/line.svg"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_marked_files_are_byte_stable(tmp_path):
    nb, _ = _figure_notebook()
    extract_artifacts(nb, tmp_path / "a", SYNTHETIC_EN)
    extract_artifacts(nb, tmp_path / "b", SYNTHETIC_EN)
    write_table(payload(), tmp_path / "a", SYNTHETIC_BG)
    write_table(payload(), tmp_path / "b", SYNTHETIC_BG)
    for rel in ("figures/line.png", "figures/line.svg"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    for name in ("perception_gap.csv", "perception_gap.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
