"""full-insignia-set (model 着装规范/3): every active officer holds each listed insignia item."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import CategoryCode, PersonRole

from .. import evidence as ev
from .. import keys
from .base import every_person_holds, is_items, item_names

PARAMS = (("items", is_items, "a list of {code, name, aliases?}"),)


def needs(rule, standard) -> dict:
    return {"insignia_items": tuple(tuple(sorted(item_names(i))) for i in rule.params["items"])}


evaluate = every_person_holds(keys.OFFICERS, keys.OFFICERS_FULL_INSIGNIA)


def evidence(standard, rule, unit, as_of, item=None):
    def judge(held):
        have = {a["item"] for a in held}
        missing = [i["name"] for i in rule.params["items"] if not have & item_names(i)]
        return ["、".join(missing)], bool(missing)

    return ev.every_person_holds(_("在岗执法人员缺少的标志标识"), [_("缺少")], unit, as_of, PersonRole.OFFICER,
                                 [CategoryCode.INSIGNIA], judge)
