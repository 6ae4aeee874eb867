"""Named constants of vehicle files, duty calendars and trips."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class VehicleStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("在用")
    IN_REPAIR = "in_repair", _("维修中")
    RETIRED = "retired", _("报废")


# Seats of these count toward vehicle-seats-per-officer. There is no lending status (严禁外借).
COUNTED_VEHICLE_STATUSES = (VehicleStatus.IN_SERVICE, VehicleStatus.IN_REPAIR)


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("节假日")
    WORKDAY = "workday", _("调休工作日")


class TripStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已驳回")
    CANCELLED = "cancelled", _("已取消")


class MaintenanceKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("保养")
    REPAIR = "repair", _("维修")


class VehicleChange(models.TextChoices):
    """What a vehicle history row records."""

    REGISTERED = "registered", _("建档")
    TRANSFER = "transfer", _("调拨")
    STATUS = "status", _("状态变更")


class DossierGap(models.TextChoices):
    """What keeps a vehicle file from being complete (rule vehicle-dossier)."""

    VIN_MISSING = "vin_missing", _("缺少车架号")
    ACQUIRED_MISSING = "acquired_missing", _("缺少购置日期")
    INSURANCE_MISSING = "insurance_missing", _("缺少保险记录")
    INSURANCE_EXPIRED = "insurance_expired", _("保险已过期")
    INSPECTION_MISSING = "inspection_missing", _("缺少年检记录")
    INSPECTION_EXPIRED = "inspection_expired", _("年检已过期")


class CostKind(models.TextChoices):
    """What a fuel or cost entry of the use register (公务用车使用登记) pays for."""

    FUEL = "fuel", _("加油")
    TOLL = "toll", _("通行费")
    PARKING = "parking", _("停车费")
    REPAIR = "repair", _("维修保养")
    WASH = "wash", _("洗车")
    OTHER = "other", _("其他")
