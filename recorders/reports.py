"""The footage inspection report (brigades not inspected within the local period) as JSON, CSV, XLSX and PDF.

JSON keeps the selector's keys and codes; the human formats speak the active language (Chinese by default) and say
that the period is a local threshold (the standard says 定期, no figure)."""
from __future__ import annotations

import csv
import io

import orjson
from django.utils.translation import gettext as _

from quartermaster.spreadsheets import neutralise, xlsx_value

from .choices import InspectionState

FORMATS = ("json", "csv", "xlsx", "pdf")
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def header() -> list[str]:
    return [_("大队代码"), _("大队"), _("状态"), _("最近检查日期"), _("距今天数"), _("检查人"), _("检查发现"),
            _("整改要求")]


def rows(report: dict) -> list[list]:
    return [[r["unit"], r["name"], str(InspectionState(r["state"]).label), r["last_inspected"] or "",
             "" if r["days_since"] is None else r["days_since"], r["inspector"], r["findings"], r["follow_up"]]
            for r in report["brigades"]]


def headline(report: dict) -> list[tuple[str, str]]:
    return [(_("单位"), report["unit"]), (_("截至日期"), report["as_of"]),
            (_("检查周期（天）"), str(report["period_days"])),
            (_("本地阈值"), _("标准只说“定期”，未给出天数：检查周期为本地设置（QM_FOOTAGE_INSPECTION_DAYS）")),
            (_("条款"), report["clause"]), (_("条款原文"), report["text"]),
            (_("期内未检查的大队"), f"{report['summary']['not_inspected']} / {report['summary']['brigades']}")]


def render_json(report: dict) -> bytes:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2)


def render_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def write(row):
        writer.writerow(["" if v is None else neutralise(v) for v in row])

    write([_("声像资料检查台帐：期内未检查的大队")])
    for label, value in headline(report):
        write([label, value])
    write([])
    write(header())
    for row in rows(report):
        write(row)
    return out.getvalue().encode("utf-8")


def render_xlsx(report: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    sheet = wb.active
    sheet.title = _("检查台帐")
    sheet.append([_("声像资料检查台帐：期内未检查的大队")])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in headline(report):
        sheet.append([label, xlsx_value(value)])
    sheet.append([])
    sheet.append(header())
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    late = PatternFill("solid", fgColor="F8D7DA")
    for row, source in zip(rows(report), report["brigades"], strict=True):
        sheet.append([xlsx_value(v) for v in row])
        if source["state"] != InspectionState.INSPECTED:
            sheet.cell(row=sheet.max_row, column=3).fill = late
    for index, width in enumerate((14, 22, 14, 14, 10, 16, 40, 40), start=1):
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
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=21, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    story = [paragraph(_("声像资料检查台帐：期内未检查的大队"), title), Spacer(1, 4 * mm)]
    story.append(Table([[paragraph(label, body), paragraph(value, body)] for label, value in headline(report)],
                       colWidths=[45 * mm, 215 * mm]))
    story.append(Spacer(1, 4 * mm))
    data = [[paragraph(h, body) for h in header()]] + [[paragraph(v, body) for v in row] for row in rows(report)]
    table = Table(data, colWidths=[24 * mm, 32 * mm, 22 * mm, 24 * mm, 16 * mm, 28 * mm, 57 * mm, 57 * mm],
                  repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.95))]
    for i, source in enumerate(report["brigades"], start=1):
        if source["state"] != InspectionState.INSPECTED:
            style.append(("BACKGROUND", (2, i), (2, i), colors.Color(0.97, 0.84, 0.85)))
    table.setStyle(TableStyle(style))
    story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                      bottomMargin=12 * mm, title="Quartermaster").build(story)
    return buffer.getvalue()


RENDERERS = {"json": render_json, "csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}


def render(report: dict, fmt: str) -> bytes:
    return RENDERERS[fmt](report)
