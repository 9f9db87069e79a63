"""The stored notebook outputs pass on another floating-point path, and a real change still fails.

The study notebooks are executed by nbval in a child process whose BLAS and numpy kernels sum
in another order than this machine's default: OpenBLAS forced to an old core type
(``OPENBLAS_CORETYPE=Prescott``, SSE3 kernels) and numpy's wide SIMD loops switched off
(``NPY_DISABLE_CPU_FEATURES`` naming every dispatch target this CPU has, e.g. ``X86_V3`` or
``AVX2 FMA3``). That is what a reader's machine with another CPU does to the stored outputs.

In the same child run, a copy of notebook 04 whose stored table has one value changed in its
6th significant digit must fail, in that cell only. The tolerance log of
``tests/nbval_numeric.py`` must show numbers that differed in their last digits and were
accepted: without the numeric comparison those cells would fail (the negative control).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbval_numeric import RTOL

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TABLE_MIME = "application/vnd.ruse.table+json"

pytestmark = pytest.mark.slow


def altered_fp_environment() -> dict[str, str]:
    """This process's environment with another BLAS core type and numpy's SIMD dispatch off."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    wide = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    env = dict(os.environ)
    env["OPENBLAS_CORETYPE"] = "Prescott"
    if wide:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(wide)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def edit_sixth_digit(source: Path, target: Path) -> tuple[int, float, float]:
    """Copy a notebook, changing the first non-integer stored table value in its 6th
    significant digit. Returns (cell index, old value, new value)."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(TABLE_MIME)
            if not payload:
                continue
            for row in payload["data"]:
                for j, value in enumerate(row):
                    if isinstance(value, float) and abs(value) > 1e-3:
                        new = float(f"{value:.6g}") + 10 ** (_exponent(value) - 5)
                        row[j] = new
                        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False),
                                          encoding="utf-8")
                        return index, value, new
    raise AssertionError(f"{source.name} has no stored table value to edit")


def _exponent(value: float) -> int:
    import math

    return math.floor(math.log10(abs(value)))


@pytest.fixture(scope="module")
def altered_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fp")
    edited = tmp / "edited_04_civic_monitoring.ipynb"
    cell, old, new = edit_sixth_digit(ROOT / "notebooks" / "04_civic_monitoring.ipynb", edited)
    log = tmp / "tolerance.jsonl"
    env = altered_fp_environment()
    env["RUSE_NBVAL_TOLERANCE_LOG"] = str(log)
    env["RUSE_RESEARCH_ROOT"] = str(ROOT)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests"), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *map(str, NOTEBOOKS), str(edited),
         "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
         str(ROOT / "tests" / "nbval_sanitize.cfg"), "-p", "nbval_numeric",
         "-p", "no:cacheprovider", "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"),
         "-q", "-rA"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )
    cases = {}  # from the short summary of -rA: "PASSED path::Cell 3", "FAILED path::Cell 4 - ..."
    for line in result.stdout.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("PASSED", "FAILED", "ERROR"):
            cases[rest.split(" - ")[0].strip()] = status != "PASSED"
    tolerated = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return {"result": result, "cases": cases, "tolerated": tolerated, "edited": edited.name,
            "cell": cell, "old": old, "new": new, "env": env}


def test_stored_outputs_pass_on_an_altered_floating_point_path(altered_run):
    cases = altered_run["cases"]
    study_cases = {k: v for k, v in cases.items() if k.startswith("notebooks/")}
    assert len(study_cases) >= len(NOTEBOOKS), f"too few notebook cells ran: {sorted(cases)}"
    failed = sorted(k for k, v in study_cases.items() if v)
    assert not failed, (
        f"stored outputs differ on the altered path "
        f"(OPENBLAS_CORETYPE={altered_run['env']['OPENBLAS_CORETYPE']}, "
        f"NPY_DISABLE_CPU_FEATURES={altered_run['env'].get('NPY_DISABLE_CPU_FEATURES')}): {failed}\n"
        + altered_run["result"].stdout[-4000:])


def test_the_altered_path_really_changed_digits(altered_run):
    # the negative control: these values differ from the stored ones, so an exact comparison
    # (nbval without tests/nbval_numeric.py) fails on them
    tolerated = [t for t in altered_run["tolerated"] if t["cell"].startswith("notebooks/")]
    assert tolerated, "the altered floating-point path changed no stored number: the test proves nothing"
    largest = max(t["max_rel"] for t in tolerated)
    assert 0 < largest < RTOL


def test_a_change_in_the_sixth_digit_fails(altered_run):
    # the copy lies outside the root dir, so pytest names its cells without a path
    edited = {k: v for k, v in altered_run["cases"].items() if not k.startswith("notebooks/")}
    failed = sorted(k for k, v in edited.items() if v)
    assert failed, f"edited {altered_run['old']!r} -> {altered_run['new']!r} and nbval still passed"
    assert len(failed) == 1, f"only the edited cell should fail, got {failed}"
    assert "mismatch 'application/vnd.ruse.table+json'" in altered_run["result"].stdout
