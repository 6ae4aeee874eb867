"""seal-custodian: every counted seal is issued to an active person (its designated custodian)."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import COUNTED_STATUSES, AssetStatus, CategoryCode

from .. import evidence as ev
from .. import keys
from .base import every

PARAMS = ()


def evaluate(rule, standard, facts, totals):
    c = totals[facts.root_id]
    return every(rule, facts, c[keys.SEALS], c[keys.SEALS_WITH_CUSTODIAN])


def evidence(standard, rule, unit, as_of, item=None):
    seals = ev.assets(unit, as_of, [CategoryCode.SEAL], [str(s) for s in COUNTED_STATUSES])
    active = ev.active_ids(as_of)
    return ev.asset_evidence(_("印章及其保管人"), seals,
                             flag=lambda a: "" if a["status"] == AssetStatus.ISSUED and a["holder_id"] in active
                             else "fail")
