"""Reads: a vehicle's (or a terminal's) trips and stops in a period, each trip classed, and the unused approved trips."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError
from telematics.choices import TripStatus
from telematics.models import Trip, Vehicle

from . import conf
from . import stored as _stored
from .choices import JourneyClass
from .classify import Order, Rules, Span, classify
from .places import place_labels
from .stored import iso as _iso
from .stored import moving_seconds  # noqa: F401  (where it was)
from .track import SHANGHAI, Subject, check_period, track_fixes, vehicle_for_subject


@dataclass
class JourneyReport:
    subject: str  # the plate, or the terminal id asked for
    vehicle: Vehicle | None
    start: dt.datetime | None
    end: dt.datetime | None
    journeys: list[dict]
    stops: list[dict]
    unused: list[dict]
    summary: list[dict] | None = None  # a unit's report: one row per vehicle

    @property
    def rows(self) -> list[dict]:
        """The trips for a page: times as datetimes, km, minutes and the class in the reader's language."""
        return [{**j, "start_at": dt.datetime.fromisoformat(j["start"]), "end_at": dt.datetime.fromisoformat(j["end"]),
                 "km": j["distance_m"] / 1000.0, "minutes": round(j["duration_s"] / 60),
                 "class_label": JourneyClass(j["class"]).label} for j in self.journeys]

    @property
    def unused_rows(self) -> list[dict]:
        return [{**u, "start_at": dt.datetime.fromisoformat(u["start"]), "end_at": dt.datetime.fromisoformat(u["end"])}
                for u in self.unused]


def _in_period(moment: dt.datetime, start, end) -> bool:
    return (start is None or moment >= start) and (end is None or moment < end)


def _duty_checks(vehicle: Vehicle | None):
    """(on_duty(minutes), outside_m(lats, lons)) for the vehicle's unit: the cached duty calendar (one minute its
    resolution), the jurisdiction index."""
    if vehicle is None:
        return (lambda minutes: False), (lambda lats, lons: [float("nan")] * len(lats))
    from gis.services import spatial_index
    from telematics.calendar import duty_calendar

    calendar, index, unit = duty_calendar(), spatial_index(), vehicle.unit
    on = calendar.is_on_duty_ts
    return ((lambda minutes: all(on(unit.pk, m * 60) for m in minutes)),
            (lambda lats, lons: index.jurisdiction_distance(unit.code, lons, lats).tolist()))


def _orders(vehicle: Vehicle | None, lo: dt.datetime | None, hi: dt.datetime | None, grace: dt.timedelta):
    if vehicle is None:
        return []
    qs = Trip.objects.filter(vehicle=vehicle, status=TripStatus.APPROVED)
    if lo is not None:
        qs = qs.filter(end__gte=lo - grace)
    if hi is not None:
        qs = qs.filter(start__lte=hi + grace)
    return list(qs.order_by("start", "pk"))


def _late_orders(trip_ids: list[int]) -> set[int]:
    """The ids of those approved trips that are late orders (补单)."""
    from .models import LateOrder
    return set(LateOrder.objects.filter(trip_id__in=trip_ids).values_list("trip_id", flat=True))


def _add_places(journeys: list[dict], stops: list[dict]) -> None:
    """Words where each trip starts and ends (`start_place`, `end_place`) and where each stop is (`place`), in one
    lookup (journeys.places: the layers' place label, else the grid code, else the coordinates)."""
    labels = place_labels([(j["start_lat"], j["start_lon"], j["start_grid"]) for j in journeys]
                          + [(j["end_lat"], j["end_lon"], j["end_grid"]) for j in journeys]
                          + [(s["lat"], s["lon"], s["grid_code"]) for s in stops])
    n = len(journeys)
    for i, j in enumerate(journeys):
        j["start_place"], j["end_place"] = labels[i], labels[n + i]
    for i, s in enumerate(stops):
        s["place"] = labels[2 * n + i]


def _whole_days(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.date, dt.date] | None:
    """(first, last) local day when [start, end) is whole local days, else None."""
    if start is None or end is None:
        return None
    lo, hi = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    if lo.time() != dt.time() or hi.time() != dt.time():
        return None
    return lo.date(), hi.date() - dt.timedelta(days=1)


def vehicle_journeys(subject: Subject, start: dt.datetime | None = None, end: dt.datetime | None = None, *,
                     stored: bool | None = None) -> JourneyReport:
    """The trips starting in [start, end) in time order, the stops overlapping it, and the approved trips overlapping
    it that no trip was driven for (`unused`). Fixes are read `QM_TRIP_LOOKAROUND_S` beyond both ends, so a trip
    crossing an end is whole and classed as it would be in a longer period.

    A vehicle's period of whole local days is detected day by day (each day with the lookaround around it), from the
    trips stored per finished vehicle-day (journeys.stored) where `QM_TRIP_STORE` is on (`stored` overrides it; false
    detects every day from the fixes now, with the same result)."""
    check_period(start, end)
    days = _whole_days(start, end) if subject.vehicle is not None else None
    if days is not None:
        use_store = conf.get("QM_TRIP_STORE") if stored is None else stored
        found = _stored.vehicle_days(subject.vehicle, days[0], days[1], store=use_store)
        first, last = found[days[0]], found[days[1]]
        records = [j for j in first.journeys if dt.datetime.fromisoformat(j["start"]) < start]
        stop_records = [s for s in first.stops if dt.datetime.fromisoformat(s["start"]) < start]
        for day in sorted(found):
            lo, hi = _stored.iso_bounds(day)
            records += [j for j in found[day].journeys if lo <= dt.datetime.fromisoformat(j["start"]) < hi]
            stop_records += [s for s in found[day].stops if lo <= dt.datetime.fromisoformat(s["start"]) < hi]
        records += [j for j in last.journeys if dt.datetime.fromisoformat(j["start"]) >= end]
        return _report(subject, subject.vehicle, records, stop_records, start, end)
    around = dt.timedelta(seconds=conf.get("QM_TRIP_LOOKAROUND_S"))
    fixes = track_fixes(subject, start - around if start else None, end + around if end else None)
    records, stop_records = _stored.detect_records(fixes)
    vehicle = vehicle_for_subject(subject, fixes[0].ts if fixes else None)
    return _report(subject, vehicle, records, stop_records, start, end)


def _report(subject: Subject, vehicle: Vehicle | None, records: list[dict], stop_records: list[dict],
            start: dt.datetime | None, end: dt.datetime | None) -> JourneyReport:
    """The report from the detected trips and stops (journeys.stored's records, in time order): each trip classed
    against the approved trips, those starting in the period and the stops overlapping it kept."""
    plate = vehicle.plate if vehicle is not None else None
    rules = Rules.from_settings()
    grace = dt.timedelta(seconds=rules.grace_s)
    spans = [Span(dt.datetime.fromisoformat(j["start"]), dt.datetime.fromisoformat(j["end"]), j["lats"], j["lons"],
                  j["minutes"]) for j in records]
    trips = _orders(vehicle, min(s.start for s in spans) if spans else start,
                    max(s.end for s in spans) if spans else end, grace)
    orders = [Order(t.pk, t.start, t.end, t.dest_lat, t.dest_lon) for t in trips]
    late = _late_orders([t.pk for t in trips])
    trips_by_id = {t.pk: t for t in trips}
    on_duty, outside_m = _duty_checks(vehicle)
    jurisdiction_m = conf.get("QM_TRIP_JURISDICTION_M")
    used: set[int] = set()
    out = []
    for j, span in zip(records, spans, strict=True):
        kind, order = classify(span, orders, on_duty=on_duty, outside_m=outside_m, rules=rules,
                               jurisdiction_m=jurisdiction_m)
        if order is not None:
            used.add(order.id)
        if not _in_period(span.start, start, end):
            continue
        out.append({"vehicle": plate, "terminal": j["terminal"], "start": j["start"], "end": j["end"],
                    "distance_m": j["distance_m"], "duration_s": j["duration_s"], "max_speed": j["max_speed"],
                    "avg_speed": j["avg_speed"], "class": str(kind), "order": order.id if order else None,
                    "late_order": order is not None and order.id in late, "complete": j["complete"],
                    "start_lat": j["start_lat"], "start_lon": j["start_lon"], "start_grid": j["start_grid"],
                    "end_lat": j["end_lat"], "end_lon": j["end_lon"], "end_grid": j["end_grid"],
                    "moving_s": j["moving_s"], "stopped_s": max(0, j["duration_s"] - j["moving_s"]),
                    "driver": getattr(trips_by_id.get(order.id), "driver", "") if order else ""})
    stop_rows = [{"vehicle": plate, "start": s["start"], "end": s["end"], "dwell_s": s["dwell_s"], "lat": s["lat"],
                  "lon": s["lon"], "grid_code": s["grid_code"]}
                 for s in stop_records
                 if (start is None or dt.datetime.fromisoformat(s["end"]) >= start)
                 and (end is None or dt.datetime.fromisoformat(s["start"]) < end)]
    _add_places(out, stop_rows)
    unused = [{"vehicle": plate, "order": t.pk, "start": _iso(t.start), "end": _iso(t.end), "purpose": t.purpose,
               "destination": t.destination, "dest_lat": t.dest_lat, "dest_lon": t.dest_lon,
               "approved_by": t.approved_by, "class": JourneyClass.UNUSED.value}
              for t in _orders(vehicle, start, end, dt.timedelta(0))
              if t.pk not in used and (start is None or t.end > start) and (end is None or t.start < end)]
    return JourneyReport(subject=plate or subject.label, vehicle=vehicle, start=start, end=end, journeys=out,
                         stops=stop_rows, unused=unused)


def period_journeys(vehicle: Vehicle, start: dt.date, end: dt.date) -> JourneyReport:
    """The vehicle's trips from local day `start` to `end` (both included), as the vehicle file shows them."""
    return vehicle_journeys(Subject(vehicle=vehicle, terminal=None), dt.datetime.combine(start, dt.time(), SHANGHAI),
                            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI))


MAX_UNIT_PERIOD = dt.timedelta(days=31)


def _summary(plate: str, report: JourneyReport) -> dict:
    row = {"vehicle": plate, "trips": len(report.journeys),
           "distance_m": round(sum(j["distance_m"] for j in report.journeys), 1),
           "driving_s": sum(j["duration_s"] for j in report.journeys),
           "stopped_s": sum(s["dwell_s"] for s in report.stops), "unused": len(report.unused)}
    row.update({str(c): sum(1 for j in report.journeys if j["class"] == c) for c in JourneyClass.values
                if c != JourneyClass.UNUSED})
    return row


def unit_journeys(unit, vehicles, start: dt.datetime, end: dt.datetime) -> JourneyReport:
    """The trip and stop report of the `vehicles` (already cut to the unit's subtree and the reader's scope) over
    [start, end): every vehicle's trips, stops and unused approved trips, and a summary row per vehicle."""
    if start is None or end is None:
        raise DomainError(_("单位的报表需要 --from 和 --to"), field="from")
    check_period(start, end)
    if end - start > MAX_UNIT_PERIOD:
        raise DomainError(_("单位的报表最长 31 天"), field="to")
    journeys, stops, unused, summary = [], [], [], []
    for vehicle in vehicles.select_related("unit").order_by("plate"):
        report = vehicle_journeys(Subject(vehicle=vehicle, terminal=None), start, end)
        journeys += report.journeys
        stops += report.stops
        unused += report.unused
        summary.append(_summary(vehicle.plate, report))
    return JourneyReport(subject=unit.code, vehicle=None, start=start, end=end, journeys=journeys, stops=stops,
                         unused=unused, summary=summary)
