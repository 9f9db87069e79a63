"""The run as an RO-Crate 1.1: ``outputs/<run>/ro-crate-metadata.json`` (JSON-LD) for archives.

The same facts as ``provenance.json`` in the vocabulary archives read (RO-Crate 1.1 on
schema.org): the run folder is the root ``Dataset``; the report, the notebook, the record and
every exported table and figure are ``File`` data entities; the execution is a
``CreateAction`` whose ``instrument`` is the notebook (a ``SoftwareSourceCode``), whose
``object`` are the files the run read (contextual entities ``#input/<path>``: they live outside
the run folder) and whose ``result`` are the exported files; each table and figure names its
producing cell (``#cell/<id>``, ``isPartOf`` the notebook). SHA-256 hashes use the ad hoc term
``sha256`` declared in the crate's own ``@context`` (RO-Crate 1.1 has no hash term). Written
with the standard library: the crate is small and fixed in shape, so the ``rocrate`` package
would add a dependency without adding a check.

Examples
--------
>>> record = {"run": "demo.en", "title": "Demo", "notebook": "notebooks/d.ipynb", "lang": "en",
...           "start_time": "2001-01-01T00:00:00+00:00", "end_time": "2001-01-01T00:00:02+00:00",
...           "inputs_read": [{"path": "data/raw/x.csv", "sha256": "ab", "kind": "export"}],
...           "artifacts": {"tables": {"t": {"files": ["tables/t.csv"], "cell": {"id": "c1"}}}},
...           "packages": {"ruse_research": "0.1.0"}}
>>> crate = crate_metadata(record)
>>> crate["@graph"][0]["conformsTo"]
{'@id': 'https://w3id.org/ro/crate/1.1'}
>>> sorted(e["@id"] for e in crate["@graph"] if e["@type"] == "File")[:2]
['provenance.json', 'report.html']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruse_research.runner import provenance

FILE_NAME = "ro-crate-metadata.json"
CONTEXT = ["https://w3id.org/ro/crate/1.1/context",
           {"sha256": "http://id.loc.gov/vocabulary/preservation/cryptographicHashFunctions/sha256"}]
_FORMATS = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".png": "image/png", ".svg": "image/svg+xml", ".html": "text/html", ".pdf": "application/pdf",
            ".json": "application/json", ".ipynb": "application/x-ipynb+json"}


def _seconds(stamp: object) -> object:
    """An ISO time to whole seconds (archives need no microseconds).

    Examples
    --------
    >>> _seconds("2001-01-01T00:00:01.500000+00:00")
    '2001-01-01T00:00:01+00:00'
    """
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(stamp)).replace(microsecond=0).isoformat()
    except ValueError:
        return stamp


def _file(path: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"@id": path, "@type": "File", "name": name,
            "encodingFormat": _FORMATS.get(Path(path).suffix, "application/octet-stream"), **extra}


def crate_metadata(record: Mapping[str, Any], present: set[str] | None = None) -> dict[str, Any]:
    """The RO-Crate metadata document of one run's record (``present``: files that exist)."""
    def exists(rel: str) -> bool:
        return present is None or rel in present

    own = [_file(rel, name) for rel, name in (("report.html", "report"), ("report.pdf", "report (PDF)"),
                                             ("notebook.ipynb", "executed notebook"),
                                             ("provenance.json", "provenance record"))
           if exists(rel)]
    own = [entity if entity["@id"] != "notebook.ipynb" else
           {**entity, "@type": ["File", "SoftwareSourceCode"], "programmingLanguage": "Python"}
           for entity in own]
    inputs = [{"@id": f"#input/{item['path']}", "@type": "CreativeWork", "name": str(item["path"]),
               "identifier": str(item["path"]), "additionalType": str(item.get("kind", "other")),
               "sha256": item.get("sha256"), **({"contentSize": str(item["size"])} if item.get("size") else {})}
              for item in record.get("inputs_read") or []]
    results, cells = [], {}
    for kind in ("tables", "figures"):
        for name, entry in sorted(((record.get("artifacts") or {}).get(kind) or {}).items()):
            cell = entry.get("cell") or {}
            cell_id = f"#cell/{cell.get('id')}"
            cells[cell_id] = {"@id": cell_id, "@type": "SoftwareSourceCode",
                              "name": f"cell {cell.get('number')}", "isPartOf": {"@id": "notebook.ipynb"},
                              "sha256": cell.get("source_sha256")}
            for rel in entry.get("files") or []:
                if exists(rel):
                    results.append(_file(rel, f"{kind[:-1]} {name}", isBasedOn={"@id": cell_id}))
    action = {"@id": "#run", "@type": "CreateAction", "name": f"ruse-research run {record.get('run')}",
              "instrument": {"@id": "notebook.ipynb"}, "startTime": _seconds(record.get("start_time")),
              "endTime": _seconds(record.get("end_time")),
              "object": [{"@id": e["@id"]} for e in inputs],
              "result": [{"@id": e["@id"]} for e in [*own, *results] if e["@id"] != "notebook.ipynb"]}
    root = {"@id": "./", "@type": "Dataset", "name": record.get("title") or record.get("run"),
            "description": f"Outputs of run {record.get('run')} of {record.get('notebook')}",
            "datePublished": _seconds(record.get("start_time")), "inLanguage": record.get("lang"),
            "version": (record.get("packages") or {}).get("ruse_research"),
            "hasPart": [{"@id": e["@id"]} for e in [*own, *results]], "mentions": {"@id": "#run"}}
    meta = {"@id": FILE_NAME, "@type": "CreativeWork", "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"},
            "about": {"@id": "./"}}
    return {"@context": CONTEXT, "@graph": [meta, root, *own, *results, *cells.values(), *inputs, action]}


def write_crate(stage: Path, record: Mapping[str, Any]) -> Path:
    """Write ``ro-crate-metadata.json`` into the run folder ``stage``; return its path."""
    present = {p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file()}
    target = stage / FILE_NAME
    provenance.write_json(target, crate_metadata(record, present))
    return target
