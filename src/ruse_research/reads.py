"""Files a run read: the one record of every project file the package's readers open.

The readers of the package call :func:`record` when they open a file: survey exports
(:mod:`ruse_research.data.io`), reference tables and margins (:mod:`ruse_research.data.tables`),
every YAML file, through the one loader :func:`ruse_research._yaml.load_file` (codebooks,
models, language catalogs, the region profile), and the synthetic-data marker
(:func:`ruse_research.data.marker.is_synthetic`). Each file is kept once, in the order it was
first opened, with the SHA-256 of its bytes and what it is (:data:`KINDS`).

A notebook hands the record to the runner at its end (``report.inputs_read()``), and every table
and figure it shows carries the names of the files read before it (``ruse.reads`` in the output
metadata), so ``provenance.json`` and the colophon list exactly what a run read.

How a file is named (:func:`name_of`): files of the package itself (its language catalogs) as
``ruse_research/<path>`` (``base`` ``package``), files under the project root relative to it
(``base`` ``project``), anything else by its absolute path (``base`` ``absolute``).
:func:`locate` turns a name back into a file.

The record is module state of the process (a kernel runs one notebook); :func:`clear` empties it.

Examples
--------
>>> import tempfile, pathlib
>>> clear()
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = p.write_bytes(b"abc")
>>> entry = record(p, "export")
>>> entry.kind, entry.sha256[:12], entry.base
('export', 'ba7816bf8f01', 'absolute')
>>> [e.name for e in recorded()] == [str(p)]
True
>>> kind_of("data/codebooks/staff.yaml"), kind_of("src/ruse_research/locale/staff.yaml")
('codebook', 'catalog')
>>> clear()
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ruse_research import paths

#: What a file read by a run can be.
KINDS = ("export", "codebook", "margins", "reference", "model", "catalog", "profile", "marker", "other")

#: The folder of the installed package (its catalogs are named ``ruse_research/...``).
PACKAGE_DIR = Path(__file__).resolve().parent

_CHUNK = 1 << 20
_LOG: dict[str, Read] = {}


@dataclass(frozen=True)
class Read:
    """One file a run opened: its name (see module docstring), base, SHA-256, kind and size."""

    name: str
    base: str
    sha256: str
    kind: str
    size: int

    def to_dict(self) -> dict[str, object]:
        """``{"path", "base", "sha256", "kind", "size"}`` (the form stored in notebooks and JSON)."""
        data = asdict(self)
        return {"path": data.pop("name"), **data}


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def name_of(path: str | os.PathLike[str]) -> tuple[str, str]:
    """``(name, base)`` of a file: package-relative, project-relative or absolute.

    Examples
    --------
    >>> name_of(PACKAGE_DIR / "locale" / "common.yaml")
    ('ruse_research/locale/common.yaml', 'package')
    >>> name_of(paths.project_root() / "data" / "raw" / "staff.csv")
    ('data/raw/staff.csv', 'project')
    """
    file = Path(os.path.abspath(paths.resolve(path)))
    try:
        return (Path("ruse_research") / file.relative_to(PACKAGE_DIR)).as_posix(), "package"
    except ValueError:
        pass
    try:
        return file.relative_to(Path(os.path.abspath(paths.project_root()))).as_posix(), "project"
    except (ValueError, FileNotFoundError):
        return file.as_posix(), "absolute"


def locate(name: str, base: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The file a recorded ``name`` stands for today (``root``: the project root).

    Examples
    --------
    >>> locate("ruse_research/locale/common.yaml", "package") == PACKAGE_DIR / "locale" / "common.yaml"
    True
    >>> locate("data/raw/staff.csv", "project", root="/p").as_posix()
    '/p/data/raw/staff.csv'
    """
    if base == "package":
        return PACKAGE_DIR.joinpath(*Path(name).parts[1:])
    if base == "project":
        return paths.resolve(name, root=root)
    return Path(name)


def kind_of(path: str | os.PathLike[str]) -> str:
    """The kind of a file from where it lives (used when a reader does not say).

    Examples
    --------
    >>> kind_of("data/model/indicators.yaml"), kind_of("data/regions/ruse/profile.yaml")
    ('model', 'profile')
    >>> kind_of("data/reference/population_margins.csv"), kind_of("notes.yaml")
    ('reference', 'other')
    """
    parts = Path(path).parts
    if Path(path).name == "truth.json":  # ruse_research.data.marker.MARKER_FILE
        return "marker"
    if "locale" in parts:
        return "catalog"
    if "codebooks" in parts:
        return "codebook"
    if "model" in parts:
        return "model"
    if "regions" in parts and Path(path).name == "profile.yaml":
        return "profile"
    if "reference" in parts:
        return "reference"
    if "raw" in parts:
        return "export"
    return "other"


def record(path: str | os.PathLike[str], kind: str | None = None) -> Read:
    """Record that ``path`` was read (hashing its bytes); a repeated file keeps its first place.

    ``kind`` (one of :data:`KINDS`) defaults to :func:`kind_of`; an explicit kind replaces the
    one a file was first recorded with (the margins reader names what the table reader saw).
    """
    file = Path(os.path.abspath(paths.resolve(path)))
    key = str(file)
    name, base = name_of(file)
    entry = Read(name=name, base=base, sha256=sha256_file(file),
                 kind=kind if kind in KINDS else kind_of(name), size=file.stat().st_size)
    old = _LOG.get(key)
    if old is not None and kind is None:
        entry = Read(name, base, entry.sha256, old.kind, entry.size)
    _LOG[key] = entry
    return entry


def recorded() -> list[Read]:
    """Every file recorded so far, in the order each was first read."""
    return list(_LOG.values())


def names() -> list[str]:
    """The names of the files recorded so far (what a table or figure was made after)."""
    return [entry.name for entry in _LOG.values()]


def clear() -> None:
    """Forget every recorded file (a new run in the same process)."""
    _LOG.clear()
