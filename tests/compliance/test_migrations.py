"""The saved reports moving from the registry app to compliance (compliance 0001, assets 0011): a database at the
previous head keeps its rows, its append-only guard and its content type; a new database is built from zero."""
import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from compliance.models import ComplianceSnapshot

PREVIOUS_HEAD = [("assets", "0010_drop_asset_category_id"), ("compliance", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db
def test_a_new_database_has_the_snapshot_table_under_its_old_name():
    executor = MigrationExecutor(connection)
    applied = executor.loader.applied_migrations
    assert ("compliance", "0001_initial") in applied and ("assets", "0011_compliance_snapshot_moves_out") in applied
    assert ComplianceSnapshot._meta.db_table == "assets_compliancesnapshot"
    assert "assets_compliancesnapshot" in connection.introspection.table_names()
    assert not executor.loader.detect_conflicts()


@pytest.mark.django_db(transaction=True)
def test_a_database_at_the_previous_head_keeps_its_saved_reports():
    executor = _migrate(PREVIOUS_HEAD)
    old = executor.loader.project_state([PREVIOUS_HEAD[0]]).apps
    assert "compliancesnapshot" in old.all_models["assets"] and "compliance" not in old.all_models
    unit = old.get_model("assets", "OrgUnit").objects.create(code="CZ", name="局", kind="bureau", path="CZ")
    saved = old.get_model("assets", "ComplianceSnapshot").objects.create(
        standard="jiangsu", unit_id=unit.pk, as_of=dt.date(2026, 1, 1), report={"unit": "CZ"}, context={"n": 1})
    content_type = ContentType.objects.get_or_create(app_label="assets", model="compliancesnapshot")[0]

    executor = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    snapshot = ComplianceSnapshot.objects.get(pk=saved.pk)
    assert (snapshot.standard, snapshot.unit.code, snapshot.report, snapshot.context) == (
        "jiangsu", "CZ", {"unit": "CZ"}, {"n": 1})
    assert ContentType.objects.get_for_model(ComplianceSnapshot).pk == content_type.pk
    assert not ContentType.objects.filter(app_label="assets", model="compliancesnapshot").exists()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE assets_compliancesnapshot SET standard = 'model'")  # the trigger, not the ORM
    assert executor.loader.graph.leaf_nodes() == MigrationExecutor(connection).loader.graph.leaf_nodes()
    assert not MigrationExecutor(connection).migration_plan(executor.loader.graph.leaf_nodes())
