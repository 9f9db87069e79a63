"""Region names in the wording of data files, filled in from the active region profile.

The codebooks (``data/codebooks/*.yaml``) and the models (``data/model/*.yaml``) serve every
region. Where their wording names the region, it names a field of the region profile instead,
as in the locale catalogs (:meth:`ruse_research.data.profile.Profile.placeholders`:
``{administration}``, ``{region}``, ``{region_centre}``, ``{n_municipalities}`` ...), and the
field is filled in when the file is read. So the question "how much do you trust the
Regional Administration of {region_centre}?" reads with the active region's name in the
report, the SPSS labels and the import matching alike.

Only ``{name}`` with a lower-case name is a placeholder; other braces stay as written. A name
that is not a profile field is an error naming it. In a project without region profiles
(:func:`ruse_research.data.profile.load_if_any` gives ``None``) texts stay as written.

Examples
--------
>>> from ruse_research.data import profile
>>> p = profile.load()
>>> fill("Trust in {administration}?", "en", p) == f"Trust in {p.text('administration', 'en')}?"
True
>>> texts = fill_texts({"title": {"bg": "Модел за {region}", "en": "Model for {region}"}, "rank": 1}, p)
>>> texts["title"]["en"] == "Model for " + p.text("region", "en"), texts["rank"]
(True, 1)
>>> fill("{regoin}", "en", p)
Traceback (most recent call last):
...
ruse_research.data.region_text.PlaceholderError: placeholder {regoin} is not a field of the region profile; expected one of {administration}, ...
>>> fill("{a: 1} and {region}", "en", None)
'{a: 1} and {region}'
"""

from __future__ import annotations

import re
from typing import Any

from ruse_research.data import profile as region_profile
from ruse_research.errors import RuseError
from ruse_research.i18n import LANGUAGES

__all__ = ["ACTIVE", "PlaceholderError", "fill", "fill_texts"]

#: A placeholder: ``{name}`` with a lower-case name (no format spec, no positional field).
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
#: Stands for "the active profile" (``None`` means "no profile": texts stay as written).
ACTIVE: Any = object()


class PlaceholderError(RuseError):
    """A ``{name}`` in a data file's wording that the region profile does not give."""


def _region(region: Any):
    if region is ACTIVE:
        return region_profile.load_if_any()
    if region is None or isinstance(region, region_profile.Profile):
        return region
    return region_profile.load(region)


def fill(text: str, lang: str, region: Any = ACTIVE) -> str:
    """``text`` with every ``{field}`` of the region profile replaced by its ``lang`` value.

    ``region`` is a :class:`~ruse_research.data.profile.Profile`, a profile id or path, the
    active profile (default) or ``None`` (no profile: ``text`` is returned unchanged).

    Raises
    ------
    PlaceholderError
        For a ``{name}`` that is not a profile field.
    """
    if "{" not in text:
        return text
    prof = _region(region)
    if prof is None:
        return text
    return _fill(text, prof.placeholders(lang))


def _fill(text: str, fields: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in fields:
            raise PlaceholderError(f"placeholder {{{name}}} is not a field of the region profile; "
                                   f"expected one of {{{'}, {'.join(sorted(fields))}}}")
        return fields[name]

    return PLACEHOLDER.sub(one, text)


def fill_texts(value: Any, region: Any = ACTIVE) -> Any:
    """A copy of ``value`` (nested dicts and lists, as read from YAML) in which every text of a
    ``{bg: ..., en: ...}`` mapping has the profile's fields filled in (:func:`fill`)."""
    prof = _region(region)
    if prof is None:
        return value
    fields = {lang: prof.placeholders(lang) for lang in LANGUAGES}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node and set(node) <= set(LANGUAGES):
                return {lang: _fill(text, fields[lang]) if isinstance(text, str) and "{" in text else text
                        for lang, text in node.items()}
            return {key: walk(item) for key, item in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(value)
