"""Orchestration of ``ruse-research run``: check, plan, execute in a pool, publish, index.

:func:`run_study` checks every selected run's parameters (and validates its data files against
their codebooks) **before any kernel starts**, skips runs whose cache key is unchanged, and
executes the rest in a process pool whose workers each run :func:`execute_run` on a
:class:`~ruse_research.runner.spec.RunSpec` and return a
:class:`~ruse_research.runner.spec.RunResult`. Kernels fork from one zygote
(:mod:`ruse_research.runner.kernels`) preloaded with what the notebooks import.

Examples
--------
>>> RunOutcome(results={}, exit_code=0).exit_code
0
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ruse_research import _yaml, memo, paths
from ruse_research.data.marker import is_synthetic
from ruse_research.runner import (
    cache,
    crate,
    crosscheck,
    execute,
    executors,
    guard,
    html,
    index,
    index_skip,
    kernels,
    lineage,
    matrix,
    params,
    pdf,
    plan,
    provenance,
    publish,
)
from ruse_research.runner.artifacts import ExportMark, extract_artifacts, figure_mark_env
from ruse_research.runner.spec import RunFailure, RunResult, RunSpec

Job = TypeVar("Job")


@dataclass(frozen=True)
class RunOutcome:
    """What :func:`run_study` did: one result per run and the exit code (0 ok, 1 a run failed)."""

    results: dict[str, RunResult]
    exit_code: int


# --------------------------------------------------------------------------- one run (in a worker)


def execute_run(spec: RunSpec) -> RunResult:
    """Execute one planned run and publish its outputs (runs inside a pool worker).

    A failing cell, a dead kernel or a bad artifact makes a failed run (its notebook, report and
    ``failure.json`` go to ``outputs/<run>/failed/``); the command goes on with the other runs.

    Usage (starts a kernel, so it is not a doctest; ``tests/test_runner.py`` runs it)::

        execute_run(spec).status   # 'ok'
    """
    with kernels.kernel_environment(spec.root), kernels.scoped_environ(spec.env):
        return _execute_run(spec)


def _execute_run(spec: RunSpec) -> RunResult:
    started = provenance.utc_now()
    clock = time.perf_counter()
    staging_root = spec.outputs / publish.STAGING
    try:
        with publish.staging(spec.outputs, spec.name) as stage:
            executed = stage / "notebook.ipynb"
            failure: RunFailure | None = None
            tables: list[str] = []
            figures: list[str] = []
            nb = None
            hidden: list[str] = []
            mark = ExportMark(spec.lang, spec.synthetic, spec.title)
            try:
                with kernels.scoped_environ(figure_mark_env(mark)):  # the kernel draws the PNG band
                    execute.execute_notebook(spec.notebook, executed, spec.overrides, spec.notebook.parent)
            except Exception as exc:  # a failing cell, a dead kernel: the run fails, the command goes on
                nb = execute.read_notebook(executed)
                failure = execute.failure_of(exc, executed)
            if failure is None:
                nb = execute.read_notebook(executed)
                try:
                    hidden = crosscheck.check_published(nb, executed, spec.lang)  # across tables
                    _point_metadata_at_final_place(nb, executed, spec.run_dir / "notebook.ipynb")
                    tables, figures = extract_artifacts(nb, stage, mark)
                except Exception as exc:
                    if publish.is_disk_fault(exc):
                        raise
                    failure = RunFailure.from_exception(exc)
            duration = time.perf_counter() - clock
            status = "ok" if failure is None else "failed"
            record = provenance.record_for(spec, started=started, duration_s=duration, status=status,
                                           tables=tables, figures=figures,
                                           error=failure.to_dict() if failure else None)
            if hidden:  # counts hidden across the run's tables (runner.crosscheck), no counts named
                record["disclosure_across_tables"] = hidden
            if nb is not None:  # what the run read, and where each table and figure came from
                record.update(lineage.lineage(nb, record, spec.root, stage))
                _write_report(nb, spec, record, stage)
            provenance.write_json(stage / ("provenance.json" if failure is None else "failure.json"), record)
            if failure is None:
                crate.write_crate(stage, record)  # the same record as RO-Crate 1.1 JSON-LD
            publish.publish(stage, spec.run_dir, ok=failure is None, staging_root=staging_root)
        return RunResult(name=spec.name, status=status, duration_s=duration, failure=failure,
                         tables=tuple(tables), figures=tuple(figures), reason=spec.reason)
    except Exception as exc:  # publishing itself failed: report it, keep previous outputs
        if publish.is_disk_fault(exc):
            raise  # a full disk stops the command: one line, exit 2 (cli.main)
        return RunResult(name=spec.name, status="failed", duration_s=time.perf_counter() - clock,
                         failure=RunFailure.from_exception(exc, traceback=traceback.format_exc()),
                         reason=spec.reason)


#: Why a run has no report.pdf when no Chromium is installed (colophon, provenance.json).
NO_CHROMIUM = "Chromium not found (scripts/setup-system.sh installs it)"


def _write_report(nb, spec: RunSpec, record: dict, stage: Path) -> None:
    """Write ``report.html`` and, with Chromium, ``report.pdf`` beside it (A4, from the print CSS).

    A missing Chromium or a failed print leaves the run ok without a PDF; the colophon and
    ``record["pdf"]`` say why.
    """
    binary = pdf.find_chromium()
    record["pdf"] = {"file": "report.pdf"} if binary else {"file": None, "reason": NO_CHROMIUM}
    target = stage / "report.html"
    target.write_text(html.render_report(nb, lang=spec.lang, title=spec.title, record=record,
                                         description=spec.description), encoding="utf-8")
    if binary is None:
        return
    try:
        pdf.print_pdf(target, stage / "report.pdf", binary)
    except pdf.PdfError as exc:
        record["pdf"] = {"file": None, "reason": str(exc)}
        target.write_text(html.render_report(nb, lang=spec.lang, title=spec.title, record=record,
                                             description=spec.description), encoding="utf-8")


def _point_metadata_at_final_place(nb, staged: Path, final: Path) -> None:
    """papermill recorded the staging path as output_path; record where the notebook will live."""
    import nbformat

    meta = nb.get("metadata", {}).get("papermill")
    if meta is not None and meta.get("output_path") != str(final):
        meta["output_path"] = str(final)
        with open(staged, "w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)


# --------------------------------------------------------------------------- the pool


def _pool(jobs: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: workers inherit the already-imported papermill/nbconvert instead of importing again
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))


def map_jobs(function: Callable[[Job], RunResult], jobs_in: Sequence[Job], jobs: int,
             on_done: Callable[[RunResult], None]) -> list[RunResult]:
    """Run ``function`` over ``jobs_in`` in a process pool (in this process for one job),
    calling ``on_done`` with each result as it arrives.

    Examples
    --------
    >>> map_jobs(lambda n: RunResult(name=str(n), status="ok"), [1, 2], 1, lambda r: None)[1].name
    '2'
    """
    results = []
    if jobs <= 1 or len(jobs_in) <= 1:
        for job in jobs_in:
            result = function(job)
            on_done(result)
            results.append(result)
        return results
    from concurrent.futures import as_completed

    with _pool(min(jobs, len(jobs_in))) as pool:
        futures = [pool.submit(function, job) for job in jobs_in]
        for future in as_completed(futures):
            result = future.result()
            on_done(result)
            results.append(result)
    return results


def preload_heavy_modules() -> None:
    """Import what every worker needs once in the parent, so forked workers share it."""
    import io

    import nbformat  # noqa: F401
    import openpyxl  # noqa: F401
    import pandas
    import papermill  # noqa: F401
    from jupyter_client.manager import AsyncKernelManager  # noqa: F401

    html.warm_up()
    # first XLSX write imports pandas' Excel machinery; do it once here, not in every worker
    pandas.DataFrame({"a": [1]}).to_excel(io.BytesIO(), engine="openpyxl")


#: Where :func:`zygote_preload` keeps what each package module imports (under ``outputs/``).
PRELOAD_STORE = Path(".cache") / "preload-imports.json"


def zygote_preload(notebooks: Iterable[Path], root: Path, outputs: Path | None = None, *,
                   kernels_to_start: int = 2) -> tuple[str, ...]:
    """What the kernel zygote imports for ``notebooks`` (derived from their imports); with
    ``outputs``, the package's imports are kept in ``outputs/.cache/preload-imports.json``. For
    a single kernel only what it imports as it starts (``derive_preload(shared=False)``)."""
    return kernels.derive_preload(sorted(set(notebooks)), cache.package_source_dir(root),
                                  store=outputs / PRELOAD_STORE if outputs is not None else None,
                                  shared=kernels_to_start > 1)


# --------------------------------------------------------------------------- the run command


def run_study(
    names: list[str] | None = None,
    *,
    force: bool = False,
    jobs: int | None = None,
    root: Path | None = None,
    outputs: Path | None = None,
    echo: Callable[[str], None] = print,
    allow_notebooks: Sequence[str] = (),
    allow_inputs: Sequence[str] = (),
    executor: str = "local",
) -> RunOutcome:
    """Check, plan and execute runs; write their outputs and ``outputs/index.html``.

    Parameters
    ----------
    names : list of str, optional
        Run names (params file stems); all runs when empty.
    force : bool
        Execute even runs whose cache key is unchanged.
    jobs : int, optional
        Parallel runs (default ``os.cpu_count()``).
    root, outputs : Path, optional
        Project root and outputs folder (default: :func:`paths.project_root` and its ``outputs/``).
    echo : callable
        Receives each progress line.
    allow_notebooks, allow_inputs : sequence of paths
        Notebooks outside ``notebooks/`` and input files outside the project that may run
        (:mod:`ruse_research.runner.guard`; ``--allow-notebook``/``--allow-input``).
    executor : str
        ``local`` (process pool), ``dask`` (a LocalCluster) or ``dask://HOST:PORT``
        (:mod:`ruse_research.runner.executors`).

    Raises
    ------
    ParamsError, DataError, RunLockedError
        Before any kernel starts, for a bad params file or data file, or a held lock.

    Examples
    --------
    >>> run_study(["no_such_run"])
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: params/no_such_run.yaml: no such run, expected one of: ...
    """
    root = (root or paths.project_root()).resolve()
    outputs = (outputs or root / "outputs").resolve()
    jobs = max(1, jobs or os.cpu_count() or 1)
    executors.parse_address(executor)  # a bad address fails before anything runs
    _yaml.use_parse_cache(outputs / ".cache" / "yaml.json")  # unchanged params: no PyYAML
    try:
        selected = matrix.select(names, root)  # run names, patterns, run matrices
        guard.check_outputs(outputs)
        with publish.outputs_lock(outputs):
            # Holding the lock, nothing else is staging: leftovers are from a killed run.
            publish.clear_staging(outputs)
            store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
            runs = [matrix.load(source, store, root, allow_notebooks=allow_notebooks,
                                allow_inputs=allow_inputs) for source in selected]
            plans = plan.plan_runs(runs, root, outputs, store, force=force)
            to_run = [p for p in plans if p.execute]
            store.save()
            _yaml.save_parse_cache()
            results: dict[str, RunResult] = {}
            for item in plans:
                if not item.execute:
                    results[item.run.name] = RunResult(name=item.run.name, status="skipped-cached", reason=item.reason)
                    echo(f"skipped {item.run.name} (unchanged)")
            if to_run:
                if pdf.find_chromium() is None:
                    echo(f"no report.pdf for these runs: {NO_CHROMIUM}")
                for result in _execute_plans(to_run, root, outputs, jobs, echo, executor):
                    results[result.name] = result
            index_skip.write_index(outputs, index.runs_for_index(root, plans, store), results, store)
            echo(f"index: {outputs / 'index.html'}")
        failed = sorted(name for name, r in results.items() if r.status == "failed")
        for name in failed:
            echo(f"run {name} failed: {results[name].failure.describe()}; "
                 f"see {outputs / name / 'failed' / 'report.html'}")
        return RunOutcome(results=results, exit_code=1 if failed else 0)
    finally:  # the next command (or test) in this process starts without it
        _yaml.use_parse_cache(None)


def _execute_plans(to_run: list[plan.Plan], root: Path, outputs: Path, jobs: int,
                   echo: Callable[[str], None], executor: str = "local") -> list[RunResult]:
    kind, address = executors.parse_address(executor)
    def prepare() -> None:
        # Runs while the kernel zygote imports its libraries. Data files are checked here,
        # before any kernel starts; a bad file raises and the zygote is stopped unused.
        checked: set[tuple[str, ...]] = set()
        for item in to_run:
            key = (item.run.profile or "", *sorted(f"{k}={p}" for k, p in item.run.inputs.items()))
            if key not in checked:  # the bg and en runs of a study read the same files
                with matrix.active_profile(item.run.profile):
                    params.validate_inputs(item.run, root)
                checked.add(key)
        preload_heavy_modules()

    preload = zygote_preload((item.run.notebook for item in to_run), root, outputs, kernels_to_start=len(to_run))
    # Dask workers start their own zygotes: here only the checks run (executors.py)
    zygote = kernels.kernel_zygote(preload, while_starting=prepare) if kind == "local" else _checked(prepare)
    with kernels.kernel_environment(root), zygote:
        git = provenance.git_state(root)
        packages = provenance.package_versions()
        specs = []
        for item in to_run:
            echo(f"running {item.run.name} ({item.reason})")
            specs.append(_spec_for(item, root, outputs, git, packages))
        specs.sort(key=lambda spec: -plan.expected_duration(spec.run_dir))
        specs = matrix.languages_apart(specs)  # a study's second language reuses the first's memo
        total = len(specs)
        done = [0]

        def report_progress(result: RunResult) -> None:
            done[0] += 1
            prefix = f"[{done[0]}/{total}]"
            if result.status == "ok":
                echo(f"{prefix} ok     {result.name} in {result.duration_s:.1f} s")
            else:
                echo(f"{prefix} FAILED {result.name}: {result.failure.describe()}")

        if kind == "dask":
            return executors.run_on_dask(execute_run, specs, address, jobs, report_progress, echo)
        return map_jobs(execute_run, specs, jobs, report_progress)


@contextlib.contextmanager
def _checked(prepare: Callable[[], None]):
    prepare()
    yield False


def _spec_for(item: plan.Plan, root: Path, outputs: Path, git: dict, packages: dict) -> RunSpec:
    run = item.run
    return RunSpec(
        name=run.name, notebook=run.notebook, notebook_rel=run.notebook_rel, title=run.title,
        description=run.description, lang=run.lang, overrides=dict(run.overrides),
        parameters=plan.jsonable_parameters(run.parameters), inputs=dict(item.components["inputs"]),
        synthetic=any(is_synthetic(p) for p in run.inputs.values()),
        cache_key=item.cache_key, components=item.components, reason=item.reason,
        git=git, packages=packages, root=root, outputs=outputs,
        env={**matrix.environment_of(run), memo.MEMO_ENV: str(outputs / ".cache" / "memo")},
    )
