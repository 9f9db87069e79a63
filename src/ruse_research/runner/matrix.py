"""Run matrices: one params file that expands into many runs (regions x languages).

A params file with a top-level ``matrix`` key is a template. Its ``region`` entry lists region
profiles (ids under ``data/regions/``, or ``all`` for every ``data/regions/*/profile.yaml``)
and its ``lang`` entry lists report languages; the template is crossed with both::

    # params/stakeholder_opinions.yaml
    notebook: notebooks/02_stakeholder_opinions.ipynb
    title: {bg: "Мнения ... {region}", en: "Stakeholder opinions ... {region}"}
    parameters: {stakeholders_path: data/raw/stakeholders.csv}
    matrix:
      region: all          # or [ruse, gabrovo]
      lang: [bg, en]

Each expanded run is named ``<stem>.<region>.<lang>`` (``stakeholder_opinions.gabrovo.bg``), is
checked like a params file of its own (with that profile active: its data paths, its names in
the title) and is cached on its own. A matrix without ``region`` gives ``<stem>.<lang>``, one
without ``lang`` gives ``<stem>.<region>``. Plain params files are one run each, as before.
Selections (:func:`select`) take run names or shell patterns: ``'stakeholder_opinions.*.bg'``.

Examples
--------
>>> expand_names("stakeholder_opinions", ["ruse", "gabrovo"], ["bg", "en"])
['stakeholder_opinions.ruse.bg', 'stakeholder_opinions.ruse.en', 'stakeholder_opinions.gabrovo.bg', 'stakeholder_opinions.gabrovo.en']
>>> is_pattern("stakeholder_opinions.*.bg"), is_pattern("staff_attitudes.bg")
(True, False)
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ruse_research import _yaml
from ruse_research.data import profile as region_profile
from ruse_research.errors import ParamsError, RuseError
from ruse_research.i18n import LANGUAGES
from ruse_research.runner import cache, params

MATRIX_KEY = "matrix"
MATRIX_AXES = ("region", "lang")


@dataclass(frozen=True)
class RunSource:
    """Where one run comes from: its params file and, for a matrix run, its region and language.

    Examples
    --------
    >>> RunSource("demo.ruse.bg", Path("params/demo.yaml"), region="ruse", lang="bg").region
    'ruse'
    """

    name: str
    params_file: Path
    region: str | None = None
    lang: str | None = None
    error: str | None = None  # a matrix that cannot expand: listed with its message


def expand_names(stem: str, regions: list[str] | None, langs: list[str] | None) -> list[str]:
    """Run names of a matrix, regions outer, languages inner."""
    return [".".join(part for part in (stem, r, lang) if part)
            for r in (regions or [None]) for lang in (langs or [None])]


def is_pattern(text: str) -> bool:
    """Does a selection contain shell wildcards (``*``, ``?``, ``[...]``)?"""
    return any(ch in text for ch in "*?[")


@contextlib.contextmanager
def active_profile(name: str | None) -> Iterator[None]:
    """Make region profile ``name`` the active one (``RUSE_RESEARCH_PROFILE``) while the block
    runs; ``None`` leaves the environment alone.

    Examples
    --------
    >>> with active_profile("gabrovo"):
    ...     os.environ["RUSE_RESEARCH_PROFILE"]
    'gabrovo'
    """
    if name is None:
        yield
        return
    saved = os.environ.get(region_profile.PROFILE_ENV)
    os.environ[region_profile.PROFILE_ENV] = name
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(region_profile.PROFILE_ENV, None)
        else:
            os.environ[region_profile.PROFILE_ENV] = saved


def _axis(value: object, axis: str, where: str, root: Path) -> list[str]:
    if axis == "region" and value == "all":
        base = root / region_profile.REGIONS_DIR
        found = sorted(p.parent.name for p in base.glob("*/profile.yaml")) if base.is_dir() else []
        if not found:
            raise ParamsError(f"{where}: matrix.region: 'all' found no {region_profile.REGIONS_DIR}/*/profile.yaml; "
                              "add a region profile or list region ids")
        return found
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ParamsError(f"{where}: matrix.{axis}: found {value!r}, expected a non-empty list of names"
                          + (" or 'all'" if axis == "region" else ""))
    if len(set(value)) != len(value):
        raise ParamsError(f"{where}: matrix.{axis}: {value!r} names one twice; expected each once")
    for item in value:
        if axis == "lang" and item not in LANGUAGES:
            raise ParamsError(f"{where}: matrix.lang: found {item!r}, expected one of {', '.join(LANGUAGES)}")
        if axis == "region" and ("." in item or "/" in item
                                 or not (root / region_profile.REGIONS_DIR / item / "profile.yaml").is_file()):
            raise ParamsError(f"{where}: matrix.region: {item!r} is not a profile id; expected a folder "
                              f"{region_profile.REGIONS_DIR}/<id>/ holding profile.yaml")
    return list(value)


def _read(params_file: Path, root: Path) -> tuple[str, object]:
    where = params.relative_to_root(params_file, root)
    try:
        return where, _yaml.load(params_file.read_text(encoding="utf-8"), source=where, dates=False)
    except (UnicodeDecodeError, _yaml.YamlError):
        return where, None  # params.load_run reports it in its own words


def sources_of(params_file: Path, root: Path) -> list[RunSource]:
    """The runs one params file describes: one for a plain file, the expansion of a matrix.

    Raises
    ------
    ParamsError
        A ``matrix`` entry that is not a mapping of ``region``/``lang`` lists.
    """
    where, data = _read(params_file, root)
    stem = params.run_name(params_file)
    if not isinstance(data, dict) or MATRIX_KEY not in data:
        return [RunSource(stem, params_file)]
    spec = data[MATRIX_KEY]
    if not isinstance(spec, dict) or not spec or set(spec) - set(MATRIX_AXES):
        raise ParamsError(f"{where}: matrix: found {spec!r}, expected a mapping with keys "
                          f"{' and/or '.join(MATRIX_AXES)}")
    regions = _axis(spec["region"], "region", where, root) if "region" in spec else None
    langs = _axis(spec["lang"], "lang", where, root) if "lang" in spec else None
    names = expand_names(stem, regions, langs)
    pairs = [(r, lang) for r in (regions or [None]) for lang in (langs or [None])]
    return [RunSource(n, params_file, region=r, lang=lang) for n, (r, lang) in zip(names, pairs, strict=True)]


def all_sources(root: Path) -> list[RunSource]:
    """Every run of the project, in params-file order; a matrix that cannot expand is one
    source carrying its error (``ruse-research list`` shows it)."""
    out: list[RunSource] = []
    for params_file in params.discover_runs(root):
        try:
            out.extend(sources_of(params_file, root))
        except RuseError as exc:
            out.append(RunSource(params.run_name(params_file), params_file, error=str(exc)))
    return out


def select(names: list[str] | None, root: Path) -> list[RunSource]:
    """The runs for ``names`` (run names or shell patterns; all runs when empty).

    Raises
    ------
    ParamsError
        A name that is no run, a pattern that matches none, or a matrix that cannot expand.

    Examples
    --------
    >>> from ruse_research import paths
    >>> [s.name for s in select(["staff_attitudes.*"], paths.project_root())]
    ['staff_attitudes.bg', 'staff_attitudes.en']
    >>> select(["nothing.*"], paths.project_root())
    Traceback (most recent call last):
    ruse_research.errors.ParamsError: params: no run matches 'nothing.*', expected a pattern matching one of: ...
    """
    sources = all_sources(root)
    for source in sources:
        if source.error and (not names or any(fnmatch.fnmatchcase(source.name, n) or n.startswith(source.name + ".")
                                              for n in names)):
            raise ParamsError(source.error)
    by_name = {s.name: s for s in sources if not s.error}
    if not names:
        return list(by_name.values())
    chosen: dict[str, RunSource] = {}
    known = ", ".join(sorted(by_name)) or "none"
    for name in names:
        if is_pattern(name):
            matched = [s for n, s in by_name.items() if fnmatch.fnmatchcase(n, name)]
            if not matched:
                raise ParamsError(f"params: no run matches {name!r}, expected a pattern matching one of: {known}")
            chosen.update((s.name, s) for s in matched)
        elif name in by_name:
            chosen[name] = by_name[name]
        else:
            raise ParamsError(f"params/{name}.yaml: no such run, expected one of: {known}")
    return list(chosen.values())


def load(source: RunSource, store: cache.FileHashStore | None = None, root: Path | None = None,
         *, allow_notebooks=(), allow_inputs=()) -> params.Run:
    """Check one run (see :func:`ruse_research.runner.params.load_run`, whose notebook and
    input policy ``allow_*`` pass to); a matrix run is checked with its region's profile
    active and its language set."""
    policy = {"allow_notebooks": allow_notebooks, "allow_inputs": allow_inputs}
    if source.region is None and source.lang is None:
        return params.load_run(source.params_file, store, root, **policy)
    root = root or source.params_file.parents[1]
    where, data = _read(source.params_file, root)
    template = {k: v for k, v in data.items() if k != MATRIX_KEY}
    if source.lang is not None:
        overrides = template.get("parameters") or {}
        if isinstance(overrides, dict):
            template["parameters"] = {**overrides, "lang": source.lang}
    with active_profile(source.region):
        run = params.run_from_data(template, source.params_file, store, root, name=source.name, **policy)
    return replace(run, profile=source.region)


def languages_apart(specs: list) -> list:
    """``specs`` (longest first) reordered so that the runs of one study that differ only in
    language come in separate waves: every study's first language, then every second one, so
    that the second reads the first's memo (:mod:`ruse_research.memo`) instead of computing
    the same numbers beside it.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> specs = [S(name=n, notebook_rel=nb, inputs={}, env={}) for n, nb in
    ...          [("a.bg", "a"), ("a.en", "a"), ("b.bg", "b"), ("b.en", "b")]]
    >>> [s.name for s in languages_apart(specs)]
    ['a.bg', 'b.bg', 'a.en', 'b.en']
    """
    seen: dict[tuple, int] = {}
    ranked = []
    for order, spec in enumerate(specs):
        study = study_key(spec)
        wave = seen.get(study, 0)
        seen[study] = wave + 1
        ranked.append((wave, order, spec))
    return [spec for _, _, spec in sorted(ranked, key=lambda item: item[:2])]


def study_key(spec) -> tuple:
    """What the runs of one study in different languages share (notebook, inputs, region
    profile): runs with the same key compute the same numbers, so they share memo entries."""
    return (spec.notebook_rel, tuple(sorted(spec.inputs.items())),
            tuple(sorted((k, v) for k, v in spec.env.items() if k == region_profile.PROFILE_ENV)))


def environment_of(run: params.Run) -> dict[str, str]:
    """Environment variables a run executes with: its region profile, when it has one."""
    return {region_profile.PROFILE_ENV: run.profile} if run.profile else {}
