"""The files a notebook read, handed to the runner: the last output of every study notebook.

:func:`inputs_read` shows one output with empty data whose metadata ``ruse.reads``
(:data:`~ruse_research.contract.READS_KEY`) holds every file the package's readers opened in this kernel (:mod:`ruse_research.reads`),
each with its SHA-256, its kind and whether it is synthetic demonstration data
(:func:`ruse_research.data.marker.is_synthetic`). The runner lists exactly these files in the
colophon and in ``provenance.json``; a reader of the notebook sees nothing (the report leaves
the bundle out).

Examples
--------
>>> from ruse_research import reads
>>> reads.clear()
>>> data, meta = inputs_bundle()
>>> data, meta
({}, {'ruse': {'kind': 'reads', 'reads': []}})
"""

from __future__ import annotations

from ruse_research import reads
from ruse_research.contract import META_KEY, READS_KEY
from ruse_research.data.marker import is_synthetic
from ruse_research.display import output


def inputs_bundle() -> tuple[dict, dict]:
    """``(data, metadata)`` of :func:`inputs_read`: the files read so far, in reading order."""
    # the marker files is_synthetic opens are recorded too, so ask first, then list
    synthetic = {entry.name: entry.kind != "marker" and is_synthetic(reads.locate(entry.name, entry.base))
                 for entry in reads.recorded()}
    files = [{**entry.to_dict(), "synthetic": bool(synthetic.get(entry.name, False))}
             for entry in reads.recorded()]
    return {}, {META_KEY: {"kind": "reads", READS_KEY: files}}


def inputs_read() -> None:
    """Show the bundle of the files this notebook read (call it last; the runner reads it)."""
    output.publish(*inputs_bundle())
