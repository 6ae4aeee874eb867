"""Trip and stop detection on a track, pure functions (SPEC "Trips").

A stop is staying within `stop_radius_m` for at least `stop_min_s`: each fix is within the radius of the mean of the
stop's fixes before it (stay-point detection: each candidate fix is tried as the first in turn, and the mean soon
stands where the vehicle stands, so a fix on the way in that joined the stop cannot cut it short). A trip runs from the
last fix of a stop to the first fix of the next stop; a movement shorter than `min_trip_m` between two stops (from
where the vehicle stood) is not a trip, and the two stops are one. The beginning of the data counts as a stop (nothing says the vehicle moved
before); fixes after the last stop make a trip still under way (`complete` false)."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

_EARTH_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Params:
    stop_radius_m: float = 50.0
    stop_min_s: float = 300.0
    min_trip_m: float = 200.0

    @classmethod
    def from_settings(cls) -> Params:
        from . import conf
        return cls(stop_radius_m=conf.get("QM_TRIP_STOP_RADIUS_M"), stop_min_s=conf.get("QM_TRIP_STOP_MIN_S"),
                   min_trip_m=conf.get("QM_TRIP_MIN_DISTANCE_M"))


@dataclass
class Stop:
    first: int  # index of its first fix
    last: int  # index of its last fix
    start: dt.datetime
    end: dt.datetime
    lat: float
    lon: float

    @property
    def dwell_s(self) -> int:
        return int(round((self.end - self.start).total_seconds()))


@dataclass
class Journey:
    first: int  # index of the fix it starts at (the last fix of the stop before it)
    last: int  # index of the fix it ends at (the first fix of the next stop)
    start: dt.datetime
    end: dt.datetime
    start_lat: float
    start_lon: float
    end_lat: float
    end_lon: float
    distance_m: float
    max_speed: float | None
    complete: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> int:
        return int(round((self.end - self.start).total_seconds()))

    @property
    def avg_speed(self) -> float | None:
        """km/h over the whole trip (distance / duration)."""
        return round(self.distance_m / self.duration_s * 3.6, 1) if self.duration_s > 0 else None


def _stays(fixes, p: Params) -> list[tuple[int, int]]:
    """(first, last) index of every stay: within the radius of its first fix, long enough. The run of fixes at the
    start of the data is a stay whatever its length."""
    stays: list[tuple[int, int]] = []
    n = len(fixes)
    i = 0
    while i < n:
        a = fixes[i]
        j = i
        lat_sum, lon_sum = a.lat, a.lon
        while j + 1 < n and distance_m(lat_sum / (j - i + 1), lon_sum / (j - i + 1), fixes[j + 1].lat,
                                       fixes[j + 1].lon) <= p.stop_radius_m:
            j += 1
            lat_sum += fixes[j].lat
            lon_sum += fixes[j].lon
        if i == 0 or (fixes[j].ts - a.ts).total_seconds() >= p.stop_min_s:
            stays.append((i, j))  # one that drift re-anchored joins its neighbour in detect() (no trip between)
            i = j + 1
        else:
            i += 1
    return stays


def _path_m(fixes, first: int, last: int) -> float:
    return sum(distance_m(fixes[k].lat, fixes[k].lon, fixes[k + 1].lat, fixes[k + 1].lon) for k in range(first, last))


def _stop(fixes, first: int, last: int) -> Stop:
    return Stop(first, last, fixes[first].ts, fixes[last].ts, fixes[first].lat, fixes[first].lon)


def _journey(fixes, first: int, last: int, dist: float, complete: bool) -> Journey:
    """max_speed: the highest speed a fix of the trip reported, both ends included (the stop's last fix is often
    already on the way out), and never below the trip's average: the vehicle covered `dist` in the trip's time, so
    it went at least that fast, whatever the terminal said (a short move between two reports of a parked vehicle,
    speeds sampled below the true one). Speeds derived from consecutive fixes are not used: a few metres of GPS
    jitter between fixes a second apart, or one stray fix, would invent speeds. No speed reported: None."""
    speeds = [fixes[k].speed for k in range(first, last + 1) if fixes[k].speed is not None]
    a, b = fixes[first], fixes[last]
    j = Journey(first, last, a.ts, b.ts, a.lat, a.lon, b.lat, b.lon, round(dist, 1), None, complete)
    if speeds:
        j.max_speed = max(max(speeds), j.avg_speed or 0.0)
    return j


def detect(fixes, params: Params | None = None) -> tuple[list[Journey], list[Stop]]:
    """Trips and stops of a track: `fixes` in time order, each with ts (aware datetime), lat, lon, speed."""
    p = params or Params()
    if not fixes:
        return [], []
    stays = _stays(fixes, p)
    stops: list[Stop] = []
    journeys: list[Journey] = []
    here = fixes[0]  # where the vehicle stood last (a merged stop keeps the place it began at)
    for first, last in stays:
        if stops:
            prev = stops[-1]
            dist = _path_m(fixes, prev.last, first)
            # Measured from where the vehicle stood: a stop's last fix may already be on the way out.
            away = distance_m(here.lat, here.lon, fixes[prev.last].lat, fixes[prev.last].lon)
            if dist + away < p.min_trip_m:  # not a trip: the vehicle stayed, the two stops are one
                stops[-1] = Stop(prev.first, last, prev.start, fixes[last].ts, prev.lat, prev.lon)
                here = fixes[first]
                continue
            journeys.append(_journey(fixes, prev.last, first, dist, True))
        stops.append(_stop(fixes, first, last))
        here = fixes[first]
    tail = stops[-1].last
    if tail < len(fixes) - 1:
        dist = _path_m(fixes, tail, len(fixes) - 1)
        if dist >= p.min_trip_m:
            journeys.append(_journey(fixes, tail, len(fixes) - 1, dist, False))
    return journeys, stops
