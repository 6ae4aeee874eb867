"""The vehicle file (一车一档): one row per vehicle, and the records and histories that hang off it."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import ChangeLoggedModel, OrgUnit
from assets.models.immutable import AppendOnlyModel

from ..choices import MaintenanceKind, VehicleChange, VehicleStatus


class Vehicle(ChangeLoggedModel):
    plate = models.CharField(_("车牌号"), max_length=16, unique=True)
    vin = models.CharField(_("车架号"), max_length=17, blank=True)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("所属单位"))
    seats = models.PositiveSmallIntegerField(_("座位数"))
    vehicle_type = models.CharField(_("车辆类型"), max_length=50, blank=True)
    terminal_id = models.CharField(_("定位终端号"), max_length=64, null=True, blank=True, unique=True)
    livery_compliant = models.BooleanField(_("标识涂装合规"), default=False)
    livery_photo = models.ImageField(_("涂装照片"), upload_to="vehicles/livery/", blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=VehicleStatus.choices, default=VehicleStatus.IN_SERVICE)
    acquired = models.DateField(_("购置日期"), null=True, blank=True)
    # Both follow the latest insurance policy / inspection record (kept by telematics.services).
    insurance_expires = models.DateField(_("保险到期"), null=True, blank=True)
    inspection_expires = models.DateField(_("年检到期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("执法车辆")
        verbose_name_plural = pgettext_lazy("plural", "执法车辆")
        ordering = ["plate"]

    def __str__(self):
        return self.plate

    def snapshot(self) -> dict:
        data = super().snapshot()
        data["livery_photo"] = self.livery_photo.name or ""  # the change log stores the file's name
        return data


class VehicleHistory(AppendOnlyModel):
    """The vehicle's unit and status from `effective` on; answers "where was it, in what state, on date D"."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="history", verbose_name=_("车辆"))
    effective = models.DateField(_("生效日期"), db_index=True)
    change = models.CharField(_("变动"), max_length=16, choices=VehicleChange.choices)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属单位"))
    status = models.CharField(_("状态"), max_length=16, choices=VehicleStatus.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    username = models.CharField(_("经办人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("车辆履历")
        verbose_name_plural = pgettext_lazy("plural", "车辆履历")
        ordering = ["vehicle", "effective", "id"]
        indexes = [models.Index(fields=["vehicle", "effective", "id"])]

    def __str__(self):
        return f"{self.vehicle_id} {self.effective} {self.change}"


class TerminalBinding(models.Model):
    """A GPS terminal bound to a vehicle from `bound_at` until `unbound_at` (open while bound)."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="terminal_bindings",
                                verbose_name=_("车辆"))
    terminal_id = models.CharField(_("定位终端号"), max_length=64, db_index=True)
    bound_at = models.DateTimeField(_("绑定时间"))
    unbound_at = models.DateTimeField(_("解绑时间"), null=True, blank=True)
    username = models.CharField(_("经办人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("终端绑定记录")
        verbose_name_plural = pgettext_lazy("plural", "终端绑定记录")
        ordering = ["vehicle", "bound_at", "id"]
        constraints = [
            # A terminal is bound to at most one vehicle at a time, a vehicle to at most one terminal.
            models.UniqueConstraint(fields=["terminal_id"], condition=models.Q(unbound_at__isnull=True),
                                    name="binding_one_open_per_terminal"),
            models.UniqueConstraint(fields=["vehicle"], condition=models.Q(unbound_at__isnull=True),
                                    name="binding_one_open_per_vehicle"),
            models.CheckConstraint(condition=models.Q(unbound_at__isnull=True) | models.Q(unbound_at__gte=models.F("bound_at")),
                                   name="binding_unbound_after_bound"),
        ]

    def __str__(self):
        return f"{self.terminal_id} → {self.vehicle_id}"


class MaintenanceRecord(ChangeLoggedModel):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="maintenance", verbose_name=_("车辆"))
    kind = models.CharField(_("类别"), max_length=16, choices=MaintenanceKind.choices, default=MaintenanceKind.MAINTENANCE)
    date = models.DateField(_("日期"))
    odometer_km = models.PositiveIntegerField(_("里程（公里）"), null=True, blank=True)
    work_done = models.TextField(_("维修保养内容"))
    cost = models.DecimalField(_("费用（元）"), max_digits=10, decimal_places=2, default=0)
    workshop = models.CharField(_("维修单位"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("维修保养记录")
        verbose_name_plural = pgettext_lazy("plural", "维修保养记录")
        ordering = ["vehicle", "-date", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(cost__gte=0), name="maintenance_cost_not_negative")]

    def __str__(self):
        return f"{self.vehicle_id} {self.date} {self.get_kind_display()}"


class InsurancePolicy(ChangeLoggedModel):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="insurance", verbose_name=_("车辆"))
    insurer = models.CharField(_("保险公司"), max_length=100, blank=True)
    policy_no = models.CharField(_("保单号"), max_length=64, blank=True)
    starts = models.DateField(_("起保日期"))
    expires = models.DateField(_("到期日期"))
    premium = models.DecimalField(_("保费（元）"), max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("保险记录")
        verbose_name_plural = pgettext_lazy("plural", "保险记录")
        ordering = ["vehicle", "-expires", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(expires__gte=models.F("starts")),
                                              name="insurance_expires_after_start")]

    def __str__(self):
        return f"{self.vehicle_id} {self.starts}–{self.expires}"


class Inspection(ChangeLoggedModel):
    """An annual inspection (年检): passed on `inspected_on`, valid until `expires`."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("车辆"))
    inspected_on = models.DateField(_("检验日期"))
    expires = models.DateField(_("有效期至"))
    station = models.CharField(_("检测机构"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("年检记录")
        verbose_name_plural = pgettext_lazy("plural", "年检记录")
        ordering = ["vehicle", "-expires", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(expires__gte=models.F("inspected_on")),
                                              name="inspection_expires_after_inspection")]

    def __str__(self):
        return f"{self.vehicle_id} {self.inspected_on}–{self.expires}"


class VehicleSeal(ChangeLoggedModel):
    """A sealed (封存) period of the vehicle, local dates with both days included: it must not move meanwhile
    (alert sealed_vehicle_moved); the key holder keeps the keys, the photo shows the sealed car."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="seals", verbose_name=_("车辆"))
    sealed_from = models.DateField(_("封存开始日期"))
    sealed_to = models.DateField(_("封存结束日期"))
    key_holder = models.CharField(_("钥匙保管人"), max_length=100, blank=True)
    photo = models.ImageField(_("封存照片"), upload_to="vehicles/seals/", blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    username = models.CharField(_("经办人"), max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("封存记录")
        verbose_name_plural = pgettext_lazy("plural", "封存记录")
        ordering = ["vehicle", "-sealed_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sealed_to__gte=models.F("sealed_from")),
                                   name="seal_ends_after_start"),
            models.UniqueConstraint(fields=["vehicle", "sealed_from"], name="seal_one_per_start"),
        ]

    def __str__(self):
        return f"{self.vehicle_id} {self.sealed_from}–{self.sealed_to}"

    def snapshot(self) -> dict:
        data = super().snapshot()
        data["photo"] = self.photo.name or ""
        return data


class VehiclePhoto(ChangeLoggedModel):
    """A photo in the vehicle's file (damage, a repair, the car as handed over); served only to users who may see
    the vehicle (telematics.views.vehicle_photo), never from a public media URL."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="photos", verbose_name=_("车辆"))
    image = models.ImageField(_("照片"), upload_to="vehicles/photos/")
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    taken_on = models.DateField(_("拍摄日期"), null=True, blank=True)
    username = models.CharField(_("经办人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("车辆照片")
        verbose_name_plural = pgettext_lazy("plural", "车辆照片")
        ordering = ["vehicle", "-created_at", "-id"]

    def __str__(self):
        return f"{self.vehicle_id} {self.image.name}"

    def snapshot(self) -> dict:
        data = super().snapshot()
        data["image"] = self.image.name or ""  # the change log stores the file's name
        return data
