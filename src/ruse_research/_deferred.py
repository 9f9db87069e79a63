"""Third-party imports that cost seconds and are rarely used, deferred to their first use.

``jsonschema`` (imported by ``nbformat``, so by papermill, nbval and every notebook read)
imports ``rfc3987_syntax`` when it loads, only to register the ``iri`` format checkers, and that
module builds a Lark Earley parser of the RFC 3987 grammar at import: about 2 s of CPU in
every process, though no schema this project validates uses those formats.
:func:`defer_rfc3987_syntax` puts a stand-in module in ``sys.modules`` whose functions import
the real module on their first call and forward to it, so ``jsonschema`` registers the same
checkers and they answer the same; only the grammar build waits until a check needs it.
The command line and the test suite (``tests/deferred_imports.py``) call it before anything
imports ``jsonschema``.

Examples
--------
>>> _ = defer_rfc3987_syntax()  # True unless the command line or the test suite did it first
>>> defer_rfc3987_syntax()  # a second call changes nothing
False
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

_NAME = "rfc3987_syntax"


def _real() -> types.ModuleType:
    """The real ``rfc3987_syntax``, imported now if only the stand-in is there."""
    module = sys.modules.get(_NAME)
    if getattr(module, "_ruse_deferred", False):
        del sys.modules[_NAME]
        module = importlib.import_module(_NAME)
    return module


def _is_valid_syntax(term: str, value: str) -> bool:
    return _real().is_valid_syntax(term, value)


def _parse(term: str, value: str):
    return _real().parse(term, value)


def _getattr(attribute: str):
    if attribute.startswith("__"):  # the import system asks for __path__, __spec__, ...
        raise AttributeError(attribute)
    return getattr(_real(), attribute)


def defer_rfc3987_syntax() -> bool:
    """Install the stand-in for ``rfc3987_syntax``; False if it is imported already or absent."""
    if _NAME in sys.modules or importlib.util.find_spec(_NAME) is None:
        return False
    stand_in = types.ModuleType(_NAME, "Stand-in: imports rfc3987_syntax on first use "
                                       "(ruse_research._deferred).")
    stand_in._ruse_deferred = True
    stand_in.is_valid_syntax = _is_valid_syntax
    stand_in.parse = _parse
    stand_in.__getattr__ = _getattr  # any other name imports the real module (PEP 562)
    sys.modules[_NAME] = stand_in
    return True
