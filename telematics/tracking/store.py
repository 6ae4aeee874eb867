"""The position store's writers: binary COPY into a staging table, then one INSERT … ON CONFLICT DO NOTHING
(idempotent on (terminal, ts)) on PostgreSQL; executemany-style inserts on SQLite for the embedded demo.

Both return, per row given, its arrival number when it was stored now, or None when it was already there."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

_COLUMNS = ("terminal", "ts", "vehicle_id", "lat", "lon", "speed", "heading", "acc", "seq", "grid_code",
            "venue_id", "received_at", "attrs")
_PG_TYPES = ["int4", "text", "timestamptz", "int8", "float8", "float8", "float8", "float8", "bool", "int8",
             "text", "int4", "timestamptz", "text"]
# attrs is staged as JSON text (binary COPY of jsonb would serialise in psycopg); cast once by the INSERT.
_STAGE = ("CREATE TEMP TABLE IF NOT EXISTS qm_position_stage (ord int4, terminal text, ts timestamptz, "
          "vehicle_id int8, lat float8, lon float8, speed float8, heading float8, acc bool, seq int8, "
          "grid_code text, venue_id int4, received_at timestamptz, attrs text) ON COMMIT DELETE ROWS")
_SELECT = {"received_at": "coalesce(received_at, statement_timestamp())", "attrs": "attrs::jsonb"}

# Returns the arrivals of the rows stored now: integers, cheap to read back (timestamps were a tenth of the
# ingest's time). The sequence is drawn as the rows come out of the sort, so in the stage's order. A row without
# received_at is stamped when the INSERT begins (the ingest lays its rows out before the store).
INSERT_FROM_STAGE_SQL = (f"INSERT INTO tracking_position ({', '.join(_COLUMNS)}) "
                         f"SELECT {', '.join(_SELECT.get(c, c) for c in _COLUMNS)} "
                         "FROM qm_position_stage ORDER BY ord "
                         "ON CONFLICT (terminal, ts) DO NOTHING RETURNING arrival")
# When some staged rows were already there (a redelivery, a replay): which ones were stored now.
STORED_NOW_SQL = ("SELECT s.ord, p.arrival FROM qm_position_stage s JOIN tracking_position p USING (terminal, ts) "
                  "WHERE p.arrival = ANY(%s)")


@dataclass(slots=True)
class PositionRow:
    terminal: str
    ts: dt.datetime
    vehicle_id: int
    lat: float
    lon: float
    speed: float | None
    heading: float | None
    acc: bool | None
    seq: int | None
    grid_code: str
    venue_id: int | None
    received_at: dt.datetime | None = None  # None: when the store writes it
    attrs: str | None = None  # JSON text of what the fix carries beyond the contract (Fix.attrs)

    def values(self) -> tuple:
        return (self.terminal, self.ts, self.vehicle_id, self.lat, self.lon, self.speed, self.heading, self.acc,
                self.seq, self.grid_code, self.venue_id, self.received_at, self.attrs)


def store_positions(rows: list[PositionRow]) -> list[int | None]:
    """Call inside a transaction. Rows must be unique on (terminal, ts) among themselves."""
    return store_position_values([row.values() for row in rows])


def store_position_values(rows: list[tuple]) -> list[int | None]:
    """`store_positions` for rows already as tuples in PositionRow's field order (the ingest's; no object per row)."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _store_postgresql(rows)
    return _store_sqlite(rows)


def _store_postgresql(rows: list[tuple]) -> list[int | None]:
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        cur.execute(_STAGE)
        with cur.copy(f"COPY qm_position_stage (ord, {', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_PG_TYPES)
            for i, row in enumerate(rows):
                copy.write_row((i, *row))
        result = insert_staged(cur, len(rows))
        cur.execute("TRUNCATE qm_position_stage")
    return result


def insert_staged(cur, n: int) -> list[int | None]:
    """Moves the `n` staged rows into the store: each one's arrival when it was stored now, else None. Every row
    new (the usual case) needs no more than the arrivals; otherwise one join finds which rows they were."""
    cur.execute(INSERT_FROM_STAGE_SQL)
    arrivals = sorted(row[0] for row in cur.fetchall())
    if len(arrivals) == n:
        return arrivals
    result: list[int | None] = [None] * n
    if arrivals:
        cur.execute(STORED_NOW_SQL, [arrivals])
        for ord_, arrival in cur.fetchall():
            result[ord_] = arrival
    return result


def _store_sqlite(rows: list[tuple]) -> list[int | None]:
    placeholders = ", ".join(["%s"] * (len(_COLUMNS) + 1))
    sql = (f"INSERT OR IGNORE INTO tracking_position ({', '.join(_COLUMNS)}, arrival) VALUES ({placeholders})")
    result: list[int | None] = []
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(arrival), 0) FROM tracking_position")
        arrival = cur.fetchone()[0]
        for row in rows:
            values = list(row)
            values[1] = _sqlite_time(values[1])
            values[11] = _sqlite_time(values[11] or dt.datetime.now(dt.UTC))
            cur.execute(sql, (*values, arrival + 1))
            if cur.rowcount == 1:
                arrival += 1
                result.append(arrival)
            else:
                result.append(None)
    return result


def _sqlite_time(value: dt.datetime) -> str:
    # The text form Django's SQLite backend stores aware datetimes in (UTC, no offset).
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


_LEG_STAGE = ("CREATE TEMP TABLE IF NOT EXISTS qm_leg_stage (vehicle_id int8, ts float8, grid_code text, "
              "dist_m float8, secs float8, moving bool) ON COMMIT DELETE ROWS")
# Epoch seconds become timestamptz here rather than as a datetime per leg in Python; to_timestamp rounds to the
# microsecond as datetime.fromtimestamp does for any time taken from a microsecond timestamp.
INSERT_LEGS_FROM_STAGE_SQL = ("INSERT INTO tracking_leg (vehicle_id, ts, grid_code, dist_m, secs, moving) "
                              "SELECT vehicle_id, to_timestamp(ts), grid_code, dist_m, secs, moving FROM qm_leg_stage "
                              "ON CONFLICT (vehicle_id, ts) DO NOTHING")
# The same, adding the legs stored now to the daily rollup table (rollups.keeps_table).
INSERT_LEGS_AND_ROLLUP_SQL = (f"WITH inserted AS ({INSERT_LEGS_FROM_STAGE_SQL} RETURNING vehicle_id, ts, dist_m, secs, "
                              "moving) ")


def store_legs(rows: list[tuple]) -> None:
    """(vehicle_id, ts in epoch seconds, grid_code, dist_m, secs, moving) rows (the rules' LegRow); ones already
    there (a replay) are skipped, and those stored now are added to the daily rollup where the project keeps it
(tracking/rollups.py). Call inside a transaction. On PostgreSQL by binary COPY (the ORM's per-value
    preparation cost as much as the rules themselves), elsewhere through the ORM."""
    from . import rollups

    if not rows:
        return
    if connection.vendor != "postgresql":
        from .models import Leg

        Leg.objects.bulk_create([Leg(vehicle_id=v, ts=dt.datetime.fromtimestamp(ts, dt.UTC), grid_code=g, dist_m=d,
                                     secs=s, moving=m) for v, ts, g, d, s, m in rows], ignore_conflicts=True)
        if rollups.keeps_table():
            rollups.add_legs(rows)
        return
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        cur.execute(_LEG_STAGE)
        with cur.copy("COPY qm_leg_stage FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "float8", "text", "float8", "float8", "bool"])
            for row in rows:
                copy.write_row(row)
        cur.execute(INSERT_LEGS_AND_ROLLUP_SQL + rollups.UPSERT_FROM_INSERTED_SQL if rollups.keeps_table()
                    else INSERT_LEGS_FROM_STAGE_SQL)
        cur.execute("TRUNCATE qm_leg_stage")
