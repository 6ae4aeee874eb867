"""Seal custody hand-overs (two people, one receipt) and the optional seal usage log."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import Asset, Person

from .receipts import HandoverReceipt


class SealHandover(models.Model):
    seal = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="seal_handovers", verbose_name=_("印章"))
    outgoing = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("移交人"))
    incoming = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("接收人"))
    at = models.DateTimeField(_("交接时间"))
    receipt = models.OneToOneField(HandoverReceipt, on_delete=models.PROTECT, related_name="seal_handover",
                                   verbose_name=_("交接单"))

    class Meta:
        verbose_name = _("印章交接")
        verbose_name_plural = pgettext_lazy("plural", "印章交接")
        ordering = ["seal", "at", "id"]

    def __str__(self):
        return f"{self.seal.tag} {self.outgoing.name} → {self.incoming.name}"


class SealUsage(models.Model):
    seal = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="seal_usages", verbose_name=_("印章"))
    used_on = models.DateField(_("用印日期"))
    document = models.CharField(_("文件"), max_length=300)
    used_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("用印人"))
    custodian = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("保管人"))
    note = models.TextField(_("备注"), blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    username = models.CharField(_("登记人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("用印登记")
        verbose_name_plural = pgettext_lazy("plural", "用印登记")
        ordering = ["seal", "-used_on", "-id"]

    def __str__(self):
        return f"{self.seal.tag} {self.used_on} {self.document}"
