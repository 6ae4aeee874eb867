"""Alerts handled as cases (告警核查): the case of an alert, its dated steps (append-only) and the attachments of
the unit's explanations. A `venue_parking` stop that is `part_of` an `off_duty_use` journey has no case of its own:
the journey's case covers both."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models.immutable import AppendOnlyModel

from ..choices import CaseAction, CaseState
from .alerts import Alert


class AlertCase(models.Model):
    """The case of one alert: its state and the deadline of the unit's explanation. Opened when first needed (the
    case page, or its first step); until then the alert reads as 待说明 with the default deadline."""

    alert = models.OneToOneField(Alert, on_delete=models.CASCADE, related_name="case", verbose_name=_("告警"))
    state = models.CharField(_("核查状态"), max_length=16, choices=CaseState.choices, default=CaseState.PENDING)
    deadline = models.DateTimeField(_("说明期限"))
    opened_at = models.DateTimeField(_("立案时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("告警核查")
        verbose_name_plural = pgettext_lazy("plural", "告警核查")
        ordering = ["-alert__started_at", "pk"]
        indexes = [models.Index(fields=["state", "deadline"], name="alertcase_state_deadline")]

    def __str__(self):
        return f"case {self.alert_id} {self.state}"


class AlertCaseEvent(AppendOnlyModel):
    """One step of a case: who did what, when, from which state to which, with the text (explanation or reason)."""

    case = models.ForeignKey(AlertCase, on_delete=models.CASCADE, related_name="events", verbose_name=_("告警核查"))
    action = models.CharField(_("操作"), max_length=16, choices=CaseAction.choices)
    from_state = models.CharField(_("原状态"), max_length=16, choices=CaseState.choices)
    to_state = models.CharField(_("新状态"), max_length=16, choices=CaseState.choices)
    text = models.TextField(_("内容"), blank=True, default="")
    # An explanation may point at the 补单 (late order) that regularises the trip.
    late_order = models.ForeignKey("journeys.LateOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("补单"))
    deadline = models.DateTimeField(_("说明期限"), null=True, blank=True)  # set when the step gives a new one
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(_("操作人"), max_length=150)
    role = models.CharField(_("角色"), max_length=32, blank=True, default="")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("告警核查记录")
        verbose_name_plural = pgettext_lazy("plural", "告警核查记录")
        ordering = ["at", "pk"]


class AlertCaseAttachment(AppendOnlyModel):
    """A file sent with an explanation (a photo of the work order, a scan of the 补单)."""

    event = models.ForeignKey(AlertCaseEvent, on_delete=models.CASCADE, related_name="attachments",
                              verbose_name=_("告警核查记录"))
    file = models.FileField(_("附件"), upload_to="alert-cases/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("告警核查附件")
        verbose_name_plural = pgettext_lazy("plural", "告警核查附件")
        ordering = ["pk"]

    def __str__(self):
        return self.name
