"""What a reader calls each rule: a short title per SPEC rule id (Chinese source, English in the catalogue).

The ids are SPEC's contract; the titles are only for the human formats and the pages. A rule missing here (a
standards file adding one) shows its id."""
from django.utils.translation import gettext_lazy as _

RULE_TITLES = {
    "officers-per-population": _("执法人员配备比例"),
    "frontline-ratio": _("一线执法人员比例"),
    "vehicle-seats-per-officer": _("执法车辆人均座位"),
    "radios-per-officer": _("对讲机配备"),
    "recorders-per-officer": _("执法记录仪配备"),
    "mobile-terminals-per-officer": _("执法通配备"),
    "info-system-per-squadron": _("中队信息传输系统"),
    "camera-per-brigade": _("大队专业摄像设备"),
    "storage-per-brigade": _("大队移动存储设备"),
    "protective-equipment": _("防护装备"),
    "office-equipment": _("办公设备"),
    "vehicle-livery": _("执法车辆标识涂装"),
    "vehicle-dossier": _("执法车辆一车一档"),
    "valid-certificate": _("持有效执法证件"),
    "auxiliaries-decreasing": _("协管人员逐步减少"),
    "auxiliaries-uniformed": _("协管人员统一着装、持证上岗"),
    "return-on-departure": _("调离人员交回服装标志"),
    "certificate-surrender": _("离岗人员上缴执法证件"),
    "certificate-loss-reported": _("证件遗失及时报告"),
    "seal-custodian": _("印章专人保管"),
    "full-insignia-set": _("标志标识配齐"),
    "uniform-replacement": _("制式服装按期换发"),
    "recorder-daily-offload": _("执法记录仪每日存储"),
    "recorder-timely-offload": _("执法记录仪及时存储"),
}


def rule_title(rule_id: str) -> str:
    title = RULE_TITLES.get(rule_id)
    return str(title) if title is not None else rule_id
