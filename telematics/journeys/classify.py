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
from .detect import Journey, distance_m


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


def _against(journey: Journey, fixes, order: Order, rules: Rules) -> str | None:
    grace = dt.timedelta(seconds=rules.grace_s)
    lo, hi = order.start - grace, order.end + grace
    if not lo <= journey.start <= hi:
        return None
    if journey.end > hi:
        return JourneyClass.OVERTIME
    if order.dest_lat is None or order.dest_lon is None:
        return JourneyClass.MATCHED
    reached = any(distance_m(fixes[k].lat, fixes[k].lon, order.dest_lat, order.dest_lon) <= rules.destination_m
                  for k in range(journey.first, journey.last + 1))
    return JourneyClass.MATCHED if reached else JourneyClass.OFF_ROUTE


def classify(journey: Journey, fixes, orders: Sequence[Order], *, on_duty: Callable[[dt.datetime], bool],
             outside_m: Callable[[list[float], list[float]], Sequence[float]], rules: Rules,
             jurisdiction_m: float = 200.0) -> tuple[str, Order | None]:
    """(class, the approved trip it was classed against or None)."""
    best: tuple[int, str, Order] | None = None
    for order in orders:
        found = _against(journey, fixes, order, rules)
        if found is not None and (best is None or _RANK[found] < best[0]):
            best = (_RANK[found], found, order)
    if best is not None:
        return best[1], best[2]
    if not rules.duty_needs_order:
        span = range(journey.first, journey.last + 1)
        if all(on_duty(fixes[k].ts) for k in span):
            outside = outside_m([fixes[k].lat for k in span], [fixes[k].lon for k in span])
            if not any(d >= jurisdiction_m for d in outside):  # NaN (no jurisdiction known) compares False
                return JourneyClass.DUTY, None
    return JourneyClass.NO_ORDER, None
