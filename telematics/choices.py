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
