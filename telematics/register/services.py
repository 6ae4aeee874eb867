"""Writes of the use register: a fuel or cost entry, an odometer reading."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError
from telematics.choices import CostKind
from telematics.models import OdometerReading, Vehicle, VehicleCost
from telematics.services import _clean


def _aware(moment: dt.datetime | None, what: str) -> dt.datetime | None:
    if moment is None:
        return None
    if not isinstance(moment, dt.datetime):
        raise DomainError(f"{what}: expected a date and time, got {moment!r}", field=what)
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
        raise DomainError(f"kind {kind!r}: one of {', '.join(CostKind.values)}", field="kind")
    if amount is None or Decimal(amount) < 0:
        raise DomainError("amount: a cost is zero or more yuan", field="amount")
    if kind == CostKind.FUEL and not litres:
        raise DomainError("litres: a fuel entry needs the litres filled", field="litres")
    if kind != CostKind.FUEL and litres:
        raise DomainError("litres: only a fuel entry has litres", field="litres")
    if litres is not None and Decimal(litres) <= 0:
        raise DomainError("litres: more than zero", field="litres")
    start = _aware(journey_start, "journey_start")
    if start is not None and timezone.localtime(start).date() != date:
        raise DomainError(f"journey_start {timezone.localtime(start):%Y-%m-%d %H:%M} is not on {date}",
                          field="journey_start")
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
        raise DomainError("km: the odometer reads zero or more kilometres", field="km")
    earlier = (OdometerReading.objects.filter(vehicle=vehicle, read_at__lt=at).order_by("-read_at")
               .values_list("km", flat=True).first())
    later = (OdometerReading.objects.filter(vehicle=vehicle, read_at__gt=at).order_by("read_at")
             .values_list("km", flat=True).first())
    if (earlier is not None and km < earlier) or (later is not None and km > later):
        raise DomainError(f"{vehicle.plate}: {km} km at {timezone.localtime(at):%Y-%m-%d %H:%M} does not lie between "
                          f"the readings before ({earlier if earlier is not None else '—'}) and after "
                          f"({later if later is not None else '—'})", field="km", code="odometer_backwards")
    reading = OdometerReading(vehicle=vehicle, read_at=at, km=km, note=(note or "").strip(),
                              entered_by=current().username)
    _clean(reading)
    try:
        with transaction.atomic():
            reading.save()
    except IntegrityError:
        raise ConflictError(f"{vehicle.plate} already has a reading at {timezone.localtime(at):%Y-%m-%d %H:%M}",
                            field="read_at", code="duplicate") from None
    return reading
