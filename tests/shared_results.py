"""Study pipelines on the bundled demo data, computed once per test session and shared.

Several test files check the same deterministic pipeline on the same bundled files (the
stakeholder study's ``load`` and ``analyse``); each used to compute it again, and that is
seconds of CPU each time. :func:`shared_pickle` computes such a value once per session: the
first pytest-xdist worker to ask builds it under an exclusive ``fcntl`` lock and pickles it
into the session's shared temporary folder (never into the project), the other workers load
the pickle (an exact copy of the same frames). :func:`step` caches one pipeline function
called on a shared value. Tests must not modify what they get.
"""

from __future__ import annotations

import fcntl
import functools
import os
import pickle
from pathlib import Path


def shared_pickle(tmp_path_factory, name: str, build):
    """``build()`` computed once per session (all workers), read back from a pickle."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the directory all workers of this session share
    return _load_or_build(Path(base), name, build)


@functools.cache
def _load_or_build(base: Path, name: str, build):
    path = base / f"shared-{name}.pickle"
    with open(base / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return pickle.loads(path.read_bytes())
        value = build()
        partial = path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)
        return value


def stakeholder_pipeline():
    """``stakeholders.load`` of the bundled exports (default margins) and its ``analyse``."""
    from ruse_research.studies import stakeholders

    loaded = stakeholders.load("data/raw/stakeholders.csv", "data/raw/staff.csv")
    return loaded, stakeholders.analyse(loaded)


_steps: dict = {}


def step(function, study, *args):
    """``function(study, *args)``, computed once per process for the same shared ``study``."""
    key = (function.__module__, function.__qualname__, id(study), args)
    if key not in _steps:
        _steps[key] = (study, function(study, *args))  # keeps ``study`` alive: ids stay unique
    return _steps[key][1]
