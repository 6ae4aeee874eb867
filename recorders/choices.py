"""Named constants of the recorders app: check kinds and results, the inspection report's row states."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("维护保养")
    PRE_USE = "pre_use", _("使用前检查")


class CheckResult(models.TextChoices):
    OK = "ok", _("正常")
    FAULT = "fault", _("故障")


class InspectionState(models.TextChoices):
    """A brigade in the footage inspection report: inspected within the period, late, or never inspected."""

    INSPECTED = "inspected", _("期内已检查")
    OVERDUE = "overdue", _("逾期未检查")
    NEVER = "never", _("从未检查")
