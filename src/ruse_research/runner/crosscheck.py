"""The runner's disclosure check across a run's published tables, before it publishes.

The check itself is :mod:`ruse_research.stats.across_tables` (its docstring says what is
compared and hidden); ``display.tables.show_table`` already ran it in the kernel, table by
table. The runner runs it again on the executed notebook as a whole, so that tables displayed
some other way (a notebook that does not call ``front_matter``, a bundle built by hand) are
checked too; on a notebook of the package's studies it finds nothing more to hide.

Examples
--------
>>> from ruse_research.contract import TABLE_MIME
>>> def out(name, n):
...     return {"output_type": "display_data", "metadata": {}, "data": {TABLE_MIME: {
...         "name": name, "columns": ["Scale", "n"], "index": [0], "data": [["psm", n]],
...         "formats": ["text", "int"], "counts": [1], "show_index": False}}}
>>> nb = {"cells": [{"cell_type": "code", "outputs": [out("a", 55), out("b", 53)]}]}
>>> [f.table for f in check_run(nb, "en")]
['b']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ruse_research.errors import RuseError
from ruse_research.runner.words import common_text

if TYPE_CHECKING:
    from ruse_research.stats.differencing import Finding

__all__ = ["CrossCheckError", "check_published", "check_run"]


def check_run(nb: dict, lang: str) -> list[Finding]:
    """:func:`ruse_research.stats.across_tables.check_run` with the report's note in ``lang``."""
    # imported here: the statistics pull in pandas, which a no-op run of the runner never loads
    from ruse_research.stats import across_tables
    from ruse_research.stats.disclosure import MIN_CELL

    # the kernel's own sentence (display.tables), so a report checked twice gets one note
    note = common_text("note_differencing", lang).format(k=MIN_CELL)
    return across_tables.check_run(nb, note)


def check_published(nb, path, lang: str) -> list[str]:
    """:func:`check_run` on an executed notebook; when it hides anything, ``path`` (the staged
    ``notebook.ipynb``) is rewritten. Returns the findings' notes (no count named).

    A fault in the check itself hides nothing and fails the run with a message that names
    no count (it is published in ``failed/failure.json``).
    """
    import nbformat

    try:
        findings = check_run(nb, lang)
    except Exception as exc:  # noqa: BLE001 - the message of an unknown error may hold a count
        raise CrossCheckError(
            f"the disclosure check across the run's tables failed ({type(exc).__name__}); "
            "its tables were not published; run with --debug for the traceback"
        ) from exc
    if findings:
        with open(path, "w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)
    return [f.note() for f in findings]


class CrossCheckError(RuseError):
    """The disclosure check across the run's tables could not run."""
