"""Writes to vehicle files, duty calendars and trips; every rule of the fleet is enforced here."""
from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import OrgUnit
from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError, choice_label, invalid_fields, one_of, unit_label

from . import calendar
from .choices import HolidayKind, MaintenanceKind, TripStatus, VehicleChange, VehicleStatus
from .models import (
    DutySchedule, Holiday, Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Trip, Vehicle,
    VehicleHistory, VehiclePhoto, VehicleSeal,
)

logger = logging.getLogger(__name__)


def _today() -> dt.date:
    return timezone.localdate()


# What a field is called in a refusal (the field's JSON key stays in `field`).
_FIELD_NAMES = {
    "at": pgettext_lazy("field", "时间"),
    "start": pgettext_lazy("field", "开始时间"),
    "end": pgettext_lazy("field", "结束时间"),
    "sealed_from": pgettext_lazy("field", "封存开始日期"),
    "sealed_to": pgettext_lazy("field", "封存结束日期"),
    "seconds": pgettext_lazy("field", "上报间隔"),
    "sleep_seconds": pgettext_lazy("field", "休眠时的上报间隔"),
}


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _aware(at: dt.datetime | None, what: str = "at") -> dt.datetime:
    moment = at or timezone.now()
    if not isinstance(moment, dt.datetime):
        raise DomainError(_("%(what)s应为日期和时间，而不是 %(value)s"),
                          field=what, what=_FIELD_NAMES.get(what, what), value=moment)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _clean(obj) -> None:
    """full_clean() as a DomainError naming the first bad field and every message."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        field = next(iter(exc.message_dict))
        raise DomainError(_("%(model)s：%(errors)s"), field=field,
                          model=obj._meta.verbose_name, errors=invalid_fields(exc, obj)) from None


def _locked(vehicle: Vehicle) -> Vehicle:
    return Vehicle.objects.select_for_update().get(pk=vehicle.pk)


def _history(vehicle: Vehicle, change: str, effective: dt.date, note: str = "") -> None:
    last = vehicle.history.order_by("-effective", "-id").values_list("effective", flat=True).first()
    if last and effective < last:
        raise DomainError(
            _("%(plate)s：生效日期 %(effective)s 早于最近一条履历（%(last)s），履历不能倒签"),
            field="effective", code="backdated", plate=vehicle.plate, effective=effective, last=last)
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
        raise ConflictError(_("车牌号 %(plate)s 已有车辆档案"), field="plate",
                            code="duplicate", plate=plate)
    if status not in VehicleStatus.values:
        raise DomainError(_("未知的车辆状态 %(status)s；应为 %(choices)s 之一"), field="status",
                          status=status, choices=one_of(VehicleStatus))
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
        fields = _field_list(Vehicle, sorted(unknown))
        hint = {"unit": _("调拨"), "status": _("变更状态"),
                "terminal_id": _("绑定或解绑终端")}.get(name)
        if hint:
            raise DomainError(_("不能在这里修改车辆的%(fields)s：请用“%(action)s”"), field=name,
                              fields=fields, action=hint)
        raise DomainError(_("不能在这里修改车辆的%(fields)s"), field=name, fields=fields)
    vehicle = _locked(vehicle)
    for key, value in changes.items():
        setattr(vehicle, key, value.strip().upper() if key == "vin" and value else value)
    _clean(vehicle)
    vehicle.save()
    return vehicle


def _field_list(model, names):
    """Model fields by their verbose names, in the active language."""
    from quartermaster.errors import Named

    def label(name):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:
            return name

    return Named(lambda: str(_("、")).join(label(name) for name in names))


@transaction.atomic
def vehicle_transfer(*, vehicle: Vehicle, unit: OrgUnit, effective: dt.date | None = None, note: str = "") -> Vehicle:
    """Assigns the vehicle to another unit from `effective` on (default today)."""
    vehicle = _locked(vehicle)
    if vehicle.unit_id == unit.pk:
        raise ConflictError(_("%(plate)s 已属于 %(unit)s"), field="unit", code="no_change",
                            plate=vehicle.plate, unit=unit_label(unit))
    if vehicle.status == VehicleStatus.RETIRED:
        raise ConflictError(_("%(plate)s 已报废，不能调拨"), field="unit", code="retired",
                            plate=vehicle.plate)
    vehicle.unit = unit
    vehicle.save()
    _history(vehicle, VehicleChange.TRANSFER, effective or _today(), note)
    return vehicle


@transaction.atomic
def vehicle_change_status(*, vehicle: Vehicle, status: str, effective: dt.date | None = None,
                          note: str = "") -> Vehicle:
    """in_service ⇄ in_repair, and retirement (final: the terminal is unbound). There is no lending status."""
    if status not in VehicleStatus.values:
        raise DomainError(_("未知的车辆状态 %(status)s；应为 %(choices)s 之一（没有外借这一状态）"),
                          field="status", status=status, choices=one_of(VehicleStatus))
    vehicle = _locked(vehicle)
    if vehicle.status == status:
        raise ConflictError(_("%(plate)s 已是“%(status)s”状态"), field="status", code="no_change",
                            plate=vehicle.plate, status=choice_label(status, VehicleStatus))
    if vehicle.status == VehicleStatus.RETIRED:
        raise ConflictError(_("%(plate)s 已报废，报废车辆不能恢复使用"),
                            field="status", code="retired", plate=vehicle.plate)
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
        raise DomainError(_("请填写终端号"), field="terminal_id")
    moment = _aware(at)
    vehicle = _locked(vehicle)
    if vehicle.status == VehicleStatus.RETIRED:
        raise ConflictError(_("%(plate)s 已报废，不能绑定终端"), field="terminal_id",
                            code="retired", plate=vehicle.plate)
    holder = Vehicle.objects.select_for_update().filter(terminal_id=terminal_id).exclude(pk=vehicle.pk).first()
    open_elsewhere = (TerminalBinding.objects.select_for_update().filter(terminal_id=terminal_id,
                                                                         unbound_at__isnull=True)
                      .exclude(vehicle=vehicle).select_related("vehicle").first())
    other = holder or (open_elsewhere.vehicle if open_elsewhere else None)
    if other is not None:
        raise ConflictError(
            _("终端 %(terminal)s 已绑定车辆 %(other)s，请先在那里解绑"),
            field="terminal_id", code="terminal_bound", terminal=terminal_id, other=other.plate)
    if vehicle.terminal_id == terminal_id:
        raise ConflictError(_("终端 %(terminal)s 已绑定 %(plate)s"), field="terminal_id",
                            code="no_change", terminal=terminal_id, plate=vehicle.plate)
    if vehicle.terminal_id:
        _close_binding(vehicle, moment)
    vehicle.terminal_id = terminal_id
    vehicle.save()
    try:
        with transaction.atomic():
            return TerminalBinding.objects.create(vehicle=vehicle, terminal_id=terminal_id, bound_at=moment,
                                                  username=current().username)
    except IntegrityError:
        raise ConflictError(_("终端 %(terminal)s 刚刚被绑定到另一辆车"), field="terminal_id",
                            code="terminal_bound", terminal=terminal_id) from None


def _close_binding(vehicle: Vehicle, moment: dt.datetime) -> None:
    binding = (TerminalBinding.objects.select_for_update()
               .filter(vehicle=vehicle, unbound_at__isnull=True).first())
    if binding is None:  # bound outside the services (workbook import): the history starts now
        binding = TerminalBinding(vehicle=vehicle, terminal_id=vehicle.terminal_id, bound_at=moment)
    if moment < binding.bound_at:
        raise DomainError(_("%(plate)s：解绑时间 %(at)s 早于绑定时间（%(bound)s）"), field="at",
                          plate=vehicle.plate, at=_local(moment), bound=_local(binding.bound_at))
    binding.unbound_at = moment
    binding.save()


@transaction.atomic
def vehicle_unbind_terminal(*, vehicle: Vehicle, at: dt.datetime | None = None) -> Vehicle:
    vehicle = _locked(vehicle)
    if not vehicle.terminal_id:
        raise ConflictError(_("%(plate)s 没有绑定终端"), field="terminal_id", code="not_bound",
                            plate=vehicle.plate)
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
        raise DomainError(_("请填写终端号"), field="terminal_id")
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
        raise DomainError(_("费用 %(cost)s 不能为负数"), field="cost", cost=record.cost)
    last = (vehicle.maintenance.filter(date__lte=date, odometer_km__isnull=False)
            .order_by("-date", "-id").values_list("odometer_km", flat=True).first())
    if odometer_km is not None and last is not None and odometer_km < last:
        raise DomainError(
            _("%(plate)s：%(date)s 的里程 %(odometer)s 公里低于此前记录的 %(last)s 公里"),
            field="odometer_km", plate=vehicle.plate, date=date, odometer=odometer_km, last=last)
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
            raise DomainError(
                _("%(what)s应为日期，而不是 %(value)s"),
                field=name, what=_FIELD_NAMES[name], value=value)
    if sealed_to < sealed_from:
        raise DomainError(_("封存结束日期 %(end)s 早于开始日期 %(start)s"), field="sealed_to", end=sealed_to,
                          start=sealed_from)
    vehicle = _locked(vehicle)
    overlap = vehicle.seals.filter(sealed_from__lte=sealed_to, sealed_to__gte=sealed_from).first()
    if overlap is not None:
        raise ConflictError(_("%(plate)s 在 %(start)s–%(end)s 已封存"), field="sealed_from", code="overlap",
                            plate=vehicle.plate, start=overlap.sealed_from, end=overlap.sealed_to)
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
        raise DomainError(_("封存结束日期 %(end)s 早于开始日期 %(start)s"), field="sealed_to", end=last_day,
                          start=seal.sealed_from)
    overlap = (seal.vehicle.seals.exclude(pk=seal.pk)
               .filter(sealed_from__lte=last_day, sealed_to__gte=seal.sealed_from).first())
    if overlap is not None:
        raise ConflictError(_("%(plate)s 在 %(start)s–%(end)s 已封存"), field="sealed_to", code="overlap",
                            plate=seal.vehicle.plate, start=overlap.sealed_from, end=overlap.sealed_to)
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
        raise DomainError(_("保险到期日 %(expires)s 早于起保日 %(starts)s"), field="expires", expires=expires,
                          starts=starts)
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
        raise DomainError(_("年检有效期至 %(expires)s，早于检验日 %(inspected)s"), field="expires",
                          expires=expires, inspected=inspected_on)
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
        raise DomainError(_("照片 %(size)s MB，超过允许的 %(limit)s MB"), field="image", code="too_large",
                          size=f"{size / 1048576:.1f}", limit=f"{settings.QM_VEHICLE_PHOTO_MAX_MB:g}")
    if size == 0:
        raise DomainError(_("照片是空文件"), field="image")
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            fmt, (width, height) = image.format, image.size
            if fmt in PHOTO_FORMATS and width * height <= PHOTO_MAX_PIXELS:
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError(_("文件不是 JPEG、PNG 或 WebP 图片"), field="image", code="bad_type") from None
    finally:
        upload.seek(0)
    if fmt not in PHOTO_FORMATS:
        raise DomainError(_("%(format)s 格式的图片：只接受 JPEG、PNG 或 WebP"), field="image", code="bad_type",
                          format=fmt)
    if width * height > PHOTO_MAX_PIXELS:
        raise DomainError(_("照片 %(width)s×%(height)s 像素，超过 %(limit)s 像素"), field="image", width=width,
                          height=height, limit=f"{PHOTO_MAX_PIXELS:,}")
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
        raise DomainError(_("拍摄日期 %(date)s 尚未到来"), field="taken_on", date=taken_on)
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
        raise DomainError(_("星期 %(text)s 无效：应为 1–7 的数字（1 为星期一）或范围，如 1-5"), field="weekdays",
                          text=weekdays) from None
    return ",".join(str(d) for d in sorted(days))


def _time(value, what: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(
            _("%(what)s %(value)s 不是 HH:MM 格式的时间"),
            field=what, what=_FIELD_NAMES.get(what, what), value=value) from None


@transaction.atomic
def duty_schedule_create(*, unit: OrgUnit, weekdays: str, start: dt.time | str, end: dt.time | str) -> DutySchedule:
    """One shift of the unit's weekly schedule; `end` <= `start` means it ends the next day. A unit with shifts of
    its own no longer inherits its parent's."""
    start_t, end_t = _time(start, "start"), _time(end, "end")
    schedule = DutySchedule(unit=unit, weekdays=_normalise_weekdays(weekdays), start=start_t, end=end_t)
    if DutySchedule.objects.filter(unit=unit, weekdays=schedule.weekdays, start=start_t, end=end_t).exists():
        raise ConflictError(_("%(unit)s 已有班次 %(shift)s"), code="duplicate", unit=unit_label(unit),
                            shift=f"{schedule.weekdays} {start_t:%H:%M}-{end_t:%H:%M}")
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
        raise DomainError(_("未知的节假日类型 %(kind)s；应为 %(choices)s 之一"), field="kind", kind=kind,
                          choices=one_of(HolidayKind))
    holiday, _new = Holiday.objects.update_or_create(date=date, defaults={"kind": kind, "name": name or ""})
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
        raise DomainError(_("行程结束时间 %(end)s 不晚于开始时间 %(start)s"), field="end", end=_local(end_at),
                          start=_local(start_at))
    if (dest_lat is None) != (dest_lon is None):
        raise DomainError(_("目的地需同时给出纬度和经度"), field="dest_lat" if dest_lat is None else "dest_lon")
    if dest_lat is not None and not (-90 <= dest_lat <= 90 and -180 <= dest_lon <= 180):
        raise DomainError(_("目的地（%(lat)s, %(lon)s）不是有效的纬度/经度"), field="dest_lat", lat=dest_lat,
                          lon=dest_lon)
    if dest_radius_m is not None and dest_radius_m <= 0:
        raise DomainError(_("目的地半径 %(radius)s 米应为正数"), field="dest_radius_m", radius=dest_radius_m)
    return start_at, end_at


@transaction.atomic
def trip_request(*, vehicle: Vehicle, start: dt.datetime, end: dt.datetime, purpose: str,
                 destination: str = "", dest_lat: float | None = None, dest_lon: float | None = None,
                 dest_radius_m: int | None = None, driver: str = "", passengers: str = "") -> Trip:
    """Files a trip request (派车申请) for the fleet manager to approve or refuse; the requester is who files it."""
    start_at, end_at = _trip_fields(start, end, dest_lat, dest_lon, dest_radius_m)
    if not (purpose or "").strip():
        raise DomainError(_("请填写用车事由"), field="purpose")
    if vehicle.status == VehicleStatus.RETIRED:
        raise ConflictError(_("%(plate)s 已报废"), field="vehicle", code="retired", plate=vehicle.plate)
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
        raise ConflictError(
            _("%(plate)s %(start)s 的派车单已是“%(status)s”，不在待审批状态"),
            field="status", code="already_decided", plate=trip.vehicle.plate, start=_local(trip.start),
            status=choice_label(trip.status, TripStatus))
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
    trip = Trip.objects.select_for_update().select_related("vehicle").get(pk=trip.pk)
    if trip.status not in (TripStatus.REQUESTED, TripStatus.APPROVED):
        raise ConflictError(_("%(plate)s %(start)s 的派车单已是“%(status)s”，不能撤销"), field="status",
                            code="already_decided", plate=trip.vehicle.plate, start=_local(trip.start),
                            status=choice_label(trip.status, TripStatus))
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
        raise DomainError(_("%(plate)s 没有 JT/T 808 终端（按手机号绑定），无法发送%(what)s"),
                          field="terminal_id", code="not_jt808", plate=vehicle.plate, what=what)
    if not settings.QM_MQTT_URL:
        raise DomainError(_("未配置 MQTT 服务器（QM_MQTT_URL），无法连接 JT/T 808 网关"),
                          code="gateway_unavailable", status_code=503)
    wait = tracking_conf.get("QM_JT808_COMMAND_WAIT_S")
    try:
        answer = jt808.send_command(url=settings.QM_MQTT_URL, prefix=settings.QM_TOPIC_PREFIX, phone=phone,
                                    request=request, wait=wait)
    except jt808.CommandError as exc:
        logger.warning("JT/T 808 command for %s not handed over: %s", phone, exc)
        raise DomainError(_("无法把指令交给 JT/T 808 网关：MQTT 服务器无法连接或拒绝了订阅"),
                          code="gateway_unavailable", status_code=503) from None
    status = answer.get("status")
    if status in ("ok", "refused"):
        return answer
    if status == "offline":
        raise ConflictError(_("%(plate)s 的终端 %(phone)s 未连接 JT/T 808 网关"),
                            code="terminal_offline", plate=vehicle.plate, phone=phone)
    if status == "timeout":
        raise DomainError(_("%(plate)s 的终端 %(phone)s 在 %(wait)s 秒内没有应答（qm jt808 是否在运行、终端是否在线？）"),
                          code="timeout", status_code=504, plate=vehicle.plate, phone=phone, wait=f"{wait:g}")
    raise DomainError(_("JT/T 808 网关未能向 %(plate)s 的终端 %(phone)s 发送%(what)s（%(status)s）"),
                      code="terminal_refused", status_code=502, plate=vehicle.plate, phone=phone, what=what,
                      status=status)


def vehicle_locate(*, vehicle: Vehicle) -> dict:
    """Locate now (JT/T 808 0x8201 position query): asks the vehicle's terminal, through the running `qm jt808`
    gateway, for its position and returns the terminal's answer. Only for a terminal bound by its phone number."""
    answer = _jt808_command(vehicle=vehicle, request={"command": "locate"}, what=_("位置查询"))
    if answer.get("status") == "ok" and isinstance(answer.get("fix"), dict):
        fix = {k: answer["fix"].get(k) for k in ("ts", "lat", "lon", "speed", "heading")}
        if isinstance(fix["ts"], int | float):  # the contract's epoch seconds
            fix["ts"] = dt.datetime.fromtimestamp(fix["ts"], dt.UTC).isoformat()
        return {"vehicle": vehicle.pk, "plate": vehicle.plate, "terminal": vehicle.terminal_id, "fix": fix}
    raise DomainError(
        _("%(plate)s 的终端 %(terminal)s 没有应答位置查询（结果 %(result)s）"),
        code="terminal_refused", status_code=502, plate=vehicle.plate, terminal=vehicle.terminal_id,
        result=answer.get("result"))


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
        raise DomainError(_("请给出上报间隔、休眠时的上报间隔或两者"), field="seconds")
    for key, value in wanted.items():
        if value is not None and not 1 <= value <= 86400:
            raise DomainError(_("%(what)s应为 1 到 86400 秒，而不是 %(value)s"), field=key, what=_FIELD_NAMES[key],
                              value=value)
    before = vehicle_report_interval(vehicle=vehicle)
    answer = _jt808_command(vehicle=vehicle, request={"command": "interval", **{k: v for k, v in wanted.items()
                                                                                if v is not None}},
                            what=_("参数设置"))
    result = answer.get("result", 0 if answer["status"] == "ok" else 1)
    applied = {k: v for k, v in wanted.items() if v is not None}
    with transaction.atomic():  # not around the wait for the terminal: no transaction is held open over the network
        record_change(vehicle, ChangeAction.UPDATE,
                      {"report_interval": {k: before.get(k) for k in applied} if before else None},
                      {"report_interval": {**applied, "terminal": vehicle.terminal_id, "result": result}})
    return {"vehicle": vehicle.pk, "plate": vehicle.plate, "terminal": vehicle.terminal_id, **wanted,
            "status": answer["status"], "result": result}
