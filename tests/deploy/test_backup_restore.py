"""The backup drill on the real test PostgreSQL (with TimescaleDB when the server has it): a populated database
(custody ledger, positions over several days, an alert with its case), scripts/backup.sh, scripts/restore.sh into a
new database, then every table's row count and a checksum of the ledger, positions and cases compared."""
import datetime as dt
import os
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from assets import services
from assets.models import CustodyEvent
from telematics import services as fleet
from telematics.tracking.models import Alert, AlertCase, AlertCaseEvent, Position

from .conftest import ROOT, database_url, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

CHECKSUMMED = [CustodyEvent, Position, Alert, AlertCase, AlertCaseEvent]


def populate(bureau):
    unit = bureau["units"]["CZ-TN"]
    for n in range(5):
        services.asset_create(tag=f"BK-{n}", category="radio", unit=unit)
    vehicle = fleet.vehicle_create(plate="苏D·B0001", unit=unit, seats=5, acquired=dt.date(2024, 1, 1))
    start = dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone.utc)
    Position.objects.bulk_create([  # three days: three chunks of a hypertable
        Position(terminal="BK-T1", ts=start + dt.timedelta(hours=7 * i), vehicle=vehicle, lat=31.7 + i / 1000,
                 lon=119.9, speed=30.0, received_at=start + dt.timedelta(hours=7 * i, seconds=2), arrival=i + 1,
                 attrs={"mileage_km": i})
        for i in range(12)])
    alert = Alert.objects.create(vehicle=vehicle, terminal="BK-T1", kind="off_duty_use", clause="-",
                                 started_at=start + dt.timedelta(hours=12))
    case = AlertCase.objects.create(alert=alert, deadline=start + dt.timedelta(days=5))
    AlertCaseEvent.objects.create(case=case, action="explain", from_state="pending", to_state="explained",
                                  text="加班出警", username="tester")


def table_counts(cur) -> dict[str, int]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    counts = {}
    for (table,) in cur.fetchall():
        cur.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cur.fetchone()[0]
    return counts


def checksums(cur) -> dict[str, str]:
    """md5 of every row's text in primary-key order (positions: terminal, time)."""
    sums = {}
    for model in CHECKSUMMED:
        table = model._meta.db_table
        order = "terminal, ts" if model is Position else "id"
        cur.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY {order})) FROM {table} t")
        sums[table] = cur.fetchone()[0]
    return sums


def timescale_in(cur) -> bool:
    cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")
    return cur.fetchone()[0] == 1


def test_backup_and_restore_drill(bureau, tmp_path):
    populate(bureau)
    source_url = database_url(connection.settings_dict)
    target_name = f"qm_restore_{uuid.uuid4().hex[:8]}"
    target_url = database_url(connection.settings_dict, target_name)
    admin_url = database_url(connection.settings_dict, "postgres")
    with connection.cursor() as cur:
        before_counts, before_sums, timescale = table_counts(cur), checksums(cur), timescale_in(cur)
    assert before_counts[CustodyEvent._meta.db_table] >= 5 and before_counts[Position._meta.db_table] == 12
    assert before_counts[AlertCase._meta.db_table] == 1 and before_counts[AlertCaseEvent._meta.db_table] == 1
    assert all(before_sums.values())

    dump = tmp_path / "qm.dump"
    env = subprocess_env(QM_DATABASE_URL=source_url)
    done = subprocess.run([str(ROOT / "scripts/backup.sh"), str(dump)], check=False, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert dump.stat().st_size > 0 and not (tmp_path / "qm.dump.partial").exists()

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{target_name}"')
    try:
        done = subprocess.run([str(ROOT / "scripts/restore.sh"), str(dump), target_url], check=False, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"TimescaleDB: {'yes' if timescale else 'no'}" in done.stdout
        with psycopg.connect(target_url) as restored, restored.cursor() as cur:
            assert table_counts(cur) == before_counts
            assert checksums(cur) == before_sums
            assert timescale_in(cur) == timescale
            if timescale:  # the positions are a hypertable again, and TimescaleDB is out of its restoring mode
                cur.execute("SELECT count(*) FROM timescaledb_information.hypertables "
                            "WHERE hypertable_name = %s", [Position._meta.db_table])
                assert cur.fetchone()[0] == 1
                cur.execute("SELECT current_setting('timescaledb.restoring', true)")
                assert cur.fetchone()[0] in (None, "", "off")
            # The append-only triggers came back too: the restored ledger still refuses an UPDATE.
            with pytest.raises(psycopg.Error):
                cur.execute(f"UPDATE {CustodyEvent._meta.db_table} SET note = note")
        # A second restore into the now full database is refused rather than mixed in.
        again = subprocess.run([str(ROOT / "scripts/restore.sh"), str(dump), target_url], check=False, env=env,
                               capture_output=True, text=True, timeout=120)
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
    assert os.path.exists(dump)
