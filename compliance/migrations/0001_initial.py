"""The saved compliance reports move here from the registry app: same table, same triggers, only the state moves."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Permissions and admin history keep pointing at the model under its new app label."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="assets", model="compliancesnapshot").update(app_label="compliance")


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="compliance", model="compliancesnapshot").update(app_label="assets")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('assets', '0010_drop_asset_category_id'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ComplianceSnapshot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('standard', models.CharField(max_length=32, verbose_name='标准')),
                        ('as_of', models.DateField(verbose_name='核查日期')),
                        ('report', models.JSONField(verbose_name='报告')),
                        ('context', models.JSONField(verbose_name='报告附加信息')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='保存时间')),
                        ('created_by_name', models.CharField(blank=True, max_length=150, verbose_name='保存人')),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='保存人')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='assets.orgunit', verbose_name='单位')),
                    ],
                    options={
                        'verbose_name': '合规报告存档',
                        'verbose_name_plural': '合规报告存档',
                        'db_table': 'assets_compliancesnapshot',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['unit', 'standard', 'as_of'], name='assets_comp_unit_id_43cc53_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
