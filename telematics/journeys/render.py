"""A journey report as JSON (a list of trips), CSV (the trips) or XLSX (trips, stops and unused approved trips, with
headers and class names in the reader's language)."""
from __future__ import annotations

import csv
import io
import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartermaster.errors import DomainError
from quartermaster.spreadsheets import neutralise, xlsx_value

from .choices import JourneyClass
from .selectors import JourneyReport

FORMATS = ("json", "csv", "xlsx")
TRIP_FIELDS = ("vehicle", "terminal", "start", "end", "distance_m", "duration_s", "max_speed", "avg_speed", "class",
               "order", "late_order", "complete", "start_lat", "start_lon", "start_grid", "end_lat", "end_lon",
               "end_grid", "start_place", "end_place")
STOP_FIELDS = ("vehicle", "start", "end", "dwell_s", "lat", "lon", "grid_code", "place")
UNUSED_FIELDS = ("vehicle", "order", "start", "end", "purpose", "destination", "approved_by", "class")
SUMMARY_FIELDS = ("vehicle", "trips", "distance_m", "driving_s", "stopped_s", "matched", "overtime", "off_route",
                  "duty", "no_order", "unused")


def _headers() -> dict[str, str]:
    return {"vehicle": _("车牌号"), "terminal": _("终端号"), "start": _("开始时间"), "end": _("结束时间"),
            "distance_m": _("里程（米）"), "duration_s": _("时长（秒）"), "max_speed": _("最高速度（公里/小时）"),
            "avg_speed": _("平均速度（公里/小时）"), "class": _("类别"), "order": _("派车单"), "late_order": _("补单"),
            "complete": _("已结束"),
            "start_lat": _("起点纬度"), "start_lon": _("起点经度"), "start_grid": _("起点网格"),
            "end_lat": _("终点纬度"), "end_lon": _("终点经度"), "end_grid": _("终点网格"),
            "start_place": _("起点位置"), "end_place": _("终点位置"), "place": _("位置"), "dwell_s": _("停留（秒）"),
            "lat": _("纬度"), "lon": _("经度"), "grid_code": _("网格编码"), "purpose": _("事由"),
            "destination": _("目的地"), "approved_by": _("批准人"), "trips": _("行程数"),
            "driving_s": _("行驶时长（秒）"), "stopped_s": _("停车时长（秒）"),
            **{c: str(JourneyClass(c).label) for c in JourneyClass.values}}


def render_json(report: JourneyReport) -> bytes:
    return (json.dumps(report.journeys, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render_csv(report: JourneyReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRIP_FIELDS)
    for row in report.journeys:
        writer.writerow(["" if row[k] is None else neutralise(row[k]) for k in TRIP_FIELDS])
    return out.getvalue().encode("utf-8")


def _cell(key: str, value):
    if value is None:
        return ""
    if key == "class" and isinstance(value, str):
        return str(JourneyClass(value).label)
    if key in ("complete", "late_order"):
        return _("是") if value else _("否")
    return value


def render_xlsx(report: JourneyReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    headers = _headers()
    wb = Workbook()
    wb.properties.creator = "Quartermaster"
    wb.properties.title = report.subject
    sheets = ((wb.active, _("行程"), TRIP_FIELDS, report.journeys),
              (wb.create_sheet(), _("停车点"), STOP_FIELDS, report.stops),
              (wb.create_sheet(), _("有单无轨"), UNUSED_FIELDS, report.unused))
    if report.summary is not None:
        sheets += ((wb.create_sheet(), _("汇总"), SUMMARY_FIELDS, report.summary),)
    for sheet, title, fields, rows in sheets:
        sheet.title = title
        sheet.append([headers[k] for k in fields])
        for row in rows:
            sheet.append([xlsx_value(_cell(k, row.get(k))) for k in fields])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column, key in zip(sheet.iter_cols(min_row=1, max_row=1), fields):
            sheet.column_dimensions[column[0].column_letter].width = 28 if key in ("start", "end", "purpose") else 14
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def render(report: JourneyReport, fmt: str) -> bytes:
    if fmt == "json":
        return render_json(report)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "xlsx":
        return render_xlsx(report)
    raise DomainError(gettext_lazy("格式 %(format)s：应为 %(formats)s 之一"), field="format", format=fmt,
                      formats=", ".join(FORMATS))
