"""Storage of positions and legs per database: TimescaleDB when the server offers it, else plain PostgreSQL.

- PostgreSQL: `arrival` draws from a sequence (the order fixes were stored in, for replaying the rules).
- With timescaledb installed and preloaded (or already created): both tables become hypertables (1-day chunks), compressed
  after 7 days, kept 400 days, and a continuous aggregate `tracking_daily_mileage` sums legs per local day.
- Without it: BRIN indexes on time (fixes arrive nearly in time order, so BRIN stays tiny and selective).
- SQLite (embedded demo): nothing; the ingest numbers arrivals itself.
"""
from django.db import migrations

TIMESCALE_DDL = [
    "CREATE EXTENSION IF NOT EXISTS timescaledb",
    "SELECT create_hypertable('tracking_position', by_range('ts', INTERVAL '1 day'), migrate_data => true)",
    "SELECT create_hypertable('tracking_leg', by_range('ts', INTERVAL '1 day'), migrate_data => true)",
    "ALTER TABLE tracking_position SET (timescaledb.compress, timescaledb.compress_segmentby = 'terminal',"
    " timescaledb.compress_orderby = 'ts')",
    "ALTER TABLE tracking_leg SET (timescaledb.compress, timescaledb.compress_segmentby = 'vehicle_id',"
    " timescaledb.compress_orderby = 'ts')",
    "SELECT add_compression_policy('tracking_position', INTERVAL '7 days')",
    "SELECT add_compression_policy('tracking_leg', INTERVAL '7 days')",
    "SELECT add_retention_policy('tracking_position', INTERVAL '400 days')",
    "CREATE MATERIALIZED VIEW tracking_daily_mileage WITH (timescaledb.continuous,"
    " timescaledb.materialized_only = false) AS"
    " SELECT vehicle_id, time_bucket(INTERVAL '1 day', ts, 'Asia/Shanghai') AS day,"
    " sum(dist_m) AS dist_m, sum(CASE WHEN moving THEN secs ELSE 0 END) AS driving_s"
    " FROM tracking_leg GROUP BY vehicle_id, day WITH NO DATA",
    "SELECT add_continuous_aggregate_policy('tracking_daily_mileage', start_offset => INTERVAL '3 days',"
    " end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '30 minutes')",
]

PLAIN_DDL = [
    "CREATE INDEX IF NOT EXISTS tracking_position_ts_brin ON tracking_position USING brin (ts)",
    "CREATE INDEX IF NOT EXISTS tracking_leg_ts_brin ON tracking_leg USING brin (ts)",
]

ARRIVAL_DDL = [
    "CREATE SEQUENCE IF NOT EXISTS tracking_position_arrival_seq",
    "ALTER TABLE tracking_position ALTER COLUMN arrival SET DEFAULT nextval('tracking_position_arrival_seq')",
]


def timescale_available(cursor) -> bool:
    """The extension is installed on the server and can be created: already created in this database, or its
    library preloaded (a server with the package installed but without `shared_preload_libraries=timescaledb`
    cannot create it, and gets plain PostgreSQL)."""
    cursor.execute("SELECT installed_version IS NOT NULL FROM pg_available_extensions WHERE name = 'timescaledb'")
    row = cursor.fetchone()
    if row is None:
        return False
    if row[0]:
        return True
    cursor.execute("SELECT current_setting('shared_preload_libraries')")
    return "timescaledb" in cursor.fetchone()[0]


def apply_storage_ddl(cursor) -> bool:
    """Runs the storage DDL on any DB-API cursor in autocommit (tests run it on PGlite with TimescaleDB);
    True when TimescaleDB was used."""
    timescale = timescale_available(cursor)
    for statement in ARRIVAL_DDL + (TIMESCALE_DDL if timescale else PLAIN_DDL):
        cursor.execute(statement)
    return timescale


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        apply_storage_ddl(cursor)


class Migration(migrations.Migration):
    # A continuous aggregate cannot be created inside a transaction block.
    atomic = False

    dependencies = [("tracking", "0002_deadletter_rulecheckpoint_alert_alertreview_leg_and_more")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
