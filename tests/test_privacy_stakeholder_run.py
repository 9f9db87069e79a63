"""One stakeholder run on the demo export with the planted-answers corpus and small cells.

tests/fixtures/privacy/stakeholder_plant.py appends every answer of
tests/fixtures/privacy_corpus.yaml to the open recommendations (twice each, into the smaller
quotable themes so that they are drawn as quotes) and leaves 3 citizens of one municipality
and 4 respondents of one group in wave 2. The run ``stakeholder_opinions.en`` must succeed
(small cells suppressed with a note, never a failure) and no planted string may be found in
any published file: report.html, notebook.ipynb, provenance.json, tables/*.csv and *.xlsx,
figures and report.pdf (text read with pypdf).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "privacy"))
sys.path.insert(0, str(Path(__file__).parent))

import stakeholder_plant as sp  # noqa: E402
from test_privacy_e2e import readable_text  # noqa: E402

from ruse_research.runner.artifacts import read_table_csv  # noqa: E402

pytestmark = pytest.mark.slow  # one notebook run (about 90 s)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    root = sp.make_project(tmp_path_factory.mktemp("plant") / "project")
    result = sp.run(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root / "outputs" / sp.RUN


@pytest.fixture(scope="module")
def texts(outputs) -> dict[str, str]:
    files = sorted(p for p in outputs.rglob("*") if p.is_file())
    return {str(p.relative_to(outputs)): readable_text(p) for p in files}


def test_every_kind_of_output_is_searched(texts):
    for rel in ("report.html", "notebook.ipynb", "report.pdf", "provenance.json",
                "tables/recommendation_themes.csv", "tables/recommendation_themes.xlsx",
                "tables/weighting_margins.csv"):
        assert rel in texts, rel
    # positive controls: planted answers were quoted, scrubbed
    report = texts["report.html"]
    assert sum(report.count(p) for p in ("[PLATE]", "[ADDRESS]", "[ID]", "[EGN]")) >= 2
    assert "not quoted because they may contain personal data" in report


@pytest.mark.parametrize("secret", sp.secrets())
def test_no_planted_string_is_published(texts, secret):
    leaks = [name for name, content in texts.items() if secret in content]
    assert not leaks, f"{secret!r} found in {leaks}"


def test_no_small_count_in_the_published_tables(outputs):
    for path in sorted((outputs / "tables").glob("*.csv")):
        table = read_table_csv(path)
        for col in table.columns:
            name = str(col)
            if name == "n" or name.startswith(("n_", "n (")):
                values = table[col].dropna()
                values = values[values.map(lambda v: str(v).replace(".", "", 1).isdigit())]
                small = values[(values.astype(float) > 0) & (values.astype(float) < 5)]
                assert small.empty, (path.name, name, small.tolist())
