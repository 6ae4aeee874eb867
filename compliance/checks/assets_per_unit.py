"""At every unit of a kind (info-system-per-squadron, camera-per-brigade, storage-per-brigade): ≥ minimum counted
items of a category."""
from __future__ import annotations

from .. import evidence as ev
from .. import keys
from .base import CATEGORY, finding, is_kinds, is_positive_int, kind_units, not_applicable_at_root

PARAMS = (CATEGORY, ("kinds", is_kinds, "a list of unit kinds"), ("minimum", is_positive_int, "an integer ≥ 1"))


def evaluate(rule, standard, facts, totals):
    units = kind_units(facts, rule.params["kinds"])
    key = keys.asset(rule.params["category"])
    if not units:
        return [not_applicable_at_root(rule, facts, totals, key)]
    return [finding(rule, u, rule.params["minimum"], totals[u.id][key]) for u in units]


def evidence(standard, rule, unit, as_of, item=None):
    return ev.equipment(rule, unit, as_of, item)
