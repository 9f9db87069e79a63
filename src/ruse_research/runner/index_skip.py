"""Rewrite ``outputs/index.html`` only when something it shows may have changed.

A rerun with nothing changed would render the same page again (jinja2, the babel number
formats, every run's key findings). :func:`write_index` computes a key over everything the
page is made from and skips the rendering when the key is the one of the page on disk:

* each run's name, language, notebook and titles, and this invocation's status for it
  (an ``ok`` run shows as "unchanged (from the cache)" on the next invocation: one rewrite);
* the content hashes of each run's ``provenance.json``, ``failed/failure.json`` and
  ``notebook.ipynb`` (the key findings), and whether ``report.pdf`` exists;
* each campaign's ``campaign.json`` hash and which of its linked products exist;
* the rendering code (a hash over the imported package: template, CSS, locale labels), the
  region profiles (``data/regions/``, ``RUSE_RESEARCH_PROFILE``) and the jinja2/babel versions.

Content hashes come from the runner's :class:`~ruse_research.runner.cache.FileHashStore`,
whose fast path is checked against size, ``mtime_ns``, ``ctime_ns`` and inode (an edit that puts
the old mtime back is still noticed). The key and the hash of the page written are kept in
``outputs/.cache/index.json``; a page edited or deleted by hand is written again. Key findings
are read from a notebook once per content hash (:meth:`FileHashStore.derived`).

The first rerun after runs executed shows them as unchanged, so its page differs; it is
rendered ahead by the invocation that ran them (``outputs/.cache/index-next.html``, with the
key the rerun will compute) and moved into place when the rerun's key is that one.

Examples
--------
>>> import tempfile
>>> from ruse_research.runner import cache
>>> outputs = Path(tempfile.mkdtemp())
>>> store = cache.FileHashStore(outputs / ".cache" / "file-hashes.json")
>>> write_index(outputs, [], {}, store)  # written
True
>>> write_index(outputs, [], {}, store)  # nothing changed: skipped
False
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ruse_research import paths
from ruse_research.data import profile as _profile
from ruse_research.i18n import LANGUAGES
from ruse_research.runner import cache, index, provenance
from ruse_research.runner.spec import RunResult

#: Bump when the key's contents change.
INDEX_KEY_FORMAT = 1
#: Where the key of the page on disk is kept, under ``outputs/``.
RECORD = Path(".cache") / "index.json"
#: The page the next rerun shows if nothing changes, rendered ahead (see :func:`write_index`).
NEXT = Path(".cache") / "index-next.html"
#: Libraries whose versions change the page's rendering.
RENDERING_PACKAGES = ("jinja2", "babel", "markupsafe")


def _sha(store: cache.FileHashStore, path: Path) -> str | None:
    return store.sha256(path) if path.is_file() else None


def _profile_file_hash(store: cache.FileHashStore) -> str | None:
    try:
        return _sha(store, _profile.profile_path())
    except _profile.ProfileError:  # no such profile: the run itself says so
        return None


def _findings(store: cache.FileHashStore):
    def findings(notebook: Path) -> list[str]:
        if not notebook.is_file():
            return []
        return list(store.derived("index-findings", notebook, index.run_findings))
    return findings


def index_key(outputs: Path, runs: Sequence[index.IndexedRun], results: Mapping[str, RunResult],
              store: cache.FileHashStore) -> str:
    """The key of the index page for ``runs`` and ``results`` (see the module docstring)."""
    rows = []
    for run in runs:
        run_dir = outputs / run.name
        result = results.get(run.name)
        failure = getattr(result, "failure", None)
        rows.append({
            "run": [run.name, run.lang, run.notebook_rel, dict(run.titles), run.title],
            "result": None if result is None else [result.status, failure.describe() if failure else None],
            "files": [_sha(store, run_dir / "provenance.json"), _sha(store, run_dir / "failed" / "failure.json"),
                      _sha(store, run_dir / "notebook.ipynb"), (run_dir / "report.pdf").is_file()],
        })
    campaigns = {}
    for lang in LANGUAGES:
        folder = outputs / f"campaign.{lang}"
        campaigns[lang] = [_sha(store, folder / "campaign.json"),
                           [(folder / href).exists() for _, href in index.CAMPAIGN_LINKS]]
    package = Path(index.__file__).resolve().parents[1]  # the code that renders the page
    regions = paths.resolve(_profile.REGIONS_DIR)
    return cache.cache_key({
        "format": INDEX_KEY_FORMAT,
        "rows": rows,
        "campaigns": campaigns,
        "package": cache.cache_key(cache.tree_hashes(package, store, package)),
        "profile": [os.environ.get(_profile.PROFILE_ENV, ""), str(paths.project_root()),
                    cache.tree_hashes(regions, store, regions) if regions.is_dir() else {},
                    _profile_file_hash(store)],  # a profile named by path may lie outside data/regions
        "versions": cache.installed_versions(store, RENDERING_PACKAGES),
    })


def _next_results(outputs: Path, runs: Sequence[index.IndexedRun],
                  results: Mapping[str, RunResult]) -> dict[str, RunResult] | None:
    """What the next ``ruse-research run`` reports if nothing changes: every run skipped as
    unchanged; ``None`` when some run would execute again (failed, or never published)."""
    upcoming = {}
    for run in runs:
        result = results.get(run.name)
        if result is not None and result.status not in ("ok", "skipped-cached"):
            return None
        if not (outputs / run.name / "provenance.json").is_file() or (
                outputs / run.name / "failed" / "failure.json").is_file():
            return None
        upcoming[run.name] = RunResult(name=run.name, status="skipped-cached", reason="unchanged")
    return upcoming


def write_index(outputs: Path, runs: Sequence[index.IndexedRun], results: Mapping[str, RunResult],
                store: cache.FileHashStore) -> bool:
    """Write ``outputs/index.html`` (:func:`ruse_research.runner.index.write_index`) unless the
    page on disk was made from the same key; return whether it was written. Saves ``store``.

    When it writes, it also renders the page the next rerun would show if nothing changed
    (every run "unchanged (from the cache)") into ``outputs/.cache/index-next.html``, under
    that rerun's key: the rerun whose key it is moves it into place instead of rendering.
    """
    key = index_key(outputs, runs, results, store)
    page = outputs / "index.html"
    record = provenance.read_json(outputs / RECORD) or {}
    if record.get("key") == key and page.is_file() and store.sha256(page) == record.get("html"):
        store.save()
        return False
    upcoming = outputs / NEXT
    ahead = record.get("next") or {}
    if ahead.get("key") == key and upcoming.is_file() and store.sha256(upcoming) == ahead.get("html"):
        os.replace(upcoming, page)  # rendered by the previous invocation from this very key
        provenance.write_json(outputs / RECORD, {"key": key, "html": ahead["html"]})
        store.save()
        return True
    findings = _findings(store)
    index.write_index(outputs, runs, results, findings=findings)
    written = {"key": key, "html": provenance.sha256_file(page)}
    following = _next_results(outputs, runs, results)
    if following is not None:
        next_key = index_key(outputs, runs, following, store)
        if next_key != key:
            (outputs / NEXT).parent.mkdir(parents=True, exist_ok=True)
            index.write_index(outputs, runs, following, findings=findings, target=outputs / NEXT)
            written["next"] = {"key": next_key, "html": provenance.sha256_file(outputs / NEXT)}
    (outputs / RECORD).parent.mkdir(parents=True, exist_ok=True)
    provenance.write_json(outputs / RECORD, written)
    store.save()
    return True
