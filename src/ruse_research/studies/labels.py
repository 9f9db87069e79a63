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

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import pandas as pd

__all__ = ["Texts", "p_text", "relabel"]


class Texts(Protocol):
    """A language catalog: ``t(key, **values)`` and the number formatters of its language."""

    def __call__(self, key: str, /, **values: Any) -> str: ...

    def num(self, x: Any, digits: int = 2) -> str: ...

    def int(self, x: Any) -> str: ...

    def pct(self, x: Any, digits: int = 0) -> str: ...

    def p(self, p: Any) -> str: ...


def relabel(frame: pd.DataFrame, columns: Mapping[str, str], t: Callable[[str], str]) -> pd.DataFrame:
    """Keep ``columns`` (in their order) and rename each to the catalog text of its label key.

    A label key that is not a catalog key of the form ``label_*`` is used as the header itself
    only when it is written as ``=Header`` (for fixed symbols such as ``F``).

    Examples
    --------
    >>> import pandas as pd
    >>> relabel(pd.DataFrame({"f": [1.0]}), {"f": "=F"}, str.upper).columns.tolist()
    ['F']
    """
    names = {c: key[1:] if key.startswith("=") else t(key) for c, key in columns.items()}
    return frame[list(columns)].rename(columns=names)


def p_text(frame: pd.DataFrame, t: Texts) -> pd.DataFrame:
    """Display copy of a result frame with its p values (``p``, ``p_adj``) as text ("p < .001").

    Examples
    --------
    >>> import pandas as pd
    >>> class T:
    ...     def p(self, p): return f"p = {p:.2f}"
    >>> p_text(pd.DataFrame({"p": [0.5], "x": [1]}), T())["p"].tolist()
    ['p = 0.50']
    """
    return frame.assign(**{c: frame[c].map(t.p) for c in ("p", "p_adj") if c in frame})
