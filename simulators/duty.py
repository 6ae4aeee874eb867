"""Duty hours the simulated vehicles keep: the registry's duty calendar (the one the ingest's rules read, so both
agree on schedules, inheritance from ancestors, holidays and adjusted workdays), or a plain weekday schedule
for synthetic fleets."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .plan import CST

Window = tuple[dt.datetime, dt.datetime]
# Synthetic fleets (no registry) keep the common office schedule, Monday to Friday.
STANDARD_SHIFT = (dt.time(8, 30), dt.time(17, 30))


@dataclass
class DutyBook:
    """(unit code, day) -> the duty shifts overlapping that day; `for_unit` clips them to the day."""

    shifts: Callable[[str, dt.date], list[Window]]

    @classmethod
    def from_registry(cls) -> DutyBook:
        from assets.models import OrgUnit
        from telematics.calendar import duty_calendar

        ids = dict(OrgUnit.objects.values_list("code", "pk"))
        calendar = duty_calendar()
        return cls(shifts=lambda code, day: calendar.duty_windows(ids[code], day) if code in ids else [])

    @classmethod
    def standard(cls) -> DutyBook:
        def shifts(code: str, day: dt.date) -> list[Window]:
            if day.isoweekday() > 5:
                return []
            return [(dt.datetime.combine(day, STANDARD_SHIFT[0], CST), dt.datetime.combine(day, STANDARD_SHIFT[1], CST))]

        return cls(shifts=shifts)

    def for_unit(self, unit_path: list[str]) -> Callable[[dt.date], list[Window]]:
        """day -> the unit's duty windows within that local day (an overnight shift is cut at midnight)."""
        code = unit_path[-1] if unit_path else ""

        def windows(day: dt.date) -> list[Window]:
            lo = dt.datetime.combine(day, dt.time(0), CST)
            hi = lo + dt.timedelta(days=1)
            return [(max(s, lo), min(e, hi)) for s, e in self.shifts(code, day) if e > lo and s < hi]

        return windows
