"""Hand-over receipts (交接单): one numbered document per hand-over; the ledger events carry its number."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import OrgUnit, Person

from ..choices import ReceiptKind


class HandoverReceipt(models.Model):
    number = models.CharField(_("交接单号"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=ReceiptKind.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("领用/交回人"))
    # The second person of a two-person hand-over (the incoming seal custodian).
    counterpart = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("接收人"))
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("单位"))
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name="+")
    username = models.CharField(_("经办人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("交接单")
        verbose_name_plural = pgettext_lazy("plural", "交接单")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number
