"""Printable documents: hand-over receipts (交接单), departure return checklists, QR label sheets (ReportLab)."""
from __future__ import annotations

import io

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from assets.models import Asset
from quartermaster.pdf import cjk_font, paragraph

from .choices import ChecklistLineState, ReceiptKind
from .models import Departure, HandoverReceipt
from .selectors import departure_checklist, receipt_lines

def _styles():
    font = cjk_font()
    return (ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1),
            ParagraphStyle("body", fontName=font, fontSize=10, leading=14))


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), cjk_font(), 9),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.95)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _signatures(left: str, right: str) -> Table:
    signed, date = _("%(side)s（签字）："), _("日期：")
    table = Table([[signed % {"side": left}, "", signed % {"side": right}, ""], [date, "", date, ""]],
                  colWidths=[32 * mm, 55 * mm, 32 * mm, 55 * mm], rowHeights=[14 * mm, 9 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), cjk_font(), 10),
        ("LINEBELOW", (1, 0), (1, 1), 0.5, colors.black),
        ("LINEBELOW", (3, 0), (3, 1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
    ]))
    return table


def _build(story) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm, title="Quartermaster").build(story)
    return buffer.getvalue()


_SIDES = {
    ReceiptKind.ISSUE: (gettext_lazy("发放人"), gettext_lazy("领用人")),
    ReceiptKind.ROUND: (gettext_lazy("发放人"), gettext_lazy("领用单位负责人")),
    ReceiptKind.REPLACEMENT: (gettext_lazy("发放人"), gettext_lazy("领用人")),
    ReceiptKind.RETURN: (gettext_lazy("交回人"), gettext_lazy("接收人")),
    ReceiptKind.SURRENDER: (gettext_lazy("上缴人"), gettext_lazy("法制机构接收人")),
    ReceiptKind.SEAL_HANDOVER: (gettext_lazy("移交人"), gettext_lazy("接收人")),
}


def receipt_pdf(receipt: HandoverReceipt) -> bytes:
    """The 交接单: number, parties, the items, and a signature line for both sides."""
    title, body = _styles()
    party = receipt.person or receipt.unit
    lines = receipt_lines(receipt)
    head = [
        _("交接单号：%(number)s　　类型：%(kind)s") % {"number": receipt.number, "kind": receipt.get_kind_display()},
        _("时间：%(at)s　　经办人：%(user)s") % {"at": f"{timezone.localtime(receipt.created_at):%Y-%m-%d %H:%M}",
                                          "user": receipt.username or "-"},
        _("对象：%s") % (party or "-") + (_("　　接收人：%s") % receipt.counterpart if receipt.counterpart else ""),
    ]
    if receipt.note:
        head.append(_("备注：%s") % receipt.note)
    rows = [[_("序号"), _("标签号"), _("类别"), _("品名"), _("尺码"), _("编号"), _("动作"), _("人员/单位")]]
    rows += [[str(i), ln["tag"], ln["category_name"], ln["item"], ln["size"], ln["serial"], ln["action_name"],
              ln["person"]] for i, ln in enumerate(lines, 1)]
    left, right = _SIDES.get(receipt.kind, (_("交付人"), _("接收人")))
    story = [paragraph(_("装备交接单"), title), Spacer(1, 4 * mm), *[paragraph(h, body) for h in head],
             Spacer(1, 4 * mm),
             _table(rows, [10 * mm, 28 * mm, 22 * mm, 24 * mm, 16 * mm, 24 * mm, 14 * mm, 42 * mm]),
             Spacer(1, 3 * mm), paragraph(_("共 %(n)s 件") % {"n": len(lines)}, body), Spacer(1, 10 * mm),
             _signatures(left, right)]
    return _build(story)


_STATE = {ChecklistLineState.OPEN: gettext_lazy("未交回"), ChecklistLineState.RETURNED: gettext_lazy("已交回"),
          ChecklistLineState.LOST: gettext_lazy("已报失")}


def departure_checklist_pdf(departure: Departure) -> bytes:
    """The printable return checklist of a departing officer, with a tick column and signatures."""
    title, body = _styles()
    person = departure.person
    lines = departure_checklist(departure)
    rows = [[_("序号"), _("标签号"), _("类别"), _("品名"), _("编号"), _("交回至"), _("状态"), _("核销")]]
    rows += [[str(i), ln["tag"], ln["category_name"], ln["item"], ln["serial"], ln["return_to"],
              str(_STATE[ln["state"]]), "□" if ln["state"] == ChecklistLineState.OPEN else "√"]
             for i, ln in enumerate(lines, 1)]
    head = [_("人员：%(name)s（工号 %(staff_no)s）　　单位：%(unit)s") % {"name": person.name, "staff_no": person.staff_no,
                                                                 "unit": person.unit.name},
            _("离岗类型：%(kind)s　　生效日期：%(on)s") % {"kind": departure.get_kind_display(),
                                                 "on": departure.effective},
            _("状态：%s") % (_("已办结") if departure.closed_out else _("未办结"))]
    story = [paragraph(_("离岗装备清退单"), title), Spacer(1, 4 * mm), *[paragraph(h, body) for h in head],
             Spacer(1, 4 * mm),
             _table(rows, [10 * mm, 28 * mm, 26 * mm, 26 * mm, 26 * mm, 30 * mm, 16 * mm, 12 * mm]),
             Spacer(1, 3 * mm), paragraph(_("执法证件上缴城市管理部门法制机构；制式服装和标志标识交回原单位。"), body),
             Spacer(1, 10 * mm), _signatures(_("交回人"), _("装备管理员"))]
    return _build(story)


def _draw_qr(pdf: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draws the QR code as vector squares (sharp at any printer resolution)."""
    qr = segno.make(data, error="m", micro=False)
    matrix = list(qr.matrix)
    border = 2
    cells = len(matrix) + 2 * border
    cell = size / cells
    pdf.setFillColor(colors.black)
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # One rectangle per run of dark modules: a fraction of the drawing operations, same picture.
            path.rect(x + (start + border) * cell, y + size - (r + border + 1) * cell, (c - start) * cell, cell)
    pdf.drawPath(path, stroke=0, fill=1)


def labels_pdf(assets: list[Asset], *, columns: int = 3, rows: int = 8) -> bytes:
    """A4 sheets of QR labels (default 3×8): the QR carries the tag; tag, category and unit printed beside it."""
    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle("Quartermaster labels")
    page_w, page_h = A4
    margin_x, margin_y = 7 * mm, 10 * mm
    label_w = (page_w - 2 * margin_x) / columns
    label_h = (page_h - 2 * margin_y) / rows
    per_page = columns * rows
    for index, asset in enumerate(assets):
        if index and index % per_page == 0:
            pdf.showPage()
        slot = index % per_page
        x = margin_x + (slot % columns) * label_w
        y = page_h - margin_y - (slot // columns + 1) * label_h
        pdf.setStrokeColor(colors.lightgrey)
        pdf.rect(x, y, label_w, label_h, stroke=1, fill=0)
        qr_size = label_h - 4 * mm
        _draw_qr(pdf, asset.tag, x + 2 * mm, y + 2 * mm, qr_size)
        text_x = x + qr_size + 4 * mm
        pdf.setFillColor(colors.black)
        pdf.setFont(font, 10)
        pdf.drawString(text_x, y + label_h - 9 * mm, asset.tag)
        pdf.setFont(font, 8)
        pdf.drawString(text_x, y + label_h - 15 * mm, f"{asset.category.name} {asset.item}"[:18])
        pdf.drawString(text_x, y + label_h - 20 * mm, f"{asset.unit.code}"[:22])
        if asset.size:
            pdf.drawString(text_x, y + label_h - 25 * mm, _("尺码 %s") % asset.size)
    if not assets:
        pdf.setFont(font, 12)
        pdf.drawString(margin_x, page_h - margin_y - 10 * mm, _("无标签"))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
