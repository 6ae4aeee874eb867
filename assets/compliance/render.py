"""Renders a compliance report (SPEC JSON + context) as JSON, CSV, XLSX, PDF or HTML; the same input gives the
same bytes, so a saved report re-renders identically."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartermaster.errors import DomainError
from quartermaster.pdf import cjk_font, markup
from quartermaster.spreadsheets import neutralise, xlsx_value

from .services import Report

FORMATS = ("json", "csv", "xlsx", "pdf", "html")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}
STATUS_LABELS = {"pass": gettext_lazy("符合"), "fail": gettext_lazy("不符合"), "not_applicable": gettext_lazy("不适用"),
                 "insufficient_data": gettext_lazy("数据不足")}
COLUMNS = ("rule", "unit", "item", "clause", "text", "required", "actual", "shortfall", "status", "note")


def note(row: dict) -> str:
    """What a reader must know beyond the numbers: a threshold set locally rather than by the standard."""
    local = row.get("local")
    if not local:
        return ""
    return "; ".join(f"{_('本地阈值')} {name}={value}" for name, value in local.items())


def table_rows(report: Report) -> list[list]:
    return [[r["rule"], r["unit"], r.get("item", ""), r["clause"], r["text"], r["required"], r["actual"],
             r["shortfall"], r["status"], note(r)] for r in report.data["results"]]


def render_json(report: Report) -> bytes:
    return (json.dumps(report.data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in table_rows(report):
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return out.getvalue().encode("utf-8")


def _deterministic_zip(data: bytes, stamp: str) -> bytes:
    """openpyxl stamps the zip entries and docProps with the time of saving; fixed stamps (the report's date)
    make re-renders byte-identical."""
    import re

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", body)
            target.writestr(fixed, body)
    return out.getvalue()


def render_xlsx(report: Report) -> bytes:
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    fills = {"pass": "E3F9E5", "fail": "FFE3E3", "insufficient_data": "FFF3C4", "not_applicable": "EEEEEE"}
    wb = Workbook()
    stamp = dt.datetime.fromisoformat(report.data["as_of"])
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "Quartermaster"
    wb.properties.title = f"{report.data['standard']} {report.data['unit']} {report.data['as_of']}"
    results = wb.active
    results.title = "results"
    results.append(list(COLUMNS))
    status_col = COLUMNS.index("status") + 1
    for row in table_rows(report):
        results.append([xlsx_value(v) for v in row])
        cell = results.cell(row=results.max_row, column=status_col)
        cell.fill = PatternFill("solid", fgColor=fills.get(cell.value, "FFFFFF"))
    for cell in results[1]:
        cell.font = Font(bold=True)
    results.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJ", (26, 12, 14, 34, 60, 9, 9, 9, 16, 24)):
        results.column_dimensions[letter].width = width
    counts = wb.create_sheet("counts")
    counts.append(report.context["counts"]["columns"])
    for row in report.context["counts"]["rows"]:
        counts.append([xlsx_value(v) for v in row])
    for cell in counts[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return _deterministic_zip(out.getvalue(), stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))


def html_context(report: Report) -> dict:
    """What the report templates show: rows grouped by unit in tree order, each with its evidence link."""
    from urllib.parse import urlencode

    data, ctx = report.data, report.context
    units = ctx["units"]
    root_depth = units[data["unit"]]["path"].count("/")
    by_unit: dict[str, list] = {code: [] for code in units}
    for row in data["results"]:
        query = {"unit": row["unit"], "standard": data["standard"], "rule": row["rule"], "as_of": data["as_of"]}
        if row.get("item"):
            query["item"] = row["item"]
        by_unit.setdefault(row["unit"], []).append(dict(
            row, note=note(row), status_label=STATUS_LABELS.get(row["status"], row["status"]),
            evidence=f"/compliance/evidence/?{urlencode(query)}"))
    sections = []
    for code, rows in by_unit.items():
        if not rows:
            continue
        meta = units.get(code, {"name": code, "kind": "", "path": f"/{code}/"})
        statuses = [r["status"] for r in rows]
        sections.append({"code": code, "name": meta["name"], "kind": meta["kind"],
                         "indent": meta["path"].count("/") - root_depth, "rows": rows,
                         "fail": statuses.count("fail"), "pass": statuses.count("pass")})
    summary = [{"status": k, "label": STATUS_LABELS[k], "count": v} for k, v in data["summary"].items()]
    local = [dict(s, name=name) for name, s in ctx["settings"].items() if s["local"]]
    return {"report": data, "ctx": ctx, "sections": sections, "summary": summary, "local_settings": local}


def render_html(report: Report) -> bytes:
    return render_to_string("compliance/standalone.html", html_context(report)).encode("utf-8")


def render_pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdfcanvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    data, ctx = report.data, report.context
    small = ParagraphStyle("small", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    status_names = {k: str(v) for k, v in STATUS_LABELS.items()}
    fills = {"pass": colors.HexColor("#E3F9E5"), "fail": colors.HexColor("#FFE3E3"),
             "insufficient_data": colors.HexColor("#FFF3C4"), "not_applicable": colors.HexColor("#EEEEEE")}
    unit_names = {code: meta["name"] for code, meta in ctx["units"].items()}

    class NumberedCanvas(pdfcanvas.Canvas):
        """Writes "第 n 页 / 共 N 页" once the page count is known."""

        def __init__(self, *args, **kwargs):
            kwargs["invariant"] = 1
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 8)
                self.drawRightString(self._pagesize[0] - 15 * mm, 8 * mm,
                                     _("第 %(page)d 页 / 共 %(total)d 页") % {"page": self._pageNumber,
                                                                          "total": total})
                self.drawString(15 * mm, 8 * mm, f"{data['standard']} · {data['unit']} · {data['as_of']}")
                super().showPage()
            super().save()

    story = [
        Paragraph(markup(_("合规核查报告")), title),
        Paragraph(markup(f"{_('单位')}：{ctx['unit_name']}（{data['unit']}）"), body),
        Paragraph(markup(f"{_('标准')}：{ctx['standard_title']}（{data['standard']}）"), body),
        Paragraph(markup(f"{_('核查日期')}：{data['as_of']}"), body),
    ]
    if ctx.get("snapshot"):
        snap = ctx["snapshot"]
        story.append(Paragraph(markup(f"{_('存档')} #{snap['id']} · {snap['saved_at']} · {snap['saved_by']}"), body))
    summary = data["summary"]
    story.append(Paragraph(markup("  ".join(f"{status_names[k]} {summary[k]}" for k in status_names)), body))
    local = [f"{s['label'] or name} = {s['value']}（{s['note']}）" for name, s in ctx["settings"].items() if s["local"]]
    for line in local:
        story.append(Paragraph(markup(f"{_('本地阈值')}：{line}"), small))
    story.append(Spacer(1, 4 * mm))

    header = [_("规则"), _("单位"), _("条款及原文"), _("项目"), _("应配"), _("实有"), _("缺口"), _("结论")]
    rows = [[Paragraph(markup(h), small) for h in header]]
    style = [("FONT", (0, 0), (-1, -1), font, 7.5), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E2EC")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    for i, r in enumerate(data["results"], start=1):
        clause = f"<b>{markup(r['clause'])}</b><br/>{markup(r['text'])}"
        if note(r):
            clause += f"<br/><i>{markup(note(r))}</i>"
        cells = [r["rule"], f"{unit_names.get(r['unit'], r['unit'])}\n{r['unit']}", None, r.get("item", ""),
                 r["required"], r["actual"], r["shortfall"], status_names.get(r["status"], r["status"])]
        rows.append([Paragraph(clause, small) if c is None else
                     Paragraph(markup(c), small)
                     for c in cells])
        style.append(("BACKGROUND", (7, i), (7, i), fills.get(r["status"], colors.white)))
    widths = [40 * mm, 32 * mm, 105 * mm, 22 * mm, 13 * mm, 13 * mm, 13 * mm, 20 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    story.append(table)
    story.append(Spacer(1, 12 * mm))
    sign = [[_("核查人（签字）："), "", _("日期："), ""], [_("被核查单位负责人（签字）："), "", _("日期："), ""]]
    sign_table = Table(sign, colWidths=[55 * mm, 70 * mm, 20 * mm, 45 * mm], rowHeights=12 * mm)
    sign_table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 10),
                                    ("LINEBELOW", (1, 0), (1, -1), 0.5, colors.black),
                                    ("LINEBELOW", (3, 0), (3, -1), 0.5, colors.black),
                                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    story.append(sign_table)

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=15 * mm,
                            title=f"{_('合规核查报告')} {data['unit']} {data['standard']} {data['as_of']}",
                            author="Quartermaster", creator="Quartermaster", invariant=1)
    doc.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()


RENDERERS = {"json": render_json, "csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf, "html": render_html}


def render(report: Report, fmt: str) -> bytes:
    if fmt not in RENDERERS:
        raise DomainError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", field="format",
                          code="bad_format")
    return RENDERERS[fmt](report)
