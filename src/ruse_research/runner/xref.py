"""Numbering of a report's tables and figures, and the cross-references to them.

The notebook cannot know the number of a table it shows later (the key findings come first
and refer to tables further down), so the numbers are given here, once the whole report body
exists: tables (``id="table-<name>"``) and figures (``id="figure-<name>"``) are counted in the
order they appear, each caption (``<caption>``, ``<figcaption>``) starts with its number
("Таблица 3." / "Figure 2."), and every link to ``#table-<name>`` or ``#figure-<name>`` gets
that number as its text. A link to a name the report does not show keeps its text.

Examples
--------
>>> body = ('<p><a href="#figure-b">the figure</a>, <a href="#table-a">the table</a></p>'
...         '<div id="table-a"><table><caption>Sample</caption></table></div>'
...         '<figure id="figure-b"><img src="x" alt="y"><figcaption>Trust</figcaption></figure>')
>>> out = number_artifacts(body, table_label="Table {n}", figure_label="Figure {n}")
>>> print(out.split("</p>")[0])
<p><a href="#figure-b">Figure 1</a>, <a href="#table-a">Table 1</a>
>>> "<caption><span class=\\"ruse-number\\">Table 1.</span> Sample</caption>" in out
True
>>> numbers(body)
{'table-a': 1, 'figure-b': 1}
"""

from __future__ import annotations

import re

_TARGET = re.compile(r"""\sid="((table|figure)-[a-z0-9_]+)\"""")
_TOKEN = re.compile(
    r"""(?P<target>\sid="(?P<tid>(?:table|figure)-[a-z0-9_]+)")"""
    r"""|(?P<caption><(?P<ctag>caption|figcaption)(?:\s[^>]*)?>)"""
    r"""|(?P<link><a\s[^>]*?href="\#(?P<lid>(?:table|figure)-[a-z0-9_]+)"[^>]*>)(?P<text>.*?)</a>""",
    re.S,
)


def numbers(body: str) -> dict[str, int]:
    """``{"table-<name>": n, "figure-<name>": n}`` in order of appearance, counted per kind."""
    found: dict[str, int] = {}
    count = {"table": 0, "figure": 0}
    for match in _TARGET.finditer(body):
        target, kind = match.group(1), match.group(2)
        if target not in found:
            count[kind] += 1
            found[target] = count[kind]
    return found


def number_artifacts(body: str, *, table_label: str, figure_label: str) -> str:
    """Number captions and resolve cross-reference links in a report body (see module doc).

    ``table_label`` and ``figure_label`` are ``str.format`` templates with ``{n}``
    ("Таблица {n}", "Figure {n}").
    """
    found = numbers(body)
    label = {"table": table_label, "figure": figure_label}
    pending: list[str] = []  # the target whose caption comes next

    def replace(match: re.Match) -> str:
        if match.group("target"):
            pending[:] = [match.group("tid")]
            return match.group(0)
        if match.group("caption"):
            if pending:
                target = pending.pop()
                kind = target.split("-", 1)[0]
                if (kind == "table") == (match.group("ctag") == "caption"):
                    text = label[kind].format(n=found[target])
                    return f'{match.group("caption")}<span class="ruse-number">{text}.</span> '
            return match.group(0)
        target = match.group("lid")
        if target not in found:
            return match.group(0)
        kind = target.split("-", 1)[0]
        return f'{match.group("link")}{label[kind].format(n=found[target])}</a>'

    return _TOKEN.sub(replace, body)
