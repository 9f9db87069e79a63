"""A module imported on first attribute use, for heavy reference libraries of a few test files.

Every pytest-xdist worker collects (imports) every test file, but runs only some of them; a
top-level ``import pingouin`` (seaborn, scikit-learn: seconds) was paid by every worker.
``pg = LazyModule("pingouin")`` imports it only in the worker whose test first uses ``pg.x``.

Names starting with ``_`` are not forwarded: pytest's collection probes every module-level
object for such attributes (fixture markers, ``__test__``), and answering them by importing the
module paid the seconds at collection in every worker again. The libraries' public API is all
that the tests use.
"""

from __future__ import annotations

import importlib


class LazyModule:
    """Stands for the module ``name``; the first use of a public attribute imports it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return getattr(importlib.import_module(self._name), attribute)
