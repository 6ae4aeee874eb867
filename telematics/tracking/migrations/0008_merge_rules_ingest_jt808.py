# Joins the 0006 leaves of the rules (Alert.part_of), ingest (dead-letter reasons) and jt808 (0007 alarms) branches.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tracking', '0006_alert_part_of_alter_alert_kind'),
        ('tracking', '0006_deadletter_reason_stale_too_large'),
        ('tracking', '0007_alert_kinds_terminal_alarms'),
    ]

    operations = [
    ]
