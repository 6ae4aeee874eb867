"""Reads of vehicle files, duty calendars and trips. The ingest's rules call `DutyCalendar` and `trip_covering`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone

from .calendar import duty_calendar, trip_index
from .choices import DossierGap, VehicleStatus
from .models import Inspection, InsurancePolicy, TerminalBinding, Trip, Vehicle, VehicleHistory


@dataclass(frozen=True)
class VehicleState:
    """A vehicle's file as it stood on a date (what compliance counts)."""

    vehicle_id: int
    plate: str
    unit_id: int
    seats: int
    status: str
    livery_compliant: bool
    vin: str
    acquired: dt.date | None
    insurance_expires: dt.date | None
    inspection_expires: dt.date | None


def vehicles_as_of(day: dt.date, *, unit_ids: set[int] | None = None) -> list[VehicleState]:
    """Every vehicle as it stood at the end of `day`: unit and status from its history, insurance and inspection
    expiry from the records known by then. A vehicle without history (written by a bulk import) counts from its
    acquisition date (else the day its file was opened) with its current file. With `unit_ids`, only the
    vehicles that stood in one of those units that day (a brigade's report need not read the province)."""
    vehicles, history = Vehicle.objects.all(), VehicleHistory.objects.all()
    insurances, inspections = InsurancePolicy.objects.all(), Inspection.objects.all()
    if unit_ids is not None:
        # Candidates: in one of the units now, or at some time by their history; the day decides below.
        candidates = Q(unit_id__in=unit_ids) | Q(pk__in=VehicleHistory.objects.filter(unit_id__in=unit_ids)
                                                   .values("vehicle_id"))
        ids = Vehicle.objects.filter(candidates).order_by().values("pk")  # a subquery of each read below
        vehicles, history = vehicles.filter(pk__in=ids), history.filter(vehicle_id__in=ids)
        insurances, inspections = insurances.filter(vehicle_id__in=ids), inspections.filter(vehicle_id__in=ids)
    # Four reads (a brigade's report makes them all): every history row, the last on or before `day` winning; per
    # vehicle with records, the latest expiry among those known by `day` (None: none yet).
    as_of, with_history = {}, set()
    for row in history.order_by("vehicle_id", "effective", "id").values("vehicle_id", "unit_id", "status",
                                                                         "effective"):
        with_history.add(row["vehicle_id"])
        if row["effective"] <= day:
            as_of[row["vehicle_id"]] = row
    insurance = dict(insurances.order_by().values("vehicle_id").annotate(
        m=Max("expires", filter=Q(starts__lte=day))).values_list("vehicle_id", "m"))
    inspection = dict(inspections.order_by().values("vehicle_id").annotate(
        m=Max("expires", filter=Q(inspected_on__lte=day))).values_list("vehicle_id", "m"))
    insured, inspected = set(insurance), set(inspection)
    states = {}
    for v in vehicles:
        if v.pk in with_history:
            row = as_of.get(v.pk)
            if row is None:
                continue
            unit_id, status = row["unit_id"], row["status"]
        else:
            since = v.acquired or timezone.localdate(v.created_at)
            if since > day:
                continue
            unit_id, status = v.unit_id, v.status
        if unit_ids is not None and unit_id not in unit_ids:
            continue
        states[v.pk] = VehicleState(
            v.pk, v.plate, unit_id, v.seats, status, v.livery_compliant, v.vin, v.acquired,
            insurance.get(v.pk) if v.pk in insured else v.insurance_expires,
            inspection.get(v.pk) if v.pk in inspected else v.inspection_expires)
    return list(states.values())


def vehicle_dossier_gaps(vehicle: Vehicle | VehicleState, on: dt.date) -> list[str]:
    """What keeps the file from being complete on `on` (rule vehicle-dossier): `DossierGap` codes, empty when
    complete. Takes a Vehicle or a VehicleState from `vehicles_as_of`."""
    gaps = []
    if not (vehicle.vin or "").strip():
        gaps.append(DossierGap.VIN_MISSING)
    if vehicle.acquired is None:
        gaps.append(DossierGap.ACQUIRED_MISSING)
    if vehicle.insurance_expires is None:
        gaps.append(DossierGap.INSURANCE_MISSING)
    elif vehicle.insurance_expires < on:
        gaps.append(DossierGap.INSURANCE_EXPIRED)
    if vehicle.inspection_expires is None:
        gaps.append(DossierGap.INSPECTION_MISSING)
    elif vehicle.inspection_expires < on:
        gaps.append(DossierGap.INSPECTION_EXPIRED)
    return [str(g) for g in gaps]


@dataclass(frozen=True)
class Expiry:
    vehicle: Vehicle
    what: str  # "insurance" or "inspection"
    expires: dt.date
    days_left: int  # negative: already expired


def vehicles_expiring(*, within_days: int = 30, on: dt.date | None = None, vehicles=None) -> list[Expiry]:
    """Insurance and inspections of vehicles not retired that expire within `within_days` of `on` (today), or
    have expired already; soonest first."""
    on = on or timezone.localdate()
    limit = on + dt.timedelta(days=within_days)
    qs = (vehicles if vehicles is not None else Vehicle.objects.all()).exclude(status=VehicleStatus.RETIRED)
    qs = qs.filter(Q(insurance_expires__lte=limit) | Q(inspection_expires__lte=limit)).select_related("unit")
    found = []
    for v in qs:
        for what, expires in (("insurance", v.insurance_expires), ("inspection", v.inspection_expires)):
            if expires is not None and expires <= limit:
                found.append(Expiry(v, what, expires, (expires - on).days))
    return sorted(found, key=lambda e: (e.expires, e.vehicle.plate, e.what))


def vehicle_by_terminal(terminal_id: str, at: dt.datetime | None = None) -> Vehicle | None:
    """The vehicle the terminal is bound to now, or at `at` according to the binding history."""
    if at is None:
        return Vehicle.objects.filter(terminal_id=terminal_id).first()
    binding = (TerminalBinding.objects.filter(terminal_id=terminal_id, bound_at__lte=at)
               .filter(Q(unbound_at__isnull=True) | Q(unbound_at__gt=at)).select_related("vehicle").first())
    return binding.vehicle if binding else None


def trip_covering(vehicle_id: int, at: dt.datetime, lat: float | None = None, lon: float | None = None) -> Trip | None:
    """An approved trip of the vehicle whose window contains `at` (and, given a place, whose destination is
    within its radius of it); None when not covered. Answered from the cached `telematics.calendar.trip_index()`."""
    return trip_index().covering(vehicle_id, at, lat, lon)


@dataclass(frozen=True)
class Coverage:
    """What the rules see for a vehicle at an instant: its unit's duty hours and the approved trip covering it."""

    on_duty: bool
    trip_id: int | None

    @property
    def allowed(self) -> bool:
        return self.on_duty or self.trip_id is not None


def vehicle_coverage(vehicle: Vehicle, at: dt.datetime, lat: float | None = None,
                     lon: float | None = None) -> Coverage:
    """"Is this vehicle on duty / covered at T (at P)?" — the same cached lookups the ingest's rules make."""
    trip = trip_index().covering(vehicle.pk, at, lat, lon)
    return Coverage(duty_calendar().is_on_duty(vehicle.unit_id, at), trip.pk if trip is not None else None)


# --- the vehicle list (/vehicles/) -------------------------------------------------------------------------------

@dataclass(frozen=True)
class VehicleListFilters:
    """What the vehicle list is narrowed by; empty values filter nothing."""

    q: str = ""                      # plate, VIN, terminal id, or who requested one of its trips (用车人)
    unit: object = None              # an OrgUnit: its subtree
    status: str = ""
    vehicle_type: str = ""
    insurance_due: int | None = None     # insurance expiring within N days (or expired)
    inspection_due: int | None = None    # inspection expiring within N days (or expired)
    live: str = ""                   # moving / stopped / offline, or "alerts": alerts awaiting review


@dataclass(frozen=True)
class VehicleRow:
    vehicle: Vehicle
    live: object  # telematics.live.selectors.LiveState

    @property
    def insurance_days(self) -> int | None:
        return _days_left(self.vehicle.insurance_expires)

    @property
    def inspection_days(self) -> int | None:
        return _days_left(self.vehicle.inspection_expires)


def _days_left(expires: dt.date | None) -> int | None:
    return None if expires is None else (expires - timezone.localdate()).days


def vehicle_list_rows(vehicles, filters: VehicleListFilters, *, on: dt.date | None = None,
                      now: dt.datetime | None = None) -> list[VehicleRow]:
    """The vehicles of `vehicles` (already restricted to the user's scope) that pass `filters`, each with its live
    state on the server's clock; in plate order (the page sorts). Three reads whatever the fleet's size."""
    from .live.selectors import live_states

    on = on or timezone.localdate()
    qs = vehicles.select_related("unit")
    text = filters.q.strip()
    if text:
        qs = qs.filter(Q(plate__icontains=text) | Q(vin__icontains=text) | Q(terminal_id__icontains=text)
                       | Q(pk__in=Trip.objects.filter(requested_by__icontains=text).values("vehicle_id")))
    if filters.unit is not None:
        qs = qs.filter(unit__path__startswith=filters.unit.path)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.vehicle_type:
        qs = qs.filter(vehicle_type=filters.vehicle_type)
    if filters.insurance_due is not None:
        qs = qs.filter(insurance_expires__lte=on + dt.timedelta(days=filters.insurance_due))
    if filters.inspection_due is not None:
        qs = qs.filter(inspection_expires__lte=on + dt.timedelta(days=filters.inspection_due))
    found = list(qs.order_by("plate"))
    states = live_states([v.pk for v in found], now)
    rows = [VehicleRow(v, states[v.pk]) for v in found]
    if filters.live == "alerts":
        rows = [r for r in rows if r.live.open_alerts]
    elif filters.live:
        rows = [r for r in rows if r.live.state == filters.live]
    return rows
