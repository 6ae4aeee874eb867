"""The records behind one report row (the assets, people, vehicles or recorder-days it counted), as of its date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..choices import COUNTED_STATUSES, DEPARTED_STATUSES, AssetStatus, PersonRole, PersonStatus
from ..models import CustodyEvent, ItemType, OrgUnit, Person
from . import facts as f
from .standards import Rule


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
    """The assets of `unit`'s subtree in those categories and statuses on as_of (`holders`: held by these people)."""
    if holders is not None and not holders:
        return []
    states, params = f.asset_states_sql(as_of)
    held = f"AND a.holder_person_id IN ({f._placeholders(holders)}) " if holders else ""
    sql = (f"SELECT a.id, a.tag, a.category_id, a.item, u.code, a.status, a.holder_person_id, a.acquired, "
           f"a.service_years FROM ({states}) a "
           f"JOIN {f._t(OrgUnit)} u ON u.id = a.unit_id WHERE u.path LIKE %s ESCAPE '\\' "
           f"AND a.category_id IN ({f._placeholders(categories)}) AND a.status IN ({f._placeholders(statuses)}) "
           f"{held}ORDER BY a.tag")
    rows = f._rows(sql, [*params, f._like_prefix(unit.path), *categories, *statuses, *(holders or ())])
    keys = ("id", "tag", "category", "item", "unit", "status", "holder_id", "acquired", "service_years")
    return [dict(zip(keys, r)) for r in rows]


def _people(unit: OrgUnit, as_of: dt.date) -> list[dict]:
    states, params = f.person_states_sql(as_of)
    rows = f._rows(
        f"SELECT p.person_id, pp.staff_no, pp.name, u.code, p.role, p.status, p.frontline, pp.cert_no, "
        f"pp.cert_expires FROM ({states}) p JOIN {f._t(Person)} pp ON pp.id = p.person_id "
        f"JOIN {f._t(OrgUnit)} u ON u.id = p.unit_id WHERE u.path LIKE %s ESCAPE '\\' ORDER BY pp.staff_no",
        [*params, f._like_prefix(unit.path)])
    keys = ("id", "staff_no", "name", "unit", "role", "status", "frontline", "cert_no", "cert_expires")
    return [dict(zip(keys, r)) for r in rows]


def _names(ids) -> dict[int, str]:
    return {pk: f"{name} ({no})" for pk, name, no in
            Person.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name", "staff_no")}


ASSET_COLUMNS = ["标签号", "类别", "品名", "单位", "状态", "持有人"]


def _asset_evidence(title, assets, flag=lambda a: "", api="") -> Evidence:
    names = _names(a["holder_id"] for a in assets)
    return Evidence(title, [_(c) for c in ASSET_COLUMNS],
                    [{"values": [a["tag"], a["category"], a["item"], a["unit"], a["status"],
                                 names.get(a["holder_id"], "")], "flag": flag(a), "link": asset_link(a["id"])}
                     for a in assets], api)


def _item_names(rule: Rule, item: str | None) -> set[str] | None:
    for entry in rule.params.get("items", []):
        if entry["name"] == item:
            return {entry["code"], entry["name"], *entry.get("aliases", [])}
    return None


def evidence_for(rule: Rule, unit: OrgUnit, as_of: dt.date, item: str | None = None, *,
                 offload_window: int = 7) -> Evidence:
    check, p = rule.check, rule.params
    counted = [str(s) for s in COUNTED_STATUSES]
    if check in ("assets_per_officer", "assets_per_unit", "items_per_frontline", "items_per_unit"):
        assets = _assets(unit, as_of, [p["category"]], counted)
        names = _item_names(rule, item)
        if names is not None:
            assets = [a for a in assets if a["item"] in names]
        return _asset_evidence(_("计入配备的装备（在库、已发放、维修中）"), assets,
                               api=f"/api/v1/assets/?within={unit.code}&category={p['category']}")
    if check in ("officers_per_population", "frontline_ratio", "valid_certificate"):
        people = [x for x in _people(unit, as_of)
                  if x["role"] == PersonRole.OFFICER and x["status"] == PersonStatus.ACTIVE]

        def flag(x):
            if check == "frontline_ratio":
                return "" if x["frontline"] else "fail"
            if check == "valid_certificate":
                return "" if x["cert_no"] and x["cert_expires"] and x["cert_expires"] >= as_of else "fail"
            return ""
        if check == "valid_certificate":
            people = [x for x in people if flag(x)]
        return Evidence(_("在岗执法人员") if check != "valid_certificate" else _("无有效执法证的在岗执法人员"),
                        [_("工号"), _("姓名"), _("单位"), _("一线"), _("执法证号"), _("有效期至")],
                        [{"values": [x["staff_no"], x["name"], x["unit"], "✓" if x["frontline"] else "",
                                     x["cert_no"], x["cert_expires"]], "flag": flag(x), "link": person_link(x["id"])}
                         for x in people],
                        f"/api/v1/personnel/?within={unit.code}&role=officer&status=active")
    if check == "auxiliaries_decreasing":
        people = [x for x in _people(unit, as_of)
                  if x["role"] == PersonRole.AUXILIARY and x["status"] == PersonStatus.ACTIVE]
        return Evidence(_("在岗协管人员"), [_("工号"), _("姓名"), _("单位")],
                        [{"values": [x["staff_no"], x["name"], x["unit"]], "link": person_link(x["id"])}
                         for x in people])
    if check in ("seats_per_officer", "vehicle_livery", "vehicle_dossier"):
        units = {u.id: u.code for u in OrgUnit.objects.filter(path__startswith=unit.path)}
        rows = []
        for v in sorted(f.counted_vehicles(set(units), as_of), key=lambda v: v.plate):
            ok = {"vehicle_livery": v.livery_compliant,
                  "vehicle_dossier": f.vehicle_dossier_complete(v, as_of)}.get(check, True)
            rows.append({"values": [v.plate, units[v.unit_id], v.seats, v.status, "✓" if v.livery_compliant else "",
                                    v.vin, v.insurance_expires, v.inspection_expires], "flag": "" if ok else "fail",
                         "link": vehicle_link(v.vehicle_id)})
        return Evidence(_("计入的执法车辆（在用、维修中）"),
                        [_("车牌号"), _("单位"), _("座位数"), _("状态"), _("涂装合规"), _("车架号"), _("保险到期"),
                         _("年检到期")], rows, f"/api/v1/vehicles/?within={unit.code}")
    if check == "seal_custodian":
        seals = _assets(unit, as_of, ["seal"], counted)
        active = _active_ids(as_of)
        return _asset_evidence(_("印章及其保管人"), seals,
                               flag=lambda a: "" if a["status"] == AssetStatus.ISSUED and a["holder_id"] in active
                               else "fail")
    if check == "return_on_departure":
        departed = {x["id"]: x for x in _people(unit, as_of) if x["status"] in DEPARTED_STATUSES}
        # Held items may belong to any unit of the bureau: look from the root for what these people hold.
        root = OrgUnit.objects.get(code=unit.path.strip("/").split("/")[0])
        issued = _assets(root, as_of, p["categories"], [AssetStatus.ISSUED], holders=sorted(departed))
        return _asset_evidence(_("调离、退休人员仍持有的装备"), issued, flag=lambda a: "fail")
    if check == "certificate_loss_reported":
        events = CustodyEvent.objects.filter(
            action="report_lost", asset__category_id="certificate", occurred_at__lt=f.end_of_day(as_of),
            unit_after__path__startswith=unit.path).select_related("asset", "person", "unit_after").order_by("id")
        rows = [{"values": [e.asset.tag, str(e.person or ""), e.unit_after.code, e.date_lost, e.date_reported,
                            (e.date_reported - e.date_lost).days],
                 "flag": "" if (e.date_reported - e.date_lost).days <= p["max_days"] else "fail",
                 "link": asset_link(e.asset_id)} for e in events]
        return Evidence(_("遗失的执法证件"), [_("标签号"), _("持证人"), _("单位"), _("遗失日期"), _("报告日期"),
                                              _("相隔天数")], rows)
    if check == "uniform_replacement":
        assets = _assets(unit, as_of, ["uniform"], [AssetStatus.ISSUED])
        years = {}
        for code, name, y in ItemType.objects.filter(category_id="uniform").values_list("code", "name",
                                                                                        "service_years"):
            years.setdefault(name, y)
            years.setdefault(code, y)
        issued_on = dict(CustodyEvent.objects.filter(asset_id__in=[a["id"] for a in assets], action="issue",
                                                     occurred_at__lt=f.end_of_day(as_of))
                         .order_by("asset_id", "occurred_at").values_list("asset_id", "occurred_at"))
        rows = []
        for a in assets:
            life = a["service_years"] or years.get(a["item"])
            base = a["acquired"] or (issued_on[a["id"]].astimezone(f.SHANGHAI).date() if a["id"] in issued_on
                                     else None)
            due = None
            if life and base:
                try:
                    due = base.replace(year=base.year + life)
                except ValueError:
                    due = base.replace(year=base.year + life, day=28)
            rows.append({"values": [a["tag"], a["item"], a["unit"], base, life, due],
                         "flag": "fail" if due and due < as_of else "", "link": asset_link(a["id"])})
        return Evidence(_("已发放的制式服装及更换期限"),
                        [_("标签号"), _("品名"), _("单位"), _("起算日期"), _("使用年限"), _("应更换日期")], rows)
    if check == "recorder_daily_offload":
        from telematics.tracking.models import DockOffload

        days = f.offload_days(as_of, offload_window)
        offloaded = set(DockOffload.objects.filter(recorded_on__gte=days[0], recorded_on__lte=as_of,
                                                   ts__lt=f.end_of_day(as_of))
                        .values_list("recorder_tag", "recorded_on"))
        codes = dict(OrgUnit.objects.filter(path__startswith=unit.path).values_list("id", "code"))
        rows = [{"values": [tag, codes.get(unit_id, ""), day, "✓" if (tag, day) in offloaded else ""],
                 "flag": "" if (tag, day) in offloaded else "fail", "link": asset_link(asset_id)}
                for unit_id, owed in f.recorder_days(unit, as_of, len(days)).items() for asset_id, tag, day in owed]
        rows.sort(key=lambda r: (r["values"][0], r["values"][2]))
        return Evidence(_("应存储的记录仪-日（当日末处于已发放状态）"),
                        [_("记录仪"), _("单位"), _("日期"), _("已存储")], rows)
    return Evidence(rule.id, [], [])


def _active_ids(as_of: dt.date) -> set[int]:
    states, params = f.person_states_sql(as_of)
    return {r[0] for r in f._rows(f"SELECT p.person_id FROM ({states}) p WHERE p.status = %s",
                                  [*params, PersonStatus.ACTIVE])}
