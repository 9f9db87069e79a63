"""Errors of the display layer: bad input to a display function, a broken language catalog.

Both derive from :class:`ruse_research.errors.RuseError`, so the command line prints their one
line and exits with code 2. Small counts raise
:class:`ruse_research.stats.disclosure.DisclosureError`, the privacy rule's own error; a bad
language code raises :class:`ruse_research.errors.ParamsError` from
:func:`ruse_research.i18n.check_language`.
"""

from __future__ import annotations

from ruse_research.errors import RuseError


class ReportError(RuseError):
    """Bad input to a display function (name, table, figure, heading, quotes)."""


class CatalogError(ReportError):
    """A language catalog is missing, malformed, incomplete, or asked for an unknown key."""
