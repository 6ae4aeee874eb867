"""protective-equipment: each listed item ≥ ceil(base × its local setting) — personal items per active frontline
officer, team items (警示隔离设备) per brigade in the subtree; one row per item and responsible unit, marked with
the local threshold it used (the standards say 一定数量)."""
from __future__ import annotations

from .. import evidence as ev
from .. import keys
from .base import CATEGORY, NOT_APPLICABLE, PER_BRIGADE, ceil_times, finding, is_items, item_count, \
    responsible_units


def _items(v) -> bool:
    return is_items(v) and all(isinstance(i.get("setting"), str) and i.get("per", "frontline") in
                               ("frontline", PER_BRIGADE) for i in v)


PARAMS = (CATEGORY, ("items", _items, "a list of {code, name, setting (a setting of this standard), "
                                      "per (frontline|brigade), aliases?}"))


def needs(rule, standard) -> dict:
    return {"item_categories": (rule.params["category"],)}


def evaluate(rule, standard, facts, totals):
    category = rule.params["category"]
    out = []
    for unit in responsible_units(facts):
        c = totals[unit.id]
        for item in rule.params["items"]:
            setting = item["setting"]
            ratio = standard.setting(setting)
            local = {setting: ratio} if standard.settings[setting].local else None
            base = c[keys.BRIGADES] if item.get("per") == PER_BRIGADE else c[keys.FRONTLINE]
            actual = item_count(c, category, item)
            if base == 0:
                out.append(finding(rule, unit, 0, actual, item=item["name"], local=local, status=NOT_APPLICABLE))
            else:
                out.append(finding(rule, unit, ceil_times(base, ratio), actual, item=item["name"], local=local))
    return out


def evidence(standard, rule, unit, as_of, item=None):
    return ev.equipment(rule, unit, as_of, item)
