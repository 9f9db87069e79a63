"""disclosure.suppress / audit / check_no_small_cells.

What must be true: no published cell describes 1..k-1 respondents, and no hidden cell can be
worked out from the published cells and the line totals a reader knows. The second property
is checked here with an integer program built directly from the table's rows and columns
(scipy.optimize.milp), independently of the module's own linear-programming audit.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from ruse_research.errors import RuseError
from ruse_research.stats import disclosure
from ruse_research.stats.disclosure import (
    MIN_CELL,
    MIN_QUOTE,
    DisclosureError,
    audit,
    check_no_small_cells,
    suppress,
)


def integer_range_of_hidden_cells(
    full: np.ndarray, hidden: np.ndarray
) -> list[tuple[int, int, int]]:
    """For a 2-D table of counts whose row and column totals are public, return
    (flat index, min, max) of each hidden cell over all non-negative integer tables that agree
    with every visible cell and every row/column total."""
    n_rows, n_cols = full.shape
    idx = [int(i) for i in np.flatnonzero(hidden.reshape(-1))]
    pos = {c: j for j, c in enumerate(idx)}
    a, lo, hi = [], [], []
    for r in range(n_rows):
        row = np.zeros(len(idx))
        rhs = full[r].sum()
        for c in range(n_cols):
            flat = r * n_cols + c
            if flat in pos:
                row[pos[flat]] = 1
            else:
                rhs -= full[r, c]
        a.append(row)
        lo.append(rhs)
        hi.append(rhs)
    for c in range(n_cols):
        row = np.zeros(len(idx))
        rhs = full[:, c].sum()
        for r in range(n_rows):
            flat = r * n_cols + c
            if flat in pos:
                row[pos[flat]] = 1
            else:
                rhs -= full[r, c]
        a.append(row)
        lo.append(rhs)
        hi.append(rhs)
    cons = LinearConstraint(np.array(a), lo, hi)
    out = []
    for c, j in pos.items():
        cost = np.zeros(len(idx))
        cost[j] = 1
        kw = dict(constraints=cons, integrality=np.ones(len(idx)), bounds=Bounds(0, full.sum()))
        mn = milp(cost, **kw)
        mx = milp(-cost, **kw)
        assert mn.status == 0 and mx.status == 0
        out.append((c, round(mn.fun), round(-mx.fun)))
    return out


# ---------------------------------------------------------------------------------------------
# One-way tables
# ---------------------------------------------------------------------------------------------


def test_one_way_small_group_and_its_complement_are_hidden():
    # A unit with 2 staff among larger units: 2 must not appear, and the next smallest unit
    # (C, 6) is hidden so that "N - the rest" does not give B back.
    t = pd.DataFrame(
        {"unit": ["A", "B", "C", "D"], "n": [12, 2, 6, 20], "mean": [3.1, 4.5, 2.5, 3.3]}
    )
    out = suppress(t)
    assert out["suppressed"].tolist() == ["", "primary", "complementary", ""]
    assert out["n"].isna().tolist() == [False, True, True, False]
    assert out["mean"].isna().tolist() == [False, True, True, False]
    assert 2 not in out["n"].dropna().tolist()
    assert 4.5 not in out["mean"].dropna().tolist()
    # Reader knows N = 40: B + C = 8, so B is anywhere in 0..8.
    a = audit(t, out)
    assert not a["exact"].any()
    assert a.set_index("row").loc[1, ["low", "high"]].tolist() == [0.0, 8.0]


def test_one_way_with_total_row_total_minus_the_rest():
    t = pd.DataFrame({"group": ["citizen", "ngo", "business", "Общо"], "n": [40, 3, 11, 54]})
    out = suppress(t)
    assert out["n"].tolist()[3] == 54  # the total stays
    assert out["n"].isna().sum() == 2
    assert out.loc[1, "suppressed"] == "primary"
    assert out.loc[2, "suppressed"] == "complementary"  # business (11) is the next smallest
    assert not audit(t, out)["exact"].any()


def test_total_below_threshold_hides_everything():
    t = pd.DataFrame({"unit": ["A", "B", "Total"], "n": [2, 1, 3]})
    out = suppress(t)
    assert out["n"].isna().all()
    assert out["suppressed"].tolist() == ["primary", "primary", "primary"]


def test_two_small_groups_protect_each_other():
    t = pd.DataFrame({"unit": ["A", "B", "C"], "n": [30, 3, 4]})
    out = suppress(t)
    assert out["suppressed"].tolist() == ["", "primary", "primary"]
    assert not audit(t, out)["exact"].any()


def test_zero_cells_are_not_suppressed():
    t = pd.DataFrame({"unit": ["A", "B", "C"], "n": [30, 0, 12]})
    out = suppress(t)
    assert out["suppressed"].tolist() == ["", "", ""]
    assert out["n"].tolist() == [30, 0, 12]


def test_k_for_quotes_is_ten():
    assert (MIN_CELL, MIN_QUOTE) == (5, 10)
    t = pd.DataFrame({"theme": ["a", "b", "c"], "n": [25, 9, 14]})
    assert suppress(t)["suppressed"].tolist() == ["", "", ""]
    out = suppress(t, k=MIN_QUOTE)
    assert out["suppressed"].tolist() == ["", "primary", "complementary"]


def test_no_group_column_only_primary():
    t = pd.DataFrame({"n": [3], "mean": [4.0]})
    out = suppress(t)
    assert out["n"].isna().all() and out["mean"].isna().all()


# ---------------------------------------------------------------------------------------------
# Two-level tidy breakdowns
# ---------------------------------------------------------------------------------------------


def test_two_level_breakdown_no_recovery_from_either_margin():
    # unit x sex with n and a mean; unit "Legal" has 2 women (planted small cell).
    t = pd.DataFrame(
        {
            "unit": ["Admin", "Admin", "Legal", "Legal", "Regional", "Regional"],
            "sex": ["f", "m", "f", "m", "f", "m"],
            "n": [14, 9, 2, 7, 11, 6],
            "mean": [3.2, 3.0, 4.9, 2.8, 3.6, 3.1],
        }
    )
    out = suppress(t)
    assert 2 not in out["n"].dropna().tolist()
    assert 4.9 not in out["mean"].dropna().tolist()
    # Every line (same unit, or same sex) hides 0 or >= 2 cells.
    hidden = out["n"].isna()
    for _, rows in t.groupby("unit"):
        assert hidden[rows.index].sum() in (0, 2)
    for _, rows in t.groupby("sex"):
        assert hidden[rows.index].sum() != 1
    # Independent integer check: as a 3 x 2 table with known margins.
    full = t.pivot(index="unit", columns="sex", values="n").to_numpy()
    mask = out.assign(h=hidden).pivot(index="unit", columns="sex", values="h").to_numpy()
    for _, lo, hi in integer_range_of_hidden_cells(full, mask):
        assert lo < hi
    check_no_small_cells(out)


def test_two_level_with_total_rows():
    # Published with unit subtotals ("Total" in sex): the subtotal is part of the line.
    t = pd.DataFrame(
        {
            "unit": ["A", "A", "A", "B", "B", "B"],
            "sex": ["f", "m", "Total", "f", "m", "Total"],
            "n": [3, 20, 23, 12, 15, 27],
        }
    )
    out = suppress(t)
    assert out.loc[0, "suppressed"] == "primary"
    # Line A: f hidden, so m (or the subtotal) must be hidden too.
    assert out.loc[[1, 2], "n"].isna().sum() >= 1
    assert not audit(t, out)["exact"].any()
    check_no_small_cells(out)


# ---------------------------------------------------------------------------------------------
# Cross-tabs
# ---------------------------------------------------------------------------------------------


def test_crosstab_from_pandas_with_margins():
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "unit": rng.choice(["A", "B", "C", "D"], size=120, p=[0.4, 0.3, 0.27, 0.03]),
            "answer": rng.choice(["agree", "neutral", "disagree"], size=120, p=[0.5, 0.3, 0.2]),
        }
    )
    ct = pd.crosstab(df["unit"], df["answer"], margins=True)
    out = suppress(ct)
    visible = out.to_numpy(dtype=float, na_value=np.nan)
    assert not ((visible > 0) & (visible < MIN_CELL)).any()
    reasons = out.attrs["suppressed"]
    assert reasons.shape == ct.shape
    assert (reasons.to_numpy() == "primary").sum() >= 1
    assert not audit(ct, out)["exact"].any()
    check_no_small_cells(out)


@pytest.mark.parametrize("seed", range(25))
def test_random_crosstabs_never_reveal_a_hidden_cell(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(2, 6)), int(rng.integers(2, 5)))
    table = rng.poisson(lam=rng.choice([3.0, 6.0, 12.0]), size=shape)
    ct = pd.DataFrame(
        table,
        index=[f"r{i}" for i in range(shape[0])],
        columns=[f"c{j}" for j in range(shape[1])],
    )
    out = suppress(ct)
    hidden = out.isna().to_numpy()
    # 1. Nothing between 1 and 4 is visible.
    assert not ((table > 0) & (table < MIN_CELL) & ~hidden).any()
    # 2. Every small cell is hidden.
    assert hidden[(table > 0) & (table < MIN_CELL)].all()
    # 3. No row or column hides exactly one cell.
    assert not (hidden.sum(axis=1) == 1).any()
    assert not (hidden.sum(axis=0) == 1).any()
    # 4. Integer programming: every hidden cell has at least two possible values.
    if hidden.any():
        for flat, lo, hi in integer_range_of_hidden_cells(table, hidden):
            assert lo < hi, (flat, lo, hi, table.tolist(), hidden.tolist())
    # Visible cells are the original ones.
    assert (out.to_numpy(dtype=float, na_value=-1)[~hidden] == table[~hidden]).all()


def _random_lines(seed: int):
    """A random cross-tab (with and without a total row and column) as suppress audits it:
    its lines, counts and a random hidden pattern."""
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(2, 6)), int(rng.integers(2, 5))
    table = pd.DataFrame(rng.poisson(rng.choice([2.0, 6.0, 15.0]), size=(rows, cols)),
                         index=[f"r{i}" for i in range(rows)], columns=[f"c{j}" for j in range(cols)])
    if seed % 2:
        table.loc["Total"] = table.sum()
        table["Total"] = table.sum(axis=1)
    values = table.to_numpy().reshape(-1, 1).astype(float)
    keys = pd.DataFrame({
        "_row": ["__total__" if r == "Total" else r for r in table.index for _ in table.columns],
        "_col": ["__total__" if c == "Total" else c for _ in table.index for c in table.columns],
    })
    hidden = rng.random(len(values)) < rng.choice([0.2, 0.4, 0.7])
    return disclosure._build_lines(keys, values, ["__total__"]), hidden, values


@functools.cache
def _both_searches(seed: int) -> tuple[list[int], int, list[int], int]:
    """``(exposed, programs)`` of bounding every hidden cell, then of the pruned search."""
    lines, hidden, values = _random_lines(seed)
    solved = []
    real = disclosure._linprog_bound
    disclosure._linprog_bound = lambda *a: solved.append(1) or real(*a)
    try:
        full = disclosure._exposed(disclosure._cell_bounds(lines, hidden, values, 0))
        full_programs = len(solved)
        pruned = list(disclosure._exposed_cells(lines, hidden, values, 0))
    finally:
        disclosure._linprog_bound = real
    return full, full_programs, pruned, len(solved) - full_programs


SEARCH_SEEDS = range(16)


@pytest.mark.parametrize("seed", SEARCH_SEEDS)
def test_the_pruned_exposure_search_finds_what_the_full_audit_finds(seed):
    """``_exposed_cells`` skips the programs of cells already seen at two values two apart;
    it must name exactly the cells that bounding every hidden cell finds exposed, in order."""
    full, _, pruned, _ = _both_searches(seed)
    assert pruned == full


def test_the_pruned_exposure_search_solves_fewer_programs_and_meets_exposed_cells():
    results = [_both_searches(seed) for seed in SEARCH_SEEDS]
    assert sum(bool(full) for full, *_ in results) >= 4  # the comparison meets exposed cells
    full, pruned = sum(r[1] for r in results), sum(r[3] for r in results)
    assert pruned < 0.6 * full, (pruned, full)


def test_audit_catches_a_lone_hidden_cell():
    ct = pd.DataFrame({"yes": [10, 2], "no": [8, 9]}, index=["A", "B"])
    naive = ct.astype("Int64").mask(ct < MIN_CELL)
    a = audit(ct, naive)
    assert a["exact"].tolist() == [True]
    assert a["value"].tolist() == [2]


# ---------------------------------------------------------------------------------------------
# Guard and errors
# ---------------------------------------------------------------------------------------------


def test_check_no_small_cells_raises_on_small_visible_cell():
    t = pd.DataFrame({"unit": ["A", "B", "C"], "n": [12, 3, 9]})
    with pytest.raises(DisclosureError, match="fewer than 5 respondents"):
        check_no_small_cells(t, what="units")


def test_check_no_small_cells_raises_on_lone_hidden_cell():
    t = pd.DataFrame({"unit": ["A", "B", "C"], "n": pd.array([12, pd.NA, 9], dtype="Int64")})
    with pytest.raises(DisclosureError, match="recovered"):
        check_no_small_cells(t)
    ct = pd.DataFrame({"yes": pd.array([10, pd.NA], dtype="Int64"), "no": [8, 9]})
    with pytest.raises(DisclosureError, match="recovered"):
        check_no_small_cells(ct)


def test_check_no_small_cells_accepts_suppressed_output():
    t = pd.DataFrame({"unit": ["A", "B", "C"], "n": [12, 3, 9]})
    check_no_small_cells(suppress(t))
    check_no_small_cells(suppress(t, k=MIN_QUOTE), k=MIN_QUOTE)


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        (pd.DataFrame({"unit": ["A"], "n": [-1]}), {}, "non-negative whole"),
        (pd.DataFrame({"unit": ["A"], "n": [2.5]}), {}, "non-negative whole"),
        (pd.DataFrame({"unit": ["A"], "count": [7]}), {"count_columns": "n"}, "not in the table"),
        (pd.DataFrame({"unit": ["A"], "n": [7]}), {"k": 0}, "positive integer"),
        (pd.DataFrame({"unit": ["A"], "label": ["x"]}), {}, "count_columns"),
    ],
)
def test_bad_input_raises_disclosure_error(table, kwargs, message):
    with pytest.raises(DisclosureError, match=message) as info:
        suppress(table, **kwargs)
    assert isinstance(info.value, RuseError)
    assert "\n" not in str(info.value)


def test_deterministic_and_order_preserving():
    t = pd.DataFrame({"unit": ["D", "C", "B", "A"], "n": [20, 6, 6, 2]})
    a, b = suppress(t), suppress(t)
    pd.testing.assert_frame_equal(a, b)
    assert a["unit"].tolist() == ["D", "C", "B", "A"]
    # Ties broken by position: the first of the two sixes is the complement.
    assert a["suppressed"].tolist() == ["", "complementary", "", "primary"]


def test_module_exports():
    assert issubclass(disclosure.DisclosureError, RuseError)
    assert set(disclosure.__all__) >= {"suppress", "check_no_small_cells", "MIN_CELL", "MIN_QUOTE"}


def test_groups_in_the_index_are_used():
    t = pd.DataFrame(
        {"n": [12, 2, 6, 20], "mean": [3.1, 4.5, 2.5, 3.3]}, index=["A", "B", "C", "D"]
    )
    t.index.name = "unit"
    out = suppress(t)
    assert out["suppressed"].tolist() == ["", "primary", "complementary", ""]
    assert out.index.tolist() == ["A", "B", "C", "D"]


def test_numeric_group_codes_must_be_named():
    t = pd.DataFrame({"wave": [1, 2, 3], "n": [30, 2, 9], "mean": [3.0, 4.0, 2.0]})
    with pytest.raises(DisclosureError, match="group_columns"):
        suppress(t)
    out = suppress(t, group_columns=["wave"])
    assert out["wave"].tolist() == [1, 2, 3]
    assert out["suppressed"].tolist() == ["", "primary", "complementary"]
