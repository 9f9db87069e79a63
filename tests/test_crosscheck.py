"""Disclosure across the published tables of a run (runner.crosscheck, issue 20 point 6):
constructed table bundles, no kernel. Counts that another published count would turn into a
group of 1-4 are hidden in every form of the output with a note; never a failure."""

from __future__ import annotations

import itertools
import json
import random
import re

import pytest

from ruse_research.contract import TABLE_MIME
from ruse_research.display.tables import table_bundle
from ruse_research.runner import crosscheck
from ruse_research.runner.artifacts import extract_artifacts, read_table_csv


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
    """Brute force over every published count: pairs with equal or nested cells that differ
    by 1 to k-1, and cells whose one-label breakdown adds up to 1 to k-1 fewer or more."""
    counts = [(p["name"], cell, n) for p in payloads for _, _, cell, n in crosscheck.entries(p)
              if n is not None]
    bad = []
    for (ta, a, na), (tb, b, nb) in itertools.combinations(counts, 2):
        if (a == b and 0 < abs(na - nb) < k) or (a < b and 0 < na - nb < k) or (b < a and 0 < nb - na < k):
            bad.append(((ta, sorted(a), na), (tb, sorted(b), nb)))
    for parent_table, parent, total in counts:
        by_dim: dict[str, dict[str, int]] = {}
        for _, child, n in counts:
            extra = child - parent
            if parent < child and len(extra) == 1:
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
            for row, col, _, n in crosscheck.entries(payload):
                if n is None:  # hidden (here or in the study): empty in the CSV too
                    assert pd.isna(frame.iloc[row, col + offset]), (run.name, payload["name"], row, col)
