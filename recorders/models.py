"""Records of the recorders app: maintenance and pre-use checks of a recorder, the footage inspection register, and
the footage rules: one record per offload batch a dock reported, requests to view, copy or delete it, the access log.

Shift sign-outs and returns are not stored here: they are custody movements (assets.ledger, shift_out/shift_in), so
the compliance evaluator's "in use on day D" reads them from the ledger like any other holding.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.access import RestrictedQuerySet
from assets.models import Asset, ChangeLoggedModel, OrgUnit, Person
from assets.models.immutable import AppendOnlyModel
from telematics.tracking.models import DockOffload

from .choices import (
    CheckKind,
    CheckResult,
    FootageLogAction,
    FootageRequestKind,
    FootageRequestStatus,
    FootageStatus,
    RecordingType,
)


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


class FootageRecord(ChangeLoggedModel):
    """The footage of one offload batch (a dock's report: one recorder, one recorded day), with its retention class.

    The video stays on the bureau's storage; this record says whose it is, what it recorded, how long it is kept,
    and whether it was deleted (the row stays: a deletion is itself on the record)."""

    # The dock report it came from; the record keeps the report's facts itself, so it outlives telemetry cleared
    # (the demo's replay): the footage register is not telemetry.
    offload = models.OneToOneField(DockOffload, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="footage", verbose_name=_("采集记录"))
    dock_id = models.CharField(_("采集站"), max_length=64, default="")
    files = models.PositiveIntegerField(_("文件数"), default=0)
    bytes = models.PositiveBigIntegerField(_("字节数"), default=0)
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="footage", verbose_name=_("执法记录仪"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属单位"))
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="footage",
                               verbose_name=_("执法人员"))
    recorded_on = models.DateField(_("录制日期"), db_index=True)
    recording_type = models.CharField(_("记录类型"), max_length=24, choices=RecordingType.choices,
                                      default=RecordingType.DAILY_DUTY)
    evidence = models.BooleanField(_("作为证据"), default=False)
    case_number = models.CharField(_("案件编号"), max_length=64, blank=True)
    evidence_marked_at = models.DateTimeField(_("列为证据时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=FootageStatus.choices, default=FootageStatus.KEPT)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    stored_at = models.DateTimeField(_("入库时间"), default=timezone.now)  # the dock report's time

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("执法音像资料")
        verbose_name_plural = pgettext_lazy("plural", "执法音像资料")
        ordering = ["-recorded_on", "asset", "id"]
        indexes = [models.Index(fields=["unit", "recorded_on"]), models.Index(fields=["status", "recorded_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(evidence=False) | ~Q(case_number=""), name="footage_evidence_has_case"),
            models.CheckConstraint(condition=~Q(status=FootageStatus.DELETED) | Q(evidence=False),
                                   name="footage_evidence_never_deleted"),
            models.UniqueConstraint(fields=["asset", "recorded_on", "dock_id", "stored_at"],
                                    name="footage_one_record_per_report"),
        ]

    def __str__(self):
        return f"{self.asset.tag} {self.recorded_on}"


class FootageRequest(models.Model):
    """A request to view, copy or delete one record's footage, with its reason; a second person decides."""

    record = models.ForeignKey(FootageRecord, on_delete=models.PROTECT, related_name="requests",
                               verbose_name=_("执法音像资料"))
    kind = models.CharField(_("申请事项"), max_length=8, choices=FootageRequestKind.choices)
    reason = models.TextField(_("申请事由"))
    status = models.CharField(_("状态"), max_length=8, choices=FootageRequestStatus.choices,
                              default=FootageRequestStatus.PENDING)
    requested_by = models.CharField(_("申请人"), max_length=150)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.CharField(_("审批人"), max_length=150, blank=True)
    decided_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("音像资料调阅申请")
        verbose_name_plural = pgettext_lazy("plural", "音像资料调阅申请")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.record}"


class FootageAccessLog(AppendOnlyModel):
    """The footage access log (调阅、复制、删除登记): append-only, in the database too."""

    record = models.ForeignKey(FootageRecord, on_delete=models.PROTECT, related_name="log",
                               verbose_name=_("执法音像资料"))
    request = models.ForeignKey(FootageRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="log",
                                verbose_name=_("申请"))
    action = models.CharField(_("事项"), max_length=12, choices=FootageLogAction.choices)
    username = models.CharField(_("经办人"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("音像资料使用登记")
        verbose_name_plural = pgettext_lazy("plural", "音像资料使用登记")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.record} {self.get_action_display()} {self.username}"
