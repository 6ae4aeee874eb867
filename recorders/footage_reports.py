"""The footage access log report for auditors (音像资料使用登记): who requested, approved, refused, viewed, copied
or deleted which footage and when, as CSV, XLSX and PDF in the active language."""
from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from quartermaster.spreadsheets import neutralise, xlsx_value

from .footage import APPROVAL_CLAUSE, APPROVAL_TEXT

FORMATS = ("xlsx", "pdf", "csv")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
WIDTHS = (17, 12, 12, 14, 12, 18, 10, 30, 30)


def title() -> str:
    return _("执法音像资料使用登记")


def header() -> list[str]:
    return [_("时间"), _("事项"), _("经办人"), _("执法记录仪"), _("录制日期"), _("执法人员"), _("申请事项"),
            _("申请事由"), _("说明")]


def rows(report: dict) -> list[list]:
    return [[r["at"].strftime("%Y-%m-%d %H:%M"), r["action_name"], r["username"], r["tag"],
             r["recorded_on"].isoformat(), r["person"], r["kind"], r["reason"], r["note"]] for r in report["rows"]]


def headline(report: dict) -> list[tuple[str, str]]:
    return [(_("单位"), f"{report['unit_name']}（{report['unit']}）"),
            (_("期间"), f"{report['since']} — {report['until']}"), (_("条目数"), str(len(report["rows"]))),
            (_("条款"), APPROVAL_CLAUSE), (_("条款原文"), APPROVAL_TEXT)]


def render_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def write(row):
        writer.writerow(["" if v is None else neutralise(v) for v in row])

    write([title()])
    for label, value in headline(report):
        write([label, value])
    write([])
    write(header())
    for row in rows(report):
        write(row)
    return out.getvalue().encode("utf-8")


def render_xlsx(report: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheet = wb.active
    sheet.title = _("使用登记")
    sheet.append([title()])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in headline(report):
        sheet.append([label, xlsx_value(value)])
    sheet.append([])
    sheet.append(header())
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows(report):
        sheet.append([xlsx_value(v) for v in row])
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def render_pdf(report: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    from quartermaster.pdf import cjk_font, paragraph

    font = cjk_font()
    heading = ParagraphStyle("title", fontName=font, fontSize=15, leading=21, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11)
    story = [paragraph(title(), heading), Spacer(1, 4 * mm)]
    story.append(Table([[paragraph(label, body), paragraph(value, body)] for label, value in headline(report)],
                       colWidths=[35 * mm, 235 * mm]))
    story.append(Spacer(1, 4 * mm))
    data = [[paragraph(h, body) for h in header()]] + [[paragraph(v, body) for v in row] for row in rows(report)]
    table = Table(data, colWidths=[28 * mm, 20 * mm, 22 * mm, 24 * mm, 20 * mm, 30 * mm, 16 * mm, 55 * mm, 55 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.95))]))
    story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                      bottomMargin=12 * mm, title="Quartermaster").build(story)
    return buffer.getvalue()


RENDERERS = {"csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}


def render(report: dict, fmt: str) -> bytes:
    return RENDERERS[fmt](report)
