"""The malformed-input corpus (tests/bad_inputs/cases.yaml) run through the command line.

For every case, ``ruse-research validate FILE --codebook X`` must exit with code 2, print the
expected substrings, print no traceback and leave the input file and codebook byte-for-byte
unchanged. The corpus goes through ``cli.main`` in this process (argument parsing, error
printing and exit codes are the command's own); a few cases also go through the console entry
point in a subprocess (``python -m ruse_research``, slow tier), so the two cannot drift.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ruse_research import paths

HERE = Path(__file__).parent / "bad_inputs"
CASES = yaml.load((HERE / "cases.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _codebook_argument(codebook: str) -> str:
    """A bare name is passed as is (data/codebooks/<name>.yaml); a path is made absolute."""
    return str(HERE / codebook) if "/" in codebook or codebook.endswith(".yaml") else codebook


def _run_in_process(file: Path, codebook: str) -> subprocess.CompletedProcess[str]:
    from ruse_research import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["validate", str(file), "--codebook", codebook])
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return subprocess.CompletedProcess(["validate", str(file)], code, out.getvalue(), err.getvalue())


def _run(file: Path, codebook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "ruse_research", "validate", str(file), "--codebook", codebook],
        capture_output=True, text=True, encoding="utf-8", cwd=paths.project_root(), env=env,
        timeout=120, check=False,
    )


def test_corpus_is_large_and_consistent():
    files = {c["file"] for c in CASES}
    assert len(CASES) >= 30 and len(files) >= 30
    for c in CASES:
        assert c["command"] == "validate" and c["expect"], c
        assert (HERE / c["file"]).is_file() or c["file"].startswith("no_such"), c["file"]
    # every file in the folder is a case, so nothing sits there untested
    on_disk = {p.name for p in HERE.iterdir() if p.is_file()}
    assert on_disk - files == {"cases.yaml", "make_corpus.py"}


@pytest.fixture(scope="module")
def outcomes(request) -> dict[int, tuple[subprocess.CompletedProcess[str], tuple, tuple]]:
    """Run the selected cases once, in this process."""
    selected = sorted({
        item.callspec.params["index"] for item in request.session.items
        if getattr(item, "originalname", None) == "test_validate_reports_the_problem"
    })
    jobs = [(HERE / CASES[i]["file"], _codebook_argument(CASES[i]["codebook"])) for i in selected]
    before = [(_sha256(f), _sha256(Path(cb))) for f, cb in jobs]
    results = [_run_in_process(*job) for job in jobs]
    after = [(_sha256(f), _sha256(Path(cb))) for f, cb in jobs]
    return {i: (results[n], before[n], after[n]) for n, i in enumerate(selected)}


@pytest.mark.parametrize(
    "index", range(len(CASES)), ids=[f"{c['file']}|{Path(c['codebook']).stem}" for c in CASES]
)
def test_validate_reports_the_problem(outcomes, index):
    case = CASES[index]
    result, before, after = outcomes[index]
    output = result.stdout + result.stderr
    clean = case.get("exit") == 0 or (case["file"] == "valid.csv" and case["codebook"] == "codebooks/mini.yaml")
    assert result.returncode == (0 if clean else 2), output
    for expected in case["expect"]:
        assert expected in output, f"{expected!r} not in:\n{output}"
    assert "Traceback" not in output
    if not clean:
        assert result.stdout == "" and result.stderr.startswith("ruse-research: ")
    assert after == before  # input file and codebook unchanged


# One case per kind of file (clean, wrong encoding, missing column, duplicate id): the console
# entry point adds only argument parsing and exit codes to what the in-process cases check, so
# the other codebooks of valid.csv would each start one more interpreter for no new check.
SUBPROCESS_FILES = ("valid.csv", "latin1.csv", "missing_column.csv", "duplicate_id.csv")
SUBPROCESS_CASES = [next(i for i, c in enumerate(CASES) if c["file"] == name)
                    for name in SUBPROCESS_FILES if any(c["file"] == name for c in CASES)]


@pytest.mark.slow
@pytest.mark.parametrize("index", SUBPROCESS_CASES, ids=[CASES[i]["file"] for i in SUBPROCESS_CASES])
def test_console_entry_point_gives_the_same_answer(index):
    case = CASES[index]
    file, codebook = HERE / case["file"], _codebook_argument(case["codebook"])
    direct, console = _run_in_process(file, codebook), _run(file, codebook)
    assert (console.returncode, console.stdout, console.stderr) == (
        direct.returncode, direct.stdout, direct.stderr)
