"""Compliance reports: evaluate a unit against a standard on a date, and save or load a report as a snapshot."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


from assets.choices import CategoryCode
from assets.models import OrgUnit
from quartermaster.context import current
from quartermaster.errors import DomainError

from . import facts as facts_module
from .models import ComplianceSnapshot
from .rules import evaluate, needs, rollup, summarize
from .standards import get_standard

COUNT_COLUMNS = ("officers", "frontline", "auxiliaries", "departed", "vehicles", "seats")


@dataclass(frozen=True)
class Report:
    """`data` is SPEC's JSON; `context` what the renderers need besides it (names, raw counts, settings)."""

    data: dict
    context: dict


def parse_as_of(value: str | dt.date | None) -> dt.date:
    if value is None or value == "":
        return timezone.localdate()
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise DomainError(_("统计日期“%(value)s”不是日期（应为 YYYY-MM-DD）"), field="as_of", code="bad_date",
                              value=value) from None
    if day > timezone.localdate():
        raise DomainError(_("统计日期 %(date)s 在今天之后；台账只能回答到今天（%(today)s，北京时间）为止"),
                          field="as_of", code="future_date", date=day, today=timezone.localdate())
    return day


def unit_by_code(code: str | None) -> OrgUnit:
    if not code:
        raise DomainError(_("请填写单位编码"), field="unit", code="unit_required")
    try:
        return OrgUnit.objects.get(code=code)
    except OrgUnit.DoesNotExist:
        raise DomainError(_("没有编码为 %(unit_code)s 的单位"), field="unit", code="unknown_unit", status_code=404,
                          unit_code=code) from None


def _counts_table(facts, totals) -> dict:
    categories = [c.value for c in CategoryCode]
    columns = ["unit", "name", "kind", *COUNT_COLUMNS, *categories]
    rows = [[u.code, u.name, u.kind, *(totals[u.id][k] for k in COUNT_COLUMNS),
             *(totals[u.id][f"asset:{c}"] for c in categories)] for u in facts.units]
    return {"columns": columns, "rows": rows}


def compliance_report(*, unit: OrgUnit, standard_id: str, as_of: dt.date) -> Report:
    standard = get_standard(standard_id)
    facts = facts_module.collect(unit, as_of, needs(standard))
    totals = rollup(facts)
    findings = evaluate(standard, facts, totals)
    data = {
        "standard": standard.id, "unit": unit.code, "as_of": as_of.isoformat(),
        "results": [f.as_dict() for f in findings], "summary": summarize(findings),
    }
    context = {
        "unit_name": unit.name,
        "standard_title": standard.title,  # in the language the report is made in
        "edition": standard.edition,
        "units": {u.code: {"name": u.name, "kind": u.kind, "path": u.path} for u in facts.units},
        "settings": {s.name: {"value": standard.setting(s.name), "local": s.local, "label": s.label, "note": s.note,
                         "label_en": s.label_en, "note_en": s.note_en}
                     for s in standard.settings.values()},
        "counts": _counts_table(facts, totals),
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
    }
    return Report(data, context)


@transaction.atomic
def compliance_snapshot_save(*, report: Report, unit: OrgUnit, user=None) -> ComplianceSnapshot:
    ctx = current()
    snapshot = ComplianceSnapshot(
        standard=report.data["standard"], unit=unit, as_of=dt.date.fromisoformat(report.data["as_of"]),
        report=report.data, context=report.context,
        created_by_id=getattr(user, "pk", None) or ctx.user_id,
        created_by_name=getattr(user, "username", "") or ctx.username)
    snapshot.full_clean()
    snapshot.save()
    return snapshot


def snapshot_report(snapshot: ComplianceSnapshot) -> Report:
    context = dict(snapshot.context)
    context["snapshot"] = {"id": snapshot.pk, "saved_at": timezone.localtime(snapshot.created_at).isoformat(
        timespec="seconds"), "saved_by": snapshot.created_by_name}
    return Report(snapshot.report, context)


def snapshot_by_id(snapshot_id) -> ComplianceSnapshot:
    try:
        return ComplianceSnapshot.objects.select_related("unit").get(pk=int(snapshot_id))
    except (ValueError, TypeError, ComplianceSnapshot.DoesNotExist):
        raise DomainError(_("没有编号为 %(number)s 的已保存达标报告"), field="snapshot", code="unknown_snapshot",
                          status_code=404, number=snapshot_id) from None
