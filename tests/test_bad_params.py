"""Broken params files (tests/bad_inputs/params/) through the real `ruse-research run`.

Each case runs `python -m ruse_research run NAME` in a temporary copy of the project whose
params/ holds only that file. It must exit 2 with one line naming the params file (or, for a
bad data file, the data file, row and column), print no traceback, start no run (the
outputs folder is byte-for-byte as before) and leave every raw data file unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ruse_research.data import profile
from ruse_research.data.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = Path(__file__).parent / "bad_inputs" / "params"

# case -> substrings the one-line message must contain
EXPECTED = {
    "broken_yaml": ["params/broken_yaml.yaml", "broken YAML at line 3"],
    "duplicate_key": ["params/duplicate_key.yaml", "'lang' appears twice"],
    "empty": ["params/empty.yaml", "expected a mapping"],
    "missing_data_file": ["params/missing_data_file.yaml", "parameters.staff_path", "no_such_export.csv not found"],
    "missing_notebook": ["params/missing_notebook.yaml", "notebook", "99_no_such_study.ipynb not found"],
    "parameters_not_a_mapping": ["params/parameters_not_a_mapping.yaml", "parameters", "expected a mapping"],
    "tab_indented": ["params/tab_indented.yaml", "broken YAML at line 4"],
    "unknown_language": ["params/unknown_language.yaml", "parameters.lang", "'de'", "bg, en"],
    "unknown_parameter": ["params/unknown_parameter.yaml", "parameters.colour", "unknown parameter"],
    "unknown_top_level_key": ["params/unknown_top_level_key.yaml", "notebok", "unknown key"],
    "wrong_type": ["params/wrong_type.yaml", "parameters.n_boot", "'many'", "whole number"],
    "bad_data_file": ["staff_bad_code.csv", "row 5", "column 'att_ben_1'", "found '6'", "1-5"],
}


def _tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder``, leaving out the runner's own bookkeeping
    (``outputs/.lock`` and ``outputs/.cache/``), which a refused run may touch."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.relative_to(folder).parts[0].startswith(".")
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project copy with the staff notebook, the data, a bad staff export and earlier outputs."""
    root = tmp_path_factory.mktemp("badparams") / "project"
    root.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "data", root / "data")
    (root / "notebooks").mkdir()
    shutil.copy2(ROOT / "notebooks" / "01_staff_attitudes.ipynb", root / "notebooks")
    (root / "params").mkdir()
    # an export with one out-of-range code: row 5 (spreadsheet numbering), first agree5 item,
    # beside the active profile's staff export (where params' data/raw/ paths are read)
    raw = root / profile.load().data_path("data/raw")
    codebook = load_codebook(root / "data" / "codebooks" / "staff.yaml")
    assert "att_ben_1" in codebook.item_ids and max(codebook.valid_codes("att_ben_1")) == 5
    with open(raw / "staff.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[4][rows[0].index("att_ben_1")] = "6"
    with open(raw / "staff_bad_code.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    # what an earlier, successful study left behind
    earlier = root / "outputs" / "staff_attitudes.en"
    earlier.mkdir(parents=True)
    (earlier / "report.html").write_text("<html>earlier report</html>", encoding="utf-8")
    (root / "outputs" / "index.html").write_text("<html>earlier index</html>", encoding="utf-8")
    return root


def test_every_case_file_has_an_expectation():
    assert sorted(p.stem for p in CASES_DIR.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_params_stop_before_any_run(project, case):
    params = project / "params"
    for old in params.glob("*.yaml"):
        old.unlink()
    shutil.copy2(CASES_DIR / f"{case}.yaml", params / f"{case}.yaml")
    raw_before = _tree_digest(project / "data")
    outputs_before = _tree_digest(project / "outputs")

    result = subprocess.run(
        [sys.executable, "-m", "ruse_research", "run", case],
        cwd=project, capture_output=True, text=True, encoding="utf-8", timeout=300,
        env={**os.environ, "RUSE_RESEARCH_ROOT": str(project), "PYTHONIOENCODING": "utf-8"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    message_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(message_lines) == 1, result.stderr
    for expected in EXPECTED[case]:
        assert expected in message_lines[0], (expected, message_lines[0])
    assert _tree_digest(project / "data") == raw_before, "a raw file changed"
    assert _tree_digest(project / "outputs") == outputs_before, "outputs changed: a run started"
