"""The press-release draft as a Word document (python-docx).

Headline (from the first headline result), lead paragraph (who answered), quote slots for the
organisation and the administration, the results (each with its uncertainty and its source),
next steps (the recommendations) and a note for editors on method and sample. The bytes are
deterministic: the document's dates and the zip entries' times are fixed
(:func:`ruse_research.deterministic.fixed_zip`).

Examples
--------
>>> STAMP
b'2000-01-01T00:00:00Z'
"""

from __future__ import annotations

import datetime as _dt
import io

from ruse_research.campaign.content import Content
from ruse_research.deterministic import fixed_zip
from ruse_research.stats.disclosure import MIN_CELL

STAMP = b"2000-01-01T00:00:00Z"
ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def press_paragraphs(content: Content) -> list[tuple[str, str]]:
    """``[(style, text)]`` of the press release: what the document says, in order."""
    t = content.t
    counts = {c.id: t.int(c.value) for c in content.counts}
    first = next((h for h in content.headlines if not h.suppressed), content.headlines[0])
    out = [("Caption", t("press_draft"))]
    if content.synthetic:
        out.append(("Intense Quote", t("summary_flag")))
    out += [
        ("Title", t("press_headline", headline=first.sentence)),
        ("Lead", t("press_lead", **counts)),
        ("Source", "; ".join(t("source_line", report=c.source.report, caption=c.source.caption)
                             for c in content.counts)),
        ("Heading 1", t("press_quotes_title")),
        ("Quote", t("press_quote_org")),
        ("Quote", t("press_quote_admin")),
        ("Heading 1", t("press_results_title")),
    ]
    for h in content.headlines:
        src = t("source_line", report=h.source.report, caption=h.source.caption)
        out.append(("List Bullet", f"{h.number}: {h.sentence} {h.uncertainty} ({src})"))
    out.append(("Heading 1", t("press_actions_title")))
    out += [("List Number", a) for a in content.actions]
    src = content.actions_source
    out.append(("Source", t("source_line", report=src.report, caption=src.caption)))
    out += [("Heading 1", t("press_editors_title")),
            ("Normal", t("press_method", min_cell=t.int(MIN_CELL), **counts)),
            ("Normal", t("press_sources", licence=t("dp_licence"))),
            ("Normal", t("press_contact"))]
    return out


def press_docx(content: Content) -> bytes:
    """The press-release draft as ``.docx`` bytes."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    props = document.core_properties
    props.title = content.t("press_headline", headline="").rstrip(": ")
    props.language = content.lang
    props.author = props.last_modified_by = ""
    props.created = props.modified = _dt.datetime(2000, 1, 1)
    props.revision = 1
    document.styles["Normal"].font.name = "DejaVu Sans"
    document.styles["Normal"].font.size = Pt(10.5)
    for style, text in press_paragraphs(content):
        if style == "Lead":
            document.add_paragraph().add_run(text).bold = True
        elif style == "Source":
            document.add_paragraph().add_run(text).italic = True
        elif style == "Title":
            document.add_heading(text, level=0)
        elif style == "Heading 1":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue(), date_time=ZIP_DATE, stamp=STAMP)
