"""The per-vehicle dossier (一车一档): everything in the file plus a period's mileage, trips and alerts; as data and PDF.

Mileage and alerts are the tracking sub-app's, read only through its public reads:
`telematics.tracking.selectors.daily_mileage` (km per local day, from the stored legs) and `tracking.Alert`.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartermaster.errors import DomainError
from quartermaster.pdf import cjk_font, paragraph

from .choices import DossierGap
from .models import Vehicle
from .selectors import vehicle_dossier_gaps


@dataclass
class Dossier:
    vehicle: Vehicle
    start: dt.date
    end: dt.date
    on: dt.date
    gaps: list[str]
    history: list = field(default_factory=list)
    bindings: list = field(default_factory=list)
    insurance: list = field(default_factory=list)
    inspections: list = field(default_factory=list)
    maintenance: list = field(default_factory=list)
    seals: list = field(default_factory=list)
    photos: list = field(default_factory=list)
    trips: list = field(default_factory=list)
    mileage: list[tuple[dt.date, float]] = field(default_factory=list)
    alerts: list = field(default_factory=list)
    journeys: object = None  # telematics.journeys.selectors.JourneyReport: the period's trips with their classes

    @property
    def gap_labels(self) -> list[str]:
        return [str(DossierGap(g).label) for g in self.gaps]

    @property
    def total_km(self) -> float:
        return round(sum(km for _, km in self.mileage), 1)


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 30 days up to today."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=29), today


def parse_period(start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """`start`/`end` query parameters (ISO dates, either may be empty) -> the period; a bad one is named."""
    default_start, default_end = default_period()
    values = []
    for name, text, default in (("start", start, default_start), ("end", end, default_end)):
        if not text:
            values.append(default)
            continue
        try:
            values.append(dt.date.fromisoformat(text.strip()))
        except ValueError:
            raise DomainError(gettext_lazy("日期格式应为 YYYY-MM-DD：%(value)s"), field=name, value=text) from None
    if values[1] < values[0]:
        raise DomainError(gettext_lazy("结束日期 %(end)s 早于开始日期 %(start)s"), field="end", end=values[1],
                          start=values[0])
    if (values[1] - values[0]).days > 366:
        raise DomainError(gettext_lazy("时段最长一年"), field="end")
    return values[0], values[1]


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time(), tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz))


def daily_mileage(vehicle_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, float]]:
    """(local day, km) for each day of the period."""
    from .tracking.selectors import daily_mileage as tracked

    return [(day, round(float(km), 1)) for day, km, *_ in tracked(vehicle_id, start, end)]


def recent_mileage(vehicle_id: int, days: int, today: dt.date | None = None) -> list[tuple[dt.date, float]]:
    """(local day, km) for the last `days` days up to today, from the daily rollups that the fleet reports read
    (telematics.tracking.rollups: one row per vehicle and day, however long the period)."""
    from .tracking.rollups import vehicle_days

    end = today or timezone.localdate()
    start = end - dt.timedelta(days=days - 1)
    found = vehicle_days([vehicle_id], start, end)
    return [(day, round(found[(vehicle_id, day)].dist_m / 1000.0, 1) if (vehicle_id, day) in found else 0.0)
            for day in (start + dt.timedelta(days=i) for i in range(days))]


def _alerts(vehicle_id: int, start: dt.date, end: dt.date) -> list:
    from .tracking.models import Alert

    lo, hi = _bounds(start, end)
    return list(Alert.objects.filter(vehicle_id=vehicle_id, started_at__gte=lo, started_at__lt=hi)
                .order_by("started_at"))


def period_journeys(vehicle: Vehicle, start: dt.date, end: dt.date):
    from .journeys.selectors import period_journeys as detected

    return detected(vehicle, start, end)


def build_dossier(vehicle: Vehicle, start: dt.date | None = None, end: dt.date | None = None,
                  on: dt.date | None = None, with_journeys: bool = True) -> Dossier:
    """The vehicle's whole file, and mileage, trips and alerts from `start` to `end` (local dates, inclusive).
    `with_journeys=False`: without the detected trips (their places are a track: PIPL gate, telematics/privacy.py)."""
    default_start, default_end = default_period()
    start, end = start or default_start, end or default_end
    on = on or timezone.localdate()
    lo, hi = _bounds(start, end)
    return Dossier(
        vehicle=vehicle, start=start, end=end, on=on, gaps=vehicle_dossier_gaps(vehicle, on),
        history=list(vehicle.history.select_related("unit").order_by("effective", "id")),
        bindings=list(vehicle.terminal_bindings.order_by("bound_at", "id")),
        insurance=list(vehicle.insurance.order_by("starts", "id")),
        inspections=list(vehicle.inspections.order_by("inspected_on", "id")),
        maintenance=list(vehicle.maintenance.order_by("date", "id")),
        seals=list(vehicle.seals.order_by("sealed_from", "id")),
        photos=list(vehicle.photos.order_by("created_at", "id")),
        trips=list(vehicle.trips.filter(start__lt=hi, end__gte=lo).order_by("start")),
        mileage=daily_mileage(vehicle.pk, start, end),
        alerts=_alerts(vehicle.pk, start, end),
        journeys=period_journeys(vehicle, start, end) if with_journeys else None,
    )


# --- PDF -----------------------------------------------------------------------------------------

def _local(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value)


def dossier_pdf(dossier: Dossier) -> bytes:
    """One PDF of the dossier, the CJK font embedded (settings.QM_CJK_FONT)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=11, leading=16, spaceBefore=8, spaceAfter=4)
    v = dossier.vehicle
    story = [paragraph(_("执法车辆档案（一车一档）") + f"　{v.plate}", h1),
             paragraph(_("档案期间：%(start)s 至 %(end)s；生成日期：%(on)s") %
                       {"start": dossier.start, "end": dossier.end, "on": dossier.on}, body)]

    def table(header: list[str], rows: list[list], widths=None) -> Table:
        data = [[paragraph(str(h), body) for h in header]]
        data += [[paragraph(_local(c) if not isinstance(c, str) else (c or "—"), body) for c in row] for row in rows]
        if len(data) == 1:
            data.append([paragraph(_("（无记录）"), body)] + [""] * (len(header) - 1))
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    def section(title: str, header: list[str], rows: list[list], widths=None) -> None:
        story.append(paragraph(title, h2))
        story.append(table(header, rows, widths))

    section(_("基本信息"), [_("项目"), _("内容")], [
        [_("车牌号"), v.plate], [_("车架号"), v.vin], [_("所属单位"), f"{v.unit.name}（{v.unit.code}）"],
        [_("车辆类型"), v.vehicle_type], [_("座位数"), str(v.seats)], [_("状态"), str(v.get_status_display())],
        [_("购置日期"), v.acquired], [_("保险到期"), v.insurance_expires], [_("年检到期"), v.inspection_expires],
        [_("定位终端号"), v.terminal_id or ""],
        [_("标识涂装合规"), _("是") if v.livery_compliant else _("否")],
        [_("档案完整性"), _("完整") if not dossier.gaps else "；".join(dossier.gap_labels)],
    ], [40 * mm, 130 * mm])
    if v.livery_photo:
        try:
            story += [Spacer(1, 4), Image(v.livery_photo.path, width=60 * mm, height=40 * mm, kind="proportional")]
        except (OSError, ValueError):  # a missing or unreadable photo must not stop the dossier
            story.append(paragraph(_("涂装照片无法读取：%s") % v.livery_photo.name, body))
    section(_("单位与状态履历"), [_("生效日期"), _("变动"), _("所属单位"), _("状态"), _("说明")],
            [[h.effective, str(h.get_change_display()), h.unit.name, str(h.get_status_display()), h.note]
             for h in dossier.history])
    section(_("定位终端绑定记录"), [_("终端号"), _("绑定时间"), _("解绑时间")],
            [[b.terminal_id, b.bound_at, b.unbound_at] for b in dossier.bindings])
    section(_("保险记录"), [_("保险公司"), _("保单号"), _("起保日期"), _("到期日期")],
            [[p.insurer, p.policy_no, p.starts, p.expires] for p in dossier.insurance])
    section(_("年检记录"), [_("检验日期"), _("有效期至"), _("检测机构"), _("备注")],
            [[i.inspected_on, i.expires, i.station, i.note] for i in dossier.inspections])
    section(_("维修保养记录"), [_("日期"), _("类别"), _("里程（公里）"), _("内容"), _("费用（元）"), _("维修单位")],
            [[m.date, str(m.get_kind_display()), str(m.odometer_km or ""), m.work_done, str(m.cost), m.workshop]
             for m in dossier.maintenance])
    section(_("车辆照片"), [_("上传时间"), _("拍摄日期"), _("说明"), _("经办人")],
            [[p.created_at, p.taken_on, p.caption, p.username] for p in dossier.photos])
    for p in dossier.photos:
        try:
            story += [Spacer(1, 4), Image(p.image.path, width=60 * mm, height=40 * mm, kind="proportional")]
        except (OSError, ValueError):  # a missing or unreadable photo must not stop the dossier
            story.append(paragraph(_("照片无法读取：%s") % p.image.name, body))
    section(_("封存记录"), [_("封存开始日期"), _("封存结束日期"), _("钥匙保管人"), _("备注")],
            [[x.sealed_from, x.sealed_to, x.key_holder, x.note] for x in dossier.seals])
    section(_("派车单（本期）"), [_("开始"), _("结束"), _("事由"), _("目的地"), _("状态"), _("批准人")],
            [[t.start, t.end, t.purpose, t.destination or (f"{t.dest_lat:.5f}, {t.dest_lon:.5f}"
                                                         if t.dest_lat is not None else _("不限")),
              str(t.get_status_display()), t.approved_by] for t in dossier.trips])
    if dossier.journeys is None:
        story.append(paragraph(_("行程（本期）：未说明查看目的，不列出（非值勤时段或较早的行程属个人行踪信息）。"), body))
    else:
        section(_("行程（本期）"), [_("开始"), _("结束"), _("里程（公里）"), _("时长（分钟）"), _("类别"), _("派车单")],
                [[j["start_at"], j["end_at"], f"{j['km']:.1f}", str(j["minutes"]),
                  str(j["class_label"]) + (f"（{_('补单')}）" if j["late_order"] else ""), str(j["order"] or "—")]
                 for j in dossier.journeys.rows])
        if dossier.journeys.unused:
            section(_("有单无轨（派车单未出车）"), [_("开始"), _("结束"), _("事由"), _("批准人")],
                    [[u["start_at"], u["end_at"], u["purpose"], u["approved_by"]]
                     for u in dossier.journeys.unused_rows])
    section(_("每日里程（本期合计 %(km)s 公里）") % {"km": dossier.total_km}, [_("日期"), _("里程（公里）")],
            [[day, f"{km:.1f}"] for day, km in dossier.mileage], [60 * mm, 60 * mm])
    section(_("告警（本期）"), [_("类型"), _("开始"), _("结束"), _("状态"), _("地点/网格")],
            [[str(a.get_kind_display()), a.started_at, a.ended_at, str(a.get_status_display()),
              " ".join(x for x in (a.place_text or a.venue, a.grid_code) if x)]
             for a in dossier.alerts])

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"{v.plate} 一车一档", author="Quartermaster")
    doc.build(story)
    return buffer.getvalue()
