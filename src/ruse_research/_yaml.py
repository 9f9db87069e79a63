"""Strict YAML loading: the one loader every YAML file of the package goes through.

Plain PyYAML keeps the last of two equal keys silently and turns ``2019-01-18`` into a date;
a codebook, a params file or a catalog must do neither. :func:`load` refuses duplicate keys
(naming both lines), keeps dates as strings when asked, and refuses documents whose size or
number of aliases makes them a "billion laughs" bomb before PyYAML expands them.

Examples
--------
>>> load("a: 1\\nb: [x, y]")
{'a': 1, 'b': ['x', 'y']}
>>> load("when: 2019-01-18", dates=False)
{'when': '2019-01-18'}
>>> load("a: 1\\na: 2", source="params/x.yaml")
Traceback (most recent call last):
...
ruse_research._yaml.YamlError: params/x.yaml: line 2: key 'a' appears twice (first on line 1); expected each key once
"""

from __future__ import annotations

import copy
import datetime
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ruse_research import reads
from ruse_research.errors import RuseError

#: Largest YAML text read (bytes); the package's own files are far below it.
MAX_BYTES = 5_000_000
#: Most aliases (``*name``) in one document; an alias bomb needs thousands.
MAX_ALIASES = 100
#: Most nodes a document may stand for once its aliases are expanded (a few dozen aliases
#: nested nine deep stand for hundreds of millions: a bomb that kills whoever prints it).
MAX_EXPANDED_NODES = 1_000_000

#: Parsed documents by (text, dates, limits): the runner reads one profile or catalog many times per
#: command. Keyed by the text itself, so a changed file is parsed again; callers get copies.
_PARSED: dict[tuple, Any] = {}
#: Most documents kept in :data:`_PARSED` (the oldest is dropped first).
PARSED_KEPT = 64


class YamlError(RuseError):
    """A YAML file that cannot be read, is not valid YAML, or repeats a key."""


#: The parse cache on disk (:func:`use_parse_cache`): ``{sha256 of text + flag: JSON text}``.
_DISK: dict[str, object] = {"path": None, "entries": {}, "used": set(), "dirty": False}
#: Most documents kept in the parse cache file.
STORED_KEPT = 256
#: The parse cache file's format (another one is ignored).
STORED_FORMAT = 2


@functools.lru_cache(maxsize=1)  # the parser does not change while a process runs
def parser_identity() -> str:
    """SHA-256 of what turns a text into a document: this package's strict loader
    (``_yaml_strict.py``), PyYAML's ``__init__.py`` (which names its version) and whether
    LibYAML's C loader is there, read as files so that asking imports no PyYAML. A parse cache written under another identity is
    ignored: a new PyYAML or a stricter loader parses every text again.

    >>> len(parser_identity())
    64
    """
    import importlib.machinery
    import importlib.util

    digest = hashlib.sha256()
    spec = importlib.util.find_spec("yaml")
    for file in (Path(__file__).with_name("_yaml_strict.py"), spec.origin if spec else None):
        try:
            digest.update(Path(file).read_bytes() if file else b"no PyYAML")
        except OSError:
            digest.update(b"unreadable")
    # the C loader (the extension yaml/_yaml.*) when LibYAML is there, else the pure-Python one;
    # looked for as a file: find_spec("yaml._yaml") would import PyYAML
    folder = Path(spec.origin).parent if spec and spec.origin else None
    extension = folder is not None and any((folder / f"_yaml{suffix}").is_file()
                                           for suffix in importlib.machinery.EXTENSION_SUFFIXES)
    digest.update(b"libyaml" if extension else b"python")
    return digest.hexdigest()


def use_parse_cache(path: str | os.PathLike[str] | None) -> None:
    """Keep parsed documents in the JSON file ``path`` too (``None``: in memory only).

    A document is found by the SHA-256 of its text, so an edited file is parsed again, and it
    is stored only when its JSON form gives back exactly what YAML gave. The file records
    :func:`parser_identity`; under another one its documents are not used.
    The runner uses ``outputs/.cache/yaml.json``: an unchanged rerun then imports no PyYAML.
    """
    entries: dict = {}
    if path is not None:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if (isinstance(data, dict) and data.get("format") == STORED_FORMAT
                    and data.get("parser") == parser_identity()):
                entries = data.get("entries") if isinstance(data.get("entries"), dict) else {}
        except (OSError, ValueError):
            entries = {}
    _DISK.update(path=None if path is None else Path(path), entries=entries, used=set(), dirty=False)


def save_parse_cache() -> None:
    """Write the parse cache file back (atomic replace) when a document was added; the
    documents used since :func:`use_parse_cache` are kept first, then up to
    :data:`STORED_KEPT` others."""
    path, entries, used = _DISK["path"], _DISK["entries"], _DISK["used"]
    if path is None or not _DISK["dirty"]:
        return
    kept = {k: v for k, v in entries.items() if k in used}
    for k, v in entries.items():
        if len(kept) >= STORED_KEPT:
            break
        kept.setdefault(k, v)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"format": STORED_FORMAT, "parser": parser_identity(), "entries": kept},
                                    ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)
    _DISK.update(entries=kept, dirty=False)


def _disk_key(text: str, dates: bool) -> str:
    # the limits are part of the key: a stricter limit must refuse a document parsed before
    limits = f":{MAX_ALIASES}:{MAX_EXPANDED_NODES}"
    return (hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            + (":dates" if dates else ":text") + limits)


def _stored(text: str, dates: bool) -> Any:
    if _DISK["path"] is None:
        return None
    key = _disk_key(text, dates)
    found = _DISK["entries"].get(key)
    if not isinstance(found, str):
        return None
    try:
        value = _decode(found)
    except (KeyError, TypeError, ValueError):  # not written by _store: parse the text
        return None
    _DISK["used"].add(key)
    return value


def _encode(value: Any) -> Any:
    """``value`` as JSON that :func:`_decode` turns back into it: a mapping is ``{"m": [[key,
    value], ...]}`` (its keys may be numbers, as YAML allows), a date ``{"date": iso}``."""
    if isinstance(value, dict):
        return {"m": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"not stored: {type(value).__name__}")


def _decode(text: str) -> Any:
    def tagged(obj: dict) -> Any:
        if "m" in obj:
            return {k: v for k, v in obj["m"]}
        if "datetime" in obj:
            return datetime.datetime.fromisoformat(obj["datetime"])
        return datetime.date.fromisoformat(obj["date"])  # KeyError for anything else
    return json.loads(text, object_hook=tagged)


def _memory_key(text: str, dates: bool) -> tuple:
    return (text, bool(dates), MAX_ALIASES, MAX_EXPANDED_NODES)


def _remember(text: str, dates: bool, value: Any) -> None:
    if len(_PARSED) >= PARSED_KEPT:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[_memory_key(text, dates)] = value


def _store(text: str, dates: bool, value: Any) -> None:
    _remember(text, dates, value)
    if _DISK["path"] is None or value is None:
        return
    try:
        encoded = json.dumps(_encode(value), ensure_ascii=False)
    except (TypeError, ValueError):  # a set, bytes...: parsed again next time
        return
    if _decode(encoded) != value:  # NaN, or anything else JSON does not give back
        return
    key = _disk_key(text, dates)
    _DISK["entries"][key] = encoded
    _DISK["used"].add(key)
    _DISK["dirty"] = True


def __getattr__(name: str):
    if name in ("StrictLoader", "StrictNoDatesLoader"):  # the loaders live with PyYAML
        from ruse_research import _yaml_strict

        return getattr(_yaml_strict, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_IMMUTABLE = (str, int, float, bool, type(None), datetime.date, datetime.datetime)


def fresh_copy(value: Any, _copies: dict[int, Any] | None = None) -> Any:
    """A copy of a parsed document that a caller may change without touching the cache.

    Dicts and lists are rebuilt (one copy per object, so an alias of a mapping or a sequence
    stays one shared object, as PyYAML builds it) and immutable scalars shared; anything else
    (a ``!!set``, say) goes through :func:`copy.deepcopy` at each place it appears. About twice
    as fast as ``deepcopy`` of the whole document (a codebook is loaded hundreds of times in a
    test run, a few dozen in a study run).

    >>> doc = {"a": [1, {"b": datetime.date(2001, 2, 3)}]}
    >>> doc["c"] = doc["a"]
    >>> copied = fresh_copy(doc)
    >>> copied == doc, copied["a"] is doc["a"], copied["c"] is copied["a"]
    (True, False, True)
    """
    kind = type(value)
    if kind is not dict and kind is not list:
        return value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value)
    copies = {} if _copies is None else _copies
    done = copies.get(id(value))
    if done is not None:
        return done
    if kind is dict:
        result: Any = {}
        copies[id(value)] = result
        for key, item in value.items():
            result[key] = fresh_copy(item, copies)
    else:
        result = []
        copies[id(value)] = result
        result.extend(fresh_copy(item, copies) for item in value)
    return result


def load(text: str, *, source: str = "<yaml>", dates: bool = True) -> Any:
    """Parse YAML ``text`` strictly; errors name ``source`` and the line.

    Raises
    ------
    YamlError
        Duplicate key, invalid YAML, more than :data:`MAX_BYTES` or :data:`MAX_ALIASES`.
    """
    if len(text) > MAX_BYTES:
        raise YamlError(f"{source}: {len(text):,} characters, more than the {MAX_BYTES:,} a YAML "
                        "file of this project may have; expected a small configuration file")
    key = _memory_key(text, dates)
    if key in _PARSED:
        return fresh_copy(_PARSED[key])
    stored = _stored(text, dates)
    if stored is not None:
        _remember(text, dates, stored)  # the next load of this text decodes nothing
        return fresh_copy(stored)
    from ruse_research import _yaml_strict  # PyYAML: only for a document not parsed before

    _yaml_strict.MAX_ALIASES, _yaml_strict.MAX_EXPANDED_NODES = MAX_ALIASES, MAX_EXPANDED_NODES
    try:
        value = _yaml_strict.parse(text, source, dates)
    except _yaml_strict.YamlProblem as problem:
        raise YamlError(str(problem)) from None
    _store(text, dates, value)
    return fresh_copy(value)


def load_file(path: str | os.PathLike[str], *, dates: bool = True, name: str | None = None,
              kind: str | None = None) -> Any:
    """Read and parse a UTF-8 YAML file strictly (see :func:`load`).

    ``name`` is how errors name the file (default: the file name). The file is recorded as read
    (:func:`ruse_research.reads.record`, as ``kind`` or the kind its folder says).
    """
    p = Path(path)
    label = name or p.name
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise YamlError(f"{label}: {size:,} bytes, more than the {MAX_BYTES:,} a YAML file of "
                            "this project may have; expected a small configuration file")
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise YamlError(f"{label}: not UTF-8 text; expected a UTF-8 YAML file") from None
    except OSError as err:
        raise YamlError(f"{label}: cannot be read ({err.strerror or err}); expected a readable "
                        "YAML file") from None
    reads.record(p, kind)
    return load(text, source=label, dates=dates)
