"""The position store: every stored fix (identified by terminal and time) and the per-fix legs the rules derive.

On PostgreSQL with TimescaleDB both tables become hypertables (see migrations/0003); otherwise they are plain
tables with BRIN indexes on time. `arrival` orders fixes as they were stored, so the rules can be replayed
from a checkpoint exactly as they ran."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from telematics.models import Vehicle


class Position(models.Model):
    pk = models.CompositePrimaryKey("terminal", "ts")
    terminal = models.CharField(_("终端号"), max_length=64)
    ts = models.DateTimeField(_("定位时间"))
    # No index of its own: (vehicle, ts) below serves every lookup by vehicle, and each index costs the ingest.
    vehicle = models.ForeignKey(Vehicle, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                db_index=False, related_name="+", verbose_name=_("车辆"))
    lat = models.FloatField(_("纬度"))
    lon = models.FloatField(_("经度"))
    speed = models.FloatField(_("速度（公里/小时）"), null=True)
    heading = models.FloatField(_("方向"), null=True)
    acc = models.BooleanField(_("点火"), null=True)
    seq = models.BigIntegerField(null=True)
    grid_code = models.CharField(_("网格编码"), max_length=20, blank=True, default="")
    venue_id = models.IntegerField(null=True)
    received_at = models.DateTimeField(_("接收时间"))
    arrival = models.BigIntegerField(null=True, db_index=True)
    # What a terminal reports beyond the contract's fields, as it reported it: the JT/T 808 alarm and status words
    # and additional items (mileage, fuel, recorder speed, signal, satellites); None for a plain fix.
    attrs = models.JSONField(_("附加信息"), null=True, blank=True)

    class Meta:
        verbose_name = _("定位")
        verbose_name_plural = pgettext_lazy("plural", "定位")
        indexes = [models.Index(fields=["vehicle", "ts"], name="position_vehicle_ts")]

    def __str__(self):
        return f"{self.terminal} {self.ts:%Y-%m-%d %H:%M:%S}"


class Leg(models.Model):
    """What the rules made of one fix, in event-time order: distance from the previous fix (0 while stopped,
    so GPS drift adds nothing), time since it (capped), and the grid cell. Mileage and coverage sum these."""

    pk = models.CompositePrimaryKey("vehicle_id", "ts")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                                related_name="+")  # the primary key (vehicle_id, ts) is its index
    ts = models.DateTimeField()
    grid_code = models.CharField(max_length=20, blank=True, default="")
    dist_m = models.FloatField(default=0)
    secs = models.FloatField(default=0)
    moving = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("行驶分段")
        verbose_name_plural = pgettext_lazy("plural", "行驶分段")
