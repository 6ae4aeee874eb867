"""A vehicle's history (一车一档) is append-only in the database too: UPDATE, DELETE and TRUNCATE refused."""
from django.db import migrations

from assets.models.immutable import forbid_truncate_sql, forbid_update_delete_sql

TABLE = "telematics_vehiclehistory"


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(forbid_update_delete_sql(TABLE)[0])
        schema_editor.execute(forbid_truncate_sql(TABLE)[0])


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(forbid_truncate_sql(TABLE)[1])
        schema_editor.execute(forbid_update_delete_sql(TABLE)[1])


class Migration(migrations.Migration):
    dependencies = [("telematics", "0004_livery_photo_image")]

    operations = [migrations.RunPython(triggers, drop_triggers)]
