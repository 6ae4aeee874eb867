"""Saved compliance reports: the full result of one evaluation, kept unchanged so it re-renders identically."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import OrgUnit
from assets.models.immutable import AppendOnlyModel


class ComplianceSnapshot(AppendOnlyModel):
    standard = models.CharField(_("标准"), max_length=32)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    as_of = models.DateField(_("核查日期"))
    # The SPEC JSON exactly as produced, and what the renderers need besides it (names, counts, settings).
    report = models.JSONField(_("报告"))
    context = models.JSONField(_("报告附加信息"))
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                                   db_constraint=False, related_name="+", verbose_name=_("保存人"))
    created_by_name = models.CharField(_("保存人"), max_length=150, blank=True)

    class Meta:
        db_table = "assets_compliancesnapshot"  # the table it had in the registry app (migrations keep it)
        verbose_name = _("合规报告存档")
        verbose_name_plural = pgettext_lazy("plural", "合规报告存档")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "standard", "as_of"])]

    def __str__(self):
        return f"#{self.pk} {self.standard} {self.report.get('unit')} {self.as_of}"
