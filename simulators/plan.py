"""A vehicle's day as a timeline: parked at the depot off duty, patrols through its grid cells with inspection
stops during duty hours, and the excursions scenarios inject (each with the episodes a correct system sees)."""
from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Point

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

from .city import SAFE_VENUE_CLEARANCE_M, CityMap, OperatingArea
from .streets import Route, route_from_points

CST = dt.timezone(dt.timedelta(hours=8), "CST")
# A patrol leaves the depot this long after duty starts and is back this long before it ends, so the
# off-duty rule never sees the ordinary day; inspection stops last a few minutes.
DEPART_AFTER = (dt.timedelta(minutes=8), dt.timedelta(minutes=20))
RETURN_MARGIN = dt.timedelta(minutes=15)
INSPECTION_STOP_MIN = (3.0, 12.0)
CRUISE_KMH = (25.0, 38.0)
OFF_DUTY_MOVE_M = 500.0
OUTSIDE_JURISDICTION_M = 200.0


@dataclass(frozen=True)
class Stay:
    t0: dt.datetime
    t1: dt.datetime
    x: float
    y: float
    acc: bool
    heading: float


@dataclass(frozen=True)
class Drive:
    t0: dt.datetime
    t1: dt.datetime
    route: Route
    kmh: float

    def at(self, t: dt.datetime) -> tuple[float, float, float]:
        return self.route.at((t - self.t0).total_seconds() * self.kmh / 3.6)


Segment = Stay | Drive


@dataclass(frozen=True)
class Excursion:
    """A scenario's trip away from the routine: at `at`, from wherever the vehicle is, to `destination`
    (a venue, a private spot, a place outside the jurisdiction), `dwell` there, then back where it started."""

    at: dt.datetime
    dwell: dt.timedelta
    destination: str  # "venue:<category>", "private", "outside"
    label: str
    min_distance_m: float = 1500.0
    venue: str | None = None


@dataclass
class Episode:
    """What a scenario made a vehicle do, with its exact times: ground truth is computed from these."""

    label: str
    destination: str
    depart: dt.datetime
    arrive: dt.datetime
    leave: dt.datetime
    back: dt.datetime
    off_duty: bool
    stop_xy: tuple[float, float]
    venue: str | None = None
    venue_category: str | None = None
    outbound: Drive | None = None
    inbound: Drive | None = None
    trip_window: tuple[dt.datetime, dt.datetime] | None = None


@dataclass
class DayPlan:
    segments: list[Segment]
    episodes: list[Episode] = field(default_factory=list)

    def __post_init__(self):
        self._starts = [seg.t0 for seg in self.segments]

    def segment_at(self, t: dt.datetime) -> Segment:
        i = bisect.bisect_right(self._starts, t) - 1
        return self.segments[min(max(i, 0), len(self.segments) - 1)]


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), CST)


class VehiclePlanner:
    """Plans one vehicle's days; deterministic for a seed (each day draws from its own seeded generator)."""

    def __init__(self, *, key: str, unit_path: list[str], city: CityMap, seed: int, pick: int = 0,
                 parked: bool = False):
        self.key = key
        self.city = city
        self.seed = seed
        self.parked = parked
        self.area: OperatingArea = city.area_for(unit_path, pick=pick)
        self.targets = city.patrol_targets(self.area, unit_path)
        self.depot_xy = city.depot_for(self.area, unit_path)
        self.depot_node = self.area.graph.nearest_node(*self.depot_xy, self.area.nodes)
        self.kmh = random.Random(f"{seed}:{key}:cruise").uniform(*CRUISE_KMH)

    # --- routes ---------------------------------------------------------------------------------

    def _route(self, src: int, dst: int, *, from_depot: bool = False, to_depot: bool = False, full: bool = False,
               end_xy: tuple[float, float] | None = None) -> Route:
        graph = self.city.graph if full else self.area.graph
        r = graph.route(src, dst)
        pts = [tuple(p) for p in r.xy]
        if from_depot:
            pts.insert(0, self.depot_xy)
        if to_depot:
            pts.append(self.depot_xy)
        if end_xy is not None:
            pts.append(end_xy)
        return route_from_points(pts, r.nodes)

    def _seconds(self, route: Route) -> float:
        return route.length / (self.kmh / 3.6)

    # --- a day ----------------------------------------------------------------------------------

    def plan_day(self, day: dt.date, duty: list[tuple[dt.datetime, dt.datetime]],
                 excursions: list[Excursion]) -> DayPlan:
        rng = random.Random(f"{self.seed}:{self.key}:{day.isoformat()}")
        b = _Builder(self, rng, day_start(day))
        pending = sorted(excursions, key=lambda x: x.at)
        for s, e in ([] if self.parked else sorted(duty)):
            while pending and pending[0].at < s:
                b.excursion(pending.pop(0), off_duty=True, duty_end=None)
            if b.t > s:
                raise DomainError(_("%(vehicle)s：一次出行延续到了 %(start)s 开始的值勤时段"), field="events",
                                  vehicle=self.key, start=f"{s:%H:%M}")
            inside = [x for x in pending if x.at < e]
            pending = pending[len(inside):]
            depart = s + _between(rng, *DEPART_AFTER)
            b.park_until(min([depart] + [x.at for x in inside]))
            for x in inside:
                b.patrol(until=x.at, home=False)
                b.excursion(x, off_duty=False, duty_end=e)
            b.patrol(until=e - RETURN_MARGIN, home=True)
        for x in pending:
            b.excursion(x, off_duty=True, duty_end=None)
        b.park_until(day_start(day + dt.timedelta(days=1)))
        return DayPlan(segments=b.segments, episodes=b.episodes)


def _between(rng: random.Random, lo: dt.timedelta, hi: dt.timedelta) -> dt.timedelta:
    return dt.timedelta(seconds=round(rng.uniform(lo.total_seconds(), hi.total_seconds())))


class _Builder:
    """Appends segments from a cursor (time, place) so the timeline has no gaps."""

    def __init__(self, planner: VehiclePlanner, rng: random.Random, t: dt.datetime):
        self.p = planner
        self.rng = rng
        self.t = t
        self.node: int | None = None  # None: at the depot
        self.xy = planner.depot_xy
        self.heading = 0.0
        self.segments: list[Segment] = []
        self.episodes: list[Episode] = []

    def stay(self, until: dt.datetime, acc: bool) -> None:
        if until > self.t:
            self.segments.append(Stay(self.t, until, self.xy[0], self.xy[1], acc, self.heading))
            self.t = until

    def drive(self, route: Route) -> Drive:
        seconds = max(1, round(self.p._seconds(route)))
        seg = Drive(self.t, self.t + dt.timedelta(seconds=seconds), route, route.length * 3.6 / seconds)
        self.segments.append(seg)
        self.t = seg.t1
        self.xy = (float(route.xy[-1, 0]), float(route.xy[-1, 1]))
        if len(route.xy) > 1:
            self.heading = route.at(route.length)[2]
        return seg

    def park_until(self, until: dt.datetime) -> None:
        self.stay(until, acc=self.node is not None)

    @property
    def here(self) -> int:
        return self.p.depot_node if self.node is None else self.node

    def patrol(self, *, until: dt.datetime, home: bool) -> None:
        """Inspection legs between the unit's cells while they fit before `until` (and the way home)."""
        p = self.p
        while True:
            choices = [n for n in p.targets if n != self.here]
            if not choices:
                break
            target = self.rng.choice(choices)
            leg = p._route(self.here, target, from_depot=self.node is None)
            dwell = dt.timedelta(minutes=self.rng.uniform(*INSPECTION_STOP_MIN))
            back = p._seconds(p._route(target, p.depot_node, to_depot=True)) if home else 0.0
            if self.t + dt.timedelta(seconds=p._seconds(leg) + back + 1) + dwell > until:
                break
            self.drive(leg)
            self.node = target
            self.stay(self.t + dwell, acc=True)
        if home:
            self.go_home()
        else:
            self.stay(until, acc=True)

    def go_home(self) -> None:
        if self.node is not None:
            self.drive(self.p._route(self.node, self.p.depot_node, to_depot=True))
            self.node = None

    def excursion(self, x: Excursion, *, off_duty: bool, duty_end: dt.datetime | None) -> None:
        p = self.p
        if self.t > x.at:
            raise DomainError(_("%(vehicle)s：%(at)s 的事件“%(event)s”与该车之前的活动重叠（忙到 %(until)s）"),
                              field="events", vehicle=p.key, event=x.label, at=f"{x.at:%Y-%m-%d %H:%M}",
                              until=f"{self.t:%H:%M}")
        self.stay(x.at, acc=self.node is not None)
        start_node, from_depot = self.here, self.node is None
        target, end_xy, full, venue = self._destination(x, from_depot)
        out = self.drive(p._route(start_node, target, from_depot=from_depot, full=full, end_xy=end_xy))
        arrive = self.t
        self.stay(arrive + x.dwell, acc=False)
        leave = self.t
        back_route = p._route(target, start_node, to_depot=from_depot, full=full,
                              end_xy=None).xy.tolist()
        if end_xy is not None:
            back_route.insert(0, list(end_xy))
        inbound = self.drive(route_from_points([tuple(pt) for pt in back_route]))
        if duty_end is not None and self.t > duty_end - RETURN_MARGIN:
            raise DomainError(_("%(vehicle)s：事件“%(event)s”在 %(end)s 结束，离值勤结束（%(duty_end)s）太近；"
                                "请提前或缩短"), field="events", vehicle=p.key, event=x.label,
                              end=f"{self.t:%H:%M}", duty_end=f"{duty_end:%H:%M}")
        self.episodes.append(Episode(
            label=x.label, destination=x.destination, depart=out.t0, arrive=arrive, leave=leave, back=self.t,
            off_duty=off_duty, stop_xy=(float(out.route.xy[-1, 0]), float(out.route.xy[-1, 1])),
            venue=venue.name if venue else None, venue_category=venue.category if venue else None,
            outbound=out, inbound=inbound))

    def _destination(self, x: Excursion, from_depot: bool):
        """(target node, final off-street point or None, route on the whole city?, venue or None)."""
        p, city, area = self.p, self.p.city, self.p.area
        origin = np.asarray(p.depot_xy if from_depot else self.xy)
        if x.destination.startswith("venue:"):
            category = x.destination.split(":", 1)[1]
            inner = shapely.buffer(area.polygon, -60.0)
            candidates = [v for v in city.venues if v.category == category and (x.venue in (None, v.name))
                          and inner.contains(Point(v.parking))]
            good = []
            for v in candidates:
                node = area.graph.nearest_node(*v.parking, area.nodes)
                gap = math.dist(city.graph.node_xy[node], v.parking)
                if gap <= 80.0 and math.dist(origin, v.parking) >= min(x.min_distance_m, 800.0):
                    good.append((v, node))
            if not good:
                if x.venue:
                    raise DomainError(_("%(vehicle)s：辖区 %(area)s 内到不了名为“%(venue)s”的 %(category)s 场所"),
                                      field="events", vehicle=p.key, area=area.unit_code, venue=x.venue,
                                      category=category)
                raise DomainError(_("%(vehicle)s：辖区 %(area)s 内到不了任何 %(category)s 场所"), field="events",
                                  vehicle=p.key, area=area.unit_code, category=category)
            good.sort(key=lambda item: math.dist(origin, item[0].parking))
            venue, node = self.rng.choice(good[:5])
            return node, venue.parking, False, venue
        if x.destination == "private":
            nodes = [n for n in area.safe_nodes if math.dist(city.graph.node_xy[n], origin) >= x.min_distance_m]
            if not nodes:
                raise DomainError(_("%(vehicle)s：%(area)s 内没有 %(distance)s 米以外的地点"), field="events",
                                  vehicle=p.key, area=area.unit_code, distance=f"{x.min_distance_m:.0f}")
            return self.rng.choice(nodes), None, False, None
        if x.destination == "outside":
            reach = city.graph.distances_from(self.here)
            xy = city.graph.node_xy
            cand = np.asarray(sorted(reach))
            far = shapely.distance(shapely.points(xy[cand]), area.polygon) >= OUTSIDE_JURISDICTION_M * 3
            clear = city.venue_clearance(xy[cand]) >= SAFE_VENUE_CLEARANCE_M
            nodes = [int(n) for n in cand[far & clear]]
            if not nodes:
                raise DomainError(_("%(vehicle)s：没有道路通往辖区 %(area)s 之外"), field="events", vehicle=p.key,
                                  area=area.unit_code)
            nodes.sort(key=lambda n: (reach[n], n))
            return self.rng.choice(nodes[:5]), None, True, None
        raise DomainError(_("未知的目的地“%(destination)s”"), field="events", destination=x.destination)

