"""Tables: the display bundle of a published table and the small-count guard in front of it.

:func:`show_table` displays a DataFrame as a bundle with ``text/html`` (numbers formatted for
the report's language, every text escaped), ``text/plain`` and the machine-readable
:data:`~ruse_research.contract.TABLE_MIME` payload the runner saves as
``tables/<name>.csv|.xlsx`` (contract: :mod:`ruse_research.contract`). Count columns may not
publish 1 to ``MIN_CELL - 1`` respondents (:mod:`ruse_research.stats.disclosure` is the one
home of the thresholds).

Examples
--------
>>> import pandas as pd
>>> data, meta = table_bundle(pd.DataFrame({"n": [12]}), "demo", lang="en")
>>> meta
{'ruse': {'kind': 'table', 'name': 'demo'}}
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ruse_research.contract import (
    ARTIFACT_NAME,
    COUNT_CELLS,
    META_KEY,
    P_HEADER,
    POPULATION,
    STAT_COLUMNS,
    TABLE_MIME,
    payload_to_frame,
)
from ruse_research.display import output
from ruse_research.display.catalog import COMMON, language, texts
from ruse_research.display.errors import ReportError
from ruse_research.display.formats import NA_TEXT, fmt_int, fmt_num, fmt_p, fmt_pct, fmt_stat, is_na
from ruse_research.display.output import NO_MATH, escape, json_value
from ruse_research.stats import across_tables
from ruse_research.stats.disclosure import MIN_CELL, DisclosureError


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid table/figure name (:data:`contract.ARTIFACT_NAME`), else raise.

    Uniqueness within a notebook is checked by the runner (``contract.check_artifact_name``).

    Examples
    --------
    >>> check_name("staff_alpha")
    'staff_alpha'
    """
    if not isinstance(name, str) or not ARTIFACT_NAME.fullmatch(name):
        raise ReportError(
            f"bad table/figure name {name!r}: use lower-case letters, digits and '_' only"
        )
    return name


def _as_count(v: Any) -> Any:
    """Whole-number float counts (a column with NA becomes float) back to int for JSON."""
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    return v


def _label_text(label: Any) -> str:
    if isinstance(label, tuple):
        return " / ".join(str(x) for x in label if not is_na(x) and str(x) != "")
    return "" if is_na(label) else str(label)


def _count_columns(df: pd.DataFrame, extra: Iterable[Any]) -> list[Any]:
    extra = list(extra)
    unknown = [c for c in extra if c not in df.columns]
    if unknown:
        raise ReportError(f"count_columns not in the table: {unknown}")
    cols = []
    for col in df.columns:
        parts = col if isinstance(col, tuple) else (col,)
        named = any(isinstance(p, str) and (p == "n" or p.startswith("n_")) for p in parts)
        if named or col in extra:
            cols.append(col)
    return cols


def check_counts(df: pd.DataFrame, count_columns: Iterable[Any] = (), name: str = "table") -> None:
    """Raise if a count column holds a value in (0, 5): it would describe < 5 respondents.

    Count columns are those named ``n`` or starting with ``n_`` plus ``count_columns``.
    Suppressed cells must be NA (or a text such as ``"<5"``); zero is allowed.

    Examples
    --------
    >>> import pandas as pd
    >>> check_counts(pd.DataFrame({"n": [12, 0, None]}))
    >>> try:
    ...     check_counts(pd.DataFrame({"n": [12, 3]}))
    ... except DisclosureError as err:
    ...     print(err)
    table: column 'n' row 1 holds fewer than 5 respondents; suppress it (NA) first, e.g. with ruse_research.stats.disclosure
    """
    for col in _count_columns(df, count_columns):
        values = pd.to_numeric(df[col].astype("object"), errors="coerce")
        bad = values[(values > 0) & (values < MIN_CELL)]
        if len(bad):
            pos = int(np.flatnonzero(((values > 0) & (values < MIN_CELL)).to_numpy())[0])
            # the value itself is not named: failure messages are published (failed/)
            raise DisclosureError(
                f"{name}: column {_label_text(col)!r} row {pos} holds fewer than "
                f"{MIN_CELL} respondents; suppress it (NA) first, e.g. with ruse_research.stats.disclosure"
            )


def _cell_text(
    v: Any,
    lang: str,
    digits: int,
    percent: bool,
    count: bool,
    raw: bool = False,
    pct_digits: int = 1,
    kind: str | None = None,
) -> tuple[str, bool]:
    """(display text, is_number) of one cell; ``kind`` "p" (a p value) or "stat" (a statistic)."""
    if is_na(v):
        return NA_TEXT, False
    if raw:
        return str(_as_count(v)), isinstance(v, numbers.Number)
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)), False
    if isinstance(v, numbers.Number):
        if kind == "p":
            return fmt_p(v, lang, symbol=False), True
        if kind == "stat":
            return fmt_stat(v, lang, digits), True
        if percent:
            return fmt_pct(v, lang, pct_digits), True
        if count or isinstance(v, numbers.Integral):
            return fmt_int(v, lang), True
        return fmt_num(v, lang, digits), True
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat(), False
    return str(v), False


def _digits_for(col: Any, digits: int | Mapping[Any, int]) -> int:
    if isinstance(digits, Mapping):
        return digits.get(col, 2)
    return digits


def _export_format(column: pd.Series, raw: bool, percent: bool, count: bool, digits: int,
                   pct_digits: int) -> str:
    """How the report shows a column, for the exported files: ``text``, ``raw``, ``int``,
    ``num:<decimals>`` or ``pct:<decimals>`` (decimals of the percentage).

    Examples
    --------
    >>> _export_format(pd.Series([0.5]), False, True, False, 2, 1), _export_format(pd.Series(["a"]), False, False, False, 2, 1)
    ('pct:1', 'text')
    """
    if raw:
        return "raw"
    values = [v for v in column.tolist() if not is_na(v)]
    if not values or not all(isinstance(v, numbers.Number) and not isinstance(v, (bool, np.bool_))
                             for v in values):
        return "text"
    if percent:
        return f"pct:{pct_digits}"
    if count or all(isinstance(v, numbers.Integral) for v in values):
        return "int"
    return f"num:{digits}"


def table_bundle(
    df: pd.DataFrame,
    name: str,
    caption: str | None = None,
    lang: str | None = None,
    *,
    digits: int | Mapping[Any, int] = 2,
    percent_columns: Sequence[Any] = (),
    pct_digits: int = 1,
    count_columns: Sequence[Any] = (),
    raw_columns: Sequence[Any] = (),
    show_index: bool | None = None,
    note: str | None = None,
    source: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build the ``(data, metadata)`` display bundle of :func:`show_table` without showing it."""
    check_name(name)
    if not isinstance(df, pd.DataFrame):
        if isinstance(df, pd.Series):
            df = df.to_frame()
        else:
            raise ReportError(f"show_table needs a pandas DataFrame, got {type(df).__name__}")
    if df.columns.has_duplicates:
        raise ReportError(
            f"{name}: duplicate column names {list(df.columns[df.columns.duplicated()])}"
        )
    for what, wanted in (("percent_columns", percent_columns), ("raw_columns", raw_columns)):
        absent = [c for c in wanted if c not in df.columns]
        if absent:
            raise ReportError(f"{name}: {what} not in the table: {absent}")
    check_counts(df, count_columns, name)
    counts = set(_count_columns(df, count_columns))
    lang = language(lang, caption, note, where=f"show_table {name!r}")
    # p values by their header (contract.P_HEADER), statistics as the builder marked them
    kinds = {c: "p" for c in df.columns if P_HEADER.match(_label_text(c))}
    kinds.update({c: "stat" for c in df.attrs.get(STAT_COLUMNS, ()) if c in df.columns and c not in kinds})
    if show_index is None:
        show_index = not isinstance(df.index, pd.RangeIndex) or df.index.name is not None
    if df.attrs.get("disclosure_notes"):  # counts hidden by stats.differencing
        extra = texts(COMMON, lang)("note_differencing", k=fmt_int(MIN_CELL, lang))
        note = f"{note} {extra}" if note else extra

    # ---- formatted cells (shared by html and plain)
    cells: list[list[tuple[str, bool]]] = []
    for row in df.itertuples(index=False, name=None):
        cells.append(
            [
                _cell_text(
                    v,
                    lang,
                    _digits_for(c, digits),
                    c in percent_columns,
                    c in counts,
                    c in raw_columns,
                    pct_digits,
                    kinds.get(c),
                )
                for c, v in zip(df.columns, row, strict=True)
            ]
        )
    index_levels = df.index.nlevels
    index_rows = [i if isinstance(i, tuple) else (i,) for i in df.index]
    index_names = [_label_text(n) for n in df.index.names]
    headers = [_label_text(c) for c in df.columns]

    # ---- text/html
    if len(cells) == 1 and len(headers) > TRANSPOSE_ABOVE:
        out = _transposed_html(name, caption, note, headers, cells[0],
                               list(zip(index_names, index_rows[0], strict=True)) if show_index else [], lang)
    else:
        out = _wide_html(name, caption, note, headers, cells, index_names, index_rows, show_index, lang)

    # ---- text/plain
    plain_frame = pd.DataFrame(
        [[t for t, _ in row] for row in cells],
        columns=headers,
        index=pd.MultiIndex.from_tuples(
            [tuple(_cell_text(i, lang, 2, False, False)[0] for i in idx) for idx in index_rows]
        )
        if index_levels > 1
        else [_cell_text(i[0], lang, 2, False, False)[0] for i in index_rows],
        dtype="object",
    )
    plain = plain_frame.to_string(index=show_index)
    if caption:
        plain = f"{caption}\n{plain}"
    if note:
        plain = f"{plain}\n{note}"

    # ---- application/vnd.ruse.table+json (pandas split orient, JSON-safe)
    table_json = {
        "name": name,
        "caption": None if caption is None else str(caption),
        "columns": [json_value(c) for c in df.columns],
        "index": [json_value(i) for i in df.index],
        "data": [
            [
                json_value(_as_count(v) if c in counts else v)
                for c, v in zip(df.columns, row, strict=True)
            ]
            for row in df.itertuples(index=False, name=None)
        ],
        "index_names": [json_value(n) for n in df.index.names],
        # for the exported files: whether the report shows the index, and each column's
        # shown precision (the runner rounds CSV/XLSX to it; the payload keeps every digit)
        "show_index": bool(show_index),
        "formats": [
            _export_format(df[c], c in raw_columns, c in percent_columns, c in counts,
                           _digits_for(c, digits), pct_digits)
            for c in df.columns
        ],
        # the guarded count columns: the runner checks them across the run's tables
        "counts": [pos for pos, c in enumerate(df.columns) if c in counts],
    }
    described = df.attrs.get(COUNT_CELLS) or {}
    if described:  # what a count column describes beyond its row (contract.COUNT_CELLS)
        table_json["count_cells"] = {
            str(pos): [[str(h), str(v)] for h, v in described[c].items()]
            for pos, c in enumerate(df.columns) if c in counts and c in described}
    if df.attrs.get(POPULATION):  # whom the counts count (contract.POPULATION)
        table_json["population"] = _population_payload(df.attrs[POPULATION], list(df.columns), counts, name)
    json.dumps(table_json, allow_nan=False)  # fail here, not in the runner
    data = {"text/html": "".join(out), "text/plain": plain, TABLE_MIME: table_json}
    meta: dict[str, Any] = {"kind": "table", "name": name}
    if source:
        meta["source"] = str(source)  # real public figures: the runner marks them with it
    return data, {META_KEY: meta}



def _population_payload(declared: Mapping, columns: list, counts: set, name: str) -> dict:
    """The payload form of a :data:`~ruse_research.contract.POPULATION` declaration: headers
    become column positions (``cell`` items a position or a ``[dimension, value]`` pair of them).

    Examples
    --------
    >>> _population_payload({"who": "staff", "per": ["Scale"], "cell": [("By", "Group")]},
    ...                     ["Scale", "By", "Group", "n"], {"n"}, "t")
    {'who': 'staff', 'per': [0], 'cell': [[1, 2]], 'columns': {}}
    """
    def position(header):
        if header not in columns:
            raise ReportError(f"table {name!r}: its population names the column {header!r}, which "
                              f"it does not have; expected one of {', '.join(map(str, columns))}")
        return columns.index(header)

    def specs(items) -> list:
        return [[position(i[0]), position(i[1])] if isinstance(i, list | tuple) else position(i)
                for i in items]

    own = dict(declared.get("columns") or {})
    for header in own:
        if header not in counts:
            raise ReportError(f"table {name!r}: its population gives a cell to {header!r}, which is "
                              "not a count column; expected one of its count_columns")
    out = {"who": str(declared["who"]), "per": [position(h) for h in declared.get("per", ())],
           "cell": specs(declared.get("cell", ())),
           "columns": {str(position(h)): specs(items) for h, items in own.items()}}
    if declared.get("stats") is not None:  # the statistics that go with a hidden count
        out["stats"] = [position(h) for h in declared["stats"]]
    return out


#: A one-row table with more columns than this is shown transposed (one statistic per line),
#: so that it fits a report column and a phone; the exported files keep the wide layout.
TRANSPOSE_ABOVE = 8


def _wide_html(name, caption, note, headers, cells, index_names, index_rows, show_index, lang) -> list[str]:
    """The table as HTML, one row per data row."""
    index_levels = len(index_names)
    out = [f'<table class="ruse-table {NO_MATH}" data-ruse-name="{escape(name)}">']
    if caption:
        out.append(f"<caption>{escape(caption)}</caption>")
    out.append("<thead><tr>")
    if show_index:
        out += [f'<th scope="col">{escape(n)}</th>' for n in index_names]
    out += [f'<th scope="col">{escape(h)}</th>' for h in headers]
    out.append("</tr></thead><tbody>")
    for idx, row in zip(index_rows, cells, strict=True):
        out.append("<tr>")
        if show_index:
            out += [
                f'<th scope="row">{escape(_cell_text(i, lang, 2, False, False)[0])}</th>'
                for i in idx
            ]
        for text, is_number in row:
            # class for the report's CSS, inline style for JupyterLab / plain nbconvert
            attrs = ' class="num" style="text-align: right"' if is_number else ' class="text"'
            out.append(f"<td{attrs}>{escape(text)}</td>")
        out.append("</tr>")
    out.append("</tbody>")
    if note:
        span = len(headers) + (index_levels if show_index else 0)
        out.append(f'<tfoot><tr><td colspan="{span}">{escape(note)}</td></tr></tfoot>')
    out.append("</table>")
    return out


def _transposed_html(name, caption, note, headers, row, index_cells, lang) -> list[str]:
    """A one-row table as HTML with one line per column: header cell, value cell."""
    out = [f'<table class="ruse-table ruse-transposed {NO_MATH}" data-ruse-name="{escape(name)}">']
    if caption:
        out.append(f"<caption>{escape(caption)}</caption>")
    out.append("<tbody>")
    for label, value in index_cells:
        out.append(f'<tr><th scope="row">{escape(label)}</th>'
                   f'<td class="text">{escape(_cell_text(value, lang, 2, False, False)[0])}</td></tr>')
    for header, (text, is_number) in zip(headers, row, strict=True):
        attrs = ' class="num" style="text-align: right"' if is_number else ' class="text"'
        out.append(f'<tr><th scope="row">{escape(header)}</th><td{attrs}>{escape(text)}</td></tr>')
    out.append("</tbody>")
    if note:
        out.append(f'<tfoot><tr><td colspan="2">{escape(note)}</td></tr></tfoot>')
    out.append("</table>")
    return out


#: The check across the tables of the notebook being run (:mod:`ruse_research.stats.across_tables`),
#: started by :func:`start_report` (``front_matter`` calls it); ``None`` before: a table shown
#: on its own is checked only by the runner.
_ACROSS: across_tables.AcrossTables | None = None


def start_report(lang: Any) -> None:
    """Start a new report: tables shown from now on are checked against each other.

    Every table :func:`show_table` displays after this is checked against those displayed
    before it, with the runner's own check (:mod:`ruse_research.stats.across_tables`): a count
    that another published count would turn into a group below the threshold is hidden, with
    the report's note, before the kernel displays the table. So the notebook (in JupyterLab and
    in the stored demo outputs) hides what the published report hides.
    """
    global _ACROSS
    lang = language(lang, where="start_report")
    _ACROSS = across_tables.AcrossTables(texts(COMMON, lang)("note_differencing", k=fmt_int(MIN_CELL, lang)))


def show_table(
    df: pd.DataFrame,
    name: str,
    caption: str | None = None,
    lang: str | None = None,
    *,
    digits: int | Mapping[Any, int] = 2,
    percent_columns: Sequence[Any] = (),
    pct_digits: int = 1,
    count_columns: Sequence[Any] = (),
    raw_columns: Sequence[Any] = (),
    show_index: bool | None = None,
    note: str | None = None,
    source: str | None = None,
) -> None:
    """Display ``df`` as a named table the runner saves as ``tables/<name>.csv|.xlsx``.

    The bundle holds ``text/html`` (caption, numbers formatted for ``lang``, every cell,
    header and caption HTML-escaped), ``text/plain`` and ``application/vnd.ruse.table+json``
    (``name``, ``caption``, ``columns``, ``index``, ``data`` in pandas ``split`` orient, NaN
    -> null; plus ``index_names``), with metadata ``{"ruse": {"kind": "table", "name": name}}``.

    A column whose header is the symbol p (``p``, ``p value``, ``p-стойност``, ``p (Holm)``;
    :data:`~ruse_research.contract.P_HEADER`) is shown as p values (``< 0.001``, ``0.042``);
    columns a table builder lists in ``df.attrs[contract.STAT_COLUMNS]`` (statistics, degrees of
    freedom) are shown without trailing zeros (``3``, ``210.5``). The JSON keeps the numbers.

    Privacy guard: count columns (named ``n``, starting with ``n_``, or listed in
    ``count_columns``) may not hold a value between 0 and 5 exclusive; suppressed cells
    must already be NA. Otherwise ``DisclosureError`` (or :class:`SmallCountError`).

    Parameters
    ----------
    df : DataFrame
        The table as it should be published (already translated headers and labels).
    name : str
        ``[a-z0-9_]+``, unique within the notebook.
    caption : str, optional
        Shown above the table.
    lang : {"bg", "en"} or Catalog, optional
        Number format. Default: the language of ``caption`` (or ``note``) when it is a
        catalog text (``t("...")``); otherwise ``lang`` is required.
    digits : int or mapping column -> int, default 2
        Decimals of non-integer numbers.
    percent_columns : sequence
        Columns holding proportions (0.425) shown as percentages (42.5%).
    pct_digits : int, default 1
        Decimals of the percentages.
    count_columns : sequence
        Extra count columns for the privacy guard; they are shown as integers.
    raw_columns : sequence
        Columns shown as they are, without number formatting (years, codes, ids).
    show_index : bool, optional
        Default: shown unless the index is an unnamed RangeIndex. JSON always has it.
    note : str, optional
        A footnote under the table.
    source : str, optional
        Where a table of real public figures comes from: its exported files and the report mark
        it "real public data, source: ..." instead of the synthetic flag.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"group": ["a", "b"], "n": [12, 30], "mean": [3.25, 4.0]})
    >>> data, meta = table_bundle(df, "demo", "Demo", "bg")
    >>> data[TABLE_MIME]["data"]
    [['a', 12, 3.25], ['b', 30, 4.0]]
    >>> "3,25" in data["text/html"]
    True
    """
    data, metadata = table_bundle(
        df,
        name,
        caption,
        lang,
        digits=digits,
        percent_columns=percent_columns,
        pct_digits=pct_digits,
        count_columns=count_columns,
        raw_columns=raw_columns,
        show_index=show_index,
        note=note,
        source=source,
    )
    if _ACROSS is not None:  # hides, in place, what earlier tables would let a reader subtract
        _ACROSS.check([{"data": data}])
    output.publish(data, metadata)


def table_from_bundle(table_json: Mapping[str, Any]) -> pd.DataFrame:
    """Rebuild a DataFrame from the :data:`~ruse_research.contract.TABLE_MIME` part of a bundle.

    The same function the runner uses (:func:`ruse_research.contract.payload_to_frame`).

    Examples
    --------
    >>> import pandas as pd
    >>> data, _ = table_bundle(pd.DataFrame({"n": [5, 6]}), "t", lang="en")
    >>> table_from_bundle(data[TABLE_MIME])
       n
    0  5
    1  6
    """
    return payload_to_frame(table_json)
