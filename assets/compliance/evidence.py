"""The records behind one report row (the assets, people, vehicles or recorder-days it counted), as of its date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..choices import COUNTED_STATUSES, AssetStatus, CategoryCode, PersonRole, PersonStatus
from ..models import CustodyEvent, OrgUnit, Person
from ..selectors import uniform_due_on, uniform_replacement_start, uniform_service_years
from . import facts as f
from . import recorders
from .rules import needs
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


def _assets(unit: OrgUnit, as_of: dt.date, categories, statuses, holders=None) -> list[dict]:
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
    return [dict(zip(keys, r)) for r in rows]


def _people(unit: OrgUnit, as_of: dt.date) -> list[dict]:
    states, params = f.person_states_sql(as_of)
    rows = f._rows(
        f"SELECT p.person_id, pp.staff_no, pp.name, u.code, p.role, p.status, p.frontline "
        f"FROM ({states}) p JOIN {f._t(Person)} pp ON pp.id = p.person_id "
        f"JOIN {f._t(OrgUnit)} u ON u.id = p.unit_id WHERE u.path LIKE %s ESCAPE '\\' ORDER BY pp.staff_no",
        [*params, f._like_prefix(unit.path)])
    keys = ("id", "staff_no", "name", "unit", "role", "status", "frontline")
    return [dict(zip(keys, r)) for r in rows]


def _active(unit: OrgUnit, as_of: dt.date, role: str) -> list[dict]:
    return [x for x in _people(unit, as_of) if x["role"] == role and x["status"] == PersonStatus.ACTIVE]


def _held_by(people: list[dict], as_of: dt.date, categories) -> dict[int, list[dict]]:
    """person -> the items of those categories issued to them on as_of."""
    held: dict[int, list[dict]] = {x["id"]: [] for x in people}
    for a in _assets(None, as_of, list(categories), [AssetStatus.ISSUED], holders=sorted(held)):
        held[a["holder_id"]].append(a)
    return held


def _names(ids) -> dict[int, str]:
    return {pk: f"{name} ({no})" for pk, name, no in
            Person.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name", "staff_no")}


ASSET_COLUMNS = ["标签号", "类别", "品名", "单位", "状态", "持有人"]
PERSON_COLUMNS = ["工号", "姓名", "单位"]


def _asset_evidence(title, assets, flag=lambda a: "", api="") -> Evidence:
    names = _names(a["holder_id"] for a in assets)
    return Evidence(title, [_(c) for c in ASSET_COLUMNS],
                    [{"values": [a["tag"], a["category"], a["item"], a["unit"], a["status"],
                                 names.get(a["holder_id"], "")], "flag": flag(a), "link": asset_link(a["id"])}
                     for a in assets], api)


def _person_row(x: dict, more: list, failed: bool) -> dict:
    return {"values": [x["staff_no"], x["name"], x["unit"], *more], "flag": "fail" if failed else "",
            "link": person_link(x["id"])}


def _item_names(rule: Rule, item: str | None) -> set[str] | None:
    for entry in rule.params.get("items", []):
        if entry["name"] == item:
            return {entry["code"], entry["name"], *entry.get("aliases", [])}
    return None


def _equipment(rule, unit, as_of, item):
    p = rule.params
    assets = _assets(unit, as_of, [p["category"]], [str(s) for s in COUNTED_STATUSES])
    names = _item_names(rule, item)
    if names is not None:
        assets = [a for a in assets if a["item"] in names]
    return _asset_evidence(_("计入配备的装备（在库、已发放、维修中）"), assets,
                           api=f"/api/v1/assets/?within={unit.code}&category={p['category']}")


def _personal_kit(rule, unit, as_of):
    """Officers without an item of their own are named; the pool (not held by a person) follows them."""
    category = rule.params["category"]
    officers = _active(unit, as_of, PersonRole.OFFICER)
    held = _held_by(officers, as_of, [category])
    rows = [_person_row(x, [", ".join(a["tag"] for a in held[x["id"]])], not held[x["id"]]) for x in officers]
    pool = [a for a in _assets(unit, as_of, [category], [str(s) for s in COUNTED_STATUSES])
            if a["holder_id"] is None]
    rows += [{"values": ["", _("装备池"), a["unit"], a["tag"]], "flag": "", "link": asset_link(a["id"])}
             for a in pool]
    return Evidence(_("在岗执法人员的个人配备（无配备者标红）及单位装备池"),
                    [_("工号"), _("姓名"), _("单位"), _("持有/池中装备")], rows,
                    f"/api/v1/assets/?within={unit.code}&category={category}")


def _valid_certificate(rule, unit, as_of):
    officers = _active(unit, as_of, PersonRole.OFFICER)
    held = _held_by(officers, as_of, [CategoryCode.CERTIFICATE])
    rows = []
    for x in officers:
        certs = held[x["id"]]
        valid = [c for c in certs if c["expires"] and c["expires"] >= as_of]
        if valid:
            continue
        shown = certs[0] if certs else None  # an expired one, if any
        rows.append(_person_row(x, [shown["tag"] if shown else "", shown["expires"] if shown else None], True))
    return Evidence(_("无有效执法证的在岗执法人员"),
                    [_("工号"), _("姓名"), _("单位"), _("执法证号"), _("有效期至")], rows,
                    f"/api/v1/personnel/?within={unit.code}&role=officer&status=active")


def _full_insignia(rule, unit, as_of):
    items = rule.params["items"]
    officers = _active(unit, as_of, PersonRole.OFFICER)
    held = _held_by(officers, as_of, [CategoryCode.INSIGNIA])
    rows = []
    for x in officers:
        have = {a["item"] for a in held[x["id"]]}
        missing = [i["name"] for i in items if not (have & {i["code"], i["name"], *i.get("aliases", [])})]
        rows.append(_person_row(x, ["、".join(missing)], bool(missing)))
    return Evidence(_("在岗执法人员缺少的标志标识"), [_("工号"), _("姓名"), _("单位"), _("缺少")], rows)


def _auxiliaries_uniformed(rule, unit, as_of):
    auxiliaries = _active(unit, as_of, PersonRole.AUXILIARY)
    held = _held_by(auxiliaries, as_of, [CategoryCode.AUX_CARD, CategoryCode.AUX_UNIFORM])
    rows = []
    for x in auxiliaries:
        cards = [a for a in held[x["id"]] if a["category"] == CategoryCode.AUX_CARD]
        valid = [a for a in cards if a["expires"] and a["expires"] >= as_of]
        clothes = [a for a in held[x["id"]] if a["category"] == CategoryCode.AUX_UNIFORM]
        card = valid[0] if valid else (cards[0] if cards else None)
        rows.append(_person_row(x, [card["tag"] if card else "", card["expires"] if card else None, len(clothes)],
                                not (valid and clothes)))
    return Evidence(_("在岗协管人员的工作证与服装"),
                    [_("工号"), _("姓名"), _("单位"), _("工作证"), _("有效期至"), _("服装件数")], rows)


def _departures(rule, unit, as_of):
    p = rule.params
    departed = {x["id"]: x for x in _people(unit, as_of) if x["status"] in p["statuses"]}
    issued = _assets(unit, as_of, p["categories"], [AssetStatus.ISSUED], holders=sorted(departed))
    return _asset_evidence(_("调离、退休人员仍持有的装备"), issued, flag=lambda a: "fail")


def _vehicles(rule, unit, as_of):
    units = {u.id: u.code for u in OrgUnit.objects.filter(path__startswith=unit.path)}
    rows = []
    for v in sorted(f.counted_vehicles(set(units), as_of), key=lambda v: v.plate):
        ok = {"vehicle_livery": v.livery_compliant,
              "vehicle_dossier": f.vehicle_dossier_complete(v, as_of)}.get(rule.check, True)
        rows.append({"values": [v.plate, units[v.unit_id], v.seats, v.status, "✓" if v.livery_compliant else "",
                                v.vin, v.acquired, v.insurance_expires, v.inspection_expires],
                     "flag": "" if ok else "fail", "link": vehicle_link(v.vehicle_id)})
    return Evidence(_("计入的执法车辆（在用、维修中）"),
                    [_("车牌号"), _("单位"), _("座位数"), _("状态"), _("涂装合规"), _("车架号"), _("购置日期"),
                     _("保险到期"), _("年检到期")], rows, f"/api/v1/vehicles/?within={unit.code}")


def _loss_reports(rule, unit, as_of):
    events = CustodyEvent.objects.filter(
        action="report_lost", asset__category_id="certificate", occurred_at__lt=f.end_of_day(as_of),
        unit_after__path__startswith=unit.path).select_related("asset", "person", "unit_after").order_by("id")
    rows = []
    for e in events:
        days = (e.date_reported - e.date_lost).days if e.date_lost and e.date_reported else None
        rows.append({"values": [e.asset.tag, str(e.person or ""), e.unit_after.code, e.date_lost, e.date_reported,
                                days], "flag": "fail" if days is not None and days > rule.params["max_days"] else "",
                     "link": asset_link(e.asset_id)})
    return Evidence(_("遗失的执法证件"), [_("标签号"), _("持证人"), _("单位"), _("遗失日期"), _("报告日期"),
                                          _("相隔天数")], rows)


def _uniforms(rule, unit, as_of):
    years = uniform_service_years()
    rows = []
    for a in _assets(unit, as_of, [CategoryCode.UNIFORM], [AssetStatus.ISSUED]):
        due = uniform_due_on(issued_at=a["issued_at"], acquired=a["acquired"], service_years=a["service_years"],
                             item=a["item"], years_by_item=years)
        rows.append({"values": [a["tag"], a["item"], a["unit"],
                                uniform_replacement_start(issued_at=a["issued_at"], acquired=a["acquired"]),
                                a["service_years"] or years.get(a["item"]), due],
                     "flag": "fail" if due and due < as_of else "", "link": asset_link(a["id"])})
    return Evidence(_("已发放的制式服装及更换期限"),
                    [_("标签号"), _("品名"), _("单位"), _("发放日期"), _("使用年限"), _("应更换日期")], rows)


def _recorder_days(standard, rule, unit, as_of):
    n = needs(standard)
    days = recorders.judged_days(as_of, n.offload_window, n.offload_deadline_hours)
    codes = dict(OrgUnit.objects.filter(path__startswith=unit.path).values_list("id", "code"))
    rows = [{"values": [rd.tag, codes.get(rd.unit_id, ""), rd.day, "✓" if rd.held else "",
                        "✓" if rd.recorded else "", "✓" if rd.offloaded else ""],
             "flag": "" if rd.offloaded else "fail", "link": asset_link(rd.asset_id)}
            for rd in recorders.recorder_days(unit, as_of, days, n.offload_deadline_hours)]
    rows.sort(key=lambda r: (r["values"][0], r["values"][2]))
    return Evidence(_("在用记录仪-日（值勤时间由执法人员持有，或采集站报告当日有录制）"),
                    [_("记录仪"), _("单位"), _("日期"), _("执法人员持有"), _("有录制"), _("按时存储")], rows)


def evidence_for(standard: Standard, rule: Rule, unit: OrgUnit, as_of: dt.date, item: str | None = None
                 ) -> Evidence:
    check = rule.check
    if check in ("assets_per_officer", "assets_per_unit", "protective_items", "items_per_unit"):
        return _equipment(rule, unit, as_of, item)
    if check == "personal_kit":
        return _personal_kit(rule, unit, as_of)
    if check == "valid_certificate":
        return _valid_certificate(rule, unit, as_of)
    if check == "full_insignia_set":
        return _full_insignia(rule, unit, as_of)
    if check == "auxiliaries_uniformed":
        return _auxiliaries_uniformed(rule, unit, as_of)
    if check in ("officers_per_population", "frontline_ratio"):
        people = _active(unit, as_of, PersonRole.OFFICER)
        return Evidence(_("在岗执法人员"), [_("工号"), _("姓名"), _("单位"), _("一线")],
                        [_person_row(x, ["✓" if x["frontline"] else ""],
                                     check == "frontline_ratio" and not x["frontline"]) for x in people],
                        f"/api/v1/personnel/?within={unit.code}&role=officer&status=active")
    if check == "auxiliaries_decreasing":
        return Evidence(_("在岗协管人员"), [_("工号"), _("姓名"), _("单位")],
                        [_person_row(x, [], False) for x in _active(unit, as_of, PersonRole.AUXILIARY)])
    if check in ("seats_per_officer", "vehicle_livery", "vehicle_dossier"):
        return _vehicles(rule, unit, as_of)
    if check == "seal_custodian":
        seals = _assets(unit, as_of, [CategoryCode.SEAL], [str(s) for s in COUNTED_STATUSES])
        active = _active_ids(as_of)
        return _asset_evidence(_("印章及其保管人"), seals,
                               flag=lambda a: "" if a["status"] == AssetStatus.ISSUED and a["holder_id"] in active
                               else "fail")
    if check == "return_on_departure":
        return _departures(rule, unit, as_of)
    if check == "certificate_loss_reported":
        return _loss_reports(rule, unit, as_of)
    if check == "uniform_replacement":
        return _uniforms(rule, unit, as_of)
    if check == "recorder_offload":
        return _recorder_days(standard, rule, unit, as_of)
    return Evidence(rule.id, [], [])


def _active_ids(as_of: dt.date) -> set[int]:
    states, params = f.person_states_sql(as_of)
    return {r[0] for r in f._rows(f"SELECT p.person_id FROM ({states}) p WHERE p.status = %s",
                                  [*params, PersonStatus.ACTIVE])}
