"""Ground truth of trips (SPEC "Trips") for the vehicles a scenario steers: each trip between two stops of the planned
day with its exact departure and arrival, and the class a correct system gives it against the scenario's orders.

A stop is a stay of at least five minutes (the default). Where a stay is so close to five minutes that whether the
fixes show it depends on where they fall, the trip before it says `joins_next`: a correct system may see the two
trips on either side as one. A trip of
about 200 m (by its route or from end to end), which the fixes may make shorter or longer, says `faint`: a correct system may not see it
(the stops on either side then are one). Where a class hangs on a margin the fixes cannot settle (a window edge within a fix or
two, a destination passed at a few hundred metres), the class is null."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from shapely.geometry import LineString, Point

from .plan import CST, Drive, Stay
from .terminals import Terminal, ts_iso

STOP = dt.timedelta(minutes=5)
STOP_RADIUS_M = 50.0
# Within this of 200 m, the fixes' noise and their chords across the route's bends may put a move either side.
FAINT_M = 30.0
MIN_TRIP_M = 200.0
GRACE = dt.timedelta(minutes=15)
DESTINATION_M = 300.0
JURISDICTION_M = 200.0
# A fix on the way in or out can stand this close to the stop and count as part of it.
EDGE = dt.timedelta(seconds=15)


@dataclass
class _Trip:
    start: dt.datetime
    end: dt.datetime = None
    drives: list[Drive] = field(default_factory=list)
    joins_next: bool = False
    faint: bool = False

    @property
    def distance_m(self) -> float:
        return sum(d.route.length for d in self.drives)

    @property
    def displacement_m(self) -> float:
        (x0, y0), (x1, y1) = self.drives[0].route.xy[0], self.drives[-1].route.xy[-1]
        return float(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)

    def line(self) -> LineString | Point:
        pts = [tuple(p) for d in self.drives for p in d.route.xy]
        return LineString(pts) if len(pts) > 1 else Point(pts[0])


def _segments(term: Terminal, start: dt.datetime, end: dt.datetime):
    day = start.astimezone(CST).date()
    while dt.datetime.combine(day, dt.time(), CST) < end:
        for seg in term.plan(day).segments:
            if seg.t1 > start and seg.t0 < end:
                yield seg
        day += dt.timedelta(days=1)


def planned_trips(term: Terminal, start: dt.datetime, end: dt.datetime) -> list[_Trip]:
    """The trips of the plan between `start` and `end` (the stay at the start counts as a stop whatever its length;
    a trip still under way at the end is left out)."""
    trips: list[_Trip] = []
    current: _Trip | None = None
    stay: list | None = None  # [since, until, seconds between fixes] of the stay under way
    first = True
    for seg in _segments(term, start, end):
        if isinstance(seg, Stay):
            gap = term.interval if seg.acc else term.rest_interval
            stay = [stay[0], seg.t1, max(stay[2], gap)] if stay else [max(seg.t0, start), seg.t1, gap]
            continue
        if stay is not None and seg.route.length < STOP_RADIUS_M:  # moving within the stop's radius: still there
            continue
        if stay is not None:
            length = stay[1] - stay[0]
            if first or length >= STOP - EDGE:
                if current is not None:
                    current.end = stay[0]
                    # The fixes may show as little as the stay less two gaps between fixes.
                    current.joins_next = length < STOP + dt.timedelta(seconds=2 * stay[2]) + EDGE
                    trips.append(current)
                current = _Trip(start=stay[1])
            stay = None
        first = False
        if current is None:  # moving when the run starts: the run's start stands for the stop
            current = _Trip(start=start)
        current.drives.append(seg)
    if current is not None and stay is not None and stay[1] - stay[0] >= STOP - EDGE:
        current.end = stay[0]
        trips.append(current)
    merged: list[_Trip] = []
    for trip in trips:  # a move shorter than 200 m is no trip: the stops on either side are one
        if trip.distance_m < MIN_TRIP_M - FAINT_M:
            if merged:
                merged[-1].joins_next = merged[-1].joins_next or trip.joins_next
            continue
        trip.faint = min(trip.distance_m, trip.displacement_m) < MIN_TRIP_M + FAINT_M
        merged.append(trip)
    return merged


def _class(trip: _Trip, orders: list[dict], term: Terminal, slack: dt.timedelta, to_xy) -> str | None:
    """The class of SPEC "Trips", or None when a margin decides it that the fixes cannot settle."""
    found: list[str] = []
    unclear = False
    # The fixes put a trip's start up to a gap between fixes before the departure, its end up to one after the
    # arrival (and either a few seconds the other way: a fix on the way out or in may count for the stop).
    early, late = (trip.start - slack, trip.start + EDGE), (trip.end - EDGE, trip.end + slack)
    for order in orders:
        lo = dt.datetime.fromisoformat(order["start"]) - GRACE
        hi = dt.datetime.fromisoformat(order["end"]) + GRACE
        if not lo <= trip.start <= hi:
            unclear |= early[0] <= hi and lo <= early[1]
            continue
        unclear |= not (lo <= early[0] and early[1] <= hi) or late[0] <= hi < late[1]
        if trip.end > hi:
            found.append("overtime")
        elif order.get("dest_lat") is None:
            found.append("matched")
        else:
            gap = trip.line().distance(Point(to_xy(order["dest_lon"], order["dest_lat"])))
            # Fixes lie within a few metres of the route: farther than this, none comes within 300 m.
            unclear |= 60.0 < gap <= DESTINATION_M + 20.0
            found.append("matched" if gap <= 60.0 else "off_route")
    for kind in ("matched", "overtime", "off_route"):
        if kind in found:
            return None if unclear else kind
    if unclear:
        return None
    windows = [w for day in {trip.start.astimezone(CST).date(), trip.end.astimezone(CST).date()}
               for w in term.duty(day)]
    in_duty = any(s + slack <= trip.start and trip.end + slack <= e for s, e in windows)
    near_duty = any(abs(trip.start - x) < slack or abs(trip.end - x) < slack for w in windows for x in w)
    outside = max(term.planner.area.polygon.distance(Point(p)) for d in trip.drives for p in d.route.xy)
    if near_duty or 0.0 < outside < 2 * JURISDICTION_M:
        return None
    return "duty" if in_duty and outside == 0.0 else "no_order"


def trips_truth(term: Terminal, start: dt.datetime, end: dt.datetime, orders: list[dict], *, fix_gap: dt.timedelta,
                to_xy) -> list[dict]:
    """The planned trips of one terminal as ground truth rows."""
    slack = fix_gap + dt.timedelta(seconds=60)
    return [{"terminal": term.reported_id, "vehicle": term.spec.plate, "start": ts_iso(t.start), "end": ts_iso(t.end),
             "distance_m": round(t.distance_m, 1), "class": _class(t, orders, term, slack, to_xy),
             "joins_next": t.joins_next, "faint": t.faint}
            for t in planned_trips(term, start, end)]


def unused_orders(orders: list[dict], truth: list[dict]) -> list[dict]:
    """The scenario's orders no planned trip was classed against: in SPEC terms `unused` (有单无轨)."""
    used = []
    for order in orders:
        lo = dt.datetime.fromisoformat(order["start"]) - GRACE
        hi = dt.datetime.fromisoformat(order["end"]) + GRACE
        if any(lo <= dt.datetime.fromisoformat(t["start"]) <= hi for t in truth if t["terminal"] == order["terminal"]):
            used.append(order)
    return [o for o in orders if o not in used]

