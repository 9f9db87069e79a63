"""Language catalogs: the bilingual texts of the reports, read from ``locale/<study>.yaml``.

Every key of a catalog file maps to ``{bg: ..., en: ...}`` with the same named ``str.format``
placeholders in both languages (checked when the file is read, strictly: a repeated key is an
error, see :mod:`ruse_research._yaml`). ``locale/common.yaml`` holds the texts every study
shares; a study catalog may not redefine them. Localised strings live only in ``locale/``.

:func:`texts` returns a :class:`Catalog` bound to one language; calling it gives a
:class:`LocalText`, a ``str`` that remembers its language, so a display function handed a
caption from the catalog knows the report's language without any session state
(:func:`language`). Nothing in this module is global or changes after import.

A catalog text may also name a field of the active region profile
(:meth:`ruse_research.data.profile.Profile.placeholders`: ``{administration}``, ``{region}``,
``{region_centre}``, ``{project_title}``, ``{wave_1_year}``, ``{sampling_citizens}`` ...);
the catalog fills those itself, so texts name no region and callers pass only their results.

Examples
--------
>>> t = texts("common", "bg")
>>> t("label_n")
'n'
>>> t("n_of", n=t.int(12345)).lang
'bg'
>>> language(None, t("label_n"))
'bg'
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruse_research import _yaml, reads
from ruse_research._yaml import YamlError
from ruse_research.contract import ARTIFACT_NAME
from ruse_research.data import profile as region_profile
from ruse_research.display.errors import CatalogError, ReportError
from ruse_research.display.formats import (
    fmt_ci,
    fmt_date,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_quarter,
    fmt_stat,
    is_na,
)
from ruse_research.i18n import LANGUAGES, check_language

#: Folder of the catalog files.
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
#: Stem of the catalog every study shares.
COMMON = "common"
#: Catalog keys.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.\-]+")


class LocalText(str):
    """A text from a catalog that knows its language (``.lang``); otherwise a plain ``str``.

    Joining or formatting it gives a plain ``str`` again, so the language travels only with
    texts that came out of the catalog unchanged.

    Examples
    --------
    >>> text = LocalText("Основни изводи", "bg")
    >>> text == "Основни изводи", text.lang
    (True, 'bg')
    >>> type(text + "!") is str
    True
    """

    lang: str

    def __new__(cls, text: str, lang: str) -> LocalText:
        self = super().__new__(cls, text)
        self.lang = check_language(lang)
        return self

    def __getnewargs__(self) -> tuple[str, str]:  # pickle / copy
        return str(self), self.lang


def language(lang: Any = None, *texts: Any, where: str = "display") -> str:
    """The language of a display call: ``lang`` if given, else that of a catalog text.

    ``lang`` may be a language code or a :class:`Catalog`. Without it, the first
    :class:`LocalText` among ``texts`` (a caption, a note, a sentence) decides.

    Raises
    ------
    ParamsError
        ``lang`` is not a supported language code.
    ReportError
        No language is given and none of ``texts`` comes from a catalog.

    Examples
    --------
    >>> language("en")
    'en'
    >>> language(texts("common", "bg"))
    'bg'
    >>> language(None, "plain caption")
    Traceback (most recent call last):
    ...
    ruse_research.display.errors.ReportError: display: no language given; pass lang='bg' or 'en' (or the catalog), or a caption from the catalog
    """
    if isinstance(lang, Catalog):
        return lang.lang
    if lang is not None:
        return check_language(lang)
    for text in texts:
        if isinstance(text, LocalText):
            return text.lang
    raise ReportError(f"{where}: no language given; pass lang='bg' or 'en' (or the catalog), "
                      "or a caption from the catalog")


def _fields(template: str) -> set[str]:
    """Top-level placeholder names of a ``str.format`` template (``{n}``, ``{pct:.1f}``)."""
    names = set()
    for _, field_name, _, _ in string.Formatter().parse(template):
        if field_name is None:
            continue
        # "{x.attr}" / "{x[0]}" -> "x"; "{}" positional is rejected at load
        names.add(re.split(r"[.\[]", field_name, maxsplit=1)[0])
    return names


def _read_catalog_file(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        known = sorted(p.stem for p in LOCALE_DIR.glob("*.yaml"))
        raise CatalogError(f"no language catalog {path.name} in {LOCALE_DIR} (found: {known})")
    try:
        text: str | None = (path.read_text(encoding="utf-8")
                            if path.stat().st_size <= _yaml.MAX_BYTES else None)
    except (OSError, UnicodeDecodeError):
        text = None
    if text is None:  # too big, unreadable or not UTF-8: load_file says which, in its words
        try:
            raw = _yaml.load_file(path, dates=False, kind="catalog")
        except YamlError as err:
            raise CatalogError(str(err)) from None
        return _checked(path.name, raw)  # readable after all (changed meanwhile)
    reads.record(path, "catalog")  # as load_file records a read, even of an invalid file
    return {key: dict(value) for key, value in _checked_text(path.name, text).items()}


@functools.lru_cache(maxsize=32)
def _checked_text(name: str, text: str) -> dict[str, dict[str, str]]:
    """The checked entries of a catalog text. A report asks for its catalog dozens of times per
    run; keyed by the text itself, an edited catalog is checked again. Callers get copies."""
    try:
        raw = _yaml.load(text, source=name, dates=False)
    except YamlError as err:  # duplicate key, invalid YAML: one line naming the file
        raise CatalogError(str(err)) from None
    return _checked(name, raw)


def _checked(name: str, raw: Any) -> dict[str, dict[str, str]]:
    """``raw`` (a parsed catalog file called ``name``) checked: ``{key: {bg, en}}``."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise CatalogError(f"{name}: expected a mapping of key -> {{bg: ..., en: ...}}")
    entries: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise CatalogError(f"{name}: bad key {key!r}; use letters, digits, '_', '.', '-'")
        if not isinstance(value, dict):
            raise CatalogError(f"{name}: key {key!r} must map to {{bg: ..., en: ...}}")
        missing = [lang for lang in LANGUAGES if lang not in value]
        if missing:
            raise CatalogError(f"{name}: key {key!r} has no {' / '.join(missing)} text")
        extra = sorted(str(k) for k in value if k not in LANGUAGES)
        if extra:
            raise CatalogError(f"{name}: key {key!r} has unknown language(s) {extra}")
        for lang in LANGUAGES:
            if not isinstance(value[lang], str) or not value[lang].strip():
                raise CatalogError(
                    f"{name}: key {key!r} has an empty or non-text {lang} value"
                )
        fields = {}
        for lang in LANGUAGES:
            try:
                fields[lang] = _fields(value[lang])
            except ValueError as exc:
                raise CatalogError(
                    f"{name}: key {key!r} {lang}: bad placeholder ({exc})"
                ) from None
            if "" in fields[lang] or any(f.isdigit() for f in fields[lang]):
                raise CatalogError(
                    f"{name}: key {key!r} {lang}: use named placeholders like {{n}}, not {{}}"
                )
        if fields["bg"] != fields["en"]:
            raise CatalogError(
                f"{name}: key {key!r}: placeholders differ between bg {sorted(fields['bg'])} "
                f"and en {sorted(fields['en'])}"
            )
        entries[key] = {lang: value[lang] for lang in LANGUAGES}
    return entries


def load_catalog_entries(study: str) -> dict[str, dict[str, str]]:
    """All checked entries ``{key: {"bg": ..., "en": ...}}`` of ``study`` merged with common.

    A key defined in both the study catalog and ``common.yaml`` is an error, so a study
    cannot silently change a shared label.
    """
    common = _read_catalog_file(LOCALE_DIR / f"{COMMON}.yaml")
    if study == COMMON:
        return common
    if not isinstance(study, str) or not ARTIFACT_NAME.match(study):
        raise CatalogError(f"bad study name {study!r}; expected a locale file stem like 'staff'")
    own = _read_catalog_file(LOCALE_DIR / f"{study}.yaml")
    clash = sorted(set(own) & set(common))
    if clash:
        raise CatalogError(f"{study}.yaml redefines key(s) of common.yaml: {clash}")
    return {**common, **own}


@dataclass(frozen=True)
class Catalog:
    """Texts of one study in one language; call it with a key and the placeholder values.

    Number helpers bound to the catalog's language are methods: ``num``, ``int``,
    ``pct``, ``ci`` (labelled with ``ci_label`` of ``common.yaml``), ``p``, ``stat``,
    ``quarter`` and ``date``.

    Examples
    --------
    >>> t = texts("common", "en")
    >>> t("n_of", n=t.int(1234))
    'n = 1,234'
    >>> t.ci(0.5, 0.41, 0.6)
    '0.50 (95% CI 0.41–0.60)'
    >>> texts("common", "bg").quarter("2017Q1")
    '1. трим. 2017'
    """

    study: str
    lang: str
    entries: Mapping[str, Mapping[str, str]] = field(repr=False)
    #: Region-profile fields (``{region}`` ...) filled in when the caller does not pass them.
    profile: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __call__(self, key: str, /, **values: Any) -> str:
        template = self.template(key)
        needed = _fields(template)
        unused = sorted(set(values) - needed)
        if unused:
            raise CatalogError(f"catalog key {key!r} has no placeholder(s) {unused}")
        values = {**{f: self.profile[f] for f in needed - set(values) if f in self.profile}, **values}
        missing = sorted(needed - set(values))
        if missing:
            raise CatalogError(f"catalog key {key!r} needs value(s) {missing}")
        return LocalText(template.format(**values), self.lang)

    def template(self, key: str) -> str:
        """The unformatted text of ``key`` in this language."""
        try:
            return self.entries[key][self.lang]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(key, list(self.entries), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CatalogError(f"no key {key!r} in the {self.study} catalog{hint}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def keys(self) -> list[str]:
        """All keys, sorted."""
        return sorted(self.entries)

    def num(self, x: Any, digits: int = 2) -> str:
        return fmt_num(x, self.lang, digits)

    def int(self, x: Any) -> str:
        return fmt_int(x, self.lang)

    def count(self, x: Any) -> str:
        """A number of respondents for a sentence: ``int`` from ``disclosure.MIN_CELL`` on (and
        0); "fewer than 5" below; a missing count (hidden by differencing) "some"."""
        from ruse_research.stats.disclosure import MIN_CELL

        if is_na(x):
            return self("count_hidden")
        if 0 < float(x) < MIN_CELL:
            return self("count_small", k=fmt_int(MIN_CELL, self.lang))
        return fmt_int(x, self.lang)

    def pct(self, x: Any, digits: int = 0) -> str:
        return fmt_pct(x, self.lang, digits)

    def ci(self, est: Any, low: Any, high: Any, digits: int = 2, level: float = 0.95) -> str:
        return fmt_ci(est, low, high, self.lang, digits, label=self("ci_label", level=self.pct(level)))

    def p(self, p: Any, symbol: bool = True) -> str:
        return fmt_p(p, self.lang, symbol=symbol)

    def stat(self, x: Any, digits: int = 2) -> str:
        return fmt_stat(x, self.lang, digits)

    def quarter(self, quarter: Any) -> str:
        return fmt_quarter(quarter, self.lang)

    def date(self, day: Any) -> str:
        return fmt_date(day, self.lang)


def texts(study: str, lang: str) -> Catalog:
    """Load ``locale/<study>.yaml`` merged with ``locale/common.yaml`` for ``lang``.

    Every key must have a non-empty ``bg`` and ``en`` text with the same named
    ``str.format`` placeholders; otherwise :class:`CatalogError` names the key. Nothing
    else changes: the catalog carries its language, and so does every text it returns
    (:class:`LocalText`).

    Parameters
    ----------
    study : str
        Stem of the catalog file, e.g. ``"staff"``; ``"common"`` loads the shared texts only.
    lang : {"bg", "en"}

    Examples
    --------
    >>> t = texts("common", "bg")
    >>> t("label_dont_know")
    'Не мога да преценя'
    >>> t.profile["administration"] == region_profile.load().text("administration", "bg")
    True
    """
    check_language(lang)
    active = region_profile.load_if_any()
    return Catalog(study=study, lang=lang, entries=load_catalog_entries(study),
                   profile={} if active is None else active.placeholders(lang))
