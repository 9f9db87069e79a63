"""Study pipelines on the bundled demo data, computed once per test session and shared.

Several test files check the same deterministic pipeline on the same bundled files (the
stakeholder study's ``load`` and ``analyse``); each used to compute it again, and that is
seconds of CPU each time. :func:`shared_pickle` computes such a value once per session: the
first pytest-xdist worker to ask builds it under :func:`study_build.shared_dir`'s lock and
pickles it into the session's shared temporary folder (never into the project), the other
workers load the pickle (an exact copy of the same frames). :func:`step` caches one pipeline function
called on a shared value. Tests must not modify what they get.
"""

from __future__ import annotations

import functools
import pickle
from pathlib import Path


def shared_pickle(tmp_path_factory, name: str, build):
    """``build()`` computed once per session (all workers), read back from a pickle.

    The folder, its lock and its failure text are :func:`study_build.shared_dir`'s; the value
    is pickled into it and unpickled once per process.
    """
    from study_build import shared_dir

    def write(home: Path) -> None:
        (home / "value.pickle").write_bytes(pickle.dumps(build(), protocol=pickle.HIGHEST_PROTOCOL))

    return _unpickled(shared_dir(tmp_path_factory, f"pickle-{name}", write) / "value.pickle")


@functools.cache
def _unpickled(path: Path):
    return pickle.loads(path.read_bytes())


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
