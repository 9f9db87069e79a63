"""``ruse-research refresh``: re-execute notebooks in place with their default parameters.

The stored outputs of ``notebooks/NN_*.ipynb`` are what nbval compares against. A refreshed
notebook loses papermill's and nbclient's timing metadata (stable in git); a notebook that fails
is left exactly as it was.

Each notebook is executed under the region profile it records (``metadata.ruse.profile``, which
every execution writes; the bundled notebooks record the fictional ``demo``), so a refresh
never silently swaps one region's stored outputs for another's; ``profile`` (``--profile``)
executes them under another one, which they then record. A notebook that records none runs
under the active profile (``RUSE_RESEARCH_PROFILE``, else ``ruse``).

Examples
--------
>>> nb = {"metadata": {"papermill": {"duration": 1.2}, "kernelspec": {"name": "python3"}},
...       "cells": [{"cell_type": "code", "metadata": {"execution": {"iopub.status.busy": "..."},
...                  "papermill": {"duration": 0.1}, "tags": ["parameters"]}}]}
>>> strip_volatile_metadata(nb)["cells"][0]["metadata"], sorted(nb["metadata"])
({'tags': ['parameters']}, ['kernelspec'])
>>> profile_environment(None, {"metadata": {"ruse": {"profile": "demo"}}})
{'RUSE_RESEARCH_PROFILE': 'demo'}
>>> profile_environment("gabrovo", {"metadata": {"ruse": {"profile": "demo"}}})
{'RUSE_RESEARCH_PROFILE': 'gabrovo'}
>>> profile_environment(None, {"metadata": {}})
{}
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ruse_research import paths
from ruse_research.errors import ParamsError
from ruse_research.runner import execute, kernels, pipeline
from ruse_research.runner.params import relative_to_root
from ruse_research.runner.spec import RunResult

VOLATILE_CELL_METADATA = ("execution", "papermill")


PROFILE_ENV = paths.PROFILE_ENV


@dataclass(frozen=True)
class RefreshJob:
    """One notebook to refresh: its absolute path, how it is shown, the project root, and the
    environment its kernel needs (the profile it is refreshed under)."""

    notebook: Path
    name: str
    root: Path
    env: dict[str, str] = field(default_factory=dict)


def recorded_profile(nb: dict) -> str | None:
    """The profile a notebook's stored outputs were written under (``metadata.ruse.profile``)."""
    recorded = (nb.get("metadata") or {}).get("ruse") or {}
    value = recorded.get("profile") if isinstance(recorded, dict) else None
    return value if isinstance(value, str) and value else None


def profile_environment(profile: str | None, nb: dict) -> dict[str, str]:
    """``RUSE_RESEARCH_PROFILE`` for refreshing ``nb``: ``profile`` if given, else the one the
    notebook records; empty (the active profile) when it records none."""
    chosen = profile or recorded_profile(nb)
    return {PROFILE_ENV: chosen} if chosen else {}


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
    with kernels.kernel_environment(job.root), kernels.scoped_environ(job.env):
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
    profile: str | None = None,
) -> int:
    """Re-execute ``notebooks/NN_*.ipynb`` (or the given ones) in place, each under the profile
    it records or under ``profile``; 0 when all succeed, else 1.

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
    work = [RefreshJob(notebook=p, name=relative_to_root(p, root), root=root,
                       env=profile_environment(profile, _metadata_of(p))) for p in targets]
    _check_profiles(work, root, given=profile)
    for job in work:
        under = job.env.get(PROFILE_ENV)
        echo(f"refreshing {job.name}" + (f" (profile {under})" if under else ""))

    def report(result: RunResult) -> None:
        if result.status == "ok":
            echo(f"ok     {result.name} in {result.duration_s:.1f} s")
        else:
            echo(f"FAILED {result.name}: {result.failure.describe()} (notebook left unchanged)")

    preload = pipeline.zygote_preload(targets, root, kernels_to_start=len(work))
    with kernels.kernel_environment(root), kernels.kernel_zygote(preload, while_starting=pipeline.preload_heavy_modules):
        results = pipeline.map_jobs(refresh_one, work, max(1, jobs or os.cpu_count() or 1), report)
    return 1 if any(r.status != "ok" for r in results) else 0


def _metadata_of(notebook: Path) -> dict:
    """A notebook's top-level metadata only (``{"metadata": ...}``); ``{}`` when it cannot be read
    (the refresh then reports the notebook's own error)."""
    import json

    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {"metadata": nb.get("metadata") or {}} if isinstance(nb, dict) else {}


def _check_profiles(work: list[RefreshJob], root: Path, *, given: str | None) -> None:
    """Every profile the jobs run under exists in the project at ``root``: one error line
    before any kernel starts. Each distinct profile is looked up once."""
    from ruse_research.data.profile import ProfileError, profile_path

    first_job = {}
    for job in work:
        name = job.env.get(PROFILE_ENV)
        if name is not None:
            first_job.setdefault(name, job)
    with kernels.scoped_environ({paths.ROOT_ENV: str(root)}):
        for name, job in first_job.items():
            try:
                profile_path(name)
            except ProfileError as exc:
                if given is not None:
                    raise
                raise ParamsError(f"{job.name}: records profile {name!r} (metadata.ruse.profile), which this "
                                  f"project lacks ({exc}); refresh it under another with --profile ID") from None
