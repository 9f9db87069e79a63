"""What a reader of a rendered report sees, and two checks on it: Latin-script words in a
Bulgarian report and p values printed as zero.

Used by the slow end-to-end tests (``test_study_determinism.py``, on the study they run) and
by hand on any outputs folder::

    python tests/report_text.py outputs        # lists every hit, exit 1 when there is one

**The text a reader sees** (:func:`reader_text`): the page's ``<title>``, every text node of
the body and every image's alt text, without ``<script>``/``<style>``/``<template>``/``<svg>``,
without code (``<code>``, ``<pre>``, the collapsed code cells ``details.code``) and without the
colophon (commit, hashes, versions, file names). Links, host names (``strategy.bg``) and file
paths of the package (``data/reference/population_margins.csv``) are references and dropped, and
so are the scrubber's placeholders in quotes (``[EMAIL]``, ``[URL]``).

**Latin words** (:func:`latin_words`): every run of Latin letters (with digits and ``_``) is a
word; a Bulgarian report may show only the words of :data:`ALLOWED` (statistical symbols,
abbreviations that have no Bulgarian form in use, proper names of authors, software and
methods) and codes (programme and project codes such as ``BG05SFOP001``: capitals with at
least two digits). A quarter written as ``2019Q1`` is never a code. To allow a new word, add
it to :data:`ALLOWED` under its kind, with the reason; prefer the Bulgarian form (``ДИ`` for
CI, ``ОИСР`` for OECD, ``СЕ`` for CoE, ``чл. 26, ал. 4 ЗНА`` for ``art. 26(4)``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction

#: Words a Bulgarian report may show in Latin script, by kind. Keep the reason next to each.
ALLOWED: dict[str, frozenset[str]] = {
    # symbols of statistics as Bulgarian texts write them (p-стойност, n = 71, d_z на Коен)
    "symbols": frozenset(
        "n N p d r t z F H W U V k g R CV d_z g_z ICC".split()
    ),
    # abbreviations used untranslated in Bulgarian public administration and research
    "abbreviations": frozenset(
        "CAF IAP2 JRC UN DESA LOSI".split()
    ),
    # file formats of the exports linked under each table and figure (no Bulgarian names)
    "formats": frozenset("CSV XLSX SVG PNG PDF".split()),
    # proper names: authors cited in the texts, software and its packages
    "names": frozenset(
        "Koo Li Deville Särndal Shrout Fleiss survey".split()
    ),
}
_ALLOWED_ALL = frozenset().union(*ALLOWED.values())

#: A word: Latin letters (ASCII and Latin-1/Extended-A, e.g. Särndal) with digits and "_".
WORD = re.compile(r"[0-9_]*[A-Za-zÀ-ÖØ-öø-ɏ][0-9A-Za-zÀ-ÖØ-öø-ɏ_]*")
#: Programme / project codes: capitals with at least two digits (BG05SFOP001, C03).
CODE = re.compile(r"(?=(?:[^0-9]*[0-9]){2})[A-Z0-9]+")
QUARTER = re.compile(r"[0-9]{4}Q[1-4]|Q[1-4]")
#: References that are not words of the text: links, host names, file paths of the package.
REFERENCE = re.compile(
    r"(?:https?://|www\.)\S+"                                  # links
    r"|\b[\w.-]+\.(?:bg|eu|org|com|net|int)\b(?:/\S*)?"        # host names (strategy.bg)
    r"|\b[\w.-]*/[\w./-]*\.(?:csv|yaml|yml|md|json|xlsx|sav|ipynb|py)\b"  # file paths
    # what the privacy scrubber puts in a quote in place of personal data (stats.scrub.PLACEHOLDERS)
    r"|\[(?:EMAIL|PHONE|EGN|IBAN|URL|NAME)\]"
)
_DROPPED_TAGS = ("script", "style", "template", "svg", "code", "pre", "kbd", "head")
_DROPPED_SELECTORS = ("details.code", "footer.colophon", ".colophon", ".input-area")
#: p = 0.000, p=.000, p < 0,00 in a sentence.
P_ZERO_IN_TEXT = re.compile(r"\bp\s*[=<≤]\s*0?[.,]0+(?![0-9])")
#: A cell that shows a p value of zero: 0, 0.0, 0.000, 0,00, .000
ZERO_CELL = re.compile(r"-?0?(?:[.,]0+)?|-?0")
#: The header of a p-value column (the same rule as ruse_research.contract.P_HEADER).
P_HEADER = re.compile(r"p(?:$|[\s(\-–])")


@dataclass(frozen=True)
class Hit:
    """One finding: the report, the offending word or value and the text around it."""

    report: str
    word: str
    context: str

    def __str__(self) -> str:
        return f"{self.report}: {self.word!r} in “{self.context}”"


def _soup(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def reader_text(page: str) -> list[str]:
    """The texts a reader of ``page`` (an HTML report) sees, one string per text node or alt text.

    >>> reader_text('<html><head><title>Отчет</title></head><body><p>Текст <code>x_y</code></p>'
    ...             '<footer class="colophon">sha256</footer><img alt="Фигура"></body></html>')
    ['Отчет', 'Текст ', ' Фигура ']
    """
    soup = _soup(page)
    texts = [soup.title.get_text()] if soup.title else []
    for selector in _DROPPED_SELECTORS:
        for tag in soup.select(selector):
            tag.decompose()
    # a passage marked as another language (a cited publication's original title, <li lang="en">)
    # is read in that language by screen readers and is not text of the report
    for tag in soup.find_all(attrs={"lang": True}):
        if tag.name != "html" and tag.get("lang") != (soup.html.get("lang") if soup.html else None):
            tag.decompose()
    for img in soup.find_all("img"):
        img.replace_with(f" {img.get('alt', '')} ")  # alt text where the image is
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    for node in soup.find_all(string=True):
        if isinstance(node, (Comment, Doctype, Declaration, ProcessingInstruction)):
            continue
        if node.strip():
            texts.append(str(node))
    return texts


def _context(text: str, start: int, end: int, width: int = 60) -> str:
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    return " ".join(f"{before}{text[start:end]}{after}".split())


def latin_words(page: str, report: str = "report") -> list[Hit]:
    """Latin-script words in ``page`` outside :data:`ALLOWED`, codes and references.

    >>> [h.word for h in latin_words('<p>Тест на Уилкоксън: W = 210,5; p &lt; 0,001 (project target)</p>')]
    ['project', 'target']
    >>> [h.word for h in latin_words('<p>Тримесечие 2019Q1, код BG05SFOP001, strategy.bg</p>')]
    ['2019Q1']
    """
    hits = []
    for text in reader_text(page):
        cleaned = REFERENCE.sub(lambda m: " " * len(m.group(0)), text)
        for match in WORD.finditer(cleaned):
            word = match.group(0)
            if word in _ALLOWED_ALL:
                continue
            if CODE.fullmatch(word) and not QUARTER.search(word):
                continue
            hits.append(Hit(report, word, _context(text, match.start(), match.end())))
    return hits


def zero_p_values(page: str, report: str = "report") -> list[Hit]:
    """p values printed as zero: ``p = 0.000`` in a sentence, or ``0.000`` in a column headed p.

    >>> page = ('<p>p = 0.000</p><table><thead><tr><th>F</th><th>p value</th></tr></thead>'
    ...         '<tbody><tr><td>0.000</td><td>0.00</td></tr><tr><td>1</td><td>&lt; 0.001</td></tr></tbody></table>')
    >>> [h.word for h in zero_p_values(page)]
    ['p = 0.000', '0.00']
    """
    hits = []
    for text in reader_text(page):
        for match in P_ZERO_IN_TEXT.finditer(text):
            hits.append(Hit(report, match.group(0), _context(text, match.start(), match.end())))
    soup = _soup(page)
    for table in soup.find_all("table"):
        header = table.find("thead")
        if header is None:
            continue
        names = [th.get_text(" ", strip=True) for th in header.find_all("th")]
        columns = [i for i, name in enumerate(names) if P_HEADER.match(name)]
        if not columns:
            continue
        caption = table.find("caption")
        where = caption.get_text(" ", strip=True) if caption else "table"
        for row in table.find("tbody").find_all("tr") if table.find("tbody") else []:
            cells = row.find_all(["th", "td"])
            for i in columns:
                if i < len(cells):
                    shown = cells[i].get_text(strip=True)
                    if ZERO_CELL.fullmatch(shown) and any(ch.isdigit() for ch in shown):
                        hits.append(Hit(report, shown, f"{where}: column {names[i]!r}"))
    return hits


def reports(outputs: Path, lang: str | None = None) -> list[Path]:
    """Every ``<run>/report.html`` under ``outputs`` (runs named ``<study>.<lang>``)."""
    pattern = f"*.{lang}/report.html" if lang else "*/report.html"
    return sorted(outputs.glob(pattern))


def scan(outputs: Path) -> tuple[list[Hit], list[Hit]]:
    """(Latin words in every Bulgarian report, zero p values in every report) under ``outputs``."""
    latin, zeros = [], []
    for path in reports(outputs):
        page = path.read_text(encoding="utf-8")
        name = str(path.relative_to(outputs))
        if path.parent.name.endswith(".bg"):
            latin += latin_words(page, name)
        zeros += zero_p_values(page, name)
    return latin, zeros


def describe(hits: Iterable[Hit], what: str) -> str:
    """A failure message: one line per distinct hit, with where it is and how to fix it."""
    hits = list(dict.fromkeys(hits))
    lines = [f"{len(hits)} {what}:"] + [f"  {hit}" for hit in hits]
    if what.startswith("Latin"):
        lines.append(
            "Fix the text at its source (locale/*.yaml, data/model/*.yaml, data/codebooks/*.yaml, "
            "studies/*_tables.py) in Bulgarian, or, for a symbol, abbreviation or name that has no "
            "Bulgarian form, add it to ALLOWED in tests/report_text.py with its reason."
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    outputs = Path(argv[1] if len(argv) > 1 else "outputs")
    latin, zeros = scan(outputs)
    if latin:
        print(describe(latin, "Latin-script words in Bulgarian reports"))
    if zeros:
        print(describe(zeros, "p values printed as zero"))
    if not (latin or zeros):
        print(f"{len(reports(outputs))} reports: no Latin words in Bulgarian, no zero p values")
    return 1 if latin or zeros else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
