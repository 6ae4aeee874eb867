"""A trip's class against the approved trips (派车单) of its vehicle, pure functions (SPEC "Trips" table).

Against each approved trip, with its window widened by the grace (± 15 min) on both sides:
- `matched`: the window contains the trip, and the trip comes within 300 m of the destination when one is given;
- `overtime`: the trip starts inside the window but ends after it;
- `off_route`: the window contains the trip, but it never comes within 300 m of the destination.
The first of these in that order that any approved trip gives is the class, and that approved trip is the trip's
order. Otherwise `duty` when every fix of the trip is in its unit's duty hours and inside its jurisdiction (less than
the tolerance outside; a unit without a known jurisdiction does not fail this), unless a setting requires orders for
duty trips too; otherwise `no_order`. An approved trip no trip was classed against is `unused`."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .choices import JourneyClass
from .detect import distance_m


@dataclass(frozen=True)
class Span:
    """What the classification reads of a trip: its ends, and the places and local minutes of its fixes (from the
    last fix of the stop before it to the first of the stop after it). Built from the fixes or from the stored trip
    (journeys.stored), the same either way."""

    start: dt.datetime
    end: dt.datetime
    lats: Sequence[float]
    lons: Sequence[float]
    minutes: Sequence[int]  # the distinct minutes of its fixes, as epoch seconds // 60 (duty hours: one minute apart)


@dataclass(frozen=True)
class Order:
    """An approved trip, as the classification needs it."""

    id: int
    start: dt.datetime
    end: dt.datetime
    dest_lat: float | None
    dest_lon: float | None


@dataclass(frozen=True)
class Rules:
    grace_s: float = 900
    destination_m: float = 300.0
    duty_needs_order: bool = False

    @classmethod
    def from_settings(cls) -> Rules:
        from . import conf
        return cls(grace_s=conf.get("QM_TRIP_ORDER_GRACE_S"), destination_m=conf.get("QM_TRIP_DESTINATION_M"),
                   duty_needs_order=conf.get("QM_TRIP_DUTY_NEEDS_ORDER"))


_RANK = {JourneyClass.MATCHED: 0, JourneyClass.OVERTIME: 1, JourneyClass.OFF_ROUTE: 2}


def _against(journey: Span, order: Order, rules: Rules) -> str | None:
    grace = dt.timedelta(seconds=rules.grace_s)
    lo, hi = order.start - grace, order.end + grace
    if not lo <= journey.start <= hi:
        return None
    if journey.end > hi:
        return JourneyClass.OVERTIME
    if order.dest_lat is None or order.dest_lon is None:
        return JourneyClass.MATCHED
    reached = any(distance_m(lat, lon, order.dest_lat, order.dest_lon) <= rules.destination_m
                  for lat, lon in zip(journey.lats, journey.lons, strict=True))
    return JourneyClass.MATCHED if reached else JourneyClass.OFF_ROUTE


def classify(journey: Span, orders: Sequence[Order], *, on_duty: Callable[[Sequence[int]], bool],
             outside_m: Callable[[Sequence[float], Sequence[float]], Sequence[float]], rules: Rules,
             jurisdiction_m: float = 200.0) -> tuple[str, Order | None]:
    """(class, the approved trip it was classed against or None). `on_duty(minutes)`: every one of these minutes
    (epoch seconds // 60) is in the unit's duty hours."""
    best: tuple[int, str, Order] | None = None
    for order in orders:
        found = _against(journey, order, rules)
        if found is not None and (best is None or _RANK[found] < best[0]):
            best = (_RANK[found], found, order)
    if best is not None:
        return best[1], best[2]
    if not rules.duty_needs_order:
        if on_duty(journey.minutes):
            outside = outside_m(journey.lats, journey.lons)
            if not any(d >= jurisdiction_m for d in outside):  # NaN (no jurisdiction known) compares False
                return JourneyClass.DUTY, None
    return JourneyClass.NO_ORDER, None
