"""The notebook-runner contract: how a notebook hands tables and figures to the runner.

A notebook displays a table as a bundle with the MIME type :data:`TABLE_MIME` (a JSON payload
with ``name``, ``caption``, ``columns``, ``index``, ``index_names`` and ``data``) and a figure
with output metadata ``{"ruse": {"kind": "figure", "name": ...}}``. Names follow
:data:`ARTIFACT_NAME` and are unique per notebook; the runner exports each under that name.
Both sides import these definitions from here, so the rule cannot drift.

Examples
--------
>>> check_artifact_name("table", "group_tests", [])
'group_tests'
>>> check_artifact_name("figure", "Bad name", [])
Traceback (most recent call last):
...
ruse_research.contract.ContractError: figure name 'Bad name' is not allowed; expected lower-case letters, digits and _
>>> frame = payload_to_frame({"name": "t", "columns": ["n"], "index": [0, 1], "data": [[5], [6]]})
>>> frame["n"].tolist()
[5, 6]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ruse_research.errors import RuseError

TABLE_MIME = "application/vnd.ruse.table+json"
ARTIFACT_NAME = re.compile(r"^[a-z0-9_]+$")
#: Output-metadata key under which a display bundle says what it is.
META_KEY = "ruse"
#: Output-metadata key (under :data:`META_KEY`) for the files a notebook read
#: (``ruse_research.reads``): a table's or figure's entry lists the names of the files read
#: before it; the last output (``report.inputs_read()``, kind ``"reads"``, empty data) lists
#: every file with its hash. In metadata, so nbval (which skips metadata) does not compare hashes.
READS_KEY = "reads"
#: ``DataFrame.attrs`` key a table builder sets to the columns that hold test statistics or
#: degrees of freedom: the report shows them without spurious decimals (``df 3``, ``W 210.5``).
STAT_COLUMNS = "ruse_stat_columns"
#: ``DataFrame.attrs`` key a table builder sets to ``{count column: {label header: value}}`` when
#: a count column describes more than its row says (``n (1)`` of a wave-change table counts wave
#: 1): the disclosure check across tables (``stats.across_tables``) compares it as that cell.
COUNT_CELLS = "ruse_count_cells"
#: ``DataFrame.attrs`` key a table builder sets to say whom its counts count, so that the
#: runner's check across tables compares them with every other count of the same people however
#: they are labelled: ``{"who": name, "per": [header, ...], "cell": [spec, ...], "columns":
#: {count header: [spec, ...]}, "stats": [header, ...]}``. ``who`` names the people ("staff"); each value of a ``per``
#: column is a population of its own ("staff" with a psm score); a cell ``spec`` is a header (the
#: pair ``(header, value)``) or a ``[dimension header, value header]`` pair (``(row[dimension],
#: row[value])``: ``Grouped by`` = Unit, ``Group`` = Legal gives ``(Unit, Legal)``); ``columns``
#: gives a count column its own cell (``n (1)`` of a pairwise test counts group 1); ``stats``
#: (optional) are the statistics hidden with a hidden count (means recombine, a test's H does
#: not; without it, those the other count's row also publishes). Label
#: columns named nowhere say how the people were analysed, not who they are (a test's
#: ``Grouped by``): the tests of one scale by unit and by position count the same cell.
POPULATION = "ruse_population"
#: A table column whose header is the symbol p, alone or with a qualifier (``p``, ``p value``,
#: ``p-стойност``, ``p (Holm)``), holds p values: the report prints ``< 0.001``, never ``0.000``.
P_HEADER = re.compile(r"p(?:$|[\s(\-–])")
#: Environment variable the runner sets while a notebook executes: JSON ``{"synthetic": flag,
#: "source": template with {source}}``, the visible mark of its figures. The kernel draws that band
#: into the print PNG and says so under ``{"ruse": {"mark": flag}}``; the runner then only adds the
#: text chunk, and marks any figure whose mark differs from what it expects itself.
FIGURE_MARK_ENV = "RUSE_RESEARCH_FIGURE_MARK"
#: Key of a figure's ``ruse`` output metadata naming the flag its print PNG already shows.
MARK_KEY = "mark"


class ContractError(RuseError):
    """A notebook output that breaks the contract (bad or repeated artifact name)."""


def check_artifact_name(kind: str, name: str, seen: Iterable[str] = ()) -> str:
    """Return ``name`` if it is a valid, not yet used artifact name; else raise ContractError."""
    if not isinstance(name, str) or not ARTIFACT_NAME.match(name):
        raise ContractError(f"{kind} name {name!r} is not allowed; expected lower-case letters, "
                            "digits and _")
    if name in seen:
        raise ContractError(f"{kind} name {name!r} is used twice in the notebook; expected "
                            "unique names")
    return name


def payload_to_frame(payload: Mapping[str, Any]):
    """Rebuild a DataFrame from a :data:`TABLE_MIME` payload."""
    import pandas as pd

    def labels(values: list[Any]) -> pd.Index:
        if values and all(isinstance(v, list) for v in values):
            return pd.MultiIndex.from_tuples([tuple(v) for v in values])
        return pd.Index(values)

    frame = pd.DataFrame(payload["data"], index=labels(payload["index"]),
                         columns=labels(payload["columns"]))
    names = payload.get("index_names")
    if names and len(names) == frame.index.nlevels:
        frame.index.names = names
    return frame
