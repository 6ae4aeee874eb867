"""The append-only tables refuse TRUNCATE too (PostgreSQL): row triggers never see a TRUNCATE."""
from django.db import migrations

from assets.models.immutable import forbid_truncate_sql

TABLES = ("assets_custodyevent", "assets_changerecord", "assets_personhistory", "assets_compliancesnapshot")


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(forbid_truncate_sql(table)[0])


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(forbid_truncate_sql(table)[1])


class Migration(migrations.Migration):
    dependencies = [("assets", "0004_compliance_indexes")]

    operations = [migrations.RunPython(triggers, drop_triggers)]
