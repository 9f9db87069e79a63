"""Staging and atomic publishing of a run's outputs, and the lock on the outputs folder.

A run is built in ``outputs/.staging/<run>-<pid>-<ns>/`` and moved into place in one rename
only when it is complete: a good run replaces ``outputs/<run>/``; a failed run goes to
``outputs/<run>/failed/`` and leaves the previous good outputs alone. Only one ``ruse-research
run`` writes an outputs folder at a time (:func:`outputs_lock`).

Examples
--------
>>> import tempfile, pathlib
>>> outputs = pathlib.Path(tempfile.mkdtemp())
>>> with staging(outputs, "demo.en") as stage:
...     _ = (stage / "report.html").write_text("new")
...     _ = publish(stage, outputs / "demo.en", ok=True, staging_root=outputs / STAGING)
>>> sorted(p.name for p in (outputs / "demo.en").iterdir()), list((outputs / STAGING).iterdir())
(['report.html'], [])
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from ruse_research.errors import RunLockedError

STAGING = ".staging"
LOCK_FILE = ".lock"


@contextlib.contextmanager
def outputs_lock(outputs: Path) -> Iterator[None]:
    """Hold ``outputs/.lock`` (non-blocking ``flock``) for the duration of a run command.

    Raises
    ------
    RunLockedError
        When another ``ruse-research run`` holds the lock.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with outputs_lock(folder):
    ...     with outputs_lock(folder):
    ...         pass
    Traceback (most recent call last):
    ruse_research.errors.RunLockedError: another 'ruse-research run' is writing ...
    """
    outputs.mkdir(parents=True, exist_ok=True)
    lock_path = outputs / LOCK_FILE
    handle = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLockedError(
                f"another 'ruse-research run' is writing {outputs} (lock {lock_path} is held); "
                "wait for it to finish and try again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the descriptor releases the flock


def replace_dir(new: Path, target: Path, trash_root: Path) -> None:
    """Move ``new`` to ``target``; an existing ``target`` is moved aside first, then deleted."""
    old = None
    if target.exists():
        old = trash_root / f"{target.name}.old-{os.getpid()}-{time.monotonic_ns()}"
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def clear_staging(outputs: Path) -> None:
    """Remove what killed runs left in ``outputs/.staging`` (call it holding the lock)."""
    shutil.rmtree(outputs / STAGING, ignore_errors=True)


@contextlib.contextmanager
def staging(outputs: Path, name: str) -> Iterator[Path]:
    """A fresh staging folder for run ``name``; whatever is not published is removed afterwards."""
    root = outputs / STAGING
    root.mkdir(parents=True, exist_ok=True)
    stage = root / f"{name}-{os.getpid()}-{time.monotonic_ns()}"
    stage.mkdir()
    try:
        yield stage
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def publish(stage: Path, run_dir: Path, *, ok: bool, staging_root: Path) -> Path:
    """Move a finished stage into place: ``run_dir`` when ``ok``, else ``run_dir/failed``.

    Returns where it went.
    """
    if ok:
        target = run_dir
    else:
        run_dir.mkdir(parents=True, exist_ok=True)
        target = run_dir / "failed"
    replace_dir(stage, target, staging_root)
    return target
