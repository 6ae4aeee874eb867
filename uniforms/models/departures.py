"""Departures (调离/退休): the return checklist opened for a leaving officer, and the close-out."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import Asset, Person

from ..choices import DepartureKind


class Departure(models.Model):
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="departure",
                                  verbose_name=_("人员"))
    kind = models.CharField(_("类型"), max_length=16, choices=DepartureKind.choices)
    effective = models.DateField(_("生效日期"))
    opened_at = models.DateTimeField(_("开单时间"), auto_now_add=True)
    closed_out = models.BooleanField(_("已办结"), default=False)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.CharField(_("办结人"), max_length=150, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("离岗清退")
        verbose_name_plural = pgettext_lazy("plural", "离岗清退")
        ordering = ["-opened_at", "-id"]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()} {self.effective}"


class DepartureItem(models.Model):
    """A line of the checklist: an item held when the departure opened; its state is read from the ledger."""

    departure = models.ForeignKey(Departure, on_delete=models.CASCADE, related_name="items")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+", verbose_name=_("装备"))
    return_to = models.CharField(_("交回至"), max_length=200)

    class Meta:
        verbose_name = _("清退明细")
        verbose_name_plural = pgettext_lazy("plural", "清退明细")
        ordering = ["departure", "asset__tag"]
        constraints = [models.UniqueConstraint(fields=["departure", "asset"], name="departureitem_unique")]
