"""REST endpoints of the use register: fuel and cost entries (/api/v1/vehicle-costs/, a receipt photo as multipart),
odometer readings (/api/v1/odometer-readings/), both created through their services and scoped like the vehicle
files; and the monthly register GET /api/v1/register/?unit=CODE&month=YYYY-MM[&format=json|csv|xlsx|pdf][&lang=en]."""
import json

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from django.utils.translation import gettext
from rest_framework import renderers, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from assets import access
from assets.api.viewsets import ScopedCreateReadViewSet, ScopedViewSet
from assets.models import OrgUnit
from telematics.models import OdometerReading, Vehicle, VehicleCost
from telematics.reports.api import CsvRenderer, PdfRenderer, XlsxRenderer

from . import render, services
from .filtersets import OdometerReadingFilterSet, VehicleCostFilterSet


class VehicleCostSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)

    class Meta:
        model = VehicleCost
        fields = ["id", "vehicle", "plate", "date", "kind", "amount", "litres", "fuel_card", "odometer_km",
                  "journey_start", "receipt", "note", "entered_by", "created_at"]
        read_only_fields = ["entered_by", "created_at"]


class OdometerReadingSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)

    class Meta:
        model = OdometerReading
        fields = ["id", "vehicle", "plate", "read_at", "km", "note", "entered_by", "created_at"]
        read_only_fields = ["entered_by", "created_at"]
        validators = []  # one reading per moment: the service answers a duplicate


class VehicleCostViewSet(ScopedCreateReadViewSet):
    """Fuel and cost entries (加油, 通行费, 停车费, 维修保养, 洗车, 其他): booked to the journey that started at
    `journey_start` when given, else to the vehicle-day; kept as written."""

    queryset = VehicleCost.objects.select_related("vehicle")
    serializer_class = VehicleCostSerializer
    filterset_class = VehicleCostFilterSet

    def perform_create(self, serializer):
        serializer.instance = services.cost_entry_create(**serializer.validated_data)


class OdometerReadingViewSet(ScopedCreateReadViewSet):
    """Odometer readings; a journey's odometer km runs from the reading before it to the reading after it."""

    queryset = OdometerReading.objects.select_related("vehicle")
    serializer_class = OdometerReadingSerializer
    filterset_class = OdometerReadingFilterSet

    def perform_create(self, serializer):
        serializer.instance = services.odometer_reading_create(**serializer.validated_data)


class RegisterViewSet(ScopedViewSet):
    """The monthly use register of a unit's subtree: JSON {report, title, unit, month, columns, rows, total_columns,
    totals, grand_total}, or the file asked for with ?format= (csv, xlsx, pdf)."""

    access_model = Vehicle
    renderer_classes = [renderers.JSONRenderer, CsvRenderer, XlsxRenderer, PdfRenderer]

    @extend_schema(parameters=[
        OpenApiParameter("unit", str, required=True, description="unit code (its subtree)"),
        OpenApiParameter("month", str, required=True, description="YYYY-MM"),
        OpenApiParameter("lang", str, description="en for English headers (default Chinese)")],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, CsvRenderer.media_type): OpenApiTypes.BINARY,
                   (200, XlsxRenderer.media_type): OpenApiTypes.BINARY,
                   (200, PdfRenderer.media_type): OpenApiTypes.BINARY})
    def list(self, request):
        params = request.query_params
        unit = OrgUnit.objects.filter(code=params.get("unit", "")).first()
        if unit is None or not access.unit_in_scope(request.user, unit):
            raise NotFound(gettext("单位 %(unit)s 不存在或不在您的管辖范围内") % {"unit": params.get("unit", "")})
        fmt = request.accepted_renderer.format
        month = params.get("month", "")
        body = render.register_bytes(unit=unit, month=month, fmt=fmt, user=request.user, language=params.get("lang"))
        if fmt == "json":
            return Response(json.loads(body))
        response = HttpResponse(body, content_type=render.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{render.filename(unit.code, month, fmt)}"'
        return response


router = SimpleRouter()
router.register("vehicle-costs", VehicleCostViewSet, basename="vehiclecost")
router.register("odometer-readings", OdometerReadingViewSet, basename="odometerreading")
urlpatterns = [path("register/", RegisterViewSet.as_view({"get": "list"}), name="use-register"), *router.urls]
