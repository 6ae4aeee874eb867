"""Map layer services: the shared spatial index (reloaded when a layer changes) and layer imports."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from assets.models import OrgUnit
from quartermaster import context
from quartermaster.errors import ConflictError, DomainError, choice_label

from . import conf, importing, selectors
from .choices import IMPORTABLE_LAYERS, Layer
from .importing import LayerRows
from .index import SpatialIndex
from .places import Place, PlaceIndex, labels, places_for
from .models import LayerVersion

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
    jurisdictions = list(selectors.active_features(layer=Layer.JURISDICTIONS)
                         .values_list("unit_code", "geometry"))
    places = list(selectors.active_features(layer=Layer.PLACES).values_list("name", "kind", "geometry"))
    index = SpatialIndex(
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
    index.places = PlaceIndex(names=[row[0] for row in places], kinds=[row[1] for row in places],
                              geoms=shapely.from_wkb([row[2] for row in places]) if places else [],
                              plane=index.plane, street_m=conf.place_street_m(),
                              landmark_m=conf.place_landmark_m())
    return index


def places_at(lons, lats) -> list[Place]:
    """The place (venue, landmark, street, community, grid code) of each point, from the active layers; word it
    with `Place.label()`. Vectorised: the ingest asks per batch of alerts, pages per page of rows."""
    index = spatial_index()
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    if not len(lons):
        return []
    found = index.classify(lons, lats, alerting_only=False)
    return places_for(index.places.lookup(lons, lats), grid_code=found.grid_code.tolist(),
                      venue_name=found.venue_name.tolist(), venue_distance_m=found.venue_distance_m.tolist())


def place_labels(lats: list, lons: list) -> list[str]:
    """The place label of each position in the active language; "" where there is no position or no layer says."""
    where = [i for i, (lat, lon) in enumerate(zip(lats, lons, strict=True)) if lat is not None and lon is not None]
    out = [""] * len(lats)
    found = labels(places_at([lons[i] for i in where], [lats[i] for i in where]))
    for i, label in zip(where, found, strict=True):
        out[i] = label
    return out


def spatial_index() -> SpatialIndex:
    """The index of the active layers, shared by the process. At most every QM_GIS_RELOAD_S seconds it asks
    the database whether a layer was re-imported and rebuilds itself if so, so a running ingest picks up
    new layers without a restart."""
    global _cached, _checked_at
    current = _cached
    if current is not None and time.monotonic() - _checked_at < conf.reload_interval_s():
        return current
    # One thread checks (and rebuilds, ~1 s for 100,000 cells); the others keep using the current index
    # meanwhile instead of queueing behind it. Only the very first build makes callers wait.
    if not _lock.acquire(blocking=current is None):
        return current
    try:
        if _cached is not None and time.monotonic() - _checked_at < conf.reload_interval_s():
            return _cached
        signature = selectors.active_signature()
        if _cached is None or _cached.signature != signature:
            _cached = build_spatial_index()
        _checked_at = time.monotonic()
        return _cached
    finally:
        _lock.release()


def spatial_index_invalidate() -> None:
    """Makes the next `spatial_index()` call check the database (the importer calls it after a commit)."""
    global _checked_at
    _checked_at = 0.0


_BATCH = 2000


def _feature_fields(layer: str, row: dict) -> dict:
    if layer == Layer.GRID:
        return {"code": row["code"], "unit_code": row["unit_code"]}
    if layer == Layer.VENUES:
        return {"name": row["name"], "category": row["category"], "radius_m": row["radius_m"]}
    if layer == Layer.JURISDICTIONS:
        return {"unit_code": row["unit_code"]}
    # streets and places
    return {"name": row["name"], "kind": row["kind"]}


def layer_store(*, checked: LayerRows, source_file: str) -> LayerVersion:
    """Stores checked rows as the layer's new active version, in one transaction: the previous version
    stays as inactive history, and if anything fails the previous version is still the active one."""
    layer = checked.layer
    model = selectors.FEATURE_MODELS[Layer(layer)]
    geoms = np.asarray([row["geometry"] for row in checked.rows], dtype=object)
    wkb = shapely.to_wkb(geoms, hex=True) if len(geoms) else []
    bounds = shapely.bounds(geoms) if len(geoms) else np.zeros((0, 4))
    try:
        return _store_version(checked=checked, source_file=source_file, model=model, wkb=wkb, bounds=bounds)
    except (IntegrityError, ValidationError) as exc:
        # Only a concurrent first import of the same layer gets here (later ones wait on the row lock).
        raise ConflictError(_("%(layer)s：这个图层的另一次导入先完成了，请重新导入"),
                            code="concurrent_import", layer=choice_label(layer, Layer)) from exc


def _store_version(*, checked: LayerRows, source_file: str, model, wkb, bounds) -> LayerVersion:
    layer = checked.layer
    with transaction.atomic():
        # Locks the layer's versions so two concurrent imports cannot both take the same number.
        previous = list(LayerVersion.objects.select_for_update().filter(layer=layer).order_by("-version"))
        number = previous[0].version + 1 if previous else 1
        for old in previous:
            if old.active:
                old.active = False
                old.save(update_fields=["active"])
        version = LayerVersion(layer=layer, version=number, source_file=source_file[:500],
                               crs=checked.crs[:200], feature_count=len(checked.rows),
                               repaired_count=checked.repaired, active=True,
                               imported_by=context.current().username[:150])
        version.full_clean()
        version.save()
        for start in range(0, len(checked.rows), _BATCH):
            model.objects.bulk_create([
                model(version=version, geometry=wkb[i], min_lon=bounds[i, 0], min_lat=bounds[i, 1],
                      max_lon=bounds[i, 2], max_lat=bounds[i, 3], **_feature_fields(layer, checked.rows[i]))
                for i in range(start, min(start + _BATCH, len(checked.rows)))
            ])
        transaction.on_commit(spatial_index_invalidate)
    return version


def layer_import(*, layer: str, path: str | Path, crs: str | None = None,
                 source_name: str | None = None) -> tuple[LayerVersion, LayerRows]:
    """`qm gis import`: reads, reprojects and checks the file, then replaces the layer atomically.
    `source_name` is what the version history calls the file (an upload's own name)."""
    if layer not in IMPORTABLE_LAYERS:
        raise DomainError(_("未知图层 %(layer)s（grid、venues、jurisdictions 或 places）"), code="invalid",
                          field="layer", layer=repr(layer))
    frame, crs_label = importing.read_frame(path, crs=crs)
    checked = importing.check_frame(layer, frame, crs_label=crs_label)
    return layer_store(checked=checked, source_file=source_name or Path(path).name), checked


def layer_load_frame(*, layer: str, frame, source_file: str) -> tuple[LayerVersion, LayerRows]:
    """Stores a GeoDataFrame (any CRS it declares) as the layer's new version, checked like a file."""
    frame, crs_label = importing.to_wgs84(frame, where=source_file)
    checked = importing.check_frame(layer, frame, crs_label=crs_label)
    return layer_store(checked=checked, source_file=source_file), checked


def sample_city_load(*, city) -> list[tuple[LayerVersion, LayerRows]]:
    """Loads the sample city's grid, venues, jurisdictions, streets and places, all or nothing. Unit codes are
    checked like any import: against the org units when the bureau exists, unchecked on an empty database."""
    loaded = []
    with transaction.atomic():
        for layer in (Layer.GRID, Layer.VENUES, Layer.JURISDICTIONS, Layer.STREETS, Layer.PLACES):
            loaded.append(layer_load_frame(layer=layer, frame=getattr(city, str(layer)),
                                           source_file=f"sample city ({layer})"))
    return loaded
