"""Alerts raised by the rules (one per episode, with evidence), the former reviews (history), and the rules'
checkpoint. Whether an alert was a violation is its case (models/cases.py), not its status."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from telematics.models import Vehicle

from ..choices import AlertKind, AlertStatus, ReviewAction


class Alert(models.Model):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("车辆"))
    terminal = models.CharField(_("终端号"), max_length=64)
    kind = models.CharField(_("类型"), max_length=32, choices=AlertKind.choices)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    lat = models.FloatField(_("纬度"), null=True)
    lon = models.FloatField(_("经度"), null=True)
    venue = models.CharField(_("场所"), max_length=200, blank=True, default="")
    venue_category = models.CharField(_("场所类别"), max_length=32, blank=True, default="")
    grid_code = models.CharField(_("网格编码"), max_length=20, blank=True, default="")
    # Where, in words (gis.places: venue, street, community), as worded in Chinese when raised; the parts it was
    # built from are kept in evidence["place_parts"] so a page can word it in the reader's language.
    place = models.CharField(_("地点"), max_length=300, blank=True, default="")
    clause = models.CharField(_("依据条款"), max_length=200)
    dwell_s = models.IntegerField(_("持续秒数"), default=0)
    distance_m = models.FloatField(_("距离（米）"), null=True)
    evidence = models.JSONField(_("证据"), default=dict)
    # The episode this alert belongs to: a venue_parking stop made during an off_duty_use journey.
    part_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="parts",
                                verbose_name=_("所属告警"))
    raised_at = models.DateTimeField(_("告警时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The former acknowledge/dismiss review, kept as history (no longer written; the case is the review now).
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(_("处理意见"), blank=True, default="")

    class Meta:
        verbose_name = _("告警")
        verbose_name_plural = pgettext_lazy("plural", "告警")
        ordering = ["-started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["vehicle", "kind", "started_at"], name="alert_one_per_episode")]
        # updated_at: the live map asks every second for the alerts changed since its last look.
        indexes = [models.Index(fields=["status", "started_at"]), models.Index(fields=["started_at"]),
                   models.Index(fields=["updated_at"], name="alert_updated_at")]

    def __str__(self):
        return f"{self.kind} {self.vehicle_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def place_text(self) -> str:
        """The place label in the reader's language (worded again from its parts), else as stored; an alert raised
        before place labels existed is labelled from the layers as they are now."""
        from gis.places import place_label
        from gis.services import place_labels

        parts = (self.evidence or {}).get("place_parts")
        if parts or self.place or self.lat is None or self.lon is None:
            return place_label(parts, self.place)
        return place_labels([self.lat], [self.lon])[0]


class AlertReview(models.Model):
    """A fleet manager's acknowledgement or dismissal of an alert under the former review (read-only history: no
    longer written). The alert cases replaced it; the migration carried the reviews of case kinds over as case
    events (dismiss → 排除, acknowledge → 批注); the rows stay for the alerts of the other kinds."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(_("处理"), max_length=16, choices=ReviewAction.choices)
    reason = models.TextField(_("理由"), blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("告警处理记录")
        verbose_name_plural = pgettext_lazy("plural", "告警处理记录")
        ordering = ["at", "id"]


class RuleCheckpoint(models.Model):
    """The rules' in-memory state of one ingest worker after the fixes up to `arrival`; a restart loads it
    and replays the fixes stored since, so alerts come out the same as without the restart."""

    worker = models.CharField(max_length=32, unique=True)
    arrival = models.BigIntegerField(default=0)
    state = models.BinaryField()
    saved_at = models.DateTimeField(auto_now=True)
