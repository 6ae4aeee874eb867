"""People of the given statuses holding none of the given categories: return-on-departure (uniform and insignia
of transferred people) and certificate-surrender (certificates of transferred or retired people)."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import AssetStatus

from .. import evidence as ev
from .base import every, is_categories, is_statuses

PARAMS = (("categories", is_categories, "a list of asset category codes"),
          ("statuses", is_statuses, "a list of person statuses"))


def evaluate(rule, standard, facts, totals):
    categories, statuses = set(rule.params["categories"]), set(rule.params["statuses"])
    departed = [held for _, _, status, held in facts.departed if status in statuses]
    return every(rule, facts, len(departed), sum(1 for held in departed if not held & categories))


def evidence(standard, rule, unit, as_of, item=None):
    p = rule.params
    departed = {x["id"]: x for x in ev.people(unit, as_of) if x["status"] in p["statuses"]}
    issued = ev.assets(unit, as_of, p["categories"], [AssetStatus.ISSUED], holders=sorted(departed))
    return ev.asset_evidence(_("调离、退休人员仍持有的装备"), issued, flag=lambda a: "fail")
