"""frontline-ratio: frontline officers ≥ ceil(n × percent / 100), at every responsible unit."""
from __future__ import annotations

from fractions import Fraction

from .. import evidence as ev
from .. import keys
from .base import ceil_times, is_number, per_unit

PARAMS = (("percent", is_number, "a number ≥ 0"),)


def evaluate(rule, standard, facts, totals):
    pct = Fraction(str(rule.params["percent"])) / 100
    return per_unit(rule, facts, totals, keys.OFFICERS, lambda c: ceil_times(c[keys.OFFICERS], pct),
                    lambda c: c[keys.FRONTLINE])


def evidence(standard, rule, unit, as_of, item=None):
    return ev.officers(unit, as_of, flag_not_frontline=True)
