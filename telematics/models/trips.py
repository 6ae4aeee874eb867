"""Approved trips (派车单): a vehicle may move in this window, optionally to this destination."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import ChangeLoggedModel

from ..choices import TripStatus
from .vehicles import Vehicle


class Trip(ChangeLoggedModel):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="trips", verbose_name=_("车辆"))
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    purpose = models.CharField(_("事由"), max_length=200)
    destination = models.CharField(_("目的地"), max_length=200, blank=True)
    dest_lat = models.FloatField(_("目的地纬度"), null=True, blank=True)
    dest_lon = models.FloatField(_("目的地经度"), null=True, blank=True)
    dest_radius_m = models.PositiveIntegerField(_("目的地半径（米）"), default=100)
    driver = models.CharField(_("驾驶员"), max_length=100, blank=True)
    passengers = models.CharField(_("乘车人"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=TripStatus.choices, default=TripStatus.REQUESTED)
    approved_by = models.CharField(_("批准人"), max_length=100, blank=True)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("审批账号"))
    requested_by = models.CharField(_("申请人"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("派车单")
        verbose_name_plural = pgettext_lazy("plural", "派车单")
        ordering = ["vehicle", "start"]
        indexes = [models.Index(fields=["vehicle", "start", "end"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="trip_end_after_start"),
            models.CheckConstraint(condition=models.Q(dest_lat__isnull=True, dest_lon__isnull=True)
                                   | models.Q(dest_lat__isnull=False, dest_lon__isnull=False),
                                   name="trip_destination_both_or_none"),
        ]

    def __str__(self):
        return f"{self.vehicle.plate} {self.start:%Y-%m-%d %H:%M} {self.purpose}"
