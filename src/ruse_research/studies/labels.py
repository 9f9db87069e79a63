"""What the study table builders need from a language catalog, and the one relabelling step they share.

The studies layer sits below the display layer, so it does not import
:mod:`ruse_research.display.report`; the table builders (``studies/*_tables.py``) take the
catalog the notebook already holds (``report.texts(study, lang)``) as a :class:`Texts`.

Examples
--------
>>> import pandas as pd
>>> names = {"label_n": "n", "label_mean": "Mean"}
>>> relabel(pd.DataFrame({"n": [3], "mean": [1.5], "sd": [0.2]}), {"n": "label_n", "mean": "label_mean"},
...         names.get).columns.tolist()
['n', 'Mean']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import pandas as pd

from ruse_research.contract import STAT_COLUMNS

__all__ = ["Texts", "mark_stat", "relabel"]


class Texts(Protocol):
    """A language catalog: ``t(key, **values)`` and the number formatters of its language."""

    def __call__(self, key: str, /, **values: Any) -> str: ...

    def num(self, x: Any, digits: int = 2) -> str: ...

    def int(self, x: Any) -> str: ...

    def pct(self, x: Any, digits: int = 0) -> str: ...

    def p(self, p: Any, symbol: bool = True) -> str: ...

    def stat(self, x: Any, digits: int = 2) -> str: ...

    def quarter(self, quarter: Any) -> str: ...

    def date(self, day: Any) -> str: ...

    def ci(self, est: Any, low: Any, high: Any, digits: int = 2, level: float = 0.95) -> str: ...


def relabel(frame: pd.DataFrame, columns: Mapping[str, str], t: Callable[[str], str],
            stat: Iterable[str] = ()) -> pd.DataFrame:
    """Keep ``columns`` (in their order) and rename each to the catalog text of its label key.

    A label key that is not a catalog key of the form ``label_*`` is used as the header itself
    only when it is written as ``=Header`` (for fixed symbols such as ``F``). ``stat`` names the
    columns that hold test statistics or degrees of freedom; the report shows them without
    spurious decimals (``df 3``, ``W 210.5``; :data:`ruse_research.contract.STAT_COLUMNS`).
    p values stay numbers: a column headed p is shown as p values by the display layer.

    Examples
    --------
    >>> import pandas as pd
    >>> relabel(pd.DataFrame({"f": [1.0]}), {"f": "=F"}, str.upper).columns.tolist()
    ['F']
    >>> relabel(pd.DataFrame({"df": [3.0]}), {"df": "=df"}, str.upper, stat=["df"]).attrs
    {'ruse_stat_columns': ['df']}
    """
    names = {c: key[1:] if key.startswith("=") else t(key) for c, key in columns.items()}
    out = frame[list(columns)].rename(columns=names)
    marked = [names[c] for c in stat if c in names]
    if marked:
        out.attrs[STAT_COLUMNS] = marked
    return out


def mark_stat(frame: pd.DataFrame, headers: Iterable[str]) -> pd.DataFrame:
    """``frame`` with ``headers`` marked as values shown without trailing zeros (statistics,
    degrees of freedom, targets in their own units: ``20 000`` people, not ``20 000,0``).

    Examples
    --------
    >>> import pandas as pd
    >>> mark_stat(pd.DataFrame({"Target": [20000.0]}), ["Target"]).attrs
    {'ruse_stat_columns': ['Target']}
    """
    frame.attrs[STAT_COLUMNS] = [h for h in headers if h in frame.columns]
    return frame
