"""Published results of the studies: what a campaign may read of ``outputs/<run>/``.

The campaign is a derived product of what the studies *published*: the disclosure-checked tables
(``tables/<name>.csv``, read back with :func:`ruse_research.runner.artifacts.read_table_csv`),
the table captions and key-finding sentences the executed notebook displayed, and the run's
``provenance.json``. It never opens microdata (``data/raw``). A run is usable only when its last
execution succeeded: ``provenance.json`` says ``ok`` and no ``failed/`` folder sits in it.

Examples
--------
>>> import tempfile
>>> run_state(Path(tempfile.mkdtemp()), "staff_attitudes.en")
'not run'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ruse_research.contract import TABLE_MIME
from ruse_research.errors import RuseError
from ruse_research.runner.artifacts import read_table_csv

#: The four studies a campaign reads, by the stem of their params files (``params/<stem>.<lang>.yaml``).
STUDIES = ("staff_attitudes", "stakeholder_opinions", "participation_model", "civic_monitoring")


class CampaignError(RuseError):
    """A published result the campaign names is not there (table, column or row)."""


def run_state(outputs: Path, run: str) -> str:
    """``ok``, ``failed`` (the last execution failed) or ``not run`` (nothing published)."""
    folder = outputs / run
    if (folder / "failed" / "failure.json").is_file():
        return "failed"
    try:
        record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "not run"
    return "ok" if record.get("status") == "ok" else "failed"


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class TableMeta:
    """What the notebook said of a published table: caption and the format of each column."""

    name: str
    caption: str
    columns: tuple[str, ...]
    formats: tuple[str, ...]


@dataclass(frozen=True)
class PublishedRun:
    """One study run as published in ``outputs/<run>/``."""

    folder: Path
    record: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def lang(self) -> str:
        return str(self.record.get("lang", ""))

    @property
    def title(self) -> str:
        """The report's title in its language."""
        return str(self.record.get("title", self.name))

    @property
    def synthetic(self) -> bool:
        return bool(self.record.get("synthetic"))

    @property
    def tables(self) -> list[str]:
        """The published (disclosure-checked) tables, as ``provenance.json`` lists them."""
        return [str(t) for t in self.record.get("tables", [])]

    def table_path(self, name: str) -> Path:
        if name not in self.tables:
            raise CampaignError(f"{self.name}: no published table {name!r}; it has {', '.join(self.tables)}")
        return self.folder / "tables" / f"{name}.csv"

    def table(self, name: str):
        """The published table ``name`` as a DataFrame (numbers as the report rounds them)."""
        return read_table_csv(self.table_path(name))

    @cached_property
    def _notebook_outputs(self) -> list[dict[str, Any]]:
        try:
            nb = json.loads((self.folder / "notebook.ipynb").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [o for c in nb.get("cells", []) for o in (c.get("outputs") or [])]

    def table_meta(self, name: str) -> TableMeta:
        """Caption and column formats of table ``name`` (from the executed notebook)."""
        for out in self._notebook_outputs:
            payload = (out.get("data") or {}).get(TABLE_MIME)
            if isinstance(payload, dict) and payload.get("name") == name:
                columns = [str(c) for c in payload.get("columns", [])]
                formats = [str(f) for f in payload.get("formats", ["text"] * len(columns))]
                if payload.get("show_index"):
                    columns = [str(n or "") for n in payload.get("index_names", [""])] + columns
                    formats = ["text"] * (len(columns) - len(formats)) + formats
                return TableMeta(name, str(payload.get("caption") or name), tuple(columns), tuple(formats))
        return TableMeta(name, name, (), ())

    def key_findings(self) -> list[str]:
        """The key-finding sentences of the report, in its language."""
        for out in self._notebook_outputs:
            meta = (out.get("metadata") or {}).get("ruse") or {}
            if meta.get("kind") == "key_findings":
                return [str(s) for s in meta.get("sentences", [])]
        return []

    def input_files(self) -> list[Path]:
        """The published files the campaign reads of this run (hashed into its cache key)."""
        files = [self.folder / "provenance.json", self.folder / "notebook.ipynb"]
        return files + [self.folder / "tables" / f"{t}.csv" for t in self.tables]


def published(outputs: Path, run: str) -> PublishedRun:
    """The published run ``run`` (check :func:`run_state` first)."""
    folder = outputs / run
    try:
        record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise CampaignError(f"{folder / 'provenance.json'}: missing or unreadable; run "
                            f"'ruse-research run {run}' first") from None
    return PublishedRun(folder, record)


@dataclass(frozen=True)
class Published:
    """The four studies' runs in one language, as the campaign reads them."""

    lang: str
    runs: dict[str, PublishedRun]

    def __getitem__(self, study: str) -> PublishedRun:
        return self.runs[study]

    @property
    def synthetic(self) -> bool:
        return any(r.synthetic for r in self.runs.values())

    def input_hashes(self, outputs: Path, hasher=None) -> dict[str, str]:
        """``{path relative to outputs: sha256}`` of every published file the campaign reads
        (``hasher``: a function of a path giving its SHA-256, e.g. a hash store's)."""
        hasher = hasher or sha256
        return {str(p.relative_to(outputs)): hasher(p)
                for run in self.runs.values() for p in run.input_files() if p.is_file()}


def missing_studies(outputs: Path, lang: str) -> dict[str, str]:
    """``{run: state}`` of the studies in ``lang`` that are not published ok (empty = all ready)."""
    states = {f"{s}.{lang}": run_state(outputs, f"{s}.{lang}") for s in STUDIES}
    return {run: state for run, state in states.items() if state != "ok"}


def load_published(outputs: Path, lang: str) -> Published:
    """The four studies of ``lang`` (raises :class:`CampaignError` when one is not ready)."""
    missing = missing_studies(outputs, lang)
    if missing:
        raise CampaignError("; ".join(f"{run}: {state}" for run, state in missing.items()))
    return Published(lang, {s: published(outputs, f"{s}.{lang}") for s in STUDIES})
