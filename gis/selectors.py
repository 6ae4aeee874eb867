"""Reads of the map layers: active versions, their features (optionally within a bbox), version history."""
from __future__ import annotations

from django.db.models import QuerySet

from .choices import Layer
from .models import GridCell, Jurisdiction, LayerVersion, Place, Street, Venue

FEATURE_MODELS = {Layer.GRID: GridCell, Layer.VENUES: Venue, Layer.JURISDICTIONS: Jurisdiction,
                  Layer.STREETS: Street,
                 Layer.PLACES: Place}


def active_version(*, layer: str) -> LayerVersion | None:
    return LayerVersion.objects.filter(layer=layer, active=True).first()


def active_signature() -> tuple[tuple[str, int], ...]:
    """(layer, version id) of every active layer: changes whenever any layer is (re)imported."""
    return tuple(LayerVersion.objects.filter(active=True).order_by("layer").values_list("layer", "pk"))


def layer_versions(*, layer: str | None = None) -> QuerySet[LayerVersion]:
    qs = LayerVersion.objects.all()
    return qs.filter(layer=layer) if layer else qs


def active_features(*, layer: str, bbox: tuple[float, float, float, float] | None = None) -> QuerySet:
    """Features of the layer's active version; with `bbox` (min_lon, min_lat, max_lon, max_lat), only
    those whose bounding box meets it."""
    model = FEATURE_MODELS[Layer(layer)]
    return _within(model.objects.filter(version__layer=layer, version__active=True), bbox)


def version_features(*, layer: str, version: int,
                     bbox: tuple[float, float, float, float] | None = None) -> QuerySet:
    """Features of one (possibly past) version of the layer."""
    model = FEATURE_MODELS[Layer(layer)]
    return _within(model.objects.filter(version__layer=layer, version__version=version), bbox)


def _within(qs: QuerySet, bbox: tuple[float, float, float, float] | None) -> QuerySet:
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        qs = qs.filter(max_lon__gte=min_lon, min_lon__lte=max_lon, max_lat__gte=min_lat, min_lat__lte=max_lat)
    return qs
