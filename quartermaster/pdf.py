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
