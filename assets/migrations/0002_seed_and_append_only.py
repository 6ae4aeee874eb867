"""Seeds the fixed asset categories and item types; makes the ledger and change log append-only in PostgreSQL."""
from django.db import migrations

from assets.models.immutable import forbid_update_delete_sql

APPEND_ONLY_TABLES = ("assets_custodyevent", "assets_changerecord", "assets_personhistory")


def seed(apps, schema_editor):
    from assets.categories import ITEM_TYPES, categories

    Category = apps.get_model("assets", "Category")
    ItemType = apps.get_model("assets", "ItemType")
    for code, name, name_en, officer_only in categories():
        Category.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en,
                                                               "officer_only": officer_only})
    for category, code, name, name_en, years in ITEM_TYPES:
        ItemType.objects.update_or_create(category_id=category, code=code,
                                          defaults={"name": name, "name_en": name_en, "service_years": years})


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(forbid_update_delete_sql(table)[0])


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(forbid_update_delete_sql(table)[1])


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(triggers, drop_triggers),
    ]
