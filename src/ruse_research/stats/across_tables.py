"""Disclosure across the published tables of a run: one check, in the kernel and in the runner.

:mod:`ruse_research.stats.differencing` lets a study hide the counts that its own tables
would let a reader subtract. This module looks at what a run actually publishes: the table
payloads of its outputs (the same payloads that become ``tables/<name>.csv|.xlsx`` and the
tables of ``report.html``). :class:`AcrossTables` registers each visible count in one
:class:`~ruse_research.stats.differencing.Register` for the whole run. It runs twice with the
same code: ``display.tables.show_table`` checks every table against those shown before it in
the kernel (so the notebook itself, as JupyterLab and the stored demo outputs show it, hides
what the report hides), and the runner (``runner.crosscheck``) checks the executed notebook
again before anything is exported, so that a notebook that displays tables some other way
publishes nothing more:

* the **count columns** of a table are those ``show_table`` guarded (the payload's
  ``counts``; in older payloads, integer columns headed ``n`` or ``n (...)``);
* a count's **cell** is what a reader sees it describe: the row's label cells (text, raw and
  index columns) as ``(header, value)`` pairs, plus the count column's header when it is not
  plain ``n`` (``n (2)``, a column of a cross-table), or, when the payload's ``count_cells``
  says what the column counts (a wave-change table's ``n (1)`` counts wave 1), those labels
  instead, so that it meets the same wave's counts of other tables. Tables built from the same labels nest:
  ``{Scale: A, Grouped by: Unit}`` (a test's n) contains ``{..., Group: Legal}`` (a mean's n);
* the population of such a cell is the run: two counts are compared when their cells are
  equal or nested, or when one is a cell and the others its breakdown by one more label;
* a table may also say whom its counts count (the payload's ``population``, from
  ``contract.POPULATION``: :func:`population_entries`): ``who`` plus the values of its ``per``
  columns name the population (``staff: Scale=psm``), its ``cell`` columns (or ``[dimension,
  value]`` pairs: ``Grouped by`` = Unit and ``Group`` = Legal give ``(Unit, Legal)``) the
  subgroup, and columns it does not name only say how the people were analysed. Each count is
  then compared a second time, with every count of the same population however labelled: the
  tests of one scale by unit and by position both count ``{}`` of ``staff: Scale=psm``, so a
  difference of 2 between them (the unit left out) is found, and the group means by unit are
  a breakdown of either. Tables that declare nothing are compared only as cells of the run.

A count that would, with one published before it, reveal a group of 1 to ``MIN_CELL - 1``
(two counts of the same cell, a cell and a sub-cell, a cell and the sum of its breakdown) is
hidden (in either comparison), with the other numbers of its row (a mean goes with its count,
or the overall and subgroup means would recombine to the small rest's mean: the numbers the
other count's row publishes too, or those the population declares as its ``stats``; a test's H
does not recombine), in the payload, the HTML and the plain text of the output, and the table
gets the report's note on hidden numbers. It is never a failure, and no note names a count.
Already hidden counts (empty cells) are never compared.

Only counts published in tables are seen. Means published without their counts (notebook 03's
panel weights: overall and by rater group, whose difference would give the rest's weights) and
counts in sentences stay the study's own in-kernel check (``studies.participation.panel_weights``
registers them in a :class:`~ruse_research.stats.differencing.Register`).

Examples
--------
>>> def out(name, rows):
...     return {"output_type": "display_data", "metadata": {}, "data": {TABLE_MIME: {
...         "name": name, "columns": ["Scale", "n"], "index": list(range(len(rows))),
...         "data": rows, "formats": ["text", "int"], "counts": [1], "show_index": False}}}
>>> nb = {"cells": [{"cell_type": "code", "outputs": [out("a", [["psm", 55]]), out("b", [["psm", 53]])]}]}
>>> [f.table for f in check_run(nb, "Some numbers are hidden.")]
['b']
>>> nb["cells"][0]["outputs"][1]["data"][TABLE_MIME]["data"]
[['psm', None]]
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ruse_research.contract import TABLE_MIME
from ruse_research.stats.differencing import Finding, Register

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["AcrossTables", "check_run", "count_columns", "entries", "population_entries"]

#: The population of every published count: the run (the cells say who is counted).
POPULATION = "run"
_N_HEADER = re.compile(r"^n(?:$|\s*\()")
_LABEL_FORMATS = ("text", "raw")
#: What an empty cell shows (the report's sign for "no value").
NA_TEXT = "–"


def notebook_outputs(nb: dict) -> Iterator[dict]:
    """Every output of ``nb``'s code cells, in order."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            yield from cell.get("outputs", [])


def _table_outputs(outputs: Iterable[dict]) -> Iterator[tuple[dict, dict]]:
    for output in outputs:
        payload = (output.get("data") or {}).get(TABLE_MIME)
        if isinstance(payload, dict) and isinstance(payload.get("data"), list):
            yield output, payload


def _header(label: Any) -> str:
    if isinstance(label, list):
        return " / ".join(str(x) for x in label if x not in (None, ""))
    return "" if label is None else str(label)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def count_columns(payload: dict) -> list[int]:
    """Positions of the count columns of a table payload.

    Examples
    --------
    >>> count_columns({"columns": ["n", "Mean"], "data": [[5, 1.5]], "formats": ["int", "num:2"]})
    [0]
    """
    if isinstance(payload.get("counts"), list):
        return [int(c) for c in payload["counts"]]
    formats = payload.get("formats") or []
    return [pos for pos, label in enumerate(payload.get("columns", []))
            if _N_HEADER.match(_header(label)) and pos < len(formats) and formats[pos] == "int"]


def _label_columns(payload: dict, counts: list[int]) -> list[int]:
    formats = payload.get("formats") or []
    rows = payload["data"]
    labels = []
    for pos in range(len(payload.get("columns", []))):
        if pos in counts:
            continue
        fmt = formats[pos] if pos < len(formats) else None
        if fmt in _LABEL_FORMATS or (fmt is None and not all(
                _is_number(r[pos]) or r[pos] is None for r in rows)):
            labels.append(pos)
    return labels


def entries(payload: dict) -> list[tuple[int, int, frozenset, Any]]:
    """``(row, column, cell, count)`` of every count in a table payload (``None``: hidden).

    Examples
    --------
    >>> p = {"columns": ["Group", "n"], "index": [0], "data": [["NGOs", 76]], "formats": ["text", "int"]}
    >>> entries(p)
    [(0, 1, frozenset({('Group', 'NGOs')}), 76)]
    """
    counts = count_columns(payload)
    labels = _label_columns(payload, counts)
    columns = payload.get("columns", [])
    index_names = payload.get("index_names") or []
    show_index = bool(payload.get("show_index", False))
    described = payload.get("count_cells") or {}
    out = []
    for row, values in enumerate(payload["data"]):
        pairs = {(_header(columns[c]), _header(values[c])) for c in labels}
        if show_index and row < len(payload.get("index", [])):
            index = payload["index"][row]
            index = index if isinstance(index, list) else [index]
            for level, value in enumerate(index):
                name = _header(index_names[level]) if level < len(index_names) else f"index {level}"
                pairs.add((name or f"index {level}", _header(value)))
        if not pairs:  # a table without labels (one test's n): it describes only itself
            pairs = {("table", str(payload.get("name", "")))}
        for c in counts:
            header = _header(columns[c])
            declared = described.get(str(c))
            if declared:  # the table says what this column counts (contract.COUNT_CELLS)
                cell = pairs | {(_header(h), _header(v)) for h, v in declared}
            else:
                cell = pairs | ({("column", header)} if header != "n" else set())
            value = values[c]
            out.append((row, c, frozenset(cell), value if _is_number(value) else None))
    return out


def population_entries(payload: dict) -> list[tuple[int, int, str, frozenset, Any]]:
    """``(row, column, population, cell, count)`` of every count of a table that declares its
    population (the payload's ``population``, ``contract.POPULATION``); empty when it does not.

    Examples
    --------
    >>> p = {"columns": ["Scale", "Grouped by", "n"], "index": [0], "data": [["psm", "Unit", 53]],
    ...      "formats": ["text", "text", "int"], "counts": [2],
    ...      "population": {"who": "staff", "per": [0], "cell": [], "columns": {}}}
    >>> population_entries(p)
    [(0, 2, 'staff: Scale=psm', frozenset(), 53)]
    """
    spec = payload.get("population")
    if not isinstance(spec, dict) or not spec.get("who"):
        return []
    headers = [_header(c) for c in payload.get("columns", [])]
    described = payload.get("count_cells") or {}
    own = spec.get("columns") or {}

    def pairs(values: list, items: list) -> set:
        return {(_header(values[i[0]]), _header(values[i[1]])) if isinstance(i, list)
                else (headers[i], _header(values[i])) for i in items}

    out = []
    for row, values in enumerate(payload["data"]):
        per = ", ".join(f"{headers[p]}={_header(values[p])}" for p in spec.get("per", []))
        population = f"{spec['who']}: {per}" if per else str(spec["who"])
        for c in count_columns(payload):
            key = str(c)
            cell = pairs(values, own.get(key, spec.get("cell", [])))
            cell |= {(_header(h), _header(v)) for h, v in described.get(key, [])}
            if key not in own and key not in described and headers[c] != "n":
                cell.add(("column", headers[c]))  # several count columns: each its own cell
            value = values[c]
            out.append((row, c, population, frozenset(cell), value if _is_number(value) else None))
    return out


class AcrossTables:
    """The counts published so far in one run, and what they hide in the tables that follow.

    ``note`` is the sentence a table gets when numbers are hidden in it (the report's
    language; it names no count).
    """

    def __init__(self, note: str) -> None:
        self.note = note
        self.register = Register()
        # (table, population, cell) -> the numbers of the row of a shown count
        self.shown: dict[tuple[str, str, frozenset], dict[str, float]] = {}

    def check(self, outputs: Iterable[dict]) -> list[Finding]:
        """Hide, in the table ``outputs`` (display bundles, changed in place), every count that
        a count published before would turn into a group below ``MIN_CELL``; return the findings.

        Tables are taken in order and, within a table, larger counts first: of two counts
        that differ by a few, the smaller one (which left someone out) is hidden.
        """
        reg, shown, findings = self.register, self.shown, []
        for output, payload in _table_outputs(outputs):
            name = str(payload.get("name", ""))
            counts = count_columns(payload)
            numbers = [c for c in range(len(payload.get("columns", [])))
                       if c not in counts and c not in _label_columns(payload, counts)]
            headers = [_header(c) for c in payload.get("columns", [])]
            # every count is compared as a cell of the run and, when the table declares whom it
            # counts, as a cell of that population
            keys: dict[tuple[int, int], list[tuple[str, frozenset]]] = {}
            for row, col, cell, _ in entries(payload):
                keys[(row, col)] = [(POPULATION, cell)]
            for row, col, population, cell, _ in population_entries(payload):
                keys.setdefault((row, col), []).append((population, cell))
            declared = payload.get("population")
            stats = [int(c) for c in declared["stats"]] if isinstance(declared, dict) and isinstance(
                declared.get("stats"), list) else None
            hide: dict[int, set[int]] = {}
            for row, col, _, n in sorted(entries(payload), key=lambda e: (-(e[3] or -1), e[0], e[1])):
                values = payload["data"][row]
                found = None if n is None else next(
                    ((hit, pop, cell) for pop, cell in keys[(row, col)]
                     if (hit := reg.conflict(pop, cell, int(n))) is not None), None)
                if found is None:
                    for pop, cell in keys[(row, col)]:
                        reg.register(name, pop, cell, n)
                        if n is not None:
                            shown[(name, pop, cell)] = {headers[c]: values[c] for c in numbers
                                                        if _is_number(values[c])}
                    continue
                (other, kind), pop, cell = found
                finding = Finding(name, other.table, pop, tuple(sorted(cell, key=str)), kind)
                reg.findings.append(finding)
                findings.append(finding)
                for p, c in keys[(row, col)]:
                    reg.register(name, p, c, None)  # hidden: never compared again
                partner = shown.get((other.table, other.population, other.cell), {})
                # a statistic published for both cells (overall and subgroup means) recombines
                # to the small rest's: it goes with the count (a table that declares its population
                # may name these statistics; a test's H does not recombine)
                goes = [c for c in numbers if headers[c] in partner] if stats is None else stats
                hide.setdefault(row, set()).update({col} | {c for c in goes if _is_number(values[c])})
            if hide:
                _hide(output, payload, hide, self.note)
        return findings


def check_run(nb: dict, note: str) -> list[Finding]:
    """Check every table output of the notebook ``nb`` as one run (see :class:`AcrossTables`)."""
    return AcrossTables(note).check(notebook_outputs(nb))


def _hide(output: dict, payload: dict, hide: dict[int, set[int]], note: str) -> None:
    """Blank the cells in ``hide`` (row -> columns) in the payload, the HTML and the plain text."""
    cells = {row: sorted(cols) for row, cols in hide.items()}
    for row, cols in cells.items():
        for c in cols:
            payload["data"][row][c] = None
    data = output["data"]
    if isinstance(data.get("text/html"), list):  # nbformat's multiline form on disk
        data["text/html"] = "".join(data["text/html"])
    if isinstance(data.get("text/html"), str):
        data["text/html"] = _hide_html(data["text/html"], cells, note,
                                       index_cells=_shown_index_levels(payload))
        data["text/plain"] = _plain_from_html(data["text/html"], payload.get("caption"), note)


def _shown_index_levels(payload: dict) -> int:
    if not payload.get("show_index"):
        return 0
    index = payload.get("index") or [None]
    return len(index[0]) if isinstance(index[0], list) else 1


_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r"<(td|th)([^>]*)>(.*?)</\1>", re.S)
_EMPTY = f'<td class="text">{html_lib.escape(NA_TEXT)}</td>'


def _hide_html(page: str, cells: dict[int, list[int]], note: str, index_cells: int) -> str:
    """The table HTML of :mod:`ruse_research.display.tables` with ``cells`` emptied and the note."""
    start, end = page.find("<tbody>"), page.find("</tbody>")
    if start < 0 or end < 0:
        return page
    body = page[start:end]
    rows = _ROW.findall(body)
    transposed = "ruse-transposed" in page[:start]
    new_rows = []
    for r, row in enumerate(rows):
        parts = list(_CELL.finditer(row))
        tds = [m for m in parts if m.group(1) == "td"]
        targets: set[int] = set()
        if transposed:  # one line per column: header cell, value cell
            for c in cells.get(0, []):
                if r == index_cells + c and tds:
                    targets.add(0)
        else:
            targets = set(cells.get(r, []))
        text = row
        for t in sorted(targets, reverse=True):
            if t < len(tds):
                m = tds[t]
                text = text[: m.start()] + _EMPTY + text[m.end():]
        new_rows.append(f"<tr>{text}</tr>")
    new_body = "<tbody>" + "".join(new_rows)
    page = page[:start] + new_body + page[end:]
    escaped = html_lib.escape(note)
    if "<tfoot>" in page:
        return re.sub(r"(<tfoot><tr><td[^>]*>)(.*?)(</td></tr></tfoot>)",
                      lambda m: f"{m.group(1)}{m.group(2)} {escaped}{m.group(3)}"
                      if escaped not in m.group(2) else m.group(0), page, count=1, flags=re.S)
    span = max((len(_CELL.findall(r)) for r in rows), default=1)
    return page.replace("</table>", f'<tfoot><tr><td colspan="{span}">{escaped}</td></tr></tfoot></table>', 1)


def _plain_from_html(page: str, caption: Any, note: str) -> str:
    """The ``text/plain`` form of a table rebuilt from its (already hidden) HTML."""
    import pandas as pd

    def texts_of(fragment: str) -> list[str]:
        return [html_lib.unescape(re.sub(r"<[^>]+>", "", m.group(3))) for m in _CELL.finditer(fragment)]

    head = page[page.find("<thead>"): page.find("</thead>")] if "<thead>" in page else ""
    body = page[page.find("<tbody>"): page.find("</tbody>")]
    rows = [texts_of(r) for r in _ROW.findall(body)]
    headers = texts_of(head)
    width = max((len(r) for r in rows), default=0)
    if len(headers) != width:
        headers = [""] * width
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=headers, dtype="object")
    plain = frame.to_string(index=False)
    if caption:
        plain = f"{caption}\n{plain}"
    tfoot = re.search(r"<tfoot>.*?<td[^>]*>(.*?)</td>", page, re.S)
    return f"{plain}\n{html_lib.unescape(tfoot.group(1)) if tfoot else note}"
