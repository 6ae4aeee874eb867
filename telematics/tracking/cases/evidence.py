"""The evidence pack of a case (证据材料, for 纪检监察): one PDF and one XLSX with the alerts, the vehicle and its unit,
the duty hours and approved trips that applied, a map of the track over the bureau's own layers (drawn offline, no
tiles), the fixes, and every step of the case with who and when."""
from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartermaster.pdf import cjk_font, paragraph
from quartermaster.spreadsheets import xlsx_value

from ..choices import CaseAction, CaseState
from ..models import Position
from .selectors import CaseView, kind_label

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARGIN = dt.timedelta(minutes=5)   # fixes read before the first alert began and after the last one ended
PDF_FIXES_MAX = 200                # fixes listed in the PDF (thinned evenly beyond; the XLSX lists them all)
XLSX_FIXES_MAX = 50_000
WEEKDAYS = (gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"),
            gettext_lazy("周五"), gettext_lazy("周六"), gettext_lazy("周日"))


@dataclass
class Evidence:
    view: CaseView
    generated_at: dt.datetime
    generated_by: str
    fixes: list = field(default_factory=list)      # (ts, lat, lon, speed, heading, grid_code)
    duty: list = field(default_factory=list)       # (unit name, weekdays text, start, end)
    trips: list = field(default_factory=list)      # approved trips overlapping the period

    @property
    def vehicle(self):
        return self.view.alert.vehicle

    @property
    def period(self) -> tuple[dt.datetime, dt.datetime]:
        starts = [a.started_at for a in self.view.alerts]
        ends = [a.ended_at or self.generated_at for a in self.view.alerts]
        return min(starts) - MARGIN, max(ends) + MARGIN


def _local(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value, SHANGHAI):%Y-%m-%d %H:%M:%S}"
    return str(value)


def _weekdays(text: str) -> str:
    from telematics.calendar import parse_weekdays

    try:
        return "、".join(str(WEEKDAYS[d - 1]) for d in sorted(parse_weekdays(text)))
    except ValueError:
        return text


def _duty(unit) -> list[tuple]:
    """The duty schedule that applies to the unit: its own, else its nearest ancestor's (as the rules read it)."""
    from telematics.models import DutySchedule

    current = unit
    while current is not None:
        rows = list(DutySchedule.objects.filter(unit=current).order_by("start", "pk"))
        if rows:
            return [(current.name, _weekdays(r.weekdays), f"{r.start:%H:%M}", f"{r.end:%H:%M}") for r in rows]
        current = current.parent
    return []


def build_evidence(view: CaseView, *, user=None) -> Evidence:
    from telematics.choices import TripStatus

    evidence = Evidence(view=view, generated_at=timezone.now(),
                        generated_by=getattr(user, "username", "") or "system")
    lo, hi = evidence.period
    vehicle = view.alert.vehicle
    evidence.fixes = list(Position.objects.filter(vehicle_id=vehicle.pk, ts__gte=lo, ts__lte=hi).order_by("ts")
                          .values_list("ts", "lat", "lon", "speed", "heading", "grid_code")[:XLSX_FIXES_MAX])
    evidence.duty = _duty(vehicle.unit)
    evidence.trips = list(vehicle.trips.filter(status=TripStatus.APPROVED, start__lt=hi, end__gt=lo).order_by("start"))
    return evidence


def _thinned(rows: list, limit: int) -> list:
    if len(rows) <= limit:
        return rows
    step = (len(rows) - 1) / (limit - 1)
    return [rows[round(i * step)] for i in range(limit)]


def _action_label(value: str) -> str:
    return str(CaseAction(value).label) if value in CaseAction.values else value


def _role_label(value: str) -> str:
    from assets.choices import UserRole

    return str(UserRole(value).label) if value in UserRole.values else value


def _state_label(value: str) -> str:
    return str(CaseState(value).label) if value in CaseState.values else value


def _place(alert) -> str:
    """Where: the place label (gis.places: the venue, else the street, with the community) and the grid cell."""
    parts = [alert.place_text or alert.venue, alert.grid_code]
    return " · ".join(p for p in parts if p) or "—"


def alert_rows(evidence: Evidence) -> list[list[str]]:
    rows = []
    for a in evidence.view.alerts:
        rows.append([f"#{a.pk}", kind_label(a.kind), _local(a.started_at), _local(a.ended_at),
                     _("%(m)d 分钟") % {"m": round(a.dwell_s / 60)} if a.dwell_s else "—", _place(a),
                     f"{a.lat:.5f}, {a.lon:.5f}" if a.lat is not None else "—", a.clause or "—"])
    return rows


def history_rows(evidence: Evidence) -> list[list[str]]:
    view = evidence.view
    first = view.alert
    rows = [[_local(first.raised_at), _("告警产生"), "—", _state_label(CaseState.PENDING), "system", "",
             _("说明期限：%s") % _local(_first_deadline(view))]]
    for e in view.events:
        text = e.text
        if e.late_order_id:
            text += ("\n" if text else "") + _("补单：%(id)s（%(start)s）") % {
                "id": e.late_order_id, "start": _local(e.late_order.journey_start)}
        if e.deadline:
            text += ("\n" if text else "") + _("新的说明期限：%s") % _local(e.deadline)
        names = [a.name for a in e.attachments.all()]
        if names:
            text += ("\n" if text else "") + _("附件：%s") % "、".join(names)
        rows.append([_local(e.at), _action_label(e.action), _state_label(e.from_state), _state_label(e.to_state),
                     e.username, _role_label(e.role), text])
    return rows


def _first_deadline(view: CaseView) -> dt.datetime:
    """The deadline the case was opened with (a later return sets a new one)."""
    from .services import default_deadline

    return default_deadline(view.alert)


# --- the map ------------------------------------------------------------------------------------------------------

def track_drawing(evidence: Evidence, width: float, height: float):
    """A ReportLab drawing of the track over the grid cells, streets and venues around it (WGS-84, equirectangular
    at the track's latitude), the alerts' points marked; None without fixes."""
    import shapely
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Polygon, Rect, String
    from reportlab.lib import colors

    from gis.selectors import active_features

    points = [(lon, lat) for _ts, lat, lon, *_rest in evidence.fixes]
    for a in evidence.view.alerts:
        if a.lat is not None:
            points.append((a.lon, a.lat))
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    mid_lat = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(mid_lat))
    # At least 600 m across, 15 % around the track.
    span = max((max(lons) - min(lons)) * kx, max(lats) - min(lats), 600 / 111_320)
    cx, cy = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    half = span * 0.575
    aspect = width / height
    half_x, half_y = (half * aspect, half) if aspect >= 1 else (half, half / aspect)
    bbox = (cx - half_x / kx, cy - half_y, cx + half_x / kx, cy + half_y)
    font = cjk_font()

    def xy(lon, lat):
        return ((lon - bbox[0]) / (bbox[2] - bbox[0]) * width, (lat - bbox[1]) / (bbox[3] - bbox[1]) * height)

    def flat(coords):
        out = []
        for lon, lat in coords:
            out += xy(lon, lat)
        return out

    frame = shapely.box(*bbox)

    def clipped(wkb):
        """The feature cut to the map's frame (a drawing does not clip what it is given)."""
        return shapely.from_wkb(wkb).intersection(frame)

    d = Drawing(width, height)
    d.add(Rect(0, 0, width, height, fillColor=colors.HexColor("#f4f1ea"), strokeColor=colors.grey))
    for cell in active_features(layer="grid", bbox=bbox)[:400]:
        geom = clipped(cell.geometry)
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type == "Polygon" and not poly.is_empty:
                d.add(Polygon(flat(poly.exterior.coords), fillColor=None, strokeColor=colors.HexColor("#c9c2b0"),
                              strokeWidth=0.4))
    try:
        streets = list(active_features(layer="streets", bbox=bbox)[:400])
    except (ValueError, KeyError):  # a build without the streets layer
        streets = []
    for street in streets:
        geom = clipped(street.geometry)
        for line in getattr(geom, "geoms", [geom]):
            # A street whose box overlaps the frame but whose line passes outside it is cut to nothing: the SVG
            # renderer refuses a line without points (the alert page answered 500).
            if line.geom_type == "LineString" and len(line.coords) >= 2:
                d.add(PolyLine(flat(line.coords), strokeColor=colors.white, strokeWidth=2.2))
                d.add(PolyLine(flat(line.coords), strokeColor=colors.HexColor("#b8b2a4"), strokeWidth=0.5))
    for venue in active_features(layer="venues", bbox=bbox)[:200]:
        geom = shapely.from_wkb(venue.geometry)
        if geom.geom_type == "Point":
            x, y = xy(geom.x, geom.y)
            r = max(2.5, (venue.radius_m or 30) / 111_320 / (bbox[3] - bbox[1]) * height)
            d.add(Circle(x, y, r, fillColor=colors.HexColor("#f6c9c9"), strokeColor=colors.HexColor("#c62828"),
                         strokeWidth=0.6))
        else:
            geom = clipped(venue.geometry)
            if geom.is_empty:
                continue
            for poly in getattr(geom, "geoms", [geom]):
                if poly.geom_type == "Polygon" and not poly.is_empty:
                    d.add(Polygon(flat(poly.exterior.coords), fillColor=colors.HexColor("#f6c9c9"),
                                  strokeColor=colors.HexColor("#c62828"), strokeWidth=0.6))
            x, y = xy(geom.centroid.x, geom.centroid.y)
        d.add(String(x + 4, y + 4, venue.name, fontName=font, fontSize=7, fillColor=colors.HexColor("#8e1b1b")))
    track = [xy(lon, lat) for _ts, lat, lon, *_rest in evidence.fixes]
    if len(track) >= 2:
        d.add(PolyLine([c for pt in track for c in pt], strokeColor=colors.HexColor("#1565c0"), strokeWidth=1.6))
    if track:
        d.add(Circle(*track[0], 3, fillColor=colors.HexColor("#2e7d32"), strokeColor=colors.white))
        d.add(String(track[0][0] - 5, track[0][1] - 11, _("起点"), fontName=font, fontSize=7, textAnchor="end"))
        d.add(Circle(*track[-1], 3, fillColor=colors.black, strokeColor=colors.white))
        d.add(String(track[-1][0] - 5, track[-1][1] + 5, _("终点"), fontName=font, fontSize=7, textAnchor="end"))
    for a in evidence.view.alerts:
        if a.lat is not None:
            x, y = xy(a.lon, a.lat)
            d.add(Circle(x, y, 4.5, fillColor=colors.HexColor("#d32f2f"), strokeColor=colors.white, strokeWidth=1))
            d.add(String(x + 6, y - 3, f"#{a.pk} {kind_label(a.kind)}", fontName=font, fontSize=7.5,
                         fillColor=colors.HexColor("#b71c1c")))
    # Scale bar: a round distance about a fifth of the width.
    metres_per_pt = (bbox[2] - bbox[0]) * kx * 111_320 / width
    bar_m = next(m for m in (50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 10**9)
                 if m / metres_per_pt >= width / 8)
    bar = bar_m / metres_per_pt
    d.add(Line(8, 8, 8 + bar, 8, strokeColor=colors.black, strokeWidth=1.5))
    d.add(String(8, 12, f"{bar_m} m" if bar_m < 1000 else f"{bar_m // 1000} km", fontName=font, fontSize=7))
    d.add(String(width - 8, height - 12, "N ↑", fontName=font, fontSize=8, textAnchor="end"))
    return d


# --- PDF ----------------------------------------------------------------------------------------------------------

def evidence_pdf(evidence: Evidence) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Table, TableStyle

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=15, leading=21, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontSize=11, leading=15, spaceBefore=8, spaceAfter=4)
    view, v = evidence.view, evidence.vehicle
    story = [paragraph(_("公务用车告警核查证据材料") + f"　#{view.alert.pk}", h1),
             paragraph(_("生成时间：%(at)s；生成人：%(by)s") % {"at": _local(evidence.generated_at),
                                                          "by": evidence.generated_by}, body)]

    def table(header, rows, widths=None):
        data = [[paragraph(h, body) for h in header]]
        data += [[paragraph(c if c not in (None, "") else "—", body) for c in row] for row in rows]
        if len(data) == 1:
            data.append([paragraph(_("（无记录）"), body)] + [""] * (len(header) - 1))
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    def section(title, header, rows, widths=None):
        story.append(paragraph(title, h2))
        story.append(table(header, rows, widths))

    state = view.state_label + (_("（已逾期）") if view.overdue else "")
    section(_("核查概况"), [_("项目"), _("内容")], [
        [_("核查状态"), state], [_("说明期限"), _local(view.deadline)],
        [_("车牌号"), v.plate], [_("所属单位"), f"{v.unit.name}（{v.unit.code}）"],
        [_("车辆类型"), v.vehicle_type or "—"], [_("定位终端号"), view.alert.terminal or v.terminal_id or "—"],
    ], [40 * mm, 140 * mm])
    section(_("告警"), [_("编号"), _("类型"), _("开始"), _("结束"), _("停留"), _("地点"), _("坐标"), _("依据条款")],
            alert_rows(evidence), [12 * mm, 22 * mm, 24 * mm, 24 * mm, 14 * mm, 32 * mm, 24 * mm, 28 * mm])
    section(_("适用的值勤时间"), [_("单位"), _("星期"), _("开始"), _("结束")], [list(r) for r in evidence.duty])
    section(_("期间内已批准的派车单"), [_("开始"), _("结束"), _("事由"), _("目的地"), _("批准人")],
            [[_local(t.start), _local(t.end), t.purpose, t.destination or "—", t.approved_by or "—"]
             for t in evidence.trips])
    drawing = track_drawing(evidence, 180 * mm, 105 * mm)
    if drawing is not None:
        story.append(KeepTogether([paragraph(_("轨迹示意图（%(lo)s 至 %(hi)s，红点为告警位置）") %
                                             {"lo": _local(evidence.period[0]), "hi": _local(evidence.period[1])},
                                             h2), drawing]))
    section(_("核查过程"), [_("时间"), _("操作"), _("原状态"), _("新状态"), _("操作人"), _("角色"), _("内容")],
            history_rows(evidence), [26 * mm, 20 * mm, 14 * mm, 14 * mm, 18 * mm, 16 * mm, 72 * mm])
    shown = _thinned(evidence.fixes, PDF_FIXES_MAX)
    title = _("定位点（共 %(n)d 个）") % {"n": len(evidence.fixes)}
    if len(shown) < len(evidence.fixes):
        title += _("，均匀抽取 %(m)d 个；完整列表见 XLSX") % {"m": len(shown)}
    section(title, [_("时间"), _("纬度"), _("经度"), _("速度（公里/小时）"), _("方向"), _("网格编码")],
            [[_local(ts), f"{lat:.6f}", f"{lon:.6f}", "—" if speed is None else f"{speed:.1f}",
              "—" if heading is None else f"{heading:.0f}", grid or "—"]
             for ts, lat, lon, speed, heading, grid in shown])
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"{v.plate} 告警核查 #{view.alert.pk}", author="Quartermaster")
    doc.build(story)
    return buffer.getvalue()


# --- XLSX ---------------------------------------------------------------------------------------------------------

def evidence_xlsx(evidence: Evidence) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    view, v = evidence.view, evidence.vehicle
    wb = Workbook()
    sheets = []

    def sheet(title, header, rows, ws=None):
        ws = ws or wb.create_sheet(title)
        ws.title = title
        ws.append([xlsx_value(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([xlsx_value(c) for c in row])
        sheets.append(ws)
        return ws

    summary = [
        [_("告警核查"), f"#{view.alert.pk}"], [_("核查状态"), view.state_label + (_("（已逾期）") if view.overdue else "")],
        [_("说明期限"), _local(view.deadline)], [_("车牌号"), v.plate], [_("所属单位"), f"{v.unit.name}（{v.unit.code}）"],
        [_("车辆类型"), v.vehicle_type], [_("定位终端号"), view.alert.terminal or v.terminal_id],
        [_("生成时间"), _local(evidence.generated_at)], [_("生成人"), evidence.generated_by],
    ]
    summary += [[_("值勤时间"), f"{unit} {days} {start}-{end}"] for unit, days, start, end in evidence.duty]
    summary += [[_("已批准的派车单"), f"{_local(t.start)} – {_local(t.end)} {t.purpose}"] for t in evidence.trips]
    sheet(_("概况"), [_("项目"), _("内容")], summary, ws=wb.active)
    sheet(_("告警"), [_("编号"), _("类型"), _("开始"), _("结束"), _("停留"), _("地点"), _("坐标"), _("依据条款")],
          alert_rows(evidence))
    sheet(_("核查过程"), [_("时间"), _("操作"), _("原状态"), _("新状态"), _("操作人"), _("角色"), _("内容")],
          history_rows(evidence))
    sheet(_("定位点"), [_("时间"), _("纬度"), _("经度"), _("速度（公里/小时）"), _("方向"), _("网格编码")],
          [[_local(ts), lat, lon, speed, heading, grid] for ts, lat, lon, speed, heading, grid in evidence.fixes])
    for ws in sheets:
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = min(
                60, max(10, *(len(str(c.value or "")) * 1.6 for c in column[:200])))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
