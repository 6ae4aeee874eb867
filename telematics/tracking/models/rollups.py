"""The daily rollup of each vehicle's legs (distance, moving and stopped time, fixes, the minutes with a fix), kept by the ingest
where TimescaleDB is absent; with TimescaleDB the continuous aggregate `tracking_daily_rollup` holds the same
(see telematics/tracking/rollups.py)."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from telematics.models import Vehicle

MINUTES_PER_DAY = 1440


def minutes_to_text(value: int) -> str:
    """A set of minutes (bit m of the int = minute m of the day) as the text of a bit(1440): minute 0 first."""
    return format(value, f"0{MINUTES_PER_DAY}b")[::-1]


def minutes_from_text(text: str | None) -> int:
    return int(text[::-1], 2) if text else 0


class MinuteSetField(models.Field):
    """The minutes of a local day as a set, an int in Python (bit m = minute m). bit(1440) on PostgreSQL, so
    `bit_or` and `|` combine them in SQL; text of 0 and 1 elsewhere."""

    def db_type(self, connection):
        return f"bit({MINUTES_PER_DAY})" if connection.vendor == "postgresql" else "text"

    def from_db_value(self, value, expression, connection):
        return minutes_from_text(value)

    def to_python(self, value):
        return minutes_from_text(value) if isinstance(value, str) else (value or 0)

    def get_prep_value(self, value):
        return minutes_to_text(int(value or 0))


class VehicleDay(models.Model):
    """One vehicle's local day (Asia/Shanghai) summed from its legs (one leg per stored fix)."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                                verbose_name=_("车辆"))
    day = models.DateField(_("日期"))
    dist_m = models.FloatField(_("里程（米）"), default=0)
    moving_s = models.FloatField(_("行驶时长（秒）"), default=0)
    stopped_s = models.FloatField(_("停车时长（秒）"), default=0)
    fixes = models.IntegerField(_("定位数"), default=0)
    minutes = MinuteSetField(_("有定位的分钟"), default=0)
    # Trips starting this day, counted by `qm rollup` once the day is over (None: not counted yet; the reports then
    # detect them from the fixes). The only column kept beside the continuous aggregate too.
    trips = models.IntegerField(_("行程数"), null=True)

    class Meta:
        verbose_name = _("车辆日汇总")
        verbose_name_plural = pgettext_lazy("plural", "车辆日汇总")
        constraints = [models.UniqueConstraint(fields=["vehicle", "day"], name="vehicleday_vehicle_day")]

    def __str__(self):
        return f"{self.vehicle_id} {self.day}"
