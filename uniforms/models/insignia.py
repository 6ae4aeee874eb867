"""The 胸号 history: which badge asset carried an officer's number, from when to when (numbers never move)."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import Asset, Person

from ..choices import BadgeEndReason


class BadgeNumberRecord(models.Model):
    number = models.CharField(_("胸号"), max_length=32, db_index=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="badge_records",
                               verbose_name=_("人员"))
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+", verbose_name=_("胸号牌"))
    issued_on = models.DateField(_("发放日期"))
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=16, choices=BadgeEndReason.choices, blank=True)

    class Meta:
        verbose_name = _("胸号记录")
        verbose_name_plural = pgettext_lazy("plural", "胸号记录")
        ordering = ["number", "issued_on", "id"]
        constraints = [
            # One badge plate in use per number at a time.
            models.UniqueConstraint(fields=["number"], condition=models.Q(ended_on__isnull=True),
                                    name="badgerecord_one_open_per_number"),
        ]

    def __str__(self):
        return f"{self.number} {self.asset.tag} {self.issued_on}–{self.ended_on or ''}"
