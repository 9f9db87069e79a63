"""Pruning of the memo of expensive calls (``outputs/.cache/memo``, :mod:`ruse_research.memo`).

The memo is content-addressed: an entry whose key no run asks for again is dead weight (a code
change alone changes every key). After each ``ruse-research run`` the runner calls
:func:`prune`, which keeps

* every entry **used by the latest run** (read or written since it started: the memo touches
  an entry when it reads it, so an entry's modification time is its last use), and
* of the others, the most recently used ones while the memo stays under a size cap,
  ``RUSE_RESEARCH_MEMO_MAX_MB`` megabytes (default :data:`DEFAULT_MAX_MB`; ``0`` keeps only
  the entries of the latest run),

and deletes the rest (least recently used first), with the temporary files of writers killed
more than an hour ago. A deleted entry only costs its computation again: the next run that needs
it recomputes and rewrites it.

Examples
--------
>>> import os, tempfile, time
>>> folder = Path(tempfile.mkdtemp())
>>> for name, age in (("old", 3600), ("new", 0)):
...     path = folder / "ab" / f"ab{name}.pickle"
...     path.parent.mkdir(exist_ok=True)
...     _ = path.write_bytes(b"x" * 10)
...     os.utime(path, (time.time() - age, time.time() - age))
>>> prune(folder, since=time.time() - 60, max_bytes=0)
(1, 10)
>>> sorted(p.name for p in folder.rglob("*.pickle"))
['abnew.pickle']
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

#: Environment variable: the size cap in megabytes of the entries not used by the latest run.
MAX_MB_ENV = "RUSE_RESEARCH_MEMO_MAX_MB"
#: Default size cap (megabytes).
DEFAULT_MAX_MB = 256.0
#: Temporary files of a writer older than this (seconds) are left over from a killed process.
STALE_TMP_S = 3600.0


def max_bytes_from_env(environ: dict[str, str] | None = None) -> int:
    """The size cap in bytes (``RUSE_RESEARCH_MEMO_MAX_MB``; a value that is not a number
    >= 0 gives the default)."""
    text = (environ if environ is not None else os.environ).get(MAX_MB_ENV, "")
    try:
        megabytes = float(text) if text.strip() else DEFAULT_MAX_MB
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    if not megabytes >= 0:  # negative or NaN
        megabytes = DEFAULT_MAX_MB
    return int(megabytes * 1024 * 1024)


#: A memo entry's path below the memo folder (:mod:`ruse_research.memo`): ``xx/<sha256>.pickle``.
ENTRY_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.pickle$")


def entries(folder: Path | None) -> Iterator[tuple[str, os.stat_result]]:
    """``(xx/<key>.pickle, stat)`` of every memo entry under ``folder``, in name order; files
    of any other name, and entries another process removed meanwhile, are left out."""
    if folder is None or not Path(folder).is_dir():
        return
    for path in sorted(Path(folder).glob("*/*.pickle")):
        rel = path.relative_to(folder).as_posix()
        if ENTRY_NAME.match(rel):
            try:
                yield rel, path.stat()
            except OSError:
                continue


def used_since(folder: Path | None, since: float) -> list[str]:
    """The memo entries under ``folder`` written or read (touched) since ``since``."""
    return [rel for rel, info in entries(folder) if info.st_mtime >= since]


def prune(folder: Path, since: float, max_bytes: int | None = None) -> tuple[int, int]:
    """Delete the memo entries under ``folder`` not used since ``since`` (a ``time.time()``),
    least recently used first, until the unused ones take at most ``max_bytes`` (default
    :func:`max_bytes_from_env`). Returns ``(entries deleted, bytes freed)``; a missing folder
    or a file another process removed meanwhile is no error."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0, 0
    cap = max_bytes_from_env() if max_bytes is None else max_bytes
    now = time.time()
    unused: list[tuple[float, int, Path]] = []
    for path in folder.glob("*/*"):
        try:
            info = path.stat()
        except OSError:
            continue
        if path.name.endswith(".tmp"):
            if now - info.st_mtime > STALE_TMP_S:
                _remove(path)
            continue
        if path.suffix == ".pickle" and info.st_mtime < since:
            unused.append((info.st_mtime, info.st_size, path))
    unused.sort()  # least recently used first
    total = sum(size for _, size, _ in unused)
    deleted = freed = 0
    for _, size, path in unused:
        if total <= cap:
            break
        if _remove(path):
            deleted, freed = deleted + 1, freed + size
        total -= size
    for sub in folder.iterdir():
        if sub.is_dir():
            try:
                sub.rmdir()  # only when empty
            except OSError:
                pass
    return deleted, freed


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except OSError:
        return False
    return True
