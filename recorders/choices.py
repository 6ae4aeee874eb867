"""Named constants of the recorders app: check kinds and results, the inspection report's row states, and the
footage rules (recording types, requests, the access log's actions)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("维护保养")
    PRE_USE = "pre_use", _("使用前检查")


class CheckResult(models.TextChoices):
    OK = "ok", _("正常")
    FAULT = "fault", _("故障")


class InspectionState(models.TextChoices):
    """A brigade in the footage inspection report: inspected within the period, late, or never inspected."""

    INSPECTED = "inspected", _("期内已检查")
    OVERDUE = "overdue", _("逾期未检查")
    NEVER = "never", _("从未检查")


class RecordingType(models.TextChoices):
    """What the footage recorded; each type has its retention class (QM_FOOTAGE_RETENTION_BY_TYPE)."""

    DAILY_DUTY = "daily_duty", _("日常执勤")
    CASE_HANDLING = "case_handling", _("案件办理")
    COMPLAINT = "complaint", _("投诉处理")
    SPECIAL_OPERATION = "special_operation", _("专项整治与重大活动保障")
    OTHER = "other", _("其他")


class FootageStatus(models.TextChoices):
    KEPT = "kept", _("保存中")
    DELETED = "deleted", _("已删除")


class FootageRequestKind(models.TextChoices):
    VIEW = "view", _("调阅")
    COPY = "copy", _("复制")
    DELETE = "delete", _("删除")


class FootageRequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已驳回")
    DONE = "done", _("已办结")


class FootageLogAction(models.TextChoices):
    """One line of the footage access log."""

    STORED = "stored", _("采集入库")
    CLASSIFIED = "classified", _("变更记录类型")
    EVIDENCE = "evidence", _("列为证据")
    REQUESTED = "requested", _("提出申请")
    APPROVED = "approved", _("批准")
    REFUSED = "refused", _("驳回")
    VIEWED = "viewed", _("已调阅")
    COPIED = "copied", _("已复制")
    DELETED = "deleted", _("已删除")
