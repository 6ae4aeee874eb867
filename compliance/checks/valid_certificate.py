"""valid-certificate: every active officer holds (the ledger as of the date) a certificate asset, not lost, whose
`expires` ≥ the date."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import CategoryCode, PersonRole

from .. import evidence as ev
from .. import keys
from .base import per_unit

PARAMS = ()


def needs(rule, standard) -> dict:
    return {"certificates": True}


def evaluate(rule, standard, facts, totals):
    return per_unit(rule, facts, totals, keys.OFFICERS, lambda c: c[keys.OFFICERS],
                    lambda c: c[keys.OFFICERS_VALID_CERTIFICATE])


def evidence(standard, rule, unit, as_of, item=None):
    officers = ev.active(unit, as_of, PersonRole.OFFICER)
    held = ev.held_by(officers, as_of, [CategoryCode.CERTIFICATE])
    rows = []
    for x in officers:
        certs = held[x["id"]]
        if any(c["expires"] and c["expires"] >= as_of for c in certs):
            continue
        shown = certs[0] if certs else None  # an expired one, if any
        rows.append(ev.person_row(x, [shown["tag"] if shown else "", shown["expires"] if shown else None], True))
    return ev.Evidence(_("无有效执法证的在岗执法人员"),
                       [_("工号"), _("姓名"), _("单位"), _("执法证号"), _("有效期至")], rows,
                       f"/api/v1/personnel/?within={unit.code}&role=officer&status=active")
