"""ComplianceSnapshot now belongs to the compliance app (compliance 0001 takes over its table): state only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0010_drop_asset_category_id'),
        ('compliance', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ComplianceSnapshot')],
        ),
    ]
