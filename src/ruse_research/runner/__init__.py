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

Nothing is imported here until used (:data:`_EXPORTS`): papermill, nbconvert and pandas load
only when a run executes.

Examples
--------
>>> from ruse_research import runner
>>> runner.parse_parameters_cell("lang = 'en'\\nalpha = 0.05")
{'lang': 'en', 'alpha': 0.05}
"""

from __future__ import annotations

import importlib

#: Where each public name lives; a submodule is imported when one of its names is first used,
#: so ``from ruse_research.runner import guard`` (every command) loads no execution machinery.
_EXPORTS = {
    "extract_artifacts": "artifacts", "write_table": "artifacts", "list_runs": "index",
    "NO_ZYGOTE_ENV": "kernels", "kernel_zygote": "kernels", "Run": "params",
    "codebook_for": "params", "discover_runs": "params", "load_run": "params",
    "parse_parameters_cell": "params", "select_runs": "params", "validate_inputs": "params",
    "RunOutcome": "pipeline", "run_study": "pipeline", "Plan": "plan", "plan_runs": "plan",
    "outputs_lock": "publish", "refresh_notebooks": "refresh", "RunFailure": "spec",
    "RunResult": "spec", "RunSpec": "spec",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "NO_ZYGOTE_ENV", "Plan", "Run", "RunFailure", "RunOutcome", "RunResult", "RunSpec",
    "codebook_for", "discover_runs", "extract_artifacts", "kernel_zygote", "list_runs", "load_run",
    "outputs_lock", "parse_parameters_cell", "plan_runs", "refresh_notebooks", "run_study",
    "select_runs", "validate_inputs", "write_table",
]
