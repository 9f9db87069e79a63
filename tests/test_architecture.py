"""The package keeps the shape docs/ARCHITECTURE.md promises.

No import cycle; every module names its one job in its docstring and stays near 800 lines;
every YAML file goes through the strict loader; notebooks tell the story and call the package
(no function definitions, no lambdas, under 150 code lines each); localised strings live in
locale/ (no language-keyed dicts in code). The layer contracts themselves are import-linter's
(`nox -s lint`).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "ruse_research"
MODULES = sorted(PACKAGE.rglob("*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_LINES = 850  # "about 800"
# what a notebook must not import: the pipeline modules its study module calls for it
NOT_IN_NOTEBOOKS = {
    "01_staff_attitudes.ipynb": {"pandas", "numpy", "compare", "scales", "disclosure"},
    "03_participation_model.ipynb": {"pandas", "numpy", "disclosure", "io"},
    "04_civic_monitoring.ipynb": {"pandas", "numpy", "io"},
}


def test_no_import_cycle():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("ruse_research")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            related = imported.startswith(module + ".") or module.startswith(imported + ".")
            if not related and graph.chain_exists(importer=imported, imported=module):
                cycles.append(f"{module} <-> {imported}")
    assert not cycles, cycles


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_module_names_its_job_and_stays_small(path):
    source = path.read_text(encoding="utf-8")
    doc = ast.get_docstring(ast.parse(source))
    assert doc and len(doc.split()) >= 4, f"{path.name}: no docstring naming the module's job"
    assert len(source.splitlines()) <= MAX_LINES, f"{path.name}: {len(source.splitlines())} lines"


def test_yaml_is_read_only_through_the_strict_loader():
    loose = re.compile(r"\byaml\.(safe_load|load|full_load|unsafe_load)\(")
    offenders = [str(p.relative_to(PACKAGE)) for p in MODULES
                 if p.name != "_yaml.py" and loose.search(p.read_text(encoding="utf-8"))]
    assert not offenders, f"YAML read without ruse_research._yaml: {offenders}"


def _code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_only_tell_the_story(path):
    cells = _code_cells(path)
    lines = sum(len([ln for ln in c.splitlines() if ln.strip() and not ln.strip().startswith("#")])
                for c in cells)
    assert lines <= 150, f"{path.name}: {lines} code lines"
    for cell in cells:
        tree = ast.parse(cell)
        defined = [n for n in ast.walk(tree)
                   if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)]
        assert not defined, f"{path.name}: defines logic ({type(defined[0]).__name__}) in a cell"
        imported = {a.name.split(".")[-1] for n in ast.walk(tree)
                    if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
        forbidden = imported & NOT_IN_NOTEBOOKS.get(path.name, set())
        assert not forbidden, f"{path.name}: imports {sorted(forbidden)}, which its study module calls"


def test_no_language_keyed_dicts_in_code():
    # {"bg": "...", "en": "..."} literals belong in locale/*.yaml
    offenders = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                strings = [v for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
                if {"bg", "en"} <= keys and len(strings) >= 2:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders, f"bilingual strings in code: {offenders}"


def test_import_layer_contracts_hold():
    """The import-linter contracts of pyproject.toml (layers one way; the runner never imports
    display or study code) are kept: the test command checks them, not only ``nox -s lint``."""
    import subprocess
    import sys

    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout
