"""Staging and atomic publishing of a run's outputs, and the lock on the outputs folder.

A run is built in ``outputs/.staging/<run>-<pid>-<ns>/`` and moved into place in one rename
only when it is complete: a good run replaces ``outputs/<run>/``; a failed run goes to
``outputs/<run>/failed/`` and leaves the previous good outputs alone. Replacing is journaled
(:func:`replace_dir`), so a crash between the two renames never loses the last good copy:
the next run puts it back (:func:`recover`). Only one ``ruse-research
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
import errno
import fcntl
import json
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


JOURNAL_SUFFIX = ".replacing.json"

#: File-system faults that no run can get past (a full disk, a used-up quota, a read-only
#: file system): they stop the command with one line and exit 2 instead of failing runs one by one.
DISK_FAULTS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


def is_disk_fault(exc: BaseException) -> bool:
    """Whether ``exc`` is a file-system fault of :data:`DISK_FAULTS`.

    Examples
    --------
    >>> is_disk_fault(OSError(errno.ENOSPC, "No space left on device")), is_disk_fault(ValueError())
    (True, False)
    """
    return isinstance(exc, OSError) and exc.errno in DISK_FAULTS


def replace_dir(new: Path, target: Path, trash_root: Path) -> None:
    """Move ``new`` to ``target``; an existing ``target`` is moved aside first, then deleted.

    Crash-safe: before the first rename a journal (``.staging/<name>.replacing.json``) names
    the target and where its last good copy is moved aside. A failure between the two
    renames puts the copy back at once; a crash (the process killed) leaves the journal, and
    the next run restores the copy (:func:`recover`) before it clears the staging folder.
    """
    if not target.exists():
        os.replace(new, target)
        return
    tag = f"{target.name}.old-{os.getpid()}-{time.monotonic_ns()}"
    old = trash_root / tag
    journal = trash_root / f"{tag}{JOURNAL_SUFFIX}"
    _write_journal(journal, {"target": str(target), "old": str(old)})
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if not target.exists():
            os.replace(old, target)  # the last good copy goes back
        journal.unlink(missing_ok=True)
        raise
    journal.unlink(missing_ok=True)
    shutil.rmtree(old, ignore_errors=True)


def _write_journal(journal: Path, entry: dict[str, str]) -> None:
    temporary = journal.with_name(journal.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(entry, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, journal)


def recover(outputs: Path) -> list[Path]:
    """Put back every last good copy a crashed publish left aside; return the targets restored.

    A target that is missing gets its copy back; a target that was replaced (the crash came
    after the second rename) keeps the new outputs and the old copy is deleted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> outputs = pathlib.Path(tempfile.mkdtemp())
    >>> (outputs / STAGING / "demo.en.old-1").mkdir(parents=True)
    >>> _ = (outputs / STAGING / "demo.en.old-1" / "report.html").write_text("good")
    >>> _write_journal(outputs / STAGING / f"demo.en.old-1{JOURNAL_SUFFIX}",
    ...                {"target": str(outputs / "demo.en"), "old": str(outputs / STAGING / "demo.en.old-1")})
    >>> [p.name for p in recover(outputs)], (outputs / "demo.en" / "report.html").read_text()
    (['demo.en'], 'good')
    """
    restored = []
    for journal in sorted((outputs / STAGING).glob(f"*{JOURNAL_SUFFIX}")):
        try:
            entry = json.loads(journal.read_text(encoding="utf-8"))
            target, old = Path(entry["target"]), Path(entry["old"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable journal: keep everything it may refer to
        if old.exists() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
            restored.append(target)
        elif old.exists():
            shutil.rmtree(old, ignore_errors=True)
        journal.unlink(missing_ok=True)
    return restored


def clear_staging(outputs: Path) -> None:
    """Restore what a crashed publish moved aside (:func:`recover`), then remove what killed
    runs left in ``outputs/.staging`` (call it holding the lock)."""
    if not (outputs / STAGING).is_dir():
        return
    recover(outputs)
    if any((outputs / STAGING).glob(f"*{JOURNAL_SUFFIX}")):
        return  # a journal that could not be read: leave the folder for a person to look at
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
