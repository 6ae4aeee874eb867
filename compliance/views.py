"""Auditor pages: the report with drill-down and downloads, both standards side by side, the records behind a
row, and saved reports."""
from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assets import access
from assets.lists import export_file
from assets.models import OrgUnit
from assets.reports import xlsx, xlsx_response
from quartermaster.context import change_context
from quartermaster.errors import DomainError

from . import services
from .evidence import evidence_for
from .models import ComplianceSnapshot
from .procurement import parse_year, plan_pdf, plan_rows, plan_table, procurement_plan
from .render import CONTENT_TYPES, FORMATS, STATUS_LABELS, html_context
from .render import render as render_report
from .services import Report
from .standards import all_standards, get_standard
from .titles import rule_title

def _unit_for(request, code: str | None) -> OrgUnit:
    if not code:
        scope = access.scope_unit(request.user)
        root = scope or OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
        if root is None:
            raise DomainError(_("尚未建立任何单位"), field="unit", code="no_units")
        return root
    unit = services.unit_by_code(code)
    if not access.unit_in_scope(request.user, unit):
        raise PermissionDenied(f"unit {unit.code} is outside your scope")
    return unit


def _download(report: Report, fmt: str) -> HttpResponse:
    body = render_report(report, fmt)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    snap = report.context.get("snapshot")
    name = f"compliance-{report.data['standard']}-{report.data['unit']}-{report.data['as_of']}"
    if snap:
        name += f"-snapshot{snap['id']}"
    if fmt != "html":
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _choices(request) -> list[dict]:
    units = access.restrict(OrgUnit.objects.order_by("path"), request.user).values("code", "name", "depth")
    return [{"code": u["code"], "name": u["name"], "indent": "\u3000" * u["depth"]} for u in units]


def _page(request, report: Report | None, **extra):
    context = {
        "choices": _choices(request), "standards": [{"id": s.id, "title": s.title} for s in all_standards().values()],
        "formats": FORMATS, "can_save": access.may(request.user, access.ADD, ComplianceSnapshot),
        "unit_code": extra.pop("unit_code", ""), "standard_id": extra.pop("standard_id", "jiangsu"),
        "as_of": extra.pop("as_of", ""), **extra,
    }
    if report is not None:
        context.update(html_context(report))
    return render(request, "compliance/report.html", context, status=extra.get("status", 200))


@access.page("assets.OrgUnit")
def report_page(request):
    standard_id = request.GET.get("standard") or "jiangsu"
    try:
        unit = _unit_for(request, request.GET.get("unit"))
        as_of = services.parse_as_of(request.GET.get("as_of"))
        report = services.compliance_report(unit=unit, standard_id=standard_id, as_of=as_of)
    except DomainError as exc:
        return _page(request, None, error=exc.message, status=400, unit_code=request.GET.get("unit", ""),
                     standard_id=standard_id, as_of=request.GET.get("as_of", ""))
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in FORMATS:
            return _page(request, None, error=f"unknown format {fmt!r}", status=400)
        return _download(report, fmt)
    query = urlencode({"unit": unit.code, "standard": standard_id, "as_of": as_of.isoformat()})
    return _page(request, report, unit_code=unit.code, standard_id=standard_id, as_of=as_of.isoformat(),
                 download_base=f"/compliance/?{query}&")


@access.page("assets.OrgUnit")
def compare_page(request):
    try:
        unit = _unit_for(request, request.GET.get("unit"))
        as_of = services.parse_as_of(request.GET.get("as_of"))
    except DomainError as exc:
        return _page(request, None, error=exc.message, status=400)
    standards = list(all_standards().values())
    keyed: dict[tuple, list] = {}
    for index, standard in enumerate(standards):
        report = services.compliance_report(unit=unit, standard_id=standard.id, as_of=as_of)
        for row in report.data["results"]:
            if row["unit"] != unit.code:
                continue
            cells = keyed.setdefault((row["rule"], row.get("item") or ""), [None] * len(standards))
            cells[index] = dict(row, standard=standard.id, status_label=STATUS_LABELS[row["status"]])
    rows = [{"rule": rule, "title": rule_title(rule), "item": item, "cells": cells}
            for (rule, item), cells in keyed.items()]
    return render(request, "compliance/compare.html", {"unit": unit, "as_of": as_of.isoformat(), "rows": rows,
                                                       "standards": standards})


@access.page("assets.OrgUnit")
def evidence_page(request):
    try:
        unit = _unit_for(request, request.GET.get("unit"))
        as_of = services.parse_as_of(request.GET.get("as_of"))
        standard = get_standard(request.GET.get("standard") or "")
        rule = next((r for r in standard.rules if r.id == request.GET.get("rule")), None)
        if rule is None:
            raise DomainError(_("标准 %(standard)s 中没有规则“%(rule)s”"), field="rule", standard=standard.id,
                              rule=request.GET.get("rule") or "")

    except DomainError as exc:
        return _page(request, None, error=exc.message, status=400)
    evidence = evidence_for(standard, rule, unit, as_of, request.GET.get("item") or None)
    return render(request, "compliance/evidence.html", {
        "unit": unit, "as_of": as_of.isoformat(), "standard": standard, "rule": rule,
        "rule_title": rule_title(rule.id), "item": request.GET.get("item", ""), "evidence": evidence})


@access.page("compliance.ComplianceSnapshot")
@require_http_methods(["GET", "POST"])
def snapshots_page(request):
    if request.method == "POST":
        if not access.may(request.user, access.ADD, ComplianceSnapshot):
            raise PermissionDenied(_("只有督察审计人员可以存档报告"))
        try:
            unit = _unit_for(request, request.POST.get("unit"))
            report = services.compliance_report(unit=unit, standard_id=request.POST.get("standard", ""),
                                                as_of=services.parse_as_of(request.POST.get("as_of")))
        except DomainError as exc:
            return _page(request, None, error=exc.message, status=400)
        with change_context(user=request.user, source="web"):
            snapshot = services.compliance_snapshot_save(report=report, unit=unit, user=request.user)
        return redirect(f"/compliance/snapshots/{snapshot.pk}/")
    snapshots = access.restrict(ComplianceSnapshot.objects.select_related("unit"), request.user)[:200]
    rows = [{"snapshot": s, "summary": [(STATUS_LABELS.get(k, k), v) for k, v in s.report.get("summary", {}).items()]}
            for s in snapshots]
    return render(request, "compliance/snapshots.html", {"rows": rows})


@access.page("compliance.ComplianceSnapshot")
def snapshot_page(request, pk: int):
    try:
        snapshot = services.snapshot_by_id(pk)
    except DomainError as exc:
        return _page(request, None, error=exc.message, status=404)
    if not access.in_scope(request.user, snapshot):
        raise PermissionDenied(f"unit {snapshot.unit.code} is outside your scope")
    report = services.snapshot_report(snapshot)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return _download(report, fmt)
    data = report.data
    return _page(request, report, unit_code=data["unit"], standard_id=data["standard"], as_of=data["as_of"],
                 download_base=f"/compliance/snapshots/{snapshot.pk}/?")


PROCUREMENT_FORMATS = ("xlsx", "pdf", "csv")


@access.page("assets.OrgUnit")
def procurement_page(request):
    """Next year's purchase list for a unit the user reaches, per unit and item, with the XLSX/PDF/CSV downloads."""
    default_year = timezone.localdate().year + 1
    context = {"choices": _choices(request), "standards": [{"id": s.id, "title": s.title}
                                                           for s in all_standards().values()],
               "standard_id": request.GET.get("standard") or "jiangsu", "year": request.GET.get("year") or default_year,
               "unit_code": request.GET.get("unit", ""), "formats": PROCUREMENT_FORMATS}
    try:
        unit = _unit_for(request, request.GET.get("unit"))
        context["unit_code"] = unit.code
        try:
            year = parse_year(context["year"])
        except ValueError:
            raise DomainError(_("计划年度应为四位数的年份，如 %(year)s"), field="year", year=default_year) from None
        plan = procurement_plan(unit=unit, year=year, standard_id=context["standard_id"])
    except DomainError as exc:
        return render(request, "compliance/procurement.html", {**context, "error": exc.message}, status=400)
    fmt = request.GET.get("export")
    name = f"procurement-{unit.code}-{year}"
    if fmt == "xlsx":
        head, rows = plan_table(plan)
        return xlsx_response(xlsx([(_("采购计划"), head, rows)]), f"{name}.xlsx")
    if fmt == "csv":
        head, rows = plan_table(plan)
        return export_file("csv", name, head, rows)
    if fmt == "pdf":
        response = HttpResponse(plan_pdf(plan, unit), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    units: dict[str, dict] = {}
    for row in plan_rows(plan):
        group = units.setdefault(row["unit"], {"code": row["unit"], "name": row["unit_name"], "lines": [],
                                               "quantity": 0, "cost": 0})
        group["lines"].append(row)
        group["quantity"] += row["quantity"]
        group["cost"] += row["cost"] or 0
    query = urlencode({"unit": unit.code, "year": year, "standard": plan["standard"]})
    return render(request, "compliance/procurement.html", {
        **context, "unit": unit, "year": year, "plan": plan, "groups": list(units.values()),
        "quantity": sum(line["quantity"] for line in plan["lines"]),
        "unpriced": sum(1 for line in plan["lines"] if line["unit_price"] is None),
        "downloads": [(fmt.upper(), f"/procurement/?{query}&export={fmt}") for fmt in PROCUREMENT_FORMATS]})
