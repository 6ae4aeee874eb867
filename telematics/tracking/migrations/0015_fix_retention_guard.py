"""The retention purge's sanctioned path (PIPL art. 28; telematics/tracking/retention.py).

- Positions and legs refuse UPDATE and DELETE unless the session set `qm.fix_purge` (only the functions below do,
  for the statement they run); the runtime role (`qm dbroles`) has no UPDATE or DELETE on them at all.
- `tracking_fixholdwindow`: what is held — each alert handled as a case (its vehicle, from an hour before it began
  to an hour after it ended; open alerts to the end of time) and each manual hold not released.
- `tracking_purge_fixes(lo, hi, batch)`: deletes up to `batch` positions and `batch` legs with ts in [lo, hi) that no
  hold covers; returns how many. `tracking_drop_fix_chunks(hi)` (TimescaleDB): drops the chunks of both tables that
  end at or before `hi` and overlap no hold window; returns how many. Both are SECURITY DEFINER (they run as the
  owner), refuse a bound later than a day ago, and are executable by the runtime role only (granted by dbroles).
- TimescaleDB's own retention policy (0003: 400 days) is removed: it would drop held fixes with their chunk.
"""
from django.db import migrations

GUARDED = ("tracking_position", "tracking_leg")

GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION tracking_fix_guard() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('qm.fix_purge', true), '') <> 'on' THEN
        RAISE EXCEPTION '% is purged only by tracking_purge_fixes: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END; $$ LANGUAGE plpgsql;
"""

HOLD_VIEW = """
CREATE OR REPLACE VIEW tracking_fixholdwindow AS
SELECT a.vehicle_id, a.started_at - INTERVAL '1 hour' AS start,
       coalesce(a.ended_at + INTERVAL '1 hour', 'infinity'::timestamptz) AS "end"
  FROM tracking_alert a JOIN tracking_alertcase c ON c.alert_id = a.id
 WHERE a.vehicle_id IS NOT NULL
UNION ALL
SELECT vehicle_id, start, "end" FROM tracking_fixhold WHERE released_at IS NULL
"""

PURGE_FUNCTION = """
CREATE OR REPLACE FUNCTION tracking_purge_fixes(lo timestamptz, hi timestamptz, batch integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    positions bigint;
    legs bigint;
BEGIN
    IF hi > now() - INTERVAL '1 day' THEN
        RAISE EXCEPTION 'fixes of the last day are never purged (hi %)', hi USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('qm.fix_purge', 'on', true);
    DELETE FROM tracking_position p USING (
        SELECT q.terminal, q.ts FROM tracking_position q
         WHERE q.ts >= lo AND q.ts < hi
           AND NOT EXISTS (SELECT 1 FROM tracking_fixholdwindow h
                            WHERE h.vehicle_id = q.vehicle_id AND q.ts >= h.start AND q.ts <= h."end")
         LIMIT batch) d
     WHERE p.terminal = d.terminal AND p.ts = d.ts;
    GET DIAGNOSTICS positions = ROW_COUNT;
    DELETE FROM tracking_leg l USING (
        SELECT q.vehicle_id, q.ts FROM tracking_leg q
         WHERE q.ts >= lo AND q.ts < hi
           AND NOT EXISTS (SELECT 1 FROM tracking_fixholdwindow h
                            WHERE h.vehicle_id = q.vehicle_id AND q.ts >= h.start AND q.ts <= h."end")
         LIMIT batch) d
     WHERE l.vehicle_id = d.vehicle_id AND l.ts = d.ts;
    GET DIAGNOSTICS legs = ROW_COUNT;
    PERFORM set_config('qm.fix_purge', '', true);
    RETURN positions + legs;
END; $$;
"""

DROP_CHUNKS_FUNCTION = """
CREATE OR REPLACE FUNCTION tracking_drop_fix_chunks(hi timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    chunk record;
    dropped integer := 0;
BEGIN
    IF hi > now() - INTERVAL '1 day' THEN
        RAISE EXCEPTION 'fixes of the last day are never purged (hi %)', hi USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR chunk IN SELECT c.hypertable_name, c.range_start, c.range_end FROM timescaledb_information.chunks c
                  WHERE c.hypertable_name IN ('tracking_position', 'tracking_leg') AND c.range_end <= hi
                    AND NOT EXISTS (SELECT 1 FROM tracking_fixholdwindow h
                                     WHERE h.start < c.range_end AND h."end" >= c.range_start)
                  ORDER BY c.range_start LOOP
        PERFORM drop_chunks(chunk.hypertable_name::regclass, older_than => chunk.range_end,
                            newer_than => chunk.range_start);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END; $$;
"""

FUNCTIONS = ("tracking_purge_fixes(timestamptz, timestamptz, integer)", "tracking_drop_fix_chunks(timestamptz)")


def _timescale(cursor) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')")
    return cursor.fetchone()[0]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(GUARD_FUNCTION)
        for table in GUARDED:
            cursor.execute(f"CREATE TRIGGER {table}_guard_trg BEFORE UPDATE OR DELETE ON {table} "
                           f"FOR EACH ROW EXECUTE FUNCTION tracking_fix_guard()")
        cursor.execute(HOLD_VIEW)
        cursor.execute(PURGE_FUNCTION.format(schema=schema))
        statements = [f"REVOKE ALL ON FUNCTION {FUNCTIONS[0]} FROM PUBLIC"]
        if _timescale(cursor):
            cursor.execute(DROP_CHUNKS_FUNCTION.format(schema=schema))
            statements.append(f"REVOKE ALL ON FUNCTION {FUNCTIONS[1]} FROM PUBLIC")
            cursor.execute("SELECT remove_retention_policy('tracking_position', if_exists => true)")
        for statement in statements:
            cursor.execute(statement)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for signature in FUNCTIONS:
            cursor.execute(f"DROP FUNCTION IF EXISTS {signature}")
        cursor.execute("DROP VIEW IF EXISTS tracking_fixholdwindow")
        for table in GUARDED:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_guard_trg ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS tracking_fix_guard()")


class Migration(migrations.Migration):
    dependencies = [("tracking", "0014_track_access_fix_hold")]

    operations = [migrations.RunPython(forwards, backwards)]
