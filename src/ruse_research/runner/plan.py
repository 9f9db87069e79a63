"""Cache planning: which runs must execute, and why.

Each run's cache key is built from its components (see :mod:`ruse_research.runner.cache`);
a run executes when it is new, forced, failed last time, has incomplete outputs, or its key
changed, and the reason says which component changed.

Examples
--------
>>> Plan(run=None, execute=False, reason="unchanged").execute
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruse_research.data import profile as region_profile
from ruse_research.runner import cache, matrix, provenance
from ruse_research.runner.params import Expression, Run, relative_to_root

#: Project folders whose every file is an input of every run (hashed into the cache key).
SHARED_INPUT_FOLDERS = ("data/codebooks", "data/reference", "data/model")


def input_files(run: Run, root: Path) -> dict[str, Path]:
    """Every input file whose content is hashed: ``*_path``/``*_file`` files, codebooks, reference and model data.

    The active region profile's file is one too: the catalogs and codebooks read it.

    Examples
    --------
    >>> from ruse_research import paths
    >>> from ruse_research.runner.params import load_run
    >>> root = paths.project_root()
    >>> run = load_run(paths.params_dir() / "staff_attitudes.en.yaml")
    >>> "data/raw/staff.csv" in input_files(run, root), "data/codebooks/staff.yaml" in input_files(run, root)
    (True, True)
    """
    files = {relative_to_root(p, root): p for p in run.inputs.values()}
    with matrix.active_profile(run.profile):  # a matrix run's own region
        if region_profile.load_if_any() is not None:
            profile_file = region_profile.profile_path()
            files[relative_to_root(profile_file, root)] = profile_file
    for folder in SHARED_INPUT_FOLDERS:
        for path in cache.iter_tree(root / folder):
            files[relative_to_root(path, root)] = path
    return dict(sorted(files.items()))


def jsonable_parameters(parameters: dict[str, object]) -> dict[str, object]:
    """Parameters sorted by name, non-literal defaults as ``{"expression": source}``.

    Examples
    --------
    >>> jsonable_parameters({"lang": "en", "root": Expression("os.getcwd()")})
    {'lang': 'en', 'root': {'expression': 'os.getcwd()'}}
    """
    return {
        k: ({"expression": v.source} if isinstance(v, Expression) else v)
        for k, v in sorted(parameters.items())
    }


def cache_components(run: Run, root: Path, store: cache.FileHashStore, shared: dict[str, str]) -> dict[str, object]:
    """The cache-key components of ``run`` (see :mod:`ruse_research.runner.cache`).

    Examples
    --------
    >>> from ruse_research import paths
    >>> from ruse_research.runner.params import load_run
    >>> root, store = paths.project_root(), cache.FileHashStore()
    >>> run = load_run(paths.params_dir() / "staff_attitudes.en.yaml", store)
    >>> shared = {"package_source": cache.package_source_hash(root, store),
    ...           "environment": cache.environment_hash(root, store)}
    >>> sorted(cache_components(run, root, store, shared))
    ['environment', 'format', 'inputs', 'notebook_code', 'package_source', 'parameters', 'run_meta']
    """
    return {
        "format": cache.RUNNER_FORMAT_VERSION,
        "notebook_code": run.code_hash,
        "parameters": jsonable_parameters(run.parameters),
        "run_meta": {
            "notebook": run.notebook_rel,
            "title": run.titles,
            "description": run.descriptions,
        },
        "inputs": {rel: store.sha256(p) for rel, p in input_files(run, root).items()},
        "package_source": shared["package_source"],
        "environment": shared["environment"],
    }


@dataclass(frozen=True)
class Plan:
    """What :func:`plan_runs` decided for one run.

    Examples
    --------
    >>> plan = Plan(run=None, execute=True, reason="new")
    >>> plan.execute, plan.reason
    (True, 'new')
    """

    run: Run
    execute: bool
    reason: str
    components: dict[str, object] = field(default_factory=dict)
    cache_key: str = ""


def plan_runs(runs: list[Run], root: Path, outputs: Path, store: cache.FileHashStore, force: bool = False) -> list[Plan]:
    """Decide, for each run, whether it must execute and why.

    Examples
    --------
    >>> import tempfile
    >>> from ruse_research import paths
    >>> from ruse_research.runner.params import load_run
    >>> root, store = paths.project_root(), cache.FileHashStore()
    >>> runs = [load_run(paths.params_dir() / "staff_attitudes.en.yaml", store)]
    >>> with tempfile.TemporaryDirectory() as empty:  # no outputs yet: the run must execute
    ...     [(p.run.name, p.execute) for p in plan_runs(runs, root, Path(empty), store)]
    [('staff_attitudes.en', True)]
    """
    shared = {
        "package_source": cache.package_source_hash(root, store),
        "environment": cache.environment_hash(root, store),
    }
    plans = []
    for run in runs:
        components = cache_components(run, root, store, shared)
        key = cache.cache_key(components)
        run_dir = outputs / run.name
        previous = provenance.read_json(run_dir / "provenance.json")
        complete = previous is not None and previous.get("status") == "ok" and all(
            (run_dir / name).is_file() for name in ("notebook.ipynb", "report.html")
        )
        if force:
            execute, reason = True, "forced"
        elif (run_dir / "failed" / "failure.json").is_file():
            execute, reason = True, "previous run failed"
        elif previous is None:
            execute, reason = True, "new"
        elif complete and previous.get("cache_key") == key:
            execute, reason = False, "unchanged"
        else:
            execute, reason = True, cache.explain_change(previous.get("cache_components") or {}, components)
        plans.append(Plan(run=run, execute=execute, reason=reason, components=components, cache_key=key))
    return plans


def expected_duration(run_dir: Path) -> float:
    """How long the run took last time (infinite when unknown), to start the longest runs first:
    with a few workers, longest-first keeps one slow run from finishing alone at the end.

    Examples
    --------
    >>> expected_duration(Path("/nonexistent/run"))
    inf
    """
    for record_path in (run_dir / "provenance.json", run_dir / "failed" / "failure.json"):
        record = provenance.read_json(record_path)
        if record and isinstance(record.get("duration_s"), int | float):
            return float(record["duration_s"])
    return float("inf")
