"""Loss reports of enforcement certificates (执法证): the 3-day rule and the replacement issued."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import Asset, Person


class CertificateLossReport(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="certificate_losses",
                               verbose_name=_("人员"))
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+", verbose_name=_("遗失证件"))
    cert_no = models.CharField(_("证件号"), max_length=64)
    date_lost = models.DateField(_("遗失日期"))
    date_reported = models.DateField(_("报告日期"))
    # Reported more than 3 days after the loss (SPEC certificate-loss-reported).
    reported_late = models.BooleanField(_("逾期报告"), default=False)
    replacement = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("补发证件"))
    replacement_no = models.CharField(_("补发证件号"), max_length=64, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("证件遗失报告")
        verbose_name_plural = pgettext_lazy("plural", "证件遗失报告")
        ordering = ["-date_reported", "-id"]

    def __str__(self):
        return f"{self.cert_no} {self.person} {self.date_lost}"
