"""Trips and stops stored per finished vehicle-day, so a month's report reads ~30 rows instead of ~100,000 fixes.

A vehicle-day's detection is the detection over its fixes from `QM_TRIP_LOOKAROUND_S` before the local day to as long
after it (exactly what `vehicle_journeys` runs for that one day). Every trip and stop of that window is kept, with what
the classification needs (journeys.classify.Span: ends, each fix's place, the minutes of its fixes) and what the reports
show (distance, duration, speeds, moving time, terminal, ends' places and grid cells); the classification itself, the
orders (派车单) and the places' labels are read at report time, since they change without any fix changing.

A period of whole local days is answered day by day: the trips starting on each day from that day's detection, the
stops beginning on it, plus from the first day's window the stop under way at the period's start and the trips just
before it, and from the last day's window the trips just after it (which only use approved trips up). Whether a day is
read from here or detected now, the answer is the same (`vehicle_journeys(..., stored=False)` detects every day now).

A day is stored once finished: `QM_TRIP_STORE_SETTLE_S` after the end of its window. A stored day is detected again
when its row is dirty (the ingest marks the vehicle-days whose windows hold a fix stored more than the settle time
after it was taken: a late fix; `mark_late`), or its digest differs (detection settings, the vehicle's terminal
bindings). `qm rollup --trips` stores the days it counts and re-detects the dirty ones; reads store what they detect."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from array import array
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from zoneinfo import ZoneInfo

import orjson
from django.db import connection, transaction
from django.utils import timezone

from . import conf
from .detect import Params, detect

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)
VERSION = 2  # of what a stored day holds: a change re-detects every stored day (2: max_speed ≥ avg_speed)


def _now() -> dt.datetime:
    return timezone.now()


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


def moving_seconds(fixes, first: int, last: int, slow: float | None = None) -> int:
    """Seconds of fixes[first..last] spent moving: each interval between two fixes whose later fix has a speed of at
    least QM_STOP_SPEED_KMH (or, without a speed, that moved at all); the rest of a trip is pauses (lights, jams)."""
    if slow is None:
        from telematics.tracking import conf as tracking_conf
        slow = tracking_conf.get("QM_STOP_SPEED_KMH")
    total = 0.0
    for k in range(first, last):
        a, b = fixes[k], fixes[k + 1]
        moved = b.speed >= slow if b.speed is not None else (a.lat, a.lon) != (b.lat, b.lon)
        if moved:
            total += (b.ts - a.ts).total_seconds()
    return int(round(total))


def journey_record(fixes, j, slow: float | None = None) -> dict:
    """A detected trip as the reports and the classification read it (`lats`/`lons`/`minutes`: its fixes')."""
    a, b = fixes[j.first], fixes[j.last]
    span = fixes[j.first:j.last + 1]
    return {"start": iso(j.start), "end": iso(j.end), "distance_m": j.distance_m, "duration_s": j.duration_s,
            "max_speed": j.max_speed, "avg_speed": j.avg_speed, "complete": j.complete,
            "terminal": fixes[j.first + 1 if j.first < j.last else j.first].terminal,
            "start_lat": a.lat, "start_lon": a.lon, "start_grid": a.grid_code,
            "end_lat": b.lat, "end_lon": b.lon, "end_grid": b.grid_code,
            "moving_s": moving_seconds(fixes, j.first, j.last, slow),
            "minutes": sorted({(f.ts - EPOCH) // MINUTE for f in span}),
            "lats": [f.lat for f in span], "lons": [f.lon for f in span]}


def stop_record(fixes, s) -> dict:
    return {"start": iso(s.start), "end": iso(s.end), "dwell_s": s.dwell_s, "lat": s.lat, "lon": s.lon,
            "grid_code": fixes[s.first].grid_code}


def detect_records(fixes, params: Params | None = None) -> tuple[list[dict], list[dict]]:
    """The trips and stops of a track as records."""
    from telematics.tracking import conf as tracking_conf

    journeys, stops = detect(fixes, params or Params.from_settings())
    slow = tracking_conf.get("QM_STOP_SPEED_KMH")
    return [journey_record(fixes, j, slow) for j in journeys], [stop_record(fixes, s) for s in stops]


@dataclass
class Day:
    """One vehicle-day's detection window: its trips and stops (records, in time order)."""

    journeys: list[dict] = field(default_factory=list)
    stops: list[dict] = field(default_factory=list)


def local_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), SHANGHAI)


def lookaround() -> dt.timedelta:
    return dt.timedelta(seconds=conf.get("QM_TRIP_LOOKAROUND_S"))


def window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The fixes a day's detection reads: [day's start - lookaround, next day's start + lookaround)."""
    around = lookaround()
    return local_start(day) - around, local_start(day + DAY) + around


def settings_digest() -> str:
    from telematics.tracking import conf as tracking_conf

    p = Params.from_settings()
    return json.dumps([VERSION, p.stop_radius_m, p.stop_min_s, p.min_trip_m, conf.get("QM_TRIP_LOOKAROUND_S"),
                       tracking_conf.get("QM_STOP_SPEED_KMH")])


def vehicle_digest(vehicle, base: str | None = None) -> str:
    """The settings' digest and the vehicle's terminal bindings (which fixes are the vehicle's)."""
    from telematics.models import TerminalBinding

    bindings = sorted((t, b.isoformat(), u.isoformat() if u else "") for t, b, u in TerminalBinding.objects.filter(
        vehicle=vehicle).values_list("terminal_id", "bound_at", "unbound_at"))
    text = json.dumps([base or settings_digest(), vehicle.terminal_id or "", bindings])
    return hashlib.sha1(text.encode()).hexdigest()


def finished(day: dt.date, now: dt.datetime | None = None) -> bool:
    """The day's window ended at least QM_TRIP_STORE_SETTLE_S ago (later fixes in it are late ones)."""
    now = now or _now()
    return window(day)[1] + dt.timedelta(seconds=conf.get("QM_TRIP_STORE_SETTLE_S")) <= now


# --- encoding -------------------------------------------------------------------------------------------------------

def _encode(day: Day) -> tuple[str, str, bytes]:
    points = array("d")
    rows = []
    for j in day.journeys:
        row = {k: v for k, v in j.items() if k not in ("lats", "lons")}
        row["n"] = len(j["lats"])
        points.extend(j["lats"])
        points.extend(j["lons"])
        rows.append(row)
    return orjson.dumps(rows).decode(), orjson.dumps(day.stops).decode(), points.tobytes()


def _decode(journeys: str, stops: str, points) -> Day:
    values = array("d")
    values.frombytes(bytes(points))
    out, at = [], 0
    for row in orjson.loads(journeys):
        n = row.pop("n")
        row["lats"], row["lons"] = values[at:at + n], values[at + n:at + 2 * n]
        at += 2 * n
        out.append(row)
    return Day(out, orjson.loads(stops))


# --- reads ----------------------------------------------------------------------------------------------------------

def _runs(days: list[dt.date]) -> list[list[dt.date]]:
    runs: list[list[dt.date]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] + DAY == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def detect_days(vehicle, days: list[dt.date]) -> dict[dt.date, Day]:
    """Each day's detection from the fixes now: the fixes of each run of consecutive days read at once."""
    from .track import Subject, track_fixes

    params = Params.from_settings()
    result = {}
    for run in _runs(days):
        lo, hi = window(run[0])[0], window(run[-1])[1]
        fixes = track_fixes(Subject(vehicle=vehicle, terminal=None), lo, hi)
        times = [f.ts for f in fixes]
        for day in run:
            a, b = window(day)
            part = fixes[bisect_left(times, a):bisect_left(times, b)]
            result[day] = Day(*detect_records(part, params))
    return result


def _stored(vehicle_id: int, first: dt.date, last: dt.date) -> dict[dt.date, tuple]:
    """day -> (digest, dirty, marks, journeys, stops, points) of the stored rows."""
    with connection.cursor() as cur:
        cur.execute("SELECT day, digest, dirty, marks, journeys, stops, points FROM journeys_tripday "
                    "WHERE vehicle_id = %s AND day >= %s AND day <= %s", [vehicle_id, first, last])
        return {row[0]: row[1:] for row in cur.fetchall()}


def _save(vehicle_id: int, digest: str, found: dict[dt.date, Day], seen_marks: dict[dt.date, int | None]) -> None:
    """Stores the days detected, each unless a late fix marked it since its row was read (`seen_marks`: the row's
    marks then, None without a row; a row appeared since is left as it is)."""
    now = _now()
    with transaction.atomic(), connection.cursor() as cur:
        for day in sorted(found):
            journeys, stops, points = _encode(found[day])
            seen = seen_marks.get(day)
            values = [vehicle_id, day, digest, journeys, stops, points, now]
            if seen is None:
                cur.execute("INSERT INTO journeys_tripday (vehicle_id, day, digest, dirty, marks, journeys, stops, "
                            "points, computed_at) VALUES (%s, %s, %s, FALSE, 0, %s, %s, %s, %s) "
                            "ON CONFLICT (vehicle_id, day) DO NOTHING", values)
            else:
                cur.execute("UPDATE journeys_tripday SET digest = %s, dirty = FALSE, journeys = %s, stops = %s, "
                            "points = %s, computed_at = %s WHERE vehicle_id = %s AND day = %s AND marks = %s",
                            [digest, journeys, stops, points, now, vehicle_id, day, seen])


def vehicle_days(vehicle, first: dt.date, last: dt.date, *, store: bool = True,
                 now: dt.datetime | None = None) -> dict[dt.date, Day]:
    """The detection of each day from `first` to `last` (both included): stored ones read, the others detected now
    (and stored where finished). `store` false: every day detected now, nothing read or written."""
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    if not store:
        return detect_days(vehicle, days)
    digest = vehicle_digest(vehicle)
    rows = _stored(vehicle.pk, first, last)
    result: dict[dt.date, Day] = {}
    missing = []
    for day in days:
        row = rows.get(day)
        if row is not None and row[0] == digest and not row[1]:
            result[day] = _decode(*row[3:])
        else:
            missing.append(day)
    if missing:
        found = detect_days(vehicle, missing)
        result.update(found)
        done = {day: d for day, d in found.items() if finished(day, now)}
        if done:
            _save(vehicle.pk, digest, done, {day: rows[day][2] if day in rows else None for day in done})
    return result


# --- writes: the ingest's marks, the periodic job --------------------------------------------------------------------

_UPSERT_MARKS = ("INSERT INTO journeys_tripday (vehicle_id, day, digest, dirty, marks, journeys, stops, points) "
                 "SELECT v, d, '', TRUE, 1, '', '', '' FROM marks ORDER BY v, d "
                 "ON CONFLICT (vehicle_id, day) DO UPDATE SET dirty = TRUE, marks = journeys_tripday.marks + 1")
# One statement: per terminal its earliest and latest late fix and the vehicle the ingest gave them; the vehicles the
# terminal was bound to then (track._vehicle_filter counts those fixes for them too); each one's days whose windows
# reach those times (local days: Asia/Shanghai is UTC+8 since 1992), in a fixed order (two ingest workers never
# lock rows in opposite orders).
MARK_SQL = (
    "WITH s(terminal, lo, hi, v) AS (SELECT * FROM unnest(%s::text[], %s::timestamptz[], %s::timestamptz[], "
    "%s::bigint[])), owners AS (SELECT v, lo, hi FROM s WHERE v IS NOT NULL UNION "
    "SELECT b.vehicle_id, s.lo, s.hi FROM s JOIN telematics_terminalbinding b ON b.terminal_id = s.terminal "
    "AND b.bound_at <= s.hi AND (b.unbound_at IS NULL OR b.unbound_at > s.lo)), "
    "marks AS (SELECT DISTINCT v, d::date AS d FROM owners, generate_series("
    "((lo - %s * interval '1 second') AT TIME ZONE 'Asia/Shanghai')::date, "
    "((hi + %s * interval '1 second') AT TIME ZONE 'Asia/Shanghai')::date, interval '1 day') AS d) "
    + _UPSERT_MARKS)


_TS = itemgetter(1)


def _late_spans(rows, before: dt.datetime) -> dict[str, list]:
    """terminal -> [earliest, latest, vehicle ids] of the rows taken before `before`."""
    spans: dict[str, list] = {}
    for terminal, ts, vehicle_id, *_ in rows:
        if ts >= before:
            continue
        span = spans.get(terminal)
        if span is None:
            spans[terminal] = span = [ts, ts, set()]
        elif ts < span[0]:
            span[0] = ts
        elif ts > span[1]:
            span[1] = ts
        if vehicle_id is not None:
            span[2].add(vehicle_id)
    return spans


def mark_late(rows, now: dt.datetime | None = None) -> int:
    """The ingest's store step: `rows` (PositionRow tuples stored now: terminal, ts, vehicle_id, ...) taken more than
    QM_TRIP_STORE_SETTLE_S ago mark the vehicle-days whose windows hold them dirty (a row made for a day never
    stored). The usual batch has none and costs one comparison per row; a late batch one statement on PostgreSQL.
    Returns the vehicle-days marked."""
    now = now or _now()
    before = now - dt.timedelta(seconds=conf.get("QM_TRIP_STORE_SETTLE_S"))
    if not rows or min(map(_TS, rows)) >= before:
        return 0
    spans = _late_spans(rows, before)
    around = conf.get("QM_TRIP_LOOKAROUND_S")
    if connection.vendor == "postgresql":
        terminals, los, his, vehicles = [], [], [], []
        for terminal, (lo, hi, ids) in spans.items():
            for vehicle_id in ids or [None]:
                terminals.append(terminal)
                los.append(lo)
                his.append(hi)
                vehicles.append(vehicle_id)
        with connection.cursor() as cur:
            cur.execute(MARK_SQL, [terminals, los, his, vehicles, around, around])
            return cur.rowcount
    return _mark_late_sqlite(spans, dt.timedelta(seconds=around))


def _mark_late_sqlite(spans: dict[str, list], around: dt.timedelta) -> int:
    from telematics.models import TerminalBinding

    for terminal, vehicle_id, bound_at, unbound_at in TerminalBinding.objects.filter(
            terminal_id__in=list(spans)).values_list("terminal_id", "vehicle_id", "bound_at", "unbound_at"):
        span = spans[terminal]
        if bound_at <= span[1] and (unbound_at is None or unbound_at > span[0]):
            span[2].add(vehicle_id)
    marks = set()
    for earliest, latest, vehicles in spans.values():
        first = (earliest - around).astimezone(SHANGHAI).date()
        days = [first + dt.timedelta(days=k)
                for k in range(((latest + around).astimezone(SHANGHAI).date() - first).days + 1)]
        marks.update((v, d) for v in vehicles for d in days)
    ordered = sorted(marks)
    with connection.cursor() as cur:
        for k in range(0, len(ordered), 100):
            chunk = ordered[k:k + 100]
            cur.execute("INSERT INTO journeys_tripday (vehicle_id, day, digest, dirty, marks, journeys, stops, "
                        f"points) VALUES {', '.join(['(%s, %s, %s, TRUE, 1, %s, %s, %s)'] * len(chunk))} "
                        "ON CONFLICT (vehicle_id, day) DO UPDATE SET dirty = TRUE, "
                        "marks = journeys_tripday.marks + 1",
                        [x for v, d in chunk for x in (v, d, "", "", "", b"")])
    return len(ordered)


def dirty_days() -> dict[int, list[dt.date]]:
    """vehicle id -> its dirty stored days (late fixes since their detection)."""
    from .models import TripDay

    found: dict[int, list[dt.date]] = defaultdict(list)
    for vehicle_id, day in TripDay.objects.filter(dirty=True).order_by("vehicle_id", "day").values_list(
            "vehicle_id", "day"):
        found[vehicle_id].append(day)
    return dict(found)


def own_journeys(day: dt.date, found: Day) -> list[dict]:
    """The trips of a day's window that start on the day."""
    lo, hi = iso_bounds(day)
    return [j for j in found.journeys if lo <= dt.datetime.fromisoformat(j["start"]) < hi]


def iso_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return local_start(day), local_start(day + DAY)
