"""A failing notebook keeps earlier outputs; two run commands cannot write at once; raw data stays untouched."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ruse_research import cli, runner
from ruse_research.runner import execute, kernels, publish

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "runner"))
from runner_project import make_project  # noqa: E402

pytestmark = pytest.mark.slow  # starts kernels / runs studies / drives Chromium


@pytest.fixture
def project(tmp_path, monkeypatch):
    return make_project(tmp_path, monkeypatch)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failed_run_keeps_previous_outputs_and_shows_where_it_failed(project, capsys):
    outputs = project / "outputs"
    raw = project / "data" / "raw" / "demo.csv"
    raw.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # read-only: any write attempt would fail
    raw_before = (digest(raw), raw.stat().st_mtime_ns)

    assert cli.main(["run", "standin.en", "--jobs", "1"]) == 0
    good = {p.relative_to(outputs / "standin.en"): digest(p)
            for p in (outputs / "standin.en").rglob("*") if p.is_file()}
    capsys.readouterr()

    params = project / "params" / "standin.en.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "  fail: true\n", encoding="utf-8")
    assert cli.main(["run", "standin.en"]) == 1
    out = capsys.readouterr().out
    # the failing run, the cell (4th cell of the source notebook) and the error are printed
    assert "FAILED standin.en: cell 4 (In [4]): ValueError: planted failure for the runner tests" in out
    assert "run standin.en failed" in out

    # earlier successful outputs are intact, byte for byte
    kept = {p.relative_to(outputs / "standin.en"): digest(p)
            for p in (outputs / "standin.en").rglob("*") if p.is_file() and "failed" not in p.parts}
    assert kept == good

    failed = outputs / "standin.en" / "failed"
    failure = json.loads((failed / "failure.json").read_text(encoding="utf-8"))
    assert failure["status"] == "failed"
    assert failure["error"] == {"cell": 4, "execution_count": 4, "ename": "ValueError",
                                "evalue": "planted failure for the runner tests"}
    page = (failed / "report.html").read_text(encoding="utf-8")
    assert 'id="papermill-error-cell"' in page and 'href="#papermill-error-cell"' in page
    assert "This run failed." in page and "cell 4: ValueError: planted failure" in page
    assert '<section class="cell code-cell failed-cell">' in page
    assert "<details class=\"code\" open" in page  # the failing cell's code is shown
    nb = json.loads((failed / "notebook.ipynb").read_text(encoding="utf-8"))
    assert any("papermill-error-cell-tag" in c["metadata"].get("tags", []) for c in nb["cells"])

    index = (outputs / "index.html").read_text(encoding="utf-8")
    assert 'class="status-failed">failed' in index
    assert 'href="standin.en/failed/report.html"' in index
    assert 'href="standin.en/report.html"' in index  # the last good report stays reachable
    assert runner.list_runs(project)[1]["status"] == "failed"

    assert (digest(raw), raw.stat().st_mtime_ns) == raw_before
    assert not list((outputs / ".staging").iterdir())

    # fixing the notebook's input clears the failure on the next run
    params.write_text(params.read_text(encoding="utf-8").replace("  fail: true\n", ""), encoding="utf-8")
    assert cli.main(["run", "standin.en"]) == 0
    assert "running standin.en (previous run failed)" in capsys.readouterr().out
    assert not failed.exists()


def test_second_run_command_is_locked_out(project, capsys):
    outputs = project / "outputs"
    outputs.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         f"h = open({str(outputs / '.lock')!r}, 'a+')\n"
         "fcntl.flock(h.fileno(), fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert cli.main(["run"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert "another 'ruse-research run' is writing" in err[0] and ".lock" in err[0]
        assert not (outputs / "standin.en").exists()
    finally:
        holder.kill()
        holder.wait()
    # once the holder is gone the lock is free again (checked without starting kernels)
    with runner.outputs_lock(outputs):
        pass


def test_lock_is_released_after_an_error(project):
    (project / "params" / "standin.en.yaml").write_text("nonsense: [", encoding="utf-8")
    assert cli.main(["run"]) == 2
    with runner.outputs_lock(project / "outputs"):
        pass


def test_publishing_replaces_a_directory_in_one_rename(tmp_path):
    old = tmp_path / "run"
    old.mkdir()
    (old / "report.html").write_text("old", encoding="utf-8")
    new = tmp_path / "stage"
    new.mkdir()
    (new / "report.html").write_text("new", encoding="utf-8")
    publish.replace_dir(new, old, tmp_path)
    assert (old / "report.html").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_kernel_start_failures_are_retried(project, monkeypatch, tmp_path):
    import papermill

    attempts = []

    def flaky(source, destination, **kwargs):
        attempts.append(kwargs["kernel_manager_class"]())  # papermill makes one manager per attempt
        if len(attempts) < 3:
            import zmq

            raise zmq.ZMQError(98, "Address already in use")
        Path(destination).write_text("{}", encoding="utf-8")

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    monkeypatch.setattr(time, "sleep", lambda s: None)
    execute.execute_notebook(project / "notebooks" / "90_standin.ipynb", tmp_path / "out.ipynb", {}, project)
    assert len(attempts) == 3
    manager, other = attempts[:2]
    assert manager.transport == "ipc"
    assert manager.format_kernel_cmd([])[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert os.path.dirname(manager.connection_file) != os.path.dirname(other.connection_file)
    # the kernels' private folders go with the execution
    assert not any(os.path.exists(m.private_dir) for m in attempts)


def test_forked_kernel_dies_with_its_client(project, monkeypatch):
    """If jupyter_client kills the kernel process it knows (the zygote client), the forked kernel
    must not survive as an orphan."""
    import asyncio
    import signal

    monkeypatch.delenv(runner.NO_ZYGOTE_ENV, raising=False)

    async def scenario(manager_class) -> tuple[int, int]:
        manager = manager_class(kernel_name="python3")
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=120)
        reply = await client.execute_interactive("import os; print(os.getpid(), os.getppid())", timeout=60,
                                                 output_hook=lambda msg: printed.append(msg))
        assert reply["content"]["status"] == "ok"
        client.stop_channels()
        kernel_pid = int(next(m["content"]["text"] for m in printed if m["msg_type"] == "stream").split()[0])
        client_pid = manager.provisioner.process.pid
        os.kill(client_pid, signal.SIGKILL)
        await manager.cleanup_resources()
        return kernel_pid, client_pid

    printed: list[dict] = []
    with runner.kernel_zygote() as forking, kernels.kernel_workspace() as folder:
        assert forking
        kernel_pid, client_pid = asyncio.run(scenario(kernels.isolated_kernel_manager_class(folder)))
        assert kernel_pid != client_pid  # the kernel really was forked by the zygote
        for _ in range(100):
            try:
                os.kill(kernel_pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"forked kernel {kernel_pid} outlived its client {client_pid}")
