"""What a run was made from: git state, package versions, input-file hashes, times.

The same record goes into ``outputs/<run>/provenance.json`` and into the colophon at the
end of ``report.html``. Everything here is cheap and imports nothing heavy, so the
command line can use it on its no-op path.

Examples
--------
>>> from ruse_research.runner import provenance
>>> {"papermill", "nbconvert", "python"} <= set(provenance.package_versions())
True
>>> len(provenance.sha256_bytes(b"ruse"))
64
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

#: Libraries whose versions are recorded in every colophon and in the cache key.
KEY_PACKAGES = (
    "ruse_research",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "pingouin",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "openpyxl",
    "pyyaml",
)

_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``.

    Examples
    --------
    >>> sha256_bytes(b"abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's content, read in 1 MiB chunks (the file is opened read-only).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` (``"not installed"`` when absent), plus ``python``.

    Examples
    --------
    >>> versions = package_versions(("papermill",))
    >>> sorted(versions)
    ['papermill', 'python']
    """
    import importlib.metadata  # here: ~30 ms to import, and a no-op rerun reuses the versions

    versions: dict[str, str] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["python"] = platform.python_version()
    return dict(sorted(versions.items()))


def git_state(root: str | os.PathLike[str]) -> dict[str, object]:
    """The commit checked out at ``root`` and whether tracked files differ from it.

    Returns ``{"commit": "<sha>" | "unknown", "dirty": bool | None}``. Untracked files do not
    make the tree dirty (the same rule as ``git describe --dirty``).

    Examples
    --------
    >>> import tempfile
    >>> git_state(tempfile.mkdtemp())["commit"]
    'unknown'
    """
    root = str(root)
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True, timeout=10
        )
        # Only report the commit of a repository whose top level *is* this root; a project copied
        # into a subfolder of another repository is not described by that repository's commit.
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != Path(root).resolve():
            return {"commit": "unknown", "dirty": None}
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": "unknown", "dirty": None}
    if commit.returncode != 0:
        return {"commit": "unknown", "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def utc_now() -> datetime:
    """The current time in UTC (timezone-aware).

    Examples
    --------
    >>> utc_now().tzinfo
    datetime.timezone.utc
    """
    return datetime.now(UTC)


def build_record(
    *,
    run: str,
    title: str,
    notebook: str,
    lang: str,
    parameters: dict[str, object],
    overrides: dict[str, object],
    inputs: dict[str, str],
    git: dict[str, object],
    packages: dict[str, str],
    started: datetime,
    duration_s: float,
    status: str,
    cache_key: str,
    cache_components: dict[str, object],
    synthetic: bool,
    tables: list[str],
    figures: list[str],
    error: dict[str, object] | None = None,
) -> dict[str, object]:
    """Assemble the provenance record of one run (the content of ``provenance.json``).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> rec = build_record(run="demo.en", title="Demo", notebook="notebooks/demo.ipynb", lang="en",
    ...     parameters={"lang": "en"}, overrides={}, inputs={}, git={"commit": "unknown", "dirty": None},
    ...     packages={"python": "3.11"}, started=datetime(2001, 1, 1, tzinfo=UTC), duration_s=1.5,
    ...     status="ok", cache_key="0" * 64, cache_components={}, synthetic=True, tables=[], figures=[])
    >>> rec["start_time"], rec["end_time"]
    ('2001-01-01T00:00:00+00:00', '2001-01-01T00:00:01.500000+00:00')
    """
    from datetime import timedelta

    return {
        "run": run,
        "title": title,
        "notebook": notebook,
        "lang": lang,
        "status": status,
        "parameters": parameters,
        "overrides": overrides,
        "inputs": dict(sorted(inputs.items())),
        "git": git,
        "packages": packages,
        "platform": f"{platform.system()} {platform.machine()}",
        "python_executable": sys.executable,
        "start_time": started.isoformat(),
        "end_time": (started + timedelta(seconds=duration_s)).isoformat(),
        "duration_s": round(duration_s, 3),
        "synthetic": synthetic,
        "tables": sorted(tables),
        "figures": sorted(figures),
        "error": error,
        "cache_key": cache_key,
        "cache_components": cache_components,
    }


def write_json(path: str | os.PathLike[str], data: object) -> None:
    """Write ``data`` as sorted, indented UTF-8 JSON through a temporary file and ``os.replace``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "p.json"
    >>> write_json(target, {"b": 1, "a": "я"})
    >>> target.read_text(encoding="utf-8")
    '{\\n  "a": "я",\\n  "b": 1\\n}\\n'
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, path)


def read_json(path: str | os.PathLike[str]) -> dict | None:
    """The JSON object in ``path``, or ``None`` when it is missing or unreadable.

    Examples
    --------
    >>> read_json("/nonexistent/provenance.json") is None
    True
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def record_for(spec, *, started: datetime, duration_s: float, status: str, tables: list[str],
               figures: list[str], error: dict[str, object] | None) -> dict[str, object]:
    """The provenance record of an executed :class:`~ruse_research.runner.spec.RunSpec`.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from pathlib import Path
    >>> from ruse_research.runner.spec import RunSpec
    >>> spec = RunSpec(name="demo.en", notebook=Path("/p/nb.ipynb"), notebook_rel="nb.ipynb", title="Demo",
    ...                description="", lang="en", overrides={}, parameters={"lang": "en"}, inputs={},
    ...                synthetic=False, cache_key="0" * 64, components={}, reason="new",
    ...                git={"commit": "unknown", "dirty": None}, packages={}, root=Path("/p"),
    ...                outputs=Path("/p/outputs"))
    >>> record_for(spec, started=datetime(2001, 1, 1, tzinfo=UTC), duration_s=1.0, status="ok",
    ...            tables=[], figures=[], error=None)["notebook"]
    'nb.ipynb'
    """
    return build_record(
        run=spec.name, title=spec.title, notebook=spec.notebook_rel, lang=spec.lang,
        parameters=spec.parameters, overrides=spec.overrides, inputs=spec.inputs, git=spec.git,
        packages=spec.packages, started=started, duration_s=duration_s, status=status,
        cache_key=spec.cache_key, cache_components=spec.components, synthetic=spec.synthetic,
        tables=tables, figures=figures, error=error,
    )
