"""Reads of vehicle files, duty calendars and trips. The ingest's rules call `DutyCalendar` and `trip_covering`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .calendar import trip_index
from .models import Trip, Vehicle


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


def vehicles_as_of(day: dt.date) -> list[VehicleState]:
    """Every vehicle as it stood at the end of `day` (the current file until status/unit history exists)."""
    return [
        VehicleState(v.pk, v.plate, v.unit_id, v.seats, v.status, v.livery_compliant, v.vin, v.acquired,
                     v.insurance_expires, v.inspection_expires)
        for v in Vehicle.objects.filter(created_at__date__lte=day)
    ]


def trip_covering(vehicle_id: int, at: dt.datetime, lat: float | None = None, lon: float | None = None) -> Trip | None:
    """An approved trip of the vehicle whose window contains `at` (and, given a place, whose destination is
    within its radius of it); None when not covered. Answered from the cached `telematics.calendar.trip_index()`."""
    return trip_index().covering(vehicle_id, at, lat, lon)
