"""Web pages of the vehicle files: the list and each vehicle's dossier (一车一档) with its PDF and livery photo."""
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render

from assets import access
from quartermaster.errors import DomainError

from .dossier import build_dossier, dossier_pdf, parse_period
from .models import Vehicle
from .selectors import vehicles_expiring
from .services import vehicle_report_interval


def _vehicle(request, pk: int) -> Vehicle:
    return get_object_or_404(access.restrict(Vehicle.objects.select_related("unit"), request.user), pk=pk)


@access.page("telematics.Vehicle")
def vehicle_list(request):
    vehicles = access.restrict(Vehicle.objects.select_related("unit"), request.user)
    expiring = vehicles_expiring(within_days=30, vehicles=vehicles)
    return render(request, "telematics/vehicle_list.html", {"vehicles": vehicles, "expiring": expiring})


@access.page("telematics.Vehicle")
def vehicle_dossier(request, pk: int):
    vehicle = _vehicle(request, pk)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    # Imported here: the gateway's module loads its protocol and MQTT code, needed only by this page.
    from .tracking.jt808 import is_phone

    dossier = build_dossier(vehicle, start, end)
    jt808 = is_phone(vehicle.terminal_id or "")
    return render(request, "telematics/vehicle_dossier.html", {
        "d": dossier, "j": dossier.journeys, "jt808": jt808,
        "report_interval": vehicle_report_interval(vehicle=vehicle) if jt808 else None})


@access.page("telematics.Vehicle")
def vehicle_dossier_pdf(request, pk: int):
    vehicle = _vehicle(request, pk)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    return pdf_response(vehicle, start, end)


@access.page("telematics.Vehicle")
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
