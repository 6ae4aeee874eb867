"""Named constants of the registry: unit kinds, people, asset categories and statuses, custody actions, roles."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("局")
    DETACHMENT = "detachment", _("支队")
    BRIGADE = "brigade", _("大队")
    SQUADRON = "squadron", _("中队")
    OFFICE = "office", _("内设机构")


class PersonRole(models.TextChoices):
    OFFICER = "officer", _("执法人员")
    AUXILIARY = "auxiliary", _("协管人员")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    TRANSFERRED = "transferred", _("调离")
    RETIRED = "retired", _("退休")
    SUSPENDED = "suspended", _("停职")


DEPARTED_STATUSES = (PersonStatus.TRANSFERRED, PersonStatus.RETIRED)


class CategoryCode(models.TextChoices):
    UNIFORM = "uniform", _("制式服装")
    INSIGNIA = "insignia", _("标志标识")
    CERTIFICATE = "certificate", _("行政执法证件")
    AUX_UNIFORM = "aux_uniform", _("协管人员服装")
    AUX_CARD = "aux_card", _("协管人员工作证")
    SEAL = "seal", _("印章")
    RECORDER = "recorder", _("执法记录仪")
    MOBILE_TERMINAL = "mobile_terminal", _("执法通")
    RADIO = "radio", _("对讲机")
    INFO_SYSTEM = "info_system", _("信息传输系统（含车载台）")
    CAMERA = "camera", _("专业摄像设备")
    STORAGE = "storage", _("大容量移动存储设备")
    PROTECTIVE = "protective", _("防护装备")
    OFFICE = "office", _("办公设备")
    VEHICLE = "vehicle", _("执法车辆")


# Categories whose items carry an `expires` date; its changes are dated ledger events (renew).
EXPIRING_CATEGORIES = frozenset({CategoryCode.CERTIFICATE, CategoryCode.AUX_CARD})


class AssetStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("在库")
    ISSUED = "issued", _("已发放")
    IN_REPAIR = "in_repair", _("维修中")
    LOST = "lost", _("遗失")
    RETIRED = "retired", _("报废")


# Owned equipment (配备) that counts toward ratios.
COUNTED_STATUSES = (AssetStatus.IN_STOCK, AssetStatus.ISSUED, AssetStatus.IN_REPAIR)


class CustodyAction(models.TextChoices):
    RECEIVE = "receive", _("入库")
    ISSUE = "issue", _("发放")
    RETURN = "return", _("归还")
    TRANSFER = "transfer", _("调拨")
    REPORT_LOST = "report_lost", _("报失")
    REPAIR_OUT = "repair_out", _("送修")
    REPAIR_IN = "repair_in", _("修回")
    RETIRE = "retire", _("报废")
    RENEW = "renew", _("有效期变更")
    SHIFT_OUT = "shift_out", _("班前领用")
    SHIFT_IN = "shift_in", _("班后交还")


# Pooled kit signed out to an officer for one shift and back (SPEC recorder: "in the unit's pool and signed out per
# shift"); radios and 执法通 are pooled the same way in many squadrons.
SHIFT_CATEGORIES = frozenset({CategoryCode.RECORDER, CategoryCode.MOBILE_TERMINAL, CategoryCode.RADIO})


class UserRole(models.TextChoices):
    ADMINISTRATOR = "administrator", _("系统管理员")
    LOGISTICS = "logistics", _("装备管理员")
    FLEET = "fleet", _("车辆管理员")
    AUDITOR = "auditor", _("督察审计")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    CUSTODY = "custody", _("保管变动")
