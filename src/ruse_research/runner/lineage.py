"""Where each number came from: the files a run read and, per table and figure, its cell and inputs.

:func:`lineage` reads an executed notebook and returns the part of ``provenance.json``
(format :data:`FORMAT`, documented in ``docs/ARCHITECTURE.md``) that says

* ``inputs_read``: every file the run read, in reading order, each with its SHA-256, kind and
  whether it is synthetic: the files the notebook's kernel opened (the
  ``"reads"`` output of ``report.inputs_read()``, metadata ``ruse.reads``) and the
  runner's language catalog of the report's labels; ``inputs`` is the same as
  ``{path: sha256}`` (what the colophon lists);
* ``lock``: the SHA-256 of ``requirements.lock``;
* ``artifacts``: per table and figure (``artifacts["tables"][name]``, ``["figures"][name]``,
  the names of ``tables/<name>.csv`` and ``figures/<name>.*``) the producing cell (its position,
  id, number, ``In [n]``, SHA-256 of its source and the package functions its source calls),
  the files read before it, the parameters and the environment.

A notebook that does not show the reads bundle (a failed run, a notebook of another project)
still gets an answer: the files its tables and figures were stamped with and the ``*_path`` /
``*_file`` parameters, marked ``"complete": false``.

Examples
--------
>>> source_sha256("x = 1")[:12]
'8ff436def145'
>>> package_calls("t = report.texts('staff', lang)\\nreport.show_table(t, 'n')",
...               {"report": "ruse_research.display.report"})
['ruse_research.display.report.texts', 'ruse_research.display.report.show_table']
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruse_research import reads
from ruse_research.contract import META_KEY, READS_KEY
from ruse_research.data.marker import is_synthetic
from ruse_research.runner import provenance
from ruse_research.runner.params import INPUT_SUFFIXES

#: The version of the provenance format (``provenance.json`` key ``format``).
FORMAT = "ruse-provenance/2"
#: The lock file whose hash is the environment of a run.
LOCK_FILE = "requirements.lock"
#: The runner's catalog of report labels (read by the runner, not the kernel).
RUNNER_CATALOG = reads.PACKAGE_DIR / "locale" / "runner.yaml"
#: Exported files of an artifact, by kind.
SUFFIXES = {"table": (".csv", ".xlsx"), "figure": (".png", ".svg")}
_SKIPPED_TAGS = {"injected-parameters", "papermill-error-cell-tag"}


def source_sha256(source: str | list[str]) -> str:
    """SHA-256 of a cell's source as UTF-8 text (lines joined as nbformat stores them)."""
    text = "".join(source) if isinstance(source, list) else str(source)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lock_state(root: Path) -> dict[str, object]:
    """``{"file": "requirements.lock", "sha256": <hex> | None}`` (``None``: no lock file).

    Examples
    --------
    >>> import tempfile
    >>> lock_state(Path(tempfile.mkdtemp()))
    {'file': 'requirements.lock', 'sha256': None}
    """
    lock = Path(root) / LOCK_FILE
    return {"file": LOCK_FILE, "sha256": provenance.sha256_file(lock) if lock.is_file() else None}


def import_aliases(sources: list[str]) -> dict[str, str]:
    """``{alias: module or object}`` of the ``ruse_research`` imports in ``sources``.

    Examples
    --------
    >>> import_aliases(["from ruse_research.studies import staff_tables as tables\\nimport os"])
    {'tables': 'ruse_research.studies.staff_tables'}
    """
    aliases: dict[str, str] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ruse_research"):
                for name in node.names:
                    aliases[name.asname or name.name] = f"{node.module}.{name.name}"
            elif isinstance(node, ast.Import):
                for name in node.names:
                    if name.name.startswith("ruse_research"):
                        aliases[name.asname or name.name.split(".")[0]] = (
                            name.name if name.asname else name.name.split(".")[0])
    return aliases


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def package_calls(source: str, aliases: Mapping[str, str]) -> list[str]:
    """The package functions a cell's source calls, in order, each once (read from the source)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name and name.split(".")[0] in aliases:
                head, _, rest = name.partition(".")
                calls.append((node.lineno, node.col_offset, f"{aliases[head]}.{rest}".rstrip(".")))
    return list(dict.fromkeys(name for _, _, name in sorted(calls)))


def _ruse(output: Mapping[str, Any]) -> dict:
    meta = (output.get("metadata") or {}).get(META_KEY)
    return meta if isinstance(meta, dict) else {}


def kernel_reads(nb: Mapping[str, Any]) -> list[dict] | None:
    """The files listed by the notebook's ``reads`` output (the last one), or ``None`` without one."""
    found = None
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            meta = _ruse(output)
            if meta.get("kind") == "reads" and isinstance(meta.get(READS_KEY), list):
                found = [dict(item) for item in meta[READS_KEY] if isinstance(item, dict)]
    return found


def _entry(path: Path, read_by: str, kind: str | None = None) -> dict[str, object]:
    name, base = reads.name_of(path)
    return {"path": name, "base": base, "sha256": provenance.sha256_file(path),
            "kind": kind or reads.kind_of(name), "size": path.stat().st_size,
            "synthetic": bool(is_synthetic(path)), "read_by": read_by}


def _locate(name: str, root: Path) -> Path:
    if Path(name).is_absolute():
        return Path(name)
    return reads.locate(name, "package" if name.startswith("ruse_research/") else "project", root)


def _declared(parameters: Mapping[str, Any], root: Path) -> list[Path]:
    files = []
    for key, value in parameters.items():
        if key.endswith(INPUT_SUFFIXES) and isinstance(value, str):
            path = _locate(value, root)
            if path.is_file():
                files.append(path)
    return files


def inputs_read(nb: Mapping[str, Any], parameters: Mapping[str, Any], root: Path) -> tuple[list[dict], bool]:
    """``(files, complete)``: every file the run read (see module docstring)."""
    files = kernel_reads(nb)
    complete = files is not None
    if files is None:  # no reads bundle: what the artifacts were stamped with, and the params
        stamped = [n for cell in nb.get("cells", []) for o in cell.get("outputs", []) or []
                   for n in _ruse(o).get(READS_KEY, [])]
        files = []
        for path in [*(_locate(n, root) for n in dict.fromkeys(stamped)),
                     *_declared(parameters, root)]:
            if path.is_file():
                files.append(_entry(path, "kernel"))
    else:
        files = [{**item, "read_by": "kernel"} for item in files]
    files.append(_entry(RUNNER_CATALOG, "runner", "catalog"))
    unique: dict[str, dict] = {}
    for item in files:
        unique.setdefault(str(item.get("path")), item)
    return list(unique.values()), complete


def _cell_numbers(cells: list) -> dict[int, int]:
    numbers, n = {}, 0
    for index, cell in enumerate(cells):
        if set(cell.get("metadata", {}).get("tags", [])) & _SKIPPED_TAGS:
            continue
        n += 1
        numbers[index] = n
    return numbers


def artifacts(nb: Mapping[str, Any], files: list[dict], environment: dict, parameters: dict,
              stage: Path | None = None) -> dict[str, dict[str, dict]]:
    """``{"tables": {name: entry}, "figures": {name: entry}}`` (see module docstring)."""
    cells = nb.get("cells", [])
    code = ["".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]
    aliases = import_aliases(code)
    by_name = {str(item["path"]): item for item in files}
    numbers = _cell_numbers(cells)
    found: dict[str, dict[str, dict]] = {"tables": {}, "figures": {}}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        for output in cell.get("outputs", []):
            meta = _ruse(output)
            kind, name = meta.get("kind"), meta.get("name")
            if kind not in SUFFIXES or not isinstance(name, str) or name in found[kind + "s"]:
                continue
            folder = kind + "s"
            exported = [f"{folder}/{name}{suffix}" for suffix in SUFFIXES[kind]]
            if stage is not None:
                exported = [f for f in exported if (stage / f).is_file()]
            before = [{"path": n, "sha256": by_name.get(n, {}).get("sha256"),
                       "kind": by_name.get(n, {}).get("kind", reads.kind_of(n)),
                       "synthetic": bool(by_name.get(n, {}).get("synthetic"))}
                      for n in meta.get(READS_KEY, [])]
            found[folder][name] = {
                "kind": kind, "name": name, "number": len(found[folder]) + 1, "files": exported,
                "cell": {"index": index, "id": cell.get("id"), "number": numbers.get(index),
                         "execution_count": cell.get("execution_count"),
                         "source_sha256": source_sha256(source),
                         "calls": package_calls(source, aliases)},
                "inputs": before, "parameters": parameters, "environment": environment,
            }
    return found


def lineage(nb: Mapping[str, Any], record: Mapping[str, Any], root: Path,
            stage: Path | None = None) -> dict[str, object]:
    """The provenance entries of an executed notebook (merge them into the run's record)."""
    parameters = dict(record.get("parameters") or {})
    files, complete = inputs_read(nb, parameters, Path(root))
    lock = lock_state(Path(root))
    packages = record.get("packages") or {}
    environment = {"lock_sha256": lock["sha256"], "ruse_research": packages.get("ruse_research"),
                   "python": packages.get("python"), "commit": (record.get("git") or {}).get("commit")}
    return {
        "format": FORMAT,
        "inputs": {str(item["path"]): item["sha256"] for item in files},
        "inputs_read": files,
        "inputs_complete": complete,
        "lock": lock,
        "artifacts": artifacts(nb, files, environment, parameters, stage),
    }
