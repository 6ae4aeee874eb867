"""Views of the tracking API: alerts (with their cases' steps), dead letters, tracks, mileage, coverage."""
import datetime as dt

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from django.utils.translation import gettext
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from assets import access
from assets.api.viewsets import ScopedReadOnlyViewSet, ScopedViewSet
from assets.models import OrgUnit
from telematics.models import Vehicle
from telematics.privacy import Purpose, track_gate

from .. import selectors
from ..cases.api import AlertCaseActionsMixin
from ..cases.selectors import annotate_cases
from ..filtersets import AlertFilterSet, DeadLetterFilterSet, TrackAccessFilterSet
from ..models import Alert, DeadLetter, TrackAccess
from .serializers import (
    AlertSerializer,
    DeadLetterSerializer,
    LatestPositionSerializer,
    TrackAccessSerializer,
)


class AlertViewSet(AlertCaseActionsMixin, ScopedReadOnlyViewSet):
    """Alerts with SPEC's fields and their case (`case_state`, `case_deadline`, `case_overdue`); the case's steps
    (explain, return, confirm, dismiss, note) are actions: the one way an alert is reviewed."""

    queryset = Alert.objects.select_related("vehicle")
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    ordering_fields = ["started_at", "ended_at", "kind", "status"]
    search_fields = ["vehicle__plate", "terminal", "venue", "place", "grid_code"]

    def get_queryset(self):
        return annotate_cases(super().get_queryset())  # case_state, case_deadline, case_overdue


class DeadLetterViewSet(ScopedReadOnlyViewSet):
    queryset = DeadLetter.objects.all()
    serializer_class = DeadLetterSerializer
    filterset_class = DeadLetterFilterSet
    ordering_fields = ["received_at", "reason"]

    @extend_schema(responses={200: {"type": "object", "additionalProperties": {"type": "integer"},
                                    "description": "dead letters per reason"}})
    @action(detail=False, methods=["get"])
    def counts(self, request):
        return Response(selectors.dead_letter_counts(self.get_queryset()))


def _vehicle(request) -> Vehicle:
    vehicle_id = request.query_params.get("vehicle")
    if not vehicle_id or not vehicle_id.isdigit():
        raise ValidationError({"vehicle": gettext("请给出车辆编号：?vehicle=ID")})
    vehicle = access.restrict(Vehicle.objects.select_related("unit"), request.user).filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound(gettext("车辆 %(vehicle)s 不存在或不在您的管辖范围内") % {"vehicle": vehicle_id})
    return vehicle


def _param(request, name, parse, default=None):
    raw = request.query_params.get(name)
    if raw is None:
        if default is None:
            raise ValidationError({name: gettext("必填")})
        return default
    try:
        value = parse(raw)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)  # PostgreSQL refuses offsets beyond ±15:59
    except (ValueError, OverflowError):  # well formed but not a real date (month 13), or off the calendar
        value = None
    if value is None:
        raise ValidationError({name: gettext("不是有效的值：%(value)s") % {"value": repr(raw)}})
    return value


class TrackViewSet(ScopedViewSet):
    """GET /api/v1/tracks/?vehicle=ID&start=ISO&end=ISO[&purpose=TEXT&case=NO]: fixes, stops and trips of one vehicle.
    A window outside duty hours or older than QM_TRACK_PURPOSE_AFTER_DAYS needs `purpose` (403 `purpose_required`
    without it) and is logged (telematics/privacy.py)."""

    access_model = Vehicle

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def list(self, request):
        vehicle = _vehicle(request)
        end = _param(request, "end", parse_datetime, dt.datetime.now(dt.timezone.utc))
        start = _param(request, "start", parse_datetime, end - dt.timedelta(days=1))
        track_gate(user=request.user, vehicles=[vehicle], start=start, end=end,
                   purpose=Purpose.from_query(request.query_params), path="api:tracks")
        return Response({"plate": vehicle.plate, **selectors.vehicle_track(vehicle.pk, start, end)})


class MileageViewSet(ScopedViewSet):
    """GET /api/v1/mileage/?vehicle=ID&start=DATE&end=DATE: km and driving seconds per local day."""

    access_model = Vehicle

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def list(self, request):
        vehicle = _vehicle(request)
        end = _param(request, "end", parse_date, dt.date.today())
        start = _param(request, "start", parse_date, end - dt.timedelta(days=6))
        if (end - start).days > 366 or end < start:
            raise ValidationError({"start": gettext("开始须早于结束，且最多早一年")})
        return Response({"plate": vehicle.plate, "days": [
            {"date": day.isoformat(), "km": km, "driving_s": secs}
            for day, km, secs in selectors.daily_mileage(vehicle.pk, start, end)]})


class CoverageViewSet(ScopedViewSet):
    """GET /api/v1/coverage/?date=DATE[&unit=CODE]: per grid cell, time spent and km driven by the vehicles."""

    access_model = Vehicle

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def list(self, request):
        day = _param(request, "date", parse_date, dt.date.today())
        vehicles = access.restrict(Vehicle.objects.all(), request.user)
        code = request.query_params.get("unit")
        if code:
            unit = OrgUnit.objects.filter(code=code).first()
            if unit is None or not access.unit_in_scope(request.user, unit):
                raise NotFound(gettext("单位 %(unit)s 不存在或不在您的管辖范围内") % {"unit": code})
            vehicles = vehicles.filter(unit__path__startswith=unit.path)
        return Response({"date": day.isoformat(), "cells": selectors.grid_coverage(
            day, list(vehicles.values_list("pk", flat=True)))})


class LatestPositionViewSet(ScopedViewSet):
    """GET /api/v1/positions/latest/: the newest fix of each vehicle in scope (for the live map)."""

    access_model = Vehicle

    @extend_schema(responses=LatestPositionSerializer(many=True))
    def list(self, request):
        vehicles = access.restrict(Vehicle.objects.all(), request.user)
        return Response(selectors.latest_positions(list(vehicles.values_list("pk", flat=True))))


class TrackAccessViewSet(ScopedReadOnlyViewSet):
    """GET /api/v1/track-access/: the views of tracks that needed a stated purpose (PIPL art. 28), newest first,
    for auditors (督察) and administrators, cut to their unit subtree; filters user, vehicle, username, plate,
    case_no, path, reasons, since/until, date_from/date_to. The page /tracks/access/ exports XLSX and CSV."""

    queryset = TrackAccess.objects.select_related("vehicle__unit")
    serializer_class = TrackAccessSerializer
    filterset_class = TrackAccessFilterSet
    ordering_fields = ["at", "username", "plate"]
    search_fields = ["username", "plate", "purpose", "case_no"]
