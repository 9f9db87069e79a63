"""Small-cell suppression for published tables (statistical disclosure control).

The rule used everywhere in ``ruse_research``: no published number describes fewer than
:data:`MIN_CELL` (5) respondents, and no verbatim comment is quoted for a group of fewer
than :data:`MIN_QUOTE` (10) answers. These are the usual conventions for staff surveys
(OECD SDC glossary: "at least five respondents in a cell"; Microsoft Viva Glint defaults
of 5 for ratings and 10 for comments).

:func:`suppress` applies

1. **primary suppression**: a cell whose count is between 1 and ``k - 1`` is hidden;
2. **complementary (secondary) suppression**: every *line* of the table (the cells that add
   up to a published or publishable total: one row or column of a cross-tab, the groups of
   a one-way breakdown, a group's sub-groups in a two-level breakdown) must hide either no
   cell or at least two, so a hidden cell is never "total minus the rest". The complement is
   the smallest visible non-zero cell of the line (a zero if nothing else is left). Line
   totals are assumed to be known to a reader even when the table does not show them — the
   overall number of respondents and the size of each group usually appear elsewhere.
3. an **audit**: linear programming (``scipy.optimize.linprog``) over the hidden cells, with
   every line's total and non-negative counts as constraints, gives the smallest and
   largest value each hidden cell can take. While some hidden cell can take only one integer
   value, one more cell on its lines is hidden.

Zeros are not suppressed (an empty cell describes nobody). What is *not* covered: attribute
disclosure when a whole group gives the same answer (a visible row with every respondent in
one column), and inference across separately published tables with different breakdowns.

Examples
--------
>>> import pandas as pd
>>> from ruse_research.stats import disclosure
>>> t = pd.DataFrame({"unit": ["A", "B", "C", "D"], "n": [12, 3, 9, 20], "mean": [3.1, 4.0, 2.5, 3.3]})
>>> out = disclosure.suppress(t, count_columns="n")
>>> out["n"].tolist(), out["suppressed"].tolist()
([12, <NA>, <NA>, 20], ['', 'primary', 'complementary', ''])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ruse_research.errors import RuseError

__all__ = [
    "MIN_CELL",
    "MIN_QUOTE",
    "TOTAL_LABELS",
    "DisclosureError",
    "audit",
    "check_no_small_cells",
    "hide_small_rows",
    "suppress",
]

MIN_CELL = 5
"""Smallest number of respondents a published cell, mean or percentage may describe."""

MIN_QUOTE = 10
"""Smallest number of answers in a group before any verbatim comment from it is quoted."""

TOTAL_LABELS = ("Total", "All", "Общо", "Всичко", "total", "all", "общо")
"""Group labels treated as margins (pandas ``crosstab(margins=True)`` writes "All")."""

FLAG_COLUMN = "suppressed"
PRIMARY = "primary"
COMPLEMENTARY = "complementary"


class DisclosureError(RuseError):
    """A table would publish a cell describing fewer respondents than the threshold."""


# ---------------------------------------------------------------------------------------------
# The engine: cells, lines, primary + complementary + audit
# ---------------------------------------------------------------------------------------------


@dataclass
class _Line:
    """Cells whose counts add up to a total: ``sum(members) == total``.

    ``total_cell`` is the index of the cell holding the total when the table shows it;
    otherwise the total is a number the reader is assumed to know (``known_total``).
    """

    members: list[int]
    total_cell: int | None
    known_total: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def cells(self) -> list[int]:
        return self.members + ([self.total_cell] if self.total_cell is not None else [])


def _build_lines(
    keys: pd.DataFrame, values: np.ndarray, total_labels: Sequence[object]
) -> list[_Line]:
    """Lines of a tidy table: for each group column, the rows that share the other columns."""
    lines: list[_Line] = []
    cols = list(keys.columns)
    is_total = keys.isin(list(total_labels))
    for g in cols:
        others = [c for c in cols if c != g]
        if others:
            grouping = keys[others].astype("string").fillna("<NA>")
            buckets = grouping.groupby(others, sort=True, dropna=False).indices
        else:
            buckets = {(): np.arange(len(keys))}
        for _, idx in sorted(buckets.items(), key=lambda kv: str(kv[0])):
            idx = list(map(int, idx))
            members = [i for i in idx if not is_total.at[keys.index[i], g]]
            totals = [i for i in idx if is_total.at[keys.index[i], g]]
            if len(totals) > 1:
                raise DisclosureError(
                    f"more than one total row for column {g!r} in one breakdown; cannot audit the table"
                )
            total_cell = totals[0] if totals else None
            if len(members) + len(totals) < 2:
                continue  # a single cell is its own total: the same rule applies to it elsewhere
            known = values[members].sum(axis=0) if total_cell is None else np.zeros(values.shape[1])
            lines.append(_Line(members, total_cell, known))
    return lines


def _pick_complement(line: _Line, hidden: np.ndarray, values: np.ndarray) -> int | None:
    """Smallest visible non-zero member (members before the total cell), else a visible zero."""
    visible = [i for i in line.cells() if not hidden[i]]
    if not visible:
        return None
    first = values[:, 0]

    def rank(i: int) -> tuple:
        return (first[i] == 0, i == line.total_cell, first[i], i)

    return min(visible, key=rank)


def _equations(
    lines: list[_Line], hidden: np.ndarray, values: np.ndarray, column: int
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """``(hidden cells, A, b)``: every line that holds a hidden cell as ``A x = b`` over the
    hidden cells' values ``x`` (the rest of the line is published or a known total)."""
    hidden_idx = [int(i) for i in np.flatnonzero(hidden)]
    pos = {c: j for j, c in enumerate(hidden_idx)}
    a_eq, b_eq = [], []
    for line in lines:
        row = np.zeros(len(hidden_idx))
        rhs = 0.0
        for m in line.members:
            if hidden[m]:
                row[pos[m]] += 1.0
            else:
                rhs -= values[m, column]
        if line.total_cell is None:
            rhs += line.known_total[column]
        elif hidden[line.total_cell]:
            row[pos[line.total_cell]] -= 1.0
        else:
            rhs += values[line.total_cell, column]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    return hidden_idx, np.array(a_eq).reshape(len(a_eq), len(hidden_idx)), np.array(b_eq)


def _linprog_bound(cost: np.ndarray, a: np.ndarray, b: np.ndarray):
    from scipy.optimize import linprog

    return linprog(cost, A_eq=a, b_eq=b, bounds=(0, None), method="highs")


def _bounded(lines: list[_Line], hidden: np.ndarray, values: np.ndarray, column: int,
             *, prune: bool):
    """``(cell, smallest, largest)`` value each hidden cell can take given everything published,
    in cell order, from two linear programs per cell.

    With ``prune``, a cell is left out once it has been seen at two feasible values at least
    two apart (``_SURELY_FREE``): it can take two integers, so it is not exposed. Every
    program's solution is a feasible table, showing a value for *every* hidden cell, and so
    are the true counts when the totals add up; so most cells need no program of their own.
    """
    hidden_idx, a, b = _equations(lines, hidden, values, column)
    if not len(a):  # no hidden cell is on a line
        yield from ((c, 0.0, math.inf) for c in hidden_idx)
        return
    truth = values[hidden_idx, column].astype(float)
    feasible = np.allclose(a @ truth, b, rtol=0.0, atol=1e-9)
    seen_low = truth.copy() if feasible else np.full(len(truth), np.inf)
    seen_high = truth.copy() if feasible else np.full(len(truth), -np.inf)

    def free(j: int) -> bool:
        return prune and seen_high[j] - seen_low[j] >= _SURELY_FREE

    def solve(cost: np.ndarray):
        result = _linprog_bound(cost, a, b)
        if result.status == 0 and result.x is not None:
            np.minimum(seen_low, result.x, out=seen_low)
            np.maximum(seen_high, result.x, out=seen_high)
        return result

    for j, c in enumerate(hidden_idx):
        if free(j):
            continue
        cost = np.zeros(len(hidden_idx))
        cost[j] = 1.0
        lo = solve(cost)
        if free(j):
            continue
        hi = solve(-cost)
        low = lo.fun if lo.status == 0 else 0.0
        high = -hi.fun if hi.status == 0 else math.inf  # status 3: unbounded
        yield c, float(low), float(high)


def _cell_bounds(
    lines: list[_Line], hidden: np.ndarray, values: np.ndarray, column: int
) -> dict[int, tuple[float, float]]:
    """Smallest and largest value each hidden cell can take given everything published."""
    return {c: (low, high) for c, low, high in _bounded(lines, hidden, values, column, prune=False)}


def _exposed(bounds: dict[int, tuple[float, float]]) -> list[int]:
    """Hidden cells whose feasible integer values reduce to one."""
    out = []
    for c, (lo, hi) in sorted(bounds.items()):
        if math.isfinite(hi) and math.floor(hi + 1e-6) <= math.ceil(lo - 1e-6):
            out.append(c)
    return out


#: A hidden cell seen at two feasible values this far apart can take at least two integers
#: (``_exposed``'s test allows 1e-6 at either end; HiGHS's feasibility tolerance is 1e-7).
_SURELY_FREE = 2.0 - 1e-9


def _exposed_cells(lines: list[_Line], hidden: np.ndarray, values: np.ndarray, column: int):
    """The hidden cells ``_exposed(_cell_bounds(...))`` finds, in the same order, one by one,
    with far fewer linear programs (``_bounded(prune=True)``). The caller may stop early: it
    hides a neighbour of the first exposed cell and audits again."""
    for c, low, high in _bounded(lines, hidden, values, column, prune=True):
        if _exposed({c: (low, high)}):
            yield c


def _suppression_pattern(
    values: np.ndarray, lines: list[_Line], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return (hidden, primary) boolean arrays for cells with count ``values`` (cells x columns)."""
    primary = ((values > 0) & (values < k)).any(axis=1)
    hidden = primary.copy()
    for _ in range(len(values) + 1):
        changed = False
        # Complementary: no line may hide exactly one cell.
        for line in lines:
            cells = line.cells()
            if sum(hidden[c] for c in cells) == 1:
                pick = _pick_complement(line, hidden, values)
                if pick is not None:
                    hidden[pick] = True
                    changed = True
        if changed:
            continue
        # Audit: a hidden cell that the published numbers pin to one value needs more cover.
        for col in range(values.shape[1]):
            for c in _exposed_cells(lines, hidden, values, col):
                neighbours = sorted(
                    {
                        m
                        for line in lines
                        if c in line.cells()
                        for m in line.cells()
                        if not hidden[m]
                    },
                    key=lambda m: (values[m, 0] == 0, values[m, 0], m),
                )
                if neighbours:
                    hidden[neighbours[0]] = True
                    changed = True
                    break
            if changed:
                break
        if not changed:
            break
    return hidden, primary


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _is_crosstab(table: pd.DataFrame) -> bool:
    return table.shape[1] > 0 and all(pd.api.types.is_numeric_dtype(t) for t in table.dtypes)


def _as_count_array(frame: pd.DataFrame, what: str) -> np.ndarray:
    arr = frame.apply(pd.to_numeric, errors="coerce")
    if arr.isna().any().any():
        bad = arr.columns[arr.isna().any()].tolist()
        raise DisclosureError(f"{what}: count column(s) {bad} hold missing or non-numeric values")
    values = arr.to_numpy(dtype=float)
    if (values < 0).any() or (np.abs(values - np.round(values)) > 1e-9).any():
        raise DisclosureError(f"{what}: counts must be non-negative whole numbers (unweighted n)")
    return values


def _tidy_parts(
    table: pd.DataFrame,
    count_columns: str | Sequence[str],
    group_columns: Sequence[str] | None,
) -> tuple[list[str], list[str]]:
    counts = [count_columns] if isinstance(count_columns, str) else list(count_columns)
    missing = [c for c in counts if c not in table.columns]
    if not counts or missing:
        raise DisclosureError(
            f"count column(s) {missing or counts} not in the table; columns: {list(table.columns)}"
        )
    if group_columns is None:
        group_columns = [
            c
            for c in table.columns
            if c not in counts and c != FLAG_COLUMN and not pd.api.types.is_numeric_dtype(table[c])
        ]
    groups = list(group_columns)
    unknown = [g for g in groups if g not in table.columns]
    if unknown:
        raise DisclosureError(f"group column(s) {unknown} not in the table")
    return counts, groups


def _group_keys(table: pd.DataFrame, groups: list[str]) -> pd.DataFrame | None:
    """The values identifying each row: the group columns, else a meaningful index.

    Returns ``None`` for a one-row table without groups. Raises when a longer table has
    neither, because complementary suppression needs to know which rows add up.
    """
    if groups:
        return table[groups].reset_index(drop=True)
    index = table.index
    if not (isinstance(index, pd.RangeIndex) and index.name is None):
        keys = index.to_frame(index=False)
        keys.columns = [
            name if name is not None else f"_level_{i}" for i, name in enumerate(index.names)
        ]
        return keys
    if len(table) > 1:
        raise DisclosureError(
            "cannot tell which columns identify the groups: pass group_columns=[...] "
            "(numeric group codes such as a wave number are not guessed)"
        )
    return None


def suppress(
    table: pd.DataFrame,
    count_columns: str | Sequence[str] | None = None,
    k: int = MIN_CELL,
    *,
    group_columns: Sequence[str] | None = None,
    stat_columns: Sequence[str] | None = None,
    total_labels: Sequence[object] = TOTAL_LABELS,
) -> pd.DataFrame:
    """Hide cells describing fewer than ``k`` respondents, and enough others to protect them.

    Two table shapes are accepted:

    * **tidy** (``count_columns`` names columns): one row per group, group column(s), count
      column(s) with the unweighted number of respondents, statistic columns. Hidden rows get
      ``<NA>`` in every count and statistic column; a column ``suppressed`` says
      ``"primary"``, ``"complementary"`` or ``""``. Lines are the rows that share all group
      columns but one; a row whose group value is in ``total_labels`` is that line's total.
    * **cross-tab** (``count_columns=None`` and every column numeric): a 2-D table of counts
      (rows x columns, optionally with margins labelled "All"/"Total"/"Общо"). Hidden cells
      become ``<NA>`` (dtype ``Int64``); ``result.attrs["suppressed"]`` holds a same-shape
      frame of reasons.

    Parameters
    ----------
    table : pandas.DataFrame
    count_columns : str or list of str, optional
        Tidy tables: column(s) with respondent counts; a row is primary-suppressed when any
        of them is between 1 and ``k - 1``. Defaults to ``"n"`` when the table has such a
        column; ``None`` on an all-numeric table means a cross-tab.
    k : int, default :data:`MIN_CELL`
        Threshold; use :data:`MIN_QUOTE` for tables that introduce quoted comments.
    group_columns : list of str, optional
        Tidy tables: the columns identifying a row. Default: the non-numeric columns, or
        the index when there are none (``groupby(...).agg(...)`` without ``as_index=False``).
        Numeric group codes (a wave number) must be named here.
    stat_columns : list of str, optional
        Tidy tables: columns hidden with the counts. Default: every other column.
    total_labels : sequence, default :data:`TOTAL_LABELS`
        Group values marking a total row/column.

    Returns
    -------
    pandas.DataFrame
        Same rows and order as ``table``.

    Raises
    ------
    DisclosureError
        Unknown columns, negative or fractional counts, ``k < 1``.

    Examples
    --------
    One-way table with its total row: the single small unit (B, n=3) is hidden and so is the
    next smallest (C), otherwise 30 - 12 - 9 - ... would give B back.

    >>> t = pd.DataFrame({"unit": ["A", "B", "C", "Total"], "n": [18, 3, 9, 30]})
    >>> suppress(t)["n"].tolist()
    [18, <NA>, <NA>, 30]

    Cross-tab of counts with margins:

    >>> ct = pd.DataFrame({"yes": [10, 2, 12], "no": [8, 9, 17], "All": [18, 11, 29]},
    ...                   index=["A", "B", "All"])
    >>> suppress(ct)
          yes    no  All
    A    <NA>  <NA>   18
    B    <NA>  <NA>   11
    All    12    17   29
    """
    if not isinstance(table, pd.DataFrame):
        raise DisclosureError(f"suppress needs a pandas DataFrame, got {type(table).__name__}")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise DisclosureError(f"threshold k must be a positive integer, got {k!r}")
    if count_columns is None and "n" in table.columns:
        count_columns = "n"
    if count_columns is None:
        if not _is_crosstab(table):
            raise DisclosureError(
                "pass count_columns for a tidy table; without it every column must be a count (cross-tab)"
            )
        return _suppress_crosstab(table, int(k), total_labels)

    counts, groups = _tidy_parts(table, count_columns, group_columns)
    values = _as_count_array(table[counts], "suppress")
    keys = _group_keys(table, groups)
    lines = _build_lines(keys, values, total_labels) if keys is not None else []
    hidden, primary = _suppression_pattern(values, lines, int(k))

    out = table.copy()
    hide_cols = list(counts) + (
        list(stat_columns)
        if stat_columns is not None
        else [c for c in table.columns if c not in counts and c not in groups and c != FLAG_COLUMN]
    )
    mask = pd.Series(hidden, index=out.index)
    for c in hide_cols:
        col = out[c]
        if pd.api.types.is_bool_dtype(col):
            col = col.astype("boolean")
        elif pd.api.types.is_integer_dtype(col):
            col = col.astype("Int64")
        elif pd.api.types.is_float_dtype(col):
            col = col.astype("Float64")
        else:
            col = col.astype("object")
        out[c] = col.mask(mask, pd.NA)
    reasons = np.where(primary, PRIMARY, np.where(hidden, COMPLEMENTARY, ""))
    out[FLAG_COLUMN] = pd.array(reasons, dtype="string")
    return out


def _suppress_crosstab(table: pd.DataFrame, k: int, total_labels: Sequence[object]) -> pd.DataFrame:
    row_name, col_name = "_row", "_col"
    long = pd.DataFrame(
        {
            row_name: np.repeat(np.arange(table.shape[0]), table.shape[1]),
            col_name: np.tile(np.arange(table.shape[1]), table.shape[0]),
        }
    )
    values = _as_count_array(
        pd.DataFrame({"n": table.to_numpy().reshape(-1)}), "suppress (cross-tab)"
    )
    # Group keys are positions, with the margin positions relabelled as totals.
    totals = set(total_labels)
    row_keys = ["__total__" if lab in totals else i for i, lab in enumerate(table.index)]
    col_keys = ["__total__" if lab in totals else j for j, lab in enumerate(table.columns)]
    keys = pd.DataFrame(
        {
            row_name: pd.array([row_keys[i] for i in long[row_name]], dtype="object"),
            col_name: pd.array([col_keys[j] for j in long[col_name]], dtype="object"),
        }
    )
    lines = _build_lines(keys, values, ["__total__"])
    hidden, primary = _suppression_pattern(values, lines, k)
    shape = table.shape
    out = table.astype("Int64").mask(hidden.reshape(shape), pd.NA)
    reasons = np.where(primary, PRIMARY, np.where(hidden, COMPLEMENTARY, "")).reshape(shape)
    out.attrs["suppressed"] = pd.DataFrame(reasons, index=table.index, columns=table.columns)
    return out


def audit(
    original: pd.DataFrame,
    published: pd.DataFrame,
    count_columns: str | Sequence[str] | None = None,
    *,
    group_columns: Sequence[str] | None = None,
    total_labels: Sequence[object] = TOTAL_LABELS,
) -> pd.DataFrame:
    """What a reader can work out about each hidden cell from the published table.

    Every line total is taken as known (from the original table), hidden cells are
    non-negative, and linear programming gives each hidden cell's smallest and largest
    possible value.

    Parameters
    ----------
    original, published : pandas.DataFrame
        The table before and after :func:`suppress` (same shape).
    count_columns, group_columns, total_labels
        As in :func:`suppress`.

    Returns
    -------
    pandas.DataFrame
        One row per hidden cell and count column: ``["row", "column", "value", "low",
        "high", "exact"]`` where ``row``/``column`` are positions, ``exact`` is True when the
        hidden value is pinned to one integer (the suppression failed).

    Examples
    --------
    >>> t = pd.DataFrame({"unit": ["A", "B", "C"], "n": [18, 3, 9]})
    >>> bad = t.assign(n=pd.array([18, pd.NA, 9], dtype="Int64"))
    >>> audit(t, bad)[["value", "low", "high", "exact"]]
       value  low  high  exact
    0      3  3.0   3.0   True
    >>> audit(t, suppress(t))["exact"].tolist()
    [False, False]
    """
    if original.shape[0] != published.shape[0]:
        raise DisclosureError("audit needs the table before and after suppression (same rows)")
    if count_columns is None and "n" in original.columns:
        count_columns = "n"
    if count_columns is None:
        if not _is_crosstab(original):
            raise DisclosureError("pass count_columns for a tidy table")
        values = _as_count_array(pd.DataFrame({"n": original.to_numpy().reshape(-1)}), "audit")
        totals = set(total_labels)
        rk = ["__total__" if lab in totals else i for i, lab in enumerate(original.index)]
        ck = ["__total__" if lab in totals else j for j, lab in enumerate(original.columns)]
        keys = pd.DataFrame(
            {
                "_row": pd.array(
                    [rk[i] for i in range(original.shape[0]) for _ in ck], dtype="object"
                ),
                "_col": pd.array(
                    [ck[j] for _ in rk for j in range(original.shape[1])], dtype="object"
                ),
            }
        )
        hidden = published.isna().to_numpy().reshape(-1)
        lines = _build_lines(keys, values, ["__total__"])
        width = original.shape[1]
        where = [(i // width, original.columns[i % width]) for i in range(len(hidden))]
        names = ["n"]
    else:
        counts, groups = _tidy_parts(original, count_columns, group_columns)
        values = _as_count_array(original[counts], "audit")
        keys = _group_keys(original, groups)
        lines = _build_lines(keys, values, total_labels) if keys is not None else []
        hidden = published[counts].isna().any(axis=1).to_numpy()
        where = [(i, None) for i in range(len(hidden))]
        names = counts
    rows = []
    for col, name in enumerate(names):
        for c, (lo, hi) in sorted(_cell_bounds(lines, hidden, values, col).items()):
            r, cname = where[c]
            rows.append(
                {
                    "row": r,
                    "column": cname if cname is not None else name,
                    "value": int(values[c, col]),
                    "low": lo,
                    "high": hi,
                    "exact": c in _exposed({c: (lo, hi)}),
                }
            )
    return pd.DataFrame(rows, columns=["row", "column", "value", "low", "high", "exact"])


def hide_small_rows(table: pd.DataFrame, count_columns: Sequence[str],
                    stat_columns: Sequence[str] = (), k: int = MIN_CELL) -> pd.DataFrame:
    """Blank whole rows where any count is between 1 and ``k - 1`` (counts and statistics),
    flagged ``"primary"`` in a ``suppressed`` column (added only when a row is hidden).

    For tables whose rows are not parts of a total (a change between waves per group).

    Examples
    --------
    >>> t = pd.DataFrame({"n_1": [40, 4], "n_2": [38, 30], "diff": [0.2, 1.1]})
    >>> hide_small_rows(t, ["n_1", "n_2"], ["diff"])["diff"].tolist()
    [0.2, <NA>]
    """
    counts = table[list(count_columns)].apply(pd.to_numeric, errors="coerce")
    small = ((counts > 0) & (counts < k)).any(axis=1)
    if not small.any():
        return table
    out = table.copy()
    hidden = [*count_columns, *stat_columns]
    out[hidden] = out[hidden].astype("object")
    out.loc[small, hidden] = pd.NA
    out[FLAG_COLUMN] = small.map({True: PRIMARY, False: ""})
    return out


def check_no_small_cells(
    table: pd.DataFrame,
    count_columns: str | Sequence[str] | None = None,
    k: int = MIN_CELL,
    *,
    group_columns: Sequence[str] | None = None,
    total_labels: Sequence[object] = TOTAL_LABELS,
    what: str = "table",
) -> None:
    """Raise :class:`DisclosureError` if a table is not safe to publish.

    Checks that (1) no visible count is between 1 and ``k - 1``, and (2) no line of the
    table (see :func:`suppress`) hides exactly one cell, which a reader could get back as
    "total minus the rest". Hidden cells are ``<NA>``.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy table with count column(s), or an all-numeric cross-tab.
    count_columns, k, group_columns, total_labels
        As in :func:`suppress`.
    what : str
        Name of the table for the error message.

    Examples
    --------
    >>> t = pd.DataFrame({"unit": ["A", "B"], "n": [12, 3]})
    >>> check_no_small_cells(t, what="units")
    Traceback (most recent call last):
    ...
    ruse_research.stats.disclosure.DisclosureError: units: 1 cell(s) describe fewer than 5 respondents (first: column 'n', row 1)
    >>> check_no_small_cells(suppress(t))
    """
    if count_columns is None and "n" in table.columns:
        count_columns = "n"
    if count_columns is None:
        if not _is_crosstab(table):
            raise DisclosureError(f"{what}: pass count_columns for a tidy table")
        counts_frame = table
        groups: list[str] = []
    else:
        counts, groups = _tidy_parts(table, count_columns, group_columns)
        counts_frame = table[counts]
    small = []
    for c in counts_frame.columns:
        col = pd.to_numeric(counts_frame[c], errors="coerce")
        for pos, v in enumerate(col.tolist()):
            if v is not None and not pd.isna(v) and 0 < v < k:
                small.append((c, pos, v))
    if small:
        c, pos, _ = small[0]  # the small value is not named: failure messages are published
        raise DisclosureError(
            f"{what}: {len(small)} cell(s) describe fewer than {k} respondents "
            f"(first: column {c!r}, row {pos})"
        )
    # Lone hidden cells in a line.
    if count_columns is None:
        hidden = table.isna().to_numpy()
        # Margins, when shown, are cells of their row/column like any other.
        lines_idx: list[list[tuple[int, int]]] = []
        for i in range(hidden.shape[0]):
            lines_idx.append([(i, j) for j in range(hidden.shape[1])])
        for j in range(hidden.shape[1]):
            lines_idx.append([(i, j) for i in range(hidden.shape[0])])
        for line in lines_idx:
            if len(line) > 1 and sum(hidden[i, j] for i, j in line) == 1:
                raise DisclosureError(
                    f"{what}: a row or column hides exactly one cell; it can be recovered from the total"
                )
    elif (keys := _group_keys(table, groups)) is not None:
        hidden_rows = table[counts].isna().any(axis=1).to_numpy()
        dummy = np.zeros((len(table), 1))
        for line in _build_lines(keys, dummy, total_labels):
            if sum(hidden_rows[c] for c in line.cells()) == 1:
                raise DisclosureError(
                    f"{what}: a breakdown hides exactly one group; it can be recovered from the total"
                )
