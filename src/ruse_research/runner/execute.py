"""Execute one notebook with papermill in an isolated kernel, and find where it failed.

Examples
--------
>>> nb = {"cells": [{"cell_type": "markdown", "source": "x"},
...        {"cell_type": "code", "execution_count": 1, "metadata": {},
...         "outputs": [{"output_type": "error", "ename": "KeyError", "evalue": "'n'"}]}]}
>>> failure_in_notebook(nb).describe()
"cell 2 (In [1]): KeyError: 'n'"
"""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

from ruse_research.runner import kernels
from ruse_research.runner.spec import RunFailure, trim_evalue

KERNEL_START_ATTEMPTS = 3
#: The papermill engine the runner registers (:func:`_register_engine`).
ENGINE = "ruse-save-at-end"
#: Cells papermill adds to an executed notebook; they are not counted as cells of the source.
PAPERMILL_TAGS = ("papermill-error-cell-tag", "injected-parameters")


def _executed_any_cell(notebook_path: Path) -> bool:
    try:
        nb = json.loads(notebook_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any(
        cell.get("cell_type") == "code" and cell.get("execution_count") is not None
        for cell in nb.get("cells", [])
    )


def execute_notebook(source: Path, destination: Path, overrides: dict[str, object], cwd: Path) -> None:
    """Execute ``source`` into ``destination`` with papermill in an isolated kernel.

    Retries up to three times when the kernel fails before any cell ran (ZMQ errors, start-up
    timeouts); a failing cell raises ``papermill.PapermillExecutionError`` at once.

    Usage (starts a kernel, so it is not a doctest; ``tests/test_runner.py`` runs it)::

        execute_notebook(Path("notebooks/01_staff_attitudes.ipynb"), Path("/tmp/out.ipynb"),
                         {"lang": "bg"}, Path("notebooks"))
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from ruse_research.data.profile import selector

    _register_engine()
    selector()  # a bad RUSE_RESEARCH_PROFILE: one ProfileError here, not three kernel-start retries
    with kernels.kernel_workspace() as folder:
        manager_class = kernels.isolated_kernel_manager_class(folder)
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                papermill.execute_notebook(
                    str(source),
                    str(destination),
                    parameters=overrides or None,
                    engine_name=ENGINE,
                    kernel_name="python3",
                    language="python",
                    cwd=str(cwd),
                    progress_bar=False,
                    log_output=False,
                    start_timeout=120,
                    kernel_manager_class=manager_class,
                    ipython_hist_file=":memory:",  # no shared SQLite history between parallel kernels
                )
                return
            except PapermillExecutionError:
                raise
            except Exception:
                if attempt == KERNEL_START_ATTEMPTS or _executed_any_cell(destination):
                    raise
                time.sleep(0.5 * attempt)


@functools.cache
def _register_engine() -> None:
    """Register :data:`ENGINE`: papermill's nbclient engine, writing the executed notebook once,
    when execution ends, instead of at every cell's start and end.

    papermill saves the notebook after each of those events; a save JSON-encodes the whole
    notebook with every figure drawn so far, so a study notebook was written about 30 times,
    growing to megabytes, for one file the runner reads at the end. The end is still written
    whatever happened: ``notebook_complete`` runs in a ``finally`` (a failing cell, a dead
    kernel), so a failed run keeps the notebook that shows its failing cell.
    """
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class SaveAtEndManager(NotebookExecutionManager):
        def save(self, **kwargs):
            if self.end_time is not None:  # notebook_complete sets it, then saves
                super().save(**kwargs)

    class SaveAtEndEngine(NBClientEngine):
        # papermill's Engine.execute_notebook (2.7.0) with the manager above
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                             autosave_cell_every=30, **kwargs):
            record_profile(nb)
            nb_man = SaveAtEndManager(nb, output_path=output_path, progress_bar=progress_bar,
                                      log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE, SaveAtEndEngine)


def record_profile(nb: dict) -> dict:
    """Write into ``nb``'s metadata the region profile it is executed under (``ruse.profile``,
    see :func:`ruse_research.data.profile.selector`), replacing what the source notebook said:
    a stored output then always says which profile's data it shows, and nbval re-executes a
    notebook under that profile. A project without profiles records none.

    >>> from ruse_research.data.profile import selector
    >>> record_profile({"metadata": {"ruse": {"profile": "elsewhere"}}})["metadata"]["ruse"]["profile"] == selector()
    True
    """
    from ruse_research.data.profile import selector  # not on the no-op path's imports

    ran_under = selector()
    metadata = nb.setdefault("metadata", {})
    if not isinstance(metadata.get("ruse"), dict):  # a hand-edited notebook's odd value is replaced
        metadata["ruse"] = {}
    recorded = metadata["ruse"]
    if ran_under is None:
        recorded.pop("profile", None)
        if not recorded:
            metadata.pop("ruse")
    else:
        recorded["profile"] = ran_under
    return nb


def failure_in_notebook(nb: dict) -> RunFailure | None:
    """Where an executed notebook failed: cell number in the source notebook, error name and value.

    ``cell`` counts every cell of the source notebook from 1 (papermill's injected-parameters and
    error-marker cells are not counted); ``execution_count`` is the ``In [n]`` shown by Jupyter.

    Examples
    --------
    >>> failure_in_notebook({"cells": []}) is None
    True
    """
    number = 0
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if any(tag in tags for tag in PAPERMILL_TAGS):
            continue
        number += 1
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if output.get("output_type") == "error":
                return RunFailure(cell=number, execution_count=cell.get("execution_count"),
                                  ename=output.get("ename", "Error"), evalue=trim_evalue(output.get("evalue", "")))
    return None


def failure_of(exc: BaseException, executed: Path) -> RunFailure:
    """The failure of an execution that raised ``exc``: the failing cell when the executed
    notebook shows one, else the exception itself.

    Examples
    --------
    >>> failure_of(RuntimeError("kernel died\\n"), Path("/nonexistent.ipynb")).describe()
    'RuntimeError: kernel died'
    """
    nb = read_notebook(executed)
    return (nb is not None and failure_in_notebook(nb)) or RunFailure.from_exception(exc)


def read_notebook(path: Path):
    """The notebook at ``path`` as a ``NotebookNode`` (multi-line strings joined), or ``None``.

    Examples
    --------
    >>> read_notebook(Path("/nonexistent.ipynb")) is None
    True
    """
    import nbformat

    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError):
        return None
