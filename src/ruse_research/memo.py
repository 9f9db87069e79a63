"""A content-addressed memo of the package's expensive pure calls, shared by the runs of a study.

The bg and en reports of a study compute the same numbers; only the words differ. A function
decorated with :func:`memoized` (a seeded bootstrap, Monte Carlo draws) stores its result in
``$RUSE_RESEARCH_MEMO/<key[:2]>/<key>.pickle`` the first time, and the second language reads it
back. The runner sets ``RUSE_RESEARCH_MEMO`` for its kernels (``outputs/.cache/memo``); without
it nothing is stored and every call computes.

The key is a SHA-256 over

* the function's module and qualified name, and the versions of the libraries it names
  (``@memoized(libraries=("simplemma",))`` for a call whose result depends on one);
* :func:`code_hash`: every file of the ``ruse_research`` package (code and locale YAML), the
  Python version and the versions of numpy, scipy and pandas;
* the arguments by content: numbers, text, ``None`` by type and ``repr``; lists, tuples and
  dicts element by element; numpy arrays by dtype, shape and bytes; pandas objects by
  ``hash_pandas_object`` (values and index), column names and dtypes; dataclass instances
  by their class's qualified name and their fields, each by content.

An argument of any other type makes the call compute without the memo, so nothing is ever
keyed by an object's identity. Why a hit is correct: a decorated function reads nothing but
its arguments (no file, no environment variable, no profile, no global state; its randomness
comes from a seed argument), so its result is determined by its code, the code it calls (all of
the package, hashed), the libraries (versions hashed) and the argument values (hashed by
content). Changing any of them changes the key; a data file that changes changes the arrays
the study passes in. A corrupt or unreadable entry is recomputed and rewritten (atomic rename).

Examples
--------
>>> calls = []
>>> @memoized
... def double(x):
...     calls.append(x)
...     return 2 * x
>>> import tempfile
>>> os.environ[MEMO_ENV] = tempfile.mkdtemp()
>>> double(21), double(21), calls
(42, 42, [21])
>>> del os.environ[MEMO_ENV]
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

MEMO_ENV = "RUSE_RESEARCH_MEMO"
#: Bump to drop every stored entry at once.
MEMO_FORMAT = 1
F = TypeVar("F", bound=Callable[..., Any])
_SKIPPED = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


class Unhashable(Exception):
    """An argument the memo cannot key by content (the call then computes)."""


@functools.cache
def code_hash(package_dir: Path | None = None) -> str:
    """Hash of every file of the package (default: this one), Python and the numeric libraries.

    Examples
    --------
    >>> len(code_hash())
    64
    """
    import numpy
    import pandas
    import scipy

    folder = package_dir or Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{MEMO_FORMAT}|{sys.version}|{numpy.__version__}|{scipy.__version__}|"
                            f"{pandas.__version__}".encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not _SKIPPED & set(path.parts) and path.suffix not in (".pyc", ".pyo"):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _feed(digest, value: object) -> None:
    import numpy as np
    import pandas as pd

    if value is None or isinstance(value, bool | int | float | str | bytes | complex):
        digest.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, np.generic):
        _feed(digest, value.item())
    elif isinstance(value, list | tuple):
        digest.update(f"{type(value).__name__}[{len(value)}](".encode())
        for item in value:
            _feed(digest, item)
        digest.update(b")")
    elif isinstance(value, dict):
        digest.update(f"dict[{len(value)}](".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
        digest.update(b")")
    elif isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            _feed(digest, ("object-array", value.shape, value.tolist()))
        else:
            digest.update(f"ndarray:{value.dtype.str}:{value.shape};".encode())
            digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, pd.DataFrame | pd.Series):
        kind = type(value).__name__
        columns = list(map(repr, value.columns)) if isinstance(value, pd.DataFrame) else [repr(value.name)]
        dtypes = list(map(str, value.dtypes)) if isinstance(value, pd.DataFrame) else [str(value.dtype)]
        _feed(digest, (kind, columns, dtypes, str(value.index.dtype), len(value)))
        digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        digest.update(f"dataclass:{kind.__module__}.{kind.__qualname__}(".encode())
        for item in dataclasses.fields(value):
            _feed(digest, item.name)
            _feed(digest, getattr(value, item.name))
        digest.update(b")")
    else:
        raise Unhashable(type(value).__name__)


@functools.cache
def library_versions(names: tuple[str, ...]) -> str:
    """The installed versions of the distributions ``names`` (``-`` for one not installed).

    Examples
    --------
    >>> library_versions(("numpy", "no-such-distribution-xyz")).startswith("numpy=")
    True
    """
    from importlib import metadata

    versions = []
    for name in names:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return ",".join(versions)


def key_for(function: Callable, args: tuple, kwargs: dict, code: str | None = None,
            libraries: tuple[str, ...] = ()) -> str:
    """The memo key of ``function(*args, **kwargs)`` (raises :class:`Unhashable`).

    Examples
    --------
    >>> import numpy as np
    >>> key_for(len, (np.arange(3),), {}) == key_for(len, (np.arange(3),), {})
    True
    >>> key_for(len, (np.arange(3),), {}) == key_for(len, (np.arange(1, 4),), {})
    False
    """
    digest = hashlib.sha256(f"{function.__module__}.{function.__qualname__}|{code or code_hash()}|"
                            f"{library_versions(tuple(libraries))}|".encode())
    _feed(digest, tuple(args))
    _feed(digest, dict(kwargs))
    return digest.hexdigest()


def memoized(function: F | None = None, *, libraries: tuple[str, ...] = ()):
    """Store and reuse ``function``'s results by content (see the module docstring); the
    function must read nothing but its arguments (and the package and ``libraries``, whose
    versions go into the key). ``@memoized`` or ``@memoized(libraries=(...))``."""
    if function is None:
        return functools.partial(memoized, libraries=tuple(libraries))

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        folder = os.environ.get(MEMO_ENV)
        if not folder:
            return function(*args, **kwargs)
        try:
            key = key_for(function, args, kwargs, libraries=libraries)
        except Unhashable:
            return function(*args, **kwargs)
        path = Path(folder) / key[:2] / f"{key}.pickle"
        try:
            with open(path, "rb") as handle:
                value = pickle.load(handle)
            with contextlib.suppress(OSError):
                os.utime(path)  # its last use, for pruning (runner/memo_prune.py)
            return value
        except Exception:  # missing, partial or unreadable: compute it
            pass
        result = function(*args, **kwargs)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            temporary.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(temporary, path)
        except OSError:
            pass  # a read-only or full disk: the result is still right
        return result

    return wrapper  # type: ignore[return-value]
