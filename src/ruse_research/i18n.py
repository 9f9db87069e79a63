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
