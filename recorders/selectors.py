"""Reads of the recorders app: kit out on a shift now, recorders due for maintenance, and brigades whose footage
has not been inspected within the local period. Each takes a queryset already cut to the reader's scope (or the
whole registry for the command line)."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from assets.choices import AssetStatus, CategoryCode, CustodyAction, UnitKind
from assets.labels import category_name
from assets.models import Asset, CustodyEvent, OrgUnit

from .choices import CheckKind, CheckResult, InspectionState
from .models import FootageInspection, RecorderCheck

INSPECTION_CLAUSE = "jiangsu 执法程序/结案与案卷管理/2"
INSPECTION_TEXT = "城市管理部门执法督察机构应当定期对执法记录的案卷、声像资料进行检查，并建立检查台帐。"
MAINTENANCE_CLAUSE = "model 制度建设/执法管理/执法全过程记录制度"
MAINTENANCE_TEXT = "定期做好记录设备的维护和保养，确保设备性能良好。"


def _latest(field: str):
    return Subquery(CustodyEvent.objects.filter(asset=OuterRef("pk")).order_by("-occurred_at", "-id")
                    .values(field)[:1])


def shifts_out(assets, *, unit: OrgUnit | None = None, now: dt.datetime | None = None,
               overdue_hours: float | None = None) -> list[dict]:
    """Kit out on a shift now (its latest movement is a shift sign-out): with whom, since when, overdue when out
    longer than `overdue_hours` (local setting QM_SHIFT_OVERDUE_HOURS); the longest out first."""
    now = now or timezone.now()
    hours = settings.QM_SHIFT_OVERDUE_HOURS if overdue_hours is None else overdue_hours
    qs = assets.filter(status=AssetStatus.ISSUED).annotate(last_action=_latest("action"),
                                                           since=_latest("occurred_at"))
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    rows = []
    for a in (qs.filter(last_action=CustodyAction.SHIFT_OUT).select_related("category", "unit", "holder_person")
              .order_by("since", "tag")):
        out_hours = (now - a.since).total_seconds() / 3600
        rows.append({"tag": a.tag, "category": a.category_id, "category_name": category_name(a.category),
                     "item": a.item, "unit": a.unit.code, "person": a.holder_person.staff_no,
                     "person_name": a.holder_person.name, "since": timezone.localtime(a.since).isoformat(),
                     "hours_out": round(out_hours, 1), "overdue": out_hours > hours})
    return rows


def checks_of(checks, asset: Asset) -> list[RecorderCheck]:
    return list(checks.filter(asset=asset).select_related("performed_by").order_by("-checked_on", "-id"))


def maintenance_due(assets, *, unit: OrgUnit, on: dt.date | None = None, days: int | None = None) -> dict:
    """Recorders of `unit`'s subtree (in stock or issued; in repair ones are being seen to) whose last 维护保养 with
    result ok is older than `days` (local setting QM_RECORDER_MAINTENANCE_DAYS) on `on`, or that never had one."""
    on = on or timezone.localdate()
    days = settings.QM_RECORDER_MAINTENANCE_DAYS if days is None else days
    last_ok = RecorderCheck.objects.filter(asset=OuterRef("pk"), kind=CheckKind.MAINTENANCE,
                                           result=CheckResult.OK, checked_on__lte=on)
    last_pre = RecorderCheck.objects.filter(asset=OuterRef("pk"), kind=CheckKind.PRE_USE, checked_on__lte=on)
    qs = (assets.filter(category_id=CategoryCode.RECORDER, unit__path__startswith=unit.path,
                        status__in=(AssetStatus.IN_STOCK, AssetStatus.ISSUED))
          .annotate(maintained=Subquery(last_ok.order_by("-checked_on").values("checked_on")[:1]),
                    pre_use=Subquery(last_pre.order_by("-checked_on").values("checked_on")[:1]))
          .select_related("unit", "holder_person"))
    limit = on - dt.timedelta(days=days)
    rows = []
    for a in qs.filter(Q(maintained__isnull=True) | Q(maintained__lt=limit)).order_by("maintained", "tag"):
        rows.append({"tag": a.tag, "unit": a.unit.code, "status": a.status, "status_name": str(a.get_status_display()),
                     "holder": a.holder_person.staff_no if a.holder_person_id else None,
                     "last_maintenance": a.maintained.isoformat() if a.maintained else None,
                     "days_since": (on - a.maintained).days if a.maintained else None,
                     "last_pre_use_check": a.pre_use.isoformat() if a.pre_use else None})
    return {"unit": unit.code, "on": on.isoformat(), "period_days": days, "local_threshold": True,
            "clause": MAINTENANCE_CLAUSE, "text": MAINTENANCE_TEXT, "due": rows}


def inspections_due(inspections, *, unit: OrgUnit, as_of: dt.date | None = None, days: int | None = None) -> dict:
    """The brigades of `unit`'s subtree (itself, when a brigade) with their last footage inspection up to `as_of`;
    a brigade whose last inspection is more than `days` (local setting QM_FOOTAGE_INSPECTION_DAYS) before `as_of`,
    or that was never inspected, is not inspected within the period. Those come first, the longest unseen first."""
    as_of = as_of or timezone.localdate()
    days = settings.QM_FOOTAGE_INSPECTION_DAYS if days is None else days
    limit = as_of - dt.timedelta(days=days)
    brigades = list(OrgUnit.objects.filter(path__startswith=unit.path, kind=UnitKind.BRIGADE).order_by("path"))
    done = inspections.filter(unit__in=brigades, inspected_on__lte=as_of)
    last = dict(done.values("unit_id").annotate(last=Max("inspected_on")).values_list("unit_id", "last"))
    by = {(i.unit_id, i.inspected_on): i for i in done.filter(inspected_on__in=set(last.values())).order_by("id")}
    rows = []
    for b in brigades:
        day = last.get(b.pk)
        state = (InspectionState.NEVER if day is None else
                 InspectionState.OVERDUE if day < limit else InspectionState.INSPECTED)
        latest = by.get((b.pk, day))
        rows.append({"unit": b.code, "name": b.name, "state": str(state), "last_inspected": day.isoformat() if day
                     else None, "days_since": (as_of - day).days if day else None,
                     "inspector": latest.inspector if latest else "", "findings": latest.findings if latest else "",
                     "follow_up": latest.follow_up if latest else ""})
    order = {InspectionState.NEVER: 0, InspectionState.OVERDUE: 1, InspectionState.INSPECTED: 2}
    rows.sort(key=lambda r: (order[r["state"]], -(r["days_since"] or 0) if r["state"] != "never" else 0, r["unit"]))
    not_inspected = [r["unit"] for r in rows if r["state"] != InspectionState.INSPECTED]
    return {"unit": unit.code, "as_of": as_of.isoformat(), "period_days": days, "local_threshold": True,
            "clause": INSPECTION_CLAUSE, "text": INSPECTION_TEXT, "brigades": rows, "not_inspected": not_inspected,
            "summary": {"brigades": len(rows), "not_inspected": len(not_inspected)}}


def register(inspections, *, unit: OrgUnit | None = None) -> list[FootageInspection]:
    qs = inspections.select_related("unit").prefetch_related("recorders")
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return list(qs.order_by("-inspected_on", "-id"))
