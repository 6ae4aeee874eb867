"""Duty calendars: weekly duty schedules per unit, holidays and adjusted working days (调休)."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import ChangeLoggedModel, OrgUnit

from ..choices import HolidayKind


class DutySchedule(ChangeLoggedModel):
    """One shift: on `weekdays` (ISO, 1=Monday; stored "1,2,3,4,5") from `start` to `end`; end <= start runs overnight."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="duty_schedules", verbose_name=_("单位"))
    weekdays = models.CharField(_("星期"), max_length=13)
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))

    class Meta:
        verbose_name = _("值勤时间")
        verbose_name_plural = pgettext_lazy("plural", "值勤时间")
        ordering = ["unit", "weekdays", "start"]
        constraints = [models.UniqueConstraint(fields=["unit", "weekdays", "start", "end"], name="duty_unique_shift")]

    def __str__(self):
        return f"{self.unit.code} {self.weekdays} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.weekdays.split(",") if d)


class Holiday(ChangeLoggedModel):
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=HolidayKind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日调休")
        verbose_name_plural = pgettext_lazy("plural", "节假日调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.kind}"
