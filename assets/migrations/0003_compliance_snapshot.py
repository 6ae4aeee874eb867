"""Saved compliance reports (append-only: a saved report is evidence and never changes)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from assets.models.immutable import forbid_update_delete_sql


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(forbid_update_delete_sql("assets_compliancesnapshot")[0])


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(forbid_update_delete_sql("assets_compliancesnapshot")[1])


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0002_seed_and_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['unit', 'standard', 'as_of'], name='assets_comp_unit_id_43cc53_idx')],
            },
        ),
        migrations.RunPython(triggers, drop_triggers),
    ]
