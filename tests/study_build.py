"""One run of the whole study per test session, shared by every test that only reads it.

Running the study takes a minute or two; the determinism, layout and print tests each used
to run their own copy. :func:`shared_study` runs it once in a copy of the project and every
pytest-xdist worker reuses that copy: the first worker to arrive builds it under an exclusive
``fcntl`` lock, the others wait on the lock and read the result (or the same failure).
Tests must not modify the shared copy; a test that needs its own run calls :func:`run_study`
on :func:`copy_project`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ["pyproject.toml", "params", "notebooks", "data"]


def copy_project(destination: Path) -> Path:
    """A copy of what a study run reads (``COPIED``) at ``destination``."""
    destination.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)
    return destination


def run_study(root: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """``ruse-research run --force`` in the project copy ``root`` (``extra_env`` added)."""
    env = {**os.environ, "RUSE_RESEARCH_ROOT": str(root), "MPLBACKEND": "Agg", **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "ruse_research", "run", "--force"],
        cwd=root, env=env, capture_output=True, text=True, timeout=1800,
    )


def shared_dir(tmp_path_factory, name: str, build) -> Path:
    """``home``, a folder ``build(home)`` filled once in this session for every worker.

    The first pytest-xdist worker to ask builds it under an exclusive ``fcntl`` lock; the
    others wait on the lock and reuse it. ``build`` returns ``None``, or the text of a failure
    that every test asking for the folder then fails with. Tests must not modify the folder.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the directory all workers of this session share
    home, failure = base / f"shared-{name}", base / f"shared-{name}.failure.txt"
    with open(base / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / f"shared-{name}.done").exists():
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir()
            try:
                problem = build(home)
            except Exception as exc:  # e.g. a run's timeout: fail every test once, not rebuild in each
                problem = f"building the shared {name} raised {type(exc).__name__}: {exc}"
            if problem:
                failure.write_text(problem, encoding="utf-8")
            (base / f"shared-{name}.done").write_text("built\n", encoding="utf-8")
    if failure.exists():
        raise AssertionError(failure.read_text(encoding="utf-8"))
    return home


def failed_run(what: str, result: subprocess.CompletedProcess[str]) -> str | None:
    """``None`` for a run that succeeded, else the text that says how ``what`` failed."""
    if result.returncode == 0:
        return None
    return f"{what} failed (exit {result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def shared_study(tmp_path_factory) -> Path:
    """The project copy on which the whole study ran once in this session; fails like the run did."""
    home = shared_dir(tmp_path_factory, "study",
                      lambda home: failed_run("study run", run_study(copy_project(home / "project"))))
    return home / "project"


def second_study(tmp_path_factory) -> Path:
    """A second, independent run of the whole study from scratch (the determinism test's),
    without report.pdf: PDFs are not compared (their bytes hold dates), and the shared run's
    PDFs are checked by tests/test_print_layout.py."""
    home = shared_dir(tmp_path_factory, "second-study", lambda home: failed_run(
        "study run", run_study(copy_project(home / "project"), RUSE_RESEARCH_CHROMIUM="")))
    return home / "project"


#: The session-wide builds that :func:`start_in_background` may start, by fixture name.
BUILDS = {"shared_study": shared_study, "second_study": second_study}


def start_in_background(items, tmp_path_factory) -> list[str]:
    """Start, each in a daemon thread, the builds of :data:`BUILDS` that a collected test needs.

    A build is a subprocess, so the worker's tests go on while it runs; a test that needs it
    waits on :func:`shared_dir`'s lock, which the thread holds. Without this, the worker that
    first asked for the shared study ran it while the other worker's test sat on the lock for
    up to a minute, idle. A failed build is recorded by :func:`shared_dir` and fails every test
    that asks for it, as before; the thread only swallows the exception it re-raises.
    """
    import threading

    needed = [name for name in BUILDS if any(name in getattr(item, "fixturenames", ()) for item in items)]
    if needed:
        tmp_path_factory.getbasetemp()  # created here, once, not raced by two threads
    for name in needed:
        threading.Thread(target=_build_quietly, args=(BUILDS[name], tmp_path_factory),
                         name=f"build-{name}", daemon=True).start()
    return needed


def _build_quietly(build, tmp_path_factory) -> None:
    try:
        build(tmp_path_factory)
    except Exception:  # noqa: BLE001 - recorded in the failure file; the fixture raises it
        pass
