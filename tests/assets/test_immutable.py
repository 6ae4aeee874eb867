"""Append-only models on SQLite, the demo database: triggers refuse UPDATE and DELETE there too (see README)."""
import os
import sqlite3
import subprocess
import sys

import pytest

from assets.models.immutable import append_only_tables

# Migrates a fresh SQLite file and writes one row of each append-only kind through the services.
SETUP = """
import datetime as dt
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from assets import services
from telematics import services as fleet
unit = services.unit_create(code="CZ", name="局", kind="bureau")
services.person_create(staff_no="P1", name="张三", unit=unit)
services.asset_create(tag="R-1", category="radio", unit=unit)
vehicle = fleet.vehicle_create(plate="苏D·T0001", unit=unit, seats=5, acquired=dt.date(2024, 1, 1))
from telematics.tracking.models import Alert, AlertCase, AlertCaseAttachment, AlertCaseEvent
alert = Alert.objects.create(vehicle=vehicle, terminal="T-1", kind="off_duty_use", clause="-",
                             started_at=dt.datetime(2026, 1, 1, 20, tzinfo=dt.timezone.utc))
case = AlertCase.objects.create(alert=alert, deadline=dt.datetime(2026, 1, 6, tzinfo=dt.timezone.utc))
event = AlertCaseEvent.objects.create(case=case, action="explain", from_state="pending", to_state="explained",
                                      text="加班", username="tester")
AlertCaseAttachment.objects.create(event=event, file="alert-cases/2026/01/order.pdf", name="order.pdf")
services.asset_create(tag="REC-1", category="recorder", unit=unit)
from telematics.tracking.models import DockOffload
from telematics.tracking.signals import dock_reports_stored
dock_reports_stored.send(sender=DockOffload, reports=[DockOffload.objects.create(
    dock_id="D1", recorder_tag="REC-1", recorded_on=dt.date(2026, 1, 1),
    ts=dt.datetime(2026, 1, 1, 10, tzinfo=dt.timezone.utc))])
from telematics.tracking.models import TrackAccess
TrackAccess.objects.create(username="auditor", vehicle=vehicle, plate=vehicle.plate,
                           end=dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone.utc), purpose="案件核查",
                           reasons="older", path="test")
"""


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite") / "qm.sqlite3"
    env = {**os.environ, "QM_DATABASE_URL": f"sqlite:///{path}", "DJANGO_SETTINGS_MODULE": "quartermaster.settings"}
    done = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.parametrize("table", append_only_tables())
def test_sqlite_refuses_update_and_delete_of_append_only_rows(demo_db, table):
    db = sqlite3.connect(demo_db)
    try:
        (rows,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
        triggers = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                   "AND tbl_name = ?", [table])}
        assert triggers == {f"{table}_append_only_update", f"{table}_append_only_delete"}
        if table == "assets_compliancesnapshot":
            assert rows == 0  # none saved by the setup; the triggers above stand for it
            return
        assert rows > 0
        with pytest.raises(sqlite3.DatabaseError, match="append-only: UPDATE refused"):
            db.execute(f"UPDATE {table} SET id = id")
        with pytest.raises(sqlite3.DatabaseError, match="append-only: DELETE refused"):
            db.execute(f"DELETE FROM {table}")
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (rows,)
    finally:
        db.close()
