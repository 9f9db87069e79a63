"""The kernel module: derived zygote preload, kernel managers and environment (no kernel started)."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

from ruse_research import paths
from ruse_research.runner import cache, kernels

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "ruse_research"


def notebook(folder: Path, *sources: str) -> Path:
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None}
             for s in sources]
    path = folder / f"nb{len(list(folder.glob('*.ipynb')))}.ipynb"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    return path


def test_preload_of_the_study_notebooks_is_derived_from_their_imports():
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks
    preload = kernels.derive_preload(notebooks, PACKAGE)
    assert preload[:2] == kernels.KERNEL_MODULES
    assert len(set(preload)) == len(preload) and list(preload[2:]) == sorted(preload[2:])
    imported = set().union(*(kernels.notebook_imports(nb, PACKAGE) for nb in notebooks))
    assert imported - {"ruse_research"} <= set(preload)
    # what the notebooks need through the package comes too, lazy imports inside functions included
    assert {"pandas", "matplotlib.pyplot", "ruse_research.display.report"} <= set(preload)
    for name in preload:
        if name.startswith("ruse_research."):
            assert kernels._module_file(name, PACKAGE) is not None, name


def test_preload_reads_cells_not_imports_them(tmp_path):
    nb = notebook(tmp_path, "%matplotlib inline\n!ls\nimport textwrap\nif True:\n    import csv",
                  "def f(:\n  pass", "from . import nothing\nfrom json import dumps")
    assert kernels.notebook_imports(nb) == {"textwrap", "json"}  # top level only; bad cells skipped
    assert kernels.derive_preload([nb]) == (*kernels.KERNEL_MODULES, "json", "textwrap")


def test_inline_backend_is_preloaded_with_pyplot_only(tmp_path, monkeypatch):
    nb = notebook(tmp_path, "import matplotlib.pyplot as plt")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    assert "matplotlib_inline.backend_inline" in kernels.derive_preload([nb])
    monkeypatch.setenv("MPLBACKEND", "agg")
    assert "matplotlib_inline.backend_inline" not in kernels.derive_preload([nb])
    assert "matplotlib_inline.backend_inline" not in kernels.derive_preload([notebook(tmp_path, "import os")])


def test_the_preload_store_gives_the_same_answer_without_parsing_and_follows_changes(tmp_path, monkeypatch):
    package = tmp_path / "ruse_research"
    (package / "display").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "display" / "__init__.py").write_text("")
    report = package / "display" / "report.py"
    report.write_text("def show():\n    import csv\n")
    nb = notebook(tmp_path, "from ruse_research.display import report")
    store = tmp_path / "outputs" / ".cache" / "preload-imports.json"
    first = kernels.derive_preload([nb], package, store)
    assert first == kernels.derive_preload([nb], package)  # the same answer as without a store
    assert "csv" in first and store.is_file()

    def no_parsing(*args):
        raise AssertionError("parsed a module the store already knows")

    with monkeypatch.context() as patch:
        patch.setattr(kernels, "_imports_of_text", no_parsing)
        written = store.stat().st_mtime_ns
        assert kernels.derive_preload([nb], package, store) == first
        assert store.stat().st_mtime_ns == written  # nothing new: not rewritten
    report.write_text("def show():\n    import textwrap\n")  # a changed module is parsed again
    changed = kernels.derive_preload([nb], package, store)
    assert "textwrap" in changed and "csv" not in changed
    (package / "display" / "plots.py").write_text("import json\n")  # another layout: all again
    report.write_text("from ruse_research.display import plots\n")
    assert {"ruse_research.display.plots", "json"} <= set(kernels.derive_preload([nb], package, store))
    store.write_text("{not json")  # an unreadable store is ignored and rewritten
    assert kernels.derive_preload([nb], package, store) == kernels.derive_preload([nb], package)
    assert json.loads(store.read_text())["entries"]
    # another notebook's modules do not push these out: alternating notebooks parse nothing again
    other = notebook(tmp_path, "from ruse_research.display import plots")
    kernels.derive_preload([other], package, store)
    with monkeypatch.context() as patch:
        patch.setattr(kernels, "_imports_of_text", no_parsing)
        written = store.stat().st_mtime_ns
        kernels.derive_preload([nb], package, store)
        kernels.derive_preload([other], package, store)
        assert store.stat().st_mtime_ns == written
    data = json.loads(store.read_text())  # entries of the wrong shape: the store is not used
    store.write_text(json.dumps({**data, "entries": {key: "csv" for key in data["entries"]}}))
    assert kernels.derive_preload([nb], package, store) == kernels.derive_preload([nb], package)


def test_a_single_kernel_preloads_only_top_level_imports(tmp_path):
    package = tmp_path / "ruse_research"
    (package / "display").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "display" / "__init__.py").write_text("import json\n")
    (package / "display" / "report.py").write_text(
        "import csv\nfrom ruse_research.display import tables\ndef show():\n    import textwrap\n")
    (package / "display" / "tables.py").write_text("import decimal\ndef fit():\n    import difflib\n")
    nb = notebook(tmp_path, "from ruse_research.display import report")
    one = set(kernels.derive_preload([nb], package, shared=False))
    assert {"csv", "decimal", "json", "ruse_research.display.tables"} <= one  # imported at start
    assert not {"textwrap", "difflib"} & one  # imported only when a function is called
    assert {"textwrap", "difflib"} <= set(kernels.derive_preload([nb], package))  # shared by several kernels
    store = tmp_path / "preload-imports.json"  # both answers are kept apart in the store
    assert set(kernels.derive_preload([nb], package, store, shared=False)) == one
    assert "textwrap" in kernels.derive_preload([nb], package, store)
    written = store.stat().st_mtime_ns

    def no_parsing(*args):
        raise AssertionError("parsed a module the store already knows")

    kernels._imports_of_text.cache_clear()
    original, kernels._imports_of_text = kernels._imports_of_text, no_parsing
    try:
        assert set(kernels.derive_preload([nb], package, store, shared=False)) == one
    finally:
        kernels._imports_of_text = original
    assert store.stat().st_mtime_ns == written


def test_kernels_imports_nothing_of_the_runner():
    tree = ast.parse((PACKAGE / "runner" / "kernels.py").read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {n for n in names if n.startswith("ruse_research")}
    assert kernels._ROOT_ENV == paths.ROOT_ENV


def test_kernel_environment_puts_the_project_source_first_and_restores(tmp_path, monkeypatch):
    (tmp_path / "src" / "ruse_research").mkdir(parents=True)
    (tmp_path / "src" / "ruse_research" / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", f"/other{os.pathsep}{tmp_path / 'src'}")
    with kernels.kernel_environment(tmp_path):
        assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(tmp_path / "src"), "/other"]
        assert os.environ[paths.ROOT_ENV] == str(tmp_path)
    assert os.environ["PYTHONPATH"] == f"/other{os.pathsep}{tmp_path / 'src'}"
    # the same rule as the cache's notion of the package a run uses
    assert cache.package_source_dir(tmp_path) == tmp_path / "src" / "ruse_research"


def test_isolated_managers_use_their_own_folder_and_the_zygote_client(monkeypatch):
    with kernels.kernel_workspace() as folder:
        manager_class = kernels.isolated_kernel_manager_class(folder)
        one, two = manager_class(), manager_class()
        assert Path(one.connection_file).parent.parent == Path(folder)
        assert one.private_dir != two.private_dir and one.transport == "ipc"
        monkeypatch.delenv(kernels.ZYGOTE_ENV, raising=False)
        assert one.format_kernel_cmd([])[1:3] == ["-m", "ipykernel_launcher"]
        monkeypatch.setenv(kernels.ZYGOTE_ENV, "/tmp/z.sock")
        command = one.format_kernel_cmd([])
        assert command[1:4] == ["-c", kernels.KERNEL_CLIENT, "/tmp/z.sock"]
        assert command[4:] == ["-f", one.connection_file]
    assert not os.path.exists(folder)


def test_no_zygote_switch_runs_the_starting_hook(monkeypatch):
    monkeypatch.setenv(kernels.NO_ZYGOTE_ENV, "1")
    called = []
    with kernels.kernel_zygote(("json",), while_starting=lambda: called.append(True)) as forking:
        assert forking is False and kernels.ZYGOTE_ENV not in os.environ
    assert called == [True]


def test_client_script_is_valid_python():
    compile(kernels.KERNEL_CLIENT, "<client>", "exec")
