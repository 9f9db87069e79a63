"""A module imported on first attribute use, for heavy reference libraries of a few test files.

Every pytest-xdist worker collects (imports) every test file, but runs only some of them; a
top-level ``import pingouin`` (seaborn, scikit-learn: seconds) was paid by every worker.
``pg = LazyModule("pingouin")`` imports it only in the worker whose test first uses ``pg.x``.
"""

from __future__ import annotations

import importlib


class LazyModule:
    """Stands for the module ``name``; the first attribute access imports it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)
