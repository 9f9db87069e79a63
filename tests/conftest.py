"""Shared pytest configuration.

Notebooks under tests/ are fixtures that the runner tests execute themselves; nbval
checks only the study notebooks in notebooks/.
"""

from __future__ import annotations

collect_ignore_glob = ["fixtures/*", "fixtures/**/*", "bad_inputs/*", "bad_inputs/**/*"]
