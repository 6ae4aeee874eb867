"""The ingest pipeline: the stages every message goes through, declared once in `STAGES`.

decode → validate → enrich → dedupe → store → rules → dead letters. Each stage works on a whole batch (so the
spatial index classifies and COPY writes many fixes at once) but decides per fix: it passes the fix on or drops
it with a reason; every drop becomes a dead letter, so each message ends up stored or accounted for.
`Pipeline.process` runs a batch in one transaction; the caller acknowledges the messages after it returns.
"""
from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import orjson
from django.db import transaction

from telematics.journeys.stored import mark_late

from . import conf
from .alarms import TerminalAlarms
from .choices import DeadLetterReason
from .decoders import DockReport, Fix, decode_offload, decode_owntracks, decode_position
from .models import DeadLetter, DockOffload
from .registry import Registry, VehicleInfo
from .rules import EngineState, Point, RulesEngine, Thresholds
from .services import alerts_apply
from .signals import dock_reports_stored
from .store import store_legs, store_position_values

UTC = dt.timezone.utc
# The continuous aggregate's policy refreshes the last 3 days (migrations/0003); legs of older days (late data,
# a replayed day) make the ingest refresh those days itself.
AGGREGATE_REFRESH_WINDOW_S = 3 * 86400 - 3600
# No fix is older than this, whatever QM_MAX_FIX_AGE_DAYS says: 1970 (epoch 0) and year 1 are what a terminal
# without a GPS time sends, never a position to keep, not even in a replay of history.
EARLIEST_FIX = dt.datetime(2000, 1, 1, tzinfo=UTC)
REFRESH_MILEAGE_SQL = "CALL refresh_continuous_aggregate('tracking_daily_mileage', %s, now() - interval '1 hour')"


@dataclass(slots=True)
class Message:
    topic: str
    payload: bytes
    mid: int = 0
    qos: int = 0
    dup: bool = False
    received: float = field(default_factory=time.time)
    generation: int = 0  # which MQTT connection delivered it


@dataclass(slots=True)
class Item:
    msg: Message
    fix: Fix | DockReport
    info: VehicleInfo | None = None
    point: Point | None = None


@dataclass(slots=True)
class Drop:
    msg: Message
    reason: str
    detail: str
    payload: bytes
    terminal: str = ""


@dataclass
class Batch:
    messages: list[Message]
    items: list[Item] = field(default_factory=list)
    drops: list[Drop] = field(default_factory=list)
    fixes: list[Item] = field(default_factory=list)  # the fixes to store, and their rows (store.PositionRow's fields)
    rows: list[tuple] = field(default_factory=list)
    stored: list[Item] = field(default_factory=list)
    docks: int = 0
    redelivered: int = 0
    alerts: list[dict] = field(default_factory=list)  # payloads to publish after the commit


def worker_key(worker: int, workers: int) -> str:
    return f"{worker}/{workers}"


class Pipeline:
    def __init__(self, *, prefix: str = "qm", worker: int = 0, workers: int = 1, registry: Registry | None = None):
        self.prefix = prefix
        self.key = worker_key(worker, workers)
        self.registry = registry or Registry()
        self.counters: Counter = Counter()
        self.engine: RulesEngine | None = None
        self.stale_mileage: float | None = None  # oldest leg written beyond the aggregate policy's window
        self.alarms = TerminalAlarms()

    # --- the stages ---------------------------------------------------------------------------------------

    def decode(self, batch: Batch) -> None:
        prefix_parts = self.prefix.split("/")
        n = len(prefix_parts)
        max_bytes = conf.get("QM_PAYLOAD_MAX_BYTES")
        max_fixes = conf.get("QM_ARRAY_MAX_FIXES")
        for msg in batch.messages:
            parts = msg.topic.split("/")
            if parts[:n] == prefix_parts and len(parts) == n + 3 and parts[n] == "terminals" and parts[n + 2] == "position":
                kind, source = "position", parts[n + 1]
            elif parts[:n] == prefix_parts and len(parts) == n + 3 and parts[n] == "docks" and parts[n + 2] == "offload":
                kind, source = "offload", parts[n + 1]
            elif len(parts) == 3 and parts[0] == "owntracks":
                kind, source = "owntracks", f"{parts[1]}/{parts[2]}"
            else:
                batch.drops.append(Drop(msg, DeadLetterReason.UNSUPPORTED, "topic not in the contract", msg.payload))
                continue
            if max_bytes > 0 and len(msg.payload) > max_bytes:
                # One dead letter (its payload cut to QM_DEADLETTER_PAYLOAD_MAX); the message is not even parsed.
                batch.drops.append(Drop(msg, DeadLetterReason.PAYLOAD_TOO_LARGE,
                                        f"{len(msg.payload)} bytes, more than QM_PAYLOAD_MAX_BYTES ({max_bytes})",
                                        msg.payload, source))
                continue
            if kind == "position":
                decoded = decode_position(source, msg.payload, max_fixes=max_fixes)
            elif kind == "offload":
                decoded = decode_offload(source, msg.payload)
            else:
                decoded = decode_owntracks(parts[1], parts[2], msg.payload)
            batch.items.extend(Item(msg, item) for item in decoded.items)
            batch.drops.extend(Drop(msg, r.reason, r.detail, r.payload, r.terminal) for r in decoded.rejections)

    def validate(self, batch: Batch) -> None:
        now = dt.datetime.now(UTC)
        ahead = conf.get("QM_FUTURE_TOLERANCE_S")
        limit = now + dt.timedelta(seconds=ahead)
        oldest, why = oldest_fix(now)
        kept = []
        for item in batch.items:
            fix = item.fix
            is_fix = isinstance(fix, Fix)
            if is_fix and not (-90.0 <= fix.lat <= 90.0 and -180.0 <= fix.lon <= 180.0):
                self._drop(batch, item, DeadLetterReason.OUT_OF_RANGE, f"lat {fix.lat}, lon {fix.lon} out of range")
            elif fix.ts > limit:
                self._drop(batch, item, DeadLetterReason.FUTURE_TIMESTAMP,
                           f"ts {fix.ts.isoformat()} is more than {ahead} s ahead")
            elif is_fix and fix.ts < oldest:
                self._drop(batch, item, DeadLetterReason.STALE_TIMESTAMP, f"ts {fix.ts.isoformat()} is {why}")
            else:
                kept.append(item)
        batch.items = kept

    def enrich(self, batch: Batch) -> None:
        kept = []
        known = self.registry.lookup_many({item.fix.terminal for item in batch.items if isinstance(item.fix, Fix)})
        for item in batch.items:
            if isinstance(item.fix, Fix):
                item.info = known.get(item.fix.terminal)
                if item.info is None:
                    self._drop(batch, item, DeadLetterReason.UNKNOWN_TERMINAL,
                               f"terminal {item.fix.terminal!r} is not bound to any vehicle")
                    continue
            kept.append(item)
        batch.items = kept
        fixes = [item for item in kept if isinstance(item.fix, Fix)]
        for item, point in zip(fixes, self.points([i.fix for i in fixes], [i.info for i in fixes])):
            item.point = point

    def dedupe(self, batch: Batch) -> None:
        """Drops a fix given twice in the batch and lays out the rows the store writes (before the store, so that
        the committer thread only writes them)."""
        seen = set()
        kept = []
        for item in batch.items:
            fix = item.fix
            if fix.__class__ is Fix:
                key = (fix.terminal, fix.ts)
                if key in seen:
                    self._drop(batch, item, DeadLetterReason.DUPLICATE, "the same fix twice in one batch")
                    continue
                seen.add(key)
                point = item.point
                batch.fixes.append(item)
                batch.rows.append((fix.terminal, fix.ts, item.info.vehicle_id, fix.lat, fix.lon, fix.speed,
                                   fix.heading, fix.acc, fix.seq, point.grid_code,
                                   point.venue_id if point.venue_id >= 0 else None, None,
                                   None if fix.attrs is None else orjson.dumps(fix.attrs).decode()))  # PositionRow
            kept.append(item)
        batch.items = kept

    def store(self, batch: Batch) -> None:
        arrivals = store_position_values(batch.rows)
        # Late fixes (taken more than QM_TRIP_STORE_SETTLE_S ago) mark the stored trips of their vehicle-days dirty;
        # the usual batch has none and costs one comparison per fix.
        mark_late([row for row, arrival in zip(batch.rows, arrivals) if arrival is not None])
        for item, arrival in zip(batch.fixes, arrivals):
            if arrival is None:
                if item.msg.dup:
                    batch.redelivered += 1  # our own unacknowledged message again, already stored
                else:
                    self._drop(batch, item, DeadLetterReason.DUPLICATE,
                               f"fix ({item.fix.terminal}, {item.fix.ts.isoformat()}) is already stored")
            else:
                item.point.arrival = arrival
                batch.stored.append(item)
        self._store_docks(batch, [item for item in batch.items if item.fix.__class__ is DockReport])

    def rules(self, batch: Batch) -> None:
        if not batch.stored:
            return
        points = [item.point for item in batch.stored]
        batch.alerts = self.run_rules(points, max(p.arrival for p in points), batch.stored)

    def dead_letters(self, batch: Batch) -> None:
        limit = conf.get("QM_DEADLETTER_PAYLOAD_MAX")
        DeadLetter.objects.bulk_create([
            DeadLetter(topic=d.msg.topic[:300], payload=d.payload[:limit].decode("utf-8", "replace"),
                       truncated=len(d.payload) > limit, reason=str(d.reason), detail=d.detail[:500],
                       terminal=d.terminal[:64], received_at=dt.datetime.fromtimestamp(d.msg.received, UTC))
            for d in batch.drops])

    STAGES = ("decode", "validate", "enrich", "dedupe", "store", "rules", "dead_letters")
    # The stages before `store` write nothing and keep no state: the ingest runs them for the next batch while the
    # previous one is being written (`prepare`); the rest run in one transaction (`commit`).
    PREPARE_STAGES = STAGES[:STAGES.index("store")]
    COMMIT_STAGES = STAGES[STAGES.index("store"):]

    # --- running a batch ---------------------------------------------------------------------------------

    def process(self, messages: list[Message]) -> Batch:
        """All stages; see `commit`."""
        return self.commit(self.prepare(messages))

    def prepare(self, messages: list[Message]) -> Batch:
        batch = Batch(messages)
        for stage in self.PREPARE_STAGES:
            getattr(self, stage)(batch)
        return batch

    def commit(self, batch: Batch) -> Batch:
        """The writing stages of a prepared batch in one transaction. On any error nothing is kept, the batch is
        spent (prepare its messages again) and the rules' state is rebuilt (`recover`) before the next batch."""
        if self.engine is None:
            self.recover()
        messages = batch.messages
        try:
            with transaction.atomic():
                for stage in self.COMMIT_STAGES:
                    getattr(self, stage)(batch)
        except BaseException:
            self.engine = None
            self.alarms = TerminalAlarms()  # its open episodes are read again from the alerts table
            raise
        self.counters["messages"] += len(messages)
        self.counters["stored"] += len(batch.stored)
        self.counters["docks"] += batch.docks
        self.counters["redelivered"] += batch.redelivered
        for drop in batch.drops:
            self.counters[f"dead_letter.{drop.reason}"] += 1
        return batch

    def _drop(self, batch: Batch, item: Item, reason: str, detail: str) -> None:
        fix = item.fix
        terminal = getattr(fix, "terminal", "") or getattr(fix, "dock_id", "")
        payload = item.msg.payload
        if isinstance(fix, Fix) and payload.lstrip()[:1] == b"[":
            payload = _fix_json(fix)
        batch.drops.append(Drop(item.msg, reason, detail, payload, terminal))

    def _store_docks(self, batch: Batch, items: list[Item]) -> None:
        if not items:
            return
        keys = {(i.fix.recorder, i.fix.recorded_on, i.fix.dock_id, i.fix.ts) for i in items}
        existing = set(DockOffload.objects.filter(recorder_tag__in={k[0] for k in keys})
                       .values_list("recorder_tag", "recorded_on", "dock_id", "ts"))
        new = []
        for item in items:
            r = item.fix
            key = (r.recorder, r.recorded_on, r.dock_id, r.ts)
            if key in existing:
                if not item.msg.dup:
                    self._drop(batch, item, DeadLetterReason.DUPLICATE, "offload report already stored")
                continue
            existing.add(key)
            new.append(DockOffload(dock_id=r.dock_id, recorder_tag=r.recorder, recorded_on=r.recorded_on, ts=r.ts,
                                   files=r.files, bytes=r.bytes))
        DockOffload.objects.bulk_create(new)
        batch.docks += len(new)
        if new:
            dock_reports_stored.send(sender=DockOffload, reports=new)

    # --- enrichment shared by live fixes and replays --------------------------------------------------------

    def points(self, fixes: list, infos: list[VehicleInfo]) -> list[Point]:
        """Rules' points for fixes (anything with terminal, ts, lat, lon, speed): grid cell, nearest alerting
        venue and distance outside the vehicle's unit's jurisdiction, classified for the whole batch at once."""
        from gis.services import spatial_index

        if not fixes:
            return []
        index = spatial_index()
        lons = np.fromiter((f.lon for f in fixes), float, len(fixes))
        lats = np.fromiter((f.lat for f in fixes), float, len(fixes))
        found = index.classify(lons, lats)
        juris = np.full(len(fixes), np.nan)
        by_unit: dict[str, list[int]] = {}
        for i, info in enumerate(infos):
            by_unit.setdefault(info.unit_code, []).append(i)
        for unit_code, rows in by_unit.items():
            juris[rows] = index.jurisdiction_distance(unit_code, lons[rows], lats[rows])
        # Plain lists: indexing numpy arrays one element at a time cost more than the classification itself.
        venue_ids = found.venue_id.tolist()
        names, categories = found.venue_name.tolist(), found.venue_category.tolist()
        return [Point(info.vehicle_id, info.unit_id, f.terminal, f.ts.timestamp(), f.lat, f.lon, f.speed,
                      grid or "", venue, (names[i] or "") if venue >= 0 else "",
                      (categories[i] or "") if venue >= 0 else "", distance, jd)
                for i, (f, info, grid, venue, distance, jd) in enumerate(zip(
                    fixes, infos, found.grid_code.tolist(), venue_ids, found.venue_distance_m.tolist(), juris.tolist()))]

    # --- the rules and their checkpoint ----------------------------------------------------------------------

    def _engine(self, state: EngineState | None) -> RulesEngine:
        return RulesEngine(thresholds=Thresholds.from_settings(), state=state, **self._lookups())

    @staticmethod
    def _lookups() -> dict:
        """The fleet calendar's current snapshots (they refresh every few seconds), taken once per batch."""
        from telematics.calendar import duty_calendar, seal_index, trip_index

        calendar = duty_calendar()
        return {"on_duty": calendar.is_on_duty_ts, "covering": trip_index().covering_ts, "depot": calendar.depot,
                "duty_end": calendar.duty_end_ts, "seal": seal_index().sealed_ts}

    def run_rules(self, points: list[Point], arrival: int, items: list[Item] = ()) -> list[dict]:
        """The rules on stored points; `items` (the stored fixes, when live) also feed the terminals' own alarms."""
        engine = self.engine
        for name, lookup in self._lookups().items():
            setattr(engine, name, lookup)
        events, legs = engine.feed(points, arrival)
        events += self.alarms.events(items, events)
        if legs:
            oldest = min(g.ts for g in legs)
            if oldest < time.time() - AGGREGATE_REFRESH_WINDOW_S:
                self.stale_mileage = min(self.stale_mileage or oldest, oldest)
        store_legs(legs)
        return alerts_apply(events=events)

    def recover(self, owns=None) -> None:
        """Loads this worker's checkpoint and replays the fixes stored after it, so the rules' state is what it
        would have been without the interruption. `owns(terminal)` limits the replay to this worker's share."""
        from .checkpoint import load_state, replay_since

        state, arrival = load_state(self.key)
        self.engine = self._engine(state)
        replay_since(self, arrival, owns or self.owns)

    def owns(self, terminal: str) -> bool:
        return True

    def checkpoint(self) -> None:
        """Saves the rules' state; call outside a transaction (it may also refresh the mileage aggregate)."""
        from .checkpoint import save_state

        if self.engine is not None:
            save_state(self.key, self.engine.state)
        if self.stale_mileage is not None:
            refresh_mileage_aggregate(since=self.stale_mileage)
            self.stale_mileage = None


def oldest_fix(now: dt.datetime) -> tuple[dt.datetime, str]:
    """The oldest timestamp a fix arriving `now` may carry (QM_MAX_FIX_AGE_DAYS; never before EARLIEST_FIX), and
    the dead letter's wording for one older."""
    days = conf.get("QM_MAX_FIX_AGE_DAYS")
    if days > 0 and now - EARLIEST_FIX > dt.timedelta(days=days):
        return now - dt.timedelta(days=days), f"more than {days} days before its arrival (QM_MAX_FIX_AGE_DAYS)"
    return EARLIEST_FIX, f"before {EARLIEST_FIX.date().isoformat()}"


def _fix_json(fix: Fix) -> bytes:
    import json
    data = {"ts": fix.ts.isoformat(), "lat": fix.lat, "lon": fix.lon, "speed": fix.speed, "heading": fix.heading,
            "acc": fix.acc, "seq": fix.seq}
    if fix.attrs is not None:
        data["attrs"] = fix.attrs
    return json.dumps(data).encode()


def refresh_mileage_aggregate(*, since: float) -> None:
    """TimescaleDB: re-materialises the daily mileage and the daily rollup from `since` up to the policy's window (autocommit only)."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    from .rollups import REFRESH_SQL as REFRESH_ROLLUP_SQL

    since_day = dt.datetime.fromtimestamp(since, UTC) - dt.timedelta(days=1)
    with connection.cursor() as cur:
        for name, sql in (("tracking_daily_mileage", REFRESH_MILEAGE_SQL), ("tracking_daily_rollup", REFRESH_ROLLUP_SQL)):
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            if cur.fetchone()[0]:
                cur.execute(sql, [since_day])
