"""``ruse-research trace`` and ``verify``: reading a run's ``provenance.json`` back.

:func:`trace` prints the chain of a table, a figure or a whole report: artifact -> the cell that
made it (checked against the published ``notebook.ipynb``) -> the package functions its source
calls -> the files read before it, with their hashes -> parameters -> environment.
:func:`verify` re-hashes every file the run read and the lock file and says what changed: exit
code 0 when everything matches, 1 when anything differs (a changed, missing or new file, an
edited cell of the published notebook); a path that is not a run with a provenance record is a
:class:`ProvenanceError` (exit 2).

Examples
--------
>>> artifact_of(Path("outputs/staff_attitudes.bg/tables/group_tests.csv"))
('table', 'group_tests')
>>> artifact_of(Path("outputs/staff_attitudes.bg/report.html")) is None
True
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ruse_research import paths, reads
from ruse_research.errors import RuseError
from ruse_research.runner import lineage, provenance

RECORD = "provenance.json"


class ProvenanceError(RuseError):
    """A path that is no run output, or a run without a readable provenance record."""


def artifact_of(path: Path) -> tuple[str, str] | None:
    """``(kind, name)`` of ``tables/<name>.*`` or ``figures/<name>.*``, else ``None``."""
    folder = path.parent.name
    if folder in ("tables", "figures"):
        return folder[:-1], path.name.split(".", 1)[0]
    return None


def run_dir_of(path: Path) -> Path:
    """The run folder (``outputs/<run>``) of a path in it, or the path itself."""
    for candidate in (path, path.parent, path.parent.parent):  # the run, a file, tables/<file>
        if (candidate / RECORD).is_file():
            return candidate
    raise ProvenanceError(f"{path}: no {RECORD} in it or beside it; expected a run folder "
                          "outputs/<run> or a file in it (run ruse-research run first)")


def load_record(run_dir: Path) -> dict:
    """The run's provenance record, checked to be of :data:`lineage.FORMAT`."""
    record = provenance.read_json(run_dir / RECORD)
    if record is None:
        raise ProvenanceError(f"{run_dir / RECORD}: cannot be read as JSON; expected the record "
                              "a run writes (run ruse-research run again)")
    if record.get("format") != lineage.FORMAT:
        raise ProvenanceError(f"{run_dir / RECORD}: format {record.get('format')!r}; expected "
                              f"{lineage.FORMAT!r} (rerun with ruse-research run --force)")
    return record


def _notebook_cells(run_dir: Path) -> list[dict] | None:
    try:
        return json.loads((run_dir / "notebook.ipynb").read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None


def cell_matches(entry: dict, cells: list[dict] | None) -> bool | None:
    """Whether the published notebook still holds the artifact's cell with the same source."""
    if cells is None:
        return None
    cell = entry.get("cell") or {}
    index = cell.get("index")
    if not isinstance(index, int) or not 0 <= index < len(cells) or cells[index].get("id") != cell.get("id"):
        return False
    return lineage.source_sha256(cells[index].get("source", "")) == cell.get("source_sha256")


def _short(digest: object) -> str:
    return str(digest)[:12] if digest else "-"


def _environment(record: dict) -> str:
    git = record.get("git") or {}
    dirty = {True: " (dirty)", False: ""}.get(git.get("dirty"), "")
    packages = record.get("packages") or {}
    lock = (record.get("lock") or {}).get("sha256")
    return (f"ruse_research {packages.get('ruse_research', '?')}, python {packages.get('python', '?')}, "
            f"requirements.lock {_short(lock)}, commit {_short(git.get('commit'))}{dirty}")


def _artifact_lines(entry: dict, cells: list[dict] | None) -> list[str]:
    cell = entry.get("cell") or {}
    match = {True: "matches notebook.ipynb", False: "DIFFERS from notebook.ipynb",
             None: "notebook.ipynb missing"}[cell_matches(entry, cells)]
    count = f" (In [{cell['execution_count']}])" if cell.get("execution_count") else ""
    lines = [f"{entry['kind']} {entry['name']} (number {entry.get('number')}): "
             f"{', '.join(entry.get('files') or []) or 'no exported files'}",
             f"  cell {cell.get('number')}{count}, id {cell.get('id')}, source sha256 "
             f"{_short(cell.get('source_sha256'))} ({match})"]
    calls = cell.get("calls") or []
    lines.append("  calls: " + (", ".join(calls) if calls else "none recorded"))
    lines.append("  inputs read before it:")
    for item in entry.get("inputs") or []:
        flag = ", synthetic" if item.get("synthetic") else ""
        lines.append(f"    {item['path']}  {item.get('kind')}{flag}  {_short(item.get('sha256'))}")
    if not entry.get("inputs"):
        lines.append("    none")
    return lines


def trace(path: str | Path, echo: Callable[[str], None] = print) -> int:
    """Print the provenance chain of a table/figure file or a whole run; return 0."""
    target = paths.resolve(path)
    if not target.exists():
        raise ProvenanceError(f"{path}: no such file; expected a table, figure or report of a run")
    run_dir = run_dir_of(target)
    record = load_record(run_dir)
    cells = _notebook_cells(run_dir)
    found = record.get("artifacts") or {}
    echo(f"run {record.get('run')}: {record.get('notebook')} ({record.get('status')})")
    wanted = artifact_of(target)
    if wanted is not None:
        entry = (found.get(wanted[0] + "s") or {}).get(wanted[1])
        if entry is None:
            raise ProvenanceError(f"{path}: {wanted[0]} {wanted[1]!r} is not in {run_dir / RECORD}; "
                                  "expected a file the run exported")
        entries = [entry]
    else:
        entries = [*(found.get("tables") or {}).values(), *(found.get("figures") or {}).values()]
        echo("files read by the run:")
        for item in record.get("inputs_read") or []:
            flag = ", synthetic" if item.get("synthetic") else ""
            echo(f"  {item['path']}  {item.get('kind')}{flag}  {item.get('sha256')}")
    for entry in entries:
        for line in _artifact_lines(entry, cells):
            echo(line)
    params = record.get("parameters") or {}
    echo("parameters: " + ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in params.items()))
    echo("environment: " + _environment(record))
    return 0


def differences(run_dir: Path, root: Path | None = None) -> list[str]:
    """What no longer matches the run's record: one line per changed, missing or edited thing."""
    root = Path(root or paths.project_root())
    record = load_record(run_dir)
    problems = []
    for item in record.get("inputs_read") or []:
        file = reads.locate(str(item["path"]), str(item.get("base", "project")), root)
        if not file.is_file():
            problems.append(f"missing {item['path']}: recorded {_short(item.get('sha256'))}, now no such file")
            continue
        now = provenance.sha256_file(file)
        if now != item.get("sha256"):
            problems.append(f"changed {item['path']}: recorded {_short(item.get('sha256'))}, now {_short(now)}")
    recorded_lock = (record.get("lock") or {}).get("sha256")
    now_lock = lineage.lock_state(root)["sha256"]
    if now_lock != recorded_lock:
        problems.append(f"changed {lineage.LOCK_FILE}: recorded {_short(recorded_lock)}, now {_short(now_lock)}")
    cells = _notebook_cells(run_dir)
    for kind in ("tables", "figures"):
        for name, entry in sorted(((record.get("artifacts") or {}).get(kind) or {}).items()):
            if cell_matches(entry, cells) is False:
                problems.append(f"edited notebook.ipynb: the cell of {kind[:-1]} {name} no longer has "
                                f"source sha256 {_short(entry['cell'].get('source_sha256'))}")
    return problems


def verify(path: str | Path, echo: Callable[[str], None] = print, root: Path | None = None) -> int:
    """Re-hash a run's inputs and lock file; print what changed; 0 clean, 1 something differs."""
    target = paths.resolve(path)
    if not target.exists():
        raise ProvenanceError(f"{path}: no such folder; expected outputs/<run>")
    run_dir = run_dir_of(target)
    problems = differences(run_dir, root)
    record = load_record(run_dir)
    count = len(record.get("inputs_read") or [])
    for line in problems:
        echo(line)
    if problems:
        echo(f"{record.get('run')}: {len(problems)} difference(s); the published report no longer "
             "matches the files on disk")
        return 1
    echo(f"{record.get('run')}: {count} input files and {lineage.LOCK_FILE} match the record")
    return 0
