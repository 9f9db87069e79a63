"""Run matrices: one params file expands into named runs (regions x languages), each checked
with its own region profile and cached on its own; selections take patterns. No kernel starts."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from ruse_research import runner
from ruse_research.errors import ParamsError
from ruse_research.runner import cache, executors, matrix, plan

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "runner"))
from runner_project import CHECKOUT, make_project  # noqa: E402

MATRIX = """notebook: notebooks/90_standin.ipynb
title: {bg: "Заместваща тетрадка {region}", en: "Stand-in notebook {region}"}
parameters:
  threshold: 3
matrix:
  region: all
  lang: [bg, en]
"""


def matrix_project(tmp_path, monkeypatch, text: str = MATRIX) -> Path:
    """The stand-in project with two region profiles (ruse, gabrovo) and a matrix params file."""
    root = make_project(tmp_path, monkeypatch, with_source=False)
    for region in ("ruse", "gabrovo"):
        (root / "data" / "regions" / region).mkdir(parents=True)
        shutil.copy2(CHECKOUT / "data" / "regions" / region / "profile.yaml", root / "data" / "regions" / region)
    (root / "data" / "regions" / "gabrovo" / "raw").mkdir()
    shutil.copy2(root / "data" / "raw" / "demo.csv", root / "data" / "regions" / "gabrovo" / "raw" / "demo.csv")
    (root / "params" / "standin.yaml").write_text(text, encoding="utf-8")
    return root


def test_matrix_expands_into_named_runs_listed_one_by_one(tmp_path, monkeypatch):
    root = matrix_project(tmp_path, monkeypatch)
    rows = runner.list_runs(root)
    assert [(r["run"], r["lang"], r["status"]) for r in rows] == [
        ("standin.bg", "bg", "not run"), ("standin.en", "en", "not run"),
        ("standin.gabrovo.bg", "bg", "not run"), ("standin.gabrovo.en", "en", "not run"),
        ("standin.ruse.bg", "bg", "not run"), ("standin.ruse.en", "en", "not run"),
    ]
    gabrovo = matrix.load(matrix.select(["standin.gabrovo.en"], root)[0], root=root)
    assert gabrovo.profile == "gabrovo"
    assert gabrovo.title == "Stand-in notebook Gabrovo region"
    # the profile's own data folder is read, and the notebook is told so
    assert gabrovo.inputs["demo_path"] == root / "data" / "regions" / "gabrovo" / "raw" / "demo.csv"
    assert gabrovo.overrides == {"threshold": 3, "lang": "en", "demo_path": "data/regions/gabrovo/raw/demo.csv"}
    assert matrix.environment_of(gabrovo) == {"RUSE_RESEARCH_PROFILE": "gabrovo"}


def test_each_matrix_run_has_its_own_cache_key(tmp_path, monkeypatch):
    root = matrix_project(tmp_path, monkeypatch)
    store = cache.FileHashStore()
    runs = [matrix.load(s, store, root) for s in matrix.select(["standin.*.*"], root)]
    plans = plan.plan_runs(runs, root, root / "outputs", store)
    assert len({p.cache_key for p in plans}) == 4
    inputs = {p.run.name: p.components["inputs"] for p in plans}
    assert "data/regions/gabrovo/profile.yaml" in inputs["standin.gabrovo.bg"]
    assert "data/regions/ruse/profile.yaml" in inputs["standin.ruse.bg"]
    assert "data/regions/gabrovo/raw/demo.csv" in inputs["standin.gabrovo.bg"]


def test_selection_by_pattern_and_its_errors(tmp_path, monkeypatch):
    root = matrix_project(tmp_path, monkeypatch)
    assert [s.name for s in matrix.select(["standin.*.bg"], root)] == ["standin.gabrovo.bg", "standin.ruse.bg"]
    assert [s.name for s in matrix.select(["standin.ruse.en", "standin.?n"], root)] == ["standin.ruse.en",
                                                                                          "standin.en"]
    with pytest.raises(ParamsError, match=r"^params: no run matches 'other\.\*', expected a pattern"):
        matrix.select(["other.*"], root)
    with pytest.raises(ParamsError, match=r"^params/standin\.sofia\.bg\.yaml: no such run"):
        matrix.select(["standin.sofia.bg"], root)


@pytest.mark.parametrize(("axes", "message"), [
    ("region: [sofia]", r"matrix\.region: 'sofia' is not a profile id"),
    ("lang: [bg, de]", r"matrix\.lang: found 'de', expected one of bg, en"),
    ("lang: bg", r"matrix\.lang: found 'bg', expected a non-empty list"),
    ("langs: [bg]", r"matrix: found .*, expected a mapping with keys region and/or lang"),
])
def test_bad_matrix_is_one_line_naming_the_file(tmp_path, monkeypatch, axes, message):
    root = matrix_project(tmp_path, monkeypatch, MATRIX.split("matrix:")[0] + "matrix:\n  " + axes + "\n")
    with pytest.raises(ParamsError, match=r"^params/standin\.yaml: " + message):
        matrix.select(["standin.*"], root)
    status = {r["run"]: r["status"] for r in runner.list_runs(root)}["standin"]
    assert status.startswith("invalid: params/standin.yaml: matrix")


def test_executor_addresses():
    assert executors.parse_address("dask://10.0.0.5:8786") == ("dask", "tcp://10.0.0.5:8786")
    with pytest.raises(ParamsError, match="expected local, dask or dask://HOST:PORT"):
        executors.parse_address("dask://")
    with pytest.raises(ParamsError, match="--executor"):
        runner.run_study(["standin.bg"], executor="kubernetes")


def test_a_run_lost_with_its_worker_is_recorded_as_failed_and_keeps_its_good_outputs(tmp_path):
    from ruse_research.runner.spec import RunSpec

    outputs = tmp_path / "outputs"
    (outputs / "demo.en").mkdir(parents=True)
    (outputs / "demo.en" / "report.html").write_text("previous good report", encoding="utf-8")
    spec = RunSpec(name="demo.en", notebook=tmp_path / "nb.ipynb", notebook_rel="nb.ipynb", title="Demo",
                   description="", lang="en", overrides={}, parameters={"lang": "en"}, inputs={},
                   synthetic=False, cache_key="0" * 64, components={}, reason="new",
                   git={"commit": "unknown", "dirty": None}, packages={}, root=tmp_path, outputs=outputs)
    result = executors._failed(spec, "WorkerDied", "dask worker tcp://10.0.0.5:1 died while executing this run",
                               "tcp://10.0.0.5:8786")
    assert result.failure.describe() == "WorkerDied: dask worker tcp://10.0.0.5:1 died while executing this run"
    record = json.loads((outputs / "demo.en" / "failed" / "failure.json").read_text(encoding="utf-8"))
    assert record["status"] == "failed" and record["error"]["ename"] == "WorkerDied"
    assert record["executor"] == {"kind": "dask", "scheduler": "tcp://10.0.0.5:8786"}
    assert (outputs / "demo.en" / "report.html").read_text(encoding="utf-8") == "previous good report"


def _entry(folder: Path, name: str, size: int, age_s: float) -> Path:
    import os
    import time

    path = folder / name[:2] / f"{name}.pickle"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (time.time() - age_s, time.time() - age_s))
    return path


def test_memo_pruning_keeps_the_latest_runs_entries_and_the_newest_under_the_cap(tmp_path, monkeypatch):
    import time

    from ruse_research.runner import memo_prune

    used = _entry(tmp_path, "aa" + "0" * 62, 100, 0)        # used by the latest run
    recent = _entry(tmp_path, "bb" + "0" * 62, 100, 600)    # not used, newer
    old = _entry(tmp_path, "cc" + "0" * 62, 100, 7200)      # not used, older
    stale = tmp_path / "cc" / "x.pickle.123.tmp"
    stale.write_bytes(b"partial")
    import os

    os.utime(stale, (time.time() - 2 * memo_prune.STALE_TMP_S,) * 2)
    since = time.time() - 60
    assert memo_prune.prune(tmp_path, since=since, max_bytes=150) == (1, 100)  # the older one goes
    assert used.exists() and recent.exists() and not old.exists() and not stale.exists()
    assert memo_prune.prune(tmp_path, since=since, max_bytes=0) == (1, 100)    # only the latest run's
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [used.name]
    assert not (tmp_path / "bb").exists()  # emptied folders go
    monkeypatch.setenv(memo_prune.MAX_MB_ENV, "1.5")
    assert memo_prune.max_bytes_from_env() == int(1.5 * 1024 * 1024)
    monkeypatch.setenv(memo_prune.MAX_MB_ENV, "lots")
    assert memo_prune.max_bytes_from_env() == int(memo_prune.DEFAULT_MAX_MB * 1024 * 1024)
    assert memo_prune.prune(tmp_path / "missing", since=since) == (0, 0)


def test_a_memo_hit_marks_the_entry_used(tmp_path, monkeypatch):
    import os

    from ruse_research import memo

    monkeypatch.setenv(memo.MEMO_ENV, str(tmp_path))

    calls = []

    @memo.memoized
    def triple(x):
        calls.append(x)
        return 3 * x

    assert triple(2) == 6
    (entry,) = tmp_path.glob("*/*.pickle")
    os.utime(entry, (1_000_000, 1_000_000))
    assert triple(2) == 6 and entry.stat().st_mtime > 1_000_000  # the hit touched it
    assert calls == [2]  # a hit, not a recomputation that rewrote the entry


def test_shipped_memo_entries_are_written_once_and_reported_when_used(tmp_path):
    import time

    from ruse_research.runner import memo_prune

    name = "ab/ab" + "1" * 62 + ".pickle"
    executors._memo_in(tmp_path, {name: b"one", "../escape.pickle": b"no"})
    assert (tmp_path / name).read_bytes() == b"one" and not (tmp_path.parent / "escape.pickle").exists()
    executors._memo_in(tmp_path, {name: b"two"})  # content-addressed: an entry present stays
    assert (tmp_path / name).read_bytes() == b"one"
    assert memo_prune.used_since(tmp_path, time.time() - 60) == [name]
    assert memo_prune.used_since(tmp_path, time.time() + 60) == []


def test_the_client_memo_is_shipped_only_under_its_size_limit(tmp_path):
    names = ["ab/ab" + c * 62 + ".pickle" for c in "12"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x" * 10)
    (tmp_path / "ab" / "not-a-memo-entry.pickle").write_bytes(b"y" * 100)  # not named as an entry
    assert executors._read_memo(tmp_path, limit=20) == {n: b"x" * 10 for n in names}
    assert executors._read_memo(tmp_path, limit=19) == {}
    assert executors._read_memo(None) == {} and executors._read_memo(tmp_path / "missing") == {}
