"""Shared equipment in total (radios-per-officer): ceil(n / officers_per_item) counted items, at every
responsible unit."""
from __future__ import annotations

from .. import evidence as ev
from .. import keys
from .base import CATEGORY, is_positive_int, per_unit

PARAMS = (CATEGORY, ("officers_per_item", is_positive_int, "an integer ≥ 1"))


def evaluate(rule, standard, facts, totals):
    per, category = rule.params["officers_per_item"], rule.params["category"]
    return per_unit(rule, facts, totals, keys.OFFICERS, lambda c: -(-c[keys.OFFICERS] // per),
                    lambda c: c[keys.asset(category)])


def evidence(standard, rule, unit, as_of, item=None):
    return ev.equipment(rule, unit, as_of, item)
