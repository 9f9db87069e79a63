"""Listing runs: the rows of ``ruse-research list`` and the runs shown in ``outputs/index.html``.

Nothing here starts a kernel or imports pandas, so ``ruse-research list`` stays fast.

Examples
--------
>>> rows = list_runs()
>>> all({"run", "notebook", "lang", "title", "status"} <= set(r) for r in rows)
True
"""

from __future__ import annotations

from pathlib import Path

from ruse_research import paths
from ruse_research.errors import RuseError
from ruse_research.runner import cache, provenance
from ruse_research.runner.params import Run, discover_runs, load_run, run_name
from ruse_research.runner.plan import Plan


def list_runs(root: Path | None = None) -> list[dict[str, str]]:
    """One row per params file: run, notebook, language, title and last status.

    A params file that does not check out is listed with status ``invalid: <message>``.
    """
    root = (root or paths.project_root()).resolve()
    outputs = root / "outputs"
    store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
    rows = []
    for params_file in discover_runs(root):
        name = run_name(params_file)
        try:
            run = load_run(params_file, store, root)
        except RuseError as exc:
            rows.append({"run": name, "notebook": "?", "lang": "?", "title": "", "status": f"invalid: {exc}"})
            continue
        record = provenance.read_json(outputs / name / "provenance.json")
        if (outputs / name / "failed" / "failure.json").is_file():
            status = "failed"
        elif record is None:
            status = "not run"
        else:
            status = f"{record.get('status')} ({record.get('end_time', '')[:19].replace('T', ' ')} UTC)"
        rows.append({"run": name, "notebook": run.notebook_rel, "lang": run.lang, "title": run.title, "status": status})
    return rows


def runs_for_index(root: Path, plans: list[Plan], store: cache.FileHashStore) -> list[Run]:
    """Every run of the project for the index: the planned ones plus the others that load.

    Examples
    --------
    >>> import tempfile
    >>> runs_for_index(Path(tempfile.mkdtemp()), [], cache.FileHashStore())
    []
    """
    planned = {item.run.name: item.run for item in plans}
    runs = []
    for params_file in discover_runs(root):
        name = run_name(params_file)
        if name in planned:
            runs.append(planned[name])
            continue
        try:
            runs.append(load_run(params_file, store, root))
        except RuseError:
            continue  # `ruse-research list` shows why; the index lists runs that can run
    return runs
