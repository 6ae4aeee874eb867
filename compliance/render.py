"""Renders a compliance report (SPEC JSON + context) as JSON, CSV, XLSX, PDF or HTML; the same input in the same
language gives the same bytes, so a saved report re-renders identically.

JSON is SPEC's contract (keys and codes, never translated). The human formats speak the active language (Chinese
unless switched) and share one shape, built by `layout`: a summary (per unit: counts by status, then the failing
clauses with their shortfall), the rows grouped by unit in tree order (failing rows first), and each rule's clause
and original text once."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.choices import CategoryCode, UnitKind
from quartermaster.errors import DomainError
from quartermaster.pdf import cjk_font, markup
from quartermaster.spreadsheets import neutralise, xlsx_value

from .services import Report
from .titles import rule_title

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
SUMMARY_STATUSES = ("pass", "fail", "not_applicable", "insufficient_data")  # the JSON summary's order
ROW_ORDER = {"fail": 0, "insufficient_data": 1, "pass": 2, "not_applicable": 3}  # within a unit: failing first
COUNT_LABELS = {"unit": gettext_lazy("单位代码"), "name": gettext_lazy("单位"), "kind": gettext_lazy("类别"),
                "officers": gettext_lazy("执法人员数"), "frontline": gettext_lazy("一线执法人员数"),
                "auxiliaries": gettext_lazy("协管人员数"), "departed": gettext_lazy("调离、退休人员数"),
                "vehicles": gettext_lazy("执法车辆数"), "seats": gettext_lazy("车辆座位数")}
FILLS = {"pass": "E3F9E5", "fail": "FFE3E3", "insufficient_data": "FFF3C4", "not_applicable": "EEEEEE"}
DASH = "—"


def note(row: dict) -> str:
    """What a reader must know beyond the numbers: a threshold set locally rather than by the standard."""
    local = row.get("local")
    if not local:
        return ""
    return "; ".join(f"{_('本地阈值')} {name}={value}" for name, value in local.items())


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def kind_label(kind: str) -> str:
    return str(UnitKind(kind).label) if kind in UnitKind.values else kind


def _figure(value):
    return DASH if value is None else value


def layout(report: Report) -> dict:
    """The shape every human format prints: `rules` (each rule's title, clause, text and local note, once, in the
    standard's order), `units` (sections in tree order: counts by status, rows failing first, the failing rows)
    and `failing` (every failing row, by unit)."""
    data, ctx = report.data, report.context
    meta = ctx.get("units", {})
    order = {code: i for i, code in enumerate(meta)}
    root_path = meta.get(data["unit"], {}).get("path", f"/{data['unit']}/")
    root_depth = root_path.count("/")
    rules: dict[str, dict] = {}
    by_unit: dict[str, list] = {}
    for index, row in enumerate(data["results"]):
        rule = rules.setdefault(row["rule"], {
            "rule": row["rule"], "title": rule_title(row["rule"]), "clause": row["clause"], "text": row["text"],
            "local": {}, "statuses": {}})
        rule["local"].update(row.get("local") or {})  # protective-equipment: one local setting per item
        rule["statuses"][row["status"]] = rule["statuses"].get(row["status"], 0) + 1
        by_unit.setdefault(row["unit"], []).append(dict(
            row, index=index, title=rule["title"], item=row.get("item") or "", note=note(row),
            status_label=status_label(row["status"])))
    units = []
    for code in sorted(by_unit, key=lambda c: (order.get(c, len(order)), c)):
        rows = sorted(by_unit[code], key=lambda r: (ROW_ORDER.get(r["status"], 9), r["index"]))
        info = meta.get(code, {"name": code, "kind": "", "path": f"{root_path}{code}/"})
        counts = {s: 0 for s in SUMMARY_STATUSES}
        for r in rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        indent = max(0, info["path"].count("/") - root_depth)
        units.append({"code": code, "name": info["name"], "kind": info["kind"], "kind_label": kind_label(info["kind"]),
                      "indent": indent, "indent_text": "\u3000" * indent, "counts": counts, "rows": rows,
                      "failing": [r for r in rows if r["status"] == "fail"]})
    for rule in rules.values():
        rule["note"] = note(rule)
    failing = [dict(r, unit_name=u["name"]) for u in units for r in u["failing"]]
    return {"rules": list(rules.values()), "units": units, "failing": failing}


def _headline(report: Report) -> list[tuple[str, str]]:
    data, ctx = report.data, report.context
    lines = [(_("单位"), _named(ctx.get("unit_name", data["unit"]), data["unit"])),
             (_("标准"), _named(ctx.get("standard_title", data["standard"]), data["standard"])),
             (_("核查日期"), data["as_of"])]
    if ctx.get("snapshot"):
        snap = ctx["snapshot"]
        lines.append((_("存档"), f"#{snap['id']} · {snap['saved_at']} · {snap['saved_by']}"))
    lines.append((_("合计"), "  ".join(f"{status_label(s)} {data['summary'].get(s, 0)}" for s in SUMMARY_STATUSES)))
    return lines


def _english() -> bool:
    return translation.get_language() == "en"


def _named(name: str, code: str) -> str:
    """A name with its code in brackets, in the reader's typography: 天宁大队（CZ-TN） / 天宁大队 (CZ-TN)."""
    return f"{name} ({code})" if _english() else f"{name}（{code}）"


def _colon() -> str:
    return ": " if _english() else "："


def _in_language(setting: dict) -> dict:
    """A local setting's label and note in the reader's language (the standards' files carry both)."""
    if _english() and setting.get("label_en"):
        return dict(setting, label=setting["label_en"], note=setting.get("note_en") or setting["note"])
    return setting


def _local_settings(report: Report) -> list[str]:
    shown = [(name, _in_language(s)) for name, s in report.context.get("settings", {}).items() if s["local"]]
    return [_("%(label)s = %(value)s（%(note)s）") % {"label": s["label"] or name, "value": s["value"],
                                                        "note": s["note"]} for name, s in shown]


def summary_header() -> list[str]:
    return [_("单位"), _("单位代码"), _("类别"), *(status_label(s) for s in SUMMARY_STATUSES)]


def failing_header() -> list[str]:
    return [_("单位"), _("规则"), _("条款"), _("项目"), _("应配"), _("实有"), _("缺口")]


def results_header() -> list[str]:
    """The rows' table: 单位 and 规则 hold the codes of SPEC's JSON (unit code, rule id), their names beside."""
    return [_("单位"), _("单位名称"), _("规则"), _("规则名称"), _("条款"), _("项目"), _("应配"), _("实有"), _("缺口"),
            _("结论"), _("备注")]


def clauses_header() -> list[str]:
    return [_("规则"), _("规则名称"), _("条款"), _("原文"), _("备注")]


def _summary_rows(shape: dict) -> list[list]:
    return [[u["name"], u["code"], u["kind_label"], *(u["counts"][s] for s in SUMMARY_STATUSES)]
            for u in shape["units"]]


def _failing_rows(shape: dict) -> list[list]:
    return [[_named(r["unit_name"], r["unit"]), r["title"], r["clause"], r["item"], r["required"], r["actual"],
             r["shortfall"]] for r in shape["failing"]]


def _result_rows(shape: dict) -> list[list]:
    return [[u["code"], u["name"], r["rule"], r["title"], r["clause"], r["item"], r["required"], r["actual"],
             r["shortfall"], r["status_label"], r["note"]] for u in shape["units"] for r in u["rows"]]


def _clause_rows(shape: dict) -> list[list]:
    return [[r["rule"], r["title"], r["clause"], r["text"], r["note"]] for r in shape["rules"]]


def render_json(report: Report) -> bytes:
    return (json.dumps(report.data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_csv(report: Report) -> bytes:
    """Sections one after another, each a titled table: the summary by unit, the failing clauses, the rows by unit
    (the table SPEC's rows are in), and each rule's clause text once."""
    shape = layout(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def write(row):
        writer.writerow(["" if v is None else neutralise(v) for v in row])

    write([_("合规核查报告")])
    for label, value in _headline(report):
        write([label, value])
    for line in _local_settings(report):
        write([_("本地阈值"), line])
    for title, header, rows in ((_("摘要：各单位核查结论"), summary_header(), _summary_rows(shape)),
                                (_("不符合条款"), failing_header(), _failing_rows(shape)),
                                (_("核查结果（按单位）"), results_header(), _result_rows(shape)),
                                (_("条款原文"), clauses_header(), _clause_rows(shape))):
        write([])
        write([title])
        write(header)
        for row in rows:
            write(row)
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


def count_header(columns: list[str]) -> list[str]:
    def label(code: str) -> str:
        if code in COUNT_LABELS:
            return str(COUNT_LABELS[code])
        return str(CategoryCode(code).label) if code in CategoryCode.values else code

    return [label(c) for c in columns]


def render_xlsx(report: Report) -> bytes:
    """Sheets: the summary (headline, counts by status per unit, the failing clauses), the rows by unit (a plain
    table under one header row), each rule's clause text, and the raw counts per unit."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    shape = layout(report)
    data = report.data
    bold = Font(bold=True)
    wb = Workbook()
    stamp = dt.datetime.fromisoformat(data["as_of"])
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "Quartermaster"
    wb.properties.title = f"{data['standard']} {data['unit']} {data['as_of']}"

    def fill(cell, status):
        cell.fill = PatternFill("solid", fgColor=FILLS.get(status, "FFFFFF"))

    def table(sheet, header, rows):
        sheet.append(list(header))
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in rows:
            sheet.append([xlsx_value(v) for v in row])

    def widths(sheet, values):
        for index, width in enumerate(values, start=1):
            sheet.column_dimensions[chr(64 + index)].width = width

    summary = wb.active
    summary.title = _("摘要")
    summary.append([_("合规核查报告")])
    summary["A1"].font = Font(bold=True, size=14)
    for label, value in _headline(report):
        summary.append([label, xlsx_value(value)])
    for line in _local_settings(report):
        summary.append([_("本地阈值"), xlsx_value(line)])
    summary.append([])
    summary.append([_("各单位核查结论")])
    summary.cell(row=summary.max_row, column=1).font = bold
    table(summary, summary_header(), _summary_rows(shape))
    fail_column = 4 + SUMMARY_STATUSES.index("fail")
    for row in summary.iter_rows(min_row=summary.max_row - len(shape["units"]) + 1, max_row=summary.max_row):
        if row[fail_column - 1].value:
            fill(row[fail_column - 1], "fail")
    summary.append([])
    summary.append([_("不符合条款") if shape["failing"] else _("不符合条款：无")])
    summary.cell(row=summary.max_row, column=1).font = bold
    if shape["failing"]:
        table(summary, failing_header(), _failing_rows(shape))
    widths(summary, (34, 30, 34, 16, 10, 10, 10))

    results = wb.create_sheet(_("核查结果"))
    table(results, results_header(), [])
    status_column = results_header().index(_("结论")) + 1
    for unit in shape["units"]:
        for r in unit["rows"]:
            results.append([xlsx_value(v) for v in (
                unit["code"], unit["name"], r["rule"], r["title"], r["clause"], r["item"], r["required"], r["actual"],
                r["shortfall"], r["status_label"], r["note"])])
            fill(results.cell(row=results.max_row, column=status_column), r["status"])
    results.freeze_panes = "A2"
    results.auto_filter.ref = f"A1:K{results.max_row}"
    widths(results, (12, 24, 26, 22, 30, 14, 8, 8, 8, 10, 24))

    clauses = wb.create_sheet(_("条款原文"))
    table(clauses, clauses_header(), _clause_rows(shape))
    for row in clauses.iter_rows(min_row=2):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
    widths(clauses, (26, 22, 30, 80, 24))

    counts = wb.create_sheet(_("计数"))
    table(counts, count_header(report.context["counts"]["columns"]),
          [[r[0], r[1], kind_label(r[2]), *r[3:]] for r in report.context["counts"]["rows"]])

    out = io.BytesIO()
    wb.save(out)
    return _deterministic_zip(out.getvalue(), stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))


def html_context(report: Report) -> dict:
    """What the report templates show: the summary, the failing rows, the rows by unit in tree order (each with
    its evidence link) and each rule's clause text once."""
    from urllib.parse import urlencode

    data, ctx = report.data, report.context
    shape = layout(report)
    for unit in shape["units"]:
        for row in unit["rows"]:
            query = {"unit": row["unit"], "standard": data["standard"], "rule": row["rule"], "as_of": data["as_of"]}
            if row["item"]:
                query["item"] = row["item"]
            row["evidence"] = f"/compliance/evidence/?{urlencode(query)}"
    evidence = {(r["unit"], r["index"]): r["evidence"] for u in shape["units"] for r in u["rows"]}
    for row in shape["failing"]:
        row["evidence"] = evidence[(row["unit"], row["index"])]
    summary = [{"status": s, "label": status_label(s), "count": data["summary"].get(s, 0)} for s in SUMMARY_STATUSES]
    local = [dict(_in_language(s), name=name) for name, s in ctx.get("settings", {}).items() if s["local"]]
    return {"report": data, "ctx": ctx, "units": shape["units"], "failing": shape["failing"],
            "rules": shape["rules"], "summary": summary, "statuses": [status_label(s) for s in SUMMARY_STATUSES],
            "local_settings": local}


def render_html(report: Report) -> bytes:
    return render_to_string("compliance/standalone.html", html_context(report)).encode("utf-8")


def render_pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdfcanvas
    from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    data = report.data
    shape = layout(report)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=10.5, wordWrap="CJK")
    number = ParagraphStyle("number", parent=small, alignment=TA_RIGHT)
    tiny = ParagraphStyle("tiny", parent=small, fontSize=6.5, leading=8, textColor=colors.HexColor("#52606D"))
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    heading = ParagraphStyle("heading", fontName=font, fontSize=12.5, leading=17, spaceBefore=8, spaceAfter=4,
                             wordWrap="CJK")
    unit_heading = ParagraphStyle("unit", parent=heading, fontSize=10.5, leading=14, spaceBefore=6, spaceAfter=3)
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    fills = {k: colors.HexColor(f"#{v}") for k, v in FILLS.items()}
    grid = [("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E2EC")),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]

    def text(value, style=small):
        return Paragraph(markup(value), style)

    def titled(value, style=heading):
        """A heading that starts a new page rather than sit alone at the foot of one."""
        return [CondPageBreak(30 * mm), text(value, style)]

    indented = {}

    def indent(value, depth):
        style = indented.setdefault(depth, ParagraphStyle(f"indent{depth}", parent=small, leftIndent=depth * 9))
        return text(value, style)

    def figure(value):
        return Paragraph(markup(_figure(value)), number)

    def rule_cell(row):
        return Paragraph(f"{markup(row['title'])}<br/><font size=6.5 color='#52606D'>{markup(row['rule'])}</font>",
                         small)

    def grid_table(rows, widths, extra=()):
        table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
        table.setStyle(TableStyle(grid + list(extra)))
        return table

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
                self.drawRightString(self._pagesize[0] - 12 * mm, 8 * mm,
                                     _("第 %(page)d 页 / 共 %(total)d 页") % {"page": self._pageNumber,
                                                                          "total": total})
                self.drawString(12 * mm, 8 * mm, f"{data['standard']} · {data['unit']} · {data['as_of']}")
                super().showPage()
            super().save()

    story = [Paragraph(markup(_("合规核查报告")), title)]
    story += [text(f"{label}{_colon()}{value}", body) for label, value in _headline(report)]
    story += [text(f"{_('本地阈值')}{_colon()}{line}") for line in _local_settings(report)]

    # The summary: counts by status per unit, then the failing clauses with their shortfall.
    story += titled(_("摘要：各单位核查结论"))
    rows = [[text(h) for h in summary_header()]]
    extra = []
    fail_column = 3 + SUMMARY_STATUSES.index("fail")
    for i, (unit, values) in enumerate(zip(shape["units"], _summary_rows(shape)), start=1):
        rows.append([indent(values[0], unit["indent"]), text(values[1]), text(values[2]),
                     *(figure(v) for v in values[3:])])
        if unit["counts"]["fail"]:
            extra.append(("BACKGROUND", (fail_column, i), (fail_column, i), fills["fail"]))
    story.append(grid_table(rows, (80, 40, 30, 28, 28, 28, 28), extra))
    story += titled(_("不符合条款") if shape["failing"] else _("不符合条款：无"))
    if shape["failing"]:
        rows = [[text(h) for h in failing_header()]]
        for r in shape["failing"]:
            rows.append([text(_named(r["unit_name"], r["unit"])), rule_cell(r), text(r["clause"]), text(r["item"]),
                         figure(r["required"]), figure(r["actual"]), figure(r["shortfall"])])
        story.append(grid_table(rows, (58, 58, 66, 30, 20, 20, 20)))

    # The rows, unit by unit; the clause text follows once per rule.
    story += titled(_("核查结果（按单位）"))
    header = [_("规则"), _("条款"), _("项目"), _("应配"), _("实有"), _("缺口"), _("结论")]
    for unit in shape["units"]:
        counts = " · ".join(f"{status_label(s)} {unit['counts'][s]}" for s in SUMMARY_STATUSES if unit["counts"][s])
        story += titled(f"{_named(unit['name'], unit['code'])}{' ' if _english() else ''}{unit['kind_label']} — {counts}",
                       unit_heading)
        rows = [[text(h) for h in header]]
        extra = []
        for i, r in enumerate(unit["rows"], start=1):
            rows.append([rule_cell(r), text(r["clause"]), text(r["item"]), figure(r["required"]), figure(r["actual"]),
                         figure(r["shortfall"]), text(r["status_label"])])
            extra.append(("BACKGROUND", (6, i), (6, i), fills.get(r["status"], colors.white)))
        story.append(grid_table(rows, (74, 78, 34, 20, 20, 20, 27), extra))

    story += titled(_("条款原文"))
    rows = [[text(h) for h in clauses_header()]]
    for r in shape["rules"]:
        rows.append([text(r["rule"], tiny), text(r["title"]), text(r["clause"]), text(r["text"]), text(r["note"])])
    story.append(grid_table(rows, (38, 40, 55, 105, 35)))

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
        raise DomainError(gettext_lazy("未知的格式“%(format)s”，应为以下之一：%(expected)s"), field="format",
                          code="bad_format", format=fmt, expected=", ".join(FORMATS))

    return RENDERERS[fmt](report)
