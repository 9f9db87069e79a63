"""The typed objects that cross the runner's module borders: a run to execute, its result, a failure.

:class:`RunSpec` is everything a worker process needs to execute one planned run and publish
it (it pickles: paths, strings and JSON-like values only). :class:`RunResult` is what comes
back. :class:`RunFailure` is the one description of a failed run; :func:`trim_evalue` is the
one place where an error message is shortened for a one-line report.

Examples
--------
>>> failure = RunFailure(cell=4, execution_count=3, ename="ValueError", evalue="boom")
>>> failure.describe()
'cell 4 (In [3]): ValueError: boom'
>>> failure.to_dict()
{'cell': 4, 'execution_count': 3, 'ename': 'ValueError', 'evalue': 'boom'}
>>> RunFailure.from_exception(KeyError("n")).describe()
"KeyError: 'n'"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Longest error value kept in failure records and one-line reports (the tail is kept).
EVALUE_LIMIT = 500


def trim_evalue(text: object, limit: int = EVALUE_LIMIT) -> str:
    """An error value for a one-line report: its non-blank lines joined with `` | ``, at most
    ``limit`` characters (the end is kept: that is where Python puts the cause).

    Examples
    --------
    >>> trim_evalue("  boom\\n")
    'boom'
    >>> trim_evalue("Kernel died\\n\\nwhile running cell 3")
    'Kernel died | while running cell 3'
    >>> trim_evalue("x" * 600)[:3], len(trim_evalue("x" * 600))
    ('...', 500)
    """
    value = " | ".join(line.strip() for line in str(text).splitlines() if line.strip())
    if len(value) > limit:
        value = "..." + value[-(limit - 3):]
    return value


@dataclass(frozen=True)
class RunFailure:
    """Why a run failed: the failing cell (numbered from 1 in the source notebook, ``None`` when
    the failure is outside any cell), Jupyter's ``In [n]``, the error name and value, and, for
    failures of the runner itself, the traceback.

    Examples
    --------
    >>> RunFailure(cell=None, execution_count=None, ename="OSError", evalue="disk full").describe()
    'OSError: disk full'
    """

    cell: int | None
    execution_count: int | None
    ename: str
    evalue: str
    traceback: str | None = None

    @classmethod
    def from_exception(cls, exc: BaseException, traceback: str | None = None) -> RunFailure:
        """A failure outside any cell (a dead kernel, an export error, a publishing error)."""
        return cls(cell=None, execution_count=None, ename=type(exc).__name__, evalue=trim_evalue(exc),
                   traceback=traceback)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> RunFailure | None:
        """Read back a failure stored in ``failure.json`` (``None`` stays ``None``).

        Examples
        --------
        >>> RunFailure.from_dict({"cell": 2, "execution_count": 1, "ename": "E", "evalue": "v"}).cell
        2
        """
        if not data:
            return None
        return cls(cell=data.get("cell"), execution_count=data.get("execution_count"),
                   ename=str(data.get("ename", "Error")), evalue=trim_evalue(data.get("evalue", "")),
                   traceback=data.get("traceback"))

    def to_dict(self) -> dict[str, object]:
        """The ``error`` entry of ``provenance.json``/``failure.json``."""
        data: dict[str, object] = {"cell": self.cell, "execution_count": self.execution_count,
                                   "ename": self.ename, "evalue": self.evalue}
        if self.traceback is not None:
            data["traceback"] = self.traceback
        return data

    def describe(self, cell_word: str = "cell") -> str:
        """One line: ``cell 4 (In [3]): ValueError: boom`` (``cell_word`` in the report's language)."""
        where = ""
        if self.cell is not None:
            where = f"{cell_word} {self.cell}"
            if self.execution_count is not None:
                where += f" (In [{self.execution_count}])"
            where += ": "
        return f"{where}{self.ename}: {self.evalue}"


def describe_failure(failure: RunFailure | None) -> str:
    """:meth:`RunFailure.describe`, or ``unknown error`` when there is none.

    Examples
    --------
    >>> describe_failure(None)
    'unknown error'
    """
    return failure.describe() if failure is not None else "unknown error"


@dataclass(frozen=True)
class RunSpec:
    """One planned run, as handed to a worker process.

    Attributes
    ----------
    name : str
        Run name (params file stem), e.g. ``staff_attitudes.bg``.
    notebook : Path
        Absolute path of the source notebook; ``notebook_rel`` is the same relative to the root.
    title, description, lang : str
        Shown in the report, in the run's language.
    overrides : dict
        Parameters set by the params file (what papermill injects).
    parameters : dict
        All parameters (defaults + overrides), JSON-ready (non-literal defaults as ``{"expression": ...}``).
    inputs : dict
        ``{relative path: sha256}`` of every hashed input file.
    synthetic : bool
        Any input file is synthetic demonstration data.
    cache_key, components
        The cache key and its components (see :mod:`ruse_research.runner.cache`).
    reason : str
        Why the run executes (``new``, ``forced``, ``params changed (lang)``...).
    git, packages : dict
        Commit and dirty flag; installed versions of the key libraries.
    root, outputs : Path
        Project root and outputs folder.

    Examples
    --------
    >>> spec = RunSpec(name="demo.en", notebook=Path("/p/nb.ipynb"), notebook_rel="nb.ipynb", title="Demo",
    ...                description="", lang="en", overrides={}, parameters={"lang": "en"}, inputs={},
    ...                synthetic=False, cache_key="0" * 64, components={}, reason="new",
    ...                git={"commit": "unknown", "dirty": None}, packages={}, root=Path("/p"),
    ...                outputs=Path("/p/outputs"))
    >>> spec.run_dir
    PosixPath('/p/outputs/demo.en')
    """

    name: str
    notebook: Path
    notebook_rel: str
    title: str
    description: str
    lang: str
    overrides: dict[str, object]
    parameters: dict[str, object]
    inputs: dict[str, str]
    synthetic: bool
    cache_key: str
    components: dict[str, object]
    reason: str
    git: dict[str, object]
    packages: dict[str, str]
    root: Path
    outputs: Path
    #: Environment variables set while the run executes (region profile, thread caps).
    env: dict[str, str] = field(default_factory=dict)

    @property
    def run_dir(self) -> Path:
        """Where the run's good outputs live: ``outputs/<name>``."""
        return self.outputs / self.name


@dataclass(frozen=True)
class RunResult:
    """What happened to one run in this invocation.

    ``status`` is ``ok``, ``failed`` or ``skipped-cached``; ``failure`` is set when it failed.

    Examples
    --------
    >>> RunResult(name="demo.en", status="skipped-cached", reason="unchanged").ok
    True
    """

    name: str
    status: str
    duration_s: float = 0.0
    failure: RunFailure | None = None
    tables: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    reason: str = ""

    @property
    def ok(self) -> bool:
        """The run did not fail (it succeeded or was skipped as unchanged)."""
        return self.status != "failed"
