"""Checks of hostile or mistaken input that the runner makes before any kernel starts.

Everything here turns a case that used to reach a kernel, or print a traceback, into one
short line and exit code 2 (:class:`~ruse_research.errors.RuseError`):

* **run names** (params file stems) that would collide with what the runner writes in
  ``outputs/`` (``index``, ``index.html``, dot-names such as ``.cache``) or hold characters a
  folder name should not have (:func:`check_run_name`);
* **parameter values**: a mapping where the notebook's default is ``None``, a number outside
  the range the notebook declares in its ``parameters`` cell metadata
  (``metadata.ruse_research.ranges: {ci_level: [0.5, 0.999]}``), a privacy threshold below
  the rule of :mod:`ruse_research.stats.disclosure` (:func:`check_value`);
* **where code and data come from**: a params file may name only a notebook in the project's
  ``notebooks/`` (tracked by git when the project is a git work tree) and input files inside
  the project, unless ``ruse-research run --allow-notebook PATH`` / ``--allow-input PATH``
  names them (:func:`check_notebook`, :func:`check_input`);
* **the outputs folder**: a file in its place, a read-only folder (:func:`check_outputs`);
  other file-system faults (disk full) become one line by :func:`describe_os_error`.

Examples
--------
>>> check_run_name("staff_attitudes.bg", "params/staff_attitudes.bg.yaml")
>>> check_run_name("index", "params/index.yaml")
Traceback (most recent call last):
ruse_research.errors.ParamsError: params/index.yaml: run name 'index' collides with outputs/index.html the runner writes; expected another file name (e.g. index_study.en.yaml)
>>> check_value("p.yaml", "ci_level", 95, 0.95, (0.5, 0.999))
Traceback (most recent call last):
ruse_research.errors.ParamsError: p.yaml: parameters.ci_level: found 95, expected a number from 0.5 to 0.999 (a share such as 0.95, not a percentage)
"""

from __future__ import annotations

import errno
import functools
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from ruse_research.errors import FileSystemError, ParamsError, shown

#: Run names (the part before the first dot, any case) that would shadow what the runner
#: writes in ``outputs/``, with what they would shadow.
RESERVED_NAMES = {"index": "outputs/index.html", "failed": "outputs/<run>/failed",
                  "staging": "outputs/.staging", "cache": "outputs/.cache", "lock": "outputs/.lock"}
_RUN_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$")
_FILE_SUFFIXES = (".html", ".htm", ".json", ".pdf", ".ipynb", ".csv", ".xlsx", ".tmp")


def check_run_name(name: str, where: str) -> None:
    """Refuse a run name that is not a plain folder name or collides with the runner's files.

    Examples
    --------
    >>> check_run_name(".cache", "params/.cache.yaml")
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: params/.cache.yaml: run name '.cache' is not a plain name; expected letters, digits, '_', '-' and dots between them (e.g. my_study.en)
    """
    if not _RUN_NAME_RE.match(name) or len(name) > 100:
        raise ParamsError(f"{where}: run name {shown(name)} is not a plain name; expected letters, "
                          "digits, '_', '-' and dots between them (e.g. my_study.en)")
    stem = name.split(".")[0].lower()
    clash = RESERVED_NAMES.get(stem)
    if clash is None and name.lower().endswith(_FILE_SUFFIXES):
        clash = f"a file name ({name.rsplit('.', 1)[1]})"
    if clash is not None:
        raise ParamsError(f"{where}: run name {shown(name)} collides with {clash} the runner "
                          f"writes; expected another file name (e.g. {stem}_study.en.yaml)")


# ---------------------------------------------------------------------- parameter values

#: Smallest value of each privacy threshold: the rule of :mod:`ruse_research.stats.disclosure`
#: (``MIN_QUOTE``, ``MIN_CELL``), written out so that checking a params file needs no pandas;
#: tests/test_hostile.py checks that the two agree.
PRIVACY_FLOORS = {"min_quote": 10, "min_cell": 5, "min_group": 5}


def privacy_floors() -> dict[str, int]:
    """``{parameter: smallest allowed value}`` for the privacy thresholds a notebook may take.

    Examples
    --------
    >>> privacy_floors()["min_quote"]
    10
    """
    return dict(PRIVACY_FLOORS)


def _bound(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_value(where: str, key: str, value: object, default: object,
                declared: Iterable[float | None] | None) -> None:
    """One params value against its notebook default and declared range.

    ``declared`` is ``[low, high]`` (either ``None`` for no bound) from the parameters cell's
    metadata, or ``None``. Privacy thresholds may never go below :func:`privacy_floors`.

    Examples
    --------
    >>> check_value("p.yaml", "min_quote", 3, 10, None)
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: p.yaml: parameters.min_quote: found 3, expected 10 or more (the privacy rule: quotes only from groups of at least 10 answers)
    >>> check_value("p.yaml", "weight_column", {"a": 1}, None, None)
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: p.yaml: parameters.weight_column: found a mapping {'a': 1}, expected a single value (text, a number, true/false), a list or null like the notebook default None
    """
    if default is None and isinstance(value, dict):
        raise ParamsError(f"{where}: parameters.{key}: found a mapping {shown(value)}, expected "
                          "a single value (text, a number, true/false), a list or null like the "
                          "notebook default None")
    if isinstance(value, float) and not math.isfinite(value):  # .nan, .inf pass every comparison
        raise ParamsError(f"{where}: parameters.{key}: found {shown(value)}, expected a finite "
                          "number (not .nan or .inf)")
    floor = privacy_floors().get(key)
    if floor is not None and isinstance(value, int | float) and not isinstance(value, bool) \
            and value < floor:
        raise ParamsError(f"{where}: parameters.{key}: found {shown(value)}, expected {floor} or "
                          f"more (the privacy rule: quotes only from groups of at least {floor} "
                          "answers)" if key == "min_quote" else
                          f"{where}: parameters.{key}: found {shown(value)}, expected {floor} or "
                          "more (the privacy rule for small cells)")
    if declared is None or not isinstance(value, int | float) or isinstance(value, bool):
        return
    low, high = list(declared) + [None] * (2 - len(list(declared)))
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            wanted = f"a number from {_bound(low)} to {_bound(high)}"
        elif low is not None:
            wanted = f"{_bound(low)} or more"
        else:
            wanted = f"{_bound(high)} or less"
        hint = (" (a share such as 0.95, not a percentage)"
                if high is not None and high < 1 <= value <= 100 else "")
        raise ParamsError(f"{where}: parameters.{key}: found {shown(value)}, expected {wanted}{hint}")


def declared_ranges(cell_metadata: dict) -> dict[str, list]:
    """The ranges a ``parameters`` cell declares in ``metadata.ruse_research.ranges``.

    Examples
    --------
    >>> declared_ranges({"ruse_research": {"ranges": {"ci_level": [0.5, 0.999]}}})
    {'ci_level': [0.5, 0.999]}
    >>> declared_ranges({})
    {}
    """
    ranges = (cell_metadata.get("ruse_research") or {}).get("ranges") or {}
    return {str(k): list(v) for k, v in ranges.items() if isinstance(v, list | tuple)}


# ---------------------------------------------------------------------- notebooks, inputs

def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=8)
def _tracked_notebooks(root: Path) -> frozenset[Path] | None:
    """Files git tracks under ``root/notebooks`` (``None``: no git work tree, or no git)."""
    if not (root / ".git").exists():
        return None
    try:
        done = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--", "notebooks"],
                              capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    names = done.stdout.decode("utf-8", "replace").split("\0")
    return frozenset((root / n).resolve() for n in names if n)


def _git_tracked(path: Path, root: Path) -> bool | None:
    """Whether git tracks ``path`` (``None`` when ``root`` is no git work tree or git is missing)."""
    tracked = _tracked_notebooks(root.resolve())
    return None if tracked is None else path.resolve() in tracked


def allowed(path: Path, allow: Iterable[str | os.PathLike[str]] | None) -> bool:
    """``path`` is one of the paths given with ``--allow-notebook``/``--allow-input``."""
    resolved = path.resolve()
    return any(Path(a).resolve() == resolved for a in (allow or ()))


def check_notebook(notebook: Path, root: Path, where: str,
                   allow: Iterable[str | os.PathLike[str]] | None = None) -> bool:
    """Refuse a notebook outside the project's ``notebooks/`` or not tracked by git.

    Returns ``True`` when the notebook is let in only by ``--allow-notebook`` (its hash then
    goes into the run's provenance as an input).
    """
    if allowed(notebook, allow):
        return not _inside(notebook, root / "notebooks") or _git_tracked(notebook, root) is False
    if not _inside(notebook, root / "notebooks"):
        raise ParamsError(f"{where}: notebook: {shown(str(notebook))} is outside the project's "
                          "notebooks/ folder; expected a notebook of notebooks/ (or run with "
                          "--allow-notebook PATH to run it anyway, recorded in provenance)")
    if _git_tracked(notebook, root) is False:
        raise ParamsError(f"{where}: notebook: {shown(notebook.name)} is not tracked by git; "
                          "expected a committed notebook (git add it, or run with "
                          "--allow-notebook PATH)")
    return False


def check_input(path: Path, root: Path, where: str, origin: str,
                allow: Iterable[str | os.PathLike[str]] | None = None) -> None:
    """Refuse an input file outside the project unless ``--allow-input`` names it."""
    if _inside(path, root) or allowed(path, allow):
        return
    raise ParamsError(f"{where}: {origin}: {shown(str(path))} is outside the project; expected "
                      "a file under data/ (or run with --allow-input PATH; it is still "
                      "validated against its codebook)")


# ---------------------------------------------------------------------- the file system

def check_outputs(outputs: Path) -> None:
    """The outputs folder can be written: not a file, not read-only.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "outputs"
    >>> _ = file.write_text("")
    >>> check_outputs(file)
    Traceback (most recent call last):
    ruse_research.errors.FileSystemError: outputs folder .../outputs is a file; expected a folder (move the file away)
    """
    if outputs.exists() and not outputs.is_dir():
        raise FileSystemError(f"outputs folder {shown(str(outputs), 200)[1:-1]} is a file; "
                              "expected a folder (move the file away)")
    probe = outputs if outputs.exists() else next(
        (p for p in outputs.parents if p.exists()), outputs.parent)
    if probe.is_dir() and not os.access(probe, os.W_OK | os.X_OK):
        raise FileSystemError(f"outputs folder {shown(str(probe), 200)[1:-1]} is read-only; "
                              "expected a folder you can write (check its permissions)")


_ERRNO_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run again",
    errno.EDQUOT: "the disk quota is used up; free some space and run again",
    errno.EROFS: "the file system is read-only; run where you can write",
    errno.EACCES: "permission denied; check the folder's permissions",
    errno.EPERM: "permission denied; check the folder's permissions",
    errno.ENOTDIR: "a file stands where a folder is expected; move it away",
    errno.EISDIR: "a folder stands where a file is expected; move it away",
}


def describe_os_error(error: OSError) -> str:
    """One line for a file-system fault: what, where, and what to do.

    Examples
    --------
    >>> describe_os_error(OSError(28, "No space left on device", "outputs/x.json"))
    "cannot write 'outputs/x.json': the disk is full; free some space and run again"
    """
    where = error.filename if error.filename is not None else "a file"
    hint = _ERRNO_HINTS.get(error.errno or -1) or f"{error.strerror or error}"
    return f"cannot write {shown(str(where), 160)}: {hint}"


_INTERRUPTED = [False]


def watch_interrupts() -> None:
    """Remember a Ctrl-C (SIGINT) before raising ``KeyboardInterrupt`` as Python does, so that
    an error raised while shutting kernels down afterwards (``ZMQError``...) is reported as
    the interruption it is (:func:`was_interrupted`). Only in the main thread."""
    import signal
    import threading

    _INTERRUPTED[0] = False
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, frame):
        _INTERRUPTED[0] = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)


def was_interrupted() -> bool:
    """A Ctrl-C arrived since :func:`watch_interrupts`."""
    return _INTERRUPTED[0]


def interrupted() -> int:
    """Say once that the command was interrupted (Ctrl-C); the exit code is 130.

    Kernels and pool workers are in the same process group and get the same SIGINT; their
    shutdown noise is not shown (stderr is closed after this line).
    """
    try:
        print("ruse-research: interrupted (Ctrl-C); outputs of finished runs are kept",
              file=sys.stderr, flush=True)
        if sys.stderr is sys.__stderr__:  # not when a caller captures stderr (tests)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
    except OSError:
        pass
    return 130
