"""Writes to vehicle files, duty calendars and trips; every rule of the fleet is enforced here."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from assets.models import OrgUnit
from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError

from . import calendar
from .choices import HolidayKind, MaintenanceKind, TripStatus, VehicleChange, VehicleStatus
from .models import (
    DutySchedule, Holiday, Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Trip, Vehicle,
    VehicleHistory, VehiclePhoto, VehicleSeal,
)


def _today() -> dt.date:
    return timezone.localdate()


def _aware(at: dt.datetime | None, what: str = "at") -> dt.datetime:
    moment = at or timezone.now()
    if not isinstance(moment, dt.datetime):
        raise DomainError(f"{what}: expected a date and time, got {moment!r}", field=what)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _clean(obj) -> None:
    """full_clean() as a DomainError naming the first bad field and every message."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        field = next(iter(errors))
        text = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        raise DomainError(f"{obj._meta.verbose_name}: {text}", field=field) from None


def _locked(vehicle: Vehicle) -> Vehicle:
    return Vehicle.objects.select_for_update().get(pk=vehicle.pk)


def _history(vehicle: Vehicle, change: str, effective: dt.date, note: str = "") -> None:
    last = vehicle.history.order_by("-effective", "-id").values_list("effective", flat=True).first()
    if last and effective < last:
        raise DomainError(f"{vehicle.plate}: a change effective {effective} would come before the latest history "
                          f"entry ({last}); the history is not back-dated", field="effective", code="backdated")
    VehicleHistory.objects.create(vehicle=vehicle, change=change, effective=effective, unit_id=vehicle.unit_id,
                                  status=vehicle.status, note=note, username=current().username)


# --- the vehicle file ----------------------------------------------------------------------------

_FILE_FIELDS = {"vin", "seats", "vehicle_type", "acquired", "livery_compliant", "insurance_expires",
                "inspection_expires"}


@transaction.atomic
def vehicle_create(*, plate: str, unit: OrgUnit, seats: int, vin: str = "", vehicle_type: str = "",
                   terminal_id: str | None = None, livery_compliant: bool = False,
                   status: str = VehicleStatus.IN_SERVICE, acquired: dt.date | None = None,
                   insurance_expires: dt.date | None = None, inspection_expires: dt.date | None = None,
                   effective: dt.date | None = None) -> Vehicle:
    """Opens a vehicle file. Its history starts on `effective` (default: the acquisition date, else today)."""
    plate = (plate or "").strip()
    if Vehicle.objects.filter(plate=plate).exists():
        raise ConflictError(f"plate {plate!r} already has a vehicle file", field="plate", code="duplicate")
    if status not in VehicleStatus.values:
        raise DomainError(f"unknown vehicle status {status!r}; expected one of {', '.join(VehicleStatus.values)}",
                          field="status")
    vehicle = Vehicle(plate=plate, unit=unit, seats=seats, vin=(vin or "").strip().upper(),
                      vehicle_type=vehicle_type or "", livery_compliant=livery_compliant, status=status,
                      acquired=acquired, insurance_expires=insurance_expires, inspection_expires=inspection_expires)
    _clean(vehicle)
    vehicle.save()
    _history(vehicle, VehicleChange.REGISTERED, effective or acquired or _today())
    if terminal_id:
        vehicle_bind_terminal(vehicle=vehicle, terminal_id=terminal_id)
        vehicle.refresh_from_db()
    return vehicle


@transaction.atomic
def vehicle_update(*, vehicle: Vehicle, **changes) -> Vehicle:
    """Changes the file's own fields; unit, status and terminal have their own services (they keep history)."""
    unknown = set(changes) - _FILE_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        hint = {"unit": "vehicle_transfer", "status": "vehicle_change_status",
                "terminal_id": "vehicle_bind_terminal / vehicle_unbind_terminal"}.get(name)
        raise DomainError(f"cannot change {', '.join(sorted(unknown))} of a vehicle here"
                          + (f"; use {hint}" if hint else ""), field=name)
    vehicle = _locked(vehicle)
    for key, value in changes.items():
        setattr(vehicle, key, value.strip().upper() if key == "vin" and value else value)
    _clean(vehicle)
    vehicle.save()
    return vehicle


@transaction.atomic
def vehicle_transfer(*, vehicle: Vehicle, unit: OrgUnit, effective: dt.date | None = None, note: str = "") -> Vehicle:
    """Assigns the vehicle to another unit from `effective` on (default today)."""
    vehicle = _locked(vehicle)
    if vehicle.unit_id == unit.pk:
        raise ConflictError(f"{vehicle.plate} already belongs to {unit.code}", field="unit", code="no_change")
    if vehicle.status == VehicleStatus.RETIRED:
        raise ConflictError(f"{vehicle.plate} is retired and cannot be transferred", field="unit", code="retired")
    vehicle.unit = unit
    vehicle.save()
    _history(vehicle, VehicleChange.TRANSFER, effective or _today(), note)
    return vehicle


@transaction.atomic
def vehicle_change_status(*, vehicle: Vehicle, status: str, effective: dt.date | None = None,
                          note: str = "") -> Vehicle:
    """in_service ⇄ in_repair, and retirement (final: the terminal is unbound). There is no lending status."""
    if status not in VehicleStatus.values:
        raise DomainError(f"unknown vehicle status {status!r}; expected one of {', '.join(VehicleStatus.values)} "
                          f"(lending outside the bureau does not exist)", field="status")
    vehicle = _locked(vehicle)
    if vehicle.status == status:
        raise ConflictError(f"{vehicle.plate} is already {status}", field="status", code="no_change")
    if vehicle.status == VehicleStatus.RETIRED:
        raise ConflictError(f"{vehicle.plate} is retired; a retired vehicle does not return to service",
                            field="status", code="retired")
    vehicle.status = status
    vehicle.save()
    _history(vehicle, VehicleChange.STATUS, effective or _today(), note)
    if status == VehicleStatus.RETIRED and vehicle.terminal_id:
        vehicle_unbind_terminal(vehicle=vehicle)
        vehicle.refresh_from_db()
    return vehicle


@transaction.atomic
def vehicle_set_livery(*, vehicle: Vehicle, compliant: bool, photo=None) -> Vehicle:
    """Records whether the livery follows the national/MOHURD scheme, with a photo as evidence."""
    vehicle = _locked(vehicle)
    vehicle.livery_compliant = compliant
    if photo is not None:
        vehicle.livery_photo = photo
    _clean(vehicle)
    vehicle.save()
    return vehicle


# --- GPS terminals -------------------------------------------------------------------------------

@transaction.atomic
def vehicle_bind_terminal(*, vehicle: Vehicle, terminal_id: str, at: dt.datetime | None = None) -> TerminalBinding:
    """Binds a terminal to the vehicle; a terminal bound to another vehicle is refused. A vehicle that already has
    another terminal has it unbound at the same moment (a terminal swap)."""
    terminal_id = (terminal_id or "").strip()
    if not terminal_id:
        raise DomainError("terminal_id: a terminal id is required", field="terminal_id")
    moment = _aware(at)
    vehicle = _locked(vehicle)
    if vehicle.status == VehicleStatus.RETIRED:
        raise ConflictError(f"{vehicle.plate} is retired; no terminal can be bound to it", field="terminal_id",
                            code="retired")
    holder = Vehicle.objects.select_for_update().filter(terminal_id=terminal_id).exclude(pk=vehicle.pk).first()
    open_elsewhere = (TerminalBinding.objects.select_for_update().filter(terminal_id=terminal_id,
                                                                         unbound_at__isnull=True)
                      .exclude(vehicle=vehicle).select_related("vehicle").first())
    other = holder or (open_elsewhere.vehicle if open_elsewhere else None)
    if other is not None:
        raise ConflictError(f"terminal {terminal_id} is bound to vehicle {other.plate}; unbind it there first",
                            field="terminal_id", code="terminal_bound")
    if vehicle.terminal_id == terminal_id:
        raise ConflictError(f"terminal {terminal_id} is already bound to {vehicle.plate}", field="terminal_id",
                            code="no_change")
    if vehicle.terminal_id:
        _close_binding(vehicle, moment)
    vehicle.terminal_id = terminal_id
    vehicle.save()
    try:
        with transaction.atomic():
            return TerminalBinding.objects.create(vehicle=vehicle, terminal_id=terminal_id, bound_at=moment,
                                                  username=current().username)
    except IntegrityError:
        raise ConflictError(f"terminal {terminal_id} was bound to another vehicle meanwhile", field="terminal_id",
                            code="terminal_bound") from None


def _close_binding(vehicle: Vehicle, moment: dt.datetime) -> None:
    binding = (TerminalBinding.objects.select_for_update()
               .filter(vehicle=vehicle, unbound_at__isnull=True).first())
    if binding is None:  # bound outside the services (workbook import): the history starts now
        binding = TerminalBinding(vehicle=vehicle, terminal_id=vehicle.terminal_id, bound_at=moment)
    if moment < binding.bound_at:
        raise DomainError(f"{vehicle.plate}: unbinding at {timezone.localtime(moment):%Y-%m-%d %H:%M} would come "
                          f"before the binding ({timezone.localtime(binding.bound_at):%Y-%m-%d %H:%M})", field="at")
    binding.unbound_at = moment
    binding.save()


@transaction.atomic
def vehicle_unbind_terminal(*, vehicle: Vehicle, at: dt.datetime | None = None) -> Vehicle:
    vehicle = _locked(vehicle)
    if not vehicle.terminal_id:
        raise ConflictError(f"{vehicle.plate} has no terminal bound", field="terminal_id", code="not_bound")
    _close_binding(vehicle, _aware(at))
    vehicle.terminal_id = None
    vehicle.save()
    return vehicle


def vehicle_had_terminal(*, vehicle: Vehicle, terminal_id: str) -> bool:
    """The vehicle's file records `terminal_id` (bound now or in the past)."""
    return vehicle.terminal_id == terminal_id or TerminalBinding.objects.filter(
        vehicle=vehicle, terminal_id=terminal_id).exists()


@transaction.atomic
def vehicle_record_past_terminal(*, vehicle: Vehicle, terminal_id: str, at: dt.datetime | None = None
                                 ) -> TerminalBinding:
    """Records a terminal the vehicle carried before (a retired vehicle's last terminal, as a workbook lists it):
    a closed binding in its file, as history. Nothing is bound: the terminal's fixes are dead letters."""
    terminal_id = (terminal_id or "").strip()
    if not terminal_id:
        raise DomainError("terminal_id: a terminal id is required", field="terminal_id")
    moment = _aware(at)
    return TerminalBinding.objects.create(vehicle=vehicle, terminal_id=terminal_id, bound_at=moment,
                                          unbound_at=moment, username=current().username)


# --- maintenance, insurance, inspection ----------------------------------------------------------

@transaction.atomic
def maintenance_record_create(*, vehicle: Vehicle, date: dt.date, work_done: str,
                              kind: str = MaintenanceKind.MAINTENANCE, odometer_km: int | None = None,
                              cost: Decimal | int | str = 0, workshop: str = "") -> MaintenanceRecord:
    record = MaintenanceRecord(vehicle=vehicle, date=date, work_done=work_done, kind=kind, odometer_km=odometer_km,
                               cost=Decimal(str(cost or 0)), workshop=workshop or "")
    _clean(record)
    if record.cost < 0:
        raise DomainError(f"cost {record.cost} must not be negative", field="cost")
    last = (vehicle.maintenance.filter(date__lte=date, odometer_km__isnull=False)
            .order_by("-date", "-id").values_list("odometer_km", flat=True).first())
    if odometer_km is not None and last is not None and odometer_km < last:
        raise DomainError(f"{vehicle.plate}: odometer {odometer_km} km on {date} is below the {last} km recorded "
                          f"earlier", field="odometer_km")
    record.save()
    return record


# --- sealing (封存) ------------------------------------------------------------------------------------

@transaction.atomic
def vehicle_seal(*, vehicle: Vehicle, sealed_from: dt.date, sealed_to: dt.date, key_holder: str = "", photo=None,
                 note: str = "") -> VehicleSeal:
    """Seals the vehicle from `sealed_from` to `sealed_to` (local dates, both included); it must not move meanwhile.
    Periods of one vehicle do not overlap."""
    for name, value in (("sealed_from", sealed_from), ("sealed_to", sealed_to)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise DomainError(f"{name}: expected a date, got {value!r}", field=name)
    if sealed_to < sealed_from:
        raise DomainError(f"a seal ending {sealed_to} before it starts {sealed_from}", field="sealed_to")
    vehicle = _locked(vehicle)
    overlap = vehicle.seals.filter(sealed_from__lte=sealed_to, sealed_to__gte=sealed_from).first()
    if overlap is not None:
        raise ConflictError(f"{vehicle.plate} is already sealed {overlap.sealed_from}–{overlap.sealed_to}",
                            field="sealed_from", code="overlap")
    seal = VehicleSeal(vehicle=vehicle, sealed_from=sealed_from, sealed_to=sealed_to, key_holder=key_holder or "",
                       note=note or "", username=current().username)
    if photo:
        seal.photo = photo
    _clean(seal)
    seal.save()
    calendar.invalidate_seals()
    return seal


@transaction.atomic
def vehicle_seal_end(*, seal: VehicleSeal, last_day: dt.date) -> VehicleSeal:
    """Ends a seal early (or extends it): `last_day` becomes its last sealed day."""
    seal = VehicleSeal.objects.select_for_update().get(pk=seal.pk)
    if last_day < seal.sealed_from:
        raise DomainError(f"a seal ending {last_day} before it starts {seal.sealed_from}", field="sealed_to")
    overlap = (seal.vehicle.seals.exclude(pk=seal.pk)
               .filter(sealed_from__lte=last_day, sealed_to__gte=seal.sealed_from).first())
    if overlap is not None:
        raise ConflictError(f"{seal.vehicle.plate} is already sealed {overlap.sealed_from}–{overlap.sealed_to}",
                            field="sealed_to", code="overlap")
    seal.sealed_to = last_day
    _clean(seal)
    seal.save()
    calendar.invalidate_seals()
    return seal


def _follow_latest(vehicle: Vehicle) -> None:
    """The file's insurance/inspection expiry is the latest record's."""
    vehicle = _locked(vehicle)
    vehicle.insurance_expires = vehicle.insurance.aggregate(m=Max("expires"))["m"] or vehicle.insurance_expires
    vehicle.inspection_expires = vehicle.inspections.aggregate(m=Max("expires"))["m"] or vehicle.inspection_expires
    vehicle.save()


@transaction.atomic
def insurance_policy_create(*, vehicle: Vehicle, starts: dt.date, expires: dt.date, insurer: str = "",
                            policy_no: str = "", premium: Decimal | None = None) -> InsurancePolicy:
    if expires < starts:
        raise DomainError(f"insurance expires {expires} before it starts {starts}", field="expires")
    policy = InsurancePolicy(vehicle=vehicle, starts=starts, expires=expires, insurer=insurer or "",
                             policy_no=policy_no or "", premium=premium)
    _clean(policy)
    policy.save()
    _follow_latest(vehicle)
    return policy


@transaction.atomic
def inspection_create(*, vehicle: Vehicle, inspected_on: dt.date, expires: dt.date, station: str = "",
                      note: str = "") -> Inspection:
    if expires < inspected_on:
        raise DomainError(f"inspection valid until {expires}, before the inspection {inspected_on}", field="expires")
    inspection = Inspection(vehicle=vehicle, inspected_on=inspected_on, expires=expires, station=station or "",
                            note=note or "")
    _clean(inspection)
    inspection.save()
    _follow_latest(vehicle)
    return inspection


# --- photos ------------------------------------------------------------------------------------

PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}  # what a browser shows; judged from the content
PHOTO_MAX_PIXELS = 40_000_000  # a small file may still unpack to a huge bitmap (decompression bomb)


def photo_checked(upload) -> tuple[str, int]:
    """The upload's image format's file extension and size, or a DomainError naming what is wrong: larger than
    QM_VEHICLE_PHOTO_MAX_MB, not a JPEG/PNG/WebP image by its content (the file name and the browser's content
    type are not trusted), or too many pixels."""
    from django.conf import settings
    from PIL import Image, UnidentifiedImageError

    limit = int(settings.QM_VEHICLE_PHOTO_MAX_MB * 1024 * 1024)
    size = upload.size
    if size > limit:
        raise DomainError(f"the photo is {size / 1048576:.1f} MB, more than the {settings.QM_VEHICLE_PHOTO_MAX_MB:g} "
                          f"MB allowed", field="image", code="too_large")
    if size == 0:
        raise DomainError("the photo is empty", field="image")
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            fmt, (width, height) = image.format, image.size
            if fmt in PHOTO_FORMATS and width * height <= PHOTO_MAX_PIXELS:
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError("the file is not a JPEG, PNG or WebP image", field="image", code="bad_type") from None
    finally:
        upload.seek(0)
    if fmt not in PHOTO_FORMATS:
        raise DomainError(f"a {fmt} image: only JPEG, PNG or WebP", field="image", code="bad_type")
    if width * height > PHOTO_MAX_PIXELS:
        raise DomainError(f"the photo has {width}×{height} pixels, more than {PHOTO_MAX_PIXELS:,}", field="image")
    return PHOTO_FORMATS[fmt], size


@transaction.atomic
def vehicle_photo_add(*, vehicle: Vehicle, image, caption: str = "", taken_on: dt.date | None = None
                      ) -> VehiclePhoto:
    """Adds a photo to the vehicle's file; stored under MEDIA_ROOT with a name of its own (the uploader's file name
    is not kept: it could say anything)."""
    import uuid

    from django.core.files.base import File

    extension, _size = photo_checked(image)
    if taken_on is not None and taken_on > _today():
        raise DomainError(f"taken on {taken_on}, a day still to come", field="taken_on")
    photo = VehiclePhoto(vehicle=vehicle, caption=(caption or "").strip(), taken_on=taken_on,
                         username=current().username)
    photo.image.save(f"{vehicle.pk}-{uuid.uuid4().hex}.{extension}", File(image), save=False)
    try:
        _clean(photo)
        photo.save()
    except Exception:
        photo.image.delete(save=False)  # nothing left in storage for a row that was not written
        raise
    return photo


# --- duty calendars ------------------------------------------------------------------------------

def _normalise_weekdays(weekdays: str) -> str:
    try:
        days = calendar.parse_weekdays(weekdays)
    except ValueError as exc:
        raise DomainError(str(exc), field="weekdays") from None
    return ",".join(str(d) for d in sorted(days))


def _time(value, what: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(f"{what}: {value!r} is not a time HH:MM", field=what) from None


@transaction.atomic
def duty_schedule_create(*, unit: OrgUnit, weekdays: str, start: dt.time | str, end: dt.time | str) -> DutySchedule:
    """One shift of the unit's weekly schedule; `end` <= `start` means it ends the next day. A unit with shifts of
    its own no longer inherits its parent's."""
    start_t, end_t = _time(start, "start"), _time(end, "end")
    schedule = DutySchedule(unit=unit, weekdays=_normalise_weekdays(weekdays), start=start_t, end=end_t)
    if DutySchedule.objects.filter(unit=unit, weekdays=schedule.weekdays, start=start_t, end=end_t).exists():
        raise ConflictError(f"{unit.code} already has the shift {schedule}", code="duplicate")
    schedule.save()
    calendar.invalidate_calendar()
    return schedule


@transaction.atomic
def duty_schedule_update(*, schedule: DutySchedule, weekdays: str | None = None, start=None, end=None) -> DutySchedule:
    if weekdays is not None:
        schedule.weekdays = _normalise_weekdays(weekdays)
    if start is not None:
        schedule.start = _time(start, "start")
    if end is not None:
        schedule.end = _time(end, "end")
    _clean(schedule)
    schedule.save()
    calendar.invalidate_calendar()
    return schedule


@transaction.atomic
def duty_schedule_delete(*, schedule: DutySchedule) -> None:
    schedule.delete()
    calendar.invalidate_calendar()


@transaction.atomic
def holiday_set(*, date: dt.date, kind: str, name: str = "") -> Holiday:
    """Declares `date` a holiday (no duty) or an adjusted working day (Monday's schedule), overriding
    chinese-calendar's verdict for that date."""
    if kind not in HolidayKind.values:
        raise DomainError(f"unknown holiday kind {kind!r}; expected one of {', '.join(HolidayKind.values)}",
                          field="kind")
    holiday, _ = Holiday.objects.update_or_create(date=date, defaults={"kind": kind, "name": name or ""})
    calendar.invalidate_calendar()
    return holiday


@transaction.atomic
def holiday_delete(*, holiday: Holiday) -> None:
    holiday.delete()
    calendar.invalidate_calendar()


# --- trips (派车单) ------------------------------------------------------------------------------

def _trip_fields(start, end, dest_lat, dest_lon, dest_radius_m) -> tuple[dt.datetime, dt.datetime]:
    start_at, end_at = _aware(start, "start"), _aware(end, "end")
    if end_at <= start_at:
        raise DomainError(f"trip ends {timezone.localtime(end_at):%Y-%m-%d %H:%M} not after it starts "
                          f"{timezone.localtime(start_at):%Y-%m-%d %H:%M}", field="end")
    if (dest_lat is None) != (dest_lon is None):
        raise DomainError("a destination needs both dest_lat and dest_lon", field="dest_lat" if dest_lat is None
                          else "dest_lon")
    if dest_lat is not None and not (-90 <= dest_lat <= 90 and -180 <= dest_lon <= 180):
        raise DomainError(f"destination ({dest_lat}, {dest_lon}) is not a latitude/longitude", field="dest_lat")
    if dest_radius_m is not None and dest_radius_m <= 0:
        raise DomainError(f"destination radius {dest_radius_m} m must be positive", field="dest_radius_m")
    return start_at, end_at


@transaction.atomic
def trip_request(*, vehicle: Vehicle, start: dt.datetime, end: dt.datetime, purpose: str,
                 destination: str = "", dest_lat: float | None = None, dest_lon: float | None = None,
                 dest_radius_m: int | None = None, driver: str = "", passengers: str = "") -> Trip:
    """Files a trip request (派车申请) for the fleet manager to approve or refuse; the requester is who files it."""
    start_at, end_at = _trip_fields(start, end, dest_lat, dest_lon, dest_radius_m)
    if not (purpose or "").strip():
        raise DomainError("purpose: a trip needs a purpose (事由)", field="purpose")
    if vehicle.status == VehicleStatus.RETIRED:
        raise ConflictError(f"{vehicle.plate} is retired", field="vehicle", code="retired")
    trip = Trip(vehicle=vehicle, start=start_at, end=end_at, purpose=purpose.strip(), destination=destination or "",
                dest_lat=dest_lat, dest_lon=dest_lon, dest_radius_m=dest_radius_m or 100,
                driver=(driver or "").strip(), passengers=(passengers or "").strip(),
                status=TripStatus.REQUESTED, requested_by=current().username)
    _clean(trip)
    trip.save()
    calendar.invalidate_trips()
    return trip


def _decide(trip: Trip, status: str, user, note: str) -> Trip:
    trip = Trip.objects.select_for_update().select_related("vehicle").get(pk=trip.pk)
    if trip.status != TripStatus.REQUESTED:
        raise ConflictError(f"trip {trip.pk} ({trip.vehicle.plate}) is {trip.status}, not awaiting a decision",
                            field="status", code="already_decided")
    trip.status = status
    trip.approver = user if getattr(user, "pk", None) else None
    trip.approved_by = (getattr(user, "get_full_name", lambda: "")() or getattr(user, "username", "")
                        or current().username)
    trip.decided_at = timezone.now()
    trip.decision_note = note or ""
    trip.save()
    calendar.invalidate_trips()
    return trip


@transaction.atomic
def trip_approve(*, trip: Trip, user=None, note: str = "") -> Trip:
    """Approves a requested trip; from then on it covers the vehicle in its window (and near its destination).
    A late order (补单) needs a second person: not the one who filed it."""
    from .journeys.services import check_second_person

    check_second_person(trip, user)
    return _decide(trip, TripStatus.APPROVED, user, note)


@transaction.atomic
def trip_refuse(*, trip: Trip, user=None, note: str = "") -> Trip:
    return _decide(trip, TripStatus.REFUSED, user, note)


@transaction.atomic
def trip_cancel(*, trip: Trip, note: str = "") -> Trip:
    """Withdraws a requested or approved trip (an approved one stops covering)."""
    trip = Trip.objects.select_for_update().get(pk=trip.pk)
    if trip.status not in (TripStatus.REQUESTED, TripStatus.APPROVED):
        raise ConflictError(f"trip {trip.pk} is {trip.status} and cannot be cancelled", field="status",
                            code="already_decided")
    trip.status = TripStatus.CANCELLED
    trip.decision_note = note or trip.decision_note
    trip.save()
    calendar.invalidate_trips()
    return trip


def _jt808_command(*, vehicle: Vehicle, request: dict, what: str) -> dict:
    """Hands `request` to the running `qm jt808` gateway for the vehicle's terminal and returns the gateway's answer
    when the terminal answered (status "ok" or "refused"); a DomainError otherwise (no JT/T 808 terminal, no
    broker, terminal offline, no answer)."""
    from django.conf import settings

    from telematics.tracking import conf as tracking_conf
    from telematics.tracking import jt808

    phone = vehicle.terminal_id or ""
    if not jt808.is_phone(phone):
        raise DomainError(f"{vehicle.plate} has no JT/T 808 terminal (bound by its phone number); it cannot be "
                          f"sent {what}", field="terminal_id", code="not_jt808")
    if not settings.QM_MQTT_URL:
        raise DomainError("no MQTT broker configured (QM_MQTT_URL): the JT/T 808 gateway cannot be reached",
                          code="gateway_unavailable", status_code=503)
    wait = tracking_conf.get("QM_JT808_COMMAND_WAIT_S")
    try:
        answer = jt808.send_command(url=settings.QM_MQTT_URL, prefix=settings.QM_TOPIC_PREFIX, phone=phone,
                                    request=request, wait=wait)
    except jt808.CommandError as exc:
        raise DomainError(str(exc), code="gateway_unavailable", status_code=503) from None
    status = answer.get("status")
    if status in ("ok", "refused"):
        return answer
    if status == "offline":
        raise ConflictError(f"terminal {phone} of {vehicle.plate} is not connected to the JT/T 808 gateway",
                            code="terminal_offline")
    if status == "timeout":
        raise DomainError(f"no answer from terminal {phone} of {vehicle.plate} within {wait:g} s (is `qm jt808` "
                          f"running and the terminal connected?)", code="timeout", status_code=504)
    raise DomainError(f"the JT/T 808 gateway did not send {what} to terminal {phone} of {vehicle.plate} ({status})",
                      code="terminal_refused", status_code=502)


def vehicle_locate(*, vehicle: Vehicle) -> dict:
    """Locate now (JT/T 808 0x8201 position query): asks the vehicle's terminal, through the running `qm jt808`
    gateway, for its position and returns the terminal's answer. Only for a terminal bound by its phone number."""
    answer = _jt808_command(vehicle=vehicle, request={"command": "locate"}, what="a position query")
    if answer.get("status") == "ok" and isinstance(answer.get("fix"), dict):
        fix = {k: answer["fix"].get(k) for k in ("ts", "lat", "lon", "speed", "heading")}
        if isinstance(fix["ts"], int | float):  # the contract's epoch seconds
            fix["ts"] = dt.datetime.fromtimestamp(fix["ts"], dt.UTC).isoformat()
        return {"vehicle": vehicle.pk, "plate": vehicle.plate, "terminal": vehicle.terminal_id, "fix": fix}
    raise DomainError(f"terminal {vehicle.terminal_id} of {vehicle.plate} did not answer the position query "
                      f"(result {answer.get('result')})", code="terminal_refused", status_code=502)


REPORT_INTERVAL_KEYS = ("seconds", "sleep_seconds")  # 0x8103 parameters 0x0029 and 0x0027 (telematics.tracking.jt808)


def vehicle_report_interval(*, vehicle: Vehicle) -> dict | None:
    """The reporting intervals last set on the vehicle's current terminal and accepted by it (from the change log):
    `{"seconds", "sleep_seconds", "at", "username"}` (a key None when never set), or None."""
    from django.contrib.contenttypes.models import ContentType

    from assets.models import ChangeRecord

    records = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Vehicle), object_id=str(vehicle.pk),
        after__report_interval__terminal=vehicle.terminal_id or "",
        after__report_interval__result=0).order_by("-at", "-id")
    current_values: dict = {}
    newest = None
    for record in records[:20]:
        newest = newest or record
        for key in REPORT_INTERVAL_KEYS:
            if current_values.get(key) is None:
                current_values[key] = record.after["report_interval"].get(key)
        if all(current_values.get(k) is not None for k in REPORT_INTERVAL_KEYS):
            break
    if newest is None:
        return None
    return {**{k: current_values.get(k) for k in REPORT_INTERVAL_KEYS}, "at": newest.at,
            "username": newest.username}


def vehicle_set_report_interval(*, vehicle: Vehicle, seconds: int | None = None,
                                sleep_seconds: int | None = None) -> dict:
    """Sets the reporting interval(s) of the vehicle's JT/T 808 terminal (0x8103: the default interval, parameter
    0x0029, and the interval while asleep with ACC off, 0x0027) through the running gateway. The terminal's answer
    (0x0001 result: 0 accepted, 1 failed, 2 malformed, 3 unsupported) is returned and, accepted or not, recorded in
    the vehicle's change log."""
    from assets.changelog import record_change
    from assets.choices import ChangeAction

    wanted = {"seconds": seconds, "sleep_seconds": sleep_seconds}
    if seconds is None and sleep_seconds is None:
        raise DomainError("give the reporting interval (seconds), the interval while asleep (sleep_seconds) or both",
                          field="seconds")
    for key, value in wanted.items():
        if value is not None and not 1 <= value <= 86400:
            raise DomainError(f"{key} must be 1 to 86400 seconds, not {value}", field=key)
    before = vehicle_report_interval(vehicle=vehicle)
    answer = _jt808_command(vehicle=vehicle, request={"command": "interval", **{k: v for k, v in wanted.items()
                                                                                if v is not None}},
                            what="a parameter setting")
    result = answer.get("result", 0 if answer["status"] == "ok" else 1)
    applied = {k: v for k, v in wanted.items() if v is not None}
    with transaction.atomic():  # not around the wait for the terminal: no transaction is held open over the network
        record_change(vehicle, ChangeAction.UPDATE,
                      {"report_interval": {k: before.get(k) for k in applied} if before else None},
                      {"report_interval": {**applied, "terminal": vehicle.terminal_id, "result": result}})
    return {"vehicle": vehicle.pk, "plate": vehicle.plate, "terminal": vehicle.terminal_id, **wanted,
            "status": answer["status"], "result": result}
