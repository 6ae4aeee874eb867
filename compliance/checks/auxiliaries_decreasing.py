"""auxiliaries-decreasing: fewer active auxiliaries now than one year earlier, or none now (required: the count a
year earlier); insufficient_data without a year of personnel history, unless there are none now."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import PersonRole

from .. import evidence as ev
from .. import keys
from .base import FAIL, INSUFFICIENT, PASS, Finding, finding, responsible_units

PARAMS = ()


def evaluate(rule, standard, facts, totals):
    out = []
    for unit in responsible_units(facts):
        c = totals[unit.id]
        now = c[keys.AUXILIARIES]
        before = c[keys.AUXILIARIES_YEAR_AGO] if facts.history_year_ago else None
        if now == 0:
            out.append(Finding(rule.id, unit.code, rule.clause, rule.text, before, 0, 0, PASS))
        elif before is None:
            out.append(finding(rule, unit, None, now, status=INSUFFICIENT))
        else:
            ok = now < before
            out.append(Finding(rule.id, unit.code, rule.clause, rule.text, before, now,
                               0 if ok else now - before + 1, PASS if ok else FAIL))
    return out


def evidence(standard, rule, unit, as_of, item=None):
    return ev.Evidence(_("在岗协管人员"), [_("工号"), _("姓名"), _("单位")],
                       [ev.person_row(x, [], False) for x in ev.active(unit, as_of, PersonRole.AUXILIARY)])
