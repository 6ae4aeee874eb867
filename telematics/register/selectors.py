"""The monthly use register (公务用车使用登记) of a unit's vehicles: one row per journey — its time, driver, purpose
and destination from the 派车单 (or 补单) it was matched to, its class, GPS km, odometer km where read, and the fuel
and costs booked to it — plus a row per vehicle-day for costs booked to the day, and totals per vehicle (distance,
litres, cost, L/100 km, ¥/100 km).
An entry names its journey by the journey's start; one whose start matches no journey of the month (the fixes were
replayed differently, the journey was cut at a stop) counts for its vehicle-day, so no cost is ever lost.

Journeys and their classes come from telematics.journeys (detected from the fixes); the month's GPS distance of each
vehicle from the daily rollups (the daily-mileage report's figure, every movement counted, short moves too). The
per-100-km figures are on the journeys' GPS km (what the register's rows add up to)."""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets import access
from quartermaster.errors import DomainError
from telematics.choices import CostKind
from telematics.journeys.choices import JourneyClass
from telematics.journeys.selectors import vehicle_journeys
from telematics.journeys.track import Subject
from telematics.models import OdometerReading, Trip, VehicleCost
from telematics.reports.registry import subject_vehicles
from telematics.reports.selectors import Column
from telematics.tracking import rollups

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Columns of money per kind; 洗车 and 其他 share one.
MONEY = {CostKind.FUEL: "fuel_yuan", CostKind.TOLL: "toll_yuan", CostKind.PARKING: "parking_yuan",
         CostKind.REPAIR: "repair_yuan", CostKind.WASH: "other_yuan", CostKind.OTHER: "other_yuan"}
MONEY_KEYS = ("fuel_yuan", "toll_yuan", "parking_yuan", "repair_yuan", "other_yuan")
# Odometer readings are looked for this far around the month (a reading before the month's first journey).
READINGS_AROUND = dt.timedelta(days=7)


@dataclass
class Register:
    unit_code: str
    subject: str  # the unit's name and code
    month: str  # YYYY-MM
    start: dt.date
    end: dt.date
    columns: list[Column]
    rows: list[dict]
    total_columns: list[Column]
    totals: list[dict]  # one per vehicle
    grand_total: dict

    @property
    def title(self) -> str:
        return _("公务用车使用登记表")


def parse_month(text: str | None) -> tuple[dt.date, dt.date]:
    """'YYYY-MM' -> (its first day, its last day)."""
    try:
        year, month = (int(part) for part in str(text or "").strip().split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        raise DomainError(gettext_lazy("月份 %(text)s 无效：应为 YYYY-MM"), field="month", text=text) from None
    return first, first.replace(day=calendar.monthrange(year, month)[1])


def _local(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).astimezone(SHANGHAI)


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(SHANGHAI).replace(tzinfo=None)


def _round(value) -> float:
    return round(float(value), 2)


def per_100(amount, km: float) -> float | None:
    return round(float(amount) * 100.0 / km, 2) if km > 0 else None


def _empty_money() -> dict:
    return {"litres": Decimal(0), **{key: Decimal(0) for key in MONEY_KEYS}, "fuel_cards": []}


def _book(money: dict, cost: VehicleCost) -> None:
    money[MONEY[cost.kind]] += cost.amount
    if cost.litres:
        money["litres"] += cost.litres
    if cost.fuel_card and cost.fuel_card not in money["fuel_cards"]:
        money["fuel_cards"].append(cost.fuel_card)


def _money_cells(money: dict) -> dict:
    cells = {key: _round(money[key]) for key in MONEY_KEYS}
    cells["litres"] = _round(money["litres"])
    cells["cost_yuan"] = _round(sum(money[key] for key in MONEY_KEYS))
    cells["fuel_card"] = "、".join(money["fuel_cards"])
    return cells


def _odometer(readings: list[OdometerReading], journeys: list[dict], k: int) -> tuple[int | None, int | None]:
    """The readings of journey k: the last one at or before its start (after the previous journey's end) and the
    first one at or after its end (before the next journey's start)."""
    start, end = _local(journeys[k]["start"]), _local(journeys[k]["end"])
    lower = _local(journeys[k - 1]["end"]) if k > 0 else None
    upper = _local(journeys[k + 1]["start"]) if k + 1 < len(journeys) else None
    before = [r.km for r in readings if r.read_at <= start and (lower is None or r.read_at >= lower)]
    after = [r.km for r in readings if r.read_at >= end and (upper is None or r.read_at <= upper)]
    return (before[-1] if before else None), (after[0] if after else None)


def _columns() -> list[Column]:
    return [Column("vehicle", _("车牌号")), Column("date", _("日期"), "date"),
            Column("start", _("出车时间"), "time"), Column("end", _("回车时间"), "time"),
            Column("driver", _("驾驶员")), Column("requester", _("申请人")), Column("passengers", _("乘车人")),
            Column("purpose", _("事由")), Column("destination", _("目的地")), Column("class_label", _("类别")),
            Column("late_order", _("补单")), Column("approver", _("批准人")),
            Column("gps_km", _("GPS里程（公里）"), "number"),
            Column("odometer_start", _("出车里程表"), "number"), Column("odometer_end", _("回车里程表"), "number"),
            Column("odometer_km", _("里程表里程（公里）"), "number"),
            Column("litres", _("加油（升）"), "number"), Column("fuel_yuan", _("油费（元）"), "number"),
            Column("toll_yuan", _("通行费（元）"), "number"), Column("parking_yuan", _("停车费（元）"), "number"),
            Column("repair_yuan", _("维修保养（元）"), "number"), Column("other_yuan", _("洗车及其他（元）"), "number"),
            Column("cost_yuan", _("费用合计（元）"), "number"), Column("fuel_card", _("油卡号"))]


def _total_columns() -> list[Column]:
    return [Column("vehicle", _("车牌号")), Column("unit", _("单位")), Column("journeys", _("行程数"), "number"),
            Column("no_order", _("有轨无单"), "number"), Column("gps_km", _("行程GPS里程（公里）"), "number"),
            Column("month_km", _("当月GPS里程（公里）"), "number"),
            Column("odometer_km", _("里程表里程（公里）"), "number"),
            Column("litres", _("加油（升）"), "number"), Column("fuel_yuan", _("油费（元）"), "number"),
            Column("toll_yuan", _("通行费（元）"), "number"), Column("parking_yuan", _("停车费（元）"), "number"),
            Column("repair_yuan", _("维修保养（元）"), "number"), Column("other_yuan", _("洗车及其他（元）"), "number"),
            Column("cost_yuan", _("费用合计（元）"), "number"),
            Column("litres_per_100km", _("百公里油耗（升）"), "number"),
            Column("yuan_per_100km", _("百公里费用（元）"), "number")]


def _vehicle_rows(vehicle, journeys: list[dict], costs: list[VehicleCost], readings: list[OdometerReading],
                  orders: dict[int, Trip], start: dt.date, end: dt.date) -> list[dict]:
    by_start = {_local(j["start"]): k for k, j in enumerate(journeys)}
    booked: dict[int, dict] = defaultdict(_empty_money)
    per_day: dict[dt.date, dict] = defaultdict(_empty_money)
    for cost in costs:
        k = by_start.get(cost.journey_start.astimezone(SHANGHAI).replace(microsecond=0)) \
            if cost.journey_start else None
        _book(booked[k] if k is not None else per_day[cost.date], cost)
    rows = []
    for k, j in enumerate(journeys):
        begin, finish = _local(j["start"]), _local(j["end"])
        if not start <= begin.date() <= end:
            continue
        order = orders.get(j["order"]) if j["order"] else None
        odo_start, odo_end = _odometer(readings, journeys, k)
        rows.append({"vehicle": vehicle.plate, "date": begin.date(), "start": _naive(begin), "end": _naive(finish),
                     "driver": order.driver if order else "", "requester": order.requested_by if order else "",
                     "passengers": order.passengers if order else "", "purpose": order.purpose if order else "",
                     "destination": order.destination if order else "", "class": j["class"],
                     "class_label": str(JourneyClass(j["class"]).label),
                     "late_order": _("是") if j["late_order"] else "", "approver": order.approved_by if order else "",
                     "order": j["order"], "gps_km": round(j["distance_m"] / 1000.0, 2),
                     "odometer_start": odo_start, "odometer_end": odo_end,
                     "odometer_km": odo_end - odo_start if odo_start is not None and odo_end is not None else None,
                     **_money_cells(booked.get(k) or _empty_money())})
    for day, money in per_day.items():
        rows.append({"vehicle": vehicle.plate, "date": day, "start": None, "end": None, "driver": "", "requester": "",
                     "passengers": "", "purpose": _("当日费用（未关联行程）"), "destination": "", "class": "",
                     "class_label": "", "late_order": "", "approver": "", "order": None, "gps_km": None,
                     "odometer_start": None, "odometer_end": None, "odometer_km": None, **_money_cells(money)})
    # Each day's journeys in time order, then the costs booked to the day.
    rows.sort(key=lambda r: (r["date"], r["start"] is None, r["start"] or dt.datetime.min))
    return rows


def _vehicle_total(vehicle, rows: list[dict], month_km: float) -> dict:
    journeys = [r for r in rows if r["class"]]
    gps = round(sum(r["gps_km"] for r in journeys), 2)
    total = {"vehicle": vehicle.plate, "unit": vehicle.unit.name, "journeys": len(journeys),
             "no_order": sum(1 for r in journeys if r["class"] == JourneyClass.NO_ORDER), "gps_km": gps,
             "month_km": round(month_km, 2),
             "odometer_km": sum(r["odometer_km"] for r in journeys if r["odometer_km"] is not None)}
    for key in ("litres", *MONEY_KEYS, "cost_yuan"):
        total[key] = round(sum(r[key] for r in rows), 2)
    total["litres_per_100km"] = per_100(total["litres"], gps)
    total["yuan_per_100km"] = per_100(total["cost_yuan"], gps)
    return total


def build_register(*, unit, month: str, user=None) -> Register:
    """The register of `unit`'s subtree for `month` (YYYY-MM); with a `user`, the unit must lie in their scope and
    only their vehicles and entries count."""
    start, end = parse_month(month)
    vehicles, subject = subject_vehicles(unit=unit, user=user)
    vehicles = list(vehicles.select_related("unit").order_by("plate"))
    lo = dt.datetime.combine(start, dt.time(), SHANGHAI)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI)
    ids = [v.pk for v in vehicles]
    costs_qs = VehicleCost.objects.filter(vehicle_id__in=ids, date__gte=start, date__lte=end).order_by("date", "pk")
    readings_qs = OdometerReading.objects.filter(vehicle_id__in=ids, read_at__gte=lo - READINGS_AROUND,
                                                 read_at__lt=hi + READINGS_AROUND).order_by("read_at", "pk")
    if user is not None:
        costs_qs, readings_qs = access.restrict(costs_qs, user), access.restrict(readings_qs, user)
    costs, readings = defaultdict(list), defaultdict(list)
    for cost in costs_qs:
        costs[cost.vehicle_id].append(cost)
    for reading in readings_qs:
        readings[reading.vehicle_id].append(reading)
    days = rollups.vehicle_days(ids, start, end)
    month_km = defaultdict(float)
    for (vehicle_id, _day), d in days.items():
        month_km[vehicle_id] += d.dist_m / 1000.0
    rows, totals = [], []
    for vehicle in vehicles:
        # Journeys a little beyond the month too, so the first and last journeys' neighbours bound their readings.
        journeys = vehicle_journeys(Subject(vehicle=vehicle, terminal=None), lo - dt.timedelta(days=1),
                                    hi + dt.timedelta(days=1)).journeys
        order_ids = {j["order"] for j in journeys if j["order"]}
        orders = {t.pk: t for t in Trip.objects.filter(pk__in=order_ids)}
        vehicle_rows = _vehicle_rows(vehicle, journeys, costs[vehicle.pk], readings[vehicle.pk], orders, start, end)
        rows += vehicle_rows
        totals.append(_vehicle_total(vehicle, vehicle_rows, month_km[vehicle.pk]))
    grand = {"vehicle": _("合计"), "unit": "", **{key: round(sum(t[key] for t in totals), 2) for key in (
        "journeys", "no_order", "gps_km", "month_km", "odometer_km", "litres", *MONEY_KEYS, "cost_yuan")}}
    grand["journeys"], grand["no_order"] = int(grand["journeys"]), int(grand["no_order"])
    grand["litres_per_100km"] = per_100(grand["litres"], grand["gps_km"])
    grand["yuan_per_100km"] = per_100(grand["cost_yuan"], grand["gps_km"])
    return Register(unit_code=unit.code, subject=subject, month=start.strftime("%Y-%m"), start=start, end=end,
                    columns=_columns(), rows=rows, total_columns=_total_columns(), totals=totals, grand_total=grand)
