"""vehicle-seats-per-officer: seats of the counted vehicles ≥ n × seats_per_officer, at every responsible unit."""
from __future__ import annotations

from .. import evidence as ev
from .. import keys
from .base import ceil_times, is_number, per_unit

PARAMS = (("seats_per_officer", is_number, "a number ≥ 0"),)


def evaluate(rule, standard, facts, totals):
    per = rule.params["seats_per_officer"]
    return per_unit(rule, facts, totals, keys.OFFICERS, lambda c: ceil_times(c[keys.OFFICERS], per),
                    lambda c: c[keys.SEATS])


def evidence(standard, rule, unit, as_of, item=None):
    return ev.vehicles(rule, unit, as_of, lambda v: True)
