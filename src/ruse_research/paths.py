"""Project paths: the one rule for turning a relative path into a file of the project.

The rule
--------
A relative path names a file **under the project root**, never under the current
directory: ``resolve("data/raw/staff.csv")`` is the same file whether the code runs in the
root, in ``notebooks/`` (nbval, JupyterLab) or in a papermill kernel started anywhere. An
absolute path is taken as it is. Every module that turns a user-given path into a file
(codebooks, survey exports, reference margins, params, notebooks) calls :func:`resolve`;
code that already knows the root (the runner, preparing a kernel for another checkout)
passes it as ``root=``.

The root is, in order: the ``RUSE_RESEARCH_ROOT`` environment variable; the nearest
ancestor of the current directory that holds both ``pyproject.toml`` and ``params/``;
the checkout this module was imported from (src layout, editable install). Finding the root
is the only place the current directory is looked at.

Examples
--------
>>> from pathlib import Path
>>> from ruse_research import paths
>>> paths.resolve("data/raw") == paths.project_root() / "data" / "raw"
True
>>> paths.resolve("params/staff_en.yaml", root=Path("/checkout")).as_posix()
'/checkout/params/staff_en.yaml'
>>> paths.resolve("/tmp/export.csv").as_posix()
'/tmp/export.csv'
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

ROOT_ENV = "RUSE_RESEARCH_ROOT"
#: The variable that selects the region profile (read by ruse_research.data.profile; defined
#: here so that the runner's refresh names it without importing the data layer).
PROFILE_ENV = "RUSE_RESEARCH_PROFILE"


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


def resolve(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Path:
    """The file ``path`` names: absolute paths as they are, relative ones under the root.

    Parameters
    ----------
    path : str or path-like
    root : str or path-like, optional
        The project root to resolve against; default :func:`project_root`. The current
        directory is never used.
    """
    p = Path(path)
    if p.is_absolute():
        return p
    return (Path(root) if root is not None else project_root()) / p


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
