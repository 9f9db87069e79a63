"""Skip runs whose inputs have not changed.

A run's cache key is a SHA-256 over five components, each kept separately so the command
line can say *why* a run had to execute:

``notebook_code``
    the notebook's code cells only: normalised source plus the tags that change execution
    (``parameters``, ``raises-exception``...). Markdown cells, outputs, execution counts and
    presentation-only tags (``hide-input``, ``remove-input``, ``nbval-ignore-output``...) are left
    out, so editing prose or hiding code does not rerun a study.
``parameters`` and ``run_meta``
    the merged parameters (notebook defaults + params-file overrides) and the params-file fields
    that reach the report (notebook, title, description), as canonical sorted JSON.
``inputs``
    the content hash of every ``*_path``/``*_file`` parameter file and of every file in ``data/codebooks/``, ``data/model/``
    and ``data/reference/``.
``package_source``
    a hash over every file of the imported ``ruse_research`` package (code and locale YAML).
``environment``
    ``requirements.lock`` plus the installed versions of the key libraries and Python.

Content hashes are reused when a file's path, size, ``mtime_ns``, ``ctime_ns`` and inode are
unchanged (the :class:`FileHashStore` fast path), so a no-op check reads no data files. An
edit that keeps the size and puts the old mtime back (``touch -d``, ``os.utime``, a restore
tool) still changes the ctime, which no user can set: then the file is hashed again ("hash on
doubt") and a derived value is reused only when the content hash is the one it was computed
from.

Examples
--------
>>> nb = {"cells": [
...     {"cell_type": "markdown", "source": "# Title", "metadata": {}},
...     {"cell_type": "code", "source": "x = 1  \\n", "metadata": {"tags": ["hide-input"]},
...      "outputs": [], "execution_count": 3}]}
>>> edited = {"cells": [
...     {"cell_type": "markdown", "source": "# Another title", "metadata": {}},
...     {"cell_type": "code", "source": "x = 1\\n", "metadata": {}, "outputs": [], "execution_count": None}]}
>>> notebook_code_hash(nb) == notebook_code_hash(edited)
True
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ruse_research.runner import provenance

#: Bump when the runner's outputs change shape, so every run is redone once.
RUNNER_FORMAT_VERSION = 1
#: A file changed this close to when it was hashed may have changed again within the same
#: clock tick of the file system (git's "racily clean" case): it is hashed again next time.
RACY_NS = 50_000_000

#: Tags that change only how a notebook is shown or tested, never what it computes.
PRESENTATION_TAGS = frozenset(
    {
        "hide-input",
        "hide-output",
        "hide-cell",
        "remove-input",
        "remove-output",
        "remove-cell",
        "nbval-ignore-output",
        "nbval-check-output",
        "nbval-skip",
        "papermill-error-cell-tag",
    }
)

_SKIPPED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_SKIPPED_SUFFIXES = (".pyc", ".pyo", "~")


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def normalise_code(source: str) -> str:
    """Code with trailing spaces, CRLF line ends and leading/trailing blank lines removed.

    Examples
    --------
    >>> normalise_code("\\r\\nx = 1   \\r\\n\\n")
    'x = 1'
    """
    lines = [line.rstrip() for line in source.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def notebook_code_hash(nb: dict) -> str:
    """SHA-256 of the notebook's code cells (source + execution-relevant tags) and kernel language.

    Injected-parameter cells written by papermill are ignored, so an executed copy of a
    notebook hashes like its source.

    Examples
    --------
    >>> a = {"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {"tags": ["remove-input"]}}]}
    >>> b = {"cells": [{"cell_type": "code", "source": "x = 1\\n", "metadata": {}}]}
    >>> notebook_code_hash(a) == notebook_code_hash(b)
    True
    """
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "injected-parameters" in tags:
            continue
        cells.append([normalise_code(_cell_source(cell)), sorted(tags - PRESENTATION_TAGS)])
    language = nb.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    return _hash_json({"language": language, "cells": cells})


def _hash_json(obj: object) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FileHashStore:
    """Content hashes of files, reused while path, size and ``mtime_ns`` stay the same.

    Parameters
    ----------
    store_path : path-like or None
        JSON file that keeps the hashes between invocations (``outputs/.cache/file-hashes.json``);
        ``None`` keeps them in memory only.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("x\\n1\\n")
    >>> store = FileHashStore(folder / "hashes.json")
    >>> first = store.sha256(folder / "a.csv")
    >>> store.save()
    >>> FileHashStore(folder / "hashes.json").sha256(folder / "a.csv") == first
    True
    """

    def __init__(self, store_path: str | os.PathLike[str] | None = None):
        self.store_path = Path(store_path) if store_path is not None else None
        self._entries: dict[str, list] = {}
        self._folders: dict[str, str] = {}  # folder -> its resolved path (see _identify)
        self._dirty = False
        if self.store_path is not None:
            data = provenance.read_json(self.store_path)
            if data and data.get("version") == RUNNER_FORMAT_VERSION:
                self._entries = data.get("entries", {})

    def _identify(self, path: str | os.PathLike[str]) -> tuple[str, os.stat_result]:
        """The resolved path (the store's key) and the ``stat`` of ``path``.

        A path that is not a symlink and has no ``..`` is resolved through its folder, whose
        resolved form is remembered: one ``lstat`` per file instead of one per path component.
        """
        text = os.fspath(path)
        if os.pardir in text.split(os.sep):  # abspath would drop "link/.." without following the link
            return os.path.realpath(text), os.stat(text)
        text = os.path.abspath(text)
        info = os.lstat(text)
        if stat.S_ISLNK(info.st_mode):
            return os.path.realpath(text), os.stat(text)
        folder, name = os.path.split(text)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return os.path.join(real, name), info

    def _lookup(self, kind: str, path: str | os.PathLike[str], compute: Callable[[Path], object]) -> object:
        resolved, info = self._identify(path)
        key = f"{kind}:{resolved}"
        entry = self._entries.get(key)
        identity = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        if (entry and len(entry) == 7 and [entry[0], entry[1], entry[3], entry[4]] == identity
                and entry[3] < entry[6] - RACY_NS):
            return entry[2]
        hashed_at = time.time_ns()
        content = provenance.sha256_file(path)  # new file, or in doubt: read it
        if entry and len(entry) == 7 and entry[5] == content:
            value = entry[2]  # same bytes (a copy, a touch): keep the derived value
        else:
            value = content if kind == "sha256" else compute(Path(path))
        self._entries[key] = [info.st_size, info.st_mtime_ns, value, info.st_ctime_ns,
                              info.st_ino, content, hashed_at]
        self._dirty = True
        return value

    def remembered(self, key: str, folders: Iterable[str | os.PathLike[str]],
                   compute: Callable[[], object]) -> object:
        """``compute()`` (JSON-serialisable), reused while none of ``folders`` changed.

        A folder changes (its ``mtime_ns``, ``ctime_ns`` or inode) whenever an entry is added,
        removed or renamed in it; a value computed within :data:`RACY_NS` of such a change is
        computed again next time. For what depends only on the names in folders, such as the
        installed packages (a ``pip install`` adds and removes ``*.dist-info`` folders).
        """
        identity = []
        for folder in folders:
            try:
                info = os.stat(folder)
            except OSError:
                identity.append([os.fspath(folder), None])
                continue
            identity.append([os.fspath(folder), info.st_mtime_ns, info.st_ctime_ns, info.st_ino])
        entry = self._entries.get(f"remembered:{key}")
        if isinstance(entry, dict) and entry.get("identity") == identity and entry.get("safe"):
            return entry["value"]
        computed_at = time.time_ns()
        value = compute()
        newest = max((item[2] for item in identity if len(item) == 4), default=0)
        self._entries[f"remembered:{key}"] = {"identity": identity, "value": value,
                                              "safe": newest < computed_at - RACY_NS}
        self._dirty = True
        return value

    def sha256(self, path: str | os.PathLike[str]) -> str:
        """Content SHA-256 of ``path`` (fast path when its size, times and inode are unchanged)."""
        return str(self._lookup("sha256", path, provenance.sha256_file))

    def derived(self, kind: str, path: str | os.PathLike[str], compute: Callable[[Path], object]) -> object:
        """A JSON-serialisable value computed from the file, cached like :meth:`sha256`."""
        return self._lookup(kind, Path(path), compute)

    def save(self) -> None:
        """Write the store back if anything changed (atomic replace)."""
        if self.store_path is None or not self._dirty:
            return
        self.store_path.parent.mkdir(parents=True, exist_ok=True)
        provenance.write_json(self.store_path, {"version": RUNNER_FORMAT_VERSION, "entries": self._entries})
        self._dirty = False


def iter_tree(folder: Path) -> Iterable[Path]:
    """Files under ``folder`` in sorted order, without caches and compiled files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "__pycache__").mkdir()
    >>> _ = (folder / "__pycache__" / "m.pyc").write_bytes(b"")
    >>> _ = (folder / "m.py").write_text("")
    >>> [p.name for p in iter_tree(folder)]
    ['m.py']
    """
    for _, path in _walk(folder):
        yield Path(path)


def _walk(folder: str | os.PathLike[str]) -> Iterable[tuple[str, str]]:
    """``(path relative to folder with "/", path)`` of :func:`iter_tree`'s files, as text."""
    top = os.fspath(folder)
    if not os.path.isdir(top):
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS and not d.startswith("."))
        prefix = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        for name in sorted(filenames):
            if name.endswith(_SKIPPED_SUFFIXES) or name.startswith("."):
                continue
            yield prefix + name, os.path.join(dirpath, name)


def tree_hashes(folder: Path, store: FileHashStore, relative_to: Path) -> dict[str, str]:
    """``{relative path: sha256}`` for every file under ``folder``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_bytes(b"abc")
    >>> tree_hashes(folder, FileHashStore(), folder)["a.txt"][:16]
    'ba7816bf8f01cfea'
    """
    base = os.path.relpath(folder, relative_to).replace(os.sep, "/")
    base = "" if base == "." else base + "/"
    if base.startswith("../"):  # folder outside relative_to: what Path.relative_to refuses
        raise ValueError(f"{folder} is not under {relative_to}")
    return {base + rel: store.sha256(path) for rel, path in _walk(folder)}


def package_source_dir(root: Path) -> Path:
    """The helper package a run uses: ``<root>/src/ruse_research`` when the project has it
    (the runner puts ``<root>/src`` first on the kernels' ``PYTHONPATH``), else the imported one.

    Examples
    --------
    >>> package_source_dir(Path("/nonexistent")).name
    'ruse_research'
    """
    candidate = root / "src" / "ruse_research"
    return candidate if (candidate / "__init__.py").is_file() else Path(__file__).resolve().parents[1]


def package_source_hash(root: Path, store: FileHashStore) -> str:
    """Hash over every file of the helper package (code, locale YAML, templates...).

    Examples
    --------
    >>> len(package_source_hash(Path("/nonexistent"), FileHashStore()))
    64
    """
    package_dir = package_source_dir(root)
    return _hash_json(tree_hashes(package_dir, store, package_dir))


def environment_hash(root: Path, store: FileHashStore) -> str:
    """Hash of ``requirements.lock`` (when present) and the installed key-library versions.

    Examples
    --------
    >>> len(environment_hash(Path("/nonexistent"), FileHashStore()))
    64
    """
    lock = root / "requirements.lock"
    return _hash_json(
        {
            "requirements.lock": store.sha256(lock) if lock.is_file() else None,
            "versions": installed_versions(store),
        }
    )


def installed_versions(store: FileHashStore, names: tuple[str, ...] = provenance.KEY_PACKAGES) -> dict[str, str]:
    """:func:`provenance.package_versions` of ``names``, remembered in ``store`` while no folder
    on ``sys.path`` changed (installing or removing a package changes its folder's entries).

    Examples
    --------
    >>> installed_versions(FileHashStore()) == provenance.package_versions()
    True
    >>> installed_versions(FileHashStore(), ("jinja2",)) == provenance.package_versions(("jinja2",))
    True
    """
    folders = [entry or os.getcwd() for entry in sys.path]
    return store.remembered(f"versions:{sys.executable}:{','.join(names)}", folders,
                            lambda: provenance.package_versions(names))


_PROFILES: dict[tuple, object] = {}


def region_if_any():
    """:func:`ruse_research.data.profile.load_if_any`, read once per command for the same
    project, ``RUSE_RESEARCH_PROFILE`` and profile file bytes (planning asks for it per run).

    Examples
    --------
    >>> from ruse_research.data import profile
    >>> region_if_any() == profile.load_if_any()
    True
    """
    from ruse_research import paths
    from ruse_research.data import profile
    from ruse_research.errors import RuseError

    try:
        path = profile.profile_path()
        key = (str(paths.project_root()), os.environ.get(profile.PROFILE_ENV), str(path),
               paths.resolve(profile.REGIONS_DIR).is_dir(), path.read_bytes())
    except (RuseError, OSError):
        return profile.load_if_any()  # None, or the error it raises
    if key not in _PROFILES:
        if len(_PROFILES) >= 32:
            _PROFILES.clear()
        _PROFILES[key] = profile.load_if_any()
    return _PROFILES[key]


def cache_key(components: dict[str, object]) -> str:
    """SHA-256 over the canonical JSON of the components (see the module docstring).

    Examples
    --------
    >>> cache_key({"a": 1}) == cache_key({"a": 1}) != cache_key({"a": 2})
    True
    """
    return _hash_json(components)


def explain_change(previous: dict[str, object], current: dict[str, object]) -> str:
    """Say in a few words which component differs between two component records.

    Examples
    --------
    >>> old = {"format": 1, "notebook_code": "a", "parameters": {"lang": "en"}, "inputs": {"data/x.csv": "1"},
    ...        "package_source": "p", "environment": "e"}
    >>> explain_change(old, {**old, "inputs": {"data/x.csv": "2"}})
    'input file data/x.csv changed'
    >>> explain_change(old, {**old, "parameters": {"lang": "bg"}})
    'params changed (lang)'
    """
    if previous.get("format") != current.get("format"):
        return "runner format changed"
    reasons = []
    if previous.get("notebook_code") != current.get("notebook_code"):
        reasons.append("notebook code changed")
    old_params = {**(previous.get("parameters") or {}), **(previous.get("run_meta") or {})}
    new_params = {**(current.get("parameters") or {}), **(current.get("run_meta") or {})}
    if old_params != new_params:
        keys = sorted(k for k in set(old_params) | set(new_params) if old_params.get(k) != new_params.get(k))
        reasons.append(f"params changed ({', '.join(keys)})")
    old_inputs = previous.get("inputs") or {}
    new_inputs = current.get("inputs") or {}
    changed = sorted(k for k in set(old_inputs) | set(new_inputs) if old_inputs.get(k) != new_inputs.get(k))
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        reasons.append(f"input file{'s' if len(changed) > 1 else ''} {shown} changed")
    if previous.get("package_source") != current.get("package_source"):
        reasons.append("package source changed")
    if previous.get("environment") != current.get("environment"):
        reasons.append("environment changed")
    return "; ".join(reasons) if reasons else "outputs incomplete"
