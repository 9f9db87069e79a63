"""What notebooks display: language catalogs, number formats, tables, figures, banners.

Notebooks never write files; they *display* through this module and the runner turns the
display bundles into ``tables/<name>.csv|.xlsx`` and ``figures/<name>.png|.svg``
(contract: ``docs/ARCHITECTURE.md``, "What notebooks display, and what the runner extracts").

Public interface
----------------
Language
    ``texts(study, lang) -> Catalog`` reads ``locale/<study>.yaml`` + ``locale/common.yaml``
    (every key needs ``bg`` and ``en`` with the same ``{placeholders}``; checked at load).
    ``t = texts("staff", lang)``; ``t("key", n=t.int(n))``; ``t.num / t.int / t.pct / t.ci
    / t.p`` format numbers in the catalog's language. ``texts`` also sets the session
    language used by ``show_table`` and ``findings`` (``set_lang`` / ``get_lang``).
Numbers (``lang`` is ``"bg"`` or ``"en"``; NA -> ``"–"``; rounding half up)
    ``fmt_num(x, lang, digits=2)``, ``fmt_int(x, lang)``, ``fmt_pct(proportion, lang,
    digits=0)``, ``fmt_ci(est, low, high, lang, digits=2)``, ``fmt_p(p, lang)``.
Display (each returns ``None``, so nothing is echoed twice)
    ``md(text)`` (trusted markdown; ``#``-``###`` feed the table of contents),
    ``heading(text, level=2)``, ``findings(sentences, title=None)``,
    ``show_table(df, name, caption=None, lang=None, *, digits=2, percent_columns=(),
    pct_digits=1, count_columns=(), raw_columns=(), show_index=None, note=None)``,
    ``show_figure(fig_or_ax, name, caption=None)``, ``banner_synthetic(lang)``,
    ``data_banner(paths, lang)``, ``quote_list(quotes, lang, *, base_n, caption=None,
    names=None)``.
Safety helpers
    ``escape(text)`` (HTML), ``escape_md(text)`` (markdown), ``check_counts(df, ...)``
    (the small-count guard of ``show_table``), ``check_name(name)``,
    ``is_synthetic_data(path)``.
Bundles without displaying (tests, the runner)
    ``table_bundle``, ``figure_bundle``, ``banner_bundle``, ``quote_bundle`` return
    ``(data, metadata)``; ``figure_bytes(fig) -> (png, svg)``; ``table_from_bundle(json)``
    rebuilds the DataFrame.

Privacy: ``show_table`` refuses a count column (``n``, ``n_*`` or ``count_columns``)
holding 1-4 (suppress first with ``ruse_research.stats.disclosure``); ``quote_list`` needs
``base_n >= 10`` and re-scrubs every quote; all respondent text is HTML-escaped and kept
away from MathJax.

Examples
--------
>>> from ruse_research.display import report
>>> t = report.texts("common", "bg")
>>> t("label_n")
'n'
>>> report.fmt_ci(0.4213, 0.3, 0.552, "bg")
'0,42 [0,30; 0,55]'
>>> report.fmt_p(0.0004, "en")
'p < .001'
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import numbers
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ruse_research.errors import RuseError

LANGS = ("bg", "en")
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
COMMON = "common"

#: Names of tables and figures (they become file names in outputs/<run>/).
NAME_PATTERN = re.compile(r"[a-z0-9_]+")
#: Catalog keys.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.\-]+")

#: Smallest number of respondents a published count may describe (0 is allowed).
MIN_CELL = 5
#: Smallest number of respondents a group must have before its comments are quoted.
MIN_QUOTE_BASE = 10

#: Fixed figure resolution and SVG id salt: the same figure gives the same bytes.
FIGURE_DPI = 150
SVG_HASHSALT = "ruse_research"

#: Shown for missing or suppressed values in tables.
NA_TEXT = "–"

NBSP = "\u00a0"

#: MIME type of the machine-readable table in a table bundle.
TABLE_MIME = "application/vnd.ruse.table+json"

# Class names that stop MathJax (JupyterLab, nbconvert) from typesetting ``$...$`` in
# respondent text shown inside our HTML.
_NO_MATH = "tex2jax_ignore mathjax_ignore"


# ============================================================================ errors
class ReportError(RuseError):
    """Bad input to a ``report`` function (name, language, table, figure)."""


class CatalogError(ReportError):
    """A language catalog is missing, malformed, incomplete, or asked for an unknown key."""


class SmallCountError(ReportError):
    """A table would publish a count of fewer than 5 respondents (or quotes from < 10).

    Raised only when :mod:`ruse_research.stats.disclosure` (which defines ``DisclosureError``)
    is not importable; otherwise that module's error is raised.
    """


def _disclosure_error(message: str) -> Exception:
    try:
        from ruse_research.stats.disclosure import DisclosureError
    except ImportError:  # the disclosure module is optional for this guard
        return SmallCountError(message)
    return DisclosureError(message)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ReportError(f"unknown language {lang!r}; expected 'bg' or 'en'")
    return lang


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid table/figure name (``[a-z0-9_]+``), else raise.

    Examples
    --------
    >>> check_name("staff_alpha")
    'staff_alpha'
    """
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ReportError(
            f"bad table/figure name {name!r}: use lower-case letters, digits and '_' only"
        )
    return name


# ======================================================================= catalogs
_session_lang: str | None = None


def set_lang(lang: str) -> None:
    """Make ``lang`` the default language of ``show_table`` in this kernel.

    :func:`texts` calls it, so a notebook that loads its catalog first needs nothing more.
    """
    global _session_lang
    _session_lang = _check_lang(lang)


def get_lang() -> str:
    """The session default language (``"en"`` until :func:`set_lang` or :func:`texts`)."""
    return _session_lang or "en"


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
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise CatalogError(
            f"{path.name}{where}: not valid YAML ({exc.__class__.__name__})"
        ) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise CatalogError(f"{path.name}: expected a mapping of key -> {{bg: ..., en: ...}}")
    entries: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise CatalogError(f"{path.name}: bad key {key!r}; use letters, digits, '_', '.', '-'")
        if not isinstance(value, dict):
            raise CatalogError(f"{path.name}: key {key!r} must map to {{bg: ..., en: ...}}")
        missing = [lang for lang in LANGS if lang not in value]
        if missing:
            raise CatalogError(f"{path.name}: key {key!r} has no {' / '.join(missing)} text")
        extra = sorted(str(k) for k in value if k not in LANGS)
        if extra:
            raise CatalogError(f"{path.name}: key {key!r} has unknown language(s) {extra}")
        for lang in LANGS:
            if not isinstance(value[lang], str) or not value[lang].strip():
                raise CatalogError(
                    f"{path.name}: key {key!r} has an empty or non-text {lang} value"
                )
        fields = {}
        for lang in LANGS:
            try:
                fields[lang] = _fields(value[lang])
            except ValueError as exc:
                raise CatalogError(
                    f"{path.name}: key {key!r} {lang}: bad placeholder ({exc})"
                ) from None
            if "" in fields[lang] or any(f.isdigit() for f in fields[lang]):
                raise CatalogError(
                    f"{path.name}: key {key!r} {lang}: use named placeholders like {{n}}, not {{}}"
                )
        if fields["bg"] != fields["en"]:
            raise CatalogError(
                f"{path.name}: key {key!r}: placeholders differ between bg {sorted(fields['bg'])} "
                f"and en {sorted(fields['en'])}"
            )
        entries[key] = {lang: value[lang] for lang in LANGS}
    return entries


def load_catalog_entries(study: str) -> dict[str, dict[str, str]]:
    """All checked entries ``{key: {"bg": ..., "en": ...}}`` of ``study`` merged with common.

    A key defined in both the study catalog and ``common.yaml`` is an error, so a study
    cannot silently change a shared label.
    """
    common = _read_catalog_file(LOCALE_DIR / f"{COMMON}.yaml")
    if study == COMMON:
        return common
    if not isinstance(study, str) or not NAME_PATTERN.fullmatch(study):
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
    ``pct``, ``ci``, ``p``.

    Examples
    --------
    >>> t = texts("common", "en")
    >>> t("n_of", n=t.int(1234))
    'n = 1,234'
    >>> t.ci(0.5, 0.41, 0.6)
    '0.50 [0.41, 0.60]'
    """

    study: str
    lang: str
    entries: Mapping[str, Mapping[str, str]] = field(repr=False)

    def __call__(self, key: str, /, **values: Any) -> str:
        template = self.template(key)
        needed = _fields(template)
        missing = sorted(needed - set(values))
        if missing:
            raise CatalogError(f"catalog key {key!r} needs value(s) {missing}")
        unused = sorted(set(values) - needed)
        if unused:
            raise CatalogError(f"catalog key {key!r} has no placeholder(s) {unused}")
        return template.format(**values)

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

    def pct(self, x: Any, digits: int = 0) -> str:
        return fmt_pct(x, self.lang, digits)

    def ci(self, est: Any, low: Any, high: Any, digits: int = 2) -> str:
        return fmt_ci(est, low, high, self.lang, digits)

    def p(self, p: Any) -> str:
        return fmt_p(p, self.lang)


def texts(study: str, lang: str) -> Catalog:
    """Load ``locale/<study>.yaml`` merged with ``locale/common.yaml`` for ``lang``.

    Every key must have a non-empty ``bg`` and ``en`` text with the same named
    ``str.format`` placeholders; otherwise :class:`CatalogError` names the key. Also
    makes ``lang`` the session default (:func:`set_lang`).

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
    """
    _check_lang(lang)
    entries = load_catalog_entries(study)
    set_lang(lang)
    return Catalog(study=study, lang=lang, entries=entries)


# ======================================================================== numbers
def _is_na(x: Any) -> bool:
    """True for None, NaN, ``<NA>``, NaT (pandas or numpy) scalars; False for anything else."""
    if x is None:
        return True
    if isinstance(x, (str, bytes, list, tuple, dict)):
        return False
    try:
        result = pd.isna(x)
    except (TypeError, ValueError):
        return False
    return bool(result) if isinstance(result, (bool, np.bool_)) else False


def _group(int_digits: str, lang: str) -> str:
    """Insert thousands separators (CLDR: en ',' always; bg NBSP from 5 digits on).

    CLDR gives Bulgarian minimumGroupingDigits = 2, so 2019 and 1234 stay ungrouped and
    12 345 is grouped (as in ICU / fisharebest/localization LocaleBg).
    """
    if lang == "bg" and len(int_digits) <= 4:
        return int_digits
    sep = "," if lang == "en" else NBSP
    head = len(int_digits) % 3 or 3
    parts = [int_digits[:head]] + [int_digits[i : i + 3] for i in range(head, len(int_digits), 3)]
    return sep.join(parts)


def fmt_num(x: Any, lang: str, digits: int = 2) -> str:
    """Format a number for ``lang``: en ``1,234.57``; bg ``1234,57`` / ``12 345,68`` (NBSP).

    Missing values (None, NaN, ``<NA>``) give ``"–"``. Negative zero prints as zero.

    Examples
    --------
    >>> fmt_num(1234.567, "en")
    '1,234.57'
    >>> fmt_num(1234.567, "bg")
    '1234,57'
    >>> fmt_num(-0.001, "en", 1)
    '0.0'
    """
    _check_lang(lang)
    if _is_na(x):
        return NA_TEXT
    if not isinstance(digits, int) or digits < 0:
        raise ReportError(f"digits must be a non-negative integer, got {digits!r}")
    value = _decimal(x)
    if not value.is_finite():
        return "∞" if value > 0 else "-∞"
    # half away from zero on the shortest decimal repr: 0.425 -> 0.43, as Excel and SPSS
    # show it (binary 0.425 is 0.42499..., which plain float formatting rounds down)
    with localcontext() as context:
        context.prec = max(60, value.adjusted() + digits + 5)
        rounded = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):.{digits}f}"
    negative = rounded < 0 and rounded != 0
    int_part, _, frac = text.partition(".")
    out = _group(int_part, lang)
    if frac:
        out += ("," if lang == "bg" else ".") + frac
    return ("-" if negative else "") + out


def _decimal(x: Any) -> Decimal:
    """Exact decimal of what a person reads: ints as they are, floats by their shortest repr."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, (bool, np.bool_)):
        raise ReportError(f"cannot format {x!r} as a number")
    if isinstance(x, numbers.Integral):
        return Decimal(int(x))
    try:
        return Decimal(repr(float(x)))
    except (TypeError, ValueError):
        raise ReportError(f"cannot format {x!r} as a number") from None


def fmt_int(x: Any, lang: str) -> str:
    """Format a count: ``fmt_num(x, lang, 0)``.

    Examples
    --------
    >>> fmt_int(12345, "bg") == "12\\u00a0345"
    True
    """
    return fmt_num(x, lang, 0)


def fmt_pct(x: Any, lang: str, digits: int = 0) -> str:
    """Format a *proportion* (0.42) as a percentage: en ``42%``, bg ``42%`` / ``42,5%``.

    Examples
    --------
    >>> fmt_pct(0.425, "bg", 1)
    '42,5%'
    >>> fmt_pct(0.5, "en")
    '50%'
    """
    if _is_na(x):
        _check_lang(lang)
        return NA_TEXT
    return fmt_num(_decimal(x) * 100, lang, digits) + "%"


def fmt_ci(est: Any, low: Any, high: Any, lang: str, digits: int = 2) -> str:
    """Estimate with its interval: en ``0.42 [0.30, 0.55]``; bg ``0,42 [0,30; 0,55]``.

    Examples
    --------
    >>> fmt_ci(0.42, 0.30, 0.55, "en")
    '0.42 [0.30, 0.55]'
    >>> fmt_ci(0.42, 0.30, 0.55, "bg")
    '0,42 [0,30; 0,55]'
    """
    sep = "; " if _check_lang(lang) == "bg" else ", "
    return (
        f"{fmt_num(est, lang, digits)} [{fmt_num(low, lang, digits)}{sep}"
        f"{fmt_num(high, lang, digits)}]"
    )


def fmt_p(p: Any, lang: str, digits: int = 3) -> str:
    """APA-style p value: en ``p = .042`` / ``p < .001``; bg ``p = 0,042`` / ``p < 0,001``.

    English drops the leading zero (APA 7); Bulgarian keeps it and uses a decimal comma.

    Examples
    --------
    >>> fmt_p(0.0421, "en"), fmt_p(0.0421, "bg")
    ('p = .042', 'p = 0,042')
    >>> fmt_p(0.00001, "bg")
    'p < 0,001'
    >>> fmt_p(0.99996, "en")
    'p > .999'
    """
    _check_lang(lang)
    if _is_na(p):
        return f"p = {NA_TEXT}"
    value = float(p)
    if not 0.0 <= value <= 1.0:
        raise ReportError(f"a p value must lie in [0, 1], got {p!r}")
    floor = Decimal(1).scaleb(-digits)
    rounded = _decimal(value).quantize(floor, rounding=ROUND_HALF_UP)
    if value < floor:
        op, shown = "<", floor
    elif rounded >= 1:
        op, shown = ">", 1 - floor
    else:
        op, shown = "=", rounded
    text = fmt_num(shown, lang, digits)
    if lang == "en":
        text = text.removeprefix("0")
    return f"p {op} {text}"


# ===================================================================== display core
def _publish(data: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> None:
    from IPython.display import display

    display(dict(data), raw=True, metadata=dict(metadata or {}))


def escape(text: Any) -> str:
    """HTML-escape ``text`` and neutralise ``$`` so no math or markup is interpreted.

    Examples
    --------
    >>> escape('<img src=x onerror="alert(1)"> costs $5')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; costs &#36;5'
    """
    return html.escape(str(text), quote=True).replace("$", "&#36;")


def escape_md(text: Any) -> str:
    r"""Escape ``text`` for literal use inside markdown (no links, emphasis, HTML or math).

    Examples
    --------
    >>> escape_md("*bold* <b>x</b> $x$")
    '\\*bold\\* &lt;b&gt;x&lt;/b&gt; \\$x\\$'
    """
    out = html.escape(str(text), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|$~>])", r"\\\1", out)


def md(text: str) -> None:
    """Display trusted ``text`` (from the catalog) as markdown.

    Headings ``#``, ``##``, ``###`` feed the HTML report's table of contents. Never pass
    respondent text here; use :func:`quote_list` or :func:`escape_md`.
    """
    if not isinstance(text, str):
        raise ReportError(f"md() needs text, got {type(text).__name__}")
    _publish({"text/markdown": text, "text/plain": text})


def heading(text: str, level: int = 2) -> None:
    """Display a markdown heading (levels 1-3 appear in the report's table of contents).

    Examples
    --------
    >>> heading("Results", 2)  # doctest: +SKIP
    """
    if level not in range(1, 7):
        raise ReportError(f"heading level must be 1..6, got {level!r}")
    one_line = " ".join(str(text).split())
    if not one_line:
        raise ReportError("a heading needs text")
    md("#" * level + " " + one_line)


def findings(sentences: Sequence[str], title: str | None = None) -> None:
    """Display key findings as a markdown bullet list under a bold title.

    Sentences are trusted text (from the catalog, with numbers from results). ``title``
    defaults to the catalog's ``findings_title`` ("Key findings" / "Основни изводи") in
    the session language; pass ``""`` for no title.

    Examples
    --------
    >>> findings(["Staff agree more than citizens."], title="Key findings")  # doctest: +SKIP
    """
    if isinstance(sentences, str) or not sentences:
        raise ReportError("findings() needs a non-empty list of sentences")
    if title is None:
        title = Catalog(COMMON, get_lang(), load_catalog_entries(COMMON))("findings_title")
    lines = [f"**{title}**", ""] if title else []
    lines += ["- " + " ".join(str(s).split()) for s in sentences]
    md("\n".join(lines))


# ========================================================================= tables
def _json_value(v: Any) -> Any:
    """Python value that ``json.dumps(allow_nan=False)`` accepts; NA / NaN / inf -> None."""
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    if _is_na(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).isoformat()
    if isinstance(v, str):
        return v
    return str(v)


def _as_count(v: Any) -> Any:
    """Whole-number float counts (a column with NA becomes float) back to int for JSON."""
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    return v


def _label_text(label: Any) -> str:
    if isinstance(label, tuple):
        return " / ".join(str(x) for x in label if not _is_na(x) and str(x) != "")
    return "" if _is_na(label) else str(label)


def _count_columns(df: pd.DataFrame, extra: Iterable[Any]) -> list[Any]:
    extra = list(extra)
    unknown = [c for c in extra if c not in df.columns]
    if unknown:
        raise ReportError(f"count_columns not in the table: {unknown}")
    cols = []
    for col in df.columns:
        parts = col if isinstance(col, tuple) else (col,)
        named = any(isinstance(p, str) and (p == "n" or p.startswith("n_")) for p in parts)
        if named or col in extra:
            cols.append(col)
    return cols


def check_counts(df: pd.DataFrame, count_columns: Iterable[Any] = (), name: str = "table") -> None:
    """Raise if a count column holds a value in (0, 5): it would describe < 5 respondents.

    Count columns are those named ``n`` or starting with ``n_`` plus ``count_columns``.
    Suppressed cells must be NA (or a text such as ``"<5"``); zero is allowed.

    Examples
    --------
    >>> import pandas as pd
    >>> check_counts(pd.DataFrame({"n": [12, 0, None]}))
    >>> try:
    ...     check_counts(pd.DataFrame({"n": [12, 3]}))
    ... except RuseError as err:
    ...     print(err)
    table: column 'n' row 1 holds 3, fewer than 5 respondents; suppress it (NA) first, e.g. with ruse_research.stats.disclosure
    """
    for col in _count_columns(df, count_columns):
        values = pd.to_numeric(df[col].astype("object"), errors="coerce")
        bad = values[(values > 0) & (values < MIN_CELL)]
        if len(bad):
            pos = int(np.flatnonzero(((values > 0) & (values < MIN_CELL)).to_numpy())[0])
            shown = bad.iloc[0]
            shown = int(shown) if float(shown).is_integer() else float(shown)
            raise _disclosure_error(
                f"{name}: column {_label_text(col)!r} row {pos} holds {shown}, fewer than "
                f"{MIN_CELL} respondents; suppress it (NA) first, e.g. with ruse_research.stats.disclosure"
            )


def _cell_text(
    v: Any,
    lang: str,
    digits: int,
    percent: bool,
    count: bool,
    raw: bool = False,
    pct_digits: int = 1,
) -> tuple[str, bool]:
    """(display text, is_number) of one cell."""
    if _is_na(v):
        return NA_TEXT, False
    if raw:
        return str(_as_count(v)), isinstance(v, numbers.Number)
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)), False
    if isinstance(v, numbers.Number):
        if percent:
            return fmt_pct(v, lang, pct_digits), True
        if count or isinstance(v, numbers.Integral):
            return fmt_int(v, lang), True
        return fmt_num(v, lang, digits), True
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat(), False
    return str(v), False


def _digits_for(col: Any, digits: int | Mapping[Any, int]) -> int:
    if isinstance(digits, Mapping):
        return digits.get(col, 2)
    return digits


def table_bundle(
    df: pd.DataFrame,
    name: str,
    caption: str | None = None,
    lang: str | None = None,
    *,
    digits: int | Mapping[Any, int] = 2,
    percent_columns: Sequence[Any] = (),
    pct_digits: int = 1,
    count_columns: Sequence[Any] = (),
    raw_columns: Sequence[Any] = (),
    show_index: bool | None = None,
    note: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build the ``(data, metadata)`` display bundle of :func:`show_table` without showing it."""
    check_name(name)
    if not isinstance(df, pd.DataFrame):
        if isinstance(df, pd.Series):
            df = df.to_frame()
        else:
            raise ReportError(f"show_table needs a pandas DataFrame, got {type(df).__name__}")
    lang = _check_lang(lang or get_lang())
    if df.columns.has_duplicates:
        raise ReportError(
            f"{name}: duplicate column names {list(df.columns[df.columns.duplicated()])}"
        )
    for what, wanted in (("percent_columns", percent_columns), ("raw_columns", raw_columns)):
        absent = [c for c in wanted if c not in df.columns]
        if absent:
            raise ReportError(f"{name}: {what} not in the table: {absent}")
    check_counts(df, count_columns, name)
    counts = set(_count_columns(df, count_columns))
    if show_index is None:
        show_index = not isinstance(df.index, pd.RangeIndex) or df.index.name is not None

    # ---- formatted cells (shared by html and plain)
    cells: list[list[tuple[str, bool]]] = []
    for row in df.itertuples(index=False, name=None):
        cells.append(
            [
                _cell_text(
                    v,
                    lang,
                    _digits_for(c, digits),
                    c in percent_columns,
                    c in counts,
                    c in raw_columns,
                    pct_digits,
                )
                for c, v in zip(df.columns, row, strict=True)
            ]
        )
    index_levels = df.index.nlevels
    index_rows = [i if isinstance(i, tuple) else (i,) for i in df.index]
    index_names = [_label_text(n) for n in df.index.names]
    headers = [_label_text(c) for c in df.columns]

    # ---- text/html
    out = [f'<table class="ruse-table {_NO_MATH}" data-ruse-name="{escape(name)}">']
    if caption:
        out.append(f"<caption>{escape(caption)}</caption>")
    out.append("<thead><tr>")
    if show_index:
        out += [f'<th scope="col">{escape(n)}</th>' for n in index_names]
    out += [f'<th scope="col">{escape(h)}</th>' for h in headers]
    out.append("</tr></thead><tbody>")
    for idx, row in zip(index_rows, cells, strict=True):
        out.append("<tr>")
        if show_index:
            out += [
                f'<th scope="row">{escape(_cell_text(i, lang, 2, False, False)[0])}</th>'
                for i in idx
            ]
        for text, is_number in row:
            # class for the report's CSS, inline style for JupyterLab / plain nbconvert
            attrs = ' class="num" style="text-align: right"' if is_number else ' class="text"'
            out.append(f"<td{attrs}>{escape(text)}</td>")
        out.append("</tr>")
    out.append("</tbody>")
    if note:
        span = len(headers) + (index_levels if show_index else 0)
        out.append(f'<tfoot><tr><td colspan="{span}">{escape(note)}</td></tr></tfoot>')
    out.append("</table>")

    # ---- text/plain
    plain_frame = pd.DataFrame(
        [[t for t, _ in row] for row in cells],
        columns=headers,
        index=pd.MultiIndex.from_tuples(
            [tuple(_cell_text(i, lang, 2, False, False)[0] for i in idx) for idx in index_rows]
        )
        if index_levels > 1
        else [_cell_text(i[0], lang, 2, False, False)[0] for i in index_rows],
        dtype="object",
    )
    plain = plain_frame.to_string(index=show_index)
    if caption:
        plain = f"{caption}\n{plain}"
    if note:
        plain = f"{plain}\n{note}"

    # ---- application/vnd.ruse.table+json (pandas split orient, JSON-safe)
    table_json = {
        "name": name,
        "caption": caption,
        "columns": [_json_value(c) for c in df.columns],
        "index": [_json_value(i) for i in df.index],
        "data": [
            [
                _json_value(_as_count(v) if c in counts else v)
                for c, v in zip(df.columns, row, strict=True)
            ]
            for row in df.itertuples(index=False, name=None)
        ],
        "index_names": [_json_value(n) for n in df.index.names],
    }
    json.dumps(table_json, allow_nan=False)  # fail here, not in the runner
    data = {"text/html": "".join(out), "text/plain": plain, TABLE_MIME: table_json}
    return data, {"ruse": {"kind": "table", "name": name}}


def show_table(
    df: pd.DataFrame,
    name: str,
    caption: str | None = None,
    lang: str | None = None,
    *,
    digits: int | Mapping[Any, int] = 2,
    percent_columns: Sequence[Any] = (),
    pct_digits: int = 1,
    count_columns: Sequence[Any] = (),
    raw_columns: Sequence[Any] = (),
    show_index: bool | None = None,
    note: str | None = None,
) -> None:
    """Display ``df`` as a named table the runner saves as ``tables/<name>.csv|.xlsx``.

    The bundle holds ``text/html`` (caption, numbers formatted for ``lang``, every cell,
    header and caption HTML-escaped), ``text/plain`` and ``application/vnd.ruse.table+json``
    (``name``, ``caption``, ``columns``, ``index``, ``data`` in pandas ``split`` orient, NaN
    -> null; plus ``index_names``), with metadata ``{"ruse": {"kind": "table", "name": name}}``.

    Privacy guard: count columns (named ``n``, starting with ``n_``, or listed in
    ``count_columns``) may not hold a value between 0 and 5 exclusive; suppressed cells
    must already be NA. Otherwise ``DisclosureError`` (or :class:`SmallCountError`).

    Parameters
    ----------
    df : DataFrame
        The table as it should be published (already translated headers and labels).
    name : str
        ``[a-z0-9_]+``, unique within the notebook.
    caption : str, optional
        Shown above the table.
    lang : {"bg", "en"}, optional
        Number format; defaults to the session language (see :func:`set_lang`).
    digits : int or mapping column -> int, default 2
        Decimals of non-integer numbers.
    percent_columns : sequence
        Columns holding proportions (0.425) shown as percentages (42.5%).
    pct_digits : int, default 1
        Decimals of the percentages.
    count_columns : sequence
        Extra count columns for the privacy guard; they are shown as integers.
    raw_columns : sequence
        Columns shown as they are, without number formatting (years, codes, ids).
    show_index : bool, optional
        Default: shown unless the index is an unnamed RangeIndex. JSON always has it.
    note : str, optional
        A footnote under the table.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"group": ["a", "b"], "n": [12, 30], "mean": [3.25, 4.0]})
    >>> data, meta = table_bundle(df, "demo", "Demo", "bg")
    >>> data["application/vnd.ruse.table+json"]["data"]
    [['a', 12, 3.25], ['b', 30, 4.0]]
    >>> "3,25" in data["text/html"]
    True
    """
    _publish(
        *table_bundle(
            df,
            name,
            caption,
            lang,
            digits=digits,
            percent_columns=percent_columns,
            pct_digits=pct_digits,
            count_columns=count_columns,
            raw_columns=raw_columns,
            show_index=show_index,
            note=note,
        )
    )


def table_from_bundle(table_json: Mapping[str, Any]) -> pd.DataFrame:
    """Rebuild a DataFrame from the ``application/vnd.ruse.table+json`` part of a bundle.

    Examples
    --------
    >>> import pandas as pd
    >>> data, _ = table_bundle(pd.DataFrame({"n": [5, 6]}), "t")
    >>> table_from_bundle(data[TABLE_MIME])
       n
    0  5
    1  6
    """

    def labels(values: list[Any]) -> pd.Index:
        if values and all(isinstance(v, list) for v in values):
            return pd.MultiIndex.from_tuples([tuple(v) for v in values])
        return pd.Index(values)

    frame = pd.DataFrame(
        table_json["data"], index=labels(table_json["index"]), columns=labels(table_json["columns"])
    )
    names = table_json.get("index_names")
    if names and len(names) == frame.index.nlevels:
        frame.index.names = names
    return frame


# ======================================================================== figures
def _figure_of(fig: Any):
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(fig, Axes):
        fig = fig.get_figure(root=True)
    elif not isinstance(fig, Figure):  # seaborn FacetGrid / JointGrid / PairGrid
        fig = getattr(fig, "figure", None)
    if isinstance(fig, Figure):
        return fig
    raise ReportError("show_figure needs a matplotlib Figure, Axes or seaborn grid")


def figure_bytes(fig: Any) -> tuple[bytes, bytes]:
    """Render ``fig`` to ``(png, svg)`` bytes, identical on every run with the same inputs.

    Fixed dpi, fixed SVG id salt, no date in the SVG and no ``Software`` text chunk in
    the PNG. Does not close the figure.
    """
    import matplotlib

    figure = _figure_of(fig)
    png, svg = io.BytesIO(), io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}):
        figure.savefig(
            png,
            format="png",
            dpi=FIGURE_DPI,
            metadata={"Software": None},
            bbox_inches="tight",
            pad_inches=0.1,
            facecolor="white",
        )
        figure.savefig(
            svg,
            format="svg",
            dpi=FIGURE_DPI,
            metadata={"Date": None},
            bbox_inches="tight",
            pad_inches=0.1,
            facecolor="white",
        )
    return png.getvalue(), svg.getvalue()


def figure_bundle(
    fig: Any, name: str, caption: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build the ``(data, metadata)`` display bundle of :func:`show_figure`; closes nothing."""
    check_name(name)
    png, svg = figure_bytes(fig)
    data = {
        "image/png": base64.b64encode(png).decode("ascii"),
        "image/svg+xml": svg.decode("utf-8"),
        # a stable text instead of "<Figure size 640x480 with 1 Axes>" (nbval compares it)
        "text/plain": caption or f"[figure {name}]",
    }
    return data, {"ruse": {"kind": "figure", "name": name}}


def show_figure(fig: Any, name: str, caption: str | None = None) -> None:
    """Display a figure the runner saves as ``figures/<name>.png|.svg``, then close it.

    ``fig`` may be a Figure, an Axes, or a seaborn grid. The caption is shown under
    the image (escaped HTML) and is the bundle's ``text/plain``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> data, meta = figure_bundle(fig, "line")
    >>> sorted(data), meta
    (['image/png', 'image/svg+xml', 'text/plain'], {'ruse': {'kind': 'figure', 'name': 'line'}})
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    try:
        _publish(*figure_bundle(fig, name, caption))
    finally:
        plt.close(_figure_of(fig))
    if caption:
        _publish(
            {
                "text/html": f'<p class="ruse-caption {_NO_MATH}"><em>{escape(caption)}</em></p>',
                "text/plain": caption,
            },
            {"ruse": {"kind": "caption", "name": name}},
        )


# ======================================================================== banners
def is_synthetic_data(path: str | Path) -> bool:
    """True when a ``truth.json`` with ``"synthetic": true`` sits beside ``path``.

    Uses :func:`ruse_research.synthetic.is_synthetic` when available.
    """
    try:
        from ruse_research.synthetic import is_synthetic
    except ImportError:
        is_synthetic = None
    if is_synthetic is not None:
        return bool(is_synthetic(path))
    from ruse_research import paths as _paths

    truth = _paths.resolve(path).parent / "truth.json"
    if not truth.is_file():
        return False
    try:
        return json.loads(truth.read_text(encoding="utf-8")).get("synthetic") is True
    except (ValueError, AttributeError):
        return False


def banner_bundle(lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, metadata)`` of the synthetic-data banner in ``lang``."""
    t = Catalog(COMMON, _check_lang(lang), load_catalog_entries(COMMON))
    title, body = t("banner_synthetic_title"), t("banner_synthetic_text")
    style = (
        "border: 3px solid #B35806; background: #FFF3E0; color: #3B1F00; padding: 0.8em 1em; "
        "margin: 0.5em 0 1em 0; border-radius: 4px; font-size: 1.05em"
    )
    # h4: prominent but outside the h1-h3 table of contents; classes for the report CSS,
    # inline style for JupyterLab and plain nbconvert
    html_text = (
        # "synthetic-tag" is the report CSS's own class for synthetic data (orange box)
        f'<div class="ruse-banner ruse-banner-synthetic synthetic-tag {_NO_MATH}" role="note" '
        f'style="{style}">'
        f'<h4 style="margin: 0 0 0.3em 0">⚠ {escape(title)}</h4><p style="margin: 0">{escape(body)}</p></div>'
    )
    return (
        {"text/html": html_text, "text/plain": f"*** {title} ***\n{body}"},
        {"ruse": {"kind": "banner", "name": "synthetic"}},
    )


def banner_synthetic(lang: str) -> None:
    """Display the prominent banner saying the data are synthetic demonstration data."""
    _publish(*banner_bundle(lang))


def data_banner(paths: str | Path | Iterable[str | Path], lang: str) -> None:
    """Show the synthetic-data banner if any of ``paths`` is synthetic demonstration data.

    Call it right after the parameters cell with every ``*_path`` parameter.
    """
    _check_lang(lang)
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if any(is_synthetic_data(p) for p in items):
        banner_synthetic(lang)


# ========================================================================= quotes
def quote_list(
    quotes: Iterable[str],
    lang: str,
    *,
    base_n: int,
    caption: str | None = None,
    names: Iterable[str] | None = None,
) -> None:
    """Display respondent quotes as literal text: scrubbed, escaped, never HTML/markdown.

    Every quote goes through :func:`ruse_research.stats.text.scrub` again (it is idempotent),
    so e-mails, phones, EGNs, IBANs and the given ``names`` never reach the report even
    if the caller forgot; then it is HTML-escaped and shown in a block quote.

    Parameters
    ----------
    quotes : iterable of str
        Comments, ideally already scrubbed with ``ruse_research.stats.text.scrub``.
    lang : {"bg", "en"}
    base_n : int
        Number of respondents in the group the quotes come from; at least 10
        (``disclosure.MIN_QUOTE``), else ``DisclosureError``.
    caption : str, optional
        Shown above the list.
    names : iterable of str, optional
        Personal names to remove (passed to ``text.scrub``).

    Examples
    --------
    >>> data, meta = quote_bundle(["Call me on 0888 123 456 <b>now</b>"], "en", base_n=40)
    >>> data["text/plain"]
    '> Call me on [PHONE] <b>now</b>'
    >>> "&lt;b&gt;now&lt;/b&gt;" in data["text/html"]
    True
    """
    _publish(*quote_bundle(quotes, lang, base_n=base_n, caption=caption, names=names))


def quote_bundle(
    quotes: Iterable[str],
    lang: str,
    *,
    base_n: int,
    caption: str | None = None,
    names: Iterable[str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, metadata)`` of :func:`quote_list`."""
    from ruse_research.stats.text import scrub

    _check_lang(lang)
    if isinstance(quotes, str):
        raise ReportError("quote_list needs a list of quotes, not one string")
    if (
        isinstance(base_n, bool)
        or not isinstance(base_n, numbers.Integral)
        or base_n < MIN_QUOTE_BASE
    ):
        raise _disclosure_error(
            f"quotes come from a group of {base_n} respondents; at least {MIN_QUOTE_BASE} "
            "are needed before comments are quoted"
        )
    names = list(names) if names is not None else None
    items = [
        " ".join(scrub(q, names=names).split()) for q in quotes if not _is_na(q) and str(q).strip()
    ]
    t = Catalog(COMMON, lang, load_catalog_entries(COMMON))
    parts = [f'<div class="ruse-quotes {_NO_MATH}">']
    plain = []
    if caption:
        parts.append(f"<p><strong>{escape(caption)}</strong></p>")
        plain.append(caption)
    if items:
        parts += [
            '<blockquote class="ruse-quote" style="margin: 0.4em 0 0.4em 1em; '
            f'padding-left: 0.8em; border-left: 3px solid #999">{escape(q)}</blockquote>'
            for q in items
        ]
        plain += [f"> {q}" for q in items]
    else:
        parts.append(f"<p>{escape(t('quotes_none'))}</p>")
        plain.append(t("quotes_none"))
    parts.append("</div>")
    return (
        {"text/html": "".join(parts), "text/plain": "\n".join(plain)},
        {"ruse": {"kind": "quotes"}},
    )
