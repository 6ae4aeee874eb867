"""gis.services.spatial_index(): built from the active layers, shared, and reloaded after a layer change."""
import shapely
from django.db import transaction

from gis import services
from gis.models import GridCell, LayerVersion

LON0, LAT0 = 119.95, 31.78


def store_grid(version: int, code: str) -> LayerVersion:
    with transaction.atomic():
        LayerVersion.objects.filter(layer="grid", active=True).update(active=False)
        lv = LayerVersion.objects.create(layer="grid", version=version, active=True, feature_count=1)
        geom = shapely.box(LON0, LAT0, LON0 + 0.001, LAT0 + 0.001)
        GridCell.objects.create(version=lv, code=code, unit_code="CZ-TN-01",
                                geometry=shapely.to_wkb(geom, hex=True),
                                min_lon=LON0, min_lat=LAT0, max_lon=LON0 + 0.001, max_lat=LAT0 + 0.001)
    return lv


def test_index_is_cached_and_reloads_after_a_layer_change(db, settings):
    settings.QM_GIS_RELOAD_S = 3600
    services.spatial_index_invalidate()
    store_grid(1, "320402001001001")
    first = services.spatial_index()
    assert first.classify([LON0 + 0.0005], [LAT0 + 0.0005]).grid_code.tolist() == ["320402001001001"]
    assert services.spatial_index() is first

    store_grid(2, "320402001001002")
    # Within the reload interval the cached index is kept (no database query per batch)...
    assert services.spatial_index() is first
    # ...and once the interval has passed the new version is picked up without a restart.
    settings.QM_GIS_RELOAD_S = 0
    second = services.spatial_index()
    assert second is not first
    assert second.classify([LON0 + 0.0005], [LAT0 + 0.0005]).grid_code.tolist() == ["320402001001002"]
    assert services.spatial_index() is second  # unchanged layers: same index object


def test_settings_reach_the_index(db, settings):
    settings.QM_VENUE_NEAR_M = 55
    settings.QM_ALERT_VENUE_CATEGORIES = ["restaurant"]
    index = services.build_spatial_index()
    assert index.near_m == 55.0 and index.alerting_categories == frozenset({"restaurant"})


def test_system_checks_report_bad_gis_settings(settings):
    from gis.checks import gis_settings_check
    assert gis_settings_check(None) == []
    settings.QM_VENUE_NEAR_M = "thirty"
    settings.QM_GIS_RELOAD_S = -1
    settings.QM_ALERT_VENUE_CATEGORIES = []
    ids = sorted(e.id for e in gis_settings_check(None))
    assert ids == ["gis.E001", "gis.E002", "gis.W001"]


def test_other_threads_keep_the_current_index_while_one_rebuilds(db, settings):
    settings.QM_GIS_RELOAD_S = 0
    services.spatial_index_invalidate()
    store_grid(1, "320402001001001")
    first = services.spatial_index()
    store_grid(2, "320402001001002")
    services._lock.acquire()  # as if another thread were rebuilding right now
    try:
        assert services.spatial_index() is first
    finally:
        services._lock.release()
    assert services.spatial_index() is not first
