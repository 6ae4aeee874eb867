"""What the checks share: findings and their statuses, the scopes (responsible units, units of a kind, the
requested unit's subtree), exact ceilings, and the tests of a standard file's parameters."""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from assets.choices import CategoryCode, PersonStatus, UnitKind

from .. import keys
from ..facts import Facts, UnitRow

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


def finding(rule, unit: UnitRow, required, actual, *, at_least: bool = True, item=None, local=None,
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


def kind_units(facts: Facts, kinds) -> list[UnitRow]:
    return [u for u in facts.units if u.kind in kinds]


def per_unit(rule, facts, totals, base_key, required_of, actual_of, **extra) -> list[Finding]:
    """One row per responsible unit; not_applicable where `base_key` (officers, frontline…) is zero there."""
    out = []
    for unit in responsible_units(facts):
        c = totals[unit.id]
        if c[base_key] == 0:
            out.append(finding(rule, unit, 0, actual_of(c), status=NOT_APPLICABLE, **extra))
        else:
            out.append(finding(rule, unit, required_of(c), actual_of(c), **extra))
    return out


def every_person_holds(people: str, holders: str):
    """The evaluation of a check shaped "every active officer (auxiliary) holds X" (valid-certificate,
    auxiliaries-uniformed, full-insignia-set): one row per responsible unit, required = the active people counted
    under the key `people`, actual = those of them counted under `holders`; no such people there → not_applicable.
    Its drill-down is `evidence.every_person_holds`."""
    def evaluate(rule, standard, facts, totals):
        return per_unit(rule, facts, totals, people, lambda c: c[people], lambda c: c[holders])
    return evaluate


def every(rule, facts, population: int, compliant: int) -> list[Finding]:
    """"Every X complies", once for the requested unit's subtree: required = how many X, actual = how many
    comply; nothing to check → not_applicable."""
    root = facts.unit(facts.root_id)
    if population == 0:
        return [finding(rule, root, 0, 0, status=NOT_APPLICABLE)]
    return [finding(rule, root, population, compliant)]


def not_applicable_at_root(rule, facts, totals, actual_key: str | None = None, item=None) -> Finding:
    root = facts.unit(facts.root_id)
    actual = totals[root.id][actual_key] if actual_key else None
    return finding(rule, root, None, actual, status=NOT_APPLICABLE, item=item)


def item_names(item: dict) -> set[str]:
    return {item["code"], item["name"], *item.get("aliases", [])}


def item_count(counts: Counter, category: str, item: dict) -> int:
    return sum(counts[keys.item(category, name)] for name in item_names(item))


# --- tests of a standard file's parameters: (key, test, what a good value is) ------------------------------

def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def is_positive_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def is_category(v) -> bool:
    return v in CategoryCode.values


def is_kinds(v) -> bool:
    return isinstance(v, list) and bool(v) and all(k in UnitKind.values for k in v)


def is_categories(v) -> bool:
    return isinstance(v, list) and bool(v) and all(is_category(c) for c in v)


def is_items(v) -> bool:
    return (isinstance(v, list) and bool(v) and all(
        isinstance(i, dict) and isinstance(i.get("code"), str) and isinstance(i.get("name"), str)
        and all(isinstance(a, str) for a in i.get("aliases", [])) for i in v))


def is_setting_name(v) -> bool:
    return isinstance(v, str) and bool(v)


def is_statuses(v) -> bool:
    return isinstance(v, list) and bool(v) and all(s in PersonStatus.values for s in v)


CATEGORY = ("category", is_category, "an asset category code")
