"""Web pages of the vehicle files: the list and each vehicle's dossier (一车一档) with its PDF and livery photo."""
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render

from api.scoping import scope_queryset, unit_in_scope
from quartermaster.errors import DomainError

from .dossier import build_dossier, dossier_pdf, parse_period
from .models import Vehicle
from .selectors import vehicles_expiring


def _vehicle(request, pk: int) -> Vehicle:
    vehicle = get_object_or_404(Vehicle.objects.select_related("unit"), pk=pk)
    if not unit_in_scope(request.user, vehicle.unit):
        raise Http404("vehicle not found")
    return vehicle


@login_required
def vehicle_list(request):
    vehicles = scope_queryset(Vehicle.objects.select_related("unit"), request.user, "unit")
    expiring = vehicles_expiring(within_days=30, vehicles=vehicles)
    return render(request, "telematics/vehicle_list.html", {"vehicles": vehicles, "expiring": expiring})


@login_required
def vehicle_dossier(request, pk: int):
    vehicle = _vehicle(request, pk)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    dossier = build_dossier(vehicle, start, end)
    return render(request, "telematics/vehicle_dossier.html", {"d": dossier, "j": dossier.journeys})


@login_required
def vehicle_dossier_pdf(request, pk: int):
    vehicle = _vehicle(request, pk)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    return pdf_response(vehicle, start, end)


@login_required
def vehicle_livery_photo(request, pk: int):
    """The livery photo, to the users who may see the vehicle (media files are not served openly)."""
    vehicle = _vehicle(request, pk)
    if not vehicle.livery_photo:
        raise Http404("no livery photo")
    try:
        return FileResponse(vehicle.livery_photo.open("rb"), filename=vehicle.livery_photo.name.rsplit("/", 1)[-1])
    except FileNotFoundError:
        raise Http404("livery photo missing from storage") from None


def pdf_response(vehicle: Vehicle, start, end) -> HttpResponse:
    response = HttpResponse(dossier_pdf(build_dossier(vehicle, start, end)), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=\"vehicle-{vehicle.pk}-dossier.pdf\""
    return response
