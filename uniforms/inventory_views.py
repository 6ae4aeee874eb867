"""Web pages of the annual inventory (年度清查盘点): plan a count by unit, its coverage and differences (XLSX)."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from assets import access
from assets.access import ADD, CHANGE, page
from assets.models import OrgUnit
from quartermaster.errors import DomainError

from . import selectors, services
from .models import AnnualInventory, Stocktake
from .reports import inventory_xlsx_response


@page("uniforms.AnnualInventory")
def inventory_list(request):
    may_plan = access.may(request.user, ADD, AnnualInventory)
    if request.method == "POST" and may_plan:
        unit = access.restrict(OrgUnit.objects.all(), request.user).filter(code=request.POST.get("unit", "")).first()
        try:
            year = int(request.POST.get("year", ""))
            if unit is None:
                raise DomainError(gettext("未知单位或不在管辖范围内"))
            made = services.annual_inventory_plan(unit=unit, year=year)
        except ValueError:
            messages.error(request, gettext("请填写年度"))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("uniforms:inventory", pk=made.pk)
    rows = access.restrict(AnnualInventory.objects.all(), request.user).select_related("unit").prefetch_related(
        "stocktakes")
    units = access.restrict(OrgUnit.objects.all(), request.user)
    return render(request, "uniforms/inventory_list.html", {
        "inventories": rows, "may_plan": may_plan, "units": units, "this_year": timezone.localdate().year})


@page("uniforms.AnnualInventory")
def inventory_report(request, pk: int):
    inventory = get_object_or_404(access.restrict(AnnualInventory.objects.all(), request.user), pk=pk)
    report = selectors.annual_inventory_report(inventory)
    if request.GET.get("export") == "xlsx":
        return inventory_xlsx_response(report)
    return render(request, "uniforms/inventory_report.html", {
        "inventory": inventory, "report": report, "may_scan": access.may(request.user, CHANGE, Stocktake)})
