"""Executors by address: where planned runs execute (``ruse-research run --executor ADDRESS``).

``local`` (the default) is the runner's process pool on this machine
(:func:`ruse_research.runner.pipeline.map_jobs`). ``dask`` starts a ``LocalCluster`` of
``--jobs`` one-thread workers; ``dask://HOST:PORT`` (or ``tcp://HOST:PORT``) joins a running
``dask scheduler``. With Dask:

* the client has planned the runs and checked the cache already: only the misses are shipped,
  one task per run;
* a task carries the run's files as bytes (the notebook and every hashed input file: data,
  codebooks, reference and model files, the region profile), so **no shared filesystem is
  assumed**; the worker checks their SHA-256 against the plan, writes them into a private
  temporary project, executes the run there with papermill (:func:`worker_task`) and returns
  the executed notebook, report, tables, figures and record as one tar archive of bytes;
* the **package and its environment are not shipped**: each worker must have the same
  ``ruse_research`` source and the same installed libraries. Each reports a
  :func:`fingerprint` (hash of its installed distributions and Python, the package version and
  the hash of its package source); the client refuses a worker whose fingerprint differs from
  its own (tasks go only to matching workers) and records the worker and fingerprint in the
  run's ``provenance.json`` (``executor``);
* the client publishes each returned archive with the runner's atomic staging
  (:mod:`ruse_research.runner.publish`);
* each task runs with thread caps (``OMP_NUM_THREADS=1`` ...; :data:`THREAD_CAPS`), one run at a
  time per worker process;
* a worker that dies fails the run it was executing, with a one-line reason; the other runs
  finish.

Examples
--------
>>> parse_address("local"), parse_address("dask"), parse_address("dask://127.0.0.1:8786")
(('local', None), ('dask', None), ('dask', 'tcp://127.0.0.1:8786'))
>>> parse_address("ssh://x")
Traceback (most recent call last):
ruse_research.errors.ParamsError: --executor: found 'ssh://x', expected local, dask or dask://HOST:PORT
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from ruse_research import memo
from ruse_research.errors import ParamsError
from ruse_research.runner import cache, kernels, provenance, publish
from ruse_research.runner.spec import RunFailure, RunResult, RunSpec

#: Thread caps set for every task, so N one-thread workers do not start N x cores BLAS threads.
THREAD_CAPS = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                      "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}
#: Topic of the worker events that say which worker started which run.
EVENT_TOPIC = "ruse-research-run"
#: How often (seconds) the client looks for workers that left.
POLL_S = 0.5
_RUN_LOCK = threading.Lock()  # one run at a time per worker process (the environment is per process)
_ZYGOTE: contextlib.ExitStack | None = None


def parse_address(text: str | None) -> tuple[str, str | None]:
    """``(kind, scheduler address)`` of an ``--executor`` value."""
    value = (text or "local").strip()
    if value == "local":
        return "local", None
    if value == "dask":
        return "dask", None
    for prefix in ("dask://", "tcp://"):
        if value.startswith(prefix) and len(value) > len(prefix) and ":" in value[len(prefix):]:
            return "dask", "tcp://" + value[len(prefix):]
    raise ParamsError(f"--executor: found {value!r}, expected local, dask or dask://HOST:PORT")


@functools.cache
def fingerprint(package_dir: Path | None = None) -> dict[str, str]:
    """This process's environment: installed distributions + Python, package version and the
    source of the package (``package_dir``, default the imported one; the client passes the one
    its cache keys hash, :func:`ruse_research.runner.cache.package_source_dir`).

    Taken once per process (restart a worker after updating it).

    Examples
    --------
    >>> sorted(fingerprint())
    ['distributions', 'hash', 'package_source', 'python', 'ruse_research']
    """
    from importlib import metadata

    dists = sorted({f"{(d.metadata['Name'] or '').lower()}=={d.version}" for d in metadata.distributions()
                    if d.metadata["Name"] and d.metadata["Name"].lower() != "ruse_research"})
    try:
        version = metadata.version("ruse_research")
    except metadata.PackageNotFoundError:
        version = "not installed"
    package_dir = package_dir or Path(__file__).resolve().parents[1]
    info = {
        "python": sys.version.split()[0],
        "distributions": hashlib.sha256("\n".join(dists).encode()).hexdigest(),
        "ruse_research": version,
        "package_source": cache._hash_json(cache.tree_hashes(package_dir, cache.FileHashStore(), package_dir)),
    }
    info["hash"] = hashlib.sha256(json.dumps(info, sort_keys=True).encode()).hexdigest()
    return info


def run_files(spec: RunSpec) -> dict[str, bytes]:
    """The files a worker needs for ``spec``: the notebook and every hashed input, as bytes."""
    names = sorted({spec.notebook_rel, *spec.inputs})
    return {rel: (spec.root / rel).read_bytes() for rel in names}


def _archive(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)
    return buffer.getvalue()


def _ensure_zygote(notebook: Path, root: Path) -> None:
    """Start one kernel zygote per worker process (kept until it exits), as the local pool has."""
    global _ZYGOTE
    if _ZYGOTE is None:
        stack = contextlib.ExitStack()
        preload = kernels.derive_preload([notebook], cache.package_source_dir(root))
        stack.enter_context(kernels.kernel_zygote(preload))
        _ZYGOTE = stack


def worker_task(execute: Callable[[RunSpec], RunResult], spec: RunSpec, files: dict[str, bytes],
                expected: str) -> dict[str, object]:
    """Execute one run on a Dask worker in a private project folder; return its outputs as bytes.

    Refuses (status ``refused``) when this worker's fingerprint is not ``expected`` or a file
    does not match its planned hash.
    """
    from distributed import get_worker

    worker = get_worker()
    mine = fingerprint()
    if mine["hash"] != expected:
        return {"refused": f"dask worker {worker.address} has another environment (fingerprint "
                           f"{mine['hash'][:12]}, expected {expected[:12]})", "fingerprint": mine}
    with _RUN_LOCK, tempfile.TemporaryDirectory(prefix="ruse-run-") as folder:
        root = Path(folder) / "project"
        for rel, data in files.items():
            if rel in spec.inputs and hashlib.sha256(data).hexdigest() != spec.inputs[rel]:
                return {"refused": f"{rel}: content differs from the planned hash", "fingerprint": mine}
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (root / "params").mkdir(exist_ok=True)
        (root / "pyproject.toml").write_text('[project]\nname = "ruse-run"\n', encoding="utf-8")
        # the memo lives as long as the worker: the runs of a study it executes share it
        shared_memo = Path(worker.local_directory) / "ruse-research-memo"
        local = replace(spec, root=root, outputs=root / "outputs", notebook=root / spec.notebook_rel,
                        env={**spec.env, **THREAD_CAPS, memo.MEMO_ENV: str(shared_memo)})
        worker.log_event(EVENT_TOPIC, {"run": spec.name, "worker": worker.address, "state": "started",
                                       "key": str(worker.get_current_task())})
        with kernels.scoped_environ({"RUSE_RESEARCH_ROOT": str(root), **THREAD_CAPS}):
            _ensure_zygote(local.notebook, root)
            result = execute(local)
        run_dir = local.run_dir if result.status == "ok" else local.run_dir / "failed"
        archive = _archive(run_dir) if run_dir.is_dir() else b""
    return {"result": result, "archive": archive, "fingerprint": mine, "worker": worker.address}


def _publish(reply: dict, spec: RunSpec, scheduler: str) -> RunResult:
    """Unpack a worker's archive into a staging folder and publish it (atomic rename)."""
    result: RunResult = reply["result"]
    if not reply["archive"]:
        return result
    try:
        with publish.staging(spec.outputs, spec.name) as stage:
            with tarfile.open(fileobj=io.BytesIO(reply["archive"]), mode="r") as tar:
                tar.extractall(stage, filter="data")
            record_file = stage / ("provenance.json" if result.ok else "failure.json")
            record = provenance.read_json(record_file)
            if record is not None:
                record["executor"] = {"kind": "dask", "scheduler": scheduler, "worker": reply["worker"],
                                      "fingerprint": reply["fingerprint"]}
                provenance.write_json(record_file, record)
            _fix_output_path(stage / "notebook.ipynb", spec,
                             spec.run_dir / ("notebook.ipynb" if result.ok else "failed/notebook.ipynb"))
            publish.publish(stage, spec.run_dir, ok=result.ok, staging_root=spec.outputs / publish.STAGING)
    except Exception as exc:  # publishing failed: report it, keep the previous outputs
        if publish.is_disk_fault(exc):
            raise  # a full disk stops the command: one line, exit 2 (cli.main)
        return RunResult(name=spec.name, status="failed", duration_s=result.duration_s,
                         failure=RunFailure.from_exception(exc), reason=spec.reason)
    return result


def _fix_output_path(notebook: Path, spec: RunSpec, final: Path) -> None:
    """papermill recorded the worker's private paths; record the client's places instead."""
    if not notebook.is_file():
        return
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    meta = nb.get("metadata", {}).get("papermill")
    if meta is not None:
        meta["input_path"], meta["output_path"] = str(spec.notebook), str(final)
        if "cwd" in meta:
            meta["cwd"] = str(spec.notebook.parent)
        with open(notebook, "w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)


def _failed(spec: RunSpec, ename: str, evalue: str, scheduler: str = "") -> RunResult:
    """A run that failed outside its notebook (a dead or refused worker): ``failed/failure.json``
    is written so that the next ``ruse-research run`` redoes it; the good outputs stay."""
    failure = RunFailure(None, None, ename, evalue)
    try:
        with publish.staging(spec.outputs, spec.name) as stage:
            record = provenance.record_for(spec, started=provenance.utc_now(), duration_s=0.0, status="failed",
                                           tables=[], figures=[], error=failure.to_dict())
            record["executor"] = {"kind": "dask", "scheduler": scheduler}
            provenance.write_json(stage / "failure.json", record)
            publish.publish(stage, spec.run_dir, ok=False, staging_root=spec.outputs / publish.STAGING)
    except OSError:
        pass  # the one-line report still says why
    return RunResult(name=spec.name, status="failed", failure=failure, reason=spec.reason)


def run_on_dask(execute: Callable[[RunSpec], RunResult], specs: Sequence[RunSpec], address: str | None,
                jobs: int, on_done: Callable[[RunResult], None], echo: Callable[[str], None]) -> list[RunResult]:
    """Execute ``specs`` on Dask (a ``LocalCluster`` of ``jobs`` workers when ``address`` is
    ``None``) and publish each as it returns; see the module docstring."""
    import logging

    from distributed import Client, LocalCluster, wait

    expected = fingerprint(cache.package_source_dir(specs[0].root)) if specs else fingerprint()
    with contextlib.ExitStack() as stack:
        if address is None:
            cluster = stack.enter_context(LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                                       dashboard_address=":0", silence_logs=logging.WARNING))
            client = stack.enter_context(Client(cluster))
            scheduler = "LocalCluster"
        else:
            try:
                client = stack.enter_context(Client(address, timeout=30))
            except OSError as exc:
                raise ParamsError(f"--executor: cannot reach the dask scheduler at {address} ({exc}); "
                                  "start one with 'dask scheduler' or check HOST:PORT") from None
            scheduler = address
        reports = client.run(fingerprint)
        good = sorted(addr for addr, fp in reports.items() if fp["hash"] == expected["hash"])
        for addr in sorted(set(reports) - set(good)):
            echo(f"refusing dask worker {addr}: its environment differs (fingerprint "
                 f"{reports[addr]['hash'][:12]}, this machine {expected['hash'][:12]}); install the same "
                 "requirements.lock and ruse_research source there")
        results: list[RunResult] = []

        def finish(result: RunResult) -> None:
            on_done(result)
            results.append(result)

        if not good:
            for spec in specs:
                finish(_failed(spec, "NoWorker", f"no dask worker at {scheduler} has this environment "
                                                 f"(fingerprint {expected['hash'][:12]})", scheduler))
            return results
        futures = {}
        for spec in specs:
            future = client.submit(worker_task, execute, spec, run_files(spec), expected["hash"],
                                   key=f"ruse-run-{spec.name}-{time.monotonic_ns()}", pure=False,
                                   workers=good, allow_other_workers=False)
            futures[future] = spec
        pending = set(futures)
        while pending:
            try:
                done, pending = wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            for future in done:
                spec = futures[future]
                try:
                    reply = future.result()
                except Exception as exc:  # KilledWorker, a worker-side error outside the run
                    finish(_failed(spec, type(exc).__name__, _one_line(exc), scheduler))
                    continue
                if "refused" in reply:
                    finish(_failed(spec, "WorkerRefused", str(reply["refused"]), scheduler))
                    continue
                finish(_publish(reply, spec, scheduler))
            if not pending:
                break
            pending = _fail_runs_of_dead_workers(client, pending, futures, good, finish, scheduler)
        return results


def _one_line(exc: BaseException) -> str:
    from ruse_research.runner.spec import trim_evalue

    return trim_evalue(exc) or type(exc).__name__


def _fail_runs_of_dead_workers(client, pending: set, futures: dict, good: list[str],
                               finish: Callable[[RunResult], None], scheduler: str) -> set:
    """Fail (and cancel) each pending run whose worker left while executing it."""
    alive = set(client.nthreads())  # asked of the scheduler each time
    if not set(good) <= alive:  # a worker missing: ask again before failing its runs
        time.sleep(POLL_S)
        alive = set(client.nthreads())
    mine = {str(future.key) for future in futures}  # events of earlier clients do not count
    events = [m for _, m in client.get_events(EVENT_TOPIC) if isinstance(m, dict) and m.get("key") in mine]
    by_run: dict[str, list[str]] = {}
    for message in events:
        by_run.setdefault(str(message.get("run")), []).append(str(message.get("worker")))
    left = set()
    for future in pending:
        spec = futures[future]
        workers = by_run.get(spec.name, [])
        dead = [w for w in workers if w not in alive]
        if dead or (workers and not set(good) & alive):
            who = dead[0] if dead else workers[-1]
            client.cancel(future)
            finish(_failed(spec, "WorkerDied", f"dask worker {who} died while executing this run; "
                                               "run it again (the other runs went on)", scheduler))
            continue
        if not workers and not set(good) & alive:
            client.cancel(future)
            finish(_failed(spec, "NoWorker", "every matching dask worker left before this run started", scheduler))
            continue
        left.add(future)
    return left
