"""Cache planning: which runs must execute, and why.

Each run's cache key is built from its components (see :mod:`ruse_research.runner.cache`);
a run executes when it is new, forced, failed last time, has incomplete outputs, or its key
changed, and the reason says which component changed. A run never replaces, without
``--force``, outputs published for another region profile (:func:`check_profile`).

Examples
--------
>>> Plan(run=None, execute=False, reason="unchanged").execute
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruse_research.data import profile as region_profile
from ruse_research.errors import ParamsError
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
    >>> staff = region_profile.load().data_path("data/raw/staff.csv")  # the active profile's export
    >>> staff in input_files(run, root), "data/codebooks/staff.yaml" in input_files(run, root)
    (True, True)
    """
    files = {relative_to_root(p, root): p for p in run.inputs.values()}
    with matrix.active_profile(run.profile):  # a matrix run's own region
        if cache.region_if_any() is not None:
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
    ['environment', 'format', 'inputs', 'notebook_code', 'package_source', 'parameters', 'profile', 'run_meta']
    """
    region = cache.region_if_any()
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
        # the region profile the run is for (provenance.json records it; see check_profile)
        "profile": None if region is None else region.id,
    }


class ProfileSwitchError(ParamsError):
    """Runs would replace published outputs made for another region profile."""


def check_profile(plans: list[Plan], outputs: Path, force: bool) -> None:
    """Refuse to replace, without ``--force``, outputs published for another region profile.

    ``outputs/<run>/provenance.json`` records the profile of each published run; a run whose
    active profile (``RUSE_RESEARCH_PROFILE``) differs stops the command before any kernel
    starts, naming both profiles and the runs. Outputs that record no profile (written before
    profiles were recorded) are replaced as any changed run.

    Examples
    --------
    >>> import json, tempfile
    >>> outputs = Path(tempfile.mkdtemp())
    >>> (outputs / "demo.en").mkdir()
    >>> _ = (outputs / "demo.en" / "provenance.json").write_text(json.dumps(
    ...     {"status": "ok", "cache_components": {"profile": "north"}}))
    >>> from types import SimpleNamespace
    >>> plans = [Plan(run=SimpleNamespace(name="demo.en"), execute=True, reason="inputs changed",
    ...               components={"profile": "south"})]
    >>> check_profile(plans, outputs, force=False)
    Traceback (most recent call last):
    ...
    ruse_research.runner.plan.ProfileSwitchError: outputs/demo.en holds reports of profile 'north' and this run is for profile 'south' (RUSE_RESEARCH_PROFILE): ...
    >>> check_profile(plans, outputs, force=True)  # --force replaces them
    """
    if force:
        return
    clashes: dict[tuple[str, str], list[str]] = {}
    for item in plans:
        if not item.execute:
            continue
        previous = provenance.read_json(outputs / item.run.name / "provenance.json") or {}
        before = (previous.get("cache_components") or {}).get("profile")
        now = item.components.get("profile")
        if before is not None and before != now:
            clashes.setdefault((str(before), str(now)), []).append(item.run.name)
    if clashes:
        (before, now), names = next(iter(clashes.items()))
        where = f"outputs/{names[0]}" if len(names) == 1 else f"outputs/ ({', '.join(names)})"
        raise ProfileSwitchError(
            f"{where} holds reports of profile {before!r} and this run is for profile {now!r} "
            f"({region_profile.PROFILE_ENV}): add --force to replace them, or move outputs/ aside to keep them")


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
    check_profile(plans, outputs, force)
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
