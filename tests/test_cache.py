"""The cache key: what reruns a study and what does not."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from ruse_research import runner
from ruse_research.runner import cache, provenance

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "runner"))
from runner_project import make_project  # noqa: E402

NOTEBOOK = "notebooks/90_standin.ipynb"


@pytest.fixture
def project(tmp_path, monkeypatch):
    return make_project(tmp_path, monkeypatch)


def plans_for(root: Path, force: bool = False) -> dict[str, runner.Plan]:
    store = cache.FileHashStore(root / "outputs" / ".cache" / "file-hashes.json")
    runs = [runner.load_run(p, store, root) for p in runner.discover_runs(root)]
    plans = runner.plan_runs(runs, root, root / "outputs", store, force=force)
    store.save()
    return {p.run.name: p for p in plans}


def pretend_succeeded(root: Path) -> None:
    """Write what a successful run leaves behind, with the current cache key (no kernel needed)."""
    for name, plan in plans_for(root).items():
        run_dir = root / "outputs" / name
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "notebook.ipynb").write_text("{}", encoding="utf-8")
        (run_dir / "report.html").write_text("<html></html>", encoding="utf-8")
        provenance.write_json(run_dir / "provenance.json", {
            "status": "ok", "cache_key": plan.cache_key, "cache_components": plan.components})


def edit_notebook(root: Path, change) -> None:
    path = root / NOTEBOOK
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


def decisions(root: Path) -> dict[str, tuple[bool, str]]:
    return {name: (plan.execute, plan.reason) for name, plan in plans_for(root).items()}


def test_new_runs_execute(project):
    assert decisions(project) == {"standin.bg": (True, "new"), "standin.en": (True, "new")}


def test_nothing_changed_skips(project):
    pretend_succeeded(project)
    assert decisions(project) == {"standin.bg": (False, "unchanged"), "standin.en": (False, "unchanged")}


def test_force_reruns(project):
    pretend_succeeded(project)
    assert {n: p.reason for n, p in plans_for(project, force=True).items()} == {
        "standin.bg": "forced", "standin.en": "forced"}


def test_code_cell_change_reruns_both(project):
    pretend_succeeded(project)
    edit_notebook(project, lambda nb: nb["cells"][3]["source"].append("\nprint('changed')"))
    assert decisions(project) == {"standin.bg": (True, "notebook code changed"),
                                  "standin.en": (True, "notebook code changed")}


def test_markdown_tag_output_and_count_changes_do_not_rerun(project):
    pretend_succeeded(project)

    def presentation_only(nb):
        nb["cells"][0]["source"] = ["A reworded note for people reading the notebook."]
        nb["cells"][2]["metadata"]["tags"] = ["hide-input", "remove-input", "nbval-ignore-output"]
        nb["cells"][7]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["old output\n"]}]
        nb["cells"][7]["execution_count"] = 42
        nb["cells"][3]["source"] = [line.rstrip() + "   \n" for line in nb["cells"][3]["source"]]

    edit_notebook(project, presentation_only)
    assert decisions(project) == {"standin.bg": (False, "unchanged"), "standin.en": (False, "unchanged")}


def test_execution_relevant_tag_reruns(project):
    pretend_succeeded(project)
    edit_notebook(project, lambda nb: nb["cells"][3]["metadata"].setdefault("tags", []).append("raises-exception"))
    assert decisions(project)["standin.en"] == (True, "notebook code changed")


def test_param_change_reruns_only_that_run(project):
    pretend_succeeded(project)
    params = project / "params" / "standin.bg.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("threshold: 3", "threshold: 4"), encoding="utf-8")
    assert decisions(project) == {"standin.bg": (True, "params changed (threshold)"),
                                  "standin.en": (False, "unchanged")}


def test_default_parameter_change_reruns(project):
    pretend_succeeded(project)
    edit_notebook(project, lambda nb: nb["cells"][1].update(
        source=["lang = \"en\"  # bg | en\n", "demo_path = \"data/raw/demo.csv\"\n", "threshold = 2.0\n", "fail = False"]))
    reasons = decisions(project)
    # bg overrides threshold, so only the notebook code changed for it; en also sees the new default
    assert reasons["standin.bg"] == (True, "notebook code changed")
    assert reasons["standin.en"] == (True, "notebook code changed; params changed (threshold)")


def test_input_file_content_change_reruns(project):
    pretend_succeeded(project)
    data = project / "data" / "raw" / "demo.csv"
    data.write_text(data.read_text(encoding="utf-8") + "r999,a,5\n", encoding="utf-8")
    assert decisions(project)["standin.en"] == (True, "input file data/raw/demo.csv changed")


def test_touching_an_input_without_changing_it_does_not_rerun(project):
    pretend_succeeded(project)
    data = project / "data" / "raw" / "demo.csv"
    os.utime(data, ns=(data.stat().st_atime_ns, data.stat().st_mtime_ns + 10**9))
    assert decisions(project)["standin.en"] == (False, "unchanged")


def test_codebook_and_reference_files_are_inputs(project):
    pretend_succeeded(project)
    (project / "data" / "reference").mkdir()
    (project / "data" / "reference" / "population.csv").write_text("age,n\n18-29,100\n", encoding="utf-8")
    assert decisions(project)["standin.bg"] == (True, "input file data/reference/population.csv changed")


def test_package_source_change_reruns(project):
    pretend_succeeded(project)
    locale = project / "src" / "ruse_research" / "locale"
    locale.mkdir(exist_ok=True)
    (locale / "standin.yaml").write_text("title: {bg: 'Заглавие', en: 'Title'}\n", encoding="utf-8")
    assert decisions(project)["standin.en"] == (True, "package source changed")


def test_environment_change_reruns(project):
    pretend_succeeded(project)
    (project / "requirements.lock").write_text("pandas==0.0.1\n", encoding="utf-8")
    assert decisions(project)["standin.en"] == (True, "environment changed")


def test_previous_failure_reruns_and_missing_outputs_rerun(project):
    pretend_succeeded(project)
    (project / "outputs" / "standin.bg" / "failed").mkdir()
    (project / "outputs" / "standin.bg" / "failed" / "failure.json").write_text("{}", encoding="utf-8")
    (project / "outputs" / "standin.en" / "report.html").unlink()
    assert decisions(project) == {"standin.bg": (True, "previous run failed"),
                                  "standin.en": (True, "outputs incomplete")}


def test_hash_store_reads_a_file_only_when_size_or_mtime_change(tmp_path, monkeypatch):
    data = tmp_path / "big.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    reads = []
    real = provenance.sha256_file
    monkeypatch.setattr(provenance, "sha256_file", lambda p: reads.append(p) or real(p))
    monkeypatch.setattr(cache, "RACY_NS", 0)  # as if written long before it was hashed
    store = cache.FileHashStore(tmp_path / "hashes.json")
    first = store.sha256(data)
    store.save()
    again = cache.FileHashStore(tmp_path / "hashes.json")
    assert again.sha256(data) == first and len(reads) == 1  # fast path: no second read
    data.write_text("a,b\n1,3\n", encoding="utf-8")
    assert again.sha256(data) != first and len(reads) == 2
    # sha256 of "a,b\n1,2\n" computed independently with hashlib
    import hashlib

    assert first == hashlib.sha256(b"a,b\n1,2\n").hexdigest()


def test_notebook_code_hash_ignores_injected_parameters_cell():
    source = {"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {"tags": ["parameters"]}}]}
    executed = {"cells": source["cells"] + [
        {"cell_type": "code", "source": "# Parameters\nx = 2", "metadata": {"tags": ["injected-parameters"]}}]}
    assert cache.notebook_code_hash(source) == cache.notebook_code_hash(executed)
    changed = {"cells": [{"cell_type": "code", "source": "x = 2", "metadata": {"tags": ["parameters"]}}]}
    assert cache.notebook_code_hash(source) != cache.notebook_code_hash(changed)


def test_no_op_run_of_eight_runs_is_fast_and_light(project):
    """Nothing changed: `ruse-research run` must skip all 8 runs in well under a second of CPU,
    without importing pandas, papermill or nbconvert."""
    import resource
    import subprocess

    for number in range(6):
        lang = ("bg", "en")[number % 2]
        (project / "params" / f"extra_{number}.{lang}.yaml").write_text(
            f"notebook: notebooks/90_standin.ipynb\ntitle: Extra {number}\nparameters: {{lang: {lang}, threshold: {number}}}\n",
            encoding="utf-8")
    pretend_succeeded(project)
    code = ("import sys\nfrom ruse_research import cli\ncode = cli.main(['run'])\n"
            "print(code, sorted(m for m in ('pandas', 'papermill', 'nbconvert', 'nbclient', 'jupyter_client')"
            " if m in sys.modules))")
    env = {**os.environ, "RUSE_RESEARCH_ROOT": str(project)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines()
    assert sum(line.startswith("skipped ") for line in lines) == 8, done.stdout + done.stderr
    assert lines[-1] == "0 []"
    assert cpu < 1.0, f"no-op run used {cpu:.2f} CPU seconds"
