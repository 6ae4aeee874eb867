"""The report page: pick a report, a unit or vehicle of your scope and a period; see the table (and its chart) and
download it as XLSX, PDF, CSV or JSON (`?format=`)."""
from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets import access
from assets.models import OrgUnit
from quartermaster.dbrouter import reads_from_replica
from quartermaster.errors import DomainError
from telematics.models import Vehicle
from telematics.privacy import Purpose, PurposeRequired

from . import charts, registry
from . import render as files
from .selectors import parse_day


def _default_period() -> tuple[dt.date, dt.date]:
    """The last seven whole days."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return yesterday - dt.timedelta(days=6), yesterday


def _units(user):
    units = OrgUnit.objects.order_by("path")
    if access.whole_bureau(user):
        return list(units)
    scope = access.scope_unit(user)
    return [u for u in units if scope is not None and u.path.startswith(scope.path)]


@access.page("telematics.Vehicle")
@reads_from_replica
def report_page(request):
    units = _units(request.user)
    vehicles = access.restrict(Vehicle.objects.select_related("unit"), request.user).order_by("plate")
    kind = request.GET.get("kind") or "summary"
    fmt = request.GET.get("format") or ""
    default_start, default_end = _default_period()
    context = {"kinds": [(k, str(v)) for k, v in registry.KINDS.items()], "kind": kind, "units": units,
               "vehicles": vehicles, "unit_code": request.GET.get("unit") or (units[0].code if units else ""),
               "vehicle_id": request.GET.get("vehicle") or "", "formats": [f for f in files.FORMATS]}
    try:
        start = parse_day(request.GET["from"], "from") if request.GET.get("from") else default_start
        end = parse_day(request.GET["to"], "to") if request.GET.get("to") else default_end
        if kind not in registry.KINDS:
            raise DomainError(_("报表 %(kind)s：应为 %(kinds)s 之一"), field="kind", kind=kind,
                              kinds=", ".join(registry.KINDS))
        if fmt and fmt not in files.FORMATS:
            raise DomainError(_("格式 %(format)s：应为 %(formats)s 之一"), field="format", format=fmt,
                              formats=", ".join(files.FORMATS))
        unit = vehicle = None
        if context["vehicle_id"]:
            ident = context["vehicle_id"]
            vehicle = vehicles.filter(pk=int(ident) if ident.isdigit() else 0).first()
            if vehicle is None:
                raise DomainError(_("车辆 %(vehicle)s 不存在或不在您的管辖范围内"), field="vehicle",
                                  vehicle=ident)
        else:
            unit = next((u for u in units if u.code == context["unit_code"]), None)
            if unit is None:
                raise DomainError(_("单位 %(unit)s 不存在或不在您的管辖范围内"), field="unit",
                                  unit=context["unit_code"])
        context.update(start=start, end=end)
        if fmt:
            body = registry.report_bytes(kind, start=start, end=end, fmt=fmt, unit=unit, vehicle=vehicle,
                                         user=request.user, purpose=Purpose.from_query(request.GET))
            response = HttpResponse(body, content_type=files.CONTENT_TYPES[fmt])
            code = unit.code if unit is not None else f"vehicle-{vehicle.pk}"
            response["Content-Disposition"] = f'attachment; filename="{registry.filename(kind, code, start, end, fmt)}"'
            return response
        report = registry.build_report(kind, start=start, end=end, unit=unit, vehicle=vehicle, user=request.user,
                                       purpose=Purpose.from_query(request.GET))
    except DomainError as exc:
        status = 403 if isinstance(exc, PurposeRequired) else 400
        if fmt:
            return HttpResponse(exc.message, status=status, content_type="text/plain; charset=utf-8")
        context.update(error=exc.message, start=context.get("start", default_start),
                       end=context.get("end", default_end), purpose_required=status == 403)
        return render(request, "telematics/reports.html", context, status=status)
    query = request.GET.copy()
    query.pop("format", None)
    context.update(report=report, chart=charts.bar_svg(report.chart) if report.chart and report.chart.bars else "",
                   cells=[[files.text(row.get(c.key)) for c in report.columns] for row in report.rows],
                   total_cells=[files.text(report.totals.get(c.key)) for c in report.columns] if report.totals else None,
                   query=query.urlencode())
    return render(request, "telematics/reports.html", context)
