"""officers-per-population (jiangsu 人员配备/配备比例): n ≥ ceil(population × per_10000 / 10000) at every unit
with a population."""
from __future__ import annotations

import math
from fractions import Fraction

from .. import evidence as ev
from .. import keys
from .base import NOT_APPLICABLE, finding, is_number

PARAMS = (("per_10000", is_number, "a number ≥ 0"),)


def evaluate(rule, standard, facts, totals):
    units = [u for u in facts.units if u.population is not None]
    if not units:
        root = facts.unit(facts.root_id)
        return [finding(rule, root, None, totals[root.id][keys.OFFICERS], status=NOT_APPLICABLE)]
    per = rule.params["per_10000"]
    return [finding(rule, u, math.ceil(Fraction(u.population) * Fraction(str(per)) / 10000),
                    totals[u.id][keys.OFFICERS]) for u in units]


def evidence(standard, rule, unit, as_of, item=None):
    return ev.officers(unit, as_of, flag_not_frontline=False)
