"""The evaluator: the standard's rules, each through its check (compliance.checks), over the subtree's
counts rolled up the tree; pure functions from the counts to findings that carry their citation.

Scopes (SPEC "Ratio and compliance rules"): unit-scoped checks (counts per officer, protective equipment, valid
certificates, auxiliaries, the full insignia set) are reported for the requested unit, whatever its kind, and for
every detachment and brigade in its subtree (the responsible units, 责任单位) — never for an office or, unless
requested, a squadron; per-kind checks at every unit of that kind in the subtree; officers-per-population at every
unit with a population; the record checks (vehicles, seals, departures, certificates, uniforms, recorder offloads)
once, for the requested unit's whole subtree. A check with nothing to apply to reads not_applicable; one without
the data to decide, insufficient_data.
"""
from __future__ import annotations

from collections import Counter

from .checks import MODULES
from .checks.base import STATUSES, Finding, ceil_times, responsible_units
from .facts import Facts, Needs
from .standards import Standard

EVALUATORS = {name: module.evaluate for name, module in MODULES.items()}


def rollup(facts: Facts) -> dict[int, Counter]:
    """Each unit's counts summed over its subtree (units arrive ordered by path, so children follow parents)."""
    totals = {u.id: Counter(facts.own.get(u.id, {})) for u in facts.units}
    for unit in reversed(facts.units):
        if unit.id != facts.root_id and unit.parent_id in totals:
            totals[unit.parent_id].update(totals[unit.id])
    return totals


def needs(standard: Standard) -> Needs:
    """What the standard's checks need collected (facts.Needs): the union of what each rule's check asks."""
    merged: dict = {"item_categories": set(), "personal_categories": []}
    for rule in standard.rules:
        module = MODULES[rule.check]
        if not hasattr(module, "needs"):
            continue
        for key, value in module.needs(rule, standard).items():
            if key == "item_categories":
                merged[key].update(value)
            elif key == "personal_categories":
                merged[key].extend(v for v in value if v not in merged[key])
            else:
                merged[key] = value
    merged["item_categories"] = tuple(sorted(merged["item_categories"]))
    merged["personal_categories"] = tuple(merged["personal_categories"])
    return Needs(**merged)


def evaluate(standard: Standard, facts: Facts, totals: dict[int, Counter] | None = None) -> list[Finding]:
    """The findings of every rule of `standard` (`totals`: rollup(facts), when the caller has it already)."""
    totals = rollup(facts) if totals is None else totals
    findings: list[Finding] = []
    for rule in standard.rules:
        findings.extend(EVALUATORS[rule.check](rule, standard, facts, totals))
    return findings


def summarize(findings: list[Finding]) -> dict[str, int]:
    counts = Counter(f.status for f in findings)
    return {status: counts.get(status, 0) for status in STATUSES}


__all__ = ["EVALUATORS", "STATUSES", "Finding", "ceil_times", "evaluate", "needs", "responsible_units", "rollup",
           "summarize"]
