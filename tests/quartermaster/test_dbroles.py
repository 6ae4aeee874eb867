"""Append-only tables on real PostgreSQL: UPDATE, DELETE and TRUNCATE refused to the owner (triggers) and to the
runtime role (privileges), which still reads, inserts and runs the services; `qm dbroles` and the migrate hook."""
import datetime as dt
import io
import os
import subprocess
import sys
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from assets import services
from assets.models import CustodyEvent
from assets.models.immutable import append_only_tables
from compliance.models import ComplianceSnapshot
from quartermaster import dbroles
from telematics import services as fleet
from telematics.tracking.models import (
    Alert,
    AlertCase,
    AlertCaseAttachment,
    AlertCaseEvent,
    DockOffload,
    TrackAccess,
)
from telematics.tracking.signals import dock_reports_stored

pytestmark = pytest.mark.django_db

ROLE = "qm_test_runtime"


@pytest.fixture
def rows(bureau):
    """At least one row in every append-only table (a row trigger fires only on the rows a statement touches)."""
    unit = bureau["units"]["CZ-TN"]
    services.asset_create(tag="R-1", category="radio", unit=unit)
    fleet.vehicle_create(plate="苏D·T0001", unit=unit, seats=5, acquired=dt.date(2024, 1, 1))
    ComplianceSnapshot.objects.create(standard="jiangsu", unit=unit, as_of=dt.date(2026, 1, 1), report={}, context={})
    vehicle = fleet.vehicle_create(plate="苏D·T0002", unit=unit, seats=5, acquired=dt.date(2024, 1, 1))
    alert = Alert.objects.create(vehicle=vehicle, terminal="T-1", kind="off_duty_use", clause="-",
                                 started_at=dt.datetime(2026, 1, 1, 20, tzinfo=dt.timezone.utc))
    case = AlertCase.objects.create(alert=alert, deadline=dt.datetime(2026, 1, 6, tzinfo=dt.timezone.utc))
    event = AlertCaseEvent.objects.create(case=case, action="explain", from_state="pending", to_state="explained",
                                          text="加班", username="tester")
    AlertCaseAttachment.objects.create(event=event, file="alert-cases/2026/01/order.pdf", name="order.pdf")
    TrackAccess.objects.create(username="auditor", vehicle=vehicle, plate=vehicle.plate, end=alert.started_at,
                               purpose="核查", reasons="older", path="api:tracks")
    services.asset_create(tag="REC-1", category="recorder", unit=unit)
    dock_reports_stored.send(sender=DockOffload, reports=[DockOffload.objects.create(  # a footage access log line
        dock_id="D1", recorder_tag="REC-1", recorded_on=dt.date(2026, 1, 1),
        ts=dt.datetime(2026, 1, 1, 10, tzinfo=dt.timezone.utc))])
    with connection.cursor() as cursor:
        for table in append_only_tables():
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert cursor.fetchone()[0] > 0, table
    return bureau


def _refused(statement: str, match: str, role: str | None = None) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        # The test's own inserts leave deferred foreign-key checks pending, which would stop a TRUNCATE first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if role:
            cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute(statement)


def test_the_append_only_tables_include_the_ledger_and_vehicle_history():
    assert {"assets_custodyevent", "assets_changerecord", "assets_personhistory", "assets_compliancesnapshot",
            "telematics_vehiclehistory"} <= set(append_only_tables())


@pytest.mark.parametrize("table", append_only_tables())
def test_update_delete_and_truncate_refused_even_to_the_owner(rows, table):
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts["before"] = cursor.fetchone()[0]
    _refused(f"UPDATE {table} SET id = id", "append-only: UPDATE refused")
    _refused(f"DELETE FROM {table}", "append-only: DELETE refused")
    _refused(f"TRUNCATE {table} CASCADE", "append-only: TRUNCATE refused")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == counts["before"]


@pytest.fixture
def runtime_role(db):
    """A runtime role granted by `qm dbroles` (the role and its grants vanish with the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    call_command("dbroles", role=ROLE, stdout=io.StringIO())
    return ROLE


@contextmanager
def as_role(role: str):
    """Runs the block as `role` and undoes whatever it wrote (SET LOCAL ends with the rolled-back savepoint)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {role}")
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("table", append_only_tables())
def test_the_runtime_role_may_only_read_and_insert_append_only_tables(rows, runtime_role, table):
    _refused(f"UPDATE {table} SET id = id", "permission denied", runtime_role)
    _refused(f"DELETE FROM {table}", "permission denied", runtime_role)
    _refused(f"TRUNCATE {table}", "permission denied", runtime_role)
    # Not the owner: it cannot switch the triggers off either.
    _refused(f"ALTER TABLE {table} DISABLE TRIGGER USER", "must be owner", runtime_role)
    with as_role(runtime_role), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] > 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, %s, 'INSERT'), has_table_privilege(%s, %s, 'UPDATE')",
                       [runtime_role, table, runtime_role, table])
        assert cursor.fetchone() == (True, False)


def test_the_runtime_role_runs_the_custody_services(rows, runtime_role):
    """Ordinary tables stay writable: an issue and a return (ledger append by COPY, asset row updated)."""
    asset = services.asset_create(tag="R-2", category="radio", unit=rows["units"]["CZ-TN"])
    with as_role(runtime_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == runtime_role
        services.asset_issue(asset=asset, person=rows["officer"])
        services.asset_return(asset=asset)
        assert list(CustodyEvent.objects.filter(asset=asset).values_list("action", flat=True)) == [
            "receive", "issue", "return"]
    _refused("UPDATE django_migrations SET app = app", "permission denied", runtime_role)


@pytest.mark.parametrize("language, missing, bad, unnamed", [
    (None, "角色 'qm_no_such_role' 不存在", "只能使用小写字母", "请指定运行角色"),  # the default: Chinese
    ("en", "role 'qm_no_such_role' does not exist; create it", "use lower-case letters", "name the runtime role"),
])
def test_dbroles_refuses_a_missing_role_or_a_bad_name(db, language, missing, bad, unnamed):
    with translation.override(language):  # en: qm --lang en / QM_LANGUAGE=en
        with pytest.raises(CommandError, match=missing):
            call_command("dbroles", role="qm_no_such_role")
        with pytest.raises(CommandError, match=bad):
            call_command("dbroles", role="qm; DROP TABLE x")
        with pytest.raises(CommandError, match=unnamed):
            call_command("dbroles")


def test_a_bad_runtime_role_setting_is_a_system_check_error(settings):
    settings.QM_DATABASE_RUNTIME_ROLE = "qm-app; drop"
    assert [e.id for e in dbroles.check_runtime_role_setting()] == ["qm.E301"]
    settings.QM_DATABASE_RUNTIME_ROLE = "qm_app"
    assert dbroles.check_runtime_role_setting() == []


def test_migrate_regrants_the_configured_role(runtime_role, settings):
    """post_migrate re-grants, so a table a later migration adds reaches the runtime role as well."""
    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE ALL ON assets_custodyevent FROM {runtime_role}")
        cursor.execute(f"GRANT UPDATE ON assets_custodyevent TO {runtime_role}")
    settings.QM_DATABASE_RUNTIME_ROLE = runtime_role
    dbroles.grant_after_migrate(apps.get_app_config("quartermaster"), using="default")
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'assets_custodyevent', 'INSERT'), "
                       "has_table_privilege(%s, 'assets_custodyevent', 'UPDATE')", [runtime_role, runtime_role])
        assert cursor.fetchone() == (True, False)
    settings.QM_DATABASE_RUNTIME_ROLE = "qm_no_such_role"
    with pytest.raises(CommandError, match="qm dbroles"):
        dbroles.grant_after_migrate(apps.get_app_config("quartermaster"), using="default")


@pytest.mark.django_db(transaction=True)
def test_qm_dbroles_connects_through_the_migration_url(tmp_path):
    """`qm dbroles` (like `qm migrate`) uses QM_MIGRATION_DATABASE_URL when it is set, QM_DATABASE_URL otherwise."""
    db = connection.settings_dict
    owner_url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {ROLE}_cli NOLOGIN")
    try:
        env = {**os.environ, "QM_DATABASE_URL": f"sqlite:///{tmp_path / 'runtime.sqlite3'}"}
        qm = [sys.executable, "-m", "quartermaster.cli", "dbroles", "--role", f"{ROLE}_cli"]
        alone = subprocess.run(qm, env=env, capture_output=True, text=True, timeout=120)
        assert alone.returncode != 0 and "数据库角色需要 PostgreSQL" in alone.stderr
        english = subprocess.run([*qm[:3], "--lang", "en", *qm[3:]], env=env, capture_output=True, text=True,
                                 timeout=120)
        assert english.returncode != 0 and "database roles need PostgreSQL" in english.stderr
        granted = subprocess.run(qm, env={**env, "QM_MIGRATION_DATABASE_URL": owner_url}, capture_output=True,
                                 text=True, timeout=120)
        assert granted.returncode == 0, granted.stderr
        assert "REVOKE UPDATE, DELETE ON" in granted.stdout and "assets_custodyevent" in granted.stdout
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {ROLE}_cli")
            cursor.execute(f"DROP ROLE {ROLE}_cli")
