"""``--executor dask://HOST:PORT`` against a real ``dask scheduler`` and two ``dask worker``
processes on localhost (not a LocalCluster): the same tables and figures, byte for byte, as the
local process pool; a worker killed mid-way fails its run with a one-line reason while the
other runs are published."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import pytest
from test_matrix import matrix_project

from ruse_research import runner

# find_spec, not importorskip: importing distributed (about a second) at collection was paid
# by every worker of the fast tier, which deselects these tests
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(find_spec("distributed") is None, reason="needs distributed")]

CHECKOUT = Path(__file__).resolve().parents[1]
#: Three tiny runs: one plain params file and a matrix of two regions in one language.
SELECTION = ["standin.bg", "standin.*.en"]
MATRIX = """notebook: notebooks/90_standin.ipynb
title: {bg: "Заместваща тетрадка {region}", en: "Stand-in notebook {region}"}
parameters:
  threshold: 3
matrix:
  region: [ruse, gabrovo]
  lang: [en]
"""
RUNS = ["standin.bg", "standin.gabrovo.en", "standin.ruse.en"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(CHECKOUT / "src"), "RUSE_RESEARCH_ROOT": str(root),
                "RUSE_RESEARCH_CHROMIUM": ""})  # no PDFs: they are not what is compared here
    return env


def _kill_tree(pid: int) -> None:
    import psutil

    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    for process in [*parent.children(recursive=True), parent]:
        try:
            process.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A project, a ``dask scheduler`` and two ``dask worker`` processes (no nanny: a killed
    worker stays dead), started once for this module. Yields (root, address, worker processes)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _cluster(tmp_path_factory.mktemp("dask-cluster"), monkeypatch)


def _cluster(tmp_path, monkeypatch):
    root = matrix_project(tmp_path, monkeypatch, MATRIX)
    monkeypatch.setenv("RUSE_RESEARCH_CHROMIUM", "")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = _env(root)
    scratch = tmp_path / "dask"
    scratch.mkdir()
    logs = open(scratch / "cluster.log", "w")
    processes = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                   "--port", str(port), "--no-dashboard"], env=env, cwd=scratch,
                                  stdout=logs, stderr=subprocess.STDOUT, start_new_session=True)]
    workers = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                 "--no-nanny", "--no-dashboard", "--local-directory", str(scratch / f"w{i}")],
                                env=env, cwd=scratch, stdout=logs, stderr=subprocess.STDOUT,
                                start_new_session=True) for i in range(2)]
    processes += workers
    try:
        from distributed import Client

        with Client(address, timeout=120) as client:
            client.wait_for_workers(2, timeout=300)
        yield root, address, workers
    finally:
        for process in reversed(processes):
            _kill_tree(process.pid)
            process.wait(timeout=30)
        logs.close()


def _cli(root: Path, *args: str, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "ruse_research", "run", *args], env=_env(root), cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def _artifacts(run_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(run_dir).as_posix(): p.read_bytes() for p in sorted(run_dir.glob("*/*"))
            if p.parent.name in ("tables", "figures")}


def _fake_fingerprint(fake: str | None) -> None:
    """On a worker: make :func:`executors.fingerprint` report hash ``fake`` (``None``: the real one)."""
    from ruse_research.runner import executors

    real = executors.__dict__.setdefault("_real_fingerprint", executors.fingerprint)
    executors.fingerprint = real if fake is None else (lambda *args, **kwargs: {**real(), "hash": fake})


def test_a_worker_with_another_environment_is_refused(cluster, tmp_path):
    """Runs first (the next test kills a worker): one worker reports another fingerprint, the
    run goes to the other one; when both differ the run fails with a one-line reason."""
    import cloudpickle
    from distributed import Client

    root, address, _ = cluster
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this file
    with Client(address, timeout=120) as client:
        workers = sorted(client.scheduler_info()["workers"])
        assert len(workers) == 2
        try:
            client.run(_fake_fingerprint, "0" * 64, workers=[workers[0]])
            lines: list[str] = []
            outcome = runner.run_study(["standin.bg"], root=root, outputs=tmp_path / "one", force=True,
                                       executor=address, echo=lines.append)
            assert outcome.exit_code == 0, lines
            refused = [line for line in lines if line.startswith("refusing dask worker")]
            assert len(refused) == 1, lines
            assert refused == [f"refusing dask worker {workers[0]}: its environment differs (fingerprint "
                               f"000000000000, this machine {refused[0].split('this machine ')[1][:12]}); "
                               "install the same requirements.lock and ruse_research source there"], lines
            record = json.loads((tmp_path / "one" / "standin.bg" / "provenance.json").read_text(encoding="utf-8"))
            assert record["executor"]["worker"] == workers[1]

            client.run(_fake_fingerprint, "1" * 64)  # now every worker differs
            lines = []
            outcome = runner.run_study(["standin.bg"], root=root, outputs=tmp_path / "none", force=True,
                                       executor=address, echo=lines.append)
            assert outcome.exit_code == 1
            failed = [line for line in lines if " FAILED " in line]
            assert failed == [f"[1/1] FAILED standin.bg: NoWorker: no dask worker at {address} has this "
                              f"environment (fingerprint {refused[0].split('this machine ')[1][:12]})"], lines
            assert not (tmp_path / "none" / "standin.bg" / "provenance.json").exists()
        finally:
            client.run(_fake_fingerprint, None)
            cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_dask_workers_give_the_local_bytes_and_a_killed_worker_fails_one_run(cluster, tmp_path):
    root, address, workers = cluster
    local = tmp_path / "local-outputs"
    lines: list[str] = []
    outcome = runner.run_study(SELECTION, root=root, outputs=local, jobs=2, echo=lines.append)
    assert outcome.exit_code == 0, lines

    done = _cli(root, *SELECTION, "--executor", f"dask://{address.removeprefix('tcp://')}")
    out, _ = done.communicate(timeout=1800)
    assert done.returncode == 0, out
    outputs = root / "outputs"
    for name in RUNS:
        shipped, here = _artifacts(outputs / name), _artifacts(local / name)
        assert shipped and sorted(shipped) == sorted(here), name
        assert all(shipped[k] == here[k] for k in here), f"{name}: tables/figures differ from the local pool"
        record = json.loads((outputs / name / "provenance.json").read_text(encoding="utf-8"))
        assert record["status"] == "ok" and record["executor"]["scheduler"] == address
        assert record["executor"]["worker"].startswith("tcp://127.0.0.1:")
        assert len(record["executor"]["fingerprint"]["hash"]) == 64
    assert "gabrovo" in json.loads((outputs / "standin.gabrovo.en" / "provenance.json").read_text())["inputs"].__str__()
    # nothing changed: a rerun through the cluster ships nothing
    again = _cli(root, *SELECTION, "--executor", address)
    out_again, _ = again.communicate(timeout=600)
    assert again.returncode == 0 and out_again.count("(unchanged)") == 3, out_again

    # kill one worker while it executes a run (its kernel is up); the others are published
    before = {n: json.loads((outputs / n / "provenance.json").read_text())["end_time"] for n in RUNS}
    import psutil

    forced = _cli(root, *SELECTION, "--force", "--executor", address)
    victim = None
    deadline = time.monotonic() + 900
    while victim is None and time.monotonic() < deadline and forced.poll() is None:
        for worker in workers:
            kids = psutil.Process(worker.pid).children()
            if any("zygote_main" not in " ".join(k.cmdline()) for k in kids):
                victim = worker
                break
        time.sleep(0.2)
    assert victim is not None, "no worker started a kernel"
    _kill_tree(victim.pid)
    out, _ = forced.communicate(timeout=1800)
    assert forced.returncode == 1, out
    failed = [line for line in out.splitlines() if " FAILED " in line]
    assert len(failed) == 1, out
    name = failed[0].split(" FAILED ")[1].split(":")[0]
    assert "WorkerDied: dask worker tcp://127.0.0.1:" in failed[0] and "died while executing this run" in failed[0]
    failure = json.loads((outputs / name / "failed" / "failure.json").read_text(encoding="utf-8"))
    assert failure["error"]["ename"] == "WorkerDied" and "\n" not in failure["error"]["evalue"]
    # the killed run keeps its previous good outputs; the others are new
    assert json.loads((outputs / name / "provenance.json").read_text())["end_time"] == before[name]
    for other in set(RUNS) - {name}:
        record = json.loads((outputs / other / "provenance.json").read_text())
        assert record["status"] == "ok" and record["end_time"] > before[other], other
