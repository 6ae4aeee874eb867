"""recorder-daily-offload (jiangsu) and recorder-timely-offload (model): every recorder-day in use offloaded by
its deadline (compliance.recorders); days before the bureau's first dock report cannot be judged."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.models import OrgUnit

from .. import evidence as ev
from .. import keys, recorders
from .base import INSUFFICIENT, NOT_APPLICABLE, finding, is_setting_name

PARAMS = (("window_setting", is_setting_name, "the name of a setting of this standard"),
          ("deadline_setting", is_setting_name, "the name of a setting of this standard"))


def needs(rule, standard) -> dict:
    return {"offload_window": int(standard.setting(rule.params["window_setting"])),
            "offload_deadline_hours": float(standard.setting(rule.params["deadline_setting"]))}


def evaluate(rule, standard, facts, totals):
    root = facts.unit(facts.root_id)
    names = (rule.params["window_setting"], rule.params["deadline_setting"])
    local = {n: standard.setting(n) for n in names if standard.settings[n].local} or None
    if not facts.dock_reports:
        return [finding(rule, root, None, None, status=INSUFFICIENT, local=local)]
    c = totals[root.id]
    if c[keys.RECORDER_DAYS] == 0:
        return [finding(rule, root, 0, 0, status=NOT_APPLICABLE, local=local)]
    return [finding(rule, root, c[keys.RECORDER_DAYS], c[keys.RECORDER_DAYS_OFFLOADED], local=local)]


def evidence(standard, rule, unit, as_of, item=None):
    n = needs(rule, standard)
    days = recorders.judged_days(as_of, n["offload_window"], n["offload_deadline_hours"])
    codes = dict(OrgUnit.objects.filter(path__startswith=unit.path).values_list("id", "code"))
    rows = [{"values": [rd.tag, codes.get(rd.unit_id, ""), rd.day, "✓" if rd.held else "",
                        "✓" if rd.recorded else "", "✓" if rd.offloaded else ""],
             "flag": "" if rd.offloaded else "fail", "link": ev.asset_link(rd.asset_id)}
            for rd in recorders.recorder_days(unit, as_of, days, n["offload_deadline_hours"])]
    rows.sort(key=lambda r: (r["values"][0], r["values"][2]))
    return ev.Evidence(_("在用记录仪-日（值勤时间由执法人员持有，或采集站报告当日有录制）"),
                       [_("记录仪"), _("单位"), _("日期"), _("执法人员持有"), _("有录制"), _("按时存储")], rows)
