"""The use register's own records (公务用车使用登记): fuel and cost entries of a vehicle, and odometer readings."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import ChangeLoggedModel

from ..choices import CostKind
from .vehicles import Vehicle


class VehicleCost(ChangeLoggedModel):
    """A fuel or cost entry, booked to the journey that started at `journey_start` when given (journeys are
    detected from the fixes, so the link is the journey's start), else to the vehicle-day `date`."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="costs", verbose_name=_("车辆"))
    date = models.DateField(_("日期"), db_index=True)
    kind = models.CharField(_("费用类别"), max_length=16, choices=CostKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    litres = models.DecimalField(_("加油量（升）"), max_digits=8, decimal_places=2, null=True, blank=True)
    fuel_card = models.CharField(_("油卡号"), max_length=32, blank=True)
    odometer_km = models.PositiveIntegerField(_("里程表读数（公里）"), null=True, blank=True)
    journey_start = models.DateTimeField(_("所属行程开始时间"), null=True, blank=True)
    receipt = models.ImageField(_("票据照片"), upload_to="vehicles/receipts/", blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    entered_by = models.CharField(_("登记人"), max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("用车费用")
        verbose_name_plural = pgettext_lazy("plural", "用车费用")
        ordering = ["vehicle", "date", "id"]
        indexes = [models.Index(fields=["vehicle", "date"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="cost_amount_not_negative"),
            models.CheckConstraint(condition=models.Q(litres__isnull=True)
                                   | models.Q(kind=CostKind.FUEL, litres__gt=0), name="cost_litres_only_for_fuel"),
        ]

    def __str__(self):
        return f"{self.vehicle_id} {self.date} {self.get_kind_display()} {self.amount}"

    def snapshot(self) -> dict:
        data = super().snapshot()
        data["receipt"] = self.receipt.name or ""
        return data


class OdometerReading(ChangeLoggedModel):
    """The odometer as read at a moment. A journey's odometer distance is the first reading at or after its end
    minus the last reading at or before its start, each taken while the vehicle stood before or after it."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="odometer_readings",
                                verbose_name=_("车辆"))
    read_at = models.DateTimeField(_("读数时间"))
    km = models.PositiveIntegerField(_("里程表读数（公里）"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    entered_by = models.CharField(_("登记人"), max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("里程表读数")
        verbose_name_plural = pgettext_lazy("plural", "里程表读数")
        ordering = ["vehicle", "read_at", "id"]
        constraints = [models.UniqueConstraint(fields=["vehicle", "read_at"], name="odometer_one_per_moment")]

    def __str__(self):
        return f"{self.vehicle_id} {self.read_at:%Y-%m-%d %H:%M} {self.km} km"
