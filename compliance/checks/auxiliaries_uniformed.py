"""auxiliaries-uniformed (jiangsu 协管人员/7 统一着装，持证上岗): every active auxiliary holds an unexpired
`aux_card` and at least one `aux_uniform` item."""
from __future__ import annotations

from django.utils.translation import gettext as _

from assets.choices import CategoryCode, PersonRole

from .. import evidence as ev
from .. import keys
from .base import every_person_holds

PARAMS = ()


def needs(rule, standard) -> dict:
    return {"auxiliaries_uniformed": True}


evaluate = every_person_holds(keys.AUXILIARIES, keys.AUXILIARIES_UNIFORMED)


def evidence(standard, rule, unit, as_of, item=None):
    def judge(held):
        cards = [a for a in held if a["category"] == CategoryCode.AUX_CARD]
        valid = [a for a in cards if a["expires"] and a["expires"] >= as_of]
        clothes = [a for a in held if a["category"] == CategoryCode.AUX_UNIFORM]
        card = valid[0] if valid else (cards[0] if cards else None)
        cells = [card["tag"] if card else "", card["expires"] if card else None, len(clothes)]
        return cells, not (valid and clothes)

    return ev.every_person_holds(_("在岗协管人员的工作证与服装"), [_("工作证"), _("有效期至"), _("服装件数")], unit,
                                 as_of, PersonRole.AUXILIARY, [CategoryCode.AUX_CARD, CategoryCode.AUX_UNIFORM],
                                 judge)
