"""The synthetic-data marker: the one rule that says whether data files are synthetic.

Demonstration data are marked by a file :data:`MARKER_FILE` (``truth.json``) holding
``"synthetic": true`` in the folder of the data file. The generator
(:mod:`ruse_research.synthetic`) writes it, the runner records the answer in
``provenance.json`` and the display banner (:func:`ruse_research.display.blocks.data_banner`)
shows a warning; all three call :func:`is_synthetic`. The module imports only the standard
library and :mod:`ruse_research.paths`, so the runner can use it without loading the generator.

Examples
--------
>>> import json, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> is_synthetic(folder / "staff.csv")
False
>>> _ = (folder / MARKER_FILE).write_text(json.dumps({"synthetic": True}))
>>> is_synthetic(folder / "staff.csv"), is_synthetic(folder)
(True, True)
"""

from __future__ import annotations

import json
import os

from ruse_research import paths, reads

#: Name of the marker file written beside synthetic data.
MARKER_FILE = "truth.json"


def is_synthetic(path: str | os.PathLike[str]) -> bool:
    """True when a :data:`MARKER_FILE` saying ``"synthetic": true`` sits beside ``path``.

    ``path`` may be a data file or the folder that holds it; a relative path is resolved
    from the project root (:func:`ruse_research.paths.resolve`). A missing, unreadable or
    malformed marker means the data are not marked synthetic.

    Examples
    --------
    >>> is_synthetic("data/raw/staff.csv")
    True
    >>> is_synthetic("/nonexistent/folder/file.csv")
    False
    """
    p = paths.resolve(path)
    folder = p if p.is_dir() else p.parent
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    reads.record(folder / MARKER_FILE, "marker")  # it decides what the report says of its data
    return isinstance(marker, dict) and marker.get("synthetic") is True
