"""Shared pytest configuration.

Notebooks under tests/ are fixtures that the runner tests execute themselves; nbval
checks only the study notebooks in notebooks/.
"""

from __future__ import annotations

import pytest

collect_ignore_glob = ["fixtures/*", "fixtures/**/*", "bad_inputs/*", "bad_inputs/**/*"]


@pytest.fixture(scope="session")
def shared_study(tmp_path_factory):
    """A project copy on which the whole study ran once this session (see tests/study_build.py)."""
    from study_build import shared_study as build

    return build(tmp_path_factory)


@pytest.fixture(scope="session")
def stakeholder_pipeline(tmp_path_factory):
    """(``stakeholders.load``, ``stakeholders.analyse``) of the bundled demo exports, computed
    once per session and shared by every worker (see tests/shared_results.py); read only."""
    from shared_results import shared_pickle
    from shared_results import stakeholder_pipeline as build

    return shared_pickle(tmp_path_factory, "stakeholder-pipeline", build)
