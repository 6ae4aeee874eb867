"""Late orders (补单): an approved trip filed after the fact for a trip that had none, with the reason; it takes
effect only once a second person approves it, and stays in the history either way."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import ChangeLoggedModel
from telematics.models import Trip


class LateOrder(ChangeLoggedModel):
    trip = models.OneToOneField(Trip, on_delete=models.CASCADE, related_name="late_order", verbose_name=_("派车单"))
    journey_start = models.DateTimeField(_("行程开始"))
    journey_end = models.DateTimeField(_("行程结束"))
    reason = models.TextField(_("补单理由"))
    requested_by = models.CharField(_("申请人"), max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("补单")
        verbose_name_plural = pgettext_lazy("plural", "补单")
        ordering = ["journey_start", "pk"]

    def __str__(self):
        return f"{self.trip_id} {self.journey_start:%Y-%m-%d %H:%M}"
