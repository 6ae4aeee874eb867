"""Map layer services: the shared spatial index (reloaded when a layer changes) and layer imports."""
from __future__ import annotations

import threading
import time

import shapely

from assets.models import OrgUnit

from . import conf, selectors
from .choices import Layer
from .index import SpatialIndex

_lock = threading.Lock()
_cached: SpatialIndex | None = None
_checked_at = 0.0


def _unit_path(code: str) -> str | None:
    return OrgUnit.objects.filter(code=code).values_list("path", flat=True).first()


def build_spatial_index() -> SpatialIndex:
    """A fresh index of the active layers, with the settings as they are now."""
    signature = selectors.active_signature()
    grid = list(selectors.active_features(layer=Layer.GRID).values_list("code", "unit_code", "geometry"))
    venues = list(selectors.active_features(layer=Layer.VENUES)
                  .values_list("pk", "name", "category", "geometry", "radius_m"))
    jurisdictions = list(selectors.active_features(layer=Layer.JURISDICTIONS).values_list("unit_code", "geometry"))
    return SpatialIndex(
        grid_codes=[row[0] for row in grid],
        grid_units=[row[1] for row in grid],
        grid_geoms=shapely.from_wkb([row[2] for row in grid]) if grid else [],
        venue_ids=[row[0] for row in venues],
        venue_names=[row[1] for row in venues],
        venue_categories=[row[2] for row in venues],
        venue_geoms=shapely.from_wkb([row[3] for row in venues]) if venues else [],
        venue_radius_m=[row[4] for row in venues],
        jurisdictions={code: shapely.from_wkb(wkb) for code, wkb in jurisdictions},
        near_m=conf.venue_near_m(),
        alerting_categories=conf.alert_venue_categories(),
        resolve_path=_unit_path,
        signature=signature,
    )


def spatial_index() -> SpatialIndex:
    """The index of the active layers, shared by the process. At most every QM_GIS_RELOAD_S seconds it asks
    the database whether a layer was re-imported and rebuilds itself if so, so a running ingest picks up
    new layers without a restart."""
    global _cached, _checked_at
    now = time.monotonic()
    current = _cached
    if current is not None and now - _checked_at < conf.reload_interval_s():
        return current
    with _lock:
        if _cached is not None and time.monotonic() - _checked_at < conf.reload_interval_s():
            return _cached
        signature = selectors.active_signature()
        if _cached is None or _cached.signature != signature:
            _cached = build_spatial_index()
        _checked_at = time.monotonic()
        return _cached


def spatial_index_invalidate() -> None:
    """Makes the next `spatial_index()` call check the database (the importer calls it after a commit)."""
    global _checked_at
    _checked_at = 0.0
