"""Languages of the reports: the one list of languages and the one check of a language code.

Number formats and localised strings live beside it in :mod:`ruse_research.display`
(catalogs in ``locale/``); this module holds only what every layer needs.

Examples
--------
>>> LANGUAGES
('bg', 'en')
>>> check_language("en")
'en'
>>> check_language("de", where="params/x.yaml: parameters.lang")
Traceback (most recent call last):
...
ruse_research.errors.ParamsError: params/x.yaml: parameters.lang: language 'de' is not supported; expected one of bg, en
"""

from __future__ import annotations

from ruse_research.errors import ParamsError

#: Report languages, in the order reports and indexes list them.
LANGUAGES: tuple[str, ...] = ("bg", "en")


def check_language(lang: object, where: str = "lang") -> str:
    """Return ``lang`` when it is a supported language code; else raise :class:`ParamsError`."""
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise ParamsError(f"{where}: language {lang!r} is not supported; expected one of "
                          f"{', '.join(LANGUAGES)}")
    return lang


def in_language(value: object, lang: str) -> str:
    """A data text in ``lang``: ``value[lang]`` of a ``{bg: ..., en: ...}`` mapping, or ``value``
    itself when one text serves both languages (a name, a code).

    Examples
    --------
    >>> in_language({"bg": "чл. 26, ал. 4 ЗНА", "en": "Normative Acts Act, Art. 26(4)"}, "bg")
    'чл. 26, ал. 4 ЗНА'
    >>> in_language("IAP2", "en")
    'IAP2'
    """
    check_language(lang)
    if isinstance(value, dict):
        return str(value.get(lang, ""))
    return "" if value is None else str(value)
