"""vehicle-dossier (一车一档): every counted vehicle's file holds its VIN, acquisition date, and at least one
insurance and one inspection record (their expiry is a fleet reminder, not this clause)."""
from __future__ import annotations

from .. import evidence as ev
from .. import keys
from ..facts import vehicle_dossier_complete
from .base import every

PARAMS = ()


def evaluate(rule, standard, facts, totals):
    c = totals[facts.root_id]
    return every(rule, facts, c[keys.VEHICLES], c[keys.VEHICLES_DOSSIER_COMPLETE])


def evidence(standard, rule, unit, as_of, item=None):
    return ev.vehicles(rule, unit, as_of, lambda v: vehicle_dossier_complete(v, as_of))
