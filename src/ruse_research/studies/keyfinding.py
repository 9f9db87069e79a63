"""Key findings as data: a sentence, where its numbers come from, and its effect size.

A study's ``key_findings`` builder (``studies/*_tables.py``) returns a list of
:class:`KeyFinding`; the display layer (``report.key_findings``) shows them at the top of the
report, links each to its numbered table or figure and says what the effect size means by the
convention of :mod:`ruse_research.stats.magnitude`. Nothing here formats or translates.

Examples
--------
>>> f = KeyFinding("Confidence rose by 0.56 points.", "table:training_paired_t", ("d", 0.61))
>>> f.ref_kind, f.ref_name, f.magnitude
('table', 'training_paired_t', 'medium')
>>> KeyFinding("x", "chart:y")
Traceback (most recent call last):
...
ruse_research.studies.keyfinding.KeyFindingError: key finding 'x': ref 'chart:y' must be 'table:<name>' or 'figure:<name>'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ruse_research.errors import RuseError
from ruse_research.stats.magnitude import CONVENTIONS, magnitude

_REF = re.compile(r"(table|figure):([a-z0-9_]+)")


class KeyFindingError(RuseError):
    """A key finding with a malformed reference or effect size."""


@dataclass(frozen=True)
class KeyFinding:
    """One key finding.

    ``text`` is the sentence in the report's language (numbers already formatted, with n and a
    labelled CI); ``ref`` names the table or figure it comes from (``"table:<name>"`` or
    ``"figure:<name>"``, the names given to ``report.show_table``/``show_figure``); ``effect``
    is ``(kind, value)`` of its effect size (a kind of :data:`~ruse_research.stats.magnitude.CONVENTIONS`)
    or ``None`` when the finding has no standardised effect size.
    """

    text: str
    ref: str | None = None
    effect: tuple[str, float] | None = None

    def __post_init__(self) -> None:
        short = " ".join(str(self.text).split())[:40]
        if self.ref is not None and not _REF.fullmatch(self.ref):
            raise KeyFindingError(
                f"key finding {short!r}: ref {self.ref!r} must be 'table:<name>' or 'figure:<name>'"
            )
        if self.effect is not None and (len(self.effect) != 2 or self.effect[0] not in CONVENTIONS):
            raise KeyFindingError(
                f"key finding {short!r}: effect {self.effect!r} must be (kind, value) with kind one of "
                + ", ".join(CONVENTIONS)
            )

    @property
    def ref_kind(self) -> str | None:
        return None if self.ref is None else self.ref.split(":", 1)[0]

    @property
    def ref_name(self) -> str | None:
        return None if self.ref is None else self.ref.split(":", 1)[1]

    @property
    def magnitude(self) -> str | None:
        """The conventional magnitude of the effect size, or ``None``."""
        return None if self.effect is None else magnitude(*self.effect)

    @property
    def convention(self) -> str | None:
        """The reference key of the magnitude convention (``"cohen1988"``...), or ``None``."""
        return None if self.effect is None else CONVENTIONS[self.effect[0]].source
