"""Named constants of notify: channels, severities (and each alert kind's), delivery and run states, frequencies."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from telematics.tracking.choices import AlertKind


class Channel(models.TextChoices):
    IN_APP = "in_app", _("站内消息")
    EMAIL = "email", _("电子邮件")
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


ROBOTS = (Channel.WECOM, Channel.DINGTALK)


class Severity(models.IntegerChoices):
    LOW = 1, _("一般")
    MEDIUM = 2, _("较重")
    HIGH = 3, _("严重")


# Alerts carry no severity of their own: it follows the kind. Misuse of a car (a venue, a private trip, a sealed car
# moving) is serious; leaving the area or not returning to the depot may have a reason; terminal faults are technical.
KIND_SEVERITY = {
    AlertKind.VENUE_PARKING: Severity.HIGH,
    AlertKind.OFF_DUTY_USE: Severity.HIGH,
    AlertKind.SEALED_VEHICLE_MOVED: Severity.HIGH,
    AlertKind.OUT_OF_JURISDICTION: Severity.MEDIUM,
    AlertKind.NOT_IN_DEPOT: Severity.MEDIUM,
    AlertKind.TERMINAL_POWER_CUT: Severity.MEDIUM,
    AlertKind.TERMINAL_ANTENNA_CUT: Severity.MEDIUM,
    AlertKind.TERMINAL_SILENT: Severity.LOW,
}


def kind_severity(kind: str) -> int:
    return int(KIND_SEVERITY.get(kind, Severity.MEDIUM))


class Purpose(models.TextChoices):
    ALERT = "alert", _("告警通知")
    DIGEST = "digest", _("每日汇总")
    REPORT = "report", _("定时报表")
    TEST = "test", _("测试消息")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    RETRYING = "retrying", _("等待重试")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Frequency(models.TextChoices):
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("生成中")
    OK = "ok", _("已发送")
    FAILED = "failed", _("失败")
