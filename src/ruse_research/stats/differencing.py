"""Disclosure across the tables of a run: a register of published counts and means.

:func:`ruse_research.stats.disclosure.suppress` protects one table. A reader who holds
several tables of the same report can still subtract: the Kruskal-Wallis test by position
analyses 55 staff, the test by unit 53 (the unit of two was left out), so the hidden unit has
2 people; the panel's mean weight over everyone and over the administration's raters give the
weights of the 2 others. The :class:`Register` keeps every count (and mean) a run publishes,
keyed by its **population** (who is counted: "staff answering psm", "citizens in wave 2") and
its **cell** (the subgroup: ``{}`` for everyone, ``{"unit": "Legal"}``, ``{"wave": 2,
"group": 4}``). Registering finds complementary differences with what is already published:

* the same cell published twice with counts differing by 1 to ``k - 1``;
* a cell and a sub-cell (``{}`` and ``{"position": "expert"}``) whose counts differ by 1 to
  ``k - 1`` (the rest of the cell is a small group);
* a cell and the visible sub-cells of one breakdown (``{"unit": ...}`` over all units) whose
  counts add up to 1 to ``k - 1`` fewer or more than it.

The new count is then suppressed (secondary suppression across tables: it is hidden, never
the run stopped) with a :class:`Finding` naming both tables; a mean registered with the count
goes with it, because an overall mean and the subgroups' means recombine to the small rest's
mean exactly when the counts do. A hidden count is never compared.

One register serves a whole run: the notebook's kernel is one process and
:func:`default_register` is its register (:func:`reset` starts afresh).

Examples
--------
>>> reg = Register()
>>> reg.register("tests_by_position", "staff:psm", {}, 55)
True
>>> reg.register("tests_by_unit", "staff:psm", {}, 53)   # 55 - 53 = a group of 2
False
>>> reg.findings[0].other_table, reg.findings[0].kind
('tests_by_position', 'same cell')
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from ruse_research.stats.disclosure import MIN_CELL

__all__ = ["Finding", "Register", "default_register", "register_frame", "reset"]

Cell = frozenset  # of (dimension, value) pairs


@dataclass(frozen=True)
class Entry:
    """One published count (``hidden`` when suppressed)."""

    table: str
    population: str
    cell: Cell
    n: int
    hidden: bool = False


@dataclass(frozen=True)
class Finding:
    """A count hidden because, with ``other_table``'s, it would reveal a group below ``k``."""

    table: str
    other_table: str
    population: str
    cell: tuple
    kind: str

    def note(self) -> str:
        """One line for a log or a note (no count below the threshold is named)."""
        where = ", ".join(f"{d}={v}" for d, v in self.cell) or "all"
        return (
            f"{self.table}: count for {self.population} ({where}) hidden: with {self.other_table} "
            f"it would reveal a group of fewer than {MIN_CELL} ({self.kind})"
        )


def _cell(cell: Mapping[str, Hashable] | Cell) -> Cell:
    if isinstance(cell, frozenset):
        return cell
    return frozenset((str(k), v) for k, v in dict(cell).items())


@dataclass
class Register:
    """The counts a run has published (see the module docstring)."""

    k: int = MIN_CELL
    entries: list[Entry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def _small(self, d: int) -> bool:
        return 0 < d < self.k

    def conflict(self, population: str, cell: Cell, n: int) -> tuple[Entry, str] | None:
        """The first published count that ``n`` for ``(population, cell)`` could be
        subtracted from (or that could be subtracted from it), with the kind of difference."""
        same = [e for e in self.entries if e.population == population and not e.hidden]
        for e in same:
            if e.cell == cell and self._small(abs(e.n - n)):
                return e, "same cell"
            if e.cell < cell and self._small(e.n - n):
                return e, "cell minus sub-cell"
            if cell < e.cell and self._small(n - e.n):
                return e, "cell minus sub-cell"
        # a cell against the visible sub-cells of one breakdown, both ways
        for parent_cell, parent_n, parent in [(cell, n, None)] + [
            (e.cell, e.n, e) for e in same if e.cell < cell and len(cell - e.cell) == 1
        ]:
            children = [(e.cell, e.n, e) for e in same if parent_cell < e.cell
                        and len(e.cell - parent_cell) == 1]
            if parent is not None:
                children.append((cell, n, None))
            by_dim: dict[str, list[tuple[Hashable, int, Entry | None]]] = {}
            for c, cn, e in children:
                ((dim, value),) = c - parent_cell
                by_dim.setdefault(dim, []).append((value, cn, e))
            for listed in by_dim.values():
                members, counts = [], {}
                for v, cn, e in listed:  # a sub-cell published twice with one count counts once
                    if counts.setdefault(v, cn) == cn and v not in {m[0] for m in members}:
                        members.append((v, cn, e))
                if any(counts[v] != cn for v, cn, _ in listed):  # the same sub-cell, two counts
                    continue
                if self._small(abs(parent_n - sum(cn for _, cn, _ in members))):
                    other = parent if parent is not None else next(e for _, _, e in members if e)
                    return other, "cell minus its breakdown"
        return None

    def register(self, table: str, population: str, cell: Mapping[str, Hashable] | Cell,
                 n: object) -> bool:
        """Record a count; ``False`` (and a :class:`Finding`) when it must be hidden.

        A missing ``n`` (already suppressed) is recorded as hidden and returns ``False``.
        """
        cell = _cell(cell)
        if n is None or pd.isna(n):
            self.entries.append(Entry(table, population, cell, 0, hidden=True))
            return False
        n = int(n)
        found = self.conflict(population, cell, n)
        if found is not None:
            other, kind = found
            self.findings.append(Finding(table, other.table, population, tuple(sorted(cell, key=str)),
                                         kind))
            self.entries.append(Entry(table, population, cell, n, hidden=True))
            return False
        self.entries.append(Entry(table, population, cell, n))
        return True


_DEFAULT = Register()


def default_register() -> Register:
    """The register of this process (a notebook's kernel: one run)."""
    return _DEFAULT


def reset() -> Register:
    """Start a new register for this process and return it."""
    global _DEFAULT
    _DEFAULT = Register()
    return _DEFAULT


def register_frame(
    frame: pd.DataFrame,
    table: str,
    population: str | Mapping[str, object],
    count_column: str = "n",
    cell_columns: tuple[str, ...] | list[str] = (),
    stat_columns: tuple[str, ...] | list[str] = (),
    register: Register | None = None,
    breakdown: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Register each row's count and blank the counts (and ``stat_columns``) to hide.

    Rows are registered larger counts first. ``population`` is a name or the name of a column
    holding it per row (``{"column": name}``);
    ``cell_columns`` give each row's cell, and ``breakdown`` = ``(dimension column, value
    column)`` adds one more pair per row (``by="unit", group="Legal"`` -> ``{"unit": "Legal"}``)
    for long tables of several breakdowns. Rows hidden here get ``"differencing"`` in a
    ``suppressed`` column (added when absent) and the frame's ``attrs["disclosure_notes"]``
    lists the findings.

    Examples
    --------
    >>> reg = Register()
    >>> a = pd.DataFrame({"dv": ["psm"], "n": [55]})
    >>> b = pd.DataFrame({"dv": ["psm"], "n": [53], "H": [4.2]})
    >>> _ = register_frame(a, "by_position", {"column": "dv"}, register=reg)
    >>> out = register_frame(b, "by_unit", {"column": "dv"}, stat_columns=["H"], register=reg)
    >>> out["n"].isna().tolist(), out["suppressed"].tolist()
    ([True], ['differencing'])
    """
    reg = register if register is not None else default_register()
    out = frame.copy()
    hide = []
    notes = list(out.attrs.get("disclosure_notes", ()))
    # larger counts first: of two that differ by a few, the smaller one (which left someone
    # out) is the one hidden
    order = pd.to_numeric(out[count_column], errors="coerce").fillna(-1).to_numpy()
    rows = list(out.iterrows())
    for pos in sorted(range(len(rows)), key=lambda i: (-order[i], i)):
        row = rows[pos][1]
        pop = (str(row[population["column"]]) if isinstance(population, Mapping)
               else str(population))
        cell = {c: row[c] for c in cell_columns}
        if breakdown is not None:
            cell[str(row[breakdown[0]])] = row[breakdown[1]]
        before = len(reg.findings)
        if not reg.register(table, pop, cell, row[count_column]) and len(reg.findings) > before:
            hide.append(pos)
            notes.append(reg.findings[-1].note())
    if hide:
        idx = out.index[hide]
        for col in [count_column, *stat_columns]:
            out[col] = out[col].astype("object")
            out.loc[idx, col] = pd.NA
        if "suppressed" not in out.columns:
            out["suppressed"] = ""
        out.loc[idx, "suppressed"] = "differencing"
    out.attrs["disclosure_notes"] = notes
    return out
