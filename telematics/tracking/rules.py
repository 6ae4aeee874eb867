"""The alert rules on event time, per vehicle: stop detection robust to GPS drift, a reorder window for
out-of-order fixes, and the episodes of SPEC "Alerts" (venue_parking, off_duty_use, out_of_jurisdiction,
terminal_silent).

The engine sees only stored fixes, in the order they were stored. Each vehicle's fixes wait in a small buffer
until the vehicle (or, with a grace, the fleet) has reported `QM_REORDER_WINDOW_S` past them, then are taken in
time order; fixes older than what a vehicle already released are late: stored, but they change no episode.
Nothing here reads the wall clock, so a day replayed in a minute raises the same alerts as the day itself.
The state (`EngineState`) is plain data: the ingest pickles it as a checkpoint and replays fixes stored since.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from .choices import ALERT_CLAUSES, AlertKind

UTC = dt.timezone.utc
_EARTH_M = 6_371_008.8
_SWEEP_EVERY_S = 10.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Thresholds:
    stop_speed_kmh: float = 5.0
    stop_radius_m: float = 50.0
    venue_dwell_s: float = 600
    venue_distance_m: float = 30.0
    venue_categories: frozenset = frozenset({"restaurant", "entertainment"})
    off_duty_distance_m: float = 500.0
    off_duty_gap_s: float = 600
    jurisdiction_distance_m: float = 200.0
    jurisdiction_dwell_s: float = 300
    silent_s: float = 1800
    reorder_window_s: float = 30
    watermark_grace_s: float = 120
    leg_gap_cap_s: float = 300
    track_max: int = 400

    @classmethod
    def from_settings(cls) -> "Thresholds":
        from . import conf
        return cls(
            stop_speed_kmh=conf.get("QM_STOP_SPEED_KMH"), stop_radius_m=conf.get("QM_STOP_RADIUS_M"),
            venue_dwell_s=conf.get("QM_VENUE_DWELL_S"), venue_distance_m=conf.get("QM_VENUE_DISTANCE_M"),
            venue_categories=frozenset(c.strip() for c in conf.get("QM_VENUE_CATEGORIES").split(",") if c.strip()),
            off_duty_distance_m=conf.get("QM_OFF_DUTY_DISTANCE_M"), off_duty_gap_s=conf.get("QM_OFF_DUTY_GAP_S"),
            jurisdiction_distance_m=conf.get("QM_JURISDICTION_DISTANCE_M"),
            jurisdiction_dwell_s=conf.get("QM_JURISDICTION_DWELL_S"), silent_s=conf.get("QM_SILENT_S"),
            reorder_window_s=conf.get("QM_REORDER_WINDOW_S"), watermark_grace_s=conf.get("QM_WATERMARK_GRACE_S"),
            leg_gap_cap_s=conf.get("QM_LEG_GAP_CAP_S"), track_max=conf.get("QM_ALERT_TRACK_MAX"))


@dataclass(slots=True)
class Point:
    """A stored fix with what enrichment found: the rules' input."""

    vehicle_id: int
    unit_id: int
    terminal: str
    ts: float  # epoch seconds
    lat: float
    lon: float
    speed: float | None
    grid_code: str = ""
    venue_id: int = -1
    venue_name: str = ""
    venue_category: str = ""
    venue_distance_m: float = math.nan
    jurisdiction_distance_m: float = math.nan
    arrival: int = 0  # its place in the position store's order


@dataclass(slots=True)
class AlertEvent:
    """Open, update-on-close or withdraw one alert, identified by (vehicle, kind, started_at)."""

    action: str  # "open" | "close" | "withdraw"
    kind: str
    vehicle_id: int
    terminal: str
    started_at: float
    ended_at: float | None = None
    lat: float | None = None
    lon: float | None = None
    venue_id: int = -1
    venue: str = ""
    venue_category: str = ""
    grid_code: str = ""
    dwell_s: float = 0.0
    distance_m: float | None = None
    evidence: dict = field(default_factory=dict)

    @property
    def clause(self) -> str:
        return ALERT_CLAUSES[self.kind]


class LegRow(NamedTuple):
    """A vehicle's movement since its previous fix, booked to this fix's grid cell (written as is by store_legs)."""

    vehicle_id: int
    ts: float  # epoch seconds
    grid_code: str
    dist_m: float
    secs: float
    moving: bool


_new_leg = tuple.__new__  # LegRow without NamedTuple's keyword-handling constructor (one per fix)


@dataclass(slots=True)
class Episode:
    """A condition holding over a stretch of fixes; `alerted` once its threshold is met."""

    start_ts: float
    last_ts: float
    lat: float
    lon: float
    grid_code: str
    track: list = field(default_factory=list)
    alerted: bool = False
    decided: bool = False  # venue_parking: the exemption has been looked at
    distance_m: float = 0.0
    venue_id: int = -1
    venue_name: str = ""
    venue_category: str = ""


@dataclass(slots=True)
class VehicleTrack:
    vehicle_id: int
    terminal: str
    pending: list = field(default_factory=list)  # Points sorted by ts, waiting out the reorder window
    max_ts: float = -math.inf  # newest fix stored
    released_ts: float = -math.inf
    last: Point | None = None  # the last released point
    last_off_duty: bool = False
    stop: Episode | None = None
    off_duty: Episode | None = None
    outside: Episode | None = None


@dataclass
class EngineState:
    vehicles: dict = field(default_factory=dict)  # vehicle_id -> VehicleTrack
    last_seen: dict = field(default_factory=dict)  # terminal -> (newest ts, vehicle_id)
    silent: dict = field(default_factory=dict)  # terminal -> started_at of the open terminal_silent alert
    watermark: float = -math.inf  # newest fix of the fleet
    swept_at: float = -math.inf
    arrival: int = 0  # the last stored fix (position store order) fed in
    late: int = 0


def _by_ts(p: Point) -> float:
    return p.ts


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, UTC).isoformat()


def _thin(track: list, limit: int) -> None:
    """Keeps an evidence track bounded: beyond `limit` points every other one goes (deterministically)."""
    if len(track) > limit:
        del track[1:-1:2]


class RulesEngine:
    """`on_duty(unit_id, ts) -> bool` and `covering(vehicle_id, ts, lat=None, lon=None) -> trip | None` (`ts` in
    epoch seconds) are the fleet calendar's lookups; everything else is in `state`."""

    def __init__(self, *, thresholds: Thresholds, on_duty: Callable, covering: Callable,
                 state: EngineState | None = None):
        self.t = thresholds
        self.on_duty = on_duty
        self.covering = covering
        self.state = state or EngineState()

    # --- input ------------------------------------------------------------------------------------------

    def feed(self, points: list[Point], arrival: int | None = None) -> tuple[list[AlertEvent], list[LegRow]]:
        """Takes newly stored fixes (in storage order); returns alert changes and legs to write."""
        events: list[AlertEvent] = []
        legs: list[LegRow] = []
        st = self.state
        for p in points:
            track = st.vehicles.get(p.vehicle_id)
            if track is None:
                track = st.vehicles[p.vehicle_id] = VehicleTrack(p.vehicle_id, p.terminal)
            track.terminal = p.terminal
            self._seen(p, events)
            if p.ts <= track.released_ts:
                st.late += 1
                continue
            if p.ts >= track.max_ts:  # in order, the usual case
                track.pending.append(p)
                track.max_ts = p.ts
            else:
                bisect.insort(track.pending, p, key=_by_ts)
            self._release(track, track.max_ts - self.t.reorder_window_s, events, legs)
            # Swept per fix, not per batch: a batch spanning an hour of event time must still see a terminal's
            # silence inside it, so the alerts do not depend on how fixes were batched.
            if st.watermark - st.swept_at >= _SWEEP_EVERY_S:
                self._sweep(events, legs)
        if arrival is not None:
            st.arrival = arrival
        return events, legs

    def _seen(self, p: Point, events: list) -> None:
        st = self.state
        if p.ts > st.watermark:
            st.watermark = p.ts
        prev = st.last_seen.get(p.terminal)
        if prev is not None and p.ts <= prev[0]:
            return
        st.last_seen[p.terminal] = (p.ts, p.vehicle_id)
        started = st.silent.pop(p.terminal, None)
        if started is not None:
            gap = p.ts - started
            action = "close" if gap >= self.t.silent_s else "withdraw"
            events.append(AlertEvent(action, AlertKind.TERMINAL_SILENT, p.vehicle_id, p.terminal, started,
                                     ended_at=p.ts, dwell_s=gap,
                                     evidence={"last_fix": _iso(started), "next_fix": _iso(p.ts)}))

    def _sweep(self, events: list, legs: list) -> None:
        """Every few seconds of event time: release what the fleet's watermark has passed, and open
        terminal_silent for terminals quiet for `silent_s` while others report."""
        st = self.state
        st.swept_at = st.watermark
        horizon = st.watermark - self.t.watermark_grace_s
        for track in st.vehicles.values():
            if track.pending and track.pending[0].ts <= horizon:
                self._release(track, horizon, events, legs)
        quiet_before = st.watermark - self.t.silent_s
        for terminal, (ts, vehicle_id) in st.last_seen.items():
            if ts <= quiet_before and terminal not in st.silent:
                st.silent[terminal] = ts
                track = st.vehicles.get(vehicle_id)
                last = track.last if track else None
                events.append(AlertEvent("open", AlertKind.TERMINAL_SILENT, vehicle_id, terminal, ts,
                                         lat=last.lat if last else None, lon=last.lon if last else None,
                                         grid_code=last.grid_code if last else "",
                                         evidence={"last_fix": _iso(ts), "fleet_time": _iso(st.watermark)}))

    def _release(self, track: VehicleTrack, upto: float, events: list, legs: list) -> None:
        pending = track.pending
        n = 0
        while n < len(pending) and pending[n].ts <= upto:
            self._step(track, pending[n], events, legs)
            n += 1
        if n:
            del pending[:n]

    # --- one fix, in event-time order ------------------------------------------------------------------------

    def _step(self, track: VehicleTrack, p: Point, events: list, legs: list) -> None:
        t = self.t
        prev = track.last
        still = p.speed is None or p.speed < t.stop_speed_kmh
        stop = track.stop
        in_same_stop = (stop is not None and still
                        and distance_m(stop.lat, stop.lon, p.lat, p.lon) <= t.stop_radius_m)
        if stop is not None and not in_same_stop:
            self._end_stop(track, events)
            stop = None
        if stop is None and still:
            stop = track.stop = Episode(p.ts, p.ts, p.lat, p.lon, p.grid_code)
        if stop is not None:
            stop.last_ts = p.ts
            stop.track.append((p.ts, p.lat, p.lon, p.speed))
            _thin(stop.track, t.track_max)
            if stop.venue_id < 0 and self._at_venue(p):
                stop.venue_id, stop.venue_name, stop.venue_category = p.venue_id, p.venue_name, p.venue_category
            self._check_venue(track, stop, events)

        dist = 0.0
        secs = 0.0
        if prev is not None:
            secs = min(p.ts - prev.ts, t.leg_gap_cap_s)
            if not in_same_stop:
                dist = distance_m(prev.lat, prev.lon, p.lat, p.lon)
        legs.append(_new_leg(LegRow, (p.vehicle_id, p.ts, p.grid_code, dist, secs, dist > 0)))

        covered = self.covering(p.vehicle_id, p.ts) is not None
        off = not covered and not self.on_duty(p.unit_id, p.ts)
        self._check_off_duty(track, p, prev, off, dist, events)
        self._check_outside(track, p, covered, events)
        track.last = p
        track.last_off_duty = off
        track.released_ts = p.ts

    def _at_venue(self, p: Point) -> bool:
        return (p.venue_id >= 0 and p.venue_category in self.t.venue_categories
                and not math.isnan(p.venue_distance_m) and p.venue_distance_m <= self.t.venue_distance_m)

    def _event(self, action: str, kind: str, track: VehicleTrack, ep: Episode, *, ended: float | None,
               dwell: float, distance: float | None = None, extra: dict | None = None) -> AlertEvent:
        evidence = {"start": _iso(ep.start_ts), "end": _iso(ended) if ended is not None else None,
                    "dwell_s": round(dwell), "track": [[_iso(ts), lat, lon, speed] for ts, lat, lon, speed in ep.track]}
        evidence.update(extra or {})
        return AlertEvent(action, kind, track.vehicle_id, track.terminal, ep.start_ts, ended_at=ended,
                          lat=ep.lat, lon=ep.lon, venue_id=ep.venue_id, venue=ep.venue_name,
                          venue_category=ep.venue_category, grid_code=ep.grid_code, dwell_s=dwell,
                          distance_m=distance, evidence=evidence)

    def _check_venue(self, track: VehicleTrack, stop: Episode, events: list) -> None:
        if stop.decided or stop.venue_id < 0:
            return
        dwell = stop.last_ts - stop.start_ts
        if dwell < self.t.venue_dwell_s:
            return
        stop.decided = True
        trip = None
        for ts in (stop.start_ts, stop.last_ts):
            candidate = self.covering(track.vehicle_id, ts, stop.lat, stop.lon)
            if candidate is not None and getattr(candidate, "dest_lat", None) is not None:
                trip = candidate
                break
        if trip is not None:
            return
        stop.alerted = True
        events.append(self._event("open", AlertKind.VENUE_PARKING, track, stop, ended=None, dwell=dwell))

    def _end_stop(self, track: VehicleTrack, events: list) -> None:
        stop = track.stop
        track.stop = None
        if stop.alerted:
            events.append(self._event("close", AlertKind.VENUE_PARKING, track, stop, ended=stop.last_ts,
                                      dwell=stop.last_ts - stop.start_ts))

    def _check_off_duty(self, track: VehicleTrack, p: Point, prev: Point | None, off: bool, dist: float,
                        events: list) -> None:
        ep = track.off_duty
        if off and dist > 0:
            if ep is None:
                origin = prev if prev is not None and track.last_off_duty else p
                ep = track.off_duty = Episode(self._departure(origin, p, dist), p.ts, origin.lat, origin.lon,
                                              origin.grid_code)
                ep.track.append((origin.ts, origin.lat, origin.lon, origin.speed))
            ep.distance_m += dist
            ep.last_ts = p.ts
            ep.track.append((p.ts, p.lat, p.lon, p.speed))
            _thin(ep.track, self.t.track_max)
            if not ep.alerted and ep.distance_m >= self.t.off_duty_distance_m:
                ep.alerted = True
                events.append(self._event("open", AlertKind.OFF_DUTY_USE, track, ep, ended=None,
                                          dwell=ep.last_ts - ep.start_ts, distance=round(ep.distance_m, 1)))
            return
        if ep is not None and (not off or p.ts - ep.last_ts >= self.t.off_duty_gap_s):
            track.off_duty = None
            if ep.alerted:
                events.append(self._event("close", AlertKind.OFF_DUTY_USE, track, ep, ended=ep.last_ts,
                                          dwell=ep.last_ts - ep.start_ts, distance=round(ep.distance_m, 1)))

    def _departure(self, origin: Point, p: Point, dist: float) -> float:
        """When the vehicle left `origin`: a parked car reporting every few minutes did not move for the whole
        gap, so the departure is estimated from the distance covered at the reported speed (never before the
        origin fix)."""
        if origin is p:
            return p.ts
        if p.speed is None or p.speed < self.t.stop_speed_kmh:
            return origin.ts
        return max(origin.ts, p.ts - dist / (p.speed / 3.6))

    def _check_outside(self, track: VehicleTrack, p: Point, covered: bool, events: list) -> None:
        d = p.jurisdiction_distance_m
        outside = not covered and not math.isnan(d) and d >= self.t.jurisdiction_distance_m
        ep = track.outside
        if outside:
            if ep is None:
                ep = track.outside = Episode(p.ts, p.ts, p.lat, p.lon, p.grid_code)
            ep.last_ts = p.ts
            ep.distance_m = max(ep.distance_m, d)
            ep.track.append((p.ts, p.lat, p.lon, p.speed))
            _thin(ep.track, self.t.track_max)
            if not ep.alerted and ep.last_ts - ep.start_ts >= self.t.jurisdiction_dwell_s:
                ep.alerted = True
                events.append(self._event("open", AlertKind.OUT_OF_JURISDICTION, track, ep, ended=None,
                                          dwell=ep.last_ts - ep.start_ts, distance=round(ep.distance_m, 1)))
        elif ep is not None:
            track.outside = None
            if ep.alerted:
                events.append(self._event("close", AlertKind.OUT_OF_JURISDICTION, track, ep, ended=ep.last_ts,
                                          dwell=ep.last_ts - ep.start_ts, distance=round(ep.distance_m, 1)))
