"""Track views that needed a purpose (append-only, like the case history: UPDATE, DELETE, TRUNCATE refused) and
manual legal holds of fixes (PIPL art. 28)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from assets.models.immutable import forbid_truncate_sql, forbid_update_delete_sql

TABLE = "tracking_trackaccess"


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(forbid_update_delete_sql(TABLE)[0])
        schema_editor.execute(forbid_truncate_sql(TABLE)[0])


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(forbid_truncate_sql(TABLE)[1])
        schema_editor.execute(forbid_update_delete_sql(TABLE)[1])


class Migration(migrations.Migration):

    dependencies = [
        ('telematics', '0008_use_register_costs_odometer_trip_driver'),
        ('tracking', '0013_merge_alert_place_case_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FixHold',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.DateTimeField(verbose_name='开始时间')),
                ('end', models.DateTimeField(verbose_name='结束时间')),
                ('reason', models.CharField(max_length=200, verbose_name='保全理由')),
                ('case_no', models.CharField(blank=True, default='', max_length=64, verbose_name='案件编号')),
                ('created_by', models.CharField(blank=True, default='', max_length=150, verbose_name='设置人')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='设置时间')),
                ('released_at', models.DateTimeField(blank=True, null=True, verbose_name='解除时间')),
                ('released_by', models.CharField(blank=True, default='', max_length=150, verbose_name='解除人')),
                ('vehicle', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='telematics.vehicle', verbose_name='车辆')),
            ],
            options={
                'verbose_name': '轨迹保全',
                'verbose_name_plural': '轨迹保全',
                'ordering': ['-created_at', '-pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('end__gt', models.F('start'))), name='fixhold_end_after_start')],
            },
        ),
        migrations.CreateModel(
            name='TrackAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('username', models.CharField(max_length=150, verbose_name='查看人')),
                ('plate', models.CharField(max_length=20, verbose_name='车牌号')),
                ('start', models.DateTimeField(blank=True, null=True, verbose_name='轨迹开始')),
                ('end', models.DateTimeField(verbose_name='轨迹结束')),
                ('purpose', models.TextField(verbose_name='查看目的')),
                ('case_no', models.CharField(blank=True, default='', max_length=64, verbose_name='案件编号')),
                ('reasons', models.CharField(max_length=32, verbose_name='须说明的原因')),
                ('path', models.CharField(max_length=64, verbose_name='查看途径')),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='查看时间')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='账号')),
                ('vehicle', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='telematics.vehicle', verbose_name='车辆')),
            ],
            options={
                'verbose_name': '轨迹查看记录',
                'verbose_name_plural': '轨迹查看记录',
                'ordering': ['-at', '-pk'],
                'indexes': [models.Index(fields=['vehicle', 'at'], name='trackaccess_vehicle_at')],
            },
        ),
        migrations.RunPython(triggers, drop_triggers),
    ]
