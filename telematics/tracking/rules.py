"""The alert rules on event time, per vehicle: stop detection robust to GPS drift, a reorder window for
out-of-order fixes, and one class per alert kind of SPEC "Alerts" (the Traccar way: each rule keeps its own state
on the vehicle's track and turns one fix into alert events, `step(track, point) -> events`).

The engine sees only stored fixes, in the order they were stored. Each vehicle's fixes wait in a small buffer
until the vehicle (or, with a grace, the fleet) has reported `QM_REORDER_WINDOW_S` past them, then are taken in
time order; fixes older than what a vehicle already released are late: stored, but they change no episode.
Nothing here reads the wall clock, so a day replayed in a minute raises the same alerts as the day itself.
The state (`EngineState`) is plain data: the ingest pickles it as a checkpoint and replays fixes stored since.
"""
from __future__ import annotations

import bisect
import datetime as dt
import enum
import math
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from .choices import ALERT_CLAUSES, AlertKind

UTC = dt.timezone.utc
_EARTH_M = 6_371_008.8
_SWEEP_EVERY_S = 10.0
_COVERAGE_BUCKET_S = 300  # terminal_silent: "while others report" is judged per 5 minutes of event time
_COVERAGE_KEEP_S = 3 * 86400
_NO_CHECK_AHEAD_S = 7 * 86400  # not_in_depot: a unit without duty hours is asked again a week later


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(a)))


class Action(enum.StrEnum):
    """What an alert event does to the alert of its episode (identified by vehicle, kind and started_at)."""

    OPEN = "open"          # the condition is met: the alert is raised (or updated while it lasts)
    CLOSE = "close"        # the episode ended: ended_at is set
    WITHDRAW = "withdraw"  # late data showed the episode never happened (terminal_silent filled by a buffer flush)


@dataclass(frozen=True)
class Thresholds:
    stop_speed_kmh: float = 5.0
    stop_radius_m: float = 50.0
    venue_dwell_s: float = 600
    venue_distance_m: float = 30.0
    venue_categories: frozenset = frozenset({"restaurant", "entertainment"})
    off_duty_distance_m: float = 500.0
    off_duty_stop_s: float = 3600
    jurisdiction_distance_m: float = 200.0
    jurisdiction_dwell_s: float = 300
    silent_s: float = 1800
    depot_delay_s: float = 3600
    seal_distance_m: float = 200.0
    reorder_window_s: float = 30
    watermark_grace_s: float = 120
    leg_gap_cap_s: float = 300
    track_max: int = 400

    @classmethod
    def from_settings(cls) -> "Thresholds":
        from . import conf
        return cls(
            stop_speed_kmh=conf.get("QM_STOP_SPEED_KMH"), stop_radius_m=conf.get("QM_STOP_RADIUS_M"),
            venue_dwell_s=conf.get("QM_VENUE_DWELL_S"), venue_distance_m=conf.venue_distance_m(),
            venue_categories=frozenset(conf.venue_categories()),
            off_duty_distance_m=conf.get("QM_OFF_DUTY_DISTANCE_M"), off_duty_stop_s=conf.get("QM_OFF_DUTY_STOP_S"),
            jurisdiction_distance_m=conf.get("QM_JURISDICTION_DISTANCE_M"),
            jurisdiction_dwell_s=conf.get("QM_JURISDICTION_DWELL_S"), silent_s=conf.get("QM_SILENT_S"),
            depot_delay_s=conf.get("QM_DEPOT_DELAY_S"), seal_distance_m=conf.get("QM_SEAL_DISTANCE_M"),
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

    action: Action
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
    # The alert this one is part of, as (kind, started_at): a venue_parking stop inside an off_duty_use journey.
    part_of: tuple[str, float] | None = None
    # Alerts of kind `VENUE_PARKING` (their started_at) that are part of this one, raised before it was.
    parts: tuple[float, ...] = ()

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
    away: bool = False  # off_duty_use: has been outside the depot (so coming back ends the journey)
    parts: list = field(default_factory=list)  # off_duty_use: the venue_parking alerts raised during the journey


@dataclass(slots=True)
class DepotWatch:
    """not_in_depot's state for one vehicle: the next moment to look, and the open episode."""

    next_check: float | None = None
    episode: Episode | None = None


@dataclass(slots=True)
class SealWatch:
    """sealed_vehicle_moved's state for one vehicle: the sealed period in force, where the vehicle stood when it
    began, and the open episode."""

    period: tuple[float, float] | None = None
    lat: float = 0.0
    lon: float = 0.0
    episode: Episode | None = None


@dataclass(slots=True)
class VehicleTrack:
    """One vehicle's reorder buffer, last released fix, what the engine derived from that fix (stop, distance,
    cover, duty) and each rule's own state."""

    vehicle_id: int
    terminal: str
    unit_id: int = 0
    pending: list = field(default_factory=list)  # Points sorted by ts, waiting out the reorder window
    max_ts: float = -math.inf  # newest fix stored
    released_ts: float = -math.inf
    last: Point | None = None  # the last released point
    # Facts about the fix being stepped, shared by the rules.
    stop: Episode | None = None  # the stop the vehicle is in
    ended_stop: Episode | None = None  # the stop this fix ended
    moved_m: float = 0.0  # distance from the previous fix (0 while in the same stop)
    covered: bool = False  # an approved trip covers this moment
    off: bool = False  # outside duty hours and not covered
    last_off_duty: bool = False  # `off` of the previous fix
    # The rules' own states.
    off_duty: Episode | None = None
    outside: Episode | None = None
    depot: DepotWatch = field(default_factory=DepotWatch)
    seal: SealWatch = field(default_factory=SealWatch)


@dataclass
class EngineState:
    vehicles: dict = field(default_factory=dict)  # vehicle_id -> VehicleTrack
    last_seen: dict = field(default_factory=dict)  # terminal -> (newest ts, vehicle_id)
    silent: dict = field(default_factory=dict)  # terminal -> started_at of the open terminal_silent alert
    reported: set = field(default_factory=set)  # 5-minute buckets of event time in which some fix was stored
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


def _no_depot(unit_id: int):
    return None


def _no_duty_end(unit_id: int, ts: float):
    return None


def _no_seal(vehicle_id: int, ts: float):
    return None


_NONE: tuple = ()


# --- the rules ------------------------------------------------------------------------------------------------

class Rule:
    """One alert kind. `step` sees each released fix of a vehicle in event-time order, after the engine has set the
    track's shared facts (stop, moved_m, covered, off) and before `track.last` moves on to the fix; `sweep` runs
    every few seconds of event time with the fleet's horizon, for episodes that end without a fix."""

    kind: str = ""

    def __init__(self, engine: "RulesEngine"):
        self.engine = engine
        self.t = engine.t

    def step(self, track: VehicleTrack, p: Point) -> list[AlertEvent] | tuple:
        raise NotImplementedError

    def sweep(self, track: VehicleTrack, horizon: float) -> list[AlertEvent] | tuple:
        return _NONE

    def event(self, action: Action, track: VehicleTrack, ep: Episode, *, ended: float | None, dwell: float,
              distance: float | None = None, extra: dict | None = None, **fields) -> AlertEvent:
        evidence = {"start": _iso(ep.start_ts), "end": _iso(ended) if ended is not None else None,
                    "dwell_s": round(dwell), "track": [[_iso(ts), lat, lon, speed] for ts, lat, lon, speed in ep.track]}
        evidence.update(extra or {})
        return AlertEvent(action, self.kind, track.vehicle_id, track.terminal, ep.start_ts, ended_at=ended,
                          lat=ep.lat, lon=ep.lon, venue_id=ep.venue_id, venue=ep.venue_name,
                          venue_category=ep.venue_category, grid_code=ep.grid_code, dwell_s=dwell,
                          distance_m=distance, evidence=evidence, **fields)


class VenueParking(Rule):
    """Stopped ≥ `venue_dwell_s` inside or within `venue_distance_m` of an alerting venue; exempt when an approved
    trip whose destination is the stop covers it. Inside an off_duty_use journey the alert is part of it."""

    kind = AlertKind.VENUE_PARKING

    def step(self, track, p):
        events = _NONE
        ended = track.ended_stop
        if ended is not None and ended.alerted:
            events = [self.event(Action.CLOSE, track, ended, ended=ended.last_ts, dwell=ended.last_ts - ended.start_ts)]
        stop = track.stop
        if stop is None or stop.decided:
            return events
        if stop.venue_id < 0 and p.venue_id >= 0 and self._at_venue(p):
            stop.venue_id, stop.venue_name, stop.venue_category = p.venue_id, p.venue_name, p.venue_category
        if stop.venue_id < 0:
            return events
        dwell = stop.last_ts - stop.start_ts
        if dwell < self.t.venue_dwell_s:
            return events
        stop.decided = True
        covering = self.engine.covering
        for ts in (stop.start_ts, stop.last_ts):
            trip = covering(track.vehicle_id, ts, stop.lat, stop.lon)
            if trip is not None and getattr(trip, "dest_lat", None) is not None:
                return events
        stop.alerted = True
        part_of = None
        journey = track.off_duty
        if journey is not None:
            journey.parts.append(stop.start_ts)
            if journey.alerted:
                part_of = (AlertKind.OFF_DUTY_USE, journey.start_ts)
        return [*events, self.event(Action.OPEN, track, stop, ended=None, dwell=dwell, part_of=part_of)]

    def _at_venue(self, p: Point) -> bool:
        return (p.venue_id >= 0 and p.venue_category in self.t.venue_categories
                and not math.isnan(p.venue_distance_m) and p.venue_distance_m <= self.t.venue_distance_m)


class OffDutyUse(Rule):
    """A journey outside duty hours (not covered by an approved trip) of ≥ `off_duty_distance_m`. The journey lasts
    until the vehicle is back inside its unit's depot, duty hours begin, or it has stayed stopped
    `off_duty_stop_s`; shorter stops are part of it."""

    kind = AlertKind.OFF_DUTY_USE

    def step(self, track, p):
        ep = track.off_duty
        events = _NONE
        moved = track.moved_m
        if ep is None and not (track.off and moved > 0):
            return events
        depot = self.engine.depot(p.unit_id)
        home = depot is not None and distance_m(depot[0], depot[1], p.lat, p.lon) <= depot[2]
        if ep is not None:
            if home and ep.away:  # back in the depot: the journey ends on arrival
                ep.last_ts = p.ts
                return self._close(track)
            if not track.off or p.ts - ep.last_ts >= self.t.off_duty_stop_s:
                events = self._close(track)
                ep = None
        if not (track.off and moved > 0) or (ep is None and home):  # moving about the depot is no journey
            return events
        away = depot is not None and not home
        prev = track.last
        if ep is None:
            origin = prev if prev is not None and track.last_off_duty else p
            ep = track.off_duty = Episode(self._departure(origin, p, moved), p.ts, origin.lat, origin.lon,
                                          origin.grid_code)
            ep.track.append((origin.ts, origin.lat, origin.lon, origin.speed))
        ep.away = ep.away or away
        ep.distance_m += moved
        ep.last_ts = p.ts
        ep.track.append((p.ts, p.lat, p.lon, p.speed))
        _thin(ep.track, self.t.track_max)
        if not ep.alerted and ep.distance_m >= self.t.off_duty_distance_m:
            ep.alerted = True
            opened = self.event(Action.OPEN, track, ep, ended=None, dwell=ep.last_ts - ep.start_ts,
                                distance=round(ep.distance_m, 1), parts=tuple(ep.parts))
            return [*events, opened]
        return events

    def sweep(self, track, horizon):
        ep = track.off_duty
        if ep is not None and horizon - ep.last_ts >= self.t.off_duty_stop_s:
            return self._close(track)
        return _NONE

    def _close(self, track: VehicleTrack) -> list | tuple:
        ep = track.off_duty
        track.off_duty = None
        if not ep.alerted:
            return _NONE
        return [self.event(Action.CLOSE, track, ep, ended=ep.last_ts, dwell=ep.last_ts - ep.start_ts,
                           distance=round(ep.distance_m, 1))]

    def _departure(self, origin: Point, p: Point, dist: float) -> float:
        """When the vehicle left `origin`: a parked car reporting every few minutes did not move for the whole
        gap, so the departure is estimated from the distance covered at the reported speed (never before the
        origin fix)."""
        if origin is p:
            return p.ts
        if p.speed is None or p.speed < self.t.stop_speed_kmh:
            return origin.ts
        return max(origin.ts, p.ts - dist / (p.speed / 3.6))


class OutOfJurisdiction(Rule):
    """≥ `jurisdiction_distance_m` outside the unit's jurisdiction for ≥ `jurisdiction_dwell_s`, not covered."""

    kind = AlertKind.OUT_OF_JURISDICTION

    def step(self, track, p):
        d = p.jurisdiction_distance_m
        outside = not track.covered and not math.isnan(d) and d >= self.t.jurisdiction_distance_m
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
                return [self.event(Action.OPEN, track, ep, ended=None, dwell=ep.last_ts - ep.start_ts,
                                   distance=round(ep.distance_m, 1))]
        elif ep is not None:
            track.outside = None
            if ep.alerted:
                return [self.event(Action.CLOSE, track, ep, ended=ep.last_ts, dwell=ep.last_ts - ep.start_ts,
                                   distance=round(ep.distance_m, 1))]
        return _NONE


class NotInDepot(Rule):
    """On a duty day, `depot_delay_s` after the unit's duty hours end, the vehicle is outside its unit's depot
    (only where one is set); the episode lasts until it is back inside. Exempt when an approved trip covers that
    moment. The vehicle's place at that moment is its last fix before it."""

    kind = AlertKind.NOT_IN_DEPOT

    def step(self, track, p):
        watch = track.depot
        events = _NONE
        if watch.next_check is None:
            watch.next_check = self._next_check(p.unit_id, p.ts)
        elif watch.next_check <= p.ts:
            events = self._check(track, track.last or p, p.ts)
        ep = watch.episode
        if ep is not None:
            depot = self.engine.depot(p.unit_id)
            if depot is None or distance_m(depot[0], depot[1], p.lat, p.lon) <= depot[2]:
                watch.episode = None
                return [*events, self.event(Action.CLOSE, track, ep, ended=p.ts, dwell=p.ts - ep.start_ts,
                                            distance=round(ep.distance_m, 1))]
            ep.last_ts = p.ts
            ep.track.append((p.ts, p.lat, p.lon, p.speed))
            _thin(ep.track, self.t.track_max)
        return events

    def sweep(self, track, horizon):
        watch = track.depot
        if watch.next_check is not None and watch.next_check <= horizon and track.last is not None \
                and not track.pending:
            return self._check(track, track.last, horizon)
        return _NONE

    def _check(self, track: VehicleTrack, at: Point, upto: float) -> list | tuple:
        """Looks at every check moment up to `upto` with the vehicle at `at` (its place at those moments)."""
        watch = track.depot
        events = _NONE
        unit_id = track.unit_id
        while watch.next_check is not None and watch.next_check <= upto:
            moment = watch.next_check
            watch.next_check = self._next_check(unit_id, moment)
            depot = self.engine.depot(unit_id)
            if watch.episode is not None or depot is None:
                continue
            away = distance_m(depot[0], depot[1], at.lat, at.lon)
            if away <= depot[2] or self.engine.covering(track.vehicle_id, moment) is not None:
                continue
            ep = watch.episode = Episode(moment, moment, at.lat, at.lon, at.grid_code, distance_m=away)
            ep.track.append((at.ts, at.lat, at.lon, at.speed))
            events = [self.event(Action.OPEN, track, ep, ended=None, dwell=0.0, distance=round(away, 1),
                                 extra={"depot": [depot[0], depot[1], depot[2]], "last_fix": _iso(at.ts)})]
        return events

    def _next_check(self, unit_id: int, after: float) -> float:
        """The first check moment strictly after `after`."""
        delay = self.t.depot_delay_s
        end = self.engine.duty_end(unit_id, after - delay)
        return end + delay if end is not None else after + _NO_CHECK_AHEAD_S


class SealedVehicleMoved(Rule):
    """During a sealed (封存) period the vehicle is ≥ `seal_distance_m` from where it stood when the period began;
    the episode lasts until it is back within that distance or the period ends."""

    kind = AlertKind.SEALED_VEHICLE_MOVED

    def step(self, track, p):
        watch = track.seal
        period = self.engine.seal(p.vehicle_id, p.ts)
        events = _NONE
        if period != watch.period:
            if watch.episode is not None:
                events = self._close(track, watch.episode.last_ts)
            watch.period = period
            if period is not None:
                prev = track.last
                at = prev if prev is not None and prev.ts <= period[0] else p
                watch.lat, watch.lon = at.lat, at.lon
        if period is None:
            return events
        away = distance_m(watch.lat, watch.lon, p.lat, p.lon)
        ep = watch.episode
        if away >= self.t.seal_distance_m:
            if ep is None:
                ep = watch.episode = Episode(p.ts, p.ts, p.lat, p.lon, p.grid_code)
                ep.track.append((p.ts, p.lat, p.lon, p.speed))
                ep.distance_m = away
                return [*events, self.event(Action.OPEN, track, ep, ended=None, dwell=0.0, distance=round(away, 1),
                                            extra={"sealed_at": [watch.lat, watch.lon],
                                                   "period": [_iso(period[0]), _iso(period[1])]})]
            ep.last_ts = p.ts
            ep.distance_m = max(ep.distance_m, away)
            ep.track.append((p.ts, p.lat, p.lon, p.speed))
            _thin(ep.track, self.t.track_max)
        elif ep is not None:
            ep.last_ts = p.ts
            events = [*events, *self._close(track, p.ts)]
        return events

    def _close(self, track: VehicleTrack, ended: float) -> list:
        ep = track.seal.episode
        track.seal.episode = None
        return [self.event(Action.CLOSE, track, ep, ended=ended, dwell=ended - ep.start_ts,
                           distance=round(ep.distance_m, 1))]


class TerminalSilent:
    """No fix from a terminal for ≥ `silent_s` of event time while others report. Judged against the fleet's
    horizon (its newest fix less the watermark grace), so fixes arriving out of order within the ingest's
    tolerance raise nothing, and only once the fleet has reported through the last `silent_s` (no stretch of half
    that without any fix): while the whole fleet is quiet (the broker was down) nobody is silent."""

    kind = AlertKind.TERMINAL_SILENT

    def __init__(self, engine: "RulesEngine"):
        self.engine = engine
        self.t = engine.t

    def seen(self, p: Point, events: list) -> None:
        st = self.engine.state
        st.reported.add(int(p.ts // _COVERAGE_BUCKET_S))
        prev = st.last_seen.get(p.terminal)
        if prev is not None and p.ts <= prev[0]:
            return
        st.last_seen[p.terminal] = (p.ts, p.vehicle_id)
        started = st.silent.pop(p.terminal, None)
        if started is not None:
            gap = p.ts - started
            action = Action.CLOSE if gap >= self.t.silent_s else Action.WITHDRAW
            events.append(AlertEvent(action, self.kind, p.vehicle_id, p.terminal, started, ended_at=p.ts, dwell_s=gap,
                                     evidence={"last_fix": _iso(started), "next_fix": _iso(p.ts)}))
        elif prev is not None and p.ts - prev[0] >= self.t.silent_s and self._fleet_reported_during(prev[0], p.ts):
            # A silence no sweep saw: the fixes before it came late, with the first fix after it (a buffer flush
            # that withdrew the silence the sweep had opened earlier, or one array spanning the gap). On event time
            # it is a silence all the same: raised and closed at once, as if the fixes had come one by one.
            started = prev[0]
            track = st.vehicles.get(p.vehicle_id)
            last = track.last if track else None
            evidence = {"last_fix": _iso(started), "next_fix": _iso(p.ts)}
            events.append(AlertEvent(Action.OPEN, self.kind, p.vehicle_id, p.terminal, started,
                                     lat=last.lat if last else None, lon=last.lon if last else None,
                                     grid_code=last.grid_code if last else "", evidence=evidence))
            events.append(AlertEvent(Action.CLOSE, self.kind, p.vehicle_id, p.terminal, started, ended_at=p.ts,
                                     dwell_s=p.ts - started, evidence=evidence))

    def sweep(self, horizon: float, events: list) -> None:
        st = self.engine.state
        quiet_before = horizon - self.t.silent_s
        if not self._fleet_reported(quiet_before, horizon):
            return
        for terminal, (ts, vehicle_id) in st.last_seen.items():
            if ts <= quiet_before and terminal not in st.silent:
                st.silent[terminal] = ts
                track = st.vehicles.get(vehicle_id)
                last = track.last if track else None
                events.append(AlertEvent(Action.OPEN, self.kind, vehicle_id, terminal, ts,
                                         lat=last.lat if last else None, lon=last.lon if last else None,
                                         grid_code=last.grid_code if last else "",
                                         evidence={"last_fix": _iso(ts), "fleet_time": _iso(horizon)}))

    def _fleet_reported(self, lo: float, hi: float) -> bool:
        reported = self.engine.state.reported
        if len(reported) > 2 * _COVERAGE_KEEP_S // _COVERAGE_BUCKET_S:
            oldest = int((hi - _COVERAGE_KEEP_S) // _COVERAGE_BUCKET_S)
            reported.difference_update([b for b in reported if b < oldest])
        return self._covered(lo, hi)

    def _covered(self, lo: float, hi: float) -> bool:
        reported = self.engine.state.reported
        # Terminals parked in power-saving mode report every few minutes: a gap of the fleet counts only when it
        # is half as long as a silence.
        longest = self.t.silent_s / 2
        run = 0.0
        for bucket in range(int(lo // _COVERAGE_BUCKET_S) + 1, int(hi // _COVERAGE_BUCKET_S)):
            run = 0.0 if bucket in reported else run + _COVERAGE_BUCKET_S
            if run >= longest:
                return False
        return True

    def _fleet_reported_during(self, lo: float, hi: float) -> bool:
        """Whether a sweep at some moment h of [lo + silent_s, hi] would have found the fleet reporting through
        (h - silent_s, h). Only the windows ending near a bucket the fleet reported in can pass, so those are tried."""
        b = _COVERAGE_BUCKET_S
        first, last = lo + self.t.silent_s, hi
        steps = int(self.t.silent_s // b) + 2
        ends = sorted({(bucket + k) * b for bucket in self.engine.state.reported
                       if lo // b < bucket < hi // b + 1 for k in range(steps)})
        return any(self._covered(h - self.t.silent_s, h) for h in ends if first <= h <= last)


# The per-vehicle rules in the order they see each fix.
RULES: tuple[type[Rule], ...] = (VenueParking, OffDutyUse, OutOfJurisdiction, NotInDepot, SealedVehicleMoved)


class RulesEngine:
    """The fleet calendar's lookups, all on epoch seconds: `on_duty(unit_id, ts) -> bool`, `covering(vehicle_id,
    ts, lat=None, lon=None) -> trip | None`, `duty_end(unit_id, ts) -> the end of the first duty day ending after
    ts | None`, `depot(unit_id) -> (lat, lon, radius_m) | None`, `seal(vehicle_id, ts) -> (start, end) | None`.
    Everything else is in `state`."""

    def __init__(self, *, thresholds: Thresholds, on_duty: Callable, covering: Callable,
                 depot: Callable = _no_depot, duty_end: Callable = _no_duty_end, seal: Callable = _no_seal,
                 state: EngineState | None = None):
        self.t = thresholds
        self.on_duty = on_duty
        self.covering = covering
        self.depot = depot
        self.duty_end = duty_end
        self.seal = seal
        self.state = state or EngineState()
        self.rules = [rule(self) for rule in RULES]
        self.sweepers = [rule for rule in self.rules if type(rule).sweep is not Rule.sweep]
        self.silence = TerminalSilent(self)

    # --- input ------------------------------------------------------------------------------------------

    def feed(self, points: list[Point], arrival: int | None = None) -> tuple[list[AlertEvent], list[LegRow]]:
        """Takes newly stored fixes (in storage order); returns alert changes and legs to write."""
        events: list[AlertEvent] = []
        legs: list[LegRow] = []
        st = self.state
        seen = self.silence.seen
        for p in points:
            track = st.vehicles.get(p.vehicle_id)
            if track is None:
                track = st.vehicles[p.vehicle_id] = VehicleTrack(p.vehicle_id, p.terminal, p.unit_id)
            track.terminal = p.terminal
            track.unit_id = p.unit_id
            if p.ts > st.watermark:
                st.watermark = p.ts
            seen(p, events)
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

    def _sweep(self, events: list, legs: list) -> None:
        """Every few seconds of event time: release what the fleet's watermark has passed, let the rules end
        episodes that end without a fix, and look for silent terminals."""
        st = self.state
        st.swept_at = st.watermark
        horizon = st.watermark - self.t.watermark_grace_s
        rules = self.sweepers
        for track in st.vehicles.values():
            if track.pending and track.pending[0].ts <= horizon:
                self._release(track, horizon, events, legs)
            if track.last is not None and track.last.ts < horizon:
                for rule in rules:
                    found = rule.sweep(track, horizon)
                    if found:
                        events.extend(found)
        self.silence.sweep(horizon, events)

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
        track.ended_stop = None
        if stop is not None and not in_same_stop:
            track.ended_stop = stop
            stop = track.stop = None
        if stop is None and still:
            stop = track.stop = Episode(p.ts, p.ts, p.lat, p.lon, p.grid_code)
        if stop is not None:
            stop.last_ts = p.ts
            stop.track.append((p.ts, p.lat, p.lon, p.speed))
            _thin(stop.track, t.track_max)

        dist = 0.0
        secs = 0.0
        if prev is not None:
            secs = min(p.ts - prev.ts, t.leg_gap_cap_s)
            if not in_same_stop:
                dist = distance_m(prev.lat, prev.lon, p.lat, p.lon)
        legs.append(_new_leg(LegRow, (p.vehicle_id, p.ts, p.grid_code, dist, secs, dist > 0)))

        track.moved_m = dist
        track.covered = covered = self.covering(p.vehicle_id, p.ts) is not None
        track.off = not covered and not self.on_duty(p.unit_id, p.ts)
        for rule in self.rules:
            found = rule.step(track, p)
            if found:
                events.extend(found)
        track.last = p
        track.last_off_duty = track.off
        track.released_ts = p.ts
