"""Web pages of the use register: the monthly register of a unit (table of journeys, totals per vehicle, exports
with ?format=), and the forms that enter a fuel or cost entry or an odometer reading for a vehicle."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assets import access
from assets.models import OrgUnit
from quartermaster.errors import DomainError
from telematics.journeys.selectors import period_journeys
from telematics.models import Vehicle

from . import render as files
from . import services
from .forms import CostEntryForm, OdometerForm
from .selectors import build_register, parse_month


def _units(user) -> list[OrgUnit]:
    return list(access.restrict(OrgUnit.objects.all(), user).order_by("path"))


@access.page("telematics.Vehicle")
def register_page(request):
    units = _units(request.user)
    unit_code = request.GET.get("unit") or (units[0].code if units else "")
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    fmt = request.GET.get("format") or ""
    context = {"units": units, "unit_code": unit_code, "month": month, "formats": files.FORMATS}
    try:
        unit = next((u for u in units if u.code == unit_code), None)
        if unit is None:
            raise DomainError(gettext_lazy("单位 %(unit)s 不存在或不在您的管辖范围内"), field="unit",
                              unit=unit_code)
        parse_month(month)
        if fmt:
            body = files.register_bytes(unit=unit, month=month, fmt=fmt, user=request.user)
            response = HttpResponse(body, content_type=files.CONTENT_TYPES[fmt])
            response["Content-Disposition"] = f'attachment; filename="{files.filename(unit.code, month, fmt)}"'
            return response
        register = build_register(unit=unit, month=month, user=request.user)
    except DomainError as exc:
        if fmt:
            return HttpResponseBadRequest(exc.message)
        return render(request, "telematics/register.html", {**context, "error": exc.message}, status=400)
    context.update(register=register, query=urlencode({"unit": unit.code, "month": register.month}),
                   cells=[[(c.key, files.text(row.get(c.key), c.kind)) for c in register.columns]
                          for row in register.rows],
                   total_cells=[[(c.key, files.text(row.get(c.key), c.kind)) for c in register.total_columns]
                                for row in [*register.totals, register.grand_total]])
    return render(request, "telematics/register.html", context)


def _writable_vehicle(request, pk: int) -> Vehicle:
    vehicle = get_object_or_404(access.restrict(Vehicle.objects.select_related("unit"), request.user), pk=pk)
    if not access.in_scope(request.user, vehicle, access.CHANGE):
        raise PermissionDenied(_("您的角色不能在这辆车的使用登记中添加记录"))
    return vehicle


def _day(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "")[:10])
    except ValueError:
        return timezone.localdate()


def _back_to_register(vehicle: Vehicle, day: dt.date):
    return redirect(reverse("telematics:register") + "?" + urlencode({"unit": vehicle.unit.code,
                                                                       "month": day.strftime("%Y-%m")}))


@access.page("telematics.VehicleCost", access.ADD)
@require_http_methods(["GET", "POST"])
def cost_add(request, pk: int):
    """GET ?date=: the form with that day's journeys to book to; POST: the entry added through its service, then
    the register of the vehicle's unit for that month; a refusal shows the form again with what was wrong."""
    vehicle = _writable_vehicle(request, pk)
    day = _day(request.POST.get("date") if request.method == "POST" else request.GET.get("date"))
    journeys = period_journeys(vehicle, day, day).journeys
    if request.method == "POST":
        form = CostEntryForm(request.POST, request.FILES, journeys=journeys)
        if form.is_valid():
            try:
                services.cost_entry_create(vehicle=vehicle, **form.service_arguments())
            except access.OutOfScope as exc:
                raise PermissionDenied(exc.message) from None
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已登记 %(plate)s 的费用。") % {"plate": vehicle.plate})
                return _back_to_register(vehicle, form.cleaned_data["date"])
    else:
        form = CostEntryForm(initial={"date": day}, journeys=journeys)
    return render(request, "telematics/register_form.html",
                  {"vehicle": vehicle, "form": form, "title": _("登记加油及费用"), "kind": "cost", "day": day,
                   "journeys": journeys}, status=400 if request.method == "POST" else 200)


@access.page("telematics.OdometerReading", access.ADD)
@require_http_methods(["GET", "POST"])
def odometer_add(request, pk: int):
    vehicle = _writable_vehicle(request, pk)
    if request.method == "POST":
        form = OdometerForm(request.POST)
        if form.is_valid():
            try:
                reading = services.odometer_reading_create(vehicle=vehicle, **form.cleaned_data)
            except access.OutOfScope as exc:
                raise PermissionDenied(exc.message) from None
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已登记 %(plate)s 的里程表读数。") % {"plate": vehicle.plate})
                return _back_to_register(vehicle, timezone.localtime(reading.read_at).date())
    else:
        form = OdometerForm()
    return render(request, "telematics/register_form.html",
                  {"vehicle": vehicle, "form": form, "title": _("登记里程表读数"), "kind": "odometer"},
                  status=400 if request.method == "POST" else 200)
