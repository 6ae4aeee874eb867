"""The use register as a file: XLSX (the journeys sheet and the totals sheet), PDF (A4 landscape, the CJK font
embedded: the journeys, then the totals per vehicle), CSV (UTF-8 with BOM: the journeys, a blank line, the totals)
or JSON. Headers speak the language active when rendering (Chinese unless switched to English)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartermaster.errors import DomainError
from quartermaster.spreadsheets import neutralise, xlsx_value

from .selectors import Register

FORMATS = ("xlsx", "pdf", "csv", "json")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def text(value, kind: str = "text") -> str:
    """A cell as the page, CSV and PDF show it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%H:%M") if kind == "time" else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def table(register: Register) -> list[list[str]]:
    return [[text(row.get(c.key), c.kind) for c in register.columns] for row in register.rows]


def total_table(register: Register) -> list[list[str]]:
    return [[text(row.get(c.key), c.kind) for c in register.total_columns]
            for row in [*register.totals, register.grand_total]]


def heading(register: Register) -> str:
    return f"{register.title}　{register.subject}　{register.month}"


def render_csv(register: Register) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([heading(register)])
    writer.writerow([c.label for c in register.columns])
    writer.writerows([[neutralise(v) for v in row] for row in table(register)])
    writer.writerow([])
    writer.writerow([_("车辆合计")])
    writer.writerow([c.label for c in register.total_columns])
    writer.writerows([[neutralise(v) for v in row] for row in total_table(register)])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _json_value(value):
    return value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else value


def render_json(register: Register) -> bytes:
    body = {"report": "register", "title": register.title, "unit": register.unit_code, "subject": register.subject,
            "month": register.month, "from": register.start.isoformat(), "to": register.end.isoformat(),
            "columns": [{"key": c.key, "label": c.label} for c in register.columns],
            "rows": [{k: _json_value(v) for k, v in row.items()} for row in register.rows],
            "total_columns": [{"key": c.key, "label": c.label} for c in register.total_columns],
            "totals": register.totals, "grand_total": register.grand_total}
    return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _sheet(sheet, columns, rows, title_row: str) -> None:
    from openpyxl.styles import Font

    sheet.append([title_row])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([c.label for c in columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([xlsx_value(row.get(c.key)) for c in columns])
    for index, c in enumerate(columns, start=1):
        letter = sheet.cell(2, index).column_letter
        formats = {"date": "yyyy-mm-dd", "time": "hh:mm"}
        if c.kind in formats:
            for cell in sheet[letter][2:]:
                cell.number_format = formats[c.kind]
        sheet.column_dimensions[letter].width = max(9, min(30, 2 * len(c.label) + 2))
    sheet.freeze_panes = "A3"


def render_xlsx(register: Register) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.creator = "Quartermaster"
    wb.properties.title = heading(register)
    journeys = wb.active
    journeys.title = _("使用登记")[:31]
    _sheet(journeys, register.columns, register.rows, heading(register))
    totals = wb.create_sheet(_("车辆合计")[:31])
    _sheet(totals, register.total_columns, [*register.totals, register.grand_total], heading(register))
    for cell in totals[totals.max_row]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_WEIGHTS = {"date": 1.9, "time": 1.1, "number": 1.3, "text": 1.8}


def _pdf_table(columns, cells, body, width):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    from quartermaster.pdf import paragraph

    data = [[paragraph(c.label, body) for c in columns]] + [[paragraph(v, body) for v in row] for row in cells]
    if len(data) == 1:
        data.append([paragraph(_("（无记录）"), body)] + [""] * (len(columns) - 1))
    weights = [_WEIGHTS.get(c.kind, 1.8) * (1.5 if c.key in ("purpose", "destination") else 1.0) for c in columns]
    grid = Table(data, repeatRows=1, colWidths=[width * w / sum(weights) for w in weights])
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return grid


def render_pdf(register: Register) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from quartermaster.pdf import cjk_font, paragraph

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=6.5, leading=8, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=14, leading=19, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3)
    width = 277 * mm
    story = [paragraph(heading(register), h1),
             paragraph(_("%(start)s 至 %(end)s") % {"start": register.start.isoformat(),
                                                    "end": register.end.isoformat()}, body), Spacer(1, 3 * mm),
             _pdf_table(register.columns, table(register), body, width),
             paragraph(_("车辆合计"), h2), _pdf_table(register.total_columns, total_table(register), body, width)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm,
                            bottomMargin=10 * mm, title=heading(register), author="Quartermaster")
    doc.build(story)
    return out.getvalue()


def render(register: Register, fmt: str) -> bytes:
    renderers = {"csv": render_csv, "json": render_json, "xlsx": render_xlsx, "pdf": render_pdf}
    if fmt not in renderers:
        raise DomainError(gettext_lazy("格式 %(format)s：应为 %(formats)s 之一"), field="format", format=fmt,
                          formats=", ".join(FORMATS))
    return renderers[fmt](register)


def filename(unit_code: str, month: str, fmt: str) -> str:
    from .selectors import parse_month

    safe = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_" else "_" for ch in unit_code)
    return f"register-{safe}-{parse_month(month)[0]:%Y-%m}.{fmt}"


def register_bytes(*, unit, month: str, fmt: str, user=None, language: str | None = None) -> bytes:
    """The register of `unit` for `month` as a file in `fmt`; `language` "en" for English, else Chinese (None: the
    active language). With a `user`, cut to their scope."""
    from django.utils import translation

    from .selectors import build_register

    if fmt not in FORMATS:
        raise DomainError(gettext_lazy("格式 %(format)s：应为 %(formats)s 之一"), field="format", format=fmt,
                          formats=", ".join(FORMATS))
    if language is None:
        return render(build_register(unit=unit, month=month, user=user), fmt)
    with translation.override("en" if language.lower().startswith("en") else "zh-hans"):
        return render(build_register(unit=unit, month=month, user=user), fmt)
