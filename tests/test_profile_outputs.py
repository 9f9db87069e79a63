"""Outputs of two region profiles never overwrite each other silently.

Every run's ``provenance.json`` records the profile it was made for; a run for another
profile than the one published in ``outputs/<run>/`` stops before any kernel starts (exit 2,
one line naming both profiles), and ``--force`` replaces the outputs. Planning only: no
kernel starts here.
"""

from __future__ import annotations

import json

import pytest

from ruse_research import paths
from ruse_research.data import profile
from ruse_research.runner import cache, plan
from ruse_research.runner.params import load_run

RUN = "staff_attitudes.en"


def _publish(outputs, recorded: str | None) -> None:
    """What an earlier good run left in outputs/<RUN>/, made for profile ``recorded``."""
    folder = outputs / RUN
    folder.mkdir(parents=True)
    for name in ("notebook.ipynb", "report.html"):
        (folder / name).write_text("{}", encoding="utf-8")
    components = {} if recorded is None else {"profile": recorded}
    (folder / "provenance.json").write_text(json.dumps(
        {"status": "ok", "cache_key": "0" * 64, "cache_components": components}), encoding="utf-8")


def _plans(outputs, force=False):
    store = cache.FileHashStore()
    runs = [load_run(paths.params_dir() / f"{RUN}.yaml", store)]
    return plan.plan_runs(runs, paths.project_root(), outputs, store, force=force)


def test_the_cache_components_record_the_active_profile(tmp_path):
    (item,) = _plans(tmp_path)
    assert item.components["profile"] == profile.load().id and item.execute


def test_outputs_of_another_profile_are_not_replaced_without_force(tmp_path):
    active = profile.load().id
    _publish(tmp_path, "elsewhere")
    with pytest.raises(plan.ProfileSwitchError) as err:
        _plans(tmp_path)
    assert str(err.value) == (
        f"outputs/{RUN} holds reports of profile 'elsewhere' and this run is for profile "
        f"{active!r} (RUSE_RESEARCH_PROFILE): add --force to replace them, or move outputs/ "
        "aside to keep them")
    (item,) = _plans(tmp_path, force=True)
    assert item.execute and item.reason == "forced"


@pytest.mark.parametrize("recorded", ["same", None])
def test_outputs_of_the_same_or_an_unrecorded_profile_are_replaced_as_before(tmp_path, recorded):
    _publish(tmp_path, profile.load().id if recorded == "same" else None)
    (item,) = _plans(tmp_path)
    assert item.execute  # the stored cache key differs: the run executes, nothing refused
