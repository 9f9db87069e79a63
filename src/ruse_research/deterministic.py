"""Byte-stable file formats: the same content always gives the same bytes.

XLSX files are zip archives whose entries carry the time they were written, and whose
``docProps/core.xml`` carries created/modified stamps. Both the demonstration-data writer
and the runner's table export rewrite them through :func:`fixed_zip`.

Examples
--------
>>> import io, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as z:
...     z.writestr("a.txt", "x")
>>> once = fixed_zip(buffer.getvalue(), date_time=(2000, 1, 1, 0, 0, 0), stamp=b"2000-01-01T00:00:00Z")
>>> once == fixed_zip(buffer.getvalue(), date_time=(2000, 1, 1, 0, 0, 0), stamp=b"2000-01-01T00:00:00Z")
True
>>> zipfile.ZipFile(io.BytesIO(once)).infolist()[0].date_time
(2000, 1, 1, 0, 0, 0)
"""

from __future__ import annotations

import io
import re
import zipfile

_CORE_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)")


def fixed_zip(data: bytes, *, date_time: tuple[int, int, int, int, int, int], stamp: bytes,
              mode: int = 0o644) -> bytes:
    """Rewrite a zip archive (e.g. XLSX) with every entry dated ``date_time``, permissions
    ``mode``, deflate compression, and the document's created/modified stamps set to ``stamp``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_STAMP.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = mode << 16
            target.writestr(entry, content)
    return out.getvalue()
