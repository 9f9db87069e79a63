"""Discover, check, execute and publish the study's runs (``ruse-research list|run|refresh``).

One ``params/<run>.yaml`` file is one run, named by its file stem (``staff_attitudes.bg``).
:func:`run_study` checks every selected run before any kernel starts, skips unchanged runs,
executes the rest with papermill in a process pool and writes, for each run::

    outputs/<run>/notebook.ipynb   executed notebook (papermill's error markers on failure)
    outputs/<run>/report.html      self-contained reviewer report
    outputs/<run>/tables/<name>.csv, .xlsx
    outputs/<run>/figures/<name>.png, .svg
    outputs/<run>/provenance.json  commit, parameters, input hashes, versions, times, cache key

and ``outputs/index.html``. A failed run leaves the previous good outputs alone and writes its
notebook, report and ``failure.json`` to ``outputs/<run>/failed/``.

Modules, one job each (docs/ARCHITECTURE.md, "runner/"): :mod:`~.spec` (RunSpec, RunResult,
RunFailure), :mod:`~.params` (params files), :mod:`~.cache` (hash store, cache key),
:mod:`~.plan` (what to run), :mod:`~.kernels` (zygote, kernel managers), :mod:`~.execute`
(papermill), :mod:`~.artifacts` (tables, figures), :mod:`~.publish` (staging, lock),
:mod:`~.provenance`, :mod:`~.html` (report, index page), :mod:`~.index` (listing),
:mod:`~.pipeline` (run_study, pool), :mod:`~.refresh`.

Nothing heavy is imported here: papermill, nbconvert and pandas load only when a run executes.

Examples
--------
>>> from ruse_research import runner
>>> runner.parse_parameters_cell("lang = 'en'\\nalpha = 0.05")
{'lang': 'en', 'alpha': 0.05}
"""

from __future__ import annotations

from ruse_research.runner.artifacts import extract_artifacts, write_table
from ruse_research.runner.index import list_runs
from ruse_research.runner.kernels import NO_ZYGOTE_ENV, kernel_zygote
from ruse_research.runner.params import (
    Run,
    codebook_for,
    discover_runs,
    load_run,
    parse_parameters_cell,
    select_runs,
    validate_inputs,
)
from ruse_research.runner.pipeline import RunOutcome, run_study
from ruse_research.runner.plan import Plan, plan_runs
from ruse_research.runner.publish import outputs_lock
from ruse_research.runner.refresh import refresh_notebooks
from ruse_research.runner.spec import RunFailure, RunResult, RunSpec

__all__ = [
    "NO_ZYGOTE_ENV", "Plan", "Run", "RunFailure", "RunOutcome", "RunResult", "RunSpec",
    "codebook_for", "discover_runs", "extract_artifacts", "kernel_zygote", "list_runs", "load_run",
    "outputs_lock", "parse_parameters_cell", "plan_runs", "refresh_notebooks", "run_study",
    "select_runs", "validate_inputs", "write_table",
]
