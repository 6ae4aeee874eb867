"""The custody ledger: one append-only event per movement; each event carries the state it leaves behind."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import AssetStatus, CustodyAction
from .immutable import AppendOnlyModel
from .org import OrgUnit, Person
from .registry import Asset


class CustodyEvent(AppendOnlyModel):
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="events", verbose_name=_("装备"))
    action = models.CharField(_("动作"), max_length=16, choices=CustodyAction.choices)
    occurred_at = models.DateTimeField(_("发生时间"), db_index=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="custody_events",
                               verbose_name=_("人员"))
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("单位"))
    date_lost = models.DateField(_("遗失日期"), null=True, blank=True)
    date_reported = models.DateField(_("报告日期"), null=True, blank=True)
    receipt_no = models.CharField(_("交接单号"), max_length=64, blank=True, db_index=True)
    note = models.TextField(_("备注"), blank=True)
    # The state this event leaves the asset in; "as of" questions read the last event before a moment.
    status_after = models.CharField(max_length=16, choices=AssetStatus.choices)
    unit_after = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    holder_person_after = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    holder_unit_after = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expires_after = models.DateField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                             db_constraint=False,
                             related_name="+")
    username = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("保管记录")
        verbose_name_plural = pgettext_lazy("plural", "保管记录")
        ordering = ["asset", "occurred_at", "id"]
        indexes = [
            models.Index(fields=["asset", "occurred_at", "id"]),
            # Compliance reads one kind of movement up to a date (lost certificates) from this index alone.
            models.Index(fields=["action", "occurred_at"],
                         include=["asset", "unit_after", "date_lost", "date_reported"], name="custody_action_occurred"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d} {self.get_action_display()} {self.asset_id}"
