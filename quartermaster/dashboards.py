"""The figures of each role's start page, read within the user's unit scope (the subtree of their profile's unit).

Reads only: each figure comes from the owning app's selectors where one exists, else from a plain query here."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets import access
from assets.access import scope_unit as user_scope_unit
from assets.choices import COUNTED_STATUSES, DEPARTED_STATUSES, AssetStatus, CategoryCode, UserRole
from assets.models import Asset, Category, DisposalRequest, DisposalStatus, OrgUnit, Person
from compliance import services as compliance
from compliance.render import STATUS_LABELS
from compliance.rules import STATUSES
from compliance.standards import all_standards
from telematics.choices import VehicleStatus
from telematics.live import conf as live_conf
from telematics.models import Vehicle
from telematics.selectors import vehicles_expiring
from telematics.tracking import conf as tracking_conf
from telematics.tracking.cases.selectors import annotate_cases, awaiting_q
from telematics.tracking.choices import AlertKind, CaseState
from telematics.tracking.models import Alert, Position
from uniforms.models import AnnualInventory, Departure
from uniforms.selectors import departure_checklist, replacement_due

from .errors import DomainError

REPLACEMENT_WINDOW_DAYS = 90  # uniforms falling due this soon are ordered now
EXPIRY_WINDOW_DAYS = 30  # the same window as the vehicle list's expiry warnings
RECENT_ALERTS = 10
DEFAULT_STANDARD = "jiangsu"

LIVE_STATES = {"moving": _("行驶"), "stopped": _("停驶"), "offline": _("离线"), "in_alert": _("告警中")}
EXPIRY_LABELS = {"insurance": _("保险"), "inspection": _("年检")}


def scope_roots(user) -> list[OrgUnit]:
    """The units whose subtrees the user sees: their profile's unit, or every top unit for a bureau-wide user."""
    unit = user_scope_unit(user)
    if unit is not None:
        return [unit]
    return list(OrgUnit.objects.filter(parent__isnull=True).order_by("path"))


def _in_scope(qs, user, field: str):
    unit = user_scope_unit(user)
    return qs if unit is None else qs.filter(**{f"{field}__path__startswith": unit.path})


# --- logistics ---------------------------------------------------------------------------------------------

def stock_by_category(user) -> list[dict]:
    """Per category, how many assets of the user's units are in stock, issued, in repair and lost."""
    counts = Counter()
    for row in _in_scope(Asset.objects.all(), user, "unit").values("category_id", "status").annotate(n=Count("id")):
        counts[(row["category_id"], row["status"])] = row["n"]
    labels = dict(CategoryCode.choices)
    order = {code: index for index, code in enumerate(CategoryCode.values)}  # SPEC's table order
    rows = []
    for category in sorted(Category.objects.all(), key=lambda c: (order.get(c.code, len(order)), c.code)):
        by_status = {status: counts[(category.code, status)] for status in AssetStatus.values}
        if not any(by_status.values()):
            continue
        rows.append({"code": category.code, "name": labels.get(category.code, category.name), **by_status,
                     "counted": sum(by_status[s] for s in COUNTED_STATUSES)})
    return rows


def replacements_due(user, *, today: dt.date) -> dict:
    """Uniform items due (or overdue, or entitled but not held) within the replacement window, by item and size."""
    end = today + dt.timedelta(days=REPLACEMENT_WINDOW_DAYS)
    lines = []
    for root in scope_roots(user):
        lines.extend(replacement_due(unit=root, start=today, end=end)["lines"])
    reasons = Counter(line["reason"] for line in lines)
    items = Counter((line["item"], line["size"]) for line in lines)
    return {"end": end, "total": len(lines), "to_replace": reasons["due"] + reasons["overdue"],
            "due": reasons["due"], "overdue": reasons["overdue"],
            "not_held": reasons["not_held"],
            "by_item": [{"item": item, "size": size, "count": n} for (item, size), n in sorted(items.items())]}


def open_departures(user) -> list[dict]:
    """Who has left and still owes equipment: departure checklists not yet closed out (with how many lines are
    still to be returned), and departed staff holding issued items without a checklist (records from before a
    departure opened its checklist itself) — both are what a logistics officer must chase."""
    departures = _in_scope(Departure.objects.filter(closed_out=False), user, "person__unit")
    rows = []
    for departure in departures.select_related("person__unit").order_by("effective", "id"):
        lines = departure_checklist(departure)
        rows.append({"staff_no": departure.person.staff_no, "name": departure.person.name,
                     "unit": departure.person.unit.name, "kind": departure.get_kind_display(),
                     "effective": departure.effective, "open": sum(1 for line in lines if line["state"] == "open"),
                     "lines": len(lines), "checklist": True})
    unlisted = (_in_scope(Person.objects.filter(status__in=DEPARTED_STATUSES, departure__isnull=True), user, "unit")
                .annotate(held=Count("held_assets", filter=Q(held_assets__status=AssetStatus.ISSUED)))
                .filter(held__gt=0).select_related("unit").order_by("staff_no"))
    for person in unlisted:
        rows.append({"staff_no": person.staff_no, "name": person.name, "unit": person.unit.name,
                     "kind": person.get_status_display(), "effective": None, "open": person.held,
                     "lines": person.held, "checklist": False})
    return rows


def office_year(user, *, today: dt.date) -> dict:
    """The office's year at a glance: disposal requests waiting for a decision, this year's annual inventories and
    how many are still counting, in the user's scope."""
    inventories = access.restrict(AnnualInventory.objects.filter(year=today.year), user)
    pending = access.restrict(DisposalRequest.objects.filter(status=DisposalStatus.PENDING), user)
    return {"pending_disposals": pending.count(),
            "inventories": inventories.count(), "year": today.year, "next_year": today.year + 1}


def logistics_figures(user, *, today: dt.date) -> dict:
    stock = stock_by_category(user)
    return {"stock": stock, "stock_in_stock": sum(row["in_stock"] for row in stock),
            "replacements": replacements_due(user, today=today), "departures": open_departures(user),
            "office_year": office_year(user, today=today)}


# --- fleet -------------------------------------------------------------------------------------------------

def live_state(*, last_ts: dt.datetime | None, speed: float | None, alerting: bool, now: dt.datetime) -> str:
    """A vehicle's state as the live map shows it: an ongoing alert wins; no recent fix is offline; then speed."""
    if alerting:
        return "in_alert"
    if last_ts is None or (now - last_ts).total_seconds() > live_conf.get("QM_MAP_OFFLINE_S"):
        return "offline"
    return "moving" if (speed or 0) >= tracking_conf.get("QM_STOP_SPEED_KMH") else "stopped"


def vehicles_by_state(user, *, now: dt.datetime) -> dict:
    """Vehicles by file status, and the vehicles not retired by live state (judged as the live map does)."""
    vehicles = _in_scope(Vehicle.objects.all(), user, "unit")
    statuses = Counter(dict(vehicles.values_list("status").annotate(n=Count("id")).values_list("status", "n")))
    newest = Position.objects.filter(vehicle_id=OuterRef("pk")).order_by("-ts")  # one index probe per vehicle
    alerting = set(Alert.objects.filter(vehicle__in=vehicles, ended_at__isnull=True)
                   .values_list("vehicle_id", flat=True))
    live = Counter()
    for pk, last_ts, speed in (vehicles.exclude(status=VehicleStatus.RETIRED)
                               .annotate(last_ts=Subquery(newest.values("ts")[:1]),
                                         speed=Subquery(newest.values("speed")[:1]))
                               .values_list("pk", "last_ts", "speed")):
        live[live_state(last_ts=last_ts, speed=speed, alerting=pk in alerting, now=now)] += 1
    return {"total": sum(statuses.values()),
            "status": [{"code": code, "label": label, "count": statuses[code]} for code, label in VehicleStatus.choices],
            "live": [{"code": code, "label": label, "count": live[code]} for code, label in LIVE_STATES.items()]}


def open_alerts(user) -> dict:
    """Alerts awaiting review — case kinds whose case is not decided (ongoing or ended), open episodes of the other
    kinds (cases.selectors.awaiting_q) — by kind, and the newest of them."""
    alerts = _in_scope(annotate_cases(Alert.objects.all()), user, "vehicle__unit").filter(awaiting_q())
    kinds = Counter(dict(alerts.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")))
    recent = alerts.select_related("vehicle__unit").order_by("-started_at", "-id")[:RECENT_ALERTS]
    return {"total": sum(kinds.values()), "ongoing": alerts.filter(ended_at__isnull=True).count(),
            "by_kind": [{"code": code, "label": label, "count": kinds[code]}
                        for code, label in AlertKind.choices if kinds[code]],
            "recent": [{"id": a.pk, "plate": a.vehicle.plate, "vehicle_id": a.vehicle_id, "unit": a.vehicle.unit.name,
                        "kind": a.get_kind_display(), "status": _alert_state(a), "started_at": a.started_at,
                        "venue": a.venue, "place": a.place_text, "grid_code": a.grid_code} for a in recent]}


def _alert_state(alert) -> str:
    """The episode (进行中/已结束) and, for a case kind, its case's state (待说明/已说明)."""
    state = alert.get_status_display()
    return f"{state} · {CaseState(alert.case_state_v).label}" if alert.case_state_v else str(state)


def expiring_papers(user, *, today: dt.date) -> list[dict]:
    vehicles = _in_scope(Vehicle.objects.all(), user, "unit")
    return [{"vehicle_id": e.vehicle.pk, "plate": e.vehicle.plate, "unit": e.vehicle.unit.name, "what": e.what,
             "what_label": EXPIRY_LABELS[e.what],
             "expires": e.expires, "days_left": e.days_left, "expired_days": -e.days_left if e.days_left < 0 else 0}
            for e in vehicles_expiring(within_days=EXPIRY_WINDOW_DAYS, on=today, vehicles=vehicles)]


def fleet_figures(user, *, today: dt.date, now: dt.datetime) -> dict:
    return {"vehicles": vehicles_by_state(user, now=now), "alerts": open_alerts(user),
            "expiring": expiring_papers(user, today=today), "expiry_days": EXPIRY_WINDOW_DAYS}


# --- auditor -----------------------------------------------------------------------------------------------

def standard_in_force(requested: str | None = None) -> str:
    """The standard the start page checks: the one asked for, else settings.QM_STANDARD, else jiangsu."""
    standard_id = requested or getattr(settings, "QM_STANDARD", None) or DEFAULT_STANDARD
    if standard_id not in all_standards():
        raise DomainError(_("未知的标准 %(standard)s；已知：%(known)s"), field="standard", code="unknown_standard",
                          standard=repr(standard_id), known=", ".join(sorted(all_standards())))
    return standard_id


def compliance_summary(user, *, standard_id: str, today: dt.date) -> list[dict]:
    """Per unit of each scope root's report for today: how many checks pass, fail, lack data or do not apply."""
    sections = []
    for root in scope_roots(user):
        report = compliance.compliance_report(unit=root, standard_id=standard_id, as_of=today)
        units = report.context["units"]
        per_unit: dict[str, Counter] = {}
        for row in report.data["results"]:
            per_unit.setdefault(row["unit"], Counter())[row["status"]] += 1
        root_depth = root.path.count("/")
        rows = []
        for code in sorted(per_unit, key=lambda c: units.get(c, {"path": f"/{c}/"})["path"]):
            meta = units.get(code, {"name": code, "path": f"/{code}/"})
            query = urlencode({"unit": code, "standard": standard_id, "as_of": today.isoformat()})
            rows.append({"code": code, "name": meta["name"], "indent": meta["path"].count("/") - root_depth,
                         "counts": [per_unit[code][s] for s in STATUSES], "fail": per_unit[code]["fail"],
                         "state": next((s for s in ("fail", "insufficient_data") if per_unit[code][s]), "pass"),
                         "url": f"{reverse('compliance')}?{query}"})
        summary = report.data["summary"]
        sections.append({"root": root, "rows": rows, "failing_rules": failing_rules(report.data["results"]),
                         "summary": [{"status": s, "label": STATUS_LABELS[s], "count": summary.get(s, 0)}
                                     for s in STATUSES]})
    return sections


def failing_rules(results: list[dict]) -> list[dict]:
    """The rules that fail somewhere, most failing units first: what the auditor looks at first. (Shortfalls are
    not summed: a brigade's shortfall already contains its squadrons'.)"""
    rules: dict[str, dict] = {}
    for row in results:
        if row["status"] != "fail":
            continue
        rule = rules.setdefault(row["rule"], {"rule": row["rule"], "clause": row["clause"], "text": row["text"],
                                              "units": set()})
        rule["units"].add(row["unit"])
    ranked = sorted(rules.values(), key=lambda r: (-len(r["units"]), r["rule"]))
    return [dict(r, units=len(r["units"])) for r in ranked]


def auditor_figures(user, *, standard_id: str, today: dt.date) -> dict:
    standards = all_standards()
    return {"standard": standards[standard_id], "standards": list(standards.values()),
            "status_labels": [STATUS_LABELS[s] for s in STATUSES],
            "sections": compliance_summary(user, standard_id=standard_id, today=today)}


# --- administrator -----------------------------------------------------------------------------------------

def administrator_figures(user) -> dict:
    """What the registry holds within the user's scope, and the users with each role."""
    roles = Counter(dict(get_user_model().objects.filter(qm_profile__isnull=False)
                         .values_list("qm_profile__role").annotate(n=Count("id")).values_list("qm_profile__role", "n")))
    return {
        "units": _units(user),
        "people": _in_scope(Person.objects.exclude(status__in=DEPARTED_STATUSES), user, "unit").count(),
        "assets": _in_scope(Asset.objects.filter(status__in=COUNTED_STATUSES), user, "unit").count(),
        "vehicles": _in_scope(Vehicle.objects.exclude(status=VehicleStatus.RETIRED), user, "unit").count(),
        "roles": [{"code": code, "label": label, "count": roles[code]} for code, label in UserRole.choices],
    }


def _units(user) -> int:
    unit = user_scope_unit(user)
    qs = OrgUnit.objects.all()
    return (qs if unit is None else qs.filter(path__startswith=unit.path)).count()


def local_now() -> tuple[dt.date, dt.datetime]:
    return timezone.localdate(), timezone.now()
