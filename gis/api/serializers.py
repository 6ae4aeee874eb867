"""Shapes of the gis API: layer versions, the upload form, and features as GeoJSON."""
from __future__ import annotations

import json

import shapely
from rest_framework import serializers

from ..choices import IMPORTABLE_LAYERS, Layer
from ..models import LayerVersion


class LayerVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = LayerVersion
        fields = ["id", "layer", "version", "active", "imported_at", "imported_by", "source_file", "crs",
                  "feature_count", "repaired_count"]
        read_only_fields = fields


class LayerUploadSerializer(serializers.Serializer):
    layer = serializers.ChoiceField(choices=[(str(v), str(v)) for v in IMPORTABLE_LAYERS])
    file = serializers.FileField()
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02"], required=False, allow_null=True)


class FeatureSerializer(serializers.Serializer):
    """One GeoJSON Feature (documentation of the responses; features are built by `feature_collection`)."""

    type = serializers.CharField(default="Feature")
    id = serializers.IntegerField()
    geometry = serializers.DictField(help_text="GeoJSON geometry, WGS-84 lon/lat")
    properties = serializers.DictField(
        help_text="grid: code, unit; venues: name, category, radius_m, alerting; jurisdictions: unit; "
                  "streets, places: name, kind")


class FeatureCollectionSerializer(serializers.Serializer):
    type = serializers.CharField(default="FeatureCollection")
    layer = serializers.CharField()
    numberMatched = serializers.IntegerField()  # noqa: N815 - GeoJSON/OGC member name
    numberReturned = serializers.IntegerField()  # noqa: N815
    features = FeatureSerializer(many=True)


def _properties(layer: str, row, alerting: frozenset[str]) -> dict:
    if layer == Layer.GRID:
        return {"code": row.code, "unit": row.unit_code or None}
    if layer == Layer.VENUES:
        return {"name": row.name, "category": row.category, "radius_m": row.radius_m,
                "alerting": row.category in alerting}
    if layer == Layer.JURISDICTIONS:
        return {"unit": row.unit_code}
    return {"name": row.name, "kind": row.kind}


def feature_collection(layer: str, rows: list, *, alerting: frozenset[str], matched: int) -> dict:
    """A GeoJSON FeatureCollection (RFC 7946, WGS-84 lon/lat) of stored features."""
    geometries = shapely.to_geojson(shapely.from_wkb([r.geometry for r in rows])) if rows else []
    features = [{"type": "Feature", "id": row.pk, "geometry": json.loads(geometry),
                 "properties": _properties(layer, row, alerting)}
                for row, geometry in zip(rows, geometries, strict=True)]
    return {"type": "FeatureCollection", "layer": layer, "numberMatched": matched,
            "numberReturned": len(features), "features": features}
