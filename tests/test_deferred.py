"""The stand-in for rfc3987_syntax (ruse_research._deferred) changes no answer, only when it loads."""

from __future__ import annotations

import sys
import types

import pytest

from ruse_research import _deferred


def test_jsonschema_registers_the_iri_checkers_through_the_stand_in():
    import jsonschema

    checker = jsonschema.FormatChecker()
    assert {"iri", "iri-reference"} <= set(checker.checkers)


@pytest.mark.slow  # a fresh interpreter imports jsonschema
def test_a_fresh_process_loads_jsonschema_without_the_grammar_and_checks_iris_the_same():
    """In a new interpreter: after the stand-in, importing jsonschema builds no Lark grammar,
    and an iri check (the first use) then gives the real module's answers."""
    import subprocess

    code = (
        "import sys\n"
        "from ruse_research import _deferred\n"
        "assert _deferred.defer_rfc3987_syntax()\n"
        "import jsonschema\n"
        "checker = jsonschema.FormatChecker()\n"
        "print(sys.modules['rfc3987_syntax']._ruse_deferred, 'lark' in sys.modules)\n"
        "print(checker.conforms('http://example.org/a b', 'iri'), checker.conforms('http://example.org/a', 'iri'))\n"
        "print(getattr(sys.modules['rfc3987_syntax'], '_ruse_deferred', False))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:3] == ["True False", "False True", "False"]


def test_the_stand_in_forwards_to_the_real_module_on_first_use(monkeypatch):
    calls = []
    real = types.ModuleType(_deferred._NAME)
    real.is_valid_syntax = lambda term, value: calls.append(("valid", term, value)) or value == "ok"
    real.parse = lambda term, value: calls.append(("parse", term, value)) or "tree"
    real.RFC3987_SYNTAX_TERMS = ["iri"]
    monkeypatch.delitem(sys.modules, _deferred._NAME, raising=False)
    assert _deferred.defer_rfc3987_syntax()
    stand_in = sys.modules[_deferred._NAME]
    assert stand_in._ruse_deferred
    monkeypatch.setattr(_deferred.importlib, "import_module",
                        lambda name: sys.modules.setdefault(name, real))
    assert stand_in.is_valid_syntax("iri", "ok") is True
    assert sys.modules[_deferred._NAME] is real  # replaced by the real module on first use
    assert stand_in.is_valid_syntax("iri", "no") is False
    assert stand_in.parse("iri_reference", "x") == "tree"
    assert stand_in.RFC3987_SYNTAX_TERMS == ["iri"]
    assert calls == [("valid", "iri", "ok"), ("valid", "iri", "no"), ("parse", "iri_reference", "x")]
    assert not _deferred.defer_rfc3987_syntax()  # a module of that name is there: nothing to do
