"""At every unit of a kind, each listed item ≥ minimum (office-equipment); one row per item, key `item`."""
from __future__ import annotations

from .. import evidence as ev
from .base import CATEGORY, finding, is_items, is_kinds, is_positive_int, item_count, kind_units, \
    not_applicable_at_root

PARAMS = (CATEGORY, ("kinds", is_kinds, "a list of unit kinds"), ("minimum", is_positive_int, "an integer ≥ 1"),
          ("items", is_items, "a list of {code, name, aliases?}"))


def needs(rule, standard) -> dict:
    return {"item_categories": (rule.params["category"],)}


def evaluate(rule, standard, facts, totals):
    units = kind_units(facts, rule.params["kinds"])
    category, items = rule.params["category"], rule.params["items"]
    if not units:
        return [not_applicable_at_root(rule, facts, totals, item=i["name"]) for i in items]
    return [finding(rule, u, rule.params["minimum"], item_count(totals[u.id], category, i), item=i["name"])
            for u in units for i in items]


def evidence(standard, rule, unit, as_of, item=None):
    return ev.equipment(rule, unit, as_of, item)
