"""Disclosure across the published tables of a run (stats.across_tables, run in the kernel by show_table and by runner.crosscheck; issue 20 point 6):
constructed table bundles, no kernel. Counts that another published count would turn into a
group of 1-4 are hidden in every form of the output with a note; never a failure."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import pytest

from ruse_research.contract import POPULATION, TABLE_MIME
from ruse_research.display.tables import table_bundle
from ruse_research.runner import crosscheck
from ruse_research.runner.artifacts import extract_artifacts, read_table_csv
from ruse_research.stats import across_tables


def _output(frame, name, **kwargs):
    data, meta = table_bundle(frame, name, lang="en", **kwargs)
    return {"output_type": "display_data", "metadata": meta, "data": data}


def _notebook(*outputs):
    return {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
                       "outputs": list(outputs)}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _payloads(nb):
    return [o["data"][TABLE_MIME] for c in nb["cells"] if c["cell_type"] == "code"
            for o in c["outputs"] if TABLE_MIME in o.get("data", {})]


def visible_pairs_differing_by_a_few(payloads, k=5):
    """Brute force over every published count, as a cell of the run and of the population its
    table declares: pairs of one population with equal or nested cells that differ by 1 to k-1,
    and cells whose one-label breakdown adds up to 1 to k-1 fewer or more."""
    counts = [(p["name"], across_tables.POPULATION, cell, n) for p in payloads
              for _, _, cell, n in across_tables.entries(p) if n is not None]
    counts += [(p["name"], pop, cell, n) for p in payloads
               for _, _, pop, cell, n in across_tables.population_entries(p) if n is not None]
    bad = []
    for (ta, pa, a, na), (tb, pb, b, nb) in itertools.combinations(counts, 2):
        if pa == pb and ((a == b and 0 < abs(na - nb) < k) or (a < b and 0 < na - nb < k)
                         or (b < a and 0 < nb - na < k)):
            bad.append(((ta, sorted(a), na), (tb, sorted(b), nb)))
    for parent_table, population, parent, total in counts:
        by_dim: dict[str, dict[str, int]] = {}
        for _, pop, child, n in counts:
            extra = child - parent
            if pop == population and parent < child and len(extra) == 1:
                ((dim, value),) = extra
                by_dim.setdefault(dim, {})[value] = n
        for dim, members in by_dim.items():
            if 0 < abs(total - sum(members.values())) < k:
                bad.append(((parent_table, sorted(parent), total), dim))
    return bad


def test_the_same_count_published_twice_with_a_small_difference():
    import pandas as pd

    nb = _notebook(
        _output(pd.DataFrame({"Scale": ["psm"], "Grouped by": ["Position"], "n": [55]}), "by_position"),
        _output(pd.DataFrame({"Scale": ["psm"], "Grouped by": ["Position"], "n": [53], "H": [4.2]}),
                "by_position_again"),
    )
    findings = crosscheck.check_run(nb, "en")
    assert [(f.table, f.other_table, f.kind) for f in findings] == [
        ("by_position_again", "by_position", "same cell")]
    hidden = nb["cells"][0]["outputs"][1]["data"]
    assert hidden[TABLE_MIME]["data"] == [["psm", "Position", None, 4.2]]  # the test stays
    assert "<td class=\"text\">–</td>" in hidden["text/html"] and ">53<" not in hidden["text/html"]
    assert "53" not in hidden["text/plain"] and "4.2" in hidden["text/plain"]
    note = "Some numbers are hidden because"
    assert note in hidden["text/html"] and note in hidden["text/plain"]
    assert ">55<" in nb["cells"][0]["outputs"][0]["data"]["text/html"]  # the larger one stays
    assert not any(ch.isdigit() for ch in findings[0].note().replace("fewer than 5", ""))


def test_a_count_column_that_counts_one_wave_meets_that_waves_counts():
    """A wave-change table's ``n (1)`` counts wave 1 (``contract.COUNT_CELLS``): against the
    wave's weighting n it reveals one citizen without an answer, as the estimates table would."""
    import pandas as pd

    from ruse_research.contract import COUNT_CELLS

    wave1 = "Wave 1 (2019, baseline)"
    change = pd.DataFrame({"Group": ["Citizens"], "Indicator": ["Image"], "n (1)": [492],
                           "n (2)": [496], "Change": [0.39]})
    change.attrs[COUNT_CELLS] = {"n (1)": {"Wave": wave1}, "n (2)": {"Wave": "Wave 2"}}
    nb = _notebook(
        _output(pd.DataFrame({"Wave": [wave1, "Wave 2"], "n": [493, 520]}), "weights"),
        _output(change, "change", count_columns=["n (1)", "n (2)"]),
    )
    payload = _payloads(nb)[1]
    assert payload["count_cells"] == {"2": [["Wave", wave1]], "3": [["Wave", "Wave 2"]]}
    findings = crosscheck.check_run(nb, "en")
    assert [(f.table, f.other_table) for f in findings] == [("change", "weights")]
    assert _payloads(nb)[1]["data"] == [["Citizens", "Image", None, 496, 0.39]]  # only the count
    # without the declaration the column describes only itself and nothing is compared
    change.attrs.pop(COUNT_CELLS)
    plain = _notebook(_output(pd.DataFrame({"Wave": [wave1], "n": [493]}), "weights"),
                      _output(change, "change", count_columns=["n (1)", "n (2)"]))
    assert crosscheck.check_run(plain, "en") == []


def test_an_overall_mean_and_a_subgroup_mean_that_recombine_go_with_the_count():
    import pandas as pd

    # 12 raters in all, 10 of the administration: the other 2's mean would follow
    overall = pd.DataFrame({"Criterion": ["Clarity"], "n": [12], "Mean": [18.8], "SD": [7.4]})
    by_group = pd.DataFrame({"Criterion": ["Clarity"], "Rater group": ["Administration"], "n": [10],
                             "Mean": [21.7], "Median": [20.0]})
    nb = _notebook(_output(overall, "panel_overall"), _output(by_group, "panel_by_group"))
    findings = crosscheck.check_run(nb, "en")
    assert [f.kind for f in findings] == ["cell minus sub-cell"]
    row = _payloads(nb)[1]["data"][0]
    assert row == ["Clarity", "Administration", None, None, 20.0]  # n and Mean hidden; the median has no partner
    assert visible_pairs_differing_by_a_few(_payloads(nb)) == []


def test_a_breakdown_that_falls_short_of_its_total():
    import pandas as pd

    total = pd.DataFrame({"Scale": ["psm"], "Grouped by": ["Unit"], "n": [55]})
    units = pd.DataFrame({"Scale": ["psm"] * 3, "Grouped by": ["Unit"] * 3, "Group": ["A", "B", "C"],
                          "n": [24, 18, 11], "Mean": [3.1, 3.4, 3.2]})
    nb = _notebook(_output(total, "group_tests"), _output(units, "group_means"))
    assert visible_pairs_differing_by_a_few(_payloads(nb)) != []
    findings = crosscheck.check_run(nb, "en")
    assert [f.kind for f in findings] == ["cell minus its breakdown"]
    assert [r[3] for r in _payloads(nb)[1]["data"]] == [24, 18, None]  # the smallest goes
    assert visible_pairs_differing_by_a_few(_payloads(nb)) == []


def test_counts_already_hidden_are_never_compared_and_nothing_else_changes():
    import pandas as pd

    a = pd.DataFrame({"Group": ["NGOs", "Citizens"], "n": [pd.NA, 460]})
    b = pd.DataFrame({"Group": ["NGOs", "Citizens"], "n": [3 + 5, 460]})  # 8 is not small vs a hidden count
    nb = _notebook(_output(a, "a"), _output(b, "b"))
    before = json.dumps(nb, sort_keys=True)
    assert crosscheck.check_run(nb, "en") == []
    assert json.dumps(nb, sort_keys=True) == before


def test_unrelated_cells_and_label_less_tables_do_not_interact():
    import pandas as pd

    nb = _notebook(
        _output(pd.DataFrame({"n": [71], "Mean change": [0.56]}), "training_paired_t"),
        _output(pd.DataFrame({"Scale": ["Confidence (after)"], "n": [72]}), "reliability"),
        _output(pd.DataFrame({"Wave": ["1", "2"], "Group": ["Citizens"] * 2, "n": [460, 462]}), "estimates"),
    )
    assert crosscheck.check_run(nb, "en") == []


def test_hidden_counts_reach_the_exported_files_and_a_transposed_table(tmp_path):
    import pandas as pd

    wide = {f"Statistic {i}": [float(i)] for i in range(9)}  # one row, > 8 columns: transposed
    nb = _notebook(
        _output(pd.DataFrame({"Scale": ["psm"], "n": [40]}), "first"),
        _output(pd.DataFrame({"Scale": ["psm"], "n": [38], **wide}), "second"),
    )
    path = tmp_path / "notebook.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    import nbformat

    node = nbformat.read(path, as_version=4)
    notes = crosscheck.check_published(node, path, "en")
    assert len(notes) == 1 and "38" not in notes[0] and " 2 " not in notes[0]
    again = nbformat.read(path, as_version=4)  # the staged notebook was rewritten
    html = again["cells"][0]["outputs"][1]["data"]["text/html"]
    assert "ruse-transposed" in html and ">38<" not in html and "Some numbers are hidden" in html
    extract_artifacts(again, tmp_path / "out")
    frame = read_table_csv(tmp_path / "out" / "tables" / "second.csv")
    assert frame["n"].isna().all() and frame["Statistic 3"].tolist() == [3.0]


def test_a_fault_in_the_check_names_no_count(tmp_path, monkeypatch):
    def broken(nb, lang):
        raise ValueError("group of 3 in unit Legal")

    monkeypatch.setattr(crosscheck, "check_run", broken)
    with pytest.raises(crosscheck.CrossCheckError) as caught:
        crosscheck.check_published({"cells": []}, tmp_path / "nb.ipynb", "en")
    assert "3" not in str(caught.value) and "Legal" not in str(caught.value)
    assert not (tmp_path / "nb.ipynb").exists()


@pytest.mark.parametrize("seed", range(8))
def test_random_runs_leave_no_pair_that_reveals_a_small_group(seed):
    import pandas as pd

    rng = random.Random(seed)
    total = rng.randint(30, 90)
    shares = [rng.random() for _ in range(4)]
    sizes = [int(total * s / sum(shares)) for s in shares]
    sizes[0] += total - sum(sizes)
    outputs = []
    for t in range(6):
        scale = rng.choice(["psm", "trust"])
        left_out = rng.randint(0, 6)
        outputs.append(_output(pd.DataFrame({"Scale": [scale], "Grouped by": ["Unit"],
                                             "n": [total - left_out]}), f"tests_{t}"))
        rows = [(u, n) for u, n in zip("ABCD", sizes, strict=True) if rng.random() < 0.8]
        outputs.append(_output(pd.DataFrame({"Scale": [scale] * len(rows), "Grouped by": ["Unit"] * len(rows),
                                             "Group": [u for u, _ in rows],
                                             "n": [n if n >= 5 else pd.NA for _, n in rows],
                                             "Mean": [rng.random() for _ in rows]}), f"means_{t}"))
    nb = _notebook(*outputs)
    crosscheck.check_run(nb, "en")
    assert visible_pairs_differing_by_a_few(_payloads(nb)) == []


@pytest.mark.slow
def test_no_published_pair_of_tables_of_the_study_reveals_a_small_group(shared_study):
    """Every run of the shared study: no two published counts (equal or nested cells, or a
    cell and its breakdown) differ by 1-4, and what the check hid is hidden in the CSVs too."""
    import nbformat
    import pandas as pd

    runs = sorted(p.parent for p in (shared_study / "outputs").glob("*/notebook.ipynb"))
    assert len(runs) >= 8
    for run in runs:
        nb = nbformat.read(run / "notebook.ipynb", as_version=4)
        payloads = _payloads(nb)
        assert payloads, run.name
        assert visible_pairs_differing_by_a_few(payloads) == [], run.name
        record = json.loads((run / "provenance.json").read_text(encoding="utf-8"))
        for note in record.get("disclosure_across_tables", []):
            labels, _, reason = note.partition(") hidden: ")  # labels may hold digits ("Wave 2")
            assert labels.split(": count for run (")[0] and re.findall(r"\d+", reason) == ["5"], note
        for payload in payloads:
            if any(isinstance(c, list) for c in payload["columns"]):
                continue  # several header rows: not read back by read_table_csv
            frame = read_table_csv(run / "tables" / f"{payload['name']}.csv")
            offset = frame.shape[1] - len(payload["columns"])  # index columns the report shows
            assert offset >= 0 and len(frame) == len(payload["data"]), (run.name, payload["name"])
            for row, col, _, n in across_tables.entries(payload):
                if n is None:  # hidden (here or in the study): empty in the CSV too
                    assert pd.isna(frame.iloc[row, col + offset]), (run.name, payload["name"], row, col)


# ---------------------------------------------------------------------------------------------
# declared populations (contract.POPULATION): counts of the same people, labelled differently

def _scored_staff(frame, cell=(), columns=None, stats=None):
    frame.attrs[POPULATION] = {"who": "staff", "per": ["Scale"], "cell": list(cell),
                               **({"columns": columns} if columns else {}),
                               **({"stats": stats} if stats is not None else {})}
    return frame


def _group_tests(n_unit=53, n_position=55):
    import pandas as pd

    return pd.DataFrame({"Scale": ["psm", "psm", "trust"], "Grouped by": ["Unit", "Position", "Unit"],
                         "n": [n_unit, n_position, n_unit], "H": [4.2, 1.1, 0.7]})


def test_two_counts_of_one_population_labelled_differently_are_compared():
    """The test by unit (53) and by position (55) of one scale count the same staff: the unit of
    2 left out would follow. Only the later, smaller n goes (a test's H does not recombine);
    the other scale is another population and keeps its 53."""
    nb = _notebook(_output(_scored_staff(_group_tests(), stats=[]), "group_tests"))
    payload = _payloads(nb)[0]
    assert payload["population"] == {"who": "staff", "per": [0], "cell": [], "columns": {}, "stats": []}
    assert across_tables.population_entries(payload)[0][2:4] == ("staff: Scale=psm", frozenset())
    findings = crosscheck.check_run(nb, "en")
    assert [(f.table, f.other_table, f.kind, f.population) for f in findings] == [
        ("group_tests", "group_tests", "same cell", "staff: Scale=psm")]
    assert _payloads(nb)[0]["data"] == [["psm", "Unit", None, 4.2], ["psm", "Position", 55, 1.1],
                                        ["trust", "Unit", 53, 0.7]]
    html = nb["cells"][0]["outputs"][0]["data"]["text/html"]
    assert ">53<" in html and "Some numbers are hidden because" in html  # trust's 53 stays
    assert not any(ch.isdigit() for ch in findings[0].note().replace("fewer than 5", ""))
    assert visible_pairs_differing_by_a_few(_payloads(nb)) == []


def test_undeclared_tables_keep_todays_cells():
    """Without a declaration the tests by unit and by position are different cells of the run
    (nothing compared, as before); a declared table still meets undeclared ones as a cell of
    the run (its labels nest)."""
    import pandas as pd

    plain = _notebook(_output(_group_tests(), "group_tests"))
    before = json.dumps(plain, sort_keys=True)
    assert crosscheck.check_run(plain, "en") == []
    assert json.dumps(plain, sort_keys=True) == before
    assert "population" not in _payloads(plain)[0]
    mixed = _notebook(
        _output(_scored_staff(_group_tests(n_unit=53, n_position=80), stats=[]), "group_tests"),
        _output(pd.DataFrame({"Scale": ["psm"], "Grouped by": ["Unit"], "Group": ["Legal"], "n": [51]}),
                "undeclared_means"))
    assert [(f.table, f.population) for f in crosscheck.check_run(mixed, "en")] == [
        ("undeclared_means", "run")]


def test_a_total_and_the_sum_of_a_breakdown_of_the_same_population():
    """The group means' n by unit add up to the test by unit's n, not to the test by
    position's (the same staff): the smallest unit goes, with its mean (declared ``stats``)."""
    import pandas as pd

    means = _scored_staff(pd.DataFrame({
        "Scale": ["psm"] * 5, "Grouped by": ["Unit"] * 3 + ["Position"] * 2,
        "Group": ["Legal", "Finance", "Cabinet", "Expert", "Manager"],
        "n": [24, 18, 11, 40, 15], "Mean": [3.1, 3.4, 3.2, 3.3, 3.0], "Median": [3.0, 3.5, 3.0, 3.0, 3.0]}),
        cell=[("Grouped by", "Group")], stats=["Mean"])
    nb = _notebook(_output(_scored_staff(_group_tests(n_unit=pd.NA), stats=[]), "group_tests"),
                   _output(means, "group_means"))
    assert _payloads(nb)[1]["population"]["cell"] == [[1, 2]]
    assert visible_pairs_differing_by_a_few(_payloads(nb)) != []
    findings = crosscheck.check_run(nb, "en")
    assert [(f.table, f.other_table, f.kind) for f in findings] == [
        ("group_means", "group_tests", "cell minus its breakdown")]
    rows = _payloads(nb)[1]["data"]
    assert rows[2] == ["psm", "Unit", "Cabinet", None, None, 3.0]  # the median was not declared
    assert [r[3] for r in rows] == [24, 18, None, 40, 15]
    assert visible_pairs_differing_by_a_few(_payloads(nb)) == []


def test_a_count_column_with_its_own_cell_in_the_population():
    """A pairwise test's ``n (1)`` counts group 1: a group the means table hid (secondary
    suppression) must not come back through it."""
    import pandas as pd

    means = _scored_staff(pd.DataFrame({
        "Scale": ["psm"] * 3, "Grouped by": ["Unit"] * 3, "Group": ["Legal", "Finance", "Cabinet"],
        "n": [24, 18, pd.NA]}), cell=[("Grouped by", "Group")])
    pairs = _scored_staff(pd.DataFrame({
        "Scale": ["psm"], "Grouped by": ["Unit"], "Group 1": ["Legal"], "Group 2": ["Cabinet"],
        "n (1)": [24], "n (2)": [11], "U": [80.0]}),
        columns={"n (1)": [("Grouped by", "Group 1")], "n (2)": [("Grouped by", "Group 2")]}, stats=[])
    nb = _notebook(_output(_scored_staff(_group_tests(n_unit=55, n_position=55), stats=[]), "group_tests"),
                   _output(means, "group_means"),
                   _output(pairs, "group_pairwise", count_columns=["n (1)", "n (2)"]))
    assert _payloads(nb)[2]["population"]["columns"] == {"4": [[1, 2]], "5": [[1, 3]]}
    findings = crosscheck.check_run(nb, "en")
    assert [(f.table, f.kind) for f in findings] == [("group_pairwise", "cell minus its breakdown")]
    assert _payloads(nb)[2]["data"] == [["psm", "Unit", "Legal", "Cabinet", 24, None, 80.0]]


def test_a_population_naming_a_missing_column_is_refused():
    import pandas as pd

    from ruse_research.display.errors import ReportError

    frame = pd.DataFrame({"Scale": ["psm"], "n": [40]})
    frame.attrs[POPULATION] = {"who": "staff", "per": ["Skala"]}
    with pytest.raises(ReportError, match="'Skala'.*expected one of Scale, n"):
        _output(frame, "bad")


def test_a_suppressed_municipality_does_not_follow_from_the_waves_citizens():
    """Notebook 02's municipality table (the stakeholder layout, real ``published``) counts the
    citizens of its wave: with a municipality of 3 suppressed, the wave's citizens minus the
    others would give it, so one more municipality goes."""
    import pandas as pd

    from ruse_research.display import report
    from ruse_research.studies import stakeholder_tables as st
    from ruse_research.studies.stakeholders import CITIZEN

    t = report.texts("stakeholders", "en")
    names = st.Labels(t, {"wave": {1: "Wave 1", 2: "Wave 2"}, "wave_present": {1: "Wave 1", 2: "Wave 2"},
                          "wave_short": {1: "W1", 2: "W2"}, "group": {CITIZEN: "Citizens"},
                          "indicator": {"trust_ra": "Trust"}, "municipality": {1: "Ruse", 2: "Byala", 3: "Borovo"}})
    towns = pd.DataFrame({"variable": ["trust_ra"] * 3, "municipality": [1, 2, 3], "n": [40, 23, pd.NA],
                          "estimate": [5.0, 4.8, pd.NA], "ci_low": [4.0, 3.9, pd.NA],
                          "ci_high": [6.0, 5.7, pd.NA], "wave": [2] * 3})
    towns_table, kwargs = st.published("estimates_by_municipality", towns, names)
    groups = pd.DataFrame({"variable": ["trust_ra"], "wave": [2], "group": [CITIZEN], "n": [66],
                           "estimate": [4.9], "ci_low": [4.5], "ci_high": [5.3], "deff": [1.1]})
    groups_table, group_kwargs = st.published("estimates_by_group", groups, names)
    nb = _notebook(_output(groups_table, "estimates_by_group", **group_kwargs),
                   _output(towns_table, "estimates_by_municipality", **kwargs))
    wave, group = t("label_wave"), t("label_group")
    assert _payloads(nb)[1]["count_cells"] == {"2": [[wave, "Wave 2"], [group, "Citizens"]]}
    findings = crosscheck.check_run(nb, "en")
    assert [(f.table, f.kind) for f in findings] == [("estimates_by_municipality", "cell minus its breakdown")]
    assert [r[2] for r in _payloads(nb)[1]["data"]] == [40, None, None]
    assert visible_pairs_differing_by_a_few(_payloads(nb)) == []


def test_the_staff_studys_group_tests_are_checked_without_the_kernels_register(monkeypatch):
    """The real staff module with its in-kernel register bypassed: the test by unit counts 2
    fewer staff than the test by position (the hidden unit). The runner's check, from the
    tables' declared population alone, hides that n and the unit mean the breakdown would
    give away; with the register in place it finds nothing more to hide."""
    from ruse_research.display import report
    from ruse_research.studies import staff, staff_tables

    data = staff.load()
    scored = staff.scored(data)
    t = report.texts("staff", "en")

    def tables(groups):
        return _notebook(_output(staff_tables.group_tests_table(groups, data, t), "group_tests"),
                         _output(staff_tables.group_means_table(groups, data, t), "group_means"))

    args = (scored, ["unit", "position"], ["att_participation"])
    guarded = tables(staff.group_comparisons(*args, n_boot=10))
    monkeypatch.setattr(staff.differencing, "register_frame", lambda frame, *a, **k: frame)
    bare = tables(staff.group_comparisons(*args, n_boot=10))
    tests = {r[1]: r[2] for r in _payloads(bare)[0]["data"]}
    assert 0 < tests["Position"] - tests["Unit"] < 5  # what the kernel's register would hide
    assert visible_pairs_differing_by_a_few(_payloads(bare)) != []
    findings = crosscheck.check_run(bare, "en")
    assert {(f.table, f.kind) for f in findings} == {("group_tests", "same cell"),
                                                     ("group_means", "cell minus its breakdown")}
    assert visible_pairs_differing_by_a_few(_payloads(bare)) == []
    assert _payloads(bare)[0]["data"] == _payloads(guarded)[0]["data"]  # as the kernel hides
    hidden = [r for r in _payloads(bare)[1]["data"] if r[3] is None]
    assert hidden and all(v is None for r in hidden for v in r[3:])  # mean, CI, median go too
    assert crosscheck.check_run(guarded, "en") == []


def test_show_table_hides_in_the_kernel_what_earlier_tables_would_reveal(monkeypatch):
    """After ``start_report`` (``front_matter`` calls it) each shown table is checked against
    the tables shown before it, with the runner's check: the notebook hides what the report
    hides, and the runner then finds nothing more."""
    import pandas as pd

    from ruse_research.display import output, tables

    shown = []
    monkeypatch.setattr(output, "publish", lambda data, metadata=None: shown.append(
        {"output_type": "display_data", "metadata": metadata, "data": data}))
    monkeypatch.setattr(tables, "_ACROSS", None)
    frame = pd.DataFrame({"Scale": ["psm"], "n": [55]})
    tables.show_table(frame, "a", lang="en")
    tables.show_table(frame.assign(n=[53]), "b", lang="en")
    assert [_payloads(_notebook(o))[0]["data"] for o in shown] == [[["psm", 55]], [["psm", 53]]]
    shown.clear()
    tables.start_report("en")
    tables.show_table(frame, "a", lang="en")
    tables.show_table(frame.assign(n=[53]), "b", lang="en")
    assert [_payloads(_notebook(o))[0]["data"] for o in shown] == [[["psm", 55]], [["psm", None]]]
    assert "another table of this report" in shown[1]["data"]["text/html"]
    assert "53" not in shown[1]["data"]["text/plain"]
    assert crosscheck.check_run(_notebook(*shown), "en") == []
    tables.start_report("en")  # a new report starts from nothing
    tables.show_table(frame.assign(n=[53]), "b", lang="en")
    assert _payloads(_notebook(shown[-1]))[0]["data"] == [["psm", 53]]


@pytest.mark.parametrize("notebook", sorted(p.name for p in (Path(__file__).parents[1] / "notebooks").glob("*.ipynb")))
def test_the_stored_demo_outputs_already_pass_the_runners_check(notebook):
    """The notebooks in ``notebooks/`` keep the kernel's own outputs (nbval compares them), which
    anyone can read on the repository without the runner: the runner's check across tables,
    applied to them, finds nothing left to hide (``show_table`` hid it in the kernel)."""
    import nbformat

    nb = nbformat.read(Path(__file__).parents[1] / "notebooks" / notebook, as_version=4)
    lang = (nb.metadata.get("papermill", {}).get("parameters", {}) or {}).get("lang", "en")
    assert _payloads(nb), notebook
    assert [f.note() for f in crosscheck.check_run(nb, lang)] == []


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_the_runner_writes_the_kernels_own_note(lang):
    """One sentence in both places: a report checked by the kernel and again by the runner gets
    one note, not two that differ (say in how the threshold is written)."""
    from ruse_research.display.catalog import COMMON, texts
    from ruse_research.display.formats import fmt_int
    from ruse_research.runner import words
    from ruse_research.stats.disclosure import MIN_CELL

    kernel = texts(COMMON, lang)("note_differencing", k=fmt_int(MIN_CELL, lang))
    assert words.common_text("note_differencing", lang).format(k=MIN_CELL) == kernel
    assert crosscheck.check_run({"cells": [], "metadata": {}}, lang) == []
