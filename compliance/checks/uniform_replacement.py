"""uniform-replacement: no issued uniform item past its replacement date — `service_years` after its issue to the
holder (assets.selectors.uniform_due_on, the definition the uniforms app's replacement-due list uses too)."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import AssetStatus, CategoryCode
from assets.selectors import uniform_due_on, uniform_replacement_start, uniform_service_years

from .. import evidence as ev
from .. import keys
from .base import INSUFFICIENT, every, finding

PARAMS = ()


def evaluate(rule, standard, facts, totals):
    c = totals[facts.root_id]
    judged = c[keys.UNIFORMS_ISSUED] - c[keys.UNIFORMS_UNKNOWN_LIFE]
    if c[keys.UNIFORMS_ISSUED] and judged == 0:
        return [finding(rule, facts.unit(facts.root_id), None, None, status=INSUFFICIENT)]
    return every(rule, facts, judged, judged - c[keys.UNIFORMS_OVERDUE])


def evidence(standard, rule, unit, as_of, item=None):
    years = uniform_service_years()
    rows = []
    for a in ev.assets(unit, as_of, [CategoryCode.UNIFORM], [AssetStatus.ISSUED]):
        due = uniform_due_on(issued_at=a["issued_at"], acquired=a["acquired"], service_years=a["service_years"],
                             item=a["item"], years_by_item=years)
        rows.append({"values": [a["tag"], a["item"], a["unit"],
                                uniform_replacement_start(issued_at=a["issued_at"], acquired=a["acquired"]),
                                a["service_years"] or years.get(a["item"]), due],
                     "flag": "fail" if due and due < as_of else "", "link": ev.asset_link(a["id"])})
    return ev.Evidence(_("已发放的制式服装及更换期限"),
                       [_("标签号"), _("品名"), _("单位"), _("发放日期"), _("使用年限"), _("应更换日期")], rows)
