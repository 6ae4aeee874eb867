"""Named constants of the uniforms app: seasons, receipt kinds, departure and stocktake states, warning windows."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Season(models.TextChoices):
    ALL = "all", _("全年")
    SPRING_AUTUMN = "spring_autumn", _("春秋")
    SUMMER = "summer", _("夏季")
    WINTER = "winter", _("冬季")


class ReceiptKind(models.TextChoices):
    ISSUE = "issue", _("发放")
    RETURN = "return", _("归还")
    ROUND = "round", _("换季发放")
    SEAL_HANDOVER = "seal_handover", _("印章交接")
    SURRENDER = "surrender", _("证件上缴")
    REPLACEMENT = "replacement", _("补发")


class HandoverMode(models.TextChoices):
    ISSUE = "issue", _("发放")
    RETURN = "return", _("归还")


class DepartureKind(models.TextChoices):
    TRANSFERRED = "transferred", _("调离")
    RETIRED = "retired", _("退休")


class ChecklistLineState(models.TextChoices):
    OPEN = "open", _("未交回")
    RETURNED = "returned", _("已交回")
    LOST = "lost", _("已报失")


class BadgeEndReason(models.TextChoices):
    LOST = "lost", _("遗失")
    RETURNED = "returned", _("交回")


class StocktakeStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已完成")


class StocktakeFinding(models.TextChoices):
    FOUND = "found", _("相符")
    MISSING = "missing", _("缺失")
    UNEXPECTED = "unexpected", _("账外")
    MISPLACED = "misplaced", _("错位")


# 证件遗失应在3日内报告 (jiangsu 设备管理/证件、印章管理规定/2).
CERTIFICATE_LOSS_REPORT_DAYS = 3
CERTIFICATE_WARNING_DAYS = (30, 60, 90)
CERTIFICATE_SURRENDER_TO = "法制机构"
BADGE_ITEM = "胸号"
CERTIFICATE_ITEM = "行政执法证"
