"""The information campaign: what ``ruse-research run`` writes to ``outputs/campaign.<lang>/``.

The built study (``shared_study``) must hold, per language, a one-page A4 summary (HTML + PDF),
cards at 1200x630 and 1080x1080 with alt texts, a press-release draft and a Frictionless data
package that validates; the Bulgarian material shows no stray Latin words. Every headline
number is the published table's cell, and a changed published table changes the summary, the
cards' alt text and the press release (the campaign reads published results only, so the test
reruns just the campaign step on a modified copy of the outputs). A suppressed cell stays
suppressed, and a campaign whose studies did not all succeed is skipped with the reason.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from report_text import latin_words

from ruse_research.campaign import content as campaign_content
from ruse_research.campaign import step
from ruse_research.campaign.results import STUDIES
from ruse_research.display.catalog import load_catalog_entries, texts
from ruse_research.runner.artifacts import read_table_csv

LANGS = ("bg", "en")
A4 = (595.3, 841.9)  # points


def _docx_text(path: Path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def _cell(outputs: Path, lang: str, spec: dict, key) -> float:
    frame = read_table_csv(outputs / f"{spec['study']}.{lang}" / "tables" / f"{spec['table']}.csv")
    catalog = texts(campaign_content.load_spec()["catalogs"][spec["study"]], lang)
    header = frame.columns[key] if isinstance(key, int) else catalog(key)
    return float(frame.iloc[spec["row"]][header])


# --------------------------------------------------------------------------- cheap checks


def test_texts_that_state_results_hold_no_numbers():
    entries = load_catalog_entries("campaign")
    own = {k: v for k, v in entries.items() if k not in load_catalog_entries("common")}
    stating = [k for k in own if k.startswith(("headline_", "card_", "count_", "uncertainty_",
                                               "number_", "press_", "summary_"))]
    assert len(stating) > 20
    typed = {k: own[k][lang] for k in stating for lang in LANGS if re.search(r"\d", own[k][lang])}
    assert not typed, f"numbers typed into campaign texts: {typed}"


def test_skipped_cleanly_when_a_study_failed_or_did_not_run(tmp_path):
    outputs = tmp_path / "outputs"
    for study in STUDIES[:-1]:
        folder = outputs / f"{study}.en"
        folder.mkdir(parents=True)
        (folder / "provenance.json").write_text(json.dumps({"status": "ok"}), encoding="utf-8")
    (outputs / f"{STUDIES[-1]}.en" / "failed").mkdir(parents=True)
    (outputs / f"{STUDIES[-1]}.en" / "failed" / "failure.json").write_text("{}", encoding="utf-8")
    lines = []
    results = {r.name: r for r in step.build_campaigns(tmp_path, echo=lines.append)}
    assert results["campaign.en"].status == "skipped"
    assert f"{STUDIES[-1]}.en failed" in results["campaign.en"].reason
    assert results["campaign.bg"].status == "skipped"
    assert "staff_attitudes.bg not run" in results["campaign.bg"].reason
    assert not (outputs / "campaign.en").exists() and not (outputs / "campaign.bg").exists()
    assert len(lines) == 2


# --------------------------------------------------------------------------- the built study


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_summary_is_one_a4_page_and_names_its_sources(shared_study, lang):
    from pypdf import PdfReader

    folder = shared_study / "outputs" / f"campaign.{lang}"
    reader = PdfReader(str(folder / "summary.pdf"))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4[0], abs=2)
    assert float(box.height) == pytest.approx(A4[1], abs=2)
    page = (folder / "summary.html").read_text(encoding="utf-8")
    spec = campaign_content.load_spec()
    for headline in spec["headlines"]:
        assert f"{headline['study']}.{lang}/tables/{headline['table']}.csv" in page
    t = texts("campaign", lang)
    for term in ("margin", "weighting", "median"):
        assert t(f"term_{term}") in page
    assert t("summary_flag") in page  # the demo data are synthetic
    pdf_text = " ".join(reader.pages[0].extract_text().split())
    assert t("summary_results_title") in pdf_text
    index = (shared_study / "outputs" / "index.html").read_text(encoding="utf-8")
    for product in ("summary.html", "summary.pdf", "press_release.docx", "datapackage.json"):
        assert f'href="campaign.{lang}/{product}"' in index


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_cards_press_release_and_numbers_from_the_tables(shared_study, lang):
    from PIL import Image

    outputs = shared_study / "outputs"
    folder = outputs / f"campaign.{lang}"
    listing = json.loads((folder / "cards" / "cards.json").read_text(encoding="utf-8"))
    ids = {item["headline"] for item in listing}
    assert 3 <= len(ids) <= 6
    for item in listing:
        with Image.open(folder / "cards" / item["file"]) as image:
            size = image.size
        assert f"{size[0]}x{size[1]}" in item["file"] and size in ((1200, 630), (1080, 1080))
        assert item["alt"] and texts("campaign", lang)("summary_flag") in item["alt"]
    assert len(listing) == 2 * len(ids)
    record = json.loads((folder / "campaign.json").read_text(encoding="utf-8"))
    text = _docx_text(folder / "press_release.docx")
    t = texts("campaign", lang)
    for key in ("press_quote_org", "press_quote_admin", "press_editors_title", "press_results_title"):
        assert t(key) in text
    for spec in campaign_content.load_spec()["headlines"]:
        value = record["headlines"][spec["id"]]["value"]
        assert value == pytest.approx(_cell(outputs, lang, spec, spec["value"]))


@pytest.mark.slow
def test_bulgarian_material_has_no_latin_words(shared_study):
    folder = shared_study / "outputs" / "campaign.bg"
    hits = []
    for page in ("summary.html", "glossary.html", "cards/index.html"):
        hits += latin_words((folder / page).read_text(encoding="utf-8"), page)
    press = "<html><body><p>" + _docx_text(folder / "press_release.docx") + "</p></body></html>"
    hits += latin_words(press, "press_release.docx")
    assert not hits, "\n".join(map(str, hits))


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_open_data_package_validates(shared_study, lang):
    frictionless = pytest.importorskip("frictionless")
    folder = shared_study / "outputs" / f"campaign.{lang}"
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    published = {f"{s}.{lang}/{t}" for s in STUDIES
                 for t in json.loads((shared_study / "outputs" / f"{s}.{lang}" / "provenance.json")
                                     .read_text(encoding="utf-8"))["tables"]}
    described = {r["provenance"]["published_table"].removeprefix("../").removesuffix(".csv")
                 .replace("/tables/", "/") for r in package["resources"]}
    assert described == published
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    for res in package["resources"]:
        assert set(res["titles"]) == set(LANGS) and set(res["descriptions"]) == set(LANGS)
        assert all(set(f.get("titles", {})) == set(LANGS) for f in res["schema"]["fields"])
    assert not any("raw" in r["path"] for r in package["resources"])  # no microdata


@pytest.mark.slow
def test_the_package_check_catches_a_wrong_type(shared_study, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    copy = tmp_path / "campaign.en"
    shutil.copytree(shared_study / "outputs" / "campaign.en", copy)
    package = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in package["resources"]
               if any(f["type"] == "integer" for f in r["schema"]["fields"]))
    column = next(i for i, f in enumerate(res["schema"]["fields"]) if f["type"] == "integer")
    path = copy / res["path"]
    lines = path.read_text(encoding="utf-8").splitlines()
    import csv

    rows = list(csv.reader(lines))
    rows[1][column] = "many"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    assert not frictionless.validate(str(copy / "datapackage.json")).valid


# --------------------------------------------------------------------------- a changed result


def _copy_outputs(shared: Path, target: Path) -> Path:
    for name in ["pyproject.toml", "params", "data"]:
        source = shared / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / name)
    for folder in (shared / "outputs").iterdir():
        if folder.is_dir() and not folder.name.startswith((".", "campaign")):
            shutil.copytree(folder, target / "outputs" / folder.name)
    return target / "outputs"


def _set_cell(path: Path, row: int, column: int, value: str) -> None:
    """Rewrite one cell of a published CSV (note line and dialect kept)."""
    raw = path.read_text(encoding="utf-8-sig")
    sep = ";" if raw.splitlines()[0].endswith(";") else ","
    import csv

    rows = list(csv.reader(io.StringIO(raw), delimiter=sep))
    rows[row + 2][column] = value
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\n").writerows(rows)
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8")


@pytest.mark.slow
def test_a_changed_published_effect_changes_every_product(shared_study, tmp_path, monkeypatch):
    monkeypatch.setenv("RUSE_RESEARCH_CHROMIUM", "")  # no PDF: the text products are checked
    outputs = _copy_outputs(shared_study, tmp_path)
    spec = next(h for h in campaign_content.load_spec()["headlines"] if h["id"] == "staff_training")
    table = outputs / "staff_attitudes.en" / "tables" / "training_paired_t.csv"
    frame = read_table_csv(table)
    t_staff = texts("staff", "en")
    col = list(frame.columns).index(t_staff(spec["value"]))
    before = f"+{texts('campaign', 'en').num(frame.iloc[0, col], 2)} points"
    first = step.build_campaign(tmp_path, outputs, "en")
    assert first.status == "ok"
    assert step.build_campaign(tmp_path, outputs, "en").status == "skipped-cached"
    folder = outputs / "campaign.en"
    assert before in (folder / "summary.html").read_text(encoding="utf-8")

    _set_cell(table, 0, col, "0.91")  # a larger planted training effect
    assert step.build_campaign(tmp_path, outputs, "en").status == "ok"
    summary = (folder / "summary.html").read_text(encoding="utf-8")
    alt = {i["headline"]: i["alt"] for i in json.loads((folder / "cards" / "cards.json").read_text())}
    press = _docx_text(folder / "press_release.docx")
    for product in (summary, alt["staff_training"], press):
        assert "+0.91 points" in product and before not in product

    # a suppressed cell (blank in the published table) stays suppressed everywhere
    gap = next(h for h in campaign_content.load_spec()["headlines"] if h["id"] == "citizens_role")
    table = outputs / "stakeholder_opinions.en" / "tables" / "change_between_waves.csv"
    frame = read_table_csv(table)
    _set_cell(table, 0, list(frame.columns).index(texts("stakeholders", "en")(gap["value"])), "")
    assert step.build_campaign(tmp_path, outputs, "en").status == "ok"
    summary = (folder / "summary.html").read_text(encoding="utf-8")
    from markupsafe import escape

    assert str(escape(texts("campaign", "en")("headline_citizens_role_suppressed"))) in summary
    assert not list((folder / "cards").glob("citizens_role_*.png"))
    record = json.loads((folder / "campaign.json").read_text(encoding="utf-8"))
    assert record["headlines"]["citizens_role"]["value"] is None


@pytest.mark.slow
def test_a_changed_export_changes_the_headline_after_a_rerun(shared_study, tmp_path):
    """The issue's check end to end: a smaller planted training effect in the staff export
    (every post-training answer one step lower, 1 stays 1), the staff run rerun, and the
    campaign's training headline follows the newly published table, in every product."""
    import csv
    import os
    import subprocess
    import sys

    project = tmp_path / "project"
    project.mkdir()
    _copy_outputs(shared_study, project)
    shutil.copytree(shared_study / "notebooks", project / "notebooks")
    export = project / "data" / "raw" / "staff.csv"
    with open(export, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        header = list(rows[0])
    for row in rows:
        for item in (c for c in header if c.startswith("comm_post_")):
            if row[item] in ("2", "3", "4", "5"):
                row[item] = str(int(row[item]) - 1)
    with open(export, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    spec = next(h for h in campaign_content.load_spec()["headlines"] if h["id"] == "staff_training")
    before = _cell(project / "outputs", "en", spec, spec["value"])
    env = {**os.environ, "RUSE_RESEARCH_ROOT": str(project), "MPLBACKEND": "Agg", "RUSE_RESEARCH_CHROMIUM": ""}
    result = subprocess.run([sys.executable, "-m", "ruse_research", "run", "staff_attitudes.en"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    after = _cell(project / "outputs", "en", spec, spec["value"])
    assert after < before - 0.3, (before, after)  # the planted effect really shrank
    folder = project / "outputs" / "campaign.en"
    words = texts("campaign", "en")
    shown = f"+{words.num(after, 2)} points" if after > 0 else words.num(after, 2)
    summary = (folder / "summary.html").read_text(encoding="utf-8")
    alt = {i["headline"]: i["alt"] for i in json.loads((folder / "cards" / "cards.json").read_text())}
    press = _docx_text(folder / "press_release.docx")
    old = f"+{words.num(before, 2)} points"
    for product in (summary, alt["staff_training"], press):
        assert shown in product and old not in product
