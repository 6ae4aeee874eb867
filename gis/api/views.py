"""gis API: layers as GeoJSON FeatureCollections with bbox filtering, and the layer version history/upload.
Layers are not unit-scoped (every role reads the whole map); only administrators upload (assets.access)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from assets.api.viewsets import ScopedCreateReadViewSet, ScopedReadOnlyViewSet, ScopedViewSet
from quartermaster.errors import DomainError

from .. import conf, selectors, services
from ..choices import Layer
from ..models import GridCell, Jurisdiction, LayerVersion, Place, Street, Venue
from .serializers import (
    FeatureCollectionSerializer,
    FeatureSerializer,
    LayerUploadSerializer,
    LayerVersionSerializer,
    feature_collection,
)

DEFAULT_LIMIT = 10_000
MAX_LIMIT = 50_000


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not (values[0] <= values[2] and values[1] <= values[3]):
        raise DomainError(_("范围 bbox %(text)s 应为 最小经度,最小纬度,最大经度,最大纬度"), code="invalid", field="bbox",
                          text=repr(text))
    return values  # type: ignore[return-value]


def parse_limit(text: str | None) -> int:
    if not text:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise DomainError(_("limit 应为 1 到 %(max)s 的整数"), code="invalid", field="limit",
                          max=MAX_LIMIT)
    return int(text)


class _OneFeatureCollection(AutoSchema):
    """A layer's list is one FeatureCollection object, not a JSON array of features."""

    def _is_list_view(self, serializer=None) -> bool:
        return False

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        return operation_id.replace("_retrieve", "_list") if self.view.action == "list" else operation_id


class LayerFeatureViewSet(ScopedReadOnlyViewSet):
    """GET …/?bbox=minlon,minlat,maxlon,maxlat[&limit=N][&version=N]: the layer's active version (or an
    older one) as one FeatureCollection; features whose bounding box meets the bbox are returned."""

    layer: str = ""
    schema = _OneFeatureCollection()
    serializer_class = FeatureSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        version = self.request.query_params.get("version")
        bbox = parse_bbox(self.request.query_params.get("bbox"))
        if version is None:
            qs = selectors.active_features(layer=self.layer, bbox=bbox)
        else:
            if not version.isdigit():
                raise DomainError(_("version 应为图层的版本号"), code="invalid", field="version")
            qs = selectors.version_features(layer=self.layer, version=int(version), bbox=bbox)
        return self.restrict(qs.order_by("pk"))

    @extend_schema(responses=FeatureCollectionSerializer, parameters=[
        OpenApiParameter("bbox", OpenApiTypes.STR, description="minlon,minlat,maxlon,maxlat (WGS-84)"),
        OpenApiParameter("limit", OpenApiTypes.INT,
                         description=f"at most this many features (default {DEFAULT_LIMIT})"),
        OpenApiParameter("version", OpenApiTypes.INT, description="a past version instead of the active one"),
    ])
    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        limit = parse_limit(request.query_params.get("limit"))
        rows = list(qs[:limit])
        matched = len(rows) if len(rows) < limit else qs.count()
        data = feature_collection(self.layer, rows, alerting=frozenset(conf.alert_venue_categories()),
                                  matched=matched)
        return Response(data)

    def retrieve(self, request, *args, **kwargs):
        row = self.get_object()
        data = feature_collection(self.layer, [row], alerting=frozenset(conf.alert_venue_categories()),
                                  matched=1)
        return Response(data["features"][0])


class GridCellViewSet(LayerFeatureViewSet):
    queryset = GridCell.objects.all()
    layer = Layer.GRID


class VenueViewSet(LayerFeatureViewSet):
    queryset = Venue.objects.all()
    layer = Layer.VENUES


class JurisdictionViewSet(LayerFeatureViewSet):
    queryset = Jurisdiction.objects.all()
    layer = Layer.JURISDICTIONS


class StreetViewSet(LayerFeatureViewSet):
    queryset = Street.objects.all()
    layer = Layer.STREETS


class PlaceViewSet(LayerFeatureViewSet):
    queryset = Place.objects.all()
    layer = Layer.PLACES


BASE_MAP_LAYERS = (Layer.PLACES, Layer.VENUES, Layer.GRID, Layer.JURISDICTIONS)


class BaseMapViewSet(ScopedViewSet):
    """GET …/?bbox=minlon,minlat,maxlon,maxlat[&layers=places,venues,grid]: the offline base map of the live map
    and replay (telematics/static/live/places.js draws it): the active layers' features in the box as one
    FeatureCollection, each feature's `layer` property saying where it comes from. Default layers: places, venues."""

    access_model = Place

    @extend_schema(responses=OpenApiTypes.OBJECT, parameters=[
        OpenApiParameter("bbox", OpenApiTypes.STR, description="minlon,minlat,maxlon,maxlat (WGS-84)"),
        OpenApiParameter("layers", OpenApiTypes.STR,
                         description=f"comma-separated, of {', '.join(BASE_MAP_LAYERS)} (default places,venues)"),
        OpenApiParameter("limit", OpenApiTypes.INT,
                         description=f"at most this many features per layer (default {DEFAULT_LIMIT})"),
    ])
    def list(self, request):
        bbox = parse_bbox(request.query_params.get("bbox"))
        limit = parse_limit(request.query_params.get("limit"))
        names = [n for n in (request.query_params.get("layers") or "places,venues").split(",") if n]
        unknown = [n for n in names if n not in BASE_MAP_LAYERS]
        if unknown:
            raise DomainError(_("未知图层 %(layer)s（可用：%(layers)s）"), code="invalid", field="layers",
                              layer=repr(unknown[0]), layers=", ".join(BASE_MAP_LAYERS))
        alerting = frozenset(conf.alert_venue_categories())
        features, matched = [], 0
        for name in dict.fromkeys(names):
            qs = self.restrict(selectors.active_features(layer=name, bbox=bbox))
            rows = list(qs.order_by("pk")[:limit])
            matched += len(rows) if len(rows) < limit else qs.count()
            for feature in feature_collection(name, rows, alerting=alerting, matched=0)["features"]:
                feature["properties"]["layer"] = str(name)
                features.append(feature)
        return Response({"type": "FeatureCollection", "layer": "basemap", "numberMatched": matched,
                         "numberReturned": len(features), "features": features})


class LayerVersionViewSet(ScopedCreateReadViewSet):
    """Version history of every layer (`?layer=grid&active=true`); POST (multipart: layer, file, crs)
    imports a layer file like `qm gis import` does — administrators only. A Shapefile is uploaded as a
    .zip of its parts (.shp, .shx, .dbf, .prj), which pyogrio reads in place."""

    queryset = LayerVersion.objects.all()
    serializer_class = LayerVersionSerializer
    filterset_fields = ["layer", "version", "active", "source_file", "crs"]
    ordering_fields = ["imported_at", "version", "layer"]
    parser_classes = [MultiPartParser, FormParser]

    def get_serializer_class(self):
        return LayerUploadSerializer if self.action == "create" else LayerVersionSerializer

    @extend_schema(request=LayerUploadSerializer, responses={201: LayerVersionSerializer})
    def create(self, request, *args, **kwargs):
        form = LayerUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        suffix = "".join(Path(upload.name).suffixes) or ".geojson"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"upload{suffix}"
            with open(path, "wb") as out:
                out.writelines(upload.chunks())
            version, checked = services.layer_import(
                layer=form.validated_data["layer"], path=path, crs=form.validated_data.get("crs"),
                source_name=upload.name)
        body = LayerVersionSerializer(version).data
        body["warnings"] = checked.warnings
        return Response(body, status=status.HTTP_201_CREATED)
