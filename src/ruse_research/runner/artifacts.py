"""Artifact export: the tables and figures a notebook displayed, written as files.

Follows the notebook-runner contract of :mod:`ruse_research.contract`: tables are outputs with
the MIME type :data:`~ruse_research.contract.TABLE_MIME` (written as ``tables/<name>.csv`` and
``.xlsx``, deterministic bytes, spreadsheet formulas defused), figures are outputs whose
metadata is ``{"ruse": {"kind": "figure", "name": ...}}`` (written as ``figures/<name>.png`` and
``.svg``). Names are checked with :func:`~ruse_research.contract.check_artifact_name`.

Examples
--------
>>> import tempfile, pathlib
>>> nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "metadata": {},
...        "data": {TABLE_MIME: {"name": "t", "caption": "", "columns": ["n"], "index": [0], "data": [[5]]}}}]}]}
>>> extract_artifacts(nb, pathlib.Path(tempfile.mkdtemp()))
(['t'], [])
"""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime
from pathlib import Path

from ruse_research.contract import META_KEY, TABLE_MIME, check_artifact_name, payload_to_frame
from ruse_research.deterministic import fixed_zip

#: Entry date and document stamp of every exported XLSX (same table, same bytes).
XLSX_DATE = (2000, 1, 1, 0, 0, 0)
XLSX_STAMP = b"2000-01-01T00:00:00Z"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def defuse_formulas(frame):
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe.

    Respondent text and labels go into CSV/XLSX files that people open in Excel, where a
    cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab/carriage return) is executed
    (OWASP "CSV injection"). Numbers are left alone; only strings are changed, in the cells
    and in the row and column labels.

    Examples
    --------
    >>> import pandas as pd
    >>> defuse_formulas(pd.DataFrame({"q": ["=HYPERLINK(1)", "ok", -1]}))["q"].tolist()
    ["'=HYPERLINK(1)", 'ok', -1]
    """
    import pandas as pd

    def defuse(value):
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value

    def defuse_axis(axis):
        if isinstance(axis, pd.MultiIndex):
            return pd.MultiIndex.from_tuples(
                [tuple(defuse(v) for v in key) for key in axis], names=axis.names
            )
        return pd.Index([defuse(v) for v in axis], name=axis.name)

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(defuse)
    out.columns = defuse_axis(out.columns)
    if not isinstance(out.index, pd.RangeIndex):
        out.index = defuse_axis(out.index)
    return out


def write_table(payload: dict, folder: Path) -> str:
    """Write ``<name>.csv`` (UTF-8) and ``<name>.xlsx`` (deterministic bytes) for a table bundle.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_table({"name": "t", "caption": "", "columns": ["n"], "index": [0, 1], "data": [[5], [6]]}, folder)
    't'
    >>> (folder / "t.csv").read_text()
    'n\\n5\\n6\\n'
    """
    import pandas as pd

    name = str(payload.get("name", ""))
    frame = defuse_formulas(payload_to_frame(payload))
    default_index = isinstance(frame.index, pd.RangeIndex) or (
        not isinstance(frame.index, pd.MultiIndex) and list(frame.index) == list(range(len(frame)))
    )
    keep_index = not default_index or isinstance(frame.columns, pd.MultiIndex)
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{name}.csv", index=keep_index, encoding="utf-8", lineterminator="\n")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=name[:31] or "table", index=keep_index)
        props = writer.book.properties
        props.created = props.modified = datetime(2000, 1, 1)
        props.creator = props.lastModifiedBy = "ruse_research"
    (folder / f"{name}.xlsx").write_bytes(fixed_zip(buffer.getvalue(), date_time=XLSX_DATE, stamp=XLSX_STAMP))
    return name


def extract_artifacts(nb: dict, folder: Path) -> tuple[list[str], list[str]]:
    """Write the tables and figures a notebook displayed into ``folder``; return their names.

    Raises
    ------
    ruse_research.contract.ContractError
        When a table or figure name is not ``[a-z0-9_]+`` or is used twice.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> bad = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data",
    ...        "data": {"image/png": ""}, "metadata": {"ruse": {"kind": "figure", "name": "Bad"}}}]}]}
    >>> extract_artifacts(bad, pathlib.Path(tempfile.mkdtemp()))
    Traceback (most recent call last):
    ruse_research.contract.ContractError: figure name 'Bad' is not allowed; expected lower-case letters, digits and _
    """
    tables: list[str] = []
    figures: list[str] = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data") or {}
            meta = (output.get("metadata") or {}).get(META_KEY) or {}
            if TABLE_MIME in data:
                payload = data[TABLE_MIME]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                name = check_artifact_name("table", str(payload.get("name", "")), tables)
                write_table(payload, folder / "tables")
                tables.append(name)
            elif meta.get("kind") == "figure":
                name = check_artifact_name("figure", str(meta.get("name", "")), figures)
                write_figure(data, name, folder / "figures")
                figures.append(name)
    return tables, figures


def write_figure(data: dict, name: str, folder: Path) -> None:
    """Write ``<name>.png`` and ``<name>.svg`` from a figure bundle (whichever it holds).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_figure({"image/svg+xml": ["<svg>", "</svg>"]}, "f", folder)
    >>> (folder / "f.svg").read_text()
    '<svg></svg>'
    """
    folder.mkdir(parents=True, exist_ok=True)
    if "image/png" in data:
        (folder / f"{name}.png").write_bytes(base64.b64decode(data["image/png"]))
    if "image/svg+xml" in data:
        svg = data["image/svg+xml"]
        svg = "".join(svg) if isinstance(svg, list) else svg
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
