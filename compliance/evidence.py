"""The records behind one report row (the assets, people, vehicles or recorder-days it counted), as of its date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from assets.choices import COUNTED_STATUSES, AssetStatus, PersonRole, PersonStatus
from assets.models import OrgUnit, Person

from . import facts as f
from .standards import Rule, Standard


@dataclass
class Evidence:
    title: str
    columns: list[str]
    rows: list[dict] = field(default_factory=list)  # {"values": [...], "flag": "fail" | "", "link": record URL}
    api: str = ""


# Where an auditor opens one record behind a row (the API's browsable detail, or the vehicle file's page).
def asset_link(pk: int) -> str:
    return f"/api/v1/assets/{pk}/"


def person_link(pk: int) -> str:
    return f"/api/v1/personnel/{pk}/"


def vehicle_link(pk: int) -> str:
    return f"/vehicles/{pk}/"


def assets(unit: OrgUnit, as_of: dt.date, categories, statuses, holders=None) -> list[dict]:
    """The assets of `unit`'s subtree in those categories and statuses on as_of (`holders`: held by these people,
    wherever the assets belong)."""
    if holders is not None and not holders:
        return []
    states, params = f.asset_states_sql(as_of)
    if holders is not None:
        where, where_params = f"a.holder_person_id IN ({f._placeholders(holders)})", list(holders)
    else:
        where, where_params = "u.path LIKE %s ESCAPE '\\'", [f._like_prefix(unit.path)]
    sql = (f"SELECT a.id, a.tag, a.category_id, a.item, u.code, a.status, a.holder_person_id, a.acquired, "
           f"a.service_years, a.expires, a.issued_at FROM ({states}) a "
           f"JOIN {f._t(OrgUnit)} u ON u.id = a.unit_id WHERE {where} "
           f"AND a.category_id IN ({f._placeholders(categories)}) AND a.status IN ({f._placeholders(statuses)}) "
           f"ORDER BY a.tag")
    rows = f._rows(sql, [*params, *where_params, *categories, *statuses])
    keys = ("id", "tag", "category", "item", "unit", "status", "holder_id", "acquired", "service_years", "expires",
            "issued_at")
    return [dict(zip(keys, (*r[:-1], _aware(r[-1])))) for r in rows]


def _aware(value):
    """A moment read by raw SQL: SQLite gives naive UTC, or text for a computed column."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def people(unit: OrgUnit, as_of: dt.date) -> list[dict]:
    states, params = f.person_states_sql(as_of)
    rows = f._rows(
        f"SELECT p.person_id, pp.staff_no, pp.name, u.code, p.role, p.status, p.frontline "
        f"FROM ({states}) p JOIN {f._t(Person)} pp ON pp.id = p.person_id "
        f"JOIN {f._t(OrgUnit)} u ON u.id = p.unit_id WHERE u.path LIKE %s ESCAPE '\\' ORDER BY pp.staff_no",
        [*params, f._like_prefix(unit.path)])
    keys = ("id", "staff_no", "name", "unit", "role", "status", "frontline")
    return [dict(zip(keys, r)) for r in rows]


def active(unit: OrgUnit, as_of: dt.date, role: str) -> list[dict]:
    return [x for x in people(unit, as_of) if x["role"] == role and x["status"] == PersonStatus.ACTIVE]


def held_by(persons: list[dict], as_of: dt.date, categories) -> dict[int, list[dict]]:
    """person -> the items of those categories issued to them on as_of."""
    held: dict[int, list[dict]] = {x["id"]: [] for x in persons}
    for a in assets(None, as_of, list(categories), [AssetStatus.ISSUED], holders=sorted(held)):
        held[a["holder_id"]].append(a)
    return held


def names(ids) -> dict[int, str]:
    return {pk: f"{name} ({no})" for pk, name, no in
            Person.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name", "staff_no")}


ASSET_COLUMNS = ["标签号", "类别", "品名", "单位", "状态", "持有人"]


def asset_evidence(title, items, flag=lambda a: "", api="") -> Evidence:
    holder_names = names(a["holder_id"] for a in items)
    return Evidence(title, [_(c) for c in ASSET_COLUMNS],
                    [{"values": [a["tag"], a["category"], a["item"], a["unit"], a["status"],
                                 holder_names.get(a["holder_id"], "")], "flag": flag(a), "link": asset_link(a["id"])}
                     for a in items], api)


def person_row(x: dict, more: list, failed: bool) -> dict:
    return {"values": [x["staff_no"], x["name"], x["unit"], *more], "flag": "fail" if failed else "",
            "link": person_link(x["id"])}


def every_person_holds(title: str, columns: list[str], unit: OrgUnit, as_of: dt.date, role: str, categories,
                       judge, *, failing_only: bool = False, api: str = "") -> Evidence:
    """The drill-down of a check shaped "every active <role> holds X": each active person of `role` in `unit`'s
    subtree with `judge(the items of `categories` issued to them on as_of) -> (cells, failing)` (only the failing
    ones with `failing_only`), under the person columns and `columns`."""
    persons = active(unit, as_of, role)
    held = held_by(persons, as_of, categories)
    rows = [person_row(x, *judge(held[x["id"]])) for x in persons]
    return Evidence(title, [_("工号"), _("姓名"), _("单位"), *columns],
                    [r for r in rows if r["flag"]] if failing_only else rows, api)


def _item_names(rule: Rule, item: str | None) -> set[str] | None:
    for entry in rule.params.get("items", []):
        if entry["name"] == item:
            return {entry["code"], entry["name"], *entry.get("aliases", [])}
    return None


def equipment(rule: Rule, unit: OrgUnit, as_of: dt.date, item: str | None) -> Evidence:
    """The counted items of the rule's category (of one item, for the rows with `item`)."""
    p = rule.params
    found = assets(unit, as_of, [p["category"]], [str(s) for s in COUNTED_STATUSES])
    wanted = _item_names(rule, item)
    if wanted is not None:
        found = [a for a in found if a["item"] in wanted]
    return asset_evidence(_("计入配备的装备（在库、已发放、维修中）"), found,
                          api=f"/api/v1/assets/?within={unit.code}&category={p['category']}")


def officers(unit: OrgUnit, as_of: dt.date, *, flag_not_frontline: bool) -> Evidence:
    return Evidence(_("在岗执法人员"), [_("工号"), _("姓名"), _("单位"), _("一线")],
                    [person_row(x, ["✓" if x["frontline"] else ""], flag_not_frontline and not x["frontline"])
                     for x in active(unit, as_of, PersonRole.OFFICER)],
                    f"/api/v1/personnel/?within={unit.code}&role=officer&status=active")


def vehicles(rule: Rule, unit: OrgUnit, as_of: dt.date, complies) -> Evidence:
    """The counted vehicles of the subtree on as_of, those failing `complies` flagged."""
    units = {u.id: u.code for u in OrgUnit.objects.filter(path__startswith=unit.path)}
    rows = []
    for v in sorted(f.counted_vehicles(set(units), as_of), key=lambda v: v.plate):
        rows.append({"values": [v.plate, units[v.unit_id], v.seats, v.status, "✓" if v.livery_compliant else "",
                                v.vin, v.acquired, v.insurance_expires, v.inspection_expires],
                     "flag": "" if complies(v) else "fail", "link": vehicle_link(v.vehicle_id)})
    return Evidence(_("计入的执法车辆（在用、维修中）"),
                    [_("车牌号"), _("单位"), _("座位数"), _("状态"), _("涂装合规"), _("车架号"), _("购置日期"),
                     _("保险到期"), _("年检到期")], rows, f"/api/v1/vehicles/?within={unit.code}")


def active_ids(as_of: dt.date) -> set[int]:
    states, params = f.person_states_sql(as_of)
    return {r[0] for r in f._rows(f"SELECT p.person_id FROM ({states}) p WHERE p.status = %s",
                                  [*params, PersonStatus.ACTIVE])}


def evidence_for(standard: Standard, rule: Rule, unit: OrgUnit, as_of: dt.date, item: str | None = None
                 ) -> Evidence:
    """The records behind a row of `rule` (its check's drill-down)."""
    from .checks import MODULES

    return MODULES[rule.check].evidence(standard, rule, unit, as_of, item)
