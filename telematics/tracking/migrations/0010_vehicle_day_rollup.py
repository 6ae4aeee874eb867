"""The daily rollup of the legs: the table `tracking_vehicleday` everywhere (kept by the ingest without TimescaleDB),
and with TimescaleDB (where migration 0003 made the legs a hypertable) the continuous aggregate
`tracking_daily_rollup` the reports read instead (telematics/tracking/rollups.py)."""
import django.db.models.deletion
import telematics.tracking.models.rollups
from django.db import migrations, models


def create_aggregate(apps, schema_editor):
    from telematics.tracking.rollups import AGGREGATE_DDL

    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('tracking_daily_mileage') IS NOT NULL")  # 0003 took the TimescaleDB path
        if cur.fetchone()[0]:
            for statement in AGGREGATE_DDL:
                cur.execute(statement)


class Migration(migrations.Migration):
    # A continuous aggregate cannot be created inside a transaction block.
    atomic = False

    dependencies = [
        ('telematics', '0006_vehicleseal'),
        ('tracking', '0009_alert_kinds_deadletter_reasons'),
    ]

    operations = [
        migrations.CreateModel(
            name='VehicleDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='日期')),
                ('dist_m', models.FloatField(default=0, verbose_name='里程（米）')),
                ('moving_s', models.FloatField(default=0, verbose_name='行驶时长（秒）')),
                ('stopped_s', models.FloatField(default=0, verbose_name='停车时长（秒）')),
                ('fixes', models.IntegerField(default=0, verbose_name='定位数')),
                ('minutes', telematics.tracking.models.rollups.MinuteSetField(default=0, verbose_name='有定位的分钟')),
                ('trips', models.IntegerField(null=True, verbose_name='行程数')),
                ('vehicle', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='telematics.vehicle', verbose_name='车辆')),
            ],
            options={
                'verbose_name': '车辆日汇总',
                'verbose_name_plural': '车辆日汇总',
                'constraints': [models.UniqueConstraint(fields=('vehicle', 'day'), name='vehicleday_vehicle_day')],
            },
        ),
        migrations.RunPython(create_aggregate, migrations.RunPython.noop),
    ]
