"""Records of the recorders app: maintenance and pre-use checks of a recorder, and the footage inspection register.

Shift sign-outs and returns are not stored here: they are custody movements (assets.ledger, shift_out/shift_in), so
the compliance evaluator's "in use on day D" reads them from the ledger like any other holding.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import Asset, ChangeLoggedModel, OrgUnit, Person

from .choices import CheckKind, CheckResult


class RecorderCheck(ChangeLoggedModel):
    """维护保养 or 使用前检查 of one recorder (model 执法全过程记录制度: 定期做好记录设备的维护和保养)."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="recorder_checks",
                              verbose_name=_("执法记录仪"))
    checked_on = models.DateField(_("检查日期"), db_index=True)
    kind = models.CharField(_("类别"), max_length=16, choices=CheckKind.choices)
    result = models.CharField(_("结果"), max_length=8, choices=CheckResult.choices)
    performed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("检查人"))
    note = models.TextField(_("备注"), blank=True)
    sent_to_repair = models.BooleanField(_("已送修"), default=False)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    username = models.CharField(_("登记人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("记录仪检查保养")
        verbose_name_plural = pgettext_lazy("plural", "记录仪检查保养")
        ordering = ["asset", "-checked_on", "-id"]
        indexes = [models.Index(fields=["asset", "kind", "checked_on"])]

    def __str__(self):
        return f"{self.asset.tag} {self.checked_on} {self.get_kind_display()} {self.get_result_display()}"


class FootageInspection(ChangeLoggedModel):
    """One entry of the 检查台帐 (jiangsu 结案与案卷管理/2: 督察机构定期对执法记录的案卷、声像资料进行检查)."""

    inspected_on = models.DateField(_("检查日期"), db_index=True)
    inspector = models.CharField(_("检查人"), max_length=200)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="footage_inspections",
                             verbose_name=_("被检查大队"))
    recorders = models.ManyToManyField(Asset, blank=True, related_name="footage_inspections",
                                       verbose_name=_("抽查记录仪"))
    items_checked = models.PositiveIntegerField(_("抽查声像资料数"), default=0)
    findings = models.TextField(_("检查发现"), blank=True)
    follow_up = models.TextField(_("整改要求"), blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    username = models.CharField(_("登记人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("声像资料检查")
        verbose_name_plural = pgettext_lazy("plural", "声像资料检查")
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["unit", "inspected_on"])]

    def __str__(self):
        return f"{self.unit.code} {self.inspected_on} {self.inspector}"
