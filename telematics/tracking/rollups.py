"""Daily rollups of the legs, so reports over long periods never scan the fixes: per vehicle and local day
(Asia/Shanghai) the distance, the moving seconds, the number of fixes (one leg per stored fix) and the set of minutes
with at least one fix (what the online rate is computed from).

Where they come from (`QM_ROLLUP`):
- `auto` (default): the continuous aggregate `tracking_daily_rollup` where TimescaleDB is installed (migration 0010;
  refreshed by its policy for the last 3 days, by the ingest for older late legs, and real-time beyond its
  watermark), else the table `tracking_vehicleday`, which the ingest keeps in the same statement that stores the legs
  (only legs stored now are added, so a replayed batch adds nothing twice);
- `table`: the table, on any database (the ingest keeps it even beside TimescaleDB);
- `off`: no rollup kept; reads sum the legs themselves (what the benchmark compares the ingest against).
`rollup_rebuild` recomputes the table from the legs (`qm rollup`), for legs stored while it was not kept."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from quartermaster.dbrouter import reader

from . import conf
from .models import Leg, VehicleDay
from .models.rollups import MINUTES_PER_DAY

SHANGHAI = ZoneInfo("Asia/Shanghai")
AGGREGATE = "tracking_daily_rollup"
# The minute of the local day: Asia/Shanghai has been UTC+8 without daylight saving since 1992 (immutable, as a
# continuous aggregate needs).
_MINUTE_SQL = "((floor(extract(epoch FROM ts))::bigint + 28800) % 86400 / 60)::int"
_MINUTE_BIT_SQL = f"(B'1'::bit({MINUTES_PER_DAY}) >> {_MINUTE_SQL})"

AGGREGATE_DDL = [
    f"CREATE MATERIALIZED VIEW {AGGREGATE} WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS"
    " SELECT vehicle_id, time_bucket(INTERVAL '1 day', ts, 'Asia/Shanghai') AS day, sum(dist_m) AS dist_m,"
    " sum(CASE WHEN moving THEN secs ELSE 0 END) AS moving_s, sum(CASE WHEN moving THEN 0 ELSE secs END) AS stopped_s,"
    " count(*) AS fixes,"
    f" bit_or({_MINUTE_BIT_SQL}) AS minutes"
    " FROM tracking_leg GROUP BY vehicle_id, day WITH NO DATA",
    f"SELECT add_continuous_aggregate_policy('{AGGREGATE}', start_offset => INTERVAL '3 days',"
    " end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '30 minutes')",
]
REFRESH_SQL = f"CALL refresh_continuous_aggregate('{AGGREGATE}', %s, now() - interval '1 hour')"

# Run without parameters (a lone % is SQL's modulo). The legs a statement stored now, summed into the table (one upsert
# per vehicle and day, in a fixed order so two writers never lock the same rows in opposite orders). Summed per minute
# first: a batch holds a few legs per vehicle and minute, and the 1,440-bit minute set is then built and OR-ed once per
# minute rather than once per leg (EXPLAIN ANALYZE on batches of 2,000 legs of 100 vehicles, median of 12: the
# statement 32.7 ms -> 30.8 ms; the legs' INSERT alone 21.1 ms — most of the rest is the CTE's RETURNING and upsert).
UPSERT_FROM_INSERTED_SQL = (
    "INSERT INTO tracking_vehicleday AS d (vehicle_id, day, dist_m, moving_s, stopped_s, fixes, minutes) "
    "SELECT vehicle_id, DATE '1970-01-01' + (s / 86400)::int, sum(dist_m), sum(moving_s), sum(stopped_s), sum(n), "
    f"bit_or(B'1'::bit({MINUTES_PER_DAY}) >> (s % 86400 / 60)::int) "
    "FROM (SELECT vehicle_id, (floor(extract(epoch FROM ts))::bigint + 28800) / 60 * 60 AS s, sum(dist_m) AS dist_m, "
    "sum(CASE WHEN moving THEN secs ELSE 0 END) AS moving_s, sum(CASE WHEN moving THEN 0 ELSE secs END) AS stopped_s, "
    "count(*) AS n FROM inserted GROUP BY 1, 2) AS per_minute GROUP BY 1, 2 ORDER BY 1, 2 "
    "ON CONFLICT (vehicle_id, day) DO UPDATE SET dist_m = d.dist_m + excluded.dist_m, "
    "moving_s = d.moving_s + excluded.moving_s, stopped_s = d.stopped_s + excluded.stopped_s, fixes = d.fixes + excluded.fixes, minutes = d.minutes | excluded.minutes")

_aggregate_present: dict[str, bool] = {}


@dataclass
class Day:
    dist_m: float = 0.0
    moving_s: float = 0.0
    stopped_s: float = 0.0
    fixes: int = 0
    minutes: int = 0  # bit m set: a fix in minute m of the day

    def add(self, dist_m: float, secs: float, moving: bool, ts: dt.datetime) -> None:
        self.dist_m += dist_m
        if moving:
            self.moving_s += secs
        else:
            self.stopped_s += secs
        self.fixes += 1
        local = ts.astimezone(SHANGHAI)
        self.minutes |= 1 << (local.hour * 60 + local.minute)


def has_aggregate() -> bool:
    """The continuous aggregate exists in this database (TimescaleDB took it at migration time)."""
    key = f"{connection.vendor}:{connection.settings_dict.get('NAME')}"
    if key not in _aggregate_present:
        present = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT to_regclass(%s) IS NOT NULL", [AGGREGATE])
                present = bool(cur.fetchone()[0])
        _aggregate_present[key] = present
    return _aggregate_present[key]


def source() -> str:
    """Where the rollups are read from: `aggregate`, `table` or `legs` (see the module's docstring)."""
    mode = conf.get("QM_ROLLUP").strip().lower()
    if mode == "off":
        return "legs"
    if mode == "table":
        return "table"
    return "aggregate" if has_aggregate() else "table"


def keeps_table() -> bool:
    """The ingest adds its legs to the table."""
    return source() == "table"


def local_day(ts: dt.datetime) -> dt.date:
    return ts.astimezone(SHANGHAI).date()


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(start, dt.time(), SHANGHAI),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI))


def legs_days(vehicle_ids, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], Day]:
    """The rollup computed from the legs themselves (the oracle of the tests, and the `off` source)."""
    lo, hi = _bounds(start, end)
    days: dict[tuple[int, dt.date], Day] = defaultdict(Day)
    rows = Leg.objects.filter(vehicle_id__in=list(vehicle_ids), ts__gte=lo, ts__lt=hi).values_list(
        "vehicle_id", "ts", "dist_m", "secs", "moving")
    for vehicle_id, ts, dist, secs, moving in rows.iterator(chunk_size=20_000):
        days[(vehicle_id, local_day(ts))].add(dist, secs, moving, ts)
    return dict(days)


# A byte with its bits in the opposite order: PostgreSQL sends a bit string first bit first (the most significant bit
# of its first byte); reversed within each byte and read little-endian, minute m is bit m of the int.
_REVERSED_BITS = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def minutes_from_varbit(raw: bytes | memoryview | None) -> int:
    """A minute set from `varbit_send(minutes)` (4 bytes of length, then the bits): five times cheaper than
    parsing the 1,440 characters of its text."""
    if raw is None:
        return 0
    return int.from_bytes(bytes(raw)[4:].translate(_REVERSED_BITS), "little")


def _aggregate_days(vehicle_ids, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], Day]:
    lo, hi = _bounds(start, end)
    with reader().cursor() as cur:  # the replica inside a replica-read view (quartermaster.dbrouter)
        cur.execute(f"SELECT vehicle_id, day, dist_m, moving_s, stopped_s, fixes, varbit_send(minutes) FROM {AGGREGATE} "
                    "WHERE vehicle_id = ANY(%s) AND day >= %s AND day < %s", [list(vehicle_ids), lo, hi])
        return {(v, day.astimezone(SHANGHAI).date()): Day(float(d or 0), float(s or 0), float(t or 0), int(n),
                                                          minutes_from_varbit(m))
                for v, day, d, s, t, n, m in cur.fetchall()}


def _table_days(vehicle_ids, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], Day]:
    # Rows without fixes only carry a trip count (a day without legs, counted by `qm rollup --trips`).
    if connection.vendor == "postgresql":
        with reader().cursor() as cur:
            cur.execute("SELECT vehicle_id, day, dist_m, moving_s, stopped_s, fixes, varbit_send(minutes) "
                        "FROM tracking_vehicleday WHERE vehicle_id = ANY(%s) AND day >= %s AND day <= %s "
                        "AND fixes > 0", [list(vehicle_ids), start, end])
            return {(v, day): Day(d, s, t, n, minutes_from_varbit(m)) for v, day, d, s, t, n, m in cur.fetchall()}
    rows = VehicleDay.objects.filter(vehicle_id__in=list(vehicle_ids), day__gte=start, day__lte=end,
                                     fixes__gt=0).values_list(
        "vehicle_id", "day", "dist_m", "moving_s", "stopped_s", "fixes", "minutes")
    return {(v, day): Day(d, s, t, n, m) for v, day, d, s, t, n, m in rows.iterator(chunk_size=20_000)}


def vehicle_days(vehicle_ids, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], Day]:
    """(vehicle id, local day) -> Day for the days from `start` to `end` (both included) that have legs."""
    vehicle_ids = list(vehicle_ids)
    if not vehicle_ids:
        return {}
    where = source()
    if where == "aggregate":
        return _aggregate_days(vehicle_ids, start, end)
    if where == "table":
        return _table_days(vehicle_ids, start, end)
    return legs_days(vehicle_ids, start, end)


def add_legs(rows: list[tuple]) -> None:
    """SQLite (the embedded demo): the days of these legs (rules' LegRow tuples, ts in epoch seconds) recomputed
    from the legs. PostgreSQL keeps the table in the legs' INSERT itself (store.store_legs)."""
    touched: dict[int, set[dt.date]] = defaultdict(set)
    for vehicle_id, ts, *_ in rows:
        touched[vehicle_id].add(local_day(dt.datetime.fromtimestamp(ts, dt.UTC)))
    for vehicle_id, days in touched.items():
        _rewrite(vehicle_id, min(days), max(days))


def _rewrite(vehicle_id: int, start: dt.date, end: dt.date) -> int:
    found = legs_days([vehicle_id], start, end)
    old = VehicleDay.objects.filter(vehicle_id=vehicle_id, day__gte=start, day__lte=end)
    counted = dict(old.exclude(trips=None).values_list("day", "trips"))
    old.delete()
    VehicleDay.objects.bulk_create([VehicleDay(vehicle_id=v, day=day, dist_m=d.dist_m, moving_s=d.moving_s,
                                               stopped_s=d.stopped_s, fixes=d.fixes, minutes=d.minutes,
                                               trips=counted.get(day)) for (v, day), d in found.items()])
    return len(found)


def rollup_rebuild(*, start: dt.date, end: dt.date, vehicle_ids=None) -> int:
    """Recomputes the table's rows of these days (every vehicle with legs, or those given) from the legs where the
    table is kept, and refreshes the continuous aggregate over the period where there is one. Returns the table rows
    written."""
    lo, hi = _bounds(start, end)
    if vehicle_ids is None:
        vehicle_ids = sorted(set(Leg.objects.filter(ts__gte=lo, ts__lt=hi).values_list("vehicle_id", flat=True)
                                 .distinct().order_by()))
    written = 0
    if keeps_table():
        with transaction.atomic():
            for vehicle_id in vehicle_ids:
                written += _rewrite(vehicle_id, start, end)
    if has_aggregate() and not connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute(f"CALL refresh_continuous_aggregate('{AGGREGATE}', %s, %s)", [lo, hi])
    return written


def rollup_trips(*, day: dt.date, counts: dict[int, int]) -> None:
    """Stores the trips counted for `day` (vehicle id -> trips starting that day)."""
    VehicleDay.objects.bulk_create([VehicleDay(vehicle_id=vehicle_id, day=day, trips=trips)
                                    for vehicle_id, trips in sorted(counts.items())],
                                   update_conflicts=True, unique_fields=["vehicle", "day"], update_fields=["trips"],
                                   batch_size=5000)
