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
import os
from pathlib import Path
from typing import Any

import yaml

from ruse_research import reads
from ruse_research.errors import RuseError

#: Largest YAML text read (bytes); the package's own files are far below it.
MAX_BYTES = 5_000_000
#: Most aliases (``*name``) in one document; an alias bomb needs thousands.
MAX_ALIASES = 100
#: Most nodes a document may stand for once its aliases are expanded (a few dozen aliases
#: nested nine deep stand for hundreds of millions: a bomb that kills whoever prints it).
MAX_EXPANDED_NODES = 1_000_000

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Parsed documents by (text, dates): the runner reads one profile or catalog many times per
#: command. Keyed by the text itself, so a changed file is parsed again; callers get copies.
_PARSED: dict[tuple[str, bool], Any] = {}
#: Most documents kept in :data:`_PARSED` (the oldest is dropped first).
PARSED_KEPT = 64


class YamlError(RuseError):
    """A YAML file that cannot be read, is not valid YAML, or repeats a key."""


class _DuplicateKey(Exception):
    pass


def _mapping_without_duplicates(loader, node, deep=False):
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            if key in seen:
                raise _DuplicateKey(
                    f"line {line}: key {key!r} appears twice (first on line {seen[key]}); "
                    "expected each key once"
                )
            seen[key] = line
        except TypeError:  # unhashable key; construct_mapping reports it
            pass
    return loader.construct_mapping(node, deep=deep)


class StrictLoader(_BASE):
    """Safe loader that refuses duplicated mapping keys."""


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                             _mapping_without_duplicates)


class StrictNoDatesLoader(StrictLoader):
    """:class:`StrictLoader` that keeps dates as strings (as papermill's NoDatesSafeLoader)."""


StrictNoDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in StrictLoader.yaml_implicit_resolvers.items()
}


def _count_aliases(text: str) -> int:
    # Scanning tokens is cheap and happens before any alias is expanded; libyaml's scanner
    # (_BASE) yields the same tokens as the pure-Python one about ten times faster.
    count = 0
    for token in yaml.scan(text, Loader=_BASE):
        if isinstance(token, yaml.AliasToken):
            count += 1
            if count > MAX_ALIASES:
                break
    return count


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes ``root`` stands for with every alias expanded (shared nodes counted
    each time they are reached; computed once per node, so a bomb costs no time)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children = ([n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode)
                    else list(node.value))
        if children_done:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _construct(text: str, loader_class: type) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_EXPANDED_NODES:
            raise _Bomb()
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _Bomb(Exception):
    pass


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
    key = (text, bool(dates))
    if key in _PARSED:
        return copy.deepcopy(_PARSED[key])
    value = _parse(text, source, dates)
    if len(_PARSED) >= PARSED_KEPT:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[key] = value
    return copy.deepcopy(value)


def _parse(text: str, source: str, dates: bool) -> Any:
    try:
        if "*" in text and _count_aliases(text) > MAX_ALIASES:
            raise YamlError(f"{source}: more than {MAX_ALIASES} YAML aliases (*name); expected a "
                            "plain file without repeated anchors (an alias bomb is refused)")
        return _construct(text, StrictNoDatesLoader if not dates else StrictLoader)
    except _Bomb:
        raise YamlError(f"{source}: its aliases (*name) expand to more than "
                        f"{MAX_EXPANDED_NODES:,} values; expected a plain file without nested "
                        "repeated anchors (an alias bomb is refused)") from None
    except _DuplicateKey as err:
        raise YamlError(f"{source}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise YamlError(f"{source}:{where} not valid YAML ({problem})") from None


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
