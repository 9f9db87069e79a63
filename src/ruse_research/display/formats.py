"""Number formats per language: numbers, counts, percentages, confidence intervals, p values.

English uses ``1,234.57``; Bulgarian uses a decimal comma and, from five digits on, a
no-break space between thousands (CLDR). Rounding is half away from zero on the number as
it is written (``0.425`` -> ``0.43``), as Excel and SPSS show it. Missing values print as
:data:`NA_TEXT`. Every function takes the language explicitly; the catalog's
``t.num / t.int / t.pct / t.ci / t.p`` bind it (:mod:`ruse_research.display.catalog`).

Examples
--------
>>> fmt_ci(0.4213, 0.3, 0.552, "bg")
'0,42 [0,30; 0,55]'
>>> fmt_p(0.0004, "en")
'p < .001'
>>> fmt_num(None, "en")
'–'
"""

from __future__ import annotations

import numbers
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

    CLDR gives Bulgarian minimumGroupingDigits = 2, so 2025 and 1234 stay ungrouped and
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


def fmt_ci(est: Any, low: Any, high: Any, lang: str, digits: int = 2) -> str:
    """Estimate with its interval: en ``0.42 [0.30, 0.55]``; bg ``0,42 [0,30; 0,55]``.

    Examples
    --------
    >>> fmt_ci(0.42, 0.30, 0.55, "en")
    '0.42 [0.30, 0.55]'
    >>> fmt_ci(0.42, 0.30, 0.55, "bg")
    '0,42 [0,30; 0,55]'
    """
    sep = "; " if check_language(lang) == "bg" else ", "
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
    check_language(lang)
    if is_na(p):
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
