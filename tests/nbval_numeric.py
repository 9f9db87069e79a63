"""nbval compares numbers as numbers: stored and fresh outputs agree across CPUs.

Two machines whose BLAS and numpy SIMD kernels sum in another order give the same results up
to the last one or two of 17 significant digits (``42.79171583745244`` vs ``...242``). nbval
compares outputs as exact strings and dictionaries, so on such a machine the stored outputs
of the study notebooks "differ". This plugin wraps nbval's comparison: before nbval compares a
cell, every number in a fresh output that equals the stored one within

    |fresh - stored| <= max(RTOL * max(|fresh|, |stored|), ATOL)      (RTOL 1e-7, ATOL 1e-10)

is replaced by the stored number, and nbval's exact comparison does the rest. Everything that
is not a number stays exact: text, labels, table shapes, column names, the set of outputs,
integers (counts) and booleans. A real change of a result, say in its 6th significant digit,
is at least 1e-6 relative and still fails.

Why 1e-7 and not 1e-15: summation order alone moves a closed-form result in its last 1-2 digits
(1e-16..1e-13), but the study's iterative estimators amplify it up to their convergence
tolerance: omega's minres factor analysis (L-BFGS-B, gtol 1e-10) moved by 1.1e-9 relative
between two CPUs, raking (IPF to 1e-10) likewise. 1e-7 leaves a margin of 100 above that and is
still 10 times below a change in the 6th significant digit. ATOL 1e-10 covers results that
are zero up to rounding (a p value of 1e-17 vs 3e-17) and lies far below any printed digit.

* Table payloads (``application/vnd.ruse.table+json``) and other JSON outputs are walked as JSON:
  floats are compared with the tolerance, ints and strings exactly.
* Text outputs (``text/plain``, ``text/html``, ``text/markdown``, streams) are split into
  numeric tokens and the text between them; the text must be identical and the tokens close.
  Numbers printed at display precision (``0.42``) therefore compare exactly at that precision.
* SVG figures: coordinates are printed with 5-6 decimals, so a last-digit rounding flip is
  1e-5 user units; they are compared with an absolute tolerance of :data:`SVG_ATOL` user units
  (1/100 of a point, far below anything visible, far above a rounding flip). Glyphs, colours
  and structure stay exact. PNG images are skipped by nbval itself.

Set ``RUSE_NBVAL_TOLERANCE_LOG`` to a file path to get one JSON line per output value that was
equal only within the tolerance (cell, MIME type, how many numbers, largest relative
difference): ``tests/test_portable_outputs.py`` uses it to show that an altered floating-point
path really changed digits. Test items of notebooks are marked ``slow``.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

RTOL = 1e-7
ATOL = 1e-10
SVG_ATOL = 1e-2
LOG_ENV = "RUSE_NBVAL_TOLERANCE_LOG"
#: The volatile-text rules nbval is run with (``--nbval-sanitize-with``): run date, paths.
SANITIZE_CFG = Path(__file__).with_name("nbval_sanitize.cfg")

# A number as Python, JSON, CSS or SVG print it (no sign: '-' is compared as text).
_NUMBER = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?(?![\w])")


class _Tally:
    """Counts the numbers that were equal only within the tolerance."""

    def __init__(self) -> None:
        self.count = 0
        self.max_rel = 0.0

    def note(self, a: float, b: float) -> None:
        self.count += 1
        scale = max(abs(a), abs(b))
        if scale > 0:
            self.max_rel = max(self.max_rel, abs(a - b) / scale)


def read_sanitizers(cfg: Path = SANITIZE_CFG) -> list[tuple[re.Pattern[str], str]]:
    """The (regex, replacement) pairs of an nbval sanitize file, in its order, as nbval reads
    them; tests that compare or scan stored outputs apply the same rules."""
    import configparser

    parser = configparser.ConfigParser()
    parser.read(cfg, encoding="utf-8")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def sanitized(text: str, sanitizers: list[tuple[re.Pattern[str], str]]) -> str:
    """``text`` with every sanitize rule applied in order."""
    for pattern, replacement in sanitizers:
        text = pattern.sub(replacement, text)
    return text


def floats_close(a: float, b: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when two floats agree within the tolerance (NaN equals NaN, infinities exactly).

    >>> floats_close(42.79171583745244, 42.79171583745242)
    True
    >>> floats_close(42.79171583745244, 42.79172583745244)   # 6th significant digit
    False
    """
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(rtol * max(abs(a), abs(b)), atol)


def json_close(fresh: Any, stored: Any, tally: _Tally) -> bool:
    """Compare JSON values: floats within the tolerance, everything else exactly."""
    if isinstance(fresh, bool) or isinstance(stored, bool):
        return fresh is stored
    if isinstance(fresh, int) and isinstance(stored, int):
        return fresh == stored  # counts are exact
    if isinstance(fresh, int | float) and isinstance(stored, int | float):
        if fresh == stored:
            return True
        if floats_close(float(fresh), float(stored)):
            tally.note(float(fresh), float(stored))
            return True
        return False
    if isinstance(fresh, dict) and isinstance(stored, dict):
        return fresh.keys() == stored.keys() and all(
            json_close(fresh[k], stored[k], tally) for k in fresh)
    if isinstance(fresh, list) and isinstance(stored, list):
        return len(fresh) == len(stored) and all(
            json_close(f, s, tally) for f, s in zip(fresh, stored, strict=True))
    return fresh == stored


def text_close(fresh: str, stored: str, tally: _Tally, atol: float | None = None) -> bool:
    """Compare texts: identical between numbers, numbers close (relative, or ``atol``).

    >>> text_close("mean 0.4228096997715445 (n = 41)", "mean 0.4228096997715302 (n = 41)", _Tally())
    True
    >>> text_close("mean 0.42281 (n = 41)", "mean 0.42280 (n = 41)", _Tally())
    False
    >>> text_close("n = 41", "n = 42", _Tally())
    False
    """
    if fresh == stored:
        return True
    fresh_parts, stored_parts = _NUMBER.split(fresh), _NUMBER.split(stored)
    if len(fresh_parts) != len(stored_parts):
        return False
    for i, (f, s) in enumerate(zip(fresh_parts, stored_parts, strict=True)):
        if i % 2 == 0:  # text between numbers
            if f != s:
                return False
            continue
        if f == s:
            continue
        if "." not in f + s and "e" not in (f + s).lower():
            return False  # integers (counts, ids, glyph codes) are exact
        a, b = float(f), float(s)
        ok = abs(a - b) <= atol if atol is not None else floats_close(a, b)
        if not ok:
            return False
        tally.note(a, b)
    return True


def _joined(value: Any) -> Any:
    return "".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value


def value_close(mime: str, fresh: Any, stored: Any, tally: _Tally) -> bool:
    """Compare one output value of MIME type ``mime`` (see the module docstring)."""
    fresh, stored = _joined(fresh), _joined(stored)
    if isinstance(fresh, str) and isinstance(stored, str):
        if mime.endswith("json"):
            try:
                return json_close(json.loads(fresh), json.loads(stored), tally)
            except ValueError:
                pass
        return text_close(fresh, stored, tally, atol=SVG_ATOL if mime == "image/svg+xml" else None)
    return json_close(fresh, stored, tally)


def reconcile(test: list, ref: list, where: str = "") -> list:
    """Return ``test`` with every value that matches ``ref`` within the tolerance replaced by
    the stored one, so that nbval's exact comparison passes exactly where numbers agree."""
    if len(test) != len(ref):
        return test
    out = []
    for fresh, stored in zip(test, ref, strict=True):
        fresh = dict(fresh)
        if fresh.get("output_type") != stored.get("output_type"):
            out.append(fresh)
            continue
        if "data" in fresh and "data" in stored:
            data = dict(fresh["data"])
            for mime, value in data.items():
                if mime in stored["data"] and value != stored["data"][mime]:
                    tally = _Tally()
                    if value_close(mime, value, stored["data"][mime], tally):
                        data[mime] = stored["data"][mime]
                        _log(where, mime, tally)
            fresh["data"] = data
        if "text" in fresh and "text" in stored and fresh["text"] != stored["text"]:
            tally = _Tally()
            if value_close("text/plain", fresh["text"], stored["text"], tally):
                fresh["text"] = stored["text"]
                _log(where, "stream", tally)
        out.append(fresh)
    return out


def _log(where: str, mime: str, tally: _Tally) -> None:
    path = os.environ.get(LOG_ENV)
    if path and tally.count:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"cell": where, "mime": mime, "numbers": tally.count,
                                 "max_rel": tally.max_rel}) + "\n")


def _install() -> None:
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to wrap
        return
    if getattr(IPyNbCell.compare_outputs, "_ruse_numeric", False):
        return
    original = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        # nbval sanitises inside compare_outputs; reconcile sanitised copies the same way
        sanitize = self.sanitize
        clean = [_sanitised(o, sanitize) for o in test]
        stored = [_sanitised(o, sanitize) for o in ref]
        fresh = [nbformat.from_dict(o) for o in reconcile(clean, stored, where=self.nodeid)]
        return original(self, fresh, [nbformat.from_dict(o) for o in stored], skip_compare)

    compare_outputs._ruse_numeric = True
    IPyNbCell.compare_outputs = compare_outputs


def _sanitised(output, sanitize):
    out = dict(output)
    if isinstance(out.get("data"), dict):
        out["data"] = {k: _sanitise_value(v, sanitize) for k, v in out["data"].items()}
    if "text" in out:
        out["text"] = _sanitise_value(out["text"], sanitize)
    return out


def _sanitise_value(value, sanitize):
    value = _joined(value)
    return sanitize(value) if isinstance(value, str) else value


_install()


def pytest_collection_modifyitems(config, items):
    """Notebook cells execute a kernel: they belong to the slow tier."""
    for item in items:
        if type(item).__name__ == "IPyNbCell":
            item.add_marker(pytest.mark.slow)


# ------------------------------------------------- the profile the stored outputs were written with
_UNSET = object()
_saved_profile: Any = _UNSET  # the variable's value before a notebook set it
_set_by: Any = None  # the notebook (nbval file node) that set it


def _restore_profile() -> None:
    global _saved_profile, _set_by
    from ruse_research.data.profile import PROFILE_ENV

    if _saved_profile is _UNSET:
        return
    if _saved_profile is None:
        os.environ.pop(PROFILE_ENV, None)
    else:
        os.environ[PROFILE_ENV] = _saved_profile
    _saved_profile, _set_by = _UNSET, None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before a notebook's kernel starts (its first cell's setup), select the profile its
    stored outputs were written under (``metadata.ruse.profile``): nbval compares them with a
    fresh execution, and the same cells under another profile show another region's data.
    The kernel inherits this process's environment (``--nbval-current-env``); the variable is
    restored after the notebook's last cell, or when another notebook's cell comes first."""
    global _saved_profile, _set_by
    if type(item).__name__ != "IPyNbCell":
        return
    if _set_by is item.parent:
        return
    _restore_profile()
    from ruse_research.data.profile import PROFILE_ENV, ProfileError, profile_path
    from ruse_research.runner.refresh import recorded_profile

    wanted = recorded_profile(item.parent.nb)
    if wanted is None:
        return
    try:
        profile_path(wanted)
    except ProfileError as exc:
        pytest.fail(f"{item.parent.name}: records profile {wanted!r} (metadata.ruse.profile) and this "
                    f"project lacks it ({exc}); refresh the notebook under one it has: "
                    "`ruse-research refresh --profile ID`", pytrace=False)
    _saved_profile, _set_by = os.environ.get(PROFILE_ENV), item.parent
    os.environ[PROFILE_ENV] = wanted


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    if _set_by is item.parent and (nextitem is None or nextitem.parent is not item.parent):
        _restore_profile()
