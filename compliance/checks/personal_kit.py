"""Personal kit (recorders-per-officer, mobile-terminals-per-officer): one item per officer, counted per person —
actual = min(n, holders + pool), so an officer's second recorder covers nobody else (SPEC "Asset categories")."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import COUNTED_STATUSES, PersonRole

from .. import evidence as ev
from .. import keys
from .base import CATEGORY, per_unit

PARAMS = (CATEGORY,)


def needs(rule, standard) -> dict:
    return {"personal_categories": (rule.params["category"],)}


def evaluate(rule, standard, facts, totals):
    category = rule.params["category"]
    return per_unit(rule, facts, totals, keys.OFFICERS, lambda c: c[keys.OFFICERS],
                    lambda c: min(c[keys.OFFICERS], c[keys.holders(category)] + c[keys.pool(category)]))


def evidence(standard, rule, unit, as_of, item=None):
    """Officers without an item of their own are named; the pool (not held by a person) follows them."""
    category = rule.params["category"]
    officers = ev.active(unit, as_of, PersonRole.OFFICER)
    held = ev.held_by(officers, as_of, [category])
    rows = [ev.person_row(x, [", ".join(a["tag"] for a in held[x["id"]])], not held[x["id"]]) for x in officers]
    pool = [a for a in ev.assets(unit, as_of, [category], [str(s) for s in COUNTED_STATUSES])
            if a["holder_id"] is None]
    rows += [{"values": ["", _("装备池"), a["unit"], a["tag"]], "flag": "", "link": ev.asset_link(a["id"])}
             for a in pool]
    return ev.Evidence(_("在岗执法人员的个人配备（无配备者标红）及单位装备池"),
                       [_("工号"), _("姓名"), _("单位"), _("持有/池中装备")], rows,
                       f"/api/v1/assets/?within={unit.code}&category={category}")
