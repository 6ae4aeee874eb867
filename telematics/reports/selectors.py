"""The reports' reads: each builds a `Report` (columns, rows, totals, an optional chart) for a set of vehicles (cut
to the reader's scope by the caller) over local days `start`..`end` (both included).

Trips and stops are detected from the fixes (telematics.journeys; finished vehicle-days read back from the trips
stored for them, journeys.stored), and span at most QM_REPORT_MAX_DAYS; daily
mileage, summary and online rate read the daily rollups (telematics.tracking.rollups) and take any period. The
summary's trip counts come from the rollup where `qm rollup` counted them, else from the fixes of those days."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartermaster.errors import DomainError
from telematics.journeys import conf as journeys_conf
from telematics.journeys import stored
from telematics.journeys.choices import JourneyClass
from telematics.journeys.selectors import vehicle_journeys
from telematics.journeys.track import Subject
from telematics.tracking import rollups

from . import online

SHANGHAI = ZoneInfo("Asia/Shanghai")

KINDS = {"trips": gettext_lazy("行程报表"), "stops": gettext_lazy("停车报表"), "mileage": gettext_lazy("每日里程"),
         "summary": gettext_lazy("车辆汇总"), "online": gettext_lazy("在线率")}


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text, datetime, date, number, percent


@dataclass
class Chart:
    title: str
    unit: str
    bars: list[tuple[str, float]]
    top: float | None = None  # the axis' maximum (percentages: 100); None: rounded up from the tallest bar


@dataclass
class Report:
    kind: str
    subject: str  # the plate, or the unit's name and code
    start: dt.date
    end: dt.date
    columns: list[Column]
    rows: list[dict]
    totals: dict | None = None
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(KINDS[self.kind])


def parse_day(text: str | None, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text or "").strip()[:10])
    except ValueError:
        raise DomainError(gettext_lazy("日期格式应为 YYYY-MM-DD：%(value)s"), field=what, value=text) from None


def check_period(start: dt.date, end: dt.date, *, max_days: int | None = None) -> None:
    if end < start:
        raise DomainError(gettext_lazy("时段的结束不能早于开始"), field="to")
    if max_days is not None and (end - start).days + 1 > max_days:
        raise DomainError(gettext_lazy("这份报表最长 %(days)s 天（QM_REPORT_MAX_DAYS）"), field="to",
                          days=max_days)
    if (end - start).days > 3660:
        raise DomainError(gettext_lazy("时段最长十年"), field="to")


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(start, dt.time(), SHANGHAI),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI))


def _days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _km(metres: float) -> float:
    return round(metres / 1000.0, 2)


def _hours(seconds: float) -> float:
    return round(seconds / 3600.0, 2)


def _local(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).astimezone(SHANGHAI).replace(tzinfo=None)


def _ordered(vehicles):
    return list(vehicles.select_related("unit").order_by("plate"))


# --- trips and stops (from the fixes) -------------------------------------------------------------------------------

def trips_report(vehicles, start: dt.date, end: dt.date, subject: str) -> Report:
    check_period(start, end, max_days=journeys_conf.get("QM_REPORT_MAX_DAYS"))
    lo, hi = _bounds(start, end)
    rows = []
    for vehicle in _ordered(vehicles):
        for j in vehicle_journeys(Subject(vehicle=vehicle, terminal=None), lo, hi).journeys:
            rows.append({"vehicle": vehicle.plate, "start": _local(j["start"]), "start_place": j["start_place"],
                         "end": _local(j["end"]), "end_place": j["end_place"], "distance_km": _km(j["distance_m"]),
                         "duration_min": round(j["duration_s"] / 60, 1), "moving_min": round(j["moving_s"] / 60, 1),
                         "max_speed": j["max_speed"], "avg_speed": j["avg_speed"], "class": j["class"],
                         "class_label": str(JourneyClass(j["class"]).label), "driver": j["driver"] or "",
                         "late_order": _("是") if j["late_order"] else ""})
    columns = [Column("vehicle", _("车牌号")), Column("start", _("开始时间"), "datetime"),
               Column("start_place", _("起点")), Column("end", _("结束时间"), "datetime"),
               Column("end_place", _("终点")), Column("distance_km", _("里程（公里）"), "number"),
               Column("duration_min", _("时长（分钟）"), "number"), Column("moving_min", _("行驶（分钟）"), "number"),
               Column("max_speed", _("最高速度（公里/小时）"), "number"),
               Column("avg_speed", _("平均速度（公里/小时）"), "number"), Column("class_label", _("类别")),
               Column("driver", _("驾驶员")), Column("late_order", _("补单"))]
    totals = {"vehicle": _("合计"), "distance_km": round(sum(r["distance_km"] for r in rows), 2),
              "duration_min": round(sum(r["duration_min"] for r in rows), 1),
              "moving_min": round(sum(r["moving_min"] for r in rows), 1)}
    return Report("trips", subject, start, end, columns, rows, totals)


def stops_report(vehicles, start: dt.date, end: dt.date, subject: str) -> Report:
    check_period(start, end, max_days=journeys_conf.get("QM_REPORT_MAX_DAYS"))
    lo, hi = _bounds(start, end)
    rows = []
    for vehicle in _ordered(vehicles):
        for s in vehicle_journeys(Subject(vehicle=vehicle, terminal=None), lo, hi).stops:
            rows.append({"vehicle": vehicle.plate, "place": s["place"], "start": _local(s["start"]),
                         "end": _local(s["end"]), "dwell_min": round(s["dwell_s"] / 60, 1), "lat": round(s["lat"], 6),
                         "lon": round(s["lon"], 6)})
    columns = [Column("vehicle", _("车牌号")), Column("place", _("地点")), Column("start", _("开始时间"), "datetime"),
               Column("end", _("结束时间"), "datetime"), Column("dwell_min", _("停留（分钟）"), "number"),
               Column("lat", _("纬度"), "number"), Column("lon", _("经度"), "number")]
    totals = {"vehicle": _("合计"), "dwell_min": round(sum(r["dwell_min"] for r in rows), 1)}
    return Report("stops", subject, start, end, columns, rows, totals)


# --- from the rollups ----------------------------------------------------------------------------------------------

def mileage_report(vehicles, start: dt.date, end: dt.date, subject: str) -> Report:
    """One row per day: km, driving hours and the vehicles that reported (a vehicle's report: its fixes too)."""
    check_period(start, end)
    ids = list(vehicles.values_list("pk", flat=True))
    found = rollups.vehicle_days(ids, start, end)
    per_day: dict[dt.date, list] = defaultdict(lambda: [0.0, 0.0, 0, 0])
    for (_v, day), d in found.items():
        row = per_day[day]
        row[0] += d.dist_m
        row[1] += d.moving_s
        row[2] += d.fixes
        row[3] += 1 if d.fixes else 0
    rows = [{"day": day, "distance_km": _km(per_day[day][0]), "driving_h": _hours(per_day[day][1]),
             "fixes": per_day[day][2], "vehicles": per_day[day][3]} for day in _days(start, end)]
    columns = [Column("day", _("日期"), "date"), Column("distance_km", _("里程（公里）"), "number"),
               Column("driving_h", _("行驶时长（小时）"), "number"), Column("fixes", _("定位数"), "number"),
               Column("vehicles", _("上线车辆数"), "number")]
    totals = {"day": _("合计"), "distance_km": round(sum(r["distance_km"] for r in rows), 2),
              "driving_h": round(sum(r["driving_h"] for r in rows), 2), "fixes": sum(r["fixes"] for r in rows)}
    chart = Chart(_("每日里程"), _("公里"), [(r["day"].strftime("%m-%d"), r["distance_km"]) for r in rows])
    return Report("mileage", subject, start, end, columns, rows, totals, chart)


# Vehicle-days whose trips a summary detects from the fixes at most (days `qm rollup --trips` has not counted yet);
# beyond, those days' trips are left out and the report says so.
LIVE_TRIP_DAYS_MAX = 200


def _trip_counts(vehicles, start: dt.date, end: dt.date, found) -> tuple[dict[int, int], list[dt.date]]:
    """Trips per vehicle starting in the period: the rollup's counts; days not counted yet (today, before the nightly
    `qm rollup --trips`) detected from the fixes where the vehicle has fixes that day, if few enough. Returns the
    counts and the days left out."""
    from telematics.tracking.models import VehicleDay

    counted: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for vehicle_id, day, trips in VehicleDay.objects.filter(
            vehicle__in=vehicles, day__gte=start, day__lte=end, trips__isnull=False).values_list(
            "vehicle_id", "day", "trips"):
        counted[vehicle_id][day] = trips
    missing = {v.pk: [day for day in _days(start, end) if day not in counted.get(v.pk, {})
                      and (v.pk, day) in found and found[(v.pk, day)].fixes]
               for v in vehicles}
    live = sum(len(days) for days in missing.values()) <= LIVE_TRIP_DAYS_MAX
    totals = {}
    for vehicle in vehicles:
        total = sum(counted.get(vehicle.pk, {}).values())
        days = missing[vehicle.pk]
        if days and live:
            lo, hi = _bounds(days[0], days[-1])
            report = vehicle_journeys(Subject(vehicle=vehicle, terminal=None), lo, hi)
            total += sum(1 for j in report.journeys if _local(j["start"]).date() in set(days))
        totals[vehicle.pk] = total
    left_out = [] if live else sorted({day for days in missing.values() for day in days})
    return totals, left_out


def count_trips(vehicles, day: dt.date) -> dict[int, int]:
    """Trips per vehicle starting on local day `day` (what `qm rollup --trips` stores): the day's detection, stored
    where it is finished (journeys.stored), so the reports read it later instead of the fixes."""
    use = journeys_conf.get("QM_TRIP_STORE")
    return {v.pk: len(stored.own_journeys(day, stored.vehicle_days(v, day, day, store=use)[day])) for v in vehicles}


def summary_report(vehicles, start: dt.date, end: dt.date, subject: str) -> Report:
    """One row per vehicle: distance, driving and stopped time (the legs' time, gaps capped at QM_LEG_GAP_CAP_S),
    trips, alerts, online rate."""
    from telematics.tracking.models import Alert

    check_period(start, end)
    ordered = _ordered(vehicles)
    ids = [v.pk for v in ordered]
    found = rollups.vehicle_days(ids, start, end)
    lo, hi = _bounds(start, end)
    alerts = dict(Alert.objects.filter(vehicle_id__in=ids, started_at__gte=lo, started_at__lt=hi).order_by()
                  .values_list("vehicle_id").annotate(n=Count("id")).values_list("vehicle_id", "n"))
    trips, left_out = _trip_counts(ordered, start, end, found)
    rates = _online(ordered, start, end, found)
    per: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for (vehicle_id, _day), d in found.items():
        per[vehicle_id][0] += d.dist_m
        per[vehicle_id][1] += d.moving_s
        per[vehicle_id][2] += d.stopped_s
    rows = []
    for v in ordered:
        dist, moving, stopped = per.get(v.pk, (0.0, 0.0, 0.0))
        duty, on = rates[v.pk]
        rows.append({"vehicle": v.plate, "unit": v.unit.name, "distance_km": _km(dist), "driving_h": _hours(moving),
                     "stopped_h": _hours(stopped), "trips": trips[v.pk], "alerts": alerts.get(v.pk, 0),
                     "online_rate": online.rate(on, duty)})
    columns = [Column("vehicle", _("车牌号")), Column("unit", _("单位")),
               Column("distance_km", _("里程（公里）"), "number"), Column("driving_h", _("行驶时长（小时）"), "number"),
               Column("stopped_h", _("停车时长（小时）"), "number"), Column("trips", _("行程数"), "number"),
               Column("alerts", _("告警数"), "number"), Column("online_rate", _("在线率（%）"), "percent")]
    duty_all = sum(d for d, _on in rates.values())
    totals = {"vehicle": _("合计"), "distance_km": round(sum(r["distance_km"] for r in rows), 2),
              "driving_h": round(sum(r["driving_h"] for r in rows), 2),
              "stopped_h": round(sum(r["stopped_h"] for r in rows), 2), "trips": sum(r["trips"] for r in rows),
              "alerts": sum(r["alerts"] for r in rows),
              "online_rate": online.rate(sum(o for _duty, o in rates.values()), duty_all)}
    notes = [_("行程数不含尚未统计的日期：%(days)s（每日由 qm rollup --trips 统计）。")
             % {"days": "、".join(day.isoformat() for day in left_out)}] if left_out else []
    return Report("summary", subject, start, end, columns, rows, totals, notes=notes)


def _online(vehicles, start: dt.date, end: dt.date, found=None) -> dict[int, tuple[int, int]]:
    """vehicle id -> (duty minutes, online duty minutes) over the period."""
    from telematics.calendar import duty_calendar

    window = journeys_conf.get("QM_ONLINE_WINDOW_MIN")
    ids = [v.pk for v in vehicles]
    if found is None:
        found = rollups.vehicle_days(ids, start, end)
    before = start - dt.timedelta(days=1)
    previous = rollups.vehicle_days(ids, before, before) if window > 1 else {}
    calendar = duty_calendar()
    masks: dict[tuple[int, dt.date], int] = {}  # (id of the unit's schedule, day) -> duty minutes
    result = {}
    for v in vehicles:
        duty_total = online_total = 0
        prev = previous.get((v.pk, before))
        prev_minutes = prev.minutes if prev else 0
        for day in _days(start, end):
            key = (id(calendar.schedule_key(v.unit_id)), day)
            if key not in masks:
                masks[key] = online.duty_mask(calendar, v.unit_id, day)
            duty = masks[key]
            d = found.get((v.pk, day))
            minutes = d.minutes if d else 0
            if duty:
                duty_total += duty.bit_count()
                if minutes or prev_minutes:
                    online_total += (online.online_mask(minutes, prev_minutes, window) & duty).bit_count()
            prev_minutes = minutes
        result[v.pk] = (duty_total, online_total)
    return result


def online_report(vehicles, start: dt.date, end: dt.date, subject: str) -> Report:
    check_period(start, end)
    ordered = _ordered(vehicles)
    rates = _online(ordered, start, end)
    rows = [{"vehicle": v.plate, "unit": v.unit.name, "duty_h": _hours(rates[v.pk][0] * 60),
             "online_h": _hours(rates[v.pk][1] * 60), "online_rate": online.rate(rates[v.pk][1], rates[v.pk][0])}
            for v in ordered]
    columns = [Column("vehicle", _("车牌号")), Column("unit", _("单位")),
               Column("duty_h", _("应在线时长（小时）"), "number"), Column("online_h", _("在线时长（小时）"), "number"),
               Column("online_rate", _("在线率（%）"), "percent")]
    duty = sum(d for d, _on in rates.values())
    on = sum(o for _duty, o in rates.values())
    totals = {"vehicle": _("合计"), "duty_h": _hours(duty * 60), "online_h": _hours(on * 60),
              "online_rate": online.rate(on, duty)}
    shown = sorted(rows, key=lambda r: (r["online_rate"] is None, r["online_rate"] or 0.0, r["vehicle"]))[:CHART_MAX]
    chart = Chart(_("各车在线率"), "%", [(r["vehicle"], r["online_rate"] or 0.0) for r in shown],
                  top=100.0)
    notes = [_("在线：值勤时间内每分钟，此前 %(n)s 分钟内（含该分钟）终端有定位上报；在线率 = 在线分钟 / 值勤分钟。")
             % {"n": journeys_conf.get("QM_ONLINE_WINDOW_MIN")}]
    if len(rows) > CHART_MAX:
        notes.append(_("图中为在线率最低的 %(n)s 辆车。") % {"n": CHART_MAX})
    return Report("online", subject, start, end, columns, rows, totals, chart, notes)


CHART_MAX = 60

BUILDERS = {"trips": trips_report, "stops": stops_report, "mileage": mileage_report, "summary": summary_report,
            "online": online_report}


def build(kind: str, vehicles, start: dt.date, end: dt.date, subject: str) -> Report:
    if kind not in BUILDERS:
        raise DomainError(gettext_lazy("报表 %(kind)s：应为 %(kinds)s 之一"), field="kind", kind=kind,
                          kinds=", ".join(BUILDERS))
    return BUILDERS[kind](vehicles, start, end, subject)
