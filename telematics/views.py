"""Web pages of the vehicle files: the list (search, filters, sort, pages, export, live state) and each vehicle's
dossier (一车一档) with its PDF, photos, mileage chart and the forms that add records to it."""
import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assets import access, lists
from assets.models import OrgUnit
from quartermaster.dbrouter import reads_from_replica
from quartermaster.errors import DomainError

from . import forms, services
from .charts import mileage_svg
from .dossier import build_dossier, dossier_pdf, parse_period, recent_mileage
from .models import Inspection, InsurancePolicy, MaintenanceRecord, Vehicle, VehiclePhoto
from .privacy import SHANGHAI, Purpose, PurposeRequired, track_gate
from .selectors import vehicle_list_rows, vehicles_expiring
from .services import vehicle_report_interval

MILEAGE_DAYS = (30, 90)


def _vehicle(request, pk: int) -> Vehicle:
    return get_object_or_404(access.restrict(Vehicle.objects.select_related("unit"), request.user), pk=pk)


def _age(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return _("%(n)d秒前") % {"n": seconds}
    if seconds < 3600:
        return _("%(n)d分钟前") % {"n": seconds // 60}
    if seconds < 86400:
        return _("%(n)d小时前") % {"n": seconds // 3600}
    return _("%(n)d天前") % {"n": seconds // 86400}


LIVE_LABELS = {"moving": gettext_lazy("行驶"), "stopped": gettext_lazy("停驶"), "offline": gettext_lazy("离线")}
LIVE_ORDER = {"moving": 0, "stopped": 1, "offline": 2}


def _local(ts) -> str:
    return "" if ts is None else f"{timezone.localtime(ts):%Y-%m-%d %H:%M:%S}"


# The list's columns: what the table shows, how it sorts, and what the export writes.
VEHICLE_COLUMNS = (
    lists.RowColumn("plate", gettext_lazy("车牌号"), lambda r: r.vehicle.plate, lambda r: r.vehicle.plate),
    lists.RowColumn("unit", gettext_lazy("所属单位"), lambda r: r.vehicle.unit.name, lambda r: r.vehicle.unit.path),
    lists.RowColumn("type", gettext_lazy("车辆类型"), lambda r: r.vehicle.vehicle_type,
                   lambda r: r.vehicle.vehicle_type or None),
    lists.RowColumn("seats", gettext_lazy("座位数"), lambda r: r.vehicle.seats, lambda r: r.vehicle.seats),
    lists.RowColumn("status", gettext_lazy("状态"), lambda r: str(r.vehicle.get_status_display()),
                   lambda r: r.vehicle.status),
    lists.RowColumn("vin", gettext_lazy("车架号"), lambda r: r.vehicle.vin),
    lists.RowColumn("terminal", gettext_lazy("定位终端号"), lambda r: r.vehicle.terminal_id or "",
                   lambda r: r.vehicle.terminal_id),
    lists.RowColumn("insurance", gettext_lazy("保险到期"), lambda r: r.vehicle.insurance_expires,
                   lambda r: r.vehicle.insurance_expires),
    lists.RowColumn("inspection", gettext_lazy("年检到期"), lambda r: r.vehicle.inspection_expires,
                   lambda r: r.vehicle.inspection_expires),
    lists.RowColumn("live", gettext_lazy("实时状态"), lambda r: str(LIVE_LABELS[r.live.state]),
                   lambda r: LIVE_ORDER[r.live.state]),
    lists.RowColumn("fix", gettext_lazy("最后定位"), lambda r: _local(r.live.ts), lambda r: r.live.age_s),
    lists.RowColumn("alerts", gettext_lazy("待处理告警"), lambda r: r.live.open_alerts, lambda r: r.live.open_alerts),
    lists.RowColumn("livery", gettext_lazy("标识涂装合规"), lambda r: _("是") if r.vehicle.livery_compliant else _("否")),
)


@access.page("telematics.Vehicle")
@reads_from_replica
def vehicle_list(request):
    vehicles = access.restrict(Vehicle.objects.select_related("unit"), request.user)
    units = list(access.restrict(OrgUnit.objects.all(), request.user).order_by("path"))
    types = sorted(t for t in vehicles.order_by().values_list("vehicle_type", flat=True).distinct() if t)
    form = forms.VehicleListForm(request.GET, units=units, vehicle_types=types)
    rows, order = lists.sort_rows(vehicle_list_rows(vehicles, form.filters()), VEHICLE_COLUMNS,
                                  request.GET.get("sort", ""), "plate")
    fmt = request.GET.get("export")
    if fmt in lists.EXPORT_FORMATS:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return lists.export_file(fmt, f"vehicles-{stamp}", [str(c.label) for c in VEHICLE_COLUMNS],
                                 ([c.value(row) for c in VEHICLE_COLUMNS] for row in rows))
    page = lists.page_of(rows, request.GET.get("page"), request.GET.get("size"))
    params = request.GET
    headers = [{"label": c.label, "key": c.key,
                "url": "?" + lists.query_with(params, sort=("-" if order == c.key else "") + c.key, page=None,
                                                export=None) if c.sort_key else None,
                "arrow": "▲" if order == c.key else "▼" if order == "-" + c.key else ""}
               for c in VEHICLE_COLUMNS if c.key not in ("vin", "seats", "livery")]
    return render(request, "telematics/vehicle_list.html", {
        "form": form, "page": page, "rows": [(r, _age(r.live.age_s), LIVE_LABELS[r.live.state]) for r in page.object_list],
        "total": len(rows), "headers": headers,
        "expiring": vehicles_expiring(within_days=30, vehicles=vehicles),
        "export_csv": "?" + lists.query_with(params, export="csv", page=None),
        "export_xlsx": "?" + lists.query_with(params, export="xlsx", page=None),
        "prev_url": "?" + lists.query_with(params, page=page.previous_page_number()) if page.has_previous() else "",
        "next_url": "?" + lists.query_with(params, page=page.next_page_number()) if page.has_next() else "",
    })


def _mileage_days(request) -> int:
    try:
        days = int(request.GET.get("km_days", MILEAGE_DAYS[0]))
    except ValueError:
        return MILEAGE_DAYS[0]
    return days if days in MILEAGE_DAYS else MILEAGE_DAYS[0]


RECORD_FORMS = {"insurance": forms.InsuranceForm, "inspection": forms.InspectionForm,
                "maintenance": forms.MaintenanceForm, "photo": forms.PhotoForm}
RECORD_MODELS = {"insurance": InsurancePolicy, "inspection": Inspection, "maintenance": MaintenanceRecord,
                 "photo": VehiclePhoto}


@access.page("telematics.Vehicle")
def vehicle_dossier(request, pk: int):
    vehicle = _vehicle(request, pk)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    # Imported here: the gateway's module loads its protocol and MQTT code, needed only by this page.
    from .tracking.jt808 import is_phone

    try:
        purpose_error = _journeys_gate(request, vehicle, start, end, "page:dossier")
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    dossier = build_dossier(vehicle, start, end, with_journeys=purpose_error is None)
    km_days = _mileage_days(request)
    chart_days = recent_mileage(vehicle.pk, km_days)
    writable = access.in_scope(request.user, vehicle, access.CHANGE)
    may = {kind: writable and access.may(request.user, access.ADD, model) for kind, model in RECORD_MODELS.items()}
    jt808 = is_phone(vehicle.terminal_id or "")
    return render(request, "telematics/vehicle_dossier.html", {
        "d": dossier, "j": dossier.journeys, "jt808": jt808, "purpose_error": purpose_error,
        "purpose_query": _purpose_query(request),
        "report_interval": vehicle_report_interval(vehicle=vehicle) if jt808 else None,
        "record_forms": {kind: form() for kind, form in RECORD_FORMS.items() if may[kind]},
        "photos": list(access.restrict(VehiclePhoto.objects.filter(vehicle=vehicle), request.user)),
        "chart": mileage_svg(chart_days), "km_days": km_days, "km_choices": MILEAGE_DAYS,
        "chart_total": round(sum(km for _, km in chart_days), 1),
        "photo_max_mb": f"{_photo_limit_mb():g}"})


def _photo_limit_mb() -> float:
    return settings.QM_VEHICLE_PHOTO_MAX_MB


def _too_large(request) -> bool:
    """The request body is larger than a photo of the largest size allowed and its form fields could be."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > _photo_limit_mb() * 1024 * 1024 + 64 * 1024


def _photo_error(exc: DomainError) -> str:
    if exc.code == "too_large":
        return _("照片不能超过 %(mb)s MB。") % {"mb": f"{_photo_limit_mb():g}"}
    if exc.code == "bad_type":
        return _("只接受 JPEG、PNG 或 WebP 格式的图片。")
    return exc.message


def _record_add(request, pk: int, kind: str):
    """GET: the form alone; POST: the record added through its service (changes logged as the signed-in user),
    back to the file; a refusal shows the form again with what was wrong."""
    vehicle = _vehicle(request, pk)
    if not access.in_scope(request.user, vehicle, access.CHANGE):
        raise PermissionDenied(_("您的角色不能修改这辆车的档案"))
    form_class = RECORD_FORMS[kind]
    if kind == "photo" and request.method == "POST" and _too_large(request):
        # Refused before Django reads the body into a temporary file: an upload far over the limit costs nothing.
        return render(request, "telematics/vehicle_record_form.html",
                      {"vehicle": vehicle, "form": form_class(), "kind": kind, "title": _("上传车辆照片"),
                       "error": _("照片不能超过 %(mb)s MB。") % {"mb": f"{_photo_limit_mb():g}"},
                       "photo_max_mb": f"{_photo_limit_mb():g}"}, status=413)
    form = form_class(request.POST, request.FILES) if request.method == "POST" else form_class()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == "insurance":
                services.insurance_policy_create(vehicle=vehicle, **data)
            elif kind == "inspection":
                services.inspection_create(vehicle=vehicle, **data)
            elif kind == "maintenance":
                services.maintenance_record_create(vehicle=vehicle, **{**data, "cost": data.get("cost") or 0})
            else:
                services.vehicle_photo_add(vehicle=vehicle, **data)
        except access.OutOfScope as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            form.add_error(None, _photo_error(exc) if kind == "photo" else exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect(reverse("telematics:vehicle-dossier", args=[vehicle.pk]) + f"#{kind}")
    titles = {"insurance": _("新增保险记录"), "inspection": _("新增年检记录"), "maintenance": _("新增维修保养记录"),
              "photo": _("上传车辆照片")}
    return render(request, "telematics/vehicle_record_form.html",
                  {"vehicle": vehicle, "form": form, "kind": kind, "title": titles[kind],
                   "photo_max_mb": f"{_photo_limit_mb():g}"}, status=400 if request.method == "POST" else 200)


@access.page("telematics.InsurancePolicy", access.ADD)
@require_http_methods(["GET", "POST"])
def vehicle_insurance_add(request, pk: int):
    return _record_add(request, pk, "insurance")


@access.page("telematics.Inspection", access.ADD)
@require_http_methods(["GET", "POST"])
def vehicle_inspection_add(request, pk: int):
    return _record_add(request, pk, "inspection")


@access.page("telematics.MaintenanceRecord", access.ADD)
@require_http_methods(["GET", "POST"])
def vehicle_maintenance_add(request, pk: int):
    return _record_add(request, pk, "maintenance")


@access.page("telematics.VehiclePhoto", access.ADD)
@require_http_methods(["GET", "POST"])
def vehicle_photo_add(request, pk: int):
    return _record_add(request, pk, "photo")


@access.page("telematics.VehiclePhoto")
def vehicle_photo(request, pk: int):
    """A photo of a vehicle's file, to the users who may see the vehicle (media files are not served openly)."""
    photo = get_object_or_404(access.restrict(VehiclePhoto.objects.all(), request.user), pk=pk)
    return access.private_file(photo.image, missing="photo missing from storage")


@access.page("telematics.Vehicle")
def vehicle_dossier_pdf(request, pk: int):
    vehicle = _vehicle(request, pk)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    try:
        shown = _journeys_gate(request, vehicle, start, end, "page:dossier.pdf") is None
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    return pdf_response(vehicle, start, end, with_journeys=shown)


def _journeys_gate(request, vehicle, start, end, path: str) -> str | None:
    """The PIPL gate (telematics/privacy.py) for the dossier's trips of the period: None when they may be shown
    (logged when a purpose was needed), else why not; the rest of the file is shown either way."""
    try:
        track_gate(user=request.user, vehicles=[vehicle], start=dt.datetime.combine(start, dt.time(), SHANGHAI),
                   end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI),
                   purpose=Purpose.from_query(request.GET), path=path)
    except PurposeRequired as exc:
        return exc.message
    return None


def _purpose_query(request) -> str:
    """The purpose given, for the page's export links (each of them is a read of its own, logged again)."""
    params = {k: request.GET[k] for k in ("purpose", "case") if request.GET.get(k)}
    return ("&" + urlencode(params)) if params else ""


@access.page("telematics.Vehicle")
def vehicle_livery_photo(request, pk: int):
    """The livery photo, to the users who may see the vehicle (media files are not served openly)."""
    vehicle = _vehicle(request, pk)
    if not vehicle.livery_photo:
        raise Http404("no livery photo")
    return access.private_file(vehicle.livery_photo, missing="livery photo missing from storage")


def pdf_response(vehicle: Vehicle, start, end, with_journeys: bool = True) -> HttpResponse:
    response = HttpResponse(dossier_pdf(build_dossier(vehicle, start, end, with_journeys=with_journeys)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=\"vehicle-{vehicle.pk}-dossier.pdf\""
    return response
