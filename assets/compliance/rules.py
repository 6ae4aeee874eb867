"""The evaluator: pure functions from a standard and the subtree's counts to findings that carry their citation.

Scopes (SPEC "Ratio and compliance rules"): unit-scoped checks (counts per officer, protective equipment, valid
certificates, auxiliaries, the full insignia set) are reported for the requested unit, whatever its kind, and for
every detachment and brigade in its subtree (the responsible units, 责任单位) — never for an office or, unless
requested, a squadron; per-kind checks at every unit of that kind in the subtree; officers-per-population at every
unit with a population; the record checks (vehicles, seals, departures, certificates, uniforms, recorder offloads)
once, for the requested unit's whole subtree. A check with nothing to apply to reads not_applicable; one without
the data to decide, insufficient_data.
"""
from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from ..choices import UnitKind
from . import keys
from .facts import Facts, Needs, UnitRow
from .standards import Rule, Standard

PASS, FAIL, NOT_APPLICABLE, INSUFFICIENT = "pass", "fail", "not_applicable", "insufficient_data"
STATUSES = (PASS, FAIL, NOT_APPLICABLE, INSUFFICIENT)
RESPONSIBLE_KINDS = (UnitKind.DETACHMENT, UnitKind.BRIGADE)
PER_BRIGADE = "brigade"  # a protective item counted per brigade in the subtree (a team item: 警示隔离设备)


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


def responsible_units(facts: Facts) -> list[UnitRow]:
    """The requested unit and every detachment and brigade below it (SPEC "Organisation model")."""
    root = facts.unit(facts.root_id)
    return [root] + [u for u in facts.units if u.id != root.id and u.kind in RESPONSIBLE_KINDS]


def _kind_units(facts: Facts, kinds) -> list[UnitRow]:
    return [u for u in facts.units if u.kind in kinds]


def _names(item: dict) -> set[str]:
    return {item["code"], item["name"], *item.get("aliases", [])}


def _item_count(counts: Counter, category: str, item: dict) -> int:
    return sum(counts[keys.item(category, name)] for name in _names(item))


def _per_unit(rule, facts, totals, base_key, required_of, actual_of, **extra):
    """One row per responsible unit; not_applicable where `base_key` (officers, frontline…) is zero there."""
    out = []
    for unit in responsible_units(facts):
        c = totals[unit.id]
        if c[base_key] == 0:
            out.append(_finding(rule, unit, 0, actual_of(c), status=NOT_APPLICABLE, **extra))
        else:
            out.append(_finding(rule, unit, required_of(c), actual_of(c), **extra))
    return out


def officers_per_population(rule, standard, facts, totals):
    units = [u for u in facts.units if u.population is not None]
    if not units:
        root = facts.unit(facts.root_id)
        return [_finding(rule, root, None, totals[root.id][keys.OFFICERS], status=NOT_APPLICABLE)]
    per = rule.params["per_10000"]
    return [_finding(rule, u, math.ceil(Fraction(u.population) * Fraction(str(per)) / 10000),
                     totals[u.id][keys.OFFICERS]) for u in units]


def frontline_ratio(rule, standard, facts, totals):
    pct = Fraction(str(rule.params["percent"])) / 100
    return _per_unit(rule, facts, totals, keys.OFFICERS, lambda c: ceil_times(c[keys.OFFICERS], pct),
                     lambda c: c[keys.FRONTLINE])


def seats_per_officer(rule, standard, facts, totals):
    per = rule.params["seats_per_officer"]
    return _per_unit(rule, facts, totals, keys.OFFICERS, lambda c: ceil_times(c[keys.OFFICERS], per),
                     lambda c: c[keys.SEATS])


def assets_per_officer(rule, standard, facts, totals):
    """Shared equipment in total: ceil(n / officers_per_item) items (radios)."""
    per, category = rule.params["officers_per_item"], rule.params["category"]
    return _per_unit(rule, facts, totals, keys.OFFICERS, lambda c: -(-c[keys.OFFICERS] // per),
                     lambda c: c[keys.asset(category)])


def personal_kit(rule, standard, facts, totals):
    """One item per officer, counted per person: actual = min(n, holders + pool), so an officer's second recorder
    covers nobody else (SPEC "Asset categories")."""
    category = rule.params["category"]
    return _per_unit(rule, facts, totals, keys.OFFICERS, lambda c: c[keys.OFFICERS],
                     lambda c: min(c[keys.OFFICERS], c[keys.holders(category)] + c[keys.pool(category)]))


def valid_certificate(rule, standard, facts, totals):
    return _per_unit(rule, facts, totals, keys.OFFICERS, lambda c: c[keys.OFFICERS],
                     lambda c: c[keys.OFFICERS_VALID_CERTIFICATE])


def full_insignia_set(rule, standard, facts, totals):
    return _per_unit(rule, facts, totals, keys.OFFICERS, lambda c: c[keys.OFFICERS],
                     lambda c: c[keys.OFFICERS_FULL_INSIGNIA])


def auxiliaries_uniformed(rule, standard, facts, totals):
    return _per_unit(rule, facts, totals, keys.AUXILIARIES, lambda c: c[keys.AUXILIARIES],
                     lambda c: c[keys.AUXILIARIES_UNIFORMED])


def auxiliaries_decreasing(rule, standard, facts, totals):
    """Fewer active auxiliaries now than one year earlier, or none now (required: the count a year earlier)."""
    out = []
    for unit in responsible_units(facts):
        c = totals[unit.id]
        now = c[keys.AUXILIARIES]
        before = c[keys.AUXILIARIES_YEAR_AGO] if facts.history_year_ago else None
        if now == 0:
            out.append(Finding(rule.id, unit.code, rule.clause, rule.text, before, 0, 0, PASS))
        elif before is None:
            out.append(_finding(rule, unit, None, now, status=INSUFFICIENT))
        else:
            ok = now < before
            out.append(Finding(rule.id, unit.code, rule.clause, rule.text, before, now,
                               0 if ok else now - before + 1, PASS if ok else FAIL))
    return out


def _not_applicable_at_root(rule, facts, totals, actual_key: str | None = None, item=None):
    root = facts.unit(facts.root_id)
    actual = totals[root.id][actual_key] if actual_key else None
    return _finding(rule, root, None, actual, status=NOT_APPLICABLE, item=item)


def assets_per_unit(rule, standard, facts, totals):
    units = _kind_units(facts, rule.params["kinds"])
    key = keys.asset(rule.params["category"])
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


def protective_items(rule, standard, facts, totals):
    """Each listed item ≥ ceil(base × its local setting): personal items per active frontline officer, team items
    per brigade in the subtree; one row per item, marked with the local threshold it used."""
    category = rule.params["category"]
    out = []
    for unit in responsible_units(facts):
        c = totals[unit.id]
        for item in rule.params["items"]:
            setting = item["setting"]
            ratio = standard.setting(setting)
            local = {setting: ratio} if standard.settings[setting].local else None
            base = c[keys.BRIGADES] if item.get("per") == PER_BRIGADE else c[keys.FRONTLINE]
            actual = _item_count(c, category, item)
            if base == 0:
                out.append(_finding(rule, unit, 0, actual, item=item["name"], local=local, status=NOT_APPLICABLE))
            else:
                out.append(_finding(rule, unit, ceil_times(base, ratio), actual, item=item["name"], local=local))
    return out


def _every(rule, facts, totals, population: int, compliant: int):
    """"Every X complies": required = how many X, actual = how many comply; nothing to check → not_applicable."""
    root = facts.unit(facts.root_id)
    if population == 0:
        return [_finding(rule, root, 0, 0, status=NOT_APPLICABLE)]
    return [_finding(rule, root, population, compliant)]


def vehicle_livery(rule, standard, facts, totals):
    c = totals[facts.root_id]
    return _every(rule, facts, totals, c[keys.VEHICLES], c[keys.VEHICLES_LIVERY_COMPLIANT])


def vehicle_dossier(rule, standard, facts, totals):
    c = totals[facts.root_id]
    return _every(rule, facts, totals, c[keys.VEHICLES], c[keys.VEHICLES_DOSSIER_COMPLETE])


def seal_custodian(rule, standard, facts, totals):
    c = totals[facts.root_id]
    return _every(rule, facts, totals, c[keys.SEALS], c[keys.SEALS_WITH_CUSTODIAN])


def return_on_departure(rule, standard, facts, totals):
    """People of the given statuses (transferred; transferred or retired) holding none of the given categories."""
    categories, statuses = set(rule.params["categories"]), set(rule.params["statuses"])
    departed = [held for _, _, status, held in facts.departed if status in statuses]
    return _every(rule, facts, totals, len(departed), sum(1 for held in departed if not held & categories))


def certificate_loss_reported(rule, standard, facts, totals):
    limit = rule.params["max_days"]
    losses = [days for _, days in facts.certificate_losses]
    dated = [d for d in losses if d is not None]
    if losses and not dated:
        return [_finding(rule, facts.unit(facts.root_id), None, None, status=INSUFFICIENT)]
    return _every(rule, facts, totals, len(dated), sum(1 for d in dated if d <= limit))


def uniform_replacement(rule, standard, facts, totals):
    c = totals[facts.root_id]
    judged = c[keys.UNIFORMS_ISSUED] - c[keys.UNIFORMS_UNKNOWN_LIFE]
    if c[keys.UNIFORMS_ISSUED] and judged == 0:
        root = facts.unit(facts.root_id)
        return [_finding(rule, root, None, None, status=INSUFFICIENT)]
    return _every(rule, facts, totals, judged, judged - c[keys.UNIFORMS_OVERDUE])


def recorder_offload(rule, standard, facts, totals):
    """Every recorder-day in use offloaded by its deadline (assets.compliance.recorders)."""
    root = facts.unit(facts.root_id)
    names = (rule.params["window_setting"], rule.params["deadline_setting"])
    local = {n: standard.setting(n) for n in names if standard.settings[n].local} or None
    if not facts.dock_reports:
        return [_finding(rule, root, None, None, status=INSUFFICIENT, local=local)]
    c = totals[root.id]
    if c[keys.RECORDER_DAYS] == 0:
        return [_finding(rule, root, 0, 0, status=NOT_APPLICABLE, local=local)]
    return [_finding(rule, root, c[keys.RECORDER_DAYS], c[keys.RECORDER_DAYS_OFFLOADED], local=local)]


EVALUATORS = {
    "officers_per_population": officers_per_population,
    "frontline_ratio": frontline_ratio,
    "seats_per_officer": seats_per_officer,
    "assets_per_officer": assets_per_officer,
    "personal_kit": personal_kit,
    "assets_per_unit": assets_per_unit,
    "protective_items": protective_items,
    "items_per_unit": items_per_unit,
    "vehicle_livery": vehicle_livery,
    "vehicle_dossier": vehicle_dossier,
    "valid_certificate": valid_certificate,
    "full_insignia_set": full_insignia_set,
    "auxiliaries_decreasing": auxiliaries_decreasing,
    "auxiliaries_uniformed": auxiliaries_uniformed,
    "return_on_departure": return_on_departure,
    "certificate_loss_reported": certificate_loss_reported,
    "seal_custodian": seal_custodian,
    "uniform_replacement": uniform_replacement,
    "recorder_offload": recorder_offload,
}


def needs(standard: Standard) -> Needs:
    """What the standard's checks need collected (facts.Needs)."""
    item_categories, personal, insignia = set(), [], []
    certificates = auxiliaries = False
    window, hours = 0, 24.0
    for rule in standard.rules:
        p = rule.params
        if "items" in p and "category" in p:
            item_categories.add(p["category"])
        if rule.check == "personal_kit":
            personal.append(p["category"])
        elif rule.check == "valid_certificate":
            certificates = True
        elif rule.check == "full_insignia_set":
            insignia = [tuple(sorted(_names(i))) for i in p["items"]]
        elif rule.check == "auxiliaries_uniformed":
            auxiliaries = True
        elif rule.check == "recorder_offload":
            window = int(standard.setting(p["window_setting"]))
            hours = float(standard.setting(p["deadline_setting"]))
    return Needs(item_categories=tuple(sorted(item_categories)), personal_categories=tuple(personal),
                 certificates=certificates, insignia_items=tuple(insignia), auxiliaries_uniformed=auxiliaries,
                 offload_window=window, offload_deadline_hours=hours)


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

