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

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
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

    The page is printed by this process's long-lived browser (:class:`Browser`), started at the
    first print: starting Chromium costs about 1.5 s of CPU, as much as printing a short report,
    and a study prints ten. Should that browser fail, the page is printed once more by a Chromium
    of its own (``--print-to-pdf``), whose error is the one reported.

    Raises
    ------
    PdfError
        When Chromium fails, times out or leaves no PDF behind.
    """
    pdf.unlink(missing_ok=True)
    try:
        data = _browser(binary).print_page(page, timeout=timeout)
    except (OSError, ValueError, KeyError, _BrowserError):
        close_browser()  # a broken browser is not reused; the one-shot print says what is wrong
    else:
        if data[:5] == b"%PDF-":
            partial = pdf.with_name(pdf.name + ".part")
            partial.write_bytes(data)
            os.replace(partial, pdf)
            return pdf
    return _print_once(page, pdf, binary, timeout=timeout)


def _print_once(page: Path, pdf: Path, binary: str, *, timeout: float) -> Path:
    """Print ``page`` with a Chromium started for it alone (``--print-to-pdf``)."""
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


# --------------------------------------------------------------------------- one browser per process


class _BrowserError(Exception):
    """The long-lived browser answered with an error, closed its pipe or did not answer in time."""


#: ``Page.printToPDF`` settings of :meth:`Browser.print_page`, those of ``--print-to-pdf
#: --no-pdf-header-footer``: page size and margins from the report's ``@page`` rules, which
#: also print its running header and page numbers.
PRINT_OPTIONS = {"preferCSSPageSize": True, "displayHeaderFooter": False, "printBackground": False,
                 "transferMode": "ReturnAsBase64"}

#: Puts the two pipe ends named by its arguments on file descriptors 3 and 4, then becomes
#: Chromium: subprocess cannot move descriptors (and a preexec_fn is unsafe in a process with
#: threads), a POSIX shell cannot name descriptors above 9. Both are first copied above 9, so
#: that moving one cannot overwrite the other.
_ON_FDS_3_AND_4 = ("import fcntl, os, sys; "
                   "ends = [fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3]]; "
                   "os.dup2(ends[0], 3); os.dup2(ends[1], 4); os.execv(sys.argv[3], sys.argv[3:])")


class Browser:
    """A headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

    Chromium reads commands on its file descriptor 3 and writes answers and events on 4, each a
    JSON text ended by a NUL byte, so the standard library is enough, no port is opened and no
    other process can reach the browser. Each page is printed in a browser context of its own
    (nothing is shared between two reports: no cache, no storage), disposed of after. The flags
    are those of :func:`chromium_command` but ``--no-pdf-header-footer``, which puts headless
    Chromium in its one-page print mode (it then closes every new tab).
    """

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.owner = os.getpid()  # a forked child inherits this object but must start its own
        self.profile = tempfile.mkdtemp(prefix="ruse-chromium-")
        flags = [flag for flag in chromium_command(binary, Path("-"), Path("-"), Path(self.profile))[1:-1]
                 if not flag.startswith(("--print-to-pdf", "--no-pdf-header-footer"))]
        to_chromium_r, self._to_chromium = os.pipe()
        self._from_chromium, from_chromium_w = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _ON_FDS_3_AND_4, str(to_chromium_r), str(from_chromium_w),
                 binary, *flags, "--remote-debugging-pipe", "about:blank"],
                pass_fds=(to_chromium_r, from_chromium_w), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            os.close(to_chromium_r)
            os.close(from_chromium_w)
        self._buffer = b""
        self._events: list[dict] = []
        self._last_id = 0

    def print_page(self, page: Path, *, timeout: float = TIMEOUT_S) -> bytes:
        """The PDF bytes of ``page``, printed as ``--print-to-pdf`` would, once it has loaded."""
        import base64

        deadline = time.monotonic() + timeout
        context = self.call("Target.createBrowserContext", {}, deadline=deadline)["browserContextId"]
        try:
            target = self.call("Target.createTarget", {"url": "about:blank", "browserContextId": context},
                               deadline=deadline)["targetId"]
            session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                deadline=deadline)["sessionId"]
            self.call("Page.enable", {}, session=session, deadline=deadline)
            self._events.clear()
            answer = self.call("Page.navigate", {"url": page.resolve().as_uri()}, session=session,
                               deadline=deadline)
            if answer.get("errorText"):
                raise _BrowserError(f"{page.name}: {answer['errorText']}")
            self._wait_for("Page.loadEventFired", session, deadline)
            data = self.call("Page.printToPDF", PRINT_OPTIONS, session=session, deadline=deadline)["data"]
        finally:
            with contextlib.suppress(_BrowserError, OSError, ValueError):
                self.call("Target.disposeBrowserContext", {"browserContextId": context},
                          deadline=time.monotonic() + 10)
        return base64.b64decode(data)

    def call(self, method: str, params: dict, *, session: str | None = None, deadline: float) -> dict:
        """Send one command and return its result (the events that arrive meanwhile are kept)."""
        self._last_id += 1
        message: dict = {"id": self._last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode("utf-8") + b"\0"
        while data:
            data = data[os.write(self._to_chromium, data):]
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._last_id:
                if "error" in answer:
                    raise _BrowserError(f"{method}: {answer['error'].get('message', answer['error'])}")
                return answer.get("result", {})
            if "method" in answer:
                self._events.append(answer)

    def _wait_for(self, event: str, session: str, deadline: float) -> None:
        while not any(e["method"] == event and e.get("sessionId") == session for e in self._events):
            answer = self._read(deadline)
            if "method" in answer:
                self._events.append(answer)

    def _read(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chromium], [], [], left)[0]:
                raise _BrowserError("Chromium did not answer in time")
            chunk = os.read(self._from_chromium, 1 << 20)
            if not chunk:
                raise _BrowserError("Chromium closed its pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def close(self) -> None:
        """Stop the browser (asked first, then killed) and remove its profile. Closing twice
        is harmless: the pipe ends are closed once (their numbers may be reused after)."""
        if self._to_chromium < 0 or self.owner != os.getpid():
            return  # closed already, or inherited by a fork: only its owner stops it
        with contextlib.suppress(OSError, ValueError, _BrowserError):
            if self.process.poll() is None:
                self.call("Browser.close", {}, deadline=time.monotonic() + 5)
        for fd in (self._to_chromium, self._from_chromium):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._to_chromium = self._from_chromium = -1
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


#: This process's browser (``None`` before the first print).
_current: Browser | None = None


def _browser(binary: str) -> Browser:
    global _current
    if _current is not None and _current.owner != os.getpid():
        _current = None  # the parent's, inherited by a fork: the parent stops it
    if _current is not None and (_current.binary != binary or _current.process.poll() is not None):
        close_browser()
    if _current is None:
        import multiprocessing.util

        _current = Browser(binary)
        # stopped when this process ends: the main one (atexit) or a pool worker (which runs
        # multiprocessing's finalizers before os._exit); a killed process closes its pipe,
        # and Chromium then exits
        multiprocessing.util.Finalize(_current, _current.close, exitpriority=10)
    return _current


def close_browser() -> None:
    """Stop this process's long-lived browser, if it has one."""
    global _current
    if _current is not None:
        _current.close()
    _current = None
