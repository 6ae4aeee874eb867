"""Named constants of the tracking app: alert kinds and statuses, dead-letter reasons, review actions."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    VENUE_PARKING = "venue_parking", _("违规停放（餐馆酒楼、娱乐场所）")
    OFF_DUTY_USE = "off_duty_use", _("非工作时间用车")
    OUT_OF_JURISDICTION = "out_of_jurisdiction", _("驶出辖区")
    TERMINAL_SILENT = "terminal_silent", _("定位终端离线")
    NOT_IN_DEPOT = "not_in_depot", _("未按时回库")
    SEALED_VEHICLE_MOVED = "sealed_vehicle_moved", _("封存车辆移动")
    TERMINAL_POWER_CUT = "terminal_power_cut", _("终端主电源掉电")
    TERMINAL_ANTENNA_CUT = "terminal_antenna_cut", _("终端卫星天线断开")


# SPEC "Alerts": the clause each kind cites.
ALERT_CLAUSES = {
    AlertKind.VENUE_PARKING: "model 执法规范/执法行为/装备使用规范/1",
    AlertKind.OFF_DUTY_USE: "jiangsu 设备管理/执法车辆管理/5; model 执法保障/装备保障/执法车辆管理/3",
    AlertKind.OUT_OF_JURISDICTION: "jiangsu 设备管理/执法车辆管理/5; model 执法保障/装备保障/执法车辆管理/3",
    # Operational, not a clause of either standard: a silent terminal hides use (SPEC "Alerts": none).
    AlertKind.TERMINAL_SILENT: "",
    AlertKind.NOT_IN_DEPOT: "jiangsu 设备管理/执法车辆管理/5; model 执法保障/装备保障/执法车辆管理/3",
    AlertKind.SEALED_VEHICLE_MOVED: "jiangsu 设备管理/执法车辆管理/5; model 执法保障/装备保障/执法车辆管理/3",
    AlertKind.TERMINAL_POWER_CUT: "jiangsu 设备管理/执法车辆管理/5",
    AlertKind.TERMINAL_ANTENNA_CUT: "jiangsu 设备管理/执法车辆管理/5",
}


class AlertStatus(models.TextChoices):
    """The episode only: still on, or over. Whether it was a violation is its case (CaseState)."""

    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class ReviewAction(models.TextChoices):
    """Actions of the former acknowledge/dismiss review (read-only history in AlertReview)."""

    ACKNOWLEDGE = "acknowledge", _("确认")
    DISMISS = "dismiss", _("排除")


class DeadLetterReason(models.TextChoices):
    BAD_JSON = "bad_json", _("JSON 格式错误")
    MISSING_FIELD = "missing_field", _("缺少字段")
    INVALID_FIELD = "invalid_field", _("字段值无效")
    OUT_OF_RANGE = "out_of_range", _("坐标超出范围")
    FUTURE_TIMESTAMP = "future_timestamp", _("时间超前")
    STALE_TIMESTAMP = "stale_timestamp", _("时间过旧")
    PAYLOAD_TOO_LARGE = "payload_too_large", _("消息过大")
    UNKNOWN_TERMINAL = "unknown_terminal", _("未登记终端")
    DUPLICATE = "duplicate", _("重复定位")
    UNSUPPORTED = "unsupported", _("不支持的消息")
    BAD_FRAME = "bad_frame", _("JT/T 808 帧错误")
    UNAUTHENTICATED = "unauthenticated", _("终端未鉴权")


# Reasons a later retry may cure (the terminal registered since; the clock caught up).
RETRIABLE_REASONS = (DeadLetterReason.UNKNOWN_TERMINAL, DeadLetterReason.FUTURE_TIMESTAMP)


class CaseState(models.TextChoices):
    """An alert handled as a case (告警核查): the unit explains, an inspector decides."""

    PENDING = "pending", _("待说明")
    EXPLAINED = "explained", _("已说明")
    CONFIRMED = "confirmed", _("认定")
    DISMISSED = "dismissed", _("排除")


DECIDED_STATES = (CaseState.CONFIRMED, CaseState.DISMISSED)


class CaseAction(models.TextChoices):
    EXPLAIN = "explain", _("提交说明")
    RETURN = "return", _("退回补充说明")
    CONFIRM = "confirm", _("认定违规")
    DISMISS = "dismiss", _("排除")
    NOTE = "note", _("批注")  # a remark on the case; the state stays as it is
