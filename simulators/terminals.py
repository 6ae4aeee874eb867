"""Simulated vehicle terminals: sample a vehicle's planned day into GPS fixes (with drift and noise) and encode
them as the messages a terminal sends (native JSON in WGS-84 or GCJ-02, OwnTracks), through its transport
quirks (silence, dead-zone buffering, duplicates, out-of-order delivery)."""
from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .plan import CST, DayPlan, Drive, Excursion, Stay, VehiclePlanner

REST_DRIFT_SIGMA_M = 2.0
REST_DRIFT_MAX_M = 6.0
MOVING_NOISE_SIGMA_M = 1.5
MOVING_NOISE_MAX_M = 4.0


@dataclass(frozen=True)
class TerminalSpec:
    terminal_id: str
    plate: str | None
    unit_path: list[str]  # unit codes from the root to the vehicle's unit
    parked: bool = False  # in repair: stays at the depot, still reporting


@dataclass(frozen=True)
class Fix:
    t: dt.datetime
    lon: float
    lat: float
    speed: float
    heading: int
    acc: bool
    seq: int
    x: float
    y: float
    moving: bool


@dataclass(frozen=True)
class Message:
    t: dt.datetime  # simulated publish time
    topic: str
    payload: str
    qos: int = 1


@dataclass
class Transport:
    """How one terminal talks: its format and the windows where scenarios disturb its delivery."""

    fmt: str = "native"  # native | gcj02 | owntracks
    owntracks: tuple[str, str] | None = None  # (user, device)
    silent: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    dead_zones: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    duplicates: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    out_of_order: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)

    @property
    def terminal_override(self) -> str | None:
        return "/".join(self.owntracks) if self.owntracks else None


def ts_iso(t: dt.datetime) -> str:
    return t.astimezone(CST).isoformat(timespec="seconds")


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _inside(t: dt.datetime, windows: list[tuple[dt.datetime, dt.datetime]]) -> tuple[dt.datetime, dt.datetime] | None:
    for w in windows:
        if w[0] <= t < w[1]:
            return w
    return None


class Terminal:
    """One vehicle's terminal: fixes from its plans, messages from its fixes."""

    def __init__(self, *, spec: TerminalSpec, planner: VehiclePlanner, duty: Callable[[dt.date], list],
                 excursions: list[Excursion], transport: Transport, seed: int, interval: float,
                 rest_interval: float, prefix: str):
        self.spec = spec
        self.planner = planner
        self.duty = duty
        self.excursions = excursions
        self.transport = transport
        self.interval = interval
        self.rest_interval = rest_interval
        self.prefix = prefix
        self.seed = seed
        self._plans: dict[dt.date, DayPlan] = {}

    @property
    def reported_id(self) -> str:
        return self.transport.terminal_override or self.spec.terminal_id

    def plan(self, day: dt.date) -> DayPlan:
        if day not in self._plans:
            todays = [x for x in self.excursions if x.at.astimezone(CST).date() == day]
            self._plans = {day: self.planner.plan_day(day, self.duty(day), todays)}
        return self._plans[day]

    def fixes(self, start: dt.datetime, end: dt.datetime | None) -> Iterator[Fix]:
        """Fixes from `start` (first one at a per-terminal phase within the first interval) until `end`."""
        rng = random.Random(f"{self.seed}:{self.spec.terminal_id}:fixes:{start.isoformat()}")
        t = start + dt.timedelta(seconds=rng.randrange(max(1, int(self.interval))))
        proj = self.planner.city.projection
        seq = 0
        while end is None or t < end:
            seg = self.plan(t.astimezone(CST).date()).segment_at(t)
            if isinstance(seg, Drive):
                x, y, heading = seg.at(t)
                dx, dy = _noise(rng, MOVING_NOISE_SIGMA_M, MOVING_NOISE_MAX_M)
                speed = max(6.0, seg.kmh + rng.gauss(0.0, 1.5))
                acc, moving = True, True
            else:
                dx, dy = _noise(rng, REST_DRIFT_SIGMA_M, REST_DRIFT_MAX_M)
                x, y, heading = seg.x, seg.y, seg.heading
                speed = abs(rng.gauss(0.0, 0.4))
                acc, moving = seg.acc, False
            lon, lat = proj.to_lonlat(x + dx, y + dy)
            seq += 1
            yield Fix(t=t, lon=round(lon, 6), lat=round(lat, 6), speed=round(speed, 1), heading=round(heading) % 360,
                      acc=acc, seq=seq, x=x + dx, y=y + dy, moving=moving)
            t = self._next(t, seg, acc)

    def _next(self, t: dt.datetime, seg, acc: bool) -> dt.datetime:
        """When the fix after one at `t` is taken: `interval` later with the ignition on, `rest_interval` later with it
        off, but at the moment the ignition comes on if that is sooner (a terminal reports a status change at once,
        as JT/T 808 ones do): a drive shorter than the rest interval is not lost between two parked reports."""
        nxt = t + dt.timedelta(seconds=self.interval if acc else self.rest_interval)
        if not acc and isinstance(seg, Stay) and t < seg.t1 < nxt:
            after = self.plan(t.astimezone(CST).date()).segment_at(seg.t1)  # seg itself when it ends the day
            if isinstance(after, Drive) or after.acc:
                return seg.t1
        return nxt

    # --- encoding and transport -----------------------------------------------------------------

    def encode(self, fix: Fix) -> dict:
        if self.transport.fmt == "owntracks":
            user, _ = self.transport.owntracks
            return {"_type": "location", "tid": user[:2], "lat": fix.lat, "lon": fix.lon,
                    "tst": int(fix.t.timestamp()), "vel": round(fix.speed), "cog": fix.heading, "acc": 8}
        lat, lon, crs = fix.lat, fix.lon, "wgs84"
        if self.transport.fmt == "gcj02":
            from gis.gcj02 import wgs84_to_gcj02

            glon, glat = wgs84_to_gcj02(fix.lon, fix.lat)
            lat, lon, crs = round(glat, 6), round(glon, 6), "gcj02"
        return {"ts": ts_iso(fix.t), "lat": lat, "lon": lon, "speed": fix.speed, "heading": fix.heading,
                "acc": fix.acc, "crs": crs, "seq": fix.seq}

    @property
    def topic(self) -> str:
        if self.transport.fmt == "owntracks":
            user, device = self.transport.owntracks
            return f"owntracks/{user}/{device}"
        return f"{self.prefix}/terminals/{self.spec.terminal_id}/position"

    def messages(self, start: dt.datetime, end: dt.datetime | None) -> Iterator[Message]:
        """The terminal's messages in publish order, publish times never decreasing."""
        tr = self.transport
        buffered: list[dict] = []
        zone: tuple[dt.datetime, dt.datetime] | None = None
        shuffle: list[tuple[dt.datetime, str]] = []
        for fix in self.fixes(start, end):
            if zone is not None and fix.t >= zone[1]:
                yield Message(fix.t, self.topic, dumps(buffered))
                buffered, zone = [], None
            if _inside(fix.t, tr.silent):
                continue
            found = _inside(fix.t, tr.dead_zones)
            if found:
                zone = found
                buffered.append(self.encode(fix))
                continue
            payload = dumps(self.encode(fix))
            if _inside(fix.t, tr.out_of_order):
                shuffle.append((fix.t, payload))
                if len(shuffle) == 3:
                    # Deliver the three in the order 2, 3, 1 at the three slots: the oldest arrives last.
                    slots = [s[0] for s in shuffle]
                    order = [shuffle[1][1], shuffle[2][1], shuffle[0][1]]
                    for slot, body in zip(slots, order):
                        yield Message(slot, self.topic, body)
                    shuffle = []
                continue
            for slot, body in shuffle:
                yield Message(slot, self.topic, body)
            shuffle = []
            yield Message(fix.t, self.topic, payload)
            if _inside(fix.t, tr.duplicates):
                yield Message(fix.t, self.topic, payload)
        for slot, body in shuffle:
            yield Message(slot, self.topic, body)
        if buffered:
            yield Message(zone[1] if zone else start, self.topic, dumps(buffered))


def _noise(rng: random.Random, sigma: float, limit: float) -> tuple[float, float]:
    dx, dy = rng.gauss(0.0, sigma), rng.gauss(0.0, sigma)
    r = math.hypot(dx, dy)
    if r > limit:
        dx, dy = dx * limit / r, dy * limit / r
    return dx, dy
