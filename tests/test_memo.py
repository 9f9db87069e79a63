"""The memo of expensive calls: a hit returns what computing would; changing the package code,
a library version stand-in or the data (arguments) changes the key, so nothing stale is reused."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd

from ruse_research import memo
from ruse_research.stats import compare

CHECKOUT_PACKAGE = memo.Path(memo.__file__).resolve().parent


def test_a_hit_returns_the_computed_result_and_skips_the_work(tmp_path, monkeypatch):
    monkeypatch.setenv(memo.MEMO_ENV, str(tmp_path / "memo"))
    calls = []
    real = compare._epsilon_squared_ci.__wrapped__

    def counting(*args):
        calls.append(args)
        return real(*args)

    groups = (np.array([1.0, 2, 3, 4, 2]), np.array([3.0, 4, 5, 5, 4]), np.array([2.0, 2, 3, 5, 1]))
    wrapped = memo.memoized(counting)
    first = wrapped(groups, 200, 0.95, 7)
    second = wrapped(groups, 200, 0.95, 7)
    assert first == second and len(calls) == 1
    assert first == real(groups, 200, 0.95, 7)  # the stored value is the computed one
    wrapped(groups, 200, 0.95, 8)  # another seed is another key
    assert len(calls) == 2
    changed = (groups[0], groups[1], np.array([2.0, 2, 3, 5, 2]))  # one answer of the data changed
    wrapped(changed, 200, 0.95, 7)
    assert len(calls) == 3
    wrapped(tuple(g.astype("float32") for g in groups), 200, 0.95, 7)  # dtype is content too
    assert len(calls) == 4
    assert len(list((tmp_path / "memo").rglob("*.pickle"))) == 4


def test_changing_the_package_code_changes_every_key(tmp_path):
    copy = tmp_path / "ruse_research"
    shutil.copytree(CHECKOUT_PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = memo.code_hash.__wrapped__(copy)
    assert before == memo.code_hash.__wrapped__(copy)
    target = copy / "stats" / "compare.py"
    target.write_text(target.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    after = memo.code_hash.__wrapped__(copy)
    assert after != before
    catalog = next((copy / "locale").glob("*.yaml"))
    catalog.write_text(catalog.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert memo.code_hash.__wrapped__(copy) not in (before, after)
    args = ((np.arange(3),), {})
    assert memo.key_for(len, *args, code=before) != memo.key_for(len, *args, code=after)


def test_frames_are_keyed_by_values_index_and_columns():
    frame = pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]}, index=["x", "y"])
    key = memo.key_for(len, (frame,), {})
    assert key == memo.key_for(len, (frame.copy(),), {})
    assert key != memo.key_for(len, (frame.rename(index={"y": "z"}),), {})
    assert key != memo.key_for(len, (frame.rename(columns={"b": "c"}),), {})
    assert key != memo.key_for(len, (frame.assign(b=[0.5, 1.25]),), {})
    assert key != memo.key_for(len, (frame.astype({"a": "float64"}),), {})


def test_arguments_it_cannot_key_by_content_compute_without_the_memo(tmp_path, monkeypatch):
    monkeypatch.setenv(memo.MEMO_ENV, str(tmp_path / "memo"))
    calls = []

    @memo.memoized
    def size(thing):
        calls.append(thing)
        return 1

    opaque = object()
    assert size(opaque) == size(opaque) == 1
    assert len(calls) == 2 and not (tmp_path / "memo").exists()


def test_without_the_environment_variable_nothing_is_stored(tmp_path, monkeypatch):
    monkeypatch.delenv(memo.MEMO_ENV, raising=False)
    groups = (np.array([1.0, 2, 3]), np.array([3.0, 4, 5]))
    assert compare._epsilon_squared_ci(groups, 50, 0.95, 1) == compare._epsilon_squared_ci(groups, 50, 0.95, 1)
