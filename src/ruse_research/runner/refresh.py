"""``ruse-research refresh``: re-execute notebooks in place with their default parameters.

The stored outputs of ``notebooks/NN_*.ipynb`` are what nbval compares against. A refreshed
notebook loses papermill's and nbclient's timing metadata (stable in git); a notebook that fails
is left exactly as it was.

Examples
--------
>>> nb = {"metadata": {"papermill": {"duration": 1.2}, "kernelspec": {"name": "python3"}},
...       "cells": [{"cell_type": "code", "metadata": {"execution": {"iopub.status.busy": "..."},
...                  "papermill": {"duration": 0.1}, "tags": ["parameters"]}}]}
>>> strip_volatile_metadata(nb)["cells"][0]["metadata"], sorted(nb["metadata"])
({'tags': ['parameters']}, ['kernelspec'])
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ruse_research import paths
from ruse_research.errors import ParamsError
from ruse_research.runner import execute, kernels, pipeline
from ruse_research.runner.params import relative_to_root
from ruse_research.runner.spec import RunResult

VOLATILE_CELL_METADATA = ("execution", "papermill")


@dataclass(frozen=True)
class RefreshJob:
    """One notebook to refresh: its absolute path, how it is shown, and the project root."""

    notebook: Path
    name: str
    root: Path


def strip_volatile_metadata(nb: dict) -> dict:
    """Remove papermill's and nbclient's timing metadata so a refreshed notebook is stable in git."""
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb.get("cells", []):
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return nb


def refresh_one(job: RefreshJob) -> RunResult:
    """Re-execute one notebook in place (cwd = its folder, as nbval does).

    Usage (starts a kernel, so it is not a doctest; ``tests/test_cli.py`` runs it)::

        refresh_one(RefreshJob(Path("/abs/notebooks/01_x.ipynb"), "notebooks/01_x.ipynb",
                               Path("/abs"))).status   # 'ok'
    """
    with kernels.kernel_environment(job.root):
        return _refresh_one(job)


def _refresh_one(job: RefreshJob) -> RunResult:
    import nbformat

    notebook = job.notebook
    clock = time.perf_counter()
    temporary = notebook.with_name(f".{notebook.stem}.refresh-{os.getpid()}.ipynb")
    try:
        declared = nbformat.read(str(notebook), as_version=4).metadata.get("kernelspec")
        execute.execute_notebook(notebook, temporary, {}, notebook.parent)
        node = strip_volatile_metadata(nbformat.read(str(temporary), as_version=4))
        if declared:  # papermill writes the kernel it ran (python3); keep the notebook's own
            node.metadata["kernelspec"] = declared
        with open(temporary, "w", encoding="utf-8") as handle:
            nbformat.write(node, handle)
        os.replace(temporary, notebook)
        return RunResult(name=job.name, status="ok", duration_s=time.perf_counter() - clock)
    except Exception as exc:
        return RunResult(name=job.name, status="failed", duration_s=time.perf_counter() - clock,
                         failure=execute.failure_of(exc, temporary))
    finally:
        temporary.unlink(missing_ok=True)


def refresh_notebooks(
    notebooks: list[str] | None = None,
    *,
    jobs: int | None = None,
    root: Path | None = None,
    echo: Callable[[str], None] = print,
) -> int:
    """Re-execute ``notebooks/NN_*.ipynb`` (or the given ones) in place; 0 when all succeed, else 1.

    Usage (starts kernels, so it is not a doctest; ``tests/test_cli.py`` runs it)::

        refresh_notebooks(["notebooks/01_staff_attitudes.ipynb"])
        # refreshing notebooks/01_staff_attitudes.ipynb
        # ok     notebooks/01_staff_attitudes.ipynb in 9.1 s
        # -> 0
    """
    root = (root or paths.project_root()).resolve()
    if notebooks:
        targets = []
        for item in notebooks:
            path = paths.resolve(item) if paths.resolve(item).exists() else root / "notebooks" / item
            if not path.is_file():
                raise ParamsError(f"{item}: notebook not found, expected a path to an .ipynb file")
            targets.append(path.resolve())
    else:
        targets = sorted(p for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not targets:
        echo("no notebooks to refresh")
        return 0
    work = [RefreshJob(notebook=p, name=relative_to_root(p, root), root=root) for p in targets]
    for job in work:
        echo(f"refreshing {job.name}")

    def report(result: RunResult) -> None:
        if result.status == "ok":
            echo(f"ok     {result.name} in {result.duration_s:.1f} s")
        else:
            echo(f"FAILED {result.name}: {result.failure.describe()} (notebook left unchanged)")

    preload = pipeline.zygote_preload(targets, root, kernels_to_start=len(work))
    with kernels.kernel_environment(root), kernels.kernel_zygote(preload, while_starting=pipeline.preload_heavy_modules):
        results = pipeline.map_jobs(refresh_one, work, max(1, jobs or os.cpu_count() or 1), report)
    return 1 if any(r.status != "ok" for r in results) else 0
