"""End to end: planted small groups and personal data never reach any published output.

A fixture project (tests/fixtures/privacy/) holds 55 staff answers with a unit of two people
("Legal", distinctive scores), comments carrying e-mails, phones, an EGN, IBANs, a URL and
names, and a theme mentioned by fewer than 10 people. Its notebook publishes tables, a
cross-tab, a figure, theme frequencies and quotes through the package's real functions;
``ruse-research run`` executes it in Bulgarian and English in a temporary project root, and
every file under outputs/ (notebook, report HTML, index, provenance, tables CSV/XLSX,
figures SVG/PNG) is searched for the planted values.
"""

from __future__ import annotations

import html
import json
import re
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ruse_research.runner.artifacts import read_table_csv
from ruse_research.stats import disclosure

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "privacy"))

pytestmark = pytest.mark.slow  # runs a whole fixture study
import privacy_project as pp  # noqa: E402

RUNS = pp.RUNS


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    """The planted project, run once this session (shared with tests/test_html_safety.py)."""
    return pp.shared_run(tmp_path_factory) / "outputs"


def _strings_in_json(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings_in_json(k), *_strings_in_json(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings_in_json(v)]
    return [str(value)] if value is not None else []


def readable_text(path: Path) -> str:
    """Everything a person or program could read out of one output file, as one string."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            parts = [
                z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
            ]
        raw = "\n".join(parts)
        return raw + "\n" + html.unescape(raw)
    if suffix == ".png":
        # PNG text chunks (tEXt/iTXt) are the only readable parts of an image file.
        return path.read_bytes().decode("latin-1")
    if suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(path)
        info = [str(v) for v in (reader.metadata or {}).values()]
        return "\n".join([*info, *(page.extract_text() or "" for page in reader.pages)])
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        # a binary cache entry (outputs/.cache/memo/*.pickle): pickled text is UTF-8 inside,
        # so its strings are searched as well
        return path.read_bytes().decode("utf-8", "replace")
    extra = []
    if suffix in (".ipynb", ".json"):
        extra = _strings_in_json(json.loads(raw))
    return "\n".join([raw, html.unescape(raw), *extra])


@pytest.fixture(scope="module")
def texts(outputs) -> dict[str, str]:
    files = sorted(p for p in outputs.rglob("*") if p.is_file())
    assert files, "no outputs written"
    return {str(p.relative_to(outputs)): readable_text(p) for p in files}


def test_every_kind_of_output_was_written_and_is_searched(outputs, texts):
    for run in RUNS:
        for rel in (
            "notebook.ipynb",
            "report.html",
            "report.pdf",  # printed by headless Chromium; its text is searched too
            "provenance.json",
            "tables/scores_by_unit.csv",
            "tables/scores_by_unit.xlsx",
            "tables/scores_by_unit_sex.csv",
            "tables/agreement_by_unit.csv",
            "tables/themes.csv",
            "tables/quotes.csv",
            "tables/quotes.xlsx",
            "figures/mean_by_unit.svg",
            "figures/mean_by_unit.png",
        ):
            assert f"{run}/{rel}" in texts, rel
    assert "index.html" in texts
    # Positive controls: the search does see respondent text and published numbers, so a
    # leak would be found. Administration's mean 5.39 is published (24 staff).
    admin_mean = pp.responses().query("unit == 'Administration'")["score"].mean()
    assert f"{admin_mean:.2f}" == "5.39"
    assert "5.39" in texts["privacy.en/figures/mean_by_unit.svg"]
    assert "5,39" in texts["privacy.bg/report.html"]
    assert "[EMAIL]" in texts["privacy.en/report.html"]
    assert "[EMAIL]" in texts["privacy.en/report.pdf"]
    assert "[PHONE]" in texts["privacy.bg/tables/quotes.xlsx"]
    assert "Онлайн услуги" in texts["privacy.en/tables/quotes.xlsx"]


@pytest.mark.parametrize("secret", pp.FORBIDDEN)
def test_no_personal_data_in_any_output(texts, secret):
    leaks = [name for name, content in texts.items() if secret in content]
    assert not leaks, f"{secret!r} found in {leaks}"


def test_placeholders_replace_every_kind_of_personal_data(texts):
    page = texts["privacy.en/report.html"]
    for placeholder in ("[EMAIL]", "[PHONE]", "[EGN]", "[IBAN]", "[URL]", "[NAME]"):
        assert placeholder in page, placeholder


def test_rare_theme_is_never_quoted(texts):
    # Three comments mention corruption: fewer than MIN_QUOTE, so none is quoted anywhere.
    assert pp.RARE_THEME_PHRASE not in "".join(texts.values())


_NUMBER = re.compile(r"(?<![\d.])\d+[.,]\d{2,}(?!\d)")


def numbers_in(content: str) -> list[float]:
    """Decimal numbers with at least two decimals ("4.87", "4,87", "4.870000000000001")."""
    return [float(m.group(0).replace(",", ".")) for m in _NUMBER.finditer(content)]


def published_content(name: str, content: str, outputs: Path) -> str:
    """What a run publishes, without run timings (papermill cell durations, provenance)."""
    if name.endswith("provenance.json") or name.startswith(".cache"):
        return ""
    if name.endswith(".ipynb"):
        nb = json.loads((outputs / name).read_text(encoding="utf-8"))
        return "\n".join(
            "".join(c["source"]) + json.dumps(c.get("outputs", []), ensure_ascii=False)
            for c in nb["cells"]
        )
    return content


def test_small_unit_statistics_are_never_published(outputs, texts):
    data = pp.responses()
    legal = data.loc[data["unit"] == pp.SMALL_UNIT, "score"]
    assert len(legal) == 2 and round(legal.mean(), 2) == pp.SMALL_UNIT_MEAN
    secrets = [legal.mean(), legal.std(), *pp.SMALL_UNIT_SCORES]
    # The planted values differ from every statistic that is legitimately published.
    published = pd.concat(
        [
            data.groupby("unit")["score"].agg(["mean", "std"]).stack(),
            data.groupby(["unit", "sex"])["score"].mean(),
        ]
    )
    visible_units = ~published.index.get_level_values(0).isin([pp.SMALL_UNIT, "Control"])
    for s in secrets:
        assert not (abs(published[visible_units] - s) <= 0.005).any()
    # The number search sees published statistics (positive control) ...
    for name in (
        "privacy.en/tables/scores_by_unit.csv",
        "privacy.bg/report.html",
        "privacy.en/figures/mean_by_unit.svg",
        "privacy.en/notebook.ipynb",
    ):
        assert any(
            abs(x - 5.39) <= 0.005
            for x in numbers_in(published_content(name, texts[name], outputs))
        ), name
    # ... and any number in any output that rounds to a secret (at 2 decimals) is a leak.
    for name, content in texts.items():
        found = numbers_in(published_content(name, content, outputs))
        for s in secrets:
            near = [x for x in found if abs(x - s) <= 0.005]
            assert not near, f"{s:.2f} found in {name} as {near}"


def _read_table(outputs: Path, run: str, name: str) -> pd.DataFrame:
    return read_table_csv(outputs / run / "tables" / f"{name}.csv")


@pytest.mark.parametrize("run", RUNS)
def test_no_published_count_between_1_and_4(outputs, run):
    for csv in sorted((outputs / run / "tables").glob("*.csv")):
        table = read_table_csv(csv)
        counts = [c for c in table.columns if c == "n" or c.startswith("n_")]
        if csv.stem == "agreement_by_unit":
            counts = [c for c in table.columns if c != "unit"]
        for c in counts:
            values = pd.to_numeric(table[c], errors="coerce").dropna()
            assert not ((values > 0) & (values < disclosure.MIN_CELL)).any(), (csv.name, c)


@pytest.mark.parametrize("run", RUNS)
def test_hidden_cells_cannot_be_recovered_from_published_tables(outputs, run):
    data = pp.responses()
    # One-way table with its total row, rebuilt from the raw data (not by the notebook).
    original = data.groupby("unit", as_index=False).agg(n=("score", "size"))
    original = pd.concat(
        [original, pd.DataFrame({"unit": ["Total"], "n": [len(data)]})], ignore_index=True
    )
    published = _read_table(outputs, run, "scores_by_unit")
    assert published["unit"].tolist() == original["unit"].tolist()
    assert (
        published.loc[published["unit"] == pp.SMALL_UNIT, ["n", "mean", "sd"]].isna().all(axis=None)
    )
    check = disclosure.audit(original, published[["unit", "n"]])
    assert len(check) >= 2 and not check["exact"].any()

    # Two-level breakdown.
    original2 = data.groupby(["unit", "sex"], as_index=False).agg(n=("score", "size"))
    published2 = _read_table(outputs, run, "scores_by_unit_sex")
    assert not disclosure.audit(original2, published2[["unit", "sex", "n"]])["exact"].any()

    # Cross-tab with margins.
    ct = pd.crosstab(data["unit"], data["agree"], margins=True, margins_name="Total")
    published3 = _read_table(outputs, run, "agreement_by_unit").set_index("unit")
    published3.index.name = ct.index.name
    published3.columns.name = ct.columns.name
    assert published3.shape == ct.shape
    check3 = disclosure.audit(ct, published3)
    assert len(check3) >= 2 and not check3["exact"].any()
