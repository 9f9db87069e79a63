"""Printing a report to PDF: headless Chromium turns ``report.html`` into ``report.pdf`` (A4).

Why Chromium and not WeasyPrint: Chromium is already the project's browser for the layout and
HTML-safety tests (``scripts/setup-system.sh`` installs Debian's ``chromium``), it renders the
page exactly as reviewers see it on screen (the same CSS, SVG figures and fonts), and since
version 131 it supports CSS ``@page`` margin boxes, so the page size (A4), the running header
(title and synthetic flag) and the page numbers come from the report's own print style
(:mod:`ruse_research.runner.html`). WeasyPrint would add a second renderer with its own CSS
support and a Python dependency on Pango. Printing is offline: the report holds its images
as ``data:`` URIs and links nothing remote.

Chromium is optional for a run: :func:`find_chromium` returns ``None`` when it is missing and
the runner then writes no PDF and says why once (colophon, ``provenance.json``, the command's
output), instead of failing the study.

Examples
--------
>>> chromium_command("/usr/bin/chromium", Path("/tmp/r.html"), Path("/tmp/r.pdf"), Path("/tmp/p"))[-1]
'file:///tmp/r.html'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ruse_research.errors import RuseError

#: Environment variable naming the Chromium binary (default: ``chromium`` on PATH).
CHROMIUM_ENV = "RUSE_RESEARCH_CHROMIUM"

#: Seconds one report may take to print.
TIMEOUT_S = 180


class PdfError(RuseError):
    """Chromium could not print a report (it exited with an error or wrote no PDF)."""


def find_chromium() -> str | None:
    """The Chromium binary to print with, or ``None`` when none is installed.

    ``RUSE_RESEARCH_CHROMIUM`` names it explicitly (an empty value switches PDFs off);
    otherwise ``chromium``, ``chromium-browser`` or ``google-chrome`` on ``PATH``.

    Examples
    --------
    >>> import os
    >>> os.environ[CHROMIUM_ENV] = ""
    >>> find_chromium() is None
    True
    >>> del os.environ[CHROMIUM_ENV]
    """
    if CHROMIUM_ENV in os.environ:
        named = os.environ[CHROMIUM_ENV].strip()
        return (shutil.which(named) or (named if Path(named).is_file() else None)) if named else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(binary: str, page: Path, pdf: Path, profile: Path) -> list[str]:
    """The headless Chromium command that prints ``page`` to ``pdf`` (page size from the CSS)."""
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",  # the report's @page rules print its own header and numbers
        "--run-all-compositor-stages-before-draw",
        f"--print-to-pdf={pdf}",
        page.resolve().as_uri(),
    ]


def print_pdf(page: Path, pdf: Path, binary: str, *, timeout: float = TIMEOUT_S) -> Path:
    """Print ``page`` (an HTML file) to ``pdf`` with headless Chromium ``binary``.

    Raises
    ------
    PdfError
        When Chromium fails, times out or leaves no PDF behind.
    """
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="ruse-chromium-") as profile:
        cmd = chromium_command(binary, page, pdf, Path(profile))
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{page.name}: Chromium did not print it within {timeout:.0f} s") from None
        except OSError as exc:
            raise PdfError(f"{page.name}: Chromium ({binary}) could not start: {exc}") from None
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1][:200]
        raise PdfError(f"{page.name}: Chromium exited with {done.returncode} and wrote no PDF ({last})")
    return pdf
