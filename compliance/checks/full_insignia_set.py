"""full-insignia-set (model 着装规范/3): every active officer holds each listed insignia item."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import CategoryCode, PersonRole

from .. import evidence as ev
from .. import keys
from .base import is_items, item_names, per_unit

PARAMS = (("items", is_items, "a list of {code, name, aliases?}"),)


def needs(rule, standard) -> dict:
    return {"insignia_items": tuple(tuple(sorted(item_names(i))) for i in rule.params["items"])}


def evaluate(rule, standard, facts, totals):
    return per_unit(rule, facts, totals, keys.OFFICERS, lambda c: c[keys.OFFICERS],
                    lambda c: c[keys.OFFICERS_FULL_INSIGNIA])


def evidence(standard, rule, unit, as_of, item=None):
    officers = ev.active(unit, as_of, PersonRole.OFFICER)
    held = ev.held_by(officers, as_of, [CategoryCode.INSIGNIA])
    rows = []
    for x in officers:
        have = {a["item"] for a in held[x["id"]]}
        missing = [i["name"] for i in rule.params["items"] if not have & item_names(i)]
        rows.append(ev.person_row(x, ["、".join(missing)], bool(missing)))
    return ev.Evidence(_("在岗执法人员缺少的标志标识"), [_("工号"), _("姓名"), _("单位"), _("缺少")], rows)
