"""Writes of the use register: a fuel or cost entry, an odometer reading."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError, one_of
from telematics.choices import CostKind
from telematics.models import OdometerReading, Vehicle, VehicleCost
from telematics.services import _clean


_MOMENTS = {"journey_start": pgettext_lazy("field", "行程开始"), "read_at": pgettext_lazy("field", "读数时间")}


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _aware(moment: dt.datetime | None, what: str) -> dt.datetime | None:
    if moment is None:
        return None
    if not isinstance(moment, dt.datetime):
        raise DomainError(_("%(what)s应为日期和时间，而不是 %(value)s"), field=what,
                          what=_MOMENTS.get(what, what), value=moment)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@transaction.atomic
def cost_entry_create(*, vehicle: Vehicle, date: dt.date, kind: str, amount: Decimal, litres: Decimal | None = None,
                      fuel_card: str = "", odometer_km: int | None = None, journey_start: dt.datetime | None = None,
                      receipt=None, note: str = "") -> VehicleCost:
    """Books a fuel or cost entry (加油, 通行费, 停车费, 维修保养, 洗车, 其他) to the vehicle: to the journey that
    started at `journey_start` when given, else to the vehicle-day `date`. Fuel needs its litres; only fuel has
    them. An odometer reading given with it is recorded as a reading of that journey's start (or of the day's
    noon: a reading without a time of its own)."""
    if kind not in CostKind.values:
        raise DomainError(_("未知的费用类别 %(kind)s；应为 %(choices)s 之一"), field="kind", kind=kind,
                          choices=one_of(CostKind))
    if amount is None or Decimal(amount) < 0:
        raise DomainError(_("金额应为零或正数（元）"), field="amount")
    if kind == CostKind.FUEL and not litres:
        raise DomainError(_("加油记录须填写升数"), field="litres")
    if kind != CostKind.FUEL and litres:
        raise DomainError(_("只有加油记录才有升数"), field="litres")
    if litres is not None and Decimal(litres) <= 0:
        raise DomainError(_("升数应大于零"), field="litres")
    start = _aware(journey_start, "journey_start")
    if start is not None and timezone.localtime(start).date() != date:
        raise DomainError(_("行程开始时间 %(start)s 不在 %(date)s 这一天"), field="journey_start",
                          start=_local(start), date=date)
    entry = VehicleCost(vehicle=vehicle, date=date, kind=kind, amount=amount, litres=litres or None,
                        fuel_card=(fuel_card or "").strip(), odometer_km=odometer_km, journey_start=start,
                        note=(note or "").strip(), entered_by=current().username)
    if receipt:
        entry.receipt = receipt
    _clean(entry)
    entry.save()
    if odometer_km is not None:
        at = start or timezone.make_aware(dt.datetime.combine(date, dt.time(12)))
        if not OdometerReading.objects.filter(vehicle=vehicle, read_at=at).exists():
            odometer_reading_create(vehicle=vehicle, read_at=at, km=odometer_km, note=str(entry.get_kind_display()))
    return entry


@transaction.atomic
def odometer_reading_create(*, vehicle: Vehicle, read_at: dt.datetime, km: int, note: str = "") -> OdometerReading:
    """Records the odometer as read at `read_at`; readings never run backwards in time."""
    at = _aware(read_at, "read_at")
    if km is None or km < 0:
        raise DomainError(_("里程表读数应为零或正数（公里）"), field="km")
    earlier = (OdometerReading.objects.filter(vehicle=vehicle, read_at__lt=at).order_by("-read_at")
               .values_list("km", flat=True).first())
    later = (OdometerReading.objects.filter(vehicle=vehicle, read_at__gt=at).order_by("read_at")
             .values_list("km", flat=True).first())
    if (earlier is not None and km < earlier) or (later is not None and km > later):
        raise DomainError(
            _("%(plate)s：%(at)s 的读数 %(km)s 公里不在前后两次读数（%(before)s 与 %(after)s）之间"),
            field="km", code="odometer_backwards", plate=vehicle.plate, km=km, at=_local(at),
            before=earlier if earlier is not None else "—", after=later if later is not None else "—")
    reading = OdometerReading(vehicle=vehicle, read_at=at, km=km, note=(note or "").strip(),
                              entered_by=current().username)
    _clean(reading)
    try:
        with transaction.atomic():
            reading.save()
    except IntegrityError:
        raise ConflictError(_("%(plate)s 在 %(at)s 已有读数"), field="read_at", code="duplicate",
                            plate=vehicle.plate, at=_local(at)) from None
    return reading
