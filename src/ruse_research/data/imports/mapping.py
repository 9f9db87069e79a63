"""The mapping file: how an export's columns and answers become codebook items and codes.

A mapping is a YAML file (read through :mod:`ruse_research._yaml`)::

    format: google_forms          # the tool that wrote the export (informative)
    codebook: stakeholders
    date_order: mdy               # how to read 1/2/2017 in timestamps (mdy or dmy)
    id_prefix: R                  # generated resp_id values: R0001, R0002, ...
    constants: {wave: 1}          # items the export does not hold (or --set wave=1)
    columns:
      Timestamp: {item: interview_date, kind: date}
      Пол: {item: sex, confidence: 1.0, values: {Мъж: 1, Жена: 2}}
      Начин на контакт:           # a checkbox question -> one 0/1 item per option
        kind: checkbox
        options: {лично посещение: ch_person, по телефона: ch_phone}
      Q8[SQ001]: {item: ch_person, kind: flag}   # LimeSurvey Y/blank (or 1/0) column
      Email address: null         # a column to leave out
    unmatched: {...}              # what the starter map could not match: fill it in

``kind`` is ``answer`` (the default), ``date`` (a timestamp whose date is the item),
``id`` (the respondent id), ``checkbox`` or ``flag``. ``values`` maps an answer as the
export writes it (label text or tool code) to the codebook code (``null``: missing); a
coded cell that is already a valid code needs no entry. ``confidence`` is what the starter
map's fuzzy match scored (1 = exact): check every entry below 0.9.

Examples
--------
>>> from ruse_research.data.codebook import load_codebook
>>> from ruse_research.data.imports.exports import read_export
>>> cb = load_codebook("staff")
>>> m = starter(read_export("data/raw/staff.csv", cb), cb)
>>> m["columns"]["att_ben_1"], len(m["unmatched"]["columns"])
({'item': 'att_ben_1', 'confidence': 1.0}, 0)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ruse_research import _yaml, paths
from ruse_research.data.codebook import CODED_TYPES, Codebook
from ruse_research.data.imports import matching
from ruse_research.data.imports.exports import (
    ID_HEADERS,
    TIMESTAMP_HEADERS,
    TOOL_COLUMNS,
    ExportTable,
    _fold,
)
from ruse_research.errors import DataError, Problem

KINDS = ("answer", "date", "id", "checkbox", "flag")
_TOP_KEYS = {"format", "codebook", "export", "date_order", "id_prefix", "constants", "columns",
             "unmatched"}
_COLUMN_KEYS = {"item", "kind", "values", "options", "confidence", "blank", "note"}
_MAX_VALUES = 60
"""A column with more distinct answers than this is free text: no value list is written."""


# ----------------------------------------------------------------- starter map
def starter(table: ExportTable, codebook: Codebook) -> dict[str, Any]:
    """A starter mapping for ``table``: every header and answer matched as well as it can be.

    Returns the mapping as a dict (see the module docstring); :func:`dump` writes it.
    """
    columns: dict[str, Any] = {}
    unmatched_cols: list[str] = []
    unmatched_values: dict[str, list[str]] = {}
    items = {it.id: it for it in codebook.items}
    groups = matching.checkbox_groups(codebook)
    grouped = {i for g in groups for i in g.items}
    taken: set[str] = set()
    todo = list(range(len(table.columns)))

    # 1. the id and the timestamp, by the tools' own header names
    date_items = [it.id for it in codebook.items if it.type == "date"]
    stamps: list[str] = []  # the tool's timestamps: the date, unless a question asks it
    for i in list(todo):
        col = table.columns[i]
        folded = _fold(col.name)
        timestamp = folded in TIMESTAMP_HEADERS and (table.format != "google_forms" or i == 0)
        if folded in ID_HEADERS and codebook.id_column not in taken:
            columns[col.name] = {"item": codebook.id_column, "kind": "id"}
        elif timestamp or folded in TOOL_COLUMNS:
            if timestamp:
                stamps.append(col.name)
            columns[col.name] = None  # the tool's own bookkeeping
        else:
            continue
        if columns[col.name]:
            taken.add(columns[col.name]["item"])
        todo.remove(i)

    # 2. checkbox questions: a header worded like a group's stem whose cells list options
    for i in list(todo):
        col = table.columns[i]
        values = [v for v in table.values(col) if v]
        if any(c.name.startswith(f"{col.name}/") for c in table.columns):
            continue  # KoBo's select-multiple summary: its name/option 0/1 columns are read
        for group in groups:
            s = max(matching.score(col.text, stem) for stem in group.stems)
            if s < matching.ACCEPT or any(matching.flag_value(v) is not None for v in values):
                continue
            options: dict[str, str] = {}
            for opt, item_id in group.options.items():
                if any(opt.casefold() in v.casefold() for v in values):
                    options[opt] = item_id
            left = sorted({matching.split_options(v, list(options))[1] for v in values} - {""})
            columns[col.name] = {"kind": "checkbox", "confidence": round(s / 100, 2),
                                 "options": options}
            if left:
                unmatched_values[col.name] = left[:_MAX_VALUES]
            taken.update(options.values())
            todo.remove(i)
            break

    # 3. one item per remaining header, by wording (bg or en) or id
    free = {it.id: matching.item_texts(it, codebook) for it in codebook.items
            if it.id not in taken and it.type != "id"}
    texts = [_variants(table.columns[i]) for i in todo]
    for k, (item_id, s) in matching.assign(texts, free).items():
        col = table.columns[todo[k]]
        item = items[item_id]
        entry: dict[str, Any] = {"item": item_id, "confidence": round(s / 100, 2)}
        values = table.values(col)
        if item_id in grouped or matching.is_flag(codebook, item):
            if all(matching.flag_value(v) is not None for v in values):
                entry["kind"] = "flag"
        if item.type in CODED_TYPES and "kind" not in entry:
            mapped, left = _value_map(values, col.value_labels, codebook, item)
            if mapped:
                entry["values"] = mapped
            if left:
                unmatched_values[col.name] = left
        elif item.type == "date":
            entry["kind"] = "date"
        columns[col.name] = entry
        taken.add(item_id)
    if stamps and date_items and date_items[0] not in taken:
        columns[stamps[0]] = {"item": date_items[0], "kind": "date"}
        taken.add(date_items[0])
    for i in todo:
        name = table.columns[i].name
        if name in columns:
            continue
        columns[name] = None
        details = [h for h, e in columns.items() if e and h.startswith(f"{name}/")]
        if not details:  # (KoBo's select-multiple summary is read from its 0/1 columns)
            unmatched_cols.append(name)

    missing = [it.id for it in codebook.items if it.id not in taken and it.id != codebook.id_column]
    return {
        "format": table.format,
        "codebook": codebook.instrument,
        "export": table.name,
        "date_order": "mdy",
        "id_prefix": "R",
        "constants": {},
        "columns": columns,
        "unmatched": {"columns": unmatched_cols, "values": unmatched_values, "items": missing},
    }


def _variants(col) -> list[str]:
    """What a header may say: its text, and for KoBo's ``group/name/option`` the name and
    option together (a select-multiple detail column)."""
    parts = col.name.split("/")
    if len(parts) >= 3 and " " not in col.name:
        return [col.text, " ".join(parts[-2:])]
    return [col.text]


def _value_map(values: list[str], value_labels: dict[str, str], codebook: Codebook,
               item) -> tuple[dict[str, Any], list[str]]:
    """``{answer: code}`` for the answers that are not already codes, and those left over."""
    distinct = sorted({v for v in values if v})
    if len(distinct) > _MAX_VALUES:
        return {}, []
    positional = matching.positional_codes(distinct, codebook, item)
    mapped: dict[str, Any] = {}
    left: list[str] = []
    for v in distinct:
        label = value_labels.get(v)
        code, s = matching.match_value(label if label is not None else v, codebook, item)
        if positional and v in positional and (code is None or label is None):
            code = positional[v]
        if code is None:
            left.append(v)
        elif str(code) != v:
            mapped[v] = code
    return mapped, left


def dump(mapping: dict[str, Any], path: str | os.PathLike[str], export: str) -> None:
    """Write a mapping as YAML, with a comment that says how to finish it."""
    head = (
        f"# Starter mapping written by `ruse-research map {export}`.\n"
        "# Check every entry with a confidence below 0.9, fill in what `unmatched` lists\n"
        "# (a column -> {item: ...}; an answer -> its code under `values`; null to leave a\n"
        "# column out), then: ruse-research import EXPORT --map THIS_FILE --codebook NAME --out FILE\n"
    )
    body = yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False, width=100)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(head + body, encoding="utf-8")


def summary(mapping: dict[str, Any], out: str) -> str:
    """The one line ``ruse-research map`` prints."""
    entries = [e for e in mapping["columns"].values() if e]
    check = sum(1 for e in entries if e.get("confidence", 1.0) < matching.SURE / 100)
    un = mapping["unmatched"]
    n_values = sum(len(v) for v in un["values"].values())
    return (f"{mapping['export']}: {mapping['format']} export, {len(entries)} of "
            f"{len(mapping['columns'])} columns matched ({check} to check), "
            f"{len(un['columns'])} columns and {n_values} answers unmatched, "
            f"{len(un['items'])} codebook items not found -> {out}")


# ------------------------------------------------------------------ reading one
@dataclass
class Mapping:
    """A checked mapping file."""

    path: Path
    columns: dict[str, dict[str, Any] | None]
    constants: dict[str, str] = field(default_factory=dict)
    date_order: str = "mdy"
    id_prefix: str = "R"


def load(path: str | os.PathLike[str], codebook: Codebook,
         sets: dict[str, str] | None = None) -> Mapping:
    """Read and check a mapping against the codebook (not yet against an export).

    ``sets`` are ``--set item=value`` constants; they override the file's ``constants``.
    Raises :class:`DataError` with one problem per wrong entry.
    """
    shown = os.fspath(path)
    file = Path(path) if Path(path).exists() else paths.resolve(path)
    raw = _yaml.load_file(file, dates=False, name=shown)
    problems: list[Problem] = []

    def bad(where: str | None, value: object, expected: str) -> None:
        problems.append(Problem(shown, None, where, value, expected))

    if not isinstance(raw, dict):
        raise DataError([Problem(shown, None, None, type(raw).__name__,
                                 "a mapping with a 'columns:' section")])
    for key in raw:
        if key not in _TOP_KEYS:
            bad(None, key, f"one of the keys {', '.join(sorted(_TOP_KEYS))}")
    items = {it.id: it for it in codebook.items}
    columns = raw.get("columns") or {}
    if not isinstance(columns, dict):
        bad("columns", type(columns).__name__, "a mapping from export header to item")
        columns = {}
    for header, entry in columns.items():
        where = f"columns.{header}"
        if entry is None:
            continue
        if isinstance(entry, str):
            columns[header] = entry = {"item": entry}
        if not isinstance(entry, dict):
            bad(where, entry, "an item id, {item: ..., values: ...} or null")
            continue
        for key in entry:
            if key not in _COLUMN_KEYS:
                bad(where, key, f"one of the keys {', '.join(sorted(_COLUMN_KEYS))}")
        for key in ("values", "options"):
            if entry.get(key) is not None and not isinstance(entry[key], dict):
                bad(f"{where}.{key}", entry[key], "a mapping (answer: code, or option: item)")
                entry[key] = {}
        kind = entry.get("kind", "answer")
        if kind not in KINDS:
            bad(where, kind, f"a kind of {', '.join(KINDS)}")
        targets = list((entry.get("options") or {}).values()) if kind == "checkbox" \
            else [entry.get("item")]
        for target in targets:
            if target not in items:
                bad(where, target, f"an item of codebook {codebook.instrument!r}"
                    f"{io_hint(str(target), list(items))}")
        answers = entry.get("values") or {}
        for answer, code in list(answers.items()):
            if isinstance(code, str) and code.strip().lstrip("-").isdigit():
                answers[answer] = code = int(code)  # "4" typed for 4
            item = items.get(entry.get("item"))
            if item is None or item.type not in CODED_TYPES:
                bad(f"{where}.values", answer, "values only for a coded (ordinal/nominal) item")
                break
            valid = codebook.scales[item.response_scale].all_codes()  # type: ignore[index]
            if code is not None and code not in valid:
                bad(f"{where}.values.{answer}", code, f"a code of scale {item.response_scale!r}: "
                    f"{', '.join(str(c) for c in valid)} (or null)")
    constants = {str(k): "" if v is None else str(v)
                 for k, v in (raw.get("constants") or {}).items()}
    for name, value in (sets or {}).items():
        constants[name] = value
    for name in constants:
        if name not in items:
            where = "--set" if sets and name in sets else "constants"
            bad(where, name, f"an item of codebook {codebook.instrument!r}"
                f"{io_hint(name, list(items))}")
    unmatched = raw.get("unmatched") or {}
    for header in (unmatched.get("columns") or []) if isinstance(unmatched, dict) else []:
        bad("unmatched.columns", header, "no unmatched columns: map it under columns: "
            "(or set it to null there) and delete it from unmatched:")
    for header, answers in ((unmatched.get("values") or {}).items()
                            if isinstance(unmatched, dict) else []):
        bad(f"unmatched.values.{header}", answers, f"no unmatched answers: give each its code "
            f"under columns.{header}.values (or options) and delete it from unmatched:")
    order = raw.get("date_order", "mdy")
    if order not in ("mdy", "dmy"):
        bad("date_order", order, "mdy or dmy")
    if problems:
        raise DataError(problems)
    return Mapping(file, columns, constants, order, str(raw.get("id_prefix") or "R"))


def io_hint(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest choice, or nothing."""
    best = max(choices, key=lambda c: matching.score(word, c), default=None)
    if best is not None and matching.score(word, best) >= 60:
        return f" (did you mean {best!r}?)"
    return ""


def write_starter(export: str | os.PathLike[str], codebook: Codebook | str,
                  out: str | os.PathLike[str] | None = None,
                  form: str | os.PathLike[str] | None = None) -> str:
    """Write the starter mapping of ``export`` to ``out`` (default ``<export stem>.map.yaml``
    beside the export) and return the one-line summary. ``form`` is the XLSForm of a
    KoBoToolbox export, whose labels name the export's columns and answers."""
    from ruse_research.data.codebook import load_codebook
    from ruse_research.data.imports.exports import read_export, with_form

    book = load_codebook(codebook)
    table = read_export(export, book)
    if form is not None:
        table = with_form(table, form)
    target = Path(out) if out is not None else table.path.with_name(f"{table.path.stem}.map.yaml")
    if out is not None and not target.is_absolute():
        target = paths.resolve(out)
    if target.resolve() == table.path.resolve():
        raise DataError([Problem(os.fspath(target), None, None, "the export itself",
                                 "another file for the mapping (the export is never overwritten)")])
    mapping = starter(table, book)
    dump(mapping, target, os.fspath(export))
    return summary(mapping, os.fspath(out) if out is not None else target.name)
