"""Exports the registry as a bureau workbook in the format the import reads (export → import reproduces it)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.utils import timezone

from assets.models import Asset, OrgUnit, Person

from .writer import write_workbook


def weekday_spec(stored: str) -> str:
    """"1,2,3,4,5,7" -> "1-5,7": the compact form people write."""
    days = sorted(int(d) for d in stored.split(",") if d)
    parts, start = [], None
    for i, day in enumerate(days):
        if start is None:
            start = day
        if i + 1 == len(days) or days[i + 1] != day + 1:
            parts.append(str(start) if start == day else f"{start}-{day}")
            start = None
    return ",".join(parts)


def _units() -> Iterator[list]:
    codes = dict(OrgUnit.objects.values_list("pk", "code"))
    for u in OrgUnit.objects.order_by("depth", "path").values_list("code", "name", "kind", "parent_id", "population",
                                                                   "depot_lat", "depot_lon", "depot_radius_m"):
        yield [u[0], u[1], u[2], codes.get(u[3], ""), u[4], u[5], u[6], u[7]]


def _personnel(codes: dict[int, str]) -> Iterator[list]:
    for p in Person.objects.order_by("staff_no").values_list(
            "staff_no", "name", "unit_id", "role", "frontline", "status", "cert_no", "cert_expires", "badge_no"
    ).iterator(chunk_size=5000):
        yield [p[0], p[1], codes[p[2]], p[3], p[4], p[5], p[6], p[7], p[8] or ""]


def _assets(codes: dict[int, str]) -> Iterator[list]:
    staff = dict(Person.objects.values_list("pk", "staff_no"))
    for a in Asset.objects.order_by("tag").values_list(
            "tag", "category_id", "item", "unit_id", "holder_person_id", "holder_unit_id", "status", "serial",
            "model", "size", "acquired", "service_years", "expires").iterator(chunk_size=5000):
        # Issued to its own unit is written with no holder; to another unit, with that unit's code.
        holder = staff[a[4]] if a[4] else (codes[a[5]] if a[5] and a[5] != a[3] else "")
        yield [a[0], a[1], a[2], codes[a[3]], holder, a[6], a[7], a[8], a[9], a[10], a[11], a[12]]


def _vehicles(codes: dict[int, str]) -> Iterator[list]:
    from telematics.choices import VehicleStatus
    from telematics.models import TerminalBinding, Vehicle, VehicleSeal

    # The sheet has room for one 封存 period per vehicle: the latest.
    seals = {}
    for vehicle_id, first, last in VehicleSeal.objects.order_by("sealed_from").values_list(
            "vehicle_id", "sealed_from", "sealed_to"):
        seals[vehicle_id] = (first, last)
    # A retired vehicle's file keeps its last terminal as history (SPEC "Vehicle file"): written as the workbook
    # gave it, so an import of the export records it again (unbound).
    last_terminal = dict(TerminalBinding.objects.filter(vehicle__status=VehicleStatus.RETIRED).order_by(
        "bound_at", "id").values_list("vehicle_id", "terminal_id"))
    for v in Vehicle.objects.order_by("plate"):
        sealed = seals.get(v.pk, (None, None))
        terminal = v.terminal_id or (last_terminal.get(v.pk) if v.status == VehicleStatus.RETIRED else None)
        yield [v.plate, codes[v.unit_id], v.seats, v.vin, v.vehicle_type, terminal or "", v.livery_compliant,
               v.status, v.acquired, v.insurance_expires, v.inspection_expires, *sealed]


def _duty_schedules() -> Iterator[list]:
    from telematics.models import DutySchedule

    for s in DutySchedule.objects.select_related("unit").order_by("unit__path", "weekdays", "start"):
        yield [s.unit.code, weekday_spec(s.weekdays), s.start, s.end]


def _holidays() -> Iterator[list]:
    from telematics.models import Holiday

    for h in Holiday.objects.order_by("date"):
        yield [h.date, h.kind, h.name]


def _trips() -> Iterator[list]:
    from telematics.choices import TripStatus
    from telematics.models import Trip

    # The sheet is the register of 派车单 in force; refused and cancelled requests are not part of it.
    trips = Trip.objects.filter(status__in=(TripStatus.APPROVED, TripStatus.REQUESTED)).select_related("vehicle")
    for t in trips.order_by("vehicle__plate", "start"):
        yield [t.vehicle.plate, timezone.localtime(t.start), timezone.localtime(t.end), t.purpose, t.dest_lat,
               t.dest_lon, t.approved_by]


def export_workbook(path: str | Path, *, headers: str = "en") -> Path:
    """Writes every sheet of the registry to `path` (XLSX if it ends .xlsx, else a folder of CSV files)."""
    codes = dict(OrgUnit.objects.values_list("pk", "code"))
    return write_workbook(path, {
        "units": _units(), "personnel": _personnel(codes), "assets": _assets(codes),
        "vehicles": _vehicles(codes), "duty_schedules": _duty_schedules(), "holidays": _holidays(),
        "trips": _trips(),
    }, headers=headers)
