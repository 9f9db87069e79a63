"""Apply a mapping to an export: the codebook's own export (CSV or ``.sav``), validated.

Each export row becomes one respondent: mapped columns give their items (answers turned
into codes through the map's ``values``; a cell that is already a valid code is kept),
checkbox cells one 0/1 item per option, ``flag`` columns (LimeSurvey ``Y``/blank, KoBo
and SPSS 1/0) their 0/1 item, timestamps their date; constants fill the items the export
does not hold, and ``resp_id`` is generated when no column holds it. A multiple-choice
question left wholly blank is missing (not asked, or not answered), not "none selected".

Every way in which the map does not fit the export is collected and raised together as one
:class:`~ruse_research.errors.DataError`, one line per problem. The output is written next
to its final name, checked with :func:`ruse_research.data.io.validate_file` and only then
moved into place; the export is never modified.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from ruse_research import paths
from ruse_research.data import io
from ruse_research.data.codebook import CODED_TYPES, Codebook, load_codebook
from ruse_research.data.imports import matching
from ruse_research.data.imports.exports import ExportTable, parse_timestamp, read_export
from ruse_research.data.imports.mapping import Mapping, io_hint, load
from ruse_research.errors import DataError, Problem

OUTPUTS = (".csv", ".sav")


def import_export(export: str | os.PathLike[str], map_path: str | os.PathLike[str],
                  codebook: Codebook | str, out: str | os.PathLike[str],
                  sets: dict[str, str] | None = None, lang: str = "bg",
                  append: bool = False) -> str:
    """Import ``export`` with the mapping ``map_path`` and write ``out`` (``.csv``/``.sav``).

    Returns the one-line summary ``ruse-research import`` prints. ``sets`` are
    ``--set item=value`` constants; ``lang`` the language of the ``.sav`` value labels.
    With ``append`` the rows are added after those of an existing CSV ``out`` (a second
    wave, a second tool); generated ids go on from its row count.

    Raises
    ------
    DataError
        The map does not fit the export or the codebook (one problem per line), or the
        result does not pass the codebook's validation.
    """
    codebook = load_codebook(codebook)
    out_file = paths.resolve(out) if not Path(out).is_absolute() else Path(out)
    if out_file.suffix.lower() not in OUTPUTS:
        raise DataError([Problem(os.fspath(out), None, None, out_file.suffix or "no extension",
                                 "an output file ending in .csv or .sav")])
    table = read_export(export, codebook)
    if out_file.resolve() == table.path.resolve():
        raise DataError([Problem(os.fspath(out), None, None, "the export itself",
                                 "another output file (the export is never overwritten)")])
    mapping = load(map_path, codebook, sets)
    before = _existing(out_file, codebook) if append and out_file.exists() else None
    frame = build_rows(table, mapping, codebook, start=len(next(iter(before.values())))
                       if before else 0)
    ids = frame[codebook.id_column]
    if before:
        frame = {k: before[k] + v for k, v in frame.items()}
    _write_checked(frame, codebook, out_file, lang)
    n_mapped = sum(1 for e in mapping.columns.values() if e)
    generated = "" if any(e and e.get("kind") == "id" for e in mapping.columns.values()) \
        else f", {codebook.id_column} generated ({ids[0]}..{ids[-1]})"
    constants = ", ".join(f"{k}={v}" for k, v in mapping.constants.items())
    filled = {e["item"] for e in mapping.columns.values() if e and e.get("item")}
    filled |= {i for e in mapping.columns.values() if e and e.get("kind") == "checkbox"
               for i in (e.get("options") or {}).values()}
    empty = [it.id for it in codebook.items if it.id not in filled | set(mapping.constants)
             and it.id != codebook.id_column]
    shown = ", ".join(empty[:4]) + (", ..." if len(empty) > 4 else "")
    generated += f", {len(empty)} items with no column ({shown})" if empty else ""
    added = f" (appended: {len(frame[codebook.id_column])} rows in all)" if before else ""
    return (f"{table.name} ({table.format}): {len(ids)} rows, {n_mapped} columns mapped onto "
            f"codebook {codebook.instrument!r}{generated}"
            f"{', constants ' + constants if constants else ''} -> {out_file.name}{added} - OK")


def _existing(out: Path, codebook: Codebook) -> dict[str, list[str]]:
    """The rows of an earlier import (to append to), as text; it must pass validation."""
    if out.suffix.lower() != ".csv":
        raise DataError([Problem(out.name, None, None, "--append to a .sav file",
                                 "--append to a .csv output (import each part, then convert)")])
    io.validate_file(out, codebook)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {it.id: [r.get(it.id, "") for r in rows] for it in codebook.items}


def build_rows(table: ExportTable, mapping: Mapping, codebook: Codebook,
               start: int = 0) -> dict[str, list[str]]:
    """The codebook's columns as text (one cell per export row), or a :class:`DataError`.
    Generated ids are numbered from ``start + 1``."""
    problems = io._Problems(table.shown)
    map_name = mapping.path.name
    items = {it.id: it for it in codebook.items}
    n = len(table.rows)
    cells: dict[str, list[str]] = {}
    headers = [c.name for c in table.columns]

    for header in headers:
        if header not in mapping.columns:
            problems.add(1, header, "a column the map does not name",
                         f"an entry for it under 'columns:' in {map_name} (null to leave it out)")
    for header in mapping.columns:
        if header not in headers:
            problems.add(None, None, f"{map_name} names column {header!r}",
                         f"a header of {table.name}{io_hint(header, headers)}")
    flag_groups: dict[str, list[str]] = {}
    group_of = {i: g.stems for g in matching.checkbox_groups(codebook) for i in g.items}

    for header, entry in mapping.columns.items():
        col = table.column(header)
        if entry is None or col is None:
            continue
        kind = entry.get("kind", "answer")
        values = table.values(col)
        if kind == "checkbox":
            _checkbox(table, col, entry, values, cells, problems, map_name)
            continue
        item = items[entry["item"]]
        if item.id in cells:
            problems.add(None, header, f"item {item.id!r} mapped twice in {map_name}",
                         "each item from one column")
            continue
        if kind == "flag":
            out = []
            for (row, _), v in zip(table.rows, values, strict=True):
                flag = matching.flag_value(v)
                if flag is None:
                    problems.add(row, header, v, "Y or blank (or 1/0) in a multiple-choice column")
                out.append("" if flag is None else str(flag))
            cells[item.id] = out
            flag_groups.setdefault("|".join(group_of.get(item.id, (item.id,))), []).append(item.id)
        elif kind == "date" or item.type == "date":
            out = []
            for (row, _), v in zip(table.rows, values, strict=True):
                when = parse_timestamp(v, mapping.date_order) if v else None
                if v and when is None:
                    problems.add(row, header, v, "a timestamp or date (e.g. 2017/05/14 10:23:45)")
                out.append(when.isoformat() if when else "")
            cells[item.id] = out
        elif item.type in CODED_TYPES:
            cells[item.id] = _coded(table, col, entry, item, codebook, values, problems, map_name)
        else:
            cells[item.id] = values

    # A multiple-choice question left wholly blank was not answered: missing, not "none".
    for group in flag_groups.values():
        columns = [table.values(table.column(h)) for h, e in mapping.columns.items()
                   if e and e.get("kind") == "flag" and e.get("item") in group
                   and table.column(h) is not None]
        for r in range(n):
            if all(c[r] == "" for c in columns):
                for item_id in group:
                    cells[item_id][r] = ""

    for name, value in mapping.constants.items():
        if name in cells:
            problems.add(None, name, f"a constant for item {name!r}, which column "
                         f"{next(h for h, e in mapping.columns.items() if e and e.get('item') == name)!r} "
                         "already holds", "a constant only for an item the export lacks")
        cells[name] = [value] * n
    if codebook.id_column not in cells:
        width = max(4, len(str(start + n)))
        cells[codebook.id_column] = [f"{mapping.id_prefix}{i:0{width}d}"
                                     for i in range(start + 1, start + n + 1)]
    for it in codebook.items:
        if it.required and it.id not in cells:
            problems.add(None, it.id, "no column or constant for it",
                         f"a column mapped to {it.id!r} in {os.fspath(mapping.path)}, or "
                         f"--set {it.id}=VALUE (item {it.id!r} is required)")
    problems.raise_if_any()
    return {it.id: cells.get(it.id, [""] * n) for it in codebook.items}


def _coded(table, col, entry, item, codebook, values, problems, map_name) -> list[str]:
    given = {io._clean(str(k)).casefold(): v for k, v in (entry.get("values") or {}).items()}
    scale = codebook.scales[item.response_scale]
    valid = scale.all_codes()
    out = []
    for (row, _), v in zip(table.rows, values, strict=True):
        if v == "":
            out.append("")
            continue
        key = v.casefold()
        if key in given:
            out.append("" if given[key] is None else str(given[key]))
            continue
        if v.lstrip("+-").isdigit() and int(v) in valid:
            out.append(str(int(v)))
            continue
        label = col.value_labels.get(v)
        code, s = matching.match_value(label or v, codebook, item)
        if code is not None:
            hint = f"; it reads as code {code} ({valid[code]['bg']!r}): add \"{v}\": {code}"
        else:
            code, s = matching.nearest(label or v, codebook, item)
            hint = (f"; the nearest label is code {code} ({valid[code]['bg']!r}): add "
                    f"\"{v}\": {code} if that is what it means" if code is not None else "")
        problems.add(row, col.name, v, f"an answer listed under columns.{col.name}.values in "
                     f"{map_name} or a code of scale {scale.name!r}{hint}")
        out.append("")
    return out


def _checkbox(table, col, entry, values, cells, problems, map_name) -> None:
    options: dict[str, str] = entry.get("options") or {}
    targets = list(dict.fromkeys(options.values()))
    for item_id in targets:
        cells[item_id] = []
    blank = str(entry.get("blank", "missing"))
    for (row, _), v in zip(table.rows, values, strict=True):
        if v == "":
            for item_id in targets:
                cells[item_id].append("0" if blank == "0" else "")
            continue
        found, left = matching.split_options(v, list(options))
        if left:
            near = max(options, key=lambda o: matching.score(left, o), default="")
            problems.add(row, col.name, left, f"an option listed under columns.{col.name}.options "
                         f"in {map_name} (nearest: {near!r} -> {options.get(near)})")
        chosen = {options[o] for o in found}
        for item_id in targets:
            cells[item_id].append("1" if item_id in chosen else "0")


def _write_checked(frame: dict[str, list[str]], codebook: Codebook, out: Path, lang: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if out.suffix.lower() == ".sav":
            _write_sav(frame, codebook, tmp, lang)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(list(frame))
                writer.writerows(zip(*frame.values(), strict=True))
        try:
            io.validate_file(tmp, codebook)
        except DataError as err:  # name the output, not the temporary file
            raise DataError([Problem(out.name, p.row, p.column, p.value, p.expected)
                             for p in err.problems]) from None
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _write_sav(frame: dict[str, list[str]], codebook: Codebook, path: Path, lang: str) -> None:
    import pandas as pd
    import pyreadstat  # only .sav output needs it

    data = {}
    labels = {}
    for it in codebook.items:
        values = frame[it.id]
        if it.type in CODED_TYPES or it.type in ("integer", "numeric"):
            data[it.id] = pd.to_numeric(pd.Series(values, dtype=object).replace("", None),
                                        errors="coerce").astype("float64")
        else:
            data[it.id] = pd.Series(values, dtype=object).astype(str)
        if it.type in CODED_TYPES:
            scale = codebook.scales[it.response_scale]  # type: ignore[index]
            labels[it.id] = {float(c): t[lang] for c, t in scale.all_codes().items()}
    df = pd.DataFrame(data)
    pyreadstat.write_sav(df, os.fspath(path), variable_value_labels=labels,
                         column_labels=[it.text[lang] for it in codebook.items])
