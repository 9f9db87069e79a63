"""The numeric comparison that nbval uses (tests/nbval_numeric.py): close numbers pass,
everything else stays exact."""

from __future__ import annotations

import nbval_numeric as nn
import pytest

TABLE = "application/vnd.ruse.table+json"


def table(*values, n=41, label="Attitude"):
    return {"name": "t", "columns": ["label", "n", "mean"], "index": [0],
            "data": [[label, n, *values]]}


@pytest.mark.parametrize(("fresh", "stored"), [
    (42.79171583745242, 42.79171583745244),        # issue #13: last two digits
    (0.4228096997715302, 0.4228096997715445),
    (0.6736698370856256, 0.6736698363456183),      # omega's optimiser: 1.1e-9 relative
    (1e-17, -3e-17),                               # zero up to rounding
])
def test_summation_order_noise_is_accepted(fresh, stored):
    tally = nn._Tally()
    assert nn.json_close(table(fresh), table(stored), tally)
    assert tally.count == 1


@pytest.mark.parametrize(("fresh", "stored"), [
    (0.673671, 0.673670),     # 6th significant digit
    (42.7918, 42.7917),
    (float("nan"), 0.5),
])
def test_real_changes_fail(fresh, stored):
    assert not nn.json_close(table(fresh), table(stored), nn._Tally())


def test_counts_labels_and_shapes_stay_exact():
    assert not nn.json_close(table(0.5, n=41), table(0.5, n=42), nn._Tally())
    assert not nn.json_close(table(0.5, label="Trust"), table(0.5), nn._Tally())
    assert not nn.json_close(table(0.5, 0.1), table(0.5), nn._Tally())
    assert not nn.json_close({"a": 1.0}, {"b": 1.0}, nn._Tally())
    assert not nn.json_close(True, 1, nn._Tally())


def test_text_numbers_compare_as_numbers_and_text_exactly():
    assert nn.text_close("r = 0.4228096997715445", "r = 0.4228096997715302", nn._Tally())
    assert not nn.text_close("r = 0.42281", "r = 0.42280", nn._Tally())   # display precision
    assert not nn.text_close("n = 41", "n = 42", nn._Tally())
    assert not nn.text_close("mean 0.5", "median 0.5", nn._Tally())
    assert not nn.text_close("1 2", "1 2 3", nn._Tally())


def test_svg_coordinates_allow_a_last_digit_flip_only():
    stored = '<path d="M 72.123456 40.5 L 80.25 41.000001"/>'
    assert nn.value_close("image/svg+xml", '<path d="M 72.123457 40.5 L 80.25 41.000002"/>',
                          stored, nn._Tally())
    assert not nn.value_close("image/svg+xml", '<path d="M 72.2 40.5 L 80.25 41.000001"/>',
                              stored, nn._Tally())


def test_reconcile_replaces_only_close_values():
    fresh = [{"output_type": "display_data", "data": {TABLE: table(0.1 + 0.2), "text/plain": "x"}}]
    stored = [{"output_type": "display_data", "data": {TABLE: table(0.3), "text/plain": "x"}}]
    assert nn.reconcile(fresh, stored)[0]["data"][TABLE] == table(0.3)
    changed = [{"output_type": "display_data", "data": {TABLE: table(0.31), "text/plain": "x"}}]
    assert nn.reconcile(changed, stored)[0]["data"][TABLE] == table(0.31)


def test_tolerance_log(tmp_path, monkeypatch):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv(nn.LOG_ENV, str(log))
    fresh = [{"output_type": "display_data", "data": {TABLE: table(0.1 + 0.2)}}]
    stored = [{"output_type": "display_data", "data": {TABLE: table(0.3)}}]
    nn.reconcile(fresh, stored, where="nb::Cell 1")
    assert '"numbers": 1' in log.read_text()


# ------------------------------------------------- the profile a notebook's stored outputs record
class _File:
    def __init__(self, name: str, profile: str | None):
        self.name = name
        self.nb = {"metadata": {"ruse": {"profile": profile}} if profile else {}}


class IPyNbCell:  # the hooks know nbval's cells by their class name
    def __init__(self, parent: _File):
        self.parent = parent


def test_each_notebook_runs_under_the_profile_it_records_and_the_variable_comes_back(monkeypatch):
    monkeypatch.setenv("RUSE_RESEARCH_PROFILE", "gabrovo")
    demo, plain = _File("a.ipynb", "demo"), _File("b.ipynb", None)
    a1, a2, b1 = IPyNbCell(demo), IPyNbCell(demo), IPyNbCell(plain)
    nn.pytest_runtest_setup(a1)
    assert nn.os.environ["RUSE_RESEARCH_PROFILE"] == "demo"  # before the kernel starts
    nn.pytest_runtest_teardown(a1, a2)
    nn.pytest_runtest_setup(a2)
    assert nn.os.environ["RUSE_RESEARCH_PROFILE"] == "demo"
    nn.pytest_runtest_teardown(a2, b1)
    assert nn.os.environ["RUSE_RESEARCH_PROFILE"] == "gabrovo"  # restored after the last cell
    nn.pytest_runtest_setup(b1)
    assert nn.os.environ["RUSE_RESEARCH_PROFILE"] == "gabrovo"  # records none: the active one
    nn.pytest_runtest_teardown(b1, None)


def test_a_notebook_whose_next_cell_went_elsewhere_does_not_leak_its_profile(monkeypatch):
    # under --dist worksteal the cell a teardown names as next may run on another worker
    monkeypatch.delenv("RUSE_RESEARCH_PROFILE", raising=False)
    demo, plain = _File("a.ipynb", "demo"), _File("b.ipynb", None)
    a1, a2, b1 = IPyNbCell(demo), IPyNbCell(demo), IPyNbCell(plain)
    nn.pytest_runtest_setup(a1)
    nn.pytest_runtest_teardown(a1, a2)  # a2 is stolen
    nn.pytest_runtest_setup(b1)
    assert "RUSE_RESEARCH_PROFILE" not in nn.os.environ
    nn.pytest_runtest_teardown(b1, None)


def test_a_notebook_recording_a_profile_the_project_lacks_fails_in_one_line(monkeypatch):
    monkeypatch.delenv("RUSE_RESEARCH_PROFILE", raising=False)
    cell = IPyNbCell(_File("a.ipynb", "atlantis"))
    with pytest.raises(pytest.fail.Exception) as failed:
        nn.pytest_runtest_setup(cell)
    message = str(failed.value)
    assert "\n" not in message
    assert message.startswith("a.ipynb: records profile 'atlantis' (metadata.ruse.profile)")
    assert "ruse-research refresh --profile ID" in message
    assert "RUSE_RESEARCH_PROFILE" not in nn.os.environ
