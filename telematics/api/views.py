"""Endpoints of vehicle files, duty calendars and trips: declarations plus actions, each action one service call."""
import datetime as dt
import json

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from assets.api.viewsets import ScopedCreateReadViewSet, ScopedModelViewSet, ScopedReadOnlyViewSet
from quartermaster.errors import DomainError

from .. import services
from ..dossier import build_dossier, dossier_pdf, parse_period
from ..filtersets import (
    DutyScheduleFilterSet, HolidayFilterSet, InspectionFilterSet, InsurancePolicyFilterSet,
    MaintenanceRecordFilterSet, TerminalBindingFilterSet, TripFilterSet, VehicleFilterSet,
    VehicleHistoryFilterSet, VehicleSealFilterSet,
)
from ..models import (
    DutySchedule, Holiday, Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Trip, Vehicle,
    VehicleHistory, VehicleSeal,
)
from ..privacy import SHANGHAI, Purpose, PurposeRequired, track_gate
from ..selectors import vehicle_coverage, vehicles_expiring
from . import serializers as s


def _form(request, serializer_class) -> dict:
    form = serializer_class(data=request.data, context={"request": request})
    form.is_valid(raise_exception=True)
    return form.validated_data


class PdfRenderer(renderers.BaseRenderer):
    """Lets clients ask for application/pdf; errors on that route still come out as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()


def _pdf(vehicle: Vehicle, request):
    """The dossier PDF; its trips of the period only when the PIPL gate lets them through (?purpose=&case= when it
    asks for one: telematics/privacy.py), the rest of the file always."""
    start, end = parse_period(request.query_params.get("start"), request.query_params.get("end"))
    try:
        track_gate(user=request.user, vehicles=[vehicle], start=dt.datetime.combine(start, dt.time(), SHANGHAI),
                   end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI),
                   purpose=Purpose.from_query(request.query_params), path="api:dossier.pdf")
        shown = True
    except PurposeRequired:
        shown = False
    response = HttpResponse(dossier_pdf(build_dossier(vehicle, start, end, with_journeys=shown)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vehicle-{vehicle.pk}-dossier.pdf"'
    return response


class VehicleViewSet(ScopedModelViewSet):
    """Vehicle files (一车一档). Unit, status and terminal change only through the actions (they keep history);
    files are never deleted — a vehicle leaves by retirement."""

    queryset = Vehicle.objects.select_related("unit")
    serializer_class = s.VehicleSerializer
    filterset_class = VehicleFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    search_fields = ["plate", "vin", "terminal_id"]
    ordering_fields = ["plate", "insurance_expires", "inspection_expires", "acquired"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.vehicle_create(**data)

    def perform_update(self, serializer):
        vehicle = serializer.instance
        data = {k: v for k, v in serializer.validated_data.items() if getattr(vehicle, k) != v}
        for name, act in (("unit", "transfer"), ("status", "change_status"), ("terminal_id", "bind_terminal"),
                          ("plate", None)):
            if name in data:
                label = Vehicle._meta.get_field(name).verbose_name
                if act is None:
                    raise DomainError(_("%(plate)s 的%(what)s不能修改"), field=name, code="immutable",
                                      plate=vehicle.plate, what=label)
                raise DomainError(
                    _("%(plate)s 的%(what)s不能通过编辑档案修改：请用 POST /api/v1/vehicles/%(id)s/%(action)s/"),
                    field=name, code="immutable", plate=vehicle.plate, what=label, id=vehicle.pk, action=act)
        serializer.instance = services.vehicle_update(vehicle=vehicle, **data)

    def _done(self, vehicle, code=status.HTTP_200_OK):
        vehicle = Vehicle.objects.select_related("unit").get(pk=vehicle.pk)
        return Response(s.VehicleSerializer(vehicle, context={"request": self.request}).data, status=code)

    @extend_schema(request=s.BindTerminalForm, responses=s.VehicleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.BindTerminalForm)
    def bind_terminal(self, request, pk=None):
        form = _form(request, s.BindTerminalForm)
        vehicle = services.vehicle_bind_terminal(vehicle=self.get_object(), terminal_id=form["terminal_id"],
                                                 at=form.get("at")).vehicle
        return self._done(vehicle)

    @extend_schema(request=s.UnbindTerminalForm, responses=s.VehicleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.UnbindTerminalForm)
    def unbind_terminal(self, request, pk=None):
        form = _form(request, s.UnbindTerminalForm)
        return self._done(services.vehicle_unbind_terminal(vehicle=self.get_object(), at=form.get("at")))

    @extend_schema(request=s.StatusForm, responses=s.VehicleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.StatusForm)
    def change_status(self, request, pk=None):
        form = _form(request, s.StatusForm)
        return self._done(services.vehicle_change_status(vehicle=self.get_object(), **form))

    @extend_schema(request=s.TransferForm, responses=s.VehicleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.TransferForm)
    def transfer(self, request, pk=None):
        form = _form(request, s.TransferForm)
        return self._done(services.vehicle_transfer(vehicle=self.get_object(), **form))

    @extend_schema(request=s.LiveryForm, responses=s.VehicleSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.LiveryForm)
    def livery(self, request, pk=None):
        form = _form(request, s.LiveryForm)
        return self._done(services.vehicle_set_livery(vehicle=self.get_object(), compliant=form["compliant"],
                                                      photo=form.get("photo")))

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def locate(self, request, pk=None):
        """Locate now: the vehicle's JT/T 808 terminal is asked for its position (0x8201) through the running
        gateway; its answer `{"vehicle", "plate", "terminal", "fix": {"ts", "lat", "lon", "speed", "heading"}}`, or
        409 terminal_offline, 504 timeout, 400 not_jt808."""
        return Response(services.vehicle_locate(vehicle=self.get_object()))

    @extend_schema(request=s.ReportIntervalForm, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="report-interval", serializer_class=s.ReportIntervalForm)
    def report_interval(self, request, pk=None):
        """Sets the reporting interval(s) of the vehicle's JT/T 808 terminal (0x8103) through the running gateway;
        the terminal's answer `{"vehicle", "plate", "terminal", "seconds", "sleep_seconds", "status": "ok" |
        "refused", "result"}` (its 0x0001 result), recorded in the change log; 409 terminal_offline, 504 timeout,
        400 not_jt808."""
        form = _form(request, s.ReportIntervalForm)
        return Response(services.vehicle_set_report_interval(vehicle=self.get_object(), **form))

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="dossier.pdf",
            renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def dossier_pdf(self, request, pk=None):
        return _pdf(self.get_object(), request)

    @action(detail=True, methods=["get"], serializer_class=s.CoverageSerializer)
    def coverage(self, request, pk=None):
        """Is this vehicle on duty, or covered by an approved trip, at ?at= (near ?lat=&lon= when given)?"""
        query = s.CoverageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        vehicle, at = self.get_object(), query.validated_data["at"]
        found = vehicle_coverage(vehicle, at, query.validated_data.get("lat"), query.validated_data.get("lon"))
        return Response(s.CoverageSerializer({
            "vehicle": vehicle.pk, "plate": vehicle.plate, "unit": vehicle.unit.code, "at": at,
            "on_duty": found.on_duty, "covered_by": found.trip_id, "allowed": found.allowed}).data)

    @extend_schema(responses=s.ExpirySerializer(many=True))
    @action(detail=False, methods=["get"], serializer_class=s.ExpirySerializer, pagination_class=None)
    def expiring(self, request):
        """Insurance and inspections expiring within ?days= (default 30) or already expired."""
        try:
            days = int(request.query_params.get("days", 30))
        except ValueError:
            raise ValidationError({"days": _("应为整数天数")}) from None
        found = vehicles_expiring(within_days=days, on=timezone.localdate(), vehicles=self.get_queryset())
        return Response(s.ExpirySerializer(found, many=True).data)


class VehicleRecordMixin:
    """Records hanging off a vehicle: created through a service (which refuses a vehicle outside the scope)."""

    create_service = None

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = type(self).create_service(**data)


class VehicleHistoryViewSet(ScopedReadOnlyViewSet):
    queryset = VehicleHistory.objects.select_related("unit")
    serializer_class = s.VehicleHistorySerializer
    filterset_class = VehicleHistoryFilterSet


class TerminalBindingViewSet(ScopedReadOnlyViewSet):
    queryset = TerminalBinding.objects.select_related("vehicle")
    serializer_class = s.TerminalBindingSerializer
    filterset_class = TerminalBindingFilterSet


class MaintenanceRecordViewSet(VehicleRecordMixin, ScopedCreateReadViewSet):
    queryset = MaintenanceRecord.objects.all()
    serializer_class = s.MaintenanceRecordSerializer
    filterset_class = MaintenanceRecordFilterSet
    create_service = staticmethod(services.maintenance_record_create)


class InsurancePolicyViewSet(VehicleRecordMixin, ScopedCreateReadViewSet):
    queryset = InsurancePolicy.objects.all()
    serializer_class = s.InsurancePolicySerializer
    filterset_class = InsurancePolicyFilterSet
    create_service = staticmethod(services.insurance_policy_create)


class InspectionViewSet(VehicleRecordMixin, ScopedCreateReadViewSet):
    queryset = Inspection.objects.all()
    serializer_class = s.InspectionSerializer
    filterset_class = InspectionFilterSet
    create_service = staticmethod(services.inspection_create)


class VehicleSealViewSet(VehicleRecordMixin, ScopedCreateReadViewSet):
    """Sealed (封存) periods: create seals the vehicle (a photo may be uploaded as multipart); `end` sets the last
    sealed day. A sealed vehicle that moves raises sealed_vehicle_moved."""

    queryset = VehicleSeal.objects.select_related("vehicle")
    serializer_class = s.VehicleSealSerializer
    filterset_class = VehicleSealFilterSet
    create_service = staticmethod(services.vehicle_seal)

    @action(detail=True, methods=["post"], serializer_class=s.SealEndForm)
    def end(self, request, pk=None):
        seal = self.get_object()
        seal = services.vehicle_seal_end(seal=seal, **_form(request, s.SealEndForm))
        return Response(s.VehicleSealSerializer(seal, context=self.get_serializer_context()).data)


class TripViewSet(VehicleRecordMixin, ScopedCreateReadViewSet):
    """Trips (派车单): create = request; the fleet manager approves or refuses; cancel withdraws."""

    queryset = Trip.objects.select_related("vehicle")
    serializer_class = s.TripSerializer
    filterset_class = TripFilterSet
    create_service = staticmethod(services.trip_request)

    @extend_schema(request=s.DecisionForm, responses=s.TripSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.DecisionForm)
    def approve(self, request, pk=None):
        trip = services.trip_approve(trip=self.get_object(), user=request.user, **_form(request, s.DecisionForm))
        return Response(s.TripSerializer(trip).data)

    @extend_schema(request=s.DecisionForm, responses=s.TripSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.DecisionForm)
    def refuse(self, request, pk=None):
        trip = services.trip_refuse(trip=self.get_object(), user=request.user, **_form(request, s.DecisionForm))
        return Response(s.TripSerializer(trip).data)

    @extend_schema(request=s.DecisionForm, responses=s.TripSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.DecisionForm)
    def cancel(self, request, pk=None):
        trip = services.trip_cancel(trip=self.get_object(), **_form(request, s.DecisionForm))
        return Response(s.TripSerializer(trip).data)


class DutyScheduleViewSet(ScopedModelViewSet):
    """Weekly duty shifts per unit; sub-units without shifts of their own inherit their parent's."""

    queryset = DutySchedule.objects.select_related("unit")
    serializer_class = s.DutyScheduleSerializer
    filterset_class = DutyScheduleFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.duty_schedule_create(**data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "unit" in data and data["unit"] != serializer.instance.unit:
            raise DomainError(_("班次的单位不能修改：请删除它，再为另一个单位新建"),
                              field="unit", code="immutable")
        data.pop("unit", None)
        serializer.instance = services.duty_schedule_update(schedule=serializer.instance, **data)

    def perform_destroy(self, instance):
        services.duty_schedule_delete(schedule=instance)


class HolidayViewSet(ScopedModelViewSet):
    """Holidays and adjusted working days (调休) overriding chinese-calendar. Every unit reads them; since they
    apply to the whole bureau, only users whose scope is the whole bureau change them."""

    queryset = Holiday.objects.all()
    serializer_class = s.HolidaySerializer
    filterset_class = HolidayFilterSet

    def perform_create(self, serializer):
        serializer.instance = services.holiday_set(**serializer.validated_data)

    def perform_update(self, serializer):
        data = {"date": serializer.instance.date, "kind": serializer.instance.kind, "name": serializer.instance.name}
        data.update(serializer.validated_data)
        if data["date"] != serializer.instance.date:
            raise DomainError(_("节假日条目的日期不能修改"), field="date", code="immutable")
        serializer.instance = services.holiday_set(**data)

    def perform_destroy(self, instance):
        services.holiday_delete(holiday=instance)
