"""Endpoints of a vehicle's track and trips: GET /api/v1/vehicles/{id}/track/ and /api/v1/vehicles/{id}/journeys/,
scoped like the other vehicle endpoints (the vehicle must lie in the user's unit subtree)."""
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers, status
from django.utils.translation import gettext
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from assets import access
from assets.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSet
from assets.models import OrgUnit
from telematics.models import Vehicle
from telematics.privacy import Purpose, track_gate

from .. import render as journey_render
from ..selectors import unit_journeys, vehicle_journeys
from ..services import late_order_request
from ..track import CONTENT_TYPES, Subject, parse_moment, render_track, track_fixes


class _FileRenderer(renderers.BaseRenderer):
    """Lets clients ask for a file format (?format= or Accept); errors on the route still come out as JSON."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else renderers.JSONRenderer().render(data)


class CsvRenderer(_FileRenderer):
    media_type, format = "text/csv", "csv"


class GpxRenderer(_FileRenderer):
    media_type, format = "application/gpx+xml", "gpx"


class XlsxRenderer(_FileRenderer):
    media_type, format = CONTENT_TYPES["xlsx"], "xlsx"


# What the schema says a report answers: JSON, or the file asked for with ?format= or Accept.
FILE_RESPONSES = {(200, "application/json"): OpenApiTypes.OBJECT, (200, CsvRenderer.media_type): OpenApiTypes.BINARY,
                  (200, XlsxRenderer.media_type): OpenApiTypes.BINARY}


PERIOD = [OpenApiParameter("from", str, description="ISO date or date-time (local Asia/Shanghai without offset)"),
          OpenApiParameter("to", str, description="ISO date-time (excluded) or date (to its end)"),
          OpenApiParameter("purpose", str, description="why the track is read: needed outside duty hours or for "
                                                       "windows older than QM_TRACK_PURPOSE_AFTER_DAYS (PIPL)"),
          OpenApiParameter("case", str, description="the case number the reading serves (optional)")]


def _file(body: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


class LateOrderForm(serializers.Serializer):
    start = serializers.DateTimeField(help_text="the trip's start, as the journeys list gives it")
    purpose = serializers.CharField(max_length=200)
    reason = serializers.CharField()
    destination = serializers.CharField(max_length=200, required=False, allow_blank=True)
    driver = serializers.CharField(max_length=100, required=False, allow_blank=True)
    passengers = serializers.CharField(max_length=200, required=False, allow_blank=True)


class VehicleJourneyViewSet(ScopedReadOnlyViewSet):
    """A vehicle's track (fixes following its terminal bindings) and its trips with their classes; a late order
    (补单) for a trip without one."""

    queryset = Vehicle.objects.select_related("unit")

    def _period(self, request):
        return (parse_moment(request.query_params.get("from"), what="from"),
                parse_moment(request.query_params.get("to"), end=True, what="to"))

    @extend_schema(parameters=PERIOD, responses={
        (200, "application/json"): OpenApiTypes.OBJECT, (200, CsvRenderer.media_type): OpenApiTypes.BINARY,
        (200, GpxRenderer.media_type): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, CsvRenderer, GpxRenderer])
    def track(self, request, pk=None):
        """The fixes in time order: JSON {plate, fixes: [{terminal, ts, lat, lon, speed, heading}]}, ?format=csv|gpx."""
        vehicle = self.get_object()
        start, end = self._period(request)
        fmt = request.accepted_renderer.format
        track_gate(user=request.user, vehicles=[vehicle], start=start, end=end,
                   purpose=Purpose.from_query(request.query_params), path=f"api:track.{fmt}")
        fixes = track_fixes(Subject(vehicle=vehicle, terminal=None), start, end)
        if fmt in ("csv", "gpx"):
            return _file(render_track(fixes, fmt, vehicle.plate), fmt, f"track-{vehicle.pk}")
        return Response({"vehicle": vehicle.pk, "plate": vehicle.plate, "fixes": [f.as_dict() for f in fixes]})

    @extend_schema(parameters=PERIOD, responses=FILE_RESPONSES)
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, CsvRenderer, XlsxRenderer])
    def journeys(self, request, pk=None):
        """Trips in time order with their classes, the stops, and the unused approved trips; ?format=csv|xlsx."""
        vehicle = self.get_object()
        start, end = self._period(request)
        fmt = request.accepted_renderer.format
        track_gate(user=request.user, vehicles=[vehicle], start=start, end=end,
                   purpose=Purpose.from_query(request.query_params), path=f"api:journeys.{fmt}")
        report = vehicle_journeys(Subject(vehicle=vehicle, terminal=None), start, end)
        if fmt in ("csv", "xlsx"):
            return _file(journey_render.render(report, fmt), fmt, f"trips-{vehicle.pk}")
        return Response({"vehicle": vehicle.pk, "plate": vehicle.plate, "journeys": report.journeys,
                         "stops": report.stops, "unused": report.unused})

    @extend_schema(request=LateOrderForm, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="late-order", serializer_class=LateOrderForm)
    def late_order(self, request, pk=None):
        """Files a 补单 for the trip starting at `start` (class no_order); approve it with POST
        /api/v1/trips/{trip}/approve/ as a second person."""
        form = LateOrderForm(data=request.data)
        form.is_valid(raise_exception=True)
        late = late_order_request(vehicle=self.get_object(), journey_start=form.validated_data["start"],
                                  purpose=form.validated_data["purpose"], reason=form.validated_data["reason"],
                                  destination=form.validated_data.get("destination", ""),
                                  driver=form.validated_data.get("driver", ""),
                                  passengers=form.validated_data.get("passengers", ""))
        return Response({"late_order": late.pk, "trip": late.trip_id, "status": late.trip.status,
                         "start": late.journey_start.isoformat(), "end": late.journey_end.isoformat(),
                         "reason": late.reason, "requested_by": late.requested_by}, status=status.HTTP_201_CREATED)


class UnitJourneyViewSet(ScopedViewSet):
    """GET /api/v1/journeys/?unit=CODE&from=DATE&to=DATE[&format=csv|xlsx]: the trip and stop report of the
    vehicles of a unit's subtree in the reader's scope (at most 31 days), with a summary per vehicle."""

    renderer_classes = [renderers.JSONRenderer, CsvRenderer, XlsxRenderer]
    access_model = Vehicle

    @extend_schema(parameters=[OpenApiParameter("unit", str, required=True), *PERIOD], responses=FILE_RESPONSES)
    def list(self, request):
        code = request.query_params.get("unit", "")
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None or not access.unit_in_scope(request.user, unit):
            raise NotFound(gettext("单位 %(unit)s 不存在或不在您的管辖范围内") % {"unit": code})
        vehicles = self.restrict(Vehicle.objects.filter(unit__path__startswith=unit.path))
        start = parse_moment(request.query_params.get("from"), what="from")
        end = parse_moment(request.query_params.get("to"), end=True, what="to")
        fmt = request.accepted_renderer.format
        track_gate(user=request.user, vehicles=list(vehicles), start=start, end=end,
                   purpose=Purpose.from_query(request.query_params), path=f"api:unit-journeys.{fmt}")
        report = unit_journeys(unit, vehicles, start, end)
        if fmt in ("csv", "xlsx"):
            return _file(journey_render.render(report, fmt), fmt, f"trips-{unit.code}")
        return Response({"unit": unit.code, "journeys": report.journeys, "stops": report.stops,
                         "unused": report.unused, "summary": report.summary})
