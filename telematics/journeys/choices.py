"""Named constants of journeys: the classes of a trip against the approved trips (SPEC "Trips")."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class JourneyClass(models.TextChoices):
    MATCHED = "matched", _("有单有轨")
    OVERTIME = "overtime", _("超时")
    OFF_ROUTE = "off_route", _("超范围")
    DUTY = "duty", _("执勤")
    NO_ORDER = "no_order", _("有轨无单")
    # Not a trip's class: an approved trip that no trip was driven for, in the reports.
    UNUSED = "unused", _("有单无轨")
