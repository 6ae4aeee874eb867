"""Personal information in the tracks (PIPL art. 28, 行踪轨迹): the log of who viewed which vehicle's track and why,
and the legal holds that keep fixes from the retention purge (telematics/privacy.py, telematics/tracking/retention.py)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models.immutable import AppendOnlyModel
from telematics.models import Vehicle


class TrackAccess(AppendOnlyModel):
    """One view of a track that needed a stated purpose (outside duty hours, or older than
    QM_TRACK_PURPOSE_AFTER_DAYS): who, which vehicle and window, why, through which path. Append-only in the
    database too (migration 0014)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("账号"))
    username = models.CharField(_("查看人"), max_length=150)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="+", verbose_name=_("车辆"))
    plate = models.CharField(_("车牌号"), max_length=20)
    start = models.DateTimeField(_("轨迹开始"), null=True, blank=True)  # None: from the first fix on
    end = models.DateTimeField(_("轨迹结束"))
    purpose = models.TextField(_("查看目的"))
    case_no = models.CharField(_("案件编号"), max_length=64, blank=True, default="")
    # Why a purpose was needed: off_duty (the window touches time outside the unit's duty hours), older, or both.
    reasons = models.CharField(_("须说明的原因"), max_length=32)
    path = models.CharField(_("查看途径"), max_length=64)
    at = models.DateTimeField(_("查看时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("轨迹查看记录")
        verbose_name_plural = pgettext_lazy("plural", "轨迹查看记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["vehicle", "at"], name="trackaccess_vehicle_at")]

    def __str__(self):
        return f"{self.username} {self.plate} {self.at:%Y-%m-%d %H:%M}"


class FixHold(models.Model):
    """A manual legal hold (法律保全): the vehicle's fixes and legs in [start, end] are never purged while the hold
    is not released. Fixes of alerts handled as cases are held without one (the view tracking_fixholdwindow)."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="+", verbose_name=_("车辆"))
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    reason = models.CharField(_("保全理由"), max_length=200)
    case_no = models.CharField(_("案件编号"), max_length=64, blank=True, default="")
    created_by = models.CharField(_("设置人"), max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)
    released_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    released_by = models.CharField(_("解除人"), max_length=150, blank=True, default="")

    class Meta:
        verbose_name = _("轨迹保全")
        verbose_name_plural = pgettext_lazy("plural", "轨迹保全")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="fixhold_end_after_start")]

    def __str__(self):
        return f"{self.vehicle_id} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d} {self.reason}"
