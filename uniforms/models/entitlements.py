"""Uniform entitlements per item type (建督〔2017〕31号), officers' sizes, and seasonal issue rounds."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import ItemType, OrgUnit, Person

from ..choices import Season
from .receipts import HandoverReceipt


class Entitlement(models.Model):
    """How many of an item type an officer holds at once and how long each lasts before replacement."""

    item_type = models.OneToOneField(ItemType, on_delete=models.PROTECT, related_name="entitlement",
                                     verbose_name=_("品名"))
    quantity = models.PositiveSmallIntegerField(_("配发数量"), default=1)
    service_years = models.PositiveSmallIntegerField(_("使用年限"))
    season = models.CharField(_("换季"), max_length=16, choices=Season.choices, default=Season.ALL)
    active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("配发标准")
        verbose_name_plural = pgettext_lazy("plural", "配发标准")
        ordering = ["item_type__code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="entitlement_quantity_positive"),
            models.CheckConstraint(condition=models.Q(service_years__gte=1), name="entitlement_years_positive"),
        ]

    def __str__(self):
        return f"{self.item_type.name} ×{self.quantity} / {self.service_years}"


class OfficerSize(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="uniform_sizes",
                               verbose_name=_("人员"))
    item_type = models.ForeignKey(ItemType, on_delete=models.PROTECT, related_name="+", verbose_name=_("品名"))
    size = models.CharField(_("尺码"), max_length=32)

    class Meta:
        verbose_name = _("人员尺码")
        verbose_name_plural = pgettext_lazy("plural", "人员尺码")
        ordering = ["person", "item_type"]
        constraints = [models.UniqueConstraint(fields=["person", "item_type"], name="officersize_unique")]

    def __str__(self):
        return f"{self.person} {self.item_type.name} {self.size}"


class IssueRound(models.Model):
    """One seasonal issue round for a unit subtree; `shortfall` lists what could not be issued and why."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    season = models.CharField(_("换季"), max_length=16, choices=Season.choices)
    on_date = models.DateField(_("发放日期"))
    receipt = models.OneToOneField(HandoverReceipt, on_delete=models.PROTECT, related_name="issue_round",
                                   verbose_name=_("交接单"))
    issued_count = models.PositiveIntegerField(_("发放件数"), default=0)
    replaced_count = models.PositiveIntegerField(_("到期收回件数"), default=0)
    officers_count = models.PositiveIntegerField(_("人数"), default=0)
    shortfall = models.JSONField(_("未能发放"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("换季发放")
        verbose_name_plural = pgettext_lazy("plural", "换季发放")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.unit.code} {self.get_season_display()} {self.on_date}"
