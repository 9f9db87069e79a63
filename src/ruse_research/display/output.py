"""Display output: sending bundles to the kernel and making text safe inside them.

:func:`publish` is the one place a display bundle leaves the package (``IPython.display``
with ``raw=True``); tests replace it to record bundles. :func:`escape` / :func:`escape_md`
make respondent text literal in HTML / markdown (and keep MathJax off it, see
:data:`NO_MATH`); :func:`json_value` makes a cell strict JSON for the table payload.

Examples
--------
>>> escape("a < b")
'a &lt; b'
"""

from __future__ import annotations

import html
import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ruse_research import reads
from ruse_research.contract import META_KEY, READS_KEY
from ruse_research.display.formats import is_na

#: Class names that stop MathJax (JupyterLab, nbconvert) from typesetting ``$...$`` in
#: respondent text shown inside our HTML.
NO_MATH = "tex2jax_ignore mathjax_ignore"


def publish(data: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> None:
    """Display one bundle (``{mime: content}``) with its output metadata in the kernel.

    A table or figure is stamped with the names of the files read so far
    (``metadata["ruse"]["reads"]``, :mod:`ruse_research.reads`): what it was made after.
    """
    from IPython.display import display

    display(dict(data), raw=True, metadata=stamp_reads(metadata))


def stamp_reads(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """``metadata`` with the files read so far added to a table's or figure's ``ruse`` entry.

    Examples
    --------
    >>> reads.clear()
    >>> stamp_reads({"ruse": {"kind": "table", "name": "t"}})
    {'ruse': {'kind': 'table', 'name': 't', 'reads': []}}
    >>> stamp_reads({"ruse": {"kind": "banner"}})
    {'ruse': {'kind': 'banner'}}
    """
    meta = dict(metadata or {})
    ruse = meta.get(META_KEY)
    if isinstance(ruse, Mapping) and ruse.get("kind") in ("table", "figure"):
        meta[META_KEY] = {**ruse, READS_KEY: reads.names()}
    return meta


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


def json_value(v: Any) -> Any:
    """Python value that ``json.dumps(allow_nan=False)`` accepts; NA / NaN / inf -> None.

    Examples
    --------
    >>> [json_value(v) for v in (float("nan"), 3.0, (1, "a"))]
    [None, 3.0, [1, 'a']]
    """
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    if is_na(v):
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
        return str(v)  # a plain str, also for catalog texts (LocalText)
    return str(v)
