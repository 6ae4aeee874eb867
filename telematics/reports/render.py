"""A report as a file: CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese), JSON, XLSX (one sheet, bold
frozen header, the totals row) or PDF (A4 landscape, the CJK font embedded, the chart as bars). Headers speak the
language active when rendering (Chinese unless switched to English)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartermaster.errors import DomainError
from quartermaster.spreadsheets import neutralise, xlsx_value

from .selectors import Report

FORMATS = ("csv", "json", "xlsx", "pdf")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def text(value) -> str:
    """A cell as the page and the text formats show it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


def _period(report: Report) -> str:
    return _("%(start)s 至 %(end)s") % {"start": report.start.isoformat(), "end": report.end.isoformat()}


def _table(report: Report) -> list[list]:
    rows = [[row.get(c.key) for c in report.columns] for row in report.rows]
    if report.totals:
        rows.append([report.totals.get(c.key) for c in report.columns])
    return rows


def render_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in report.columns])
    for row in _table(report):
        writer.writerow([neutralise(text(v)) for v in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _json_value(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def render_json(report: Report) -> bytes:
    body = {"report": report.kind, "title": report.title, "subject": report.subject,
            "from": report.start.isoformat(), "to": report.end.isoformat(),
            "columns": [{"key": c.key, "label": c.label} for c in report.columns],
            "rows": [{k: _json_value(v) for k, v in row.items()} for row in report.rows],
            "totals": {k: _json_value(v) for k, v in (report.totals or {}).items()} or None,
            "notes": report.notes}
    return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.creator = "Quartermaster"
    wb.properties.title = f"{report.title} {report.subject}"
    sheet = wb.active
    sheet.title = report.title[:31]
    sheet.append([c.label for c in report.columns])
    for row in _table(report):
        sheet.append([xlsx_value(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    if report.totals:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for column, c in zip(sheet.iter_cols(min_row=1, max_row=1), report.columns):
        if c.kind == "datetime":
            for cell in sheet[column[0].column_letter][1:]:
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif c.kind == "date":
            for cell in sheet[column[0].column_letter][1:]:
                cell.number_format = "yyyy-mm-dd"
        width = 20 if c.kind in ("datetime", "date") else max(10, min(40, 2 * len(c.label) + 2))
        sheet.column_dimensions[column[0].column_letter].width = width
    sheet.freeze_panes = "A2"
    for note in [f"{report.subject} · {_period(report)}", *report.notes]:
        sheet.append([])
        sheet.append([note])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_WEIGHTS = {"datetime": 2.6, "date": 1.8, "number": 1.4, "percent": 1.4, "text": 2.0}


def render_pdf(report: Report) -> bytes:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from quartermaster.pdf import cjk_font, paragraph

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=15, leading=20, spaceAfter=4)
    story = [paragraph(f"{report.title}　{report.subject}", h1), paragraph(_period(report), body)]
    story += [paragraph(note, body) for note in report.notes]
    if report.chart and report.chart.bars:
        drawing = Drawing(250 * mm, 60 * mm)
        bars = VerticalBarChart()
        bars.x, bars.y, bars.width, bars.height = 12 * mm, 8 * mm, 230 * mm, 48 * mm
        bars.data = [[v for _label, v in report.chart.bars]]
        bars.categoryAxis.categoryNames = [label for label, _v in report.chart.bars]
        bars.categoryAxis.labels.fontName = font
        bars.categoryAxis.labels.fontSize = 6
        bars.categoryAxis.labels.angle = 45 if len(report.chart.bars) > 12 else 0
        bars.categoryAxis.labels.boxAnchor = "ne" if len(report.chart.bars) > 12 else "n"
        bars.valueAxis.valueMin = 0
        bars.valueAxis.labels.fontSize = 7
        bars.bars[0].fillColor = colors.HexColor("#1d4ed8")
        drawing.add(bars)
        story += [paragraph(f"{report.chart.title}（{report.chart.unit}）", body), drawing]
    data = [[paragraph(c.label, body) for c in report.columns]]
    data += [[paragraph(text(v), body) for v in row] for row in _table(report)]
    if len(data) == 1:
        data.append([paragraph(_("（无记录）"), body)] + [""] * (len(report.columns) - 1))
    weights = [_WEIGHTS.get(c.kind, 2.0) * (1.4 if c.key.endswith("place") or c.key == "place" else 1.0)
               for c in report.columns]
    table = Table(data, repeatRows=1, colWidths=[277 * mm * w / sum(weights) for w in weights])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(table)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm,
                            bottomMargin=10 * mm, title=f"{report.title} {report.subject}", author="Quartermaster")
    doc.build(story)
    return out.getvalue()


def render(report: Report, fmt: str) -> bytes:
    renderers = {"csv": render_csv, "json": render_json, "xlsx": render_xlsx, "pdf": render_pdf}
    if fmt not in renderers:
        raise DomainError(gettext_lazy("格式 %(format)s：应为 %(formats)s 之一"), field="format", format=fmt,
                          formats=", ".join(FORMATS))
    return renderers[fmt](report)
