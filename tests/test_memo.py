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


def test_dataclasses_are_keyed_by_class_and_fields():
    from dataclasses import dataclass, replace

    @dataclass(frozen=True)
    class Pattern:
        text: str
        weights: tuple

    @dataclass(frozen=True)
    class Other:
        text: str
        weights: tuple

    one = Pattern("услуги", (1, 2))
    key = memo.key_for(len, (one,), {})
    assert key == memo.key_for(len, (Pattern("услуги", (1, 2)),), {})
    assert key != memo.key_for(len, (replace(one, text="услуга"),), {})
    assert key != memo.key_for(len, (replace(one, weights=(1, 3)),), {})
    assert key != memo.key_for(len, (Other("услуги", (1, 2)),), {})  # another class, same fields


def test_the_versions_of_named_libraries_are_part_of_the_key(monkeypatch):
    args = ((np.arange(3),), {})
    plain = memo.key_for(len, *args)
    with_library = memo.key_for(len, *args, libraries=("simplemma",))
    assert with_library != plain
    monkeypatch.setattr(memo, "library_versions", lambda names: ",".join(f"{n}=99.0" for n in names))
    assert memo.key_for(len, *args, libraries=("simplemma",)) != with_library  # an upgrade invalidates


def test_theme_coding_is_memoised_and_a_hit_equals_the_computed_frame(tmp_path, monkeypatch):
    from ruse_research.stats import text

    monkeypatch.setenv(memo.MEMO_ENV, str(tmp_path / "memo"))
    themes = text.load_themes()
    answers = pd.Series(["Повече електронни услуги", "", "Нищо", "по-кратки опашки"], dtype="string")
    first = text.code_answers(answers, themes)
    assert len(list((tmp_path / "memo").rglob("*.pickle"))) == 1
    pd.testing.assert_frame_equal(text.code_answers(answers, themes), first)
    pd.testing.assert_frame_equal(first, text.code_answers.__wrapped__(answers, themes))
    text.code_answers(answers.replace("Нищо", "Повече прозрачност"), themes)  # other data: another key
    assert len(list((tmp_path / "memo").rglob("*.pickle"))) == 2
