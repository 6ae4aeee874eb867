"""The evaluator: pure functions from a standard and the subtree's counts to findings that carry their citation.

Scopes (SPEC "Ratio and compliance rules"): per-officer checks are reported for the requested unit and every
unit below it with at least one active officer in its subtree; per-kind checks at every unit of that kind in
the subtree; officers-per-population at every unit with a population; the "every item" checks (vehicles,
seals, departures, lost certificates, uniforms, recorder offloads) once, for the requested unit's subtree.
A check with nothing to apply to reads not_applicable; one without the data to decide, insufficient_data.
"""
from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from .facts import Facts, UnitRow
from .standards import Rule, Standard

PASS, FAIL, NOT_APPLICABLE, INSUFFICIENT = "pass", "fail", "not_applicable", "insufficient_data"
STATUSES = (PASS, FAIL, NOT_APPLICABLE, INSUFFICIENT)


@dataclass(frozen=True)
class Finding:
    rule: str
    unit: str
    clause: str
    text: str
    required: int | None
    actual: int | None
    shortfall: int | None
    status: str
    item: str | None = None
    local: dict | None = None

    def as_dict(self) -> dict:
        # By hand, not dataclasses.asdict: a province's report has tens of thousands of rows and asdict's deep
        # copy of each cost a good part of a second.
        data = {"rule": self.rule, "unit": self.unit, "clause": self.clause, "text": self.text,
                "required": self.required, "actual": self.actual, "shortfall": self.shortfall, "status": self.status}
        if self.item is not None:
            data["item"] = self.item
        if self.local is not None:
            data["local"] = dict(self.local)
        return data


def ceil_times(n: int, ratio) -> int:
    """ceil(n × ratio), exact for decimal ratios such as 0.9 or 1.5 (in integers: a province asks ten thousand
    times, and Fraction arithmetic cost a tenth of a second)."""
    numerator, denominator = _exact(ratio)
    return -(-n * numerator // denominator)


@functools.lru_cache(maxsize=256)
def _exact(ratio) -> tuple[int, int]:
    return Fraction(str(ratio)).as_integer_ratio()


def rollup(facts: Facts) -> dict[int, Counter]:
    """Each unit's counts summed over its subtree (units arrive ordered by path, so children follow parents)."""
    totals = {u.id: Counter(facts.own.get(u.id, {})) for u in facts.units}
    for unit in reversed(facts.units):
        if unit.id != facts.root_id and unit.parent_id in totals:
            totals[unit.parent_id].update(totals[unit.id])
    return totals


def _finding(rule: Rule, unit: UnitRow, required, actual, *, at_least: bool = True, item=None, local=None,
             status: str | None = None) -> Finding:
    if status is None:
        ok = actual >= required if at_least else actual <= required
        status = PASS if ok else FAIL
    if required is None or actual is None or status in (NOT_APPLICABLE, INSUFFICIENT):
        shortfall = None
    else:
        shortfall = max(0, required - actual) if at_least else max(0, actual - required)
    return Finding(rule.id, unit.code, rule.clause, rule.text, required, actual, shortfall, status, item, local)


def _officer_units(facts: Facts, totals) -> list[UnitRow]:
    root = facts.unit(facts.root_id)
    return [root] + [u for u in facts.units if u.id != root.id and totals[u.id]["officers"] >= 1]


def _kind_units(facts: Facts, kinds) -> list[UnitRow]:
    return [u for u in facts.units if u.kind in kinds]


def _item_count(counts: Counter, category: str, item: dict) -> int:
    names = {item["code"], item["name"], *item.get("aliases", [])}
    return sum(counts[f"item:{category}:{name}"] for name in names)


def _per_officer(rule, facts, totals, required_of, actual_of):
    out = []
    for unit in _officer_units(facts, totals):
        c = totals[unit.id]
        if c["officers"] == 0:
            out.append(_finding(rule, unit, 0, actual_of(c), status=NOT_APPLICABLE))
        else:
            out.append(_finding(rule, unit, required_of(c), actual_of(c)))
    return out


def officers_per_population(rule, standard, facts, totals):
    units = [u for u in facts.units if u.population is not None]
    if not units:
        root = facts.unit(facts.root_id)
        return [_finding(rule, root, None, totals[root.id]["officers"], status=NOT_APPLICABLE)]
    per = rule.params["per_10000"]
    return [_finding(rule, u, math.ceil(Fraction(u.population) * Fraction(str(per)) / 10000),
                     totals[u.id]["officers"]) for u in units]


def frontline_ratio(rule, standard, facts, totals):
    pct = Fraction(str(rule.params["percent"])) / 100
    return _per_officer(rule, facts, totals, lambda c: ceil_times(c["officers"], pct), lambda c: c["frontline"])


def seats_per_officer(rule, standard, facts, totals):
    per = rule.params["seats_per_officer"]
    return _per_officer(rule, facts, totals, lambda c: ceil_times(c["officers"], per), lambda c: c["seats"])


def assets_per_officer(rule, standard, facts, totals):
    per, category = rule.params["officers_per_item"], rule.params["category"]
    return _per_officer(rule, facts, totals, lambda c: -(-c["officers"] // per), lambda c: c[f"asset:{category}"])


def valid_certificate(rule, standard, facts, totals):
    return _per_officer(rule, facts, totals, lambda c: c["officers"], lambda c: c["officers_valid_certificate"])


def _not_applicable_at_root(rule, facts, totals, actual_key: str | None = None, item=None):
    root = facts.unit(facts.root_id)
    actual = totals[root.id][actual_key] if actual_key else None
    return _finding(rule, root, None, actual, status=NOT_APPLICABLE, item=item)


def assets_per_unit(rule, standard, facts, totals):
    units = _kind_units(facts, rule.params["kinds"])
    key = f"asset:{rule.params['category']}"
    if not units:
        return [_not_applicable_at_root(rule, facts, totals, key)]
    return [_finding(rule, u, rule.params["minimum"], totals[u.id][key]) for u in units]


def items_per_unit(rule, standard, facts, totals):
    units = _kind_units(facts, rule.params["kinds"])
    category, items = rule.params["category"], rule.params["items"]
    if not units:
        return [_not_applicable_at_root(rule, facts, totals, item=i["name"]) for i in items]
    return [_finding(rule, u, rule.params["minimum"], _item_count(totals[u.id], category, i), item=i["name"])
            for u in units for i in items]


def items_per_frontline(rule, standard, facts, totals):
    setting = rule.params["ratio_setting"]
    ratio = standard.setting(setting)
    local = {setting: ratio} if standard.settings[setting].local else None
    category = rule.params["category"]
    out = []
    for unit in _officer_units(facts, totals):
        c = totals[unit.id]
        for item in rule.params["items"]:
            actual = _item_count(c, category, item)
            if c["frontline"] == 0:
                out.append(_finding(rule, unit, 0, actual, item=item["name"], local=local, status=NOT_APPLICABLE))
            else:
                out.append(_finding(rule, unit, ceil_times(c["frontline"], ratio), actual, item=item["name"],
                                    local=local))
    return out


def _every(rule, facts, totals, population: int, compliant: int):
    """"Every X complies": required = how many X, actual = how many comply; nothing to check → not_applicable."""
    root = facts.unit(facts.root_id)
    if population == 0:
        return [_finding(rule, root, 0, 0, status=NOT_APPLICABLE)]
    return [_finding(rule, root, population, compliant)]


def vehicle_livery(rule, standard, facts, totals):
    c = totals[facts.root_id]
    return _every(rule, facts, totals, c["vehicles"], c["vehicles_livery_compliant"])


def vehicle_dossier(rule, standard, facts, totals):
    c = totals[facts.root_id]
    return _every(rule, facts, totals, c["vehicles"], c["vehicles_dossier_complete"])


def seal_custodian(rule, standard, facts, totals):
    c = totals[facts.root_id]
    return _every(rule, facts, totals, c["seals"], c["seals_with_custodian"])


def return_on_departure(rule, standard, facts, totals):
    categories = set(rule.params["categories"])
    departed = [held for _, _, held in facts.departed]
    return _every(rule, facts, totals, len(departed), sum(1 for held in departed if not held & categories))


def certificate_loss_reported(rule, standard, facts, totals):
    limit = rule.params["max_days"]
    losses = [days for _, days in facts.certificate_losses]
    return _every(rule, facts, totals, len(losses), sum(1 for d in losses if d <= limit))


def uniform_replacement(rule, standard, facts, totals):
    c = totals[facts.root_id]
    judged = c["uniforms_issued"] - c["uniforms_unknown_life"]
    if c["uniforms_issued"] and judged == 0:
        root = facts.unit(facts.root_id)
        return [_finding(rule, root, None, None, status=INSUFFICIENT)]
    return _every(rule, facts, totals, judged, judged - c["uniforms_overdue"])


def auxiliaries_decreasing(rule, standard, facts, totals):
    root = facts.unit(facts.root_id)
    c = totals[root.id]
    if not facts.history_year_ago:
        return [_finding(rule, root, None, c["auxiliaries"], status=INSUFFICIENT)]
    return [_finding(rule, root, c["auxiliaries_year_ago"], c["auxiliaries"], at_least=False)]


def recorder_daily_offload(rule, standard, facts, totals):
    c = totals[facts.root_id]
    if not facts.dock_reports:
        return [_finding(rule, facts.unit(facts.root_id), None, None, status=INSUFFICIENT)]
    return _every(rule, facts, totals, c["recorder_days"], c["recorder_days_offloaded"])


EVALUATORS = {
    "officers_per_population": officers_per_population,
    "frontline_ratio": frontline_ratio,
    "seats_per_officer": seats_per_officer,
    "assets_per_officer": assets_per_officer,
    "assets_per_unit": assets_per_unit,
    "items_per_frontline": items_per_frontline,
    "items_per_unit": items_per_unit,
    "vehicle_livery": vehicle_livery,
    "vehicle_dossier": vehicle_dossier,
    "valid_certificate": valid_certificate,
    "auxiliaries_decreasing": auxiliaries_decreasing,
    "return_on_departure": return_on_departure,
    "certificate_loss_reported": certificate_loss_reported,
    "seal_custodian": seal_custodian,
    "uniform_replacement": uniform_replacement,
    "recorder_daily_offload": recorder_daily_offload,
}


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
