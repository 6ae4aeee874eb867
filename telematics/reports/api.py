"""REST endpoints of the reports: GET /api/v1/reports/{trips,stops,mileage,summary,online}/?unit=CODE|vehicle=ID
&from=DATE&to=DATE[&format=json|csv|xlsx|pdf][&lang=en], scoped like the vehicle endpoints (a unit of the user's
subtree, its vehicles cut to the scope)."""
import json

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from django.utils.translation import gettext
from rest_framework import renderers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from assets import access
from assets.api.viewsets import ScopedViewSet
from assets.models import OrgUnit
from telematics.models import Vehicle
from telematics.privacy import Purpose

from . import registry, render
from .selectors import parse_day


class _File(renderers.BaseRenderer):
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else renderers.JSONRenderer().render(data)


class CsvRenderer(_File):
    media_type, format = "text/csv", "csv"


class XlsxRenderer(_File):
    media_type, format = render.CONTENT_TYPES["xlsx"], "xlsx"


class PdfRenderer(_File):
    media_type, format = "application/pdf", "pdf"


PARAMETERS = [OpenApiParameter("unit", str, description="unit code (its subtree), or"),
              OpenApiParameter("vehicle", int, description="one vehicle's id"),
              OpenApiParameter("from", str, required=True, description="first local day (YYYY-MM-DD)"),
              OpenApiParameter("to", str, required=True, description="last local day, included"),
              OpenApiParameter("lang", str, description="en for English headers (default Chinese)")]


class ReportViewSet(ScopedViewSet):
    """One report of a unit or vehicle over a period: JSON {report, title, subject, from, to, columns, rows, totals},
    or the file asked for with ?format= (csv, xlsx, pdf)."""

    access_model = Vehicle
    kind = ""
    renderer_classes = [renderers.JSONRenderer, CsvRenderer, XlsxRenderer, PdfRenderer]

    @extend_schema(parameters=PARAMETERS, responses={
        (200, "application/json"): OpenApiTypes.OBJECT, (200, CsvRenderer.media_type): OpenApiTypes.BINARY,
        (200, XlsxRenderer.media_type): OpenApiTypes.BINARY, (200, PdfRenderer.media_type): OpenApiTypes.BINARY})
    def list(self, request):
        params = request.query_params
        start, end = parse_day(params.get("from"), "from"), parse_day(params.get("to"), "to")
        unit = vehicle = None
        if params.get("vehicle"):
            ident = params["vehicle"]
            vehicle = self.restrict(Vehicle.objects.filter(pk=int(ident) if ident.isdigit() else 0)).first()
            if vehicle is None:
                raise NotFound(gettext("车辆 %(vehicle)s 不存在或不在您的管辖范围内") % {"vehicle": params["vehicle"]})
        else:
            unit = OrgUnit.objects.filter(code=params.get("unit", "")).first()
            if unit is None or not access.unit_in_scope(request.user, unit):
                raise NotFound(gettext("单位 %(unit)s 不存在或不在您的管辖范围内") % {"unit": params.get("unit", "")})
        fmt = request.accepted_renderer.format
        lang = params.get("lang")
        body = registry.report_bytes(self.kind, start=start, end=end, fmt=fmt, unit=unit, vehicle=vehicle,
                                     user=request.user, language=lang, purpose=Purpose.from_query(params))
        if fmt == "json":
            return Response(json.loads(body))
        response = HttpResponse(body, content_type=render.CONTENT_TYPES[fmt])
        code = unit.code if unit is not None else f"vehicle-{vehicle.pk}"
        response["Content-Disposition"] = f'attachment; filename="{registry.filename(self.kind, code, start, end, fmt)}"'
        return response


def _view(kind: str):
    cls = type(f"{kind.title()}ReportViewSet", (ReportViewSet,), {"kind": kind, "__doc__": ReportViewSet.__doc__})
    return cls.as_view({"get": "list"})


urlpatterns = [path(f"reports/{kind}/", _view(kind), name=f"report-{kind}") for kind in registry.KINDS]
