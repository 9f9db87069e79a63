"""Disclosure across tables (stats.differencing): no published pair lets a count of 1-4 be
worked out; such counts are hidden with a note, never an error."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from ruse_research.stats import differencing
from ruse_research.stats.differencing import Register, register_frame


def _visible(reg: Register):
    return [e for e in reg.entries if not e.hidden]


def assert_no_small_difference(reg: Register, k: int = 5):
    """Brute force over the register: every pair of visible counts of a population whose
    cells are equal or nested differs by 0 or at least k."""
    for a, b in itertools.combinations(_visible(reg), 2):
        if a.population != b.population:
            continue
        if a.cell == b.cell:
            assert not 0 < abs(a.n - b.n) < k, (a, b)
        elif a.cell < b.cell or b.cell < a.cell:  # the cell minus its sub-cell
            parent, child = (a, b) if a.cell < b.cell else (b, a)
            assert not 0 < parent.n - child.n < k, (a, b)


def test_group_tests_by_position_and_by_unit():
    # 55 staff; the test by unit leaves out a unit of 2 (below the group minimum): 53
    tests = pd.DataFrame({"dv": ["psm", "psm"], "between": ["unit", "position"],
                          "n": [53, 55], "H": [1.2, 3.4]})
    reg = Register()
    out = register_frame(tests, "group_tests", {"column": "dv"}, stat_columns=[], register=reg)
    assert out["n"].isna().tolist() == [True, False]  # the smaller one (53) goes
    assert out["suppressed"].tolist() == ["differencing", ""]
    assert out["H"].tolist() == [1.2, 3.4]  # the test itself stays
    assert len(out.attrs["disclosure_notes"]) == 1
    assert "53" not in out.attrs["disclosure_notes"][0] and " 2 " not in out.attrs["disclosure_notes"][0]
    assert_no_small_difference(reg)


def test_overall_mean_and_one_subgroup_recombine():
    # panel: 12 raters overall, administration 10 -> the other 2's mean weights follow
    reg = Register()
    assert reg.register("panel_weights", "panel", {}, 12)
    assert not reg.register("panel_weights", "panel", {"rater_group": "admin"}, 10)
    assert reg.findings[0].kind == "cell minus sub-cell"
    assert_no_small_difference(reg)


def test_breakdown_that_falls_short_of_its_total():
    # units 24 + 18 + 11 published, total 55 published elsewhere: 2 people in no shown unit
    reg = Register()
    reg.register("sample", "staff", {}, 55)
    shown = [reg.register("by_unit", "staff", {"unit": u}, n)
             for u, n in (("A", 24), ("B", 18), ("C", 11))]
    assert shown == [True, True, False]
    assert reg.findings[-1].kind == "cell minus its breakdown"


def test_breakdown_with_two_hidden_cells_is_safe():
    # within-table suppression already hid the unit of 2 and a complement of 11: the rest
    # (13) is not small, nothing more is hidden
    reg = Register()
    reg.register("sample", "staff", {}, 55)
    reg.register("by_unit", "staff", {"unit": "D"}, None)
    reg.register("by_unit", "staff", {"unit": "C"}, None)
    assert reg.register("by_unit", "staff", {"unit": "A"}, 24)
    assert reg.register("by_unit", "staff", {"unit": "B"}, 18)
    assert reg.findings == []


def test_total_registered_after_its_breakdown():
    reg = Register()
    for u, n in (("A", 24), ("B", 18), ("C", 11)):
        reg.register("by_unit", "staff", {"unit": u}, n)
    assert not reg.register("sample", "staff", {}, 55)  # 55 - 53 = 2
    assert reg.register("sample_2", "staff", {}, 53)  # the same total as the breakdown


def test_populations_and_unnested_cells_do_not_interact():
    reg = Register()
    assert reg.register("t1", "staff:psm", {}, 55)
    assert reg.register("t2", "staff:trust", {}, 53)  # another variable's respondents
    assert reg.register("t3", "staff:psm", {"unit": "A"}, 24)
    assert reg.register("t4", "staff:psm", {"sex": "f"}, 22)  # not nested in unit A
    assert reg.register("t5", "staff:psm", {"unit": "A"}, 24)  # the same count again
    assert reg.findings == []


@pytest.mark.parametrize("seed", range(20))
def test_random_tables_leave_no_small_difference(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    reg = Register()
    total = int(rng.integers(40, 80))
    sizes = {f"d{d}": rng.multinomial(total, [0.4, 0.3, 0.2, 0.1]) for d in range(3)}
    for t in range(6):
        # each table: the total, or the total less a few left out, and one breakdown
        dim = f"d{rng.integers(3)}"
        reg.register(f"total_{t}", "p", {}, total - int(rng.integers(0, 6)))
        for v, n in enumerate(sizes[dim]):
            reg.register(f"table_{t}", "p", {dim: v}, int(n) if n >= 5 else None)
    assert_no_small_difference(reg)


def test_default_register_is_per_process_and_resettable():
    reg = differencing.reset()
    assert differencing.default_register() is reg
    reg.register("x", "p", {}, 10)
    assert differencing.reset().entries == []


def test_staff_group_comparisons_hide_differencing_counts():
    from ruse_research.studies import staff

    data = staff.load()
    groups = staff.group_comparisons(staff.scored(data), ["unit", "position"], ["psm"],
                                     n_boot=20)
    tests = groups.tests.dropna(subset=["n"])
    assert len(tests["n"].unique()) <= 1 or tests["n"].max() - tests["n"].min() >= 5
    by = groups.means.dropna(subset=["n"]).groupby("by")["n"].sum()
    total = tests["n"].max()
    for dim, n in by.items():
        assert not 0 < abs(total - n) < 5, (dim, n, total)


def test_panel_weights_hide_a_group_that_recombines():
    import dataclasses

    from ruse_research.studies import participation

    data = participation.load()
    w = data.weights
    keep = list(w.index[w["rater_group"] == participation.ADMIN]) + list(
        w.index[w["rater_group"] == participation.CIVIL][:2])
    small = dataclasses.replace(data, weights=w.loc[keep])
    weights = participation.panel_weights(small)
    assert weights.by_group.empty  # the administration's means would give the other 2's
    assert weights.n_admin is None and weights.n_civil is None
    from ruse_research.display.catalog import texts

    t = texts("participation", "en")
    assert t.count(weights.n_civil) == "some" and t.count(2) == "fewer than 5"
    assert t.count(12) == "12"


def test_error_messages_never_name_a_count_below_the_threshold():
    # failure messages are published (failed/failure.json, the failed report)
    from ruse_research.display.blocks import quote_bundle
    from ruse_research.display.tables import check_counts
    from ruse_research.stats.disclosure import DisclosureError, check_no_small_cells

    for call in (lambda: check_counts(pd.DataFrame({"n": [12, 3]})),
                 lambda: check_no_small_cells(pd.DataFrame({"g": ["a", "b"], "n": [12, 3]}),
                                              count_columns="n"),
                 lambda: quote_bundle(["x"], "en", base_n=3)):
        with pytest.raises(DisclosureError) as err:
            call()
        assert "3" not in str(err.value), str(err.value)
