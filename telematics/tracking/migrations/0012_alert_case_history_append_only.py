"""A case's history (its steps and their attachments) is append-only in the database too, like the ledger and the
vehicle history: UPDATE, DELETE and TRUNCATE refused (the rules keep an alert whose case was worked on instead of
withdrawing it: telematics/tracking/services.py)."""
from django.db import migrations

from assets.models.immutable import forbid_truncate_sql, forbid_update_delete_sql

TABLES = ("tracking_alertcaseevent", "tracking_alertcaseattachment")


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(forbid_update_delete_sql(table)[0])
            schema_editor.execute(forbid_truncate_sql(table)[0])


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(forbid_truncate_sql(table)[1])
            schema_editor.execute(forbid_update_delete_sql(table)[1])


class Migration(migrations.Migration):
    dependencies = [("tracking", "0011_merge_cases_rollups")]

    operations = [migrations.RunPython(triggers, drop_triggers)]
