"""Params files checked against the notebook's parameters cell (ruse_research.runner.params)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ruse_research.errors import ParamsError
from ruse_research.runner import params


def make_root(tmp_path: Path, cell: str) -> Path:
    root = tmp_path / "project"
    (root / "params").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "x.csv").write_text("a\n1\n", encoding="utf-8")
    nb = {"cells": [{"cell_type": "code", "source": cell, "outputs": [], "execution_count": None,
                     "metadata": {"tags": ["parameters"]}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "notebooks").mkdir()
    (root / "notebooks" / "nb.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return root


CELL = "lang = 'en'\nalpha = 0.05\nn_boot: int = 100\nlabel = None\nwhen = '2019-01-18'\nx_path = 'data/x.csv'\nroot = str(1)"


def load(root: Path, text: str) -> params.Run:
    path = root / "params" / "demo.en.yaml"
    path.write_text(text, encoding="utf-8")
    return params.load_run(path, root=root)


def test_types_follow_the_defaults(tmp_path):
    root = make_root(tmp_path, CELL)
    run = load(root, "notebook: notebooks/nb.ipynb\ntitle: Demo\nparameters: {alpha: 1, label: [1, 2], root: 5}\n")
    assert run.parameters["alpha"] == 1  # an int is accepted for a float default
    assert run.parameters["label"] == [1, 2]  # a None default accepts any type
    assert run.parameters["root"] == 5  # an expression default is not type-checked
    assert run.inputs == {"x_path": root / "data" / "x.csv"}
    assert run.lang == "en" and run.title == "Demo" and run.name == "demo.en"


def test_dates_stay_text(tmp_path):
    root = make_root(tmp_path, CELL)
    run = load(root, "notebook: notebooks/nb.ipynb\ntitle: Demo\nparameters: {when: 2020-02-29}\n")
    assert run.parameters["when"] == "2020-02-29"


@pytest.mark.parametrize("text,words", [
    ("notebook: notebooks/nb.ipynb\ntitle: Demo\nparameters: {n_boot: 1.5}\n",
     ["parameters.n_boot", "found 1.5", "expected a whole number"]),
    ("notebook: notebooks/nb.ipynb\ntitle: Demo\nparameters: {alpha: true}\n", ["parameters.alpha", "expected a number"]),
    ("notebook: notebooks/nb.ipynb\ntitle: Demo\nparameters: {lang: de}\n",
     ["parameters.lang", "language 'de' is not supported", "expected one of bg, en"]),
    ("notebook: notebooks/nb.ipynb\ntitle: {de: Demo}\n", ["title", "expected text or a mapping"]),
    ("notebook: notebooks/nb.ipynb\ntitle: Demo\nparameters:\n  alpha: 0.1\n  alpha: 0.2\n",
     ["broken YAML at line 5", "key 'alpha' appears twice (first on line 4)"]),
    ("notebook: notebooks/nb.ipynb\ntitle: Demo\nparameters: {x_path: data/none.csv}\n",
     ["parameters.x_path", "data/none.csv not found"]),
    ("- a\n- b\n", ["found list, expected a mapping"]),
])
def test_bad_params_give_one_line_naming_the_file(tmp_path, text, words):
    root = make_root(tmp_path, CELL)
    with pytest.raises(ParamsError) as caught:
        load(root, text)
    message = str(caught.value)
    assert message.startswith("params/demo.en.yaml: ") and "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_a_bad_notebook_default_of_lang_is_named(tmp_path):
    root = make_root(tmp_path, "lang = 'fr'")
    with pytest.raises(ParamsError, match="notebook default of lang: language 'fr'"):
        load(root, "notebook: notebooks/nb.ipynb\ntitle: Demo\n")


def test_parameters_cell_syntax_error_is_reported(tmp_path):
    root = make_root(tmp_path, "lang = (")
    with pytest.raises(ParamsError, match="parameters cell of notebooks/nb.ipynb is not valid Python"):
        load(root, "notebook: notebooks/nb.ipynb\ntitle: Demo\n")


def test_select_runs_keeps_order_and_drops_repeats(tmp_path):
    root = make_root(tmp_path, CELL)
    for name in ("b.en", "a.en"):
        (root / "params" / f"{name}.yaml").write_text("notebook: notebooks/nb.ipynb\ntitle: T\n", encoding="utf-8")
    assert [params.run_name(p) for p in params.select_runs(["b.en", "a.en", "b.en"], root)] == ["b.en", "a.en"]
    assert [params.run_name(p) for p in params.select_runs(None, root)] == ["a.en", "b.en"]


def test_relative_to_root_leaves_outside_paths_alone(tmp_path):
    assert params.relative_to_root(tmp_path / "a" / "b.csv", tmp_path) == "a/b.csv"
    assert params.relative_to_root(Path("/elsewhere/b.csv"), tmp_path) == "/elsewhere/b.csv"
