"""The trips and stops detected for one vehicle's finished local day, stored so reports over a month read ~30 rows
instead of every fix (journeys.stored). Not a record of anything: it is recomputed from the fixes whenever it is
missing, dirty (a late fix touched the fixes its detection read) or made under other settings (`digest`)."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from telematics.models import Vehicle


class TripDay(models.Model):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                                verbose_name=_("车辆"))
    day = models.DateField(_("日期"))
    # The detection settings and the vehicle's terminal bindings it was computed under ("" for a mark alone).
    digest = models.CharField(max_length=40, blank=True)
    # A fix stored after the detection, inside the fixes it read (set by the ingest; `marks` counts such marks, so a
    # detection racing one never overwrites it as clean).
    dirty = models.BooleanField(default=False)
    marks = models.IntegerField(default=0)
    journeys = models.TextField(blank=True)  # JSON: the trips of the detection window, in time order
    stops = models.TextField(blank=True)  # JSON: its stops
    points = models.BinaryField(blank=True)  # float64 latitudes then longitudes of each trip's fixes, trip after trip
    computed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("车辆日行程")
        verbose_name_plural = pgettext_lazy("plural", "车辆日行程")
        constraints = [models.UniqueConstraint(fields=["vehicle", "day"], name="tripday_vehicle_day")]

    def __str__(self):
        return f"{self.vehicle_id} {self.day}"
