"""The vehicle file: one row per vehicle; its histories hang off it."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from assets.models import ChangeLoggedModel, OrgUnit

from ..choices import VehicleStatus


class Vehicle(ChangeLoggedModel):
    plate = models.CharField(_("车牌号"), max_length=16, unique=True)
    vin = models.CharField(_("车架号"), max_length=17, blank=True)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("所属单位"))
    seats = models.PositiveSmallIntegerField(_("座位数"))
    vehicle_type = models.CharField(_("车辆类型"), max_length=50, blank=True)
    terminal_id = models.CharField(_("定位终端号"), max_length=64, null=True, blank=True, unique=True)
    livery_compliant = models.BooleanField(_("标识涂装合规"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=VehicleStatus.choices, default=VehicleStatus.IN_SERVICE)
    acquired = models.DateField(_("购置日期"), null=True, blank=True)
    insurance_expires = models.DateField(_("保险到期"), null=True, blank=True)
    inspection_expires = models.DateField(_("年检到期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("执法车辆")
        verbose_name_plural = _("执法车辆")
        ordering = ["plate"]

    def __str__(self):
        return self.plate
