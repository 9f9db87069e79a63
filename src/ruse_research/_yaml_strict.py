"""The PyYAML side of :mod:`ruse_research._yaml`: strict loaders and the checked parse.

Imported by :func:`ruse_research._yaml.load` only when a document is not in its parse cache,
so a command whose YAML files did not change (a no-op ``ruse-research run``) imports no PyYAML.
"""

from __future__ import annotations

from typing import Any

import yaml

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Limits, set by :mod:`ruse_research._yaml` (its ``MAX_ALIASES`` and ``MAX_EXPANDED_NODES``).
MAX_ALIASES = 100
MAX_EXPANDED_NODES = 1_000_000


class YamlProblem(Exception):
    """What :func:`parse` refuses, as a one-line message (``_yaml`` raises it as ``YamlError``)."""


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


def parse(text: str, source: str, dates: bool) -> Any:
    """Parse ``text`` strictly; raises :class:`YamlProblem`."""
    try:
        if "*" in text and _count_aliases(text) > MAX_ALIASES:
            raise YamlProblem(f"{source}: more than {MAX_ALIASES} YAML aliases (*name); expected a "
                            "plain file without repeated anchors (an alias bomb is refused)")
        return _construct(text, StrictNoDatesLoader if not dates else StrictLoader)
    except _Bomb:
        raise YamlProblem(f"{source}: its aliases (*name) expand to more than "
                        f"{MAX_EXPANDED_NODES:,} values; expected a plain file without nested "
                        "repeated anchors (an alias bomb is refused)") from None
    except _DuplicateKey as err:
        raise YamlProblem(f"{source}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise YamlProblem(f"{source}:{where} not valid YAML ({problem})") from None
