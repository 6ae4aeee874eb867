"""valid-certificate: every active officer holds (the ledger as of the date) a certificate asset, not lost, whose
`expires` ≥ the date."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import CategoryCode, PersonRole

from .. import evidence as ev
from .. import keys
from .base import every_person_holds

PARAMS = ()


def needs(rule, standard) -> dict:
    return {"certificates": True}


evaluate = every_person_holds(keys.OFFICERS, keys.OFFICERS_VALID_CERTIFICATE)


def evidence(standard, rule, unit, as_of, item=None):
    def judge(certs):
        shown = certs[0] if certs else None  # an expired one, if any
        valid = any(c["expires"] and c["expires"] >= as_of for c in certs)
        return [shown["tag"] if shown else "", shown["expires"] if shown else None], not valid

    return ev.every_person_holds(_("无有效执法证的在岗执法人员"), [_("执法证号"), _("有效期至")], unit, as_of,
                                 PersonRole.OFFICER, [CategoryCode.CERTIFICATE], judge, failing_only=True,
                                 api=f"/api/v1/personnel/?within={unit.code}&role=officer&status=active")
