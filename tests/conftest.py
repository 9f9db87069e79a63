"""Shared pytest configuration.

Notebooks under tests/ are fixtures that the runner tests execute themselves; nbval
checks only the study notebooks in notebooks/.
"""

from __future__ import annotations

import gc

import pytest

collect_ignore_glob = ["fixtures/*", "fixtures/**/*", "bad_inputs/*", "bad_inputs/**/*"]


def pytest_collection_finish(session):
    """Move everything collection imported (pandas, SciPy, matplotlib, the package, the test
    modules: some 300,000 objects) out of the garbage collector's reach. They live until the
    worker exits, yet every full collection walked them again: 3.5 s per worker of the fast tier."""
    gc.collect()
    gc.freeze()
    from study_build import start_in_background

    start_in_background(session.items, session.config._tmp_path_factory)


@pytest.fixture(scope="session")
def shared_study(tmp_path_factory):
    """A project copy on which the whole study ran once this session (see tests/study_build.py)."""
    from study_build import shared_study as build

    return build(tmp_path_factory)


@pytest.fixture(scope="session")
def second_study(tmp_path_factory):
    """A second, independent run of the whole study from scratch (see tests/study_build.py)."""
    from study_build import second_study as build

    return build(tmp_path_factory)


@pytest.fixture(scope="session")
def stakeholder_pipeline(tmp_path_factory):
    """(``stakeholders.load``, ``stakeholders.analyse``) of the bundled demo exports, computed
    once per session and shared by every worker (see tests/shared_results.py); read only."""
    from shared_results import shared_pickle
    from shared_results import stakeholder_pipeline as build

    return shared_pickle(tmp_path_factory, "stakeholder-pipeline", build)
