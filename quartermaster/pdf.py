"""What every PDF the product prints shares: the embedded CJK font, and data turned into inert ReportLab text."""
from __future__ import annotations

from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .errors import DomainError

FONT = "QMCJK"


def cjk_font() -> str:
    """Registers the CJK font (settings.QM_CJK_FONT, a TrueType collection: face 0) once; returns its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(TTFont(FONT, settings.QM_CJK_FONT, subfontIndex=0))
        except Exception as exc:  # a missing or unreadable font file: say which setting to fix
            raise DomainError(_("无法载入中文字体 %(font)s（设置 QM_CJK_FONT）：%(error)s"), code="font",
                              font=repr(settings.QM_CJK_FONT), error=exc) from None
    return FONT


def markup(value) -> str:
    """A value as ReportLab paragraph markup that shows exactly its text.

    `Paragraph` parses its text as XML-like markup: a name such as `<b` raises (the PDF became a 500) and
    `<img src="/etc/...">` embeds a server file. Every value that is data goes through here; line breaks stay.
    """
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


def paragraph(value, style):
    """A `Paragraph` of plain text: the only way data reaches a PDF paragraph."""
    from reportlab.platypus import Paragraph

    return Paragraph(markup(value), style)


def table_report(*, title, headline, header, rows, widths_mm, headline_widths_mm=(35, 235), body_size=8.5,
                 styles=()) -> bytes:
    """A landscape A4 report: a title, a two-column headline (label, value), then one table with a repeated
    header row. `styles`: extra TableStyle commands for the table (e.g. a shaded cell per late row)."""
    import io

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    heading = ParagraphStyle("title", fontName=font, fontSize=15, leading=21, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=body_size, leading=body_size + 3)
    story = [paragraph(title, heading), Spacer(1, 4 * mm),
             Table([[paragraph(label, body), paragraph(value, body)] for label, value in headline],
                   colWidths=[w * mm for w in headline_widths_mm]),
             Spacer(1, 4 * mm)]
    data = [[paragraph(h, body) for h in header]] + [[paragraph(v, body) for v in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.95)), *styles]))
    story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                      bottomMargin=12 * mm, title="Quartermaster").build(story)
    return buffer.getvalue()
