"""Number formats per language: numbers, counts, percentages, intervals, p values, quarters, dates.

English uses ``1,234.57``; Bulgarian uses a decimal comma and, from five digits on, a
no-break space between thousands (CLDR). Rounding is half away from zero on the number as
it is written (``0.425`` -> ``0.43``), as Excel and SPSS show it. Missing values print as
:data:`NA_TEXT`. Every function takes the language explicitly; the catalog's
``t.num / t.int / t.pct / t.ci / t.p`` bind it (:mod:`ruse_research.display.catalog`).

Examples
--------
>>> fmt_ci(0.4213, 0.3, 0.552, "bg", label="95% ДИ")
'0,42 (95% ДИ 0,30–0,55)'
>>> fmt_p(0.0004, "en")
'p < 0.001'
>>> fmt_quarter("2017Q1", "bg"), fmt_quarter("2017Q1", "en")
('1. трим. 2017', 'Q1 2017')
>>> fmt_date("2017-03-31", "bg") == "31.03.2017\u00a0г."
True

>>> fmt_num(None, "en")
'–'
"""

from __future__ import annotations

import numbers
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import numpy as np
import pandas as pd

from ruse_research.display.errors import ReportError
from ruse_research.i18n import check_language

#: Shown for missing or suppressed values in tables.
NA_TEXT = "–"
#: No-break space: the Bulgarian thousands separator.
NBSP = "\u00a0"


def is_na(x: Any) -> bool:
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

    CLDR gives Bulgarian minimumGroupingDigits = 2, so 1999 and 1234 stay ungrouped and
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
    check_language(lang)
    if is_na(x):
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
    if is_na(x):
        check_language(lang)
        return NA_TEXT
    return fmt_num(_decimal(x) * 100, lang, digits) + "%"


def fmt_ci(
    est: Any, low: Any, high: Any, lang: str, digits: int = 2, label: str | None = None
) -> str:
    """Estimate with its interval: ``0.42 (95% CI 0.30–0.55)``; bg ``0,42 (95% ДИ 0,30–0,55)``.

    ``label`` names the interval (the catalog's ``t.ci`` passes ``95% CI`` / ``95% ДИ`` from
    ``locale/common.yaml``); without it only the bounds are in the brackets. The bounds are
    joined by an en dash, or by the language's list separator (en ``, ``, bg ``; ``) when a
    bound is negative, so that ``-0.49–0.59`` cannot be misread.

    Examples
    --------
    >>> fmt_ci(0.42, 0.30, 0.55, "en", label="95% CI")
    '0.42 (95% CI 0.30–0.55)'
    >>> fmt_ci(0.42, 0.30, 0.55, "bg")
    '0,42 (0,30–0,55)'
    >>> fmt_ci(0.05, -0.49, 0.59, "bg", label="95% ДИ")
    '0,05 (95% ДИ -0,49; 0,59)'
    """
    check_language(lang)
    lo, hi = fmt_num(low, lang, digits), fmt_num(high, lang, digits)
    negative = lo.startswith("-") or hi.startswith("-")
    sep = ("; " if lang == "bg" else ", ") if negative else "–"
    head = f"{label} " if label else ""
    return f"{fmt_num(est, lang, digits)} ({head}{lo}{sep}{hi})"


def fmt_p(p: Any, lang: str, digits: int = 3, symbol: bool = True) -> str:
    """A p value: ``p = 0.042`` / ``p < 0.001`` / ``p > 0.999``; bg ``p = 0,042`` / ``p < 0,001``.

    Never ``0.000``: below ``10**-digits`` it prints ``< 0.001``. The leading zero is kept
    in both languages. ``symbol=False`` drops the ``p`` (and ``=``) for a table column whose
    header already says p: ``< 0.001``, ``0.042``.

    Examples
    --------
    >>> fmt_p(0.0421, "en"), fmt_p(0.0421, "bg")
    ('p = 0.042', 'p = 0,042')
    >>> fmt_p(0.00001, "bg")
    'p < 0,001'
    >>> fmt_p(0.99996, "en")
    'p > 0.999'
    >>> fmt_p(0.00001, "en", symbol=False), fmt_p(0.5, "bg", symbol=False)
    ('< 0.001', '0,500')
    """
    check_language(lang)
    if is_na(p):
        return f"p = {NA_TEXT}" if symbol else NA_TEXT
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
    if not symbol:
        return text if op == "=" else f"{op} {text}"
    return f"p {op} {text}"


def fmt_stat(x: Any, lang: str, digits: int = 2) -> str:
    """A test statistic or degrees of freedom: whole numbers without decimals, others with
    at most ``digits`` (trailing zeros dropped): ``df 3``, ``W 210,5``, ``df 1785,38``.

    Examples
    --------
    >>> fmt_stat(3.0, "en"), fmt_stat(210.5, "bg", 3), fmt_stat(1785.3841, "en")
    ('3', '210,5', '1,785.38')
    """
    text = fmt_num(x, lang, digits)
    if is_na(x) or digits == 0:
        return text
    mark = "," if lang == "bg" else "."
    if mark in text:
        text = text.rstrip("0").removesuffix(mark)
    return "0" if text == "-0" else text


#: A quarter code as the studies write it: ``2017Q1`` (pandas ``Period`` of frequency Q).
QUARTER = re.compile(r"(\d{4})Q([1-4])")


def fmt_quarter(quarter: Any, lang: str) -> str:
    """A quarter code ``2017Q1`` in the language's form (CLDR via Babel): en ``Q1 2017``,
    bg ``1. трим. 2017``. A trailing ``*`` (a partial quarter) is kept; anything that is not
    a quarter code is returned unchanged.

    Examples
    --------
    >>> fmt_quarter("2018Q2*", "bg"), fmt_quarter("Общо", "bg")
    ('2. трим. 2018*', 'Общо')
    """
    check_language(lang)
    text = str(quarter)
    match = QUARTER.fullmatch(text.removesuffix("*"))
    if not match:
        return text
    from babel.dates import format_date

    first_month = 3 * int(match.group(2)) - 2
    shown = format_date(date(int(match.group(1)), first_month, 1), "QQQ y", locale=lang)
    return shown + ("*" if text.endswith("*") else "")


def fmt_date(day: Any, lang: str) -> str:
    """A date in the language's medium form (CLDR via Babel): bg ``31.03.2017 г.``,
    en ``Mar 31, 2017``. Missing dates print as :data:`NA_TEXT`.

    Examples
    --------
    >>> fmt_date("2017-03-31", "bg").replace(NBSP, " "), fmt_date(pd.Timestamp("2017-03-31"), "en")
    ('31.03.2017 г.', 'Mar 31, 2017')
    """
    check_language(lang)
    if is_na(day):
        return NA_TEXT
    from babel.dates import format_date

    # CLDR puts a narrow no-break space before "г."; the reports use the ordinary one (NBSP)
    return format_date(pd.Timestamp(day).date(), "medium", locale=lang).replace("\u202f", NBSP)
