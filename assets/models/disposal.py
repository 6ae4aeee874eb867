"""Disposal (报废/处置) requests: the assets, the reason and photos, the approvals by value, the decision."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .org import OrgUnit
from .registry import Asset


class DisposalStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准报废")
    REFUSED = "refused", _("已驳回")


class ApprovalLevel(models.IntegerChoices):
    UNIT = 1, _("上级单位装备管理员审批")
    ADMINISTRATOR = 2, _("管理员审批")


class DisposalRequest(models.Model):
    number = models.CharField(_("报废单号"), max_length=32, unique=True)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请单位"))
    reason = models.TextField(_("报废原因"))
    status = models.CharField(_("状态"), max_length=16, choices=DisposalStatus.choices,
                              default=DisposalStatus.PENDING)
    total_price = models.DecimalField(_("原值合计（元）"), max_digits=14, decimal_places=2, default=0)
    total_book_value = models.DecimalField(_("净值合计（元）"), max_digits=14, decimal_places=2, default=0)
    approvals_needed = models.PositiveSmallIntegerField(_("所需审批级数"), default=1)
    requested_by = models.CharField(_("申请人"), max_length=150, blank=True)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审结时间"), null=True, blank=True)
    refusal_reason = models.TextField(_("驳回理由"), blank=True)

    class Meta:
        verbose_name = _("报废申请")
        verbose_name_plural = pgettext_lazy("plural", "报废申请")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return self.number


class DisposalItem(models.Model):
    request = models.ForeignKey(DisposalRequest, on_delete=models.CASCADE, related_name="items")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="disposal_items", verbose_name=_("装备"))
    price = models.DecimalField(_("原值（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    book_value = models.DecimalField(_("净值（元）"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("报废明细")
        verbose_name_plural = pgettext_lazy("plural", "报废明细")
        ordering = ["request", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "asset"], name="disposalitem_unique")]


class DisposalApproval(models.Model):
    request = models.ForeignKey(DisposalRequest, on_delete=models.CASCADE, related_name="approvals")
    level = models.PositiveSmallIntegerField(_("审批级别"), choices=ApprovalLevel.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(_("审批人"), max_length=150)
    approved_at = models.DateTimeField(_("审批时间"), auto_now_add=True)
    note = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("报废审批")
        verbose_name_plural = pgettext_lazy("plural", "报废审批")
        ordering = ["request", "level"]
        constraints = [models.UniqueConstraint(fields=["request", "level"], name="disposalapproval_one_per_level")]


class DisposalPhoto(models.Model):
    request = models.ForeignKey(DisposalRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to="disposals/%Y/%m/")

    class Meta:
        verbose_name = _("报废照片")
        verbose_name_plural = pgettext_lazy("plural", "报废照片")
