"""Project paths, resolved from the project root and never from the current directory.

The root is, in order: the ``RUSE_RESEARCH_ROOT`` environment variable; the nearest
ancestor of the current directory that holds both ``pyproject.toml`` and ``params/``;
the checkout this module was imported from (src layout, editable install).

Examples
--------
>>> from ruse_research import paths
>>> paths.resolve("data/raw").is_absolute()
True
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

ROOT_ENV = "RUSE_RESEARCH_ROOT"


def _looks_like_root(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() and (path / "params").is_dir()


@cache
def _find_root(env_value: str | None, cwd: str) -> Path:
    if env_value:
        return Path(env_value).resolve()
    for candidate in [Path(cwd), *Path(cwd).parents]:
        if _looks_like_root(candidate):
            return candidate.resolve()
    here = Path(__file__).resolve().parents[2]  # src/ruse_research/paths.py -> checkout
    if _looks_like_root(here):
        return here
    raise FileNotFoundError(
        f"cannot find the ruse_research project root from {cwd}: "
        f"set {ROOT_ENV} to the folder that holds pyproject.toml and params/"
    )


def project_root() -> Path:
    """Return the absolute project root (see module docstring for the search order)."""
    return _find_root(os.environ.get(ROOT_ENV), os.getcwd())


def resolve(path: str | os.PathLike[str]) -> Path:
    """Resolve ``path`` against the project root unless it is already absolute."""
    p = Path(path)
    return p if p.is_absolute() else project_root() / p


def data_dir() -> Path:
    return project_root() / "data"


def raw_dir() -> Path:
    return data_dir() / "raw"


def codebook_dir() -> Path:
    return data_dir() / "codebooks"


def reference_dir() -> Path:
    return data_dir() / "reference"


def params_dir() -> Path:
    return project_root() / "params"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def outputs_dir() -> Path:
    return project_root() / "outputs"
