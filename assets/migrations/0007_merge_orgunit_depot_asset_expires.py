# Joins the 0006 leaves of the rules (unit depots) and compliance (asset expiry) branches.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0006_asset_expires_aux_categories'),
        ('assets', '0006_orgunit_depot'),
    ]

    operations = [
    ]
