# Joins the two 0006 migrations of the rules (Alert.part_of, new kinds) and ingest (dead-letter reasons) branches.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tracking', '0006_alert_part_of_alter_alert_kind'),
        ('tracking', '0006_deadletter_reason_stale_too_large'),
    ]

    operations = [
    ]
