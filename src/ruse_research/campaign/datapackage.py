"""Open data: a Frictionless Data Package over every published table of the four studies.

Why clean copies: the published CSVs are made for a double-click in Excel (a byte-order mark, a
first note line with the synthetic flag, and in Bulgarian ``;`` with a decimal comma). Table
Schema can describe part of that (``decimalChar`` per field, ``commentRows`` only in the v2
dialect), but open-data portals and most readers expect plain RFC 4180 CSV. So the package holds
clean copies (``data/<run>/<table>.csv``: UTF-8 without BOM, ``,``, decimal point, one header
row), and each resource names the published file it copies, its SHA-256 and the note line
(``provenance``). Only the tables the run published (``provenance.json`` ``tables``: each passed
the small-cell guard of ``report.show_table``) are included; never microdata.

Each resource has its title (the table's caption) in both languages, each field its type, its
title in both languages, a unit where the table states one (shares: a proportion from 0 to 1)
and, for text columns with few values, their categories (``constraints.enum``).

Examples
--------
>>> field_type("int64", "raw", [1, 2]), field_type("float64", "pct:1", [0.5]), field_type("object", "text", ["a"])
('integer', 'number', 'string')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ruse_research.campaign.content import Content
from ruse_research.campaign.results import (
    STUDIES,
    Published,
    PublishedRun,
    published,
    run_state,
    sha256,
)
from ruse_research.i18n import LANGUAGES
from ruse_research.stats.disclosure import MIN_CELL

LICENCE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0"}
#: Text columns with at most this many distinct values are described by their categories.
MAX_CATEGORIES = 12


def field_type(dtype: str, fmt: str, values: list[Any]) -> str:
    """The Table Schema type of a column from its pandas dtype, report format and values."""
    if dtype.startswith("int"):
        return "integer"
    if dtype.startswith("float"):
        whole = all(float(v).is_integer() for v in values)
        return "integer" if whole and not fmt.startswith(("num", "pct")) and values else "number"
    if dtype == "bool":
        return "boolean"
    return "string"


def _other_language(outputs: Path, run: PublishedRun) -> dict[str, PublishedRun]:
    """The same study's runs in every language that is published ok (for bilingual titles)."""
    study = run.name.rsplit(".", 1)[0]
    found = {}
    for lang in LANGUAGES:
        name = f"{study}.{lang}"
        if run_state(outputs, name) == "ok":
            found[lang] = run if lang == run.lang else published(outputs, name)
    return found


def _note(path: Path) -> str:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        line = handle.readline().rstrip("\r\n").rstrip(";,")
    return line.strip('"').lstrip("# ").strip()


def resource(run: PublishedRun, table: str, target: Path, content: Content,
             versions: dict[str, PublishedRun]) -> dict[str, Any]:
    """Write the clean copy of one published table under ``target`` and describe it.

    ``versions`` is :func:`_other_language` of ``run``: its columns' and caption's titles in
    each language.
    """
    frame = run.table(table)
    meta = run.table_meta(table)
    formats = dict(zip(meta.columns, meta.formats, strict=False))
    titles, captions, notes = {}, {}, {}
    for lang, other in versions.items():
        try:
            other_frame = other.table(table)
        except Exception:  # noqa: BLE001 - a table missing in the other language: no title there
            continue
        if list(other_frame.shape) == list(frame.shape):
            titles[lang] = [str(c) for c in other_frame.columns]
            captions[lang] = other.table_meta(table).caption
            notes[lang] = _note(other.table_path(table))
    fields = []
    for i, name in enumerate(frame.columns):
        values = frame[name].dropna().tolist()
        kind = field_type(str(frame[name].dtype), formats.get(str(name), "text"), values)
        if kind == "integer":
            frame[name] = frame[name].astype("Int64")
        field: dict[str, Any] = {"name": str(name), "title": str(name), "type": kind}
        if titles:
            field["titles"] = {lang: cols[i] for lang, cols in titles.items()}
        if formats.get(str(name), "").startswith("pct"):
            field["unit"] = content.t("dp_unit_proportion")
        distinct = sorted({str(v) for v in values})
        if kind == "string" and 0 < len(distinct) <= MAX_CATEGORIES and len(distinct) < len(frame):
            field["constraints"] = {"enum": distinct}
        fields.append(field)
    relative = Path("data") / run.name / f"{table}.csv"
    (target / relative).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target / relative, index=False, lineterminator="\n", encoding="utf-8")
    source_csv = run.table_path(table)
    record = run.record
    return {
        "name": f"{run.name}-{table}".replace(".", "-").replace("_", "-"),
        "path": relative.as_posix(),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": meta.caption,
        "titles": captions or {run.lang: meta.caption},
        "description": _note(source_csv),
        "descriptions": notes or {run.lang: _note(source_csv)},
        "sources": [{"title": run.title, "path": f"../{run.name}/report.html"}],
        "licenses": [LICENCE],
        "schema": {"fields": fields, "missingValues": [""]},
        "provenance": {
            "run": run.name,
            "report": f"../{run.name}/report.html",
            "published_table": f"../{run.name}/tables/{table}.csv",
            "published_sha256": sha256(source_csv),
            "note": _note(source_csv),
            "synthetic": bool(record.get("synthetic")),
            "git": record.get("git"),
            "cache_key": record.get("cache_key"),
            "end_time": record.get("end_time"),
            "inputs": (record.get("cache_components") or {}).get("inputs", {}),
        },
    }


def write_datapackage(outputs: Path, pub: Published, target: Path, content: Content) -> Path:
    """Write ``datapackage.json`` and the clean table copies into ``target``."""
    t = content.t
    resources = []
    for study in STUDIES:
        # once per run, not per table: each PublishedRun parses its notebook once (cached)
        versions = _other_language(outputs, pub[study])
        resources += [resource(pub[study], table, target, content, versions) for table in pub[study].tables]
    package = {
        "profile": "tabular-data-package",
        "name": f"ruse-research-tables-{pub.lang}",
        "title": t("dp_title"),
        "titles": {lang: _title(lang) for lang in LANGUAGES},
        "description": t("dp_description", min_cell=t.int(MIN_CELL)),
        "language": pub.lang,
        "licenses": [{**LICENCE, "title": t("dp_licence")}],
        "sources": [{"title": pub[s].title, "path": f"../{pub[s].name}/report.html"} for s in STUDIES],
        "synthetic": pub.synthetic,
        "resources": resources,
    }
    path = target / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
                    encoding="utf-8")
    return path


def _title(lang: str) -> str:
    from ruse_research.display.catalog import texts

    return str(texts("campaign", lang)("dp_title"))
