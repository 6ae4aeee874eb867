"""vehicle-livery: every counted vehicle's livery follows the national scheme."""
from __future__ import annotations

from .. import evidence as ev
from .. import keys
from .base import every

PARAMS = ()


def evaluate(rule, standard, facts, totals):
    c = totals[facts.root_id]
    return every(rule, facts, c[keys.VEHICLES], c[keys.VEHICLES_LIVERY_COMPLIANT])


def evidence(standard, rule, unit, as_of, item=None):
    return ev.vehicles(rule, unit, as_of, lambda v: v.livery_compliant)
