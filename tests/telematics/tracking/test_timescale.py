"""The TimescaleDB storage path: on the test server itself when it has TimescaleDB (`make test` builds it from
`../shared/vendor` where that exists and preloads it), else on PGlite built with TimescaleDB (`scripts/pglite.sh`
installs it with npm into .cache/pglite and serves one in-memory database).

The same DDL the migration runs (hypertables, compression and retention policies, the daily-mileage continuous
aggregate) and the same queries the app runs (idempotent insert from the staging table, daily mileage) are
run here, on a database of their own. PGlite has one session, no COPY and no background workers: one
connection, rows inserted into the staging table with INSERT, and the policies run with `CALL run_job` (on
both engines, so the test does not wait for the scheduler)."""
import datetime as dt
import importlib
import os
import socket
import subprocess
import threading

import psycopg
import pytest
from django.db import connection

from telematics.tracking import store
from telematics.tracking.models import Leg, Position
from telematics.tracking.pipeline import REFRESH_MILEAGE_SQL
from telematics.tracking.selectors import MILEAGE_LEGS_SQL, SHANGHAI, has_continuous_aggregate, mileage_rows

from .conftest import ROOT

migration = importlib.import_module("telematics.tracking.migrations.0003_position_storage")
pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc


def server_timescale_url() -> str | None:
    """The test server's URL when that server can create TimescaleDB (installed and preloaded)."""
    url = os.environ.get("QM_DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    with psycopg.connect(url, autocommit=True) as conn:
        ok = conn.execute("SELECT current_setting('shared_preload_libraries') LIKE '%timescaledb%' AND EXISTS "
                          "(SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')").fetchone()[0]
    return url if ok else None


@pytest.fixture(scope="module")
def timescale():
    """One autocommit connection to a fresh database with TimescaleDB: the test server's, else PGlite's."""
    url = server_timescale_url()
    if url is None:
        yield from _pglite()
        return
    name = f"qm_timescale_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    conn = psycopg.connect(url.rsplit("/", 1)[0] + "/" + name, autocommit=True)
    try:
        yield conn
    finally:
        conn.close()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _pglite():
    subprocess.run([str(ROOT / "scripts/pglite.sh"), "install"], check=True, timeout=600)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(ROOT / "scripts/pglite.sh"), "serve", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    listening = threading.Event()

    def read():
        for line in proc.stdout:
            output.append(line)
            if "listening" in line:
                listening.set()
    threading.Thread(target=read, daemon=True).start()
    try:
        if not listening.wait(180):
            raise AssertionError("PGlite did not start:\n" + "".join(output))
        conn = psycopg.connect(f"postgresql://postgres:postgres@127.0.0.1:{port}/postgres?sslmode=disable"
                               "&gssencmode=disable", prepare_threshold=None, autocommit=True, connect_timeout=30)
        yield conn
        conn.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _create_tables(cur) -> None:
    """The tables exactly as Django's migrations create them on PostgreSQL."""
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        editor.create_model(Position)
        editor.create_model(Leg)
    for statement in editor.collected_sql:
        cur.execute(statement.rstrip(";"))


def _legs(vehicle_id: int, day_start: dt.datetime, n: int, step_m: float) -> list[tuple]:
    return [(vehicle_id, day_start + dt.timedelta(minutes=10 * k), "320402001001011", step_m, 600.0, k % 3 != 0)
            for k in range(n)]


def _store(cur, rows: list[store.PositionRow]) -> list:
    """The store's own staging table and INSERT … ON CONFLICT in one transaction (as the ingest runs it), with
    the rows staged by INSERT (no COPY here)."""
    with cur.connection.transaction():
        cur.execute(store._STAGE)
        cur.executemany(f"INSERT INTO qm_position_stage (ord, {', '.join(store._COLUMNS)}) VALUES "
                        f"({', '.join(['%s'] * (len(store._COLUMNS) + 1))})",
                        [(i, *row.values()) for i, row in enumerate(rows)])
        stored = store.insert_staged(cur, len(rows))
        cur.execute("TRUNCATE qm_position_stage")
    return stored


def test_timescale_ddl_policies_and_queries(timescale):
    cur = timescale.cursor()
    _create_tables(cur)
    assert migration.apply_storage_ddl(cur) is True
    cur.execute("SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables "
                "ORDER BY 1")
    assert cur.fetchall() == [("tracking_leg", True), ("tracking_position", True)]
    cur.execute("SELECT proc_name, hypertable_name, job_id FROM timescaledb_information.jobs WHERE job_id >= 1000")
    jobs = cur.fetchall()
    assert sorted((p, h) for p, h, _ in jobs) == [
        ("policy_compression", "tracking_leg"), ("policy_compression", "tracking_position"),
        ("policy_refresh_continuous_aggregate", "tracking_daily_mileage"),
        ("policy_retention", "tracking_position")]
    assert has_continuous_aggregate(cur)

    # Fixes of today, of a month ago (to be compressed) and of 500 days ago (past retention); stored twice.
    now = dt.datetime.now(UTC).replace(microsecond=0)
    times = [now - dt.timedelta(hours=2), now - dt.timedelta(days=30), now - dt.timedelta(days=500)]
    rows = [store.PositionRow("T0001", ts + dt.timedelta(seconds=10 * k), 1, 31.78, 119.95, 30.0, 90.0, True, k,
                              "320402001001011", None, now) for ts in times for k in range(50)]
    arrivals = _store(cur, rows)
    assert all(a is not None for a in arrivals) and arrivals == sorted(arrivals)
    assert _store(cur, rows[:60]) == [None] * 60  # idempotent on (terminal, ts)
    extra = store.PositionRow("T0002", now, 1, 31.78, 119.95, 30.0, 90.0, True, 0, "320402001001011", None, now)
    partly = _store(cur, [rows[0], extra, rows[1]])  # some already there: which were stored now
    assert partly[0] is None and partly[2] is None and partly[1] > arrivals[-1]

    # Legs of two recent local days and one a month ago.
    today = dt.datetime.now(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    legs = (_legs(1, today - dt.timedelta(days=2), 30, 250.0) + _legs(1, today - dt.timedelta(days=1), 40, 100.0)
            + _legs(1, today - dt.timedelta(days=30), 20, 500.0))
    cur.executemany("INSERT INTO tracking_leg (vehicle_id, ts, grid_code, dist_m, secs, moving) "
                    "VALUES (%s, %s, %s, %s, %s, %s)", legs)

    for job_id in sorted(j for _, _, j in jobs):
        cur.execute("CALL run_job(%s)" % int(job_id))
    cur.execute("SELECT count(*) FROM tracking_position WHERE ts < now() - interval '400 days'")
    assert cur.fetchone()[0] == 0  # retention dropped the old chunk
    cur.execute("SELECT count(*) FROM tracking_position")
    assert cur.fetchone()[0] == 101  # the two recent chunks' 100 and T0002's
    cur.execute("SELECT hypertable_name, bool_or(is_compressed) FROM timescaledb_information.chunks "
                "WHERE hypertable_name LIKE 'tracking%' GROUP BY 1 ORDER BY 1")
    assert cur.fetchall() == [("tracking_leg", True), ("tracking_position", True)]
    assert _store(cur, rows[50:55]) == [None] * 5  # conflicts are found in compressed chunks too

    # Daily mileage: the continuous aggregate answers as the legs do. Its policy refreshes only the last 3 days,
    # so the month-old day appears once refreshed the way the ingest does for late legs.
    lo, hi = today - dt.timedelta(days=40), today + dt.timedelta(days=1)
    cur.execute(MILEAGE_LEGS_SQL, [1, lo, hi])
    from_legs = {day.astimezone(SHANGHAI).date(): (float(d), float(s)) for day, d, s in cur.fetchall()}
    month_ago, yesterday = (today - dt.timedelta(days=30)).date(), (today - dt.timedelta(days=1)).date()
    assert from_legs[yesterday] == (4000.0, 600.0 * 26) and from_legs[month_ago] == (10000.0, 600.0 * 13)
    from_aggregate = mileage_rows(cur, 1, lo, hi)
    assert month_ago not in from_aggregate
    assert from_aggregate == {day: v for day, v in from_legs.items() if day != month_ago}
    cur.execute(REFRESH_MILEAGE_SQL, [today - dt.timedelta(days=31)])
    assert mileage_rows(cur, 1, lo, hi) == from_legs

    # A late leg for that day: refreshed again, it counts.
    cur.execute("INSERT INTO tracking_leg (vehicle_id, ts, grid_code, dist_m, secs, moving) VALUES "
                "(1, %s, '', 1000, 60, true)", [today - dt.timedelta(days=30) + dt.timedelta(hours=12)])
    cur.execute(REFRESH_MILEAGE_SQL, [today - dt.timedelta(days=31)])
    assert mileage_rows(cur, 1, lo, hi)[month_ago] == (11000.0, 600.0 * 13 + 60)


def test_the_test_database_has_the_storage_its_server_offers():
    """The migrations chose by the server: hypertables and the continuous aggregate on TimescaleDB, BRIN indexes
    on plain PostgreSQL; either way the legs answer the same mileage query."""
    with connection.cursor() as cur:
        if server_timescale_url():
            assert migration.timescale_available(cur)
            assert has_continuous_aggregate(cur)
            cur.execute("SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1")
            assert [r[0] for r in cur.fetchall()] == ["tracking_leg", "tracking_position"]
        else:
            assert not migration.timescale_available(cur)
            assert not has_continuous_aggregate(cur)
            cur.execute("SELECT indexname FROM pg_indexes WHERE indexname IN ('tracking_position_ts_brin', "
                        "'tracking_leg_ts_brin') ORDER BY 1")
            assert [r[0] for r in cur.fetchall()] == ["tracking_leg_ts_brin", "tracking_position_ts_brin"]
        day = dt.datetime(2026, 11, 18, tzinfo=SHANGHAI)
        Leg.objects.bulk_create([Leg(vehicle_id=1, ts=ts, grid_code=g, dist_m=d, secs=s, moving=m)
                                 for _, ts, g, d, s, m in _legs(1, day, 40, 100.0)])
        cur.execute(MILEAGE_LEGS_SQL, [1, day - dt.timedelta(days=1), day + dt.timedelta(days=2)])
        rows = {d.astimezone(SHANGHAI).date(): (float(m), float(s)) for d, m, s in cur.fetchall()}
    assert rows == {day.date(): (4000.0, 600.0 * 26)}
