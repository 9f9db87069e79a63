"""The whole study, run twice from scratch, gives the same bytes.

This is the end-to-end check behind README's first command: every params file becomes a
report, the index links them, reports are offline, and two fresh runs of the study produce
byte-identical tables and figures and identical notebook outputs once volatile text (the
regexes of tests/nbval_sanitize.cfg) is sanitised.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nbval_numeric import read_sanitizers, sanitized

pytestmark = pytest.mark.slow  # starts kernels / runs studies / drives Chromium

ROOT = Path(__file__).resolve().parents[1]


def _notebook_outputs(path: Path, sanitizers) -> list[str]:
    """Cell outputs as sanitised JSON text, without metadata and execution counts."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    texts = []
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            kept = {k: v for k, v in output.items() if k not in ("metadata", "execution_count")}
            texts.append(sanitized(json.dumps(kept, sort_keys=True, ensure_ascii=False), sanitizers))
    return texts


@pytest.fixture(scope="module")
def two_studies(shared_study, second_study):
    """The session's shared study run and a second, independent run from scratch (both built
    by tests/study_build.py, started in the background as soon as collection shows a test
    that needs them)."""
    return [shared_study, second_study]


def test_every_params_file_gives_a_report_and_the_index_links_it(two_studies):
    root = two_studies[0]
    runs = sorted(p.name.removesuffix(".yaml") for p in (root / "params").glob("*.yaml"))
    assert runs, "the study has no runs in params/"
    index = (root / "outputs" / "index.html").read_text(encoding="utf-8")
    for run in runs:
        report = root / "outputs" / run / "report.html"
        assert report.is_file(), f"no report for run {run}"
        html = report.read_text(encoding="utf-8")
        assert 'src="http' not in html, f"{run}: report loads something from the network"
        assert f"{run}/report.html" in index, f"index does not link {run}"
        assert (root / "outputs" / run / "provenance.json").is_file()


def test_each_run_notebook_records_the_profile_it_ran_under(two_studies):
    """The source notebooks record the fictional profile of their stored outputs; a run's
    executed notebook records the profile the run used instead (here the default, ``ruse``)."""
    from ruse_research.data.profile import selector
    from ruse_research.runner.refresh import recorded_profile

    ran_under = selector()
    root = two_studies[0]
    notebooks = sorted((root / "outputs").glob("*/notebook.ipynb"))
    assert notebooks
    for path in notebooks:
        recorded = recorded_profile(json.loads(path.read_text(encoding="utf-8")))
        assert recorded == ran_under, f"{path.relative_to(root)} records profile {recorded!r}"


def test_tables_and_figures_are_byte_identical(two_studies):
    first, second = (r / "outputs" for r in two_studies)
    compared = 0
    for kind in ("tables", "figures"):
        for path in sorted(first.glob(f"*/{kind}/*")):
            twin = second / path.relative_to(first)
            assert twin.is_file(), f"{twin} missing in the second run"
            assert path.read_bytes() == twin.read_bytes(), f"{path.relative_to(first)} differs between runs"
            compared += 1
        assert sorted(p.relative_to(first) for p in first.glob(f"*/{kind}/*")) == sorted(
            p.relative_to(second) for p in second.glob(f"*/{kind}/*")
        )
    assert compared > 0, "the study wrote no tables or figures"


#: Campaign files that may differ between the two studies: campaign.json records whether a PDF
#: was printed (the second study runs without Chromium), and so summary.pdf exists in one only.
CAMPAIGN_RECORDS = {"campaign.json", "summary.pdf"}


def test_campaign_products_are_byte_identical(two_studies):
    """Cards, press release, summary, glossary and the table copies of both campaigns: the same
    bytes; datapackage.json the same once each table's run end time (a clock reading) is set aside."""
    first, second = (r / "outputs" for r in two_studies)
    files = sorted(p.relative_to(first) for p in first.glob("campaign.*/**/*")
                   if p.is_file() and p.name not in CAMPAIGN_RECORDS)
    assert sorted(p.relative_to(second) for p in second.glob("campaign.*/**/*")
                  if p.is_file() and p.name not in CAMPAIGN_RECORDS) == files
    kinds = {p.suffix for p in files}
    assert {".png", ".docx", ".html", ".csv", ".json"} <= kinds, f"the campaign wrote only {sorted(kinds)}"
    for rel in files:
        one, two = (first / rel).read_bytes(), (second / rel).read_bytes()
        if rel.name == "datapackage.json":
            one, two = (_without_end_times(json.loads(b)) for b in (one, two))
        assert one == two, f"{rel} differs between two studies"


def _without_end_times(package: dict) -> dict:
    for item in package["resources"]:
        assert item["provenance"].pop("end_time"), f"{item['name']}: no end_time"
    return package


def test_notebook_outputs_are_identical_after_sanitising(two_studies):
    first, second = (r / "outputs" for r in two_studies)
    sanitizers = read_sanitizers()
    notebooks = sorted(first.glob("*/notebook.ipynb"))
    assert notebooks
    for path in notebooks:
        twin = second / path.relative_to(first)
        assert _notebook_outputs(path, sanitizers) == _notebook_outputs(twin, sanitizers), (
            f"{path.relative_to(first)}: outputs differ between two runs"
        )


def test_bulgarian_reports_speak_bulgarian_and_no_p_value_prints_as_zero(two_studies):
    """Issue 16: the Latin-word scan of every bg report passes; no "0.000" p value anywhere.

    How the scan reads a report and what it allows: tests/report_text.py (also runnable by hand:
    ``python tests/report_text.py outputs``).
    """
    import report_text

    outputs = two_studies[0] / "outputs"
    assert len(report_text.reports(outputs, "bg")) >= 4, "the study wrote fewer than 4 Bulgarian reports"
    latin, zeros = report_text.scan(outputs)
    assert not latin, report_text.describe(latin, "Latin-script words in Bulgarian reports")
    assert not zeros, report_text.describe(zeros, "p values printed as zero")
