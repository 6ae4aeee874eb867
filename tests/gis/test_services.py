"""Layer imports: each file format, reprojection, GCJ-02, invalid geometry, unit checks, atomic re-import."""
import numpy as np
import pytest
import shapely
from django.utils.translation import override
from pyproj import Geod
from shapely.geometry import Polygon

from gis import services
from gis.gcj02 import wgs84_to_gcj02
from gis.models import GridCell, Jurisdiction, LayerVersion, Venue
from quartermaster.errors import ConflictError, DomainError

from .conftest import LAT0, LON0, STEP, grid_frame, jurisdiction_frame, venue_points

GEOD = Geod(ellps="WGS84")


def active(layer):
    return LayerVersion.objects.get(layer=layer, active=True)


def test_geojson_grid_import_creates_an_active_version_the_index_uses(db, write):
    version, _ = services.layer_import(layer="grid", path=write(grid_frame(), "grid.geojson"))
    assert (version.layer, version.version, version.active, version.feature_count) == ("grid", 1, True, 9)
    assert version.source_file == "grid.geojson" and version.crs == "EPSG:4326"
    assert GridCell.objects.filter(version=version).count() == 9
    result = services.spatial_index().classify([LON0 + STEP / 2], [LAT0 + STEP / 2])
    assert result.grid_code.tolist() == ["320402001001001"] and result.grid_unit.tolist() == ["CZ-TN-01"]


def test_geopackage_jurisdictions_import(db, write):
    version, _ = services.layer_import(layer="jurisdictions", path=write(jurisdiction_frame(), "j.gpkg"))
    assert sorted(Jurisdiction.objects.filter(version=version).values_list("unit_code", flat=True)) == \
        ["CZ-TN", "CZ-TN-01"]
    distance = services.spatial_index().jurisdiction_distance("CZ-TN-01", [LON0 + 0.005], [LAT0 + 0.01])
    assert distance.tolist() == [0.0]


def test_shapefile_point_venues_with_radius_default_30(db, write):
    version, _ = services.layer_import(layer="venues", path=write(venue_points(), "venues.shp"))
    radius = dict(Venue.objects.filter(version=version).values_list("name", "radius_m"))
    assert radius == {"老王饭店": 40.0, "欢乐KTV": 30.0, "便利店": 10.0}
    index = services.spatial_index()
    # 55 m east of the KTV's centre: 25 m beyond its default 30 m radius.
    lon = LON0 + 0.02 + 55 / index.plane.m_per_deg_lon
    result = index.classify([lon, LON0 + 0.03], [LAT0, LAT0])
    assert result.venue_name.tolist() == ["欢乐KTV", None]  # the shop raises nothing by default
    assert result.venue_distance_m[0] == pytest.approx(25.0, abs=0.05)


def test_mixed_polygon_and_point_venues_in_geojson(db, write):
    frame = venue_points()
    frame.loc[0, "geometry"] = shapely.box(LON0, LAT0, LON0 + 0.0005, LAT0 + 0.0005)
    version, _ = services.layer_import(layer="venues", path=write(frame, "venues.geojson"))
    polygon = Venue.objects.get(version=version, name="老王饭店")
    assert polygon.radius_m is None
    assert shapely.from_wkb(polygon.geometry).geom_type == "Polygon"


@pytest.mark.parametrize("epsg", [3857, 4549])
def test_declared_projected_crs_is_reprojected_to_wgs84(db, write, epsg):
    frame = grid_frame().to_crs(epsg=epsg)
    version, _ = services.layer_import(layer="grid", path=write(frame, f"grid_{epsg}.gpkg"))
    assert version.crs == f"EPSG:{epsg}"
    cell = GridCell.objects.get(version=version, code="320402001001001")
    assert cell.min_lon == pytest.approx(LON0, abs=1e-7) and cell.min_lat == pytest.approx(LAT0, abs=1e-7)
    assert cell.max_lon == pytest.approx(LON0 + STEP, abs=1e-7)


def test_gcj02_file_is_converted_to_wgs84_within_half_a_metre(db, write):
    wgs = jurisdiction_frame()

    def to_gcj(coords):
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    gcj = wgs.set_geometry(shapely.transform(wgs.geometry.values, to_gcj), crs="EPSG:4326")
    version, _ = services.layer_import(layer="jurisdictions", path=write(gcj, "gcj.geojson"), crs="gcj02")
    assert version.crs.startswith("GCJ-02")
    stored = shapely.from_wkb(Jurisdiction.objects.get(version=version, unit_code="CZ-TN").geometry)
    got = shapely.get_coordinates(stored)
    want = shapely.get_coordinates(wgs.geometry.iloc[0])
    assert GEOD.inv(got[:, 0], got[:, 1], want[:, 0], want[:, 1])[2].max() < 0.5
    # without --crs gcj02 the same file would be ~500 m off
    shift = shapely.get_coordinates(gcj.geometry.iloc[0])
    assert GEOD.inv(shift[:, 0], shift[:, 1], want[:, 0], want[:, 1])[2].min() > 100


def test_self_intersecting_polygon_is_repaired(db, write):
    frame = grid_frame()
    bowtie = Polygon([(LON0, LAT0), (LON0 + STEP, LAT0 + STEP), (LON0 + STEP, LAT0), (LON0, LAT0 + STEP)])
    frame.loc[0, "geometry"] = bowtie
    version, checked = services.layer_import(layer="grid", path=write(frame, "grid.geojson"))
    assert checked.repaired == 1 and version.repaired_count == 1
    geom = shapely.from_wkb(GridCell.objects.get(version=version, code="320402001001001").geometry)
    assert geom.is_valid and geom.area == pytest.approx(STEP * STEP / 2)


def test_unrepairable_geometry_is_refused_naming_the_feature(db, write):
    frame = grid_frame()
    # A polygon without area: make_valid turns it into a line, which is no grid cell.
    frame.loc[4, "geometry"] = Polygon([(LON0, LAT0), (LON0 + STEP, LAT0), (LON0 + 2 * STEP, LAT0)])
    with pytest.raises(DomainError) as err:
        services.layer_import(layer="grid", path=write(frame, "grid.geojson"))
    assert "feature #4 (code 320402001001111)" in err.value.in_language("en")
    assert "cannot be repaired" in err.value.in_language("en")
    assert not LayerVersion.objects.exists() and not GridCell.objects.exists()


def test_bad_grid_codes_and_duplicates_are_listed_together(db, write):
    frame = grid_frame()
    frame.loc[1, "code"] = "32040200100"
    frame.loc[2, "code"] = "3204020010010AB"
    frame.loc[3, "code"] = frame.loc[0, "code"]
    with pytest.raises(DomainError) as err:
        services.layer_import(layer="grid", path=write(frame, "grid.geojson"))
    message = err.value.in_language("en")
    assert "3 problem(s)" in message
    assert "feature #1 (code 32040200100) grid code '32040200100' is not 14 or 15 digits" in message
    assert "feature #2 (code 3204020010010AB)" in message
    assert "feature #3 (code 320402001001001) repeats 320402001001001 of feature #0" in message


def test_fourteen_digit_codes_are_accepted(db, write):
    path = write(grid_frame(prefix="32040200100"), "g.geojson")
    version, _ = services.layer_import(layer="grid", path=path)
    assert GridCell.objects.filter(version=version, code__regex=r"^\d{14}$").count() == 9


def test_unit_codes_are_checked_against_org_units_when_there_are_any(db, write, bureau):
    frame = jurisdiction_frame()
    frame.loc[1, "unit"] = "CZ-XX-09"
    with pytest.raises(DomainError) as err:
        services.layer_import(layer="jurisdictions", path=write(frame, "j.geojson"))
    assert "feature #1 (unit CZ-XX-09) unit 'CZ-XX-09' is not a known org unit" in err.value.in_language("en")
    _, checked = services.layer_import(layer="jurisdictions", path=write(jurisdiction_frame(), "ok.geojson"))
    assert checked.warnings == []


def test_unit_codes_unchecked_on_an_empty_bureau_with_a_warning(db, write):
    _, checked = services.layer_import(layer="jurisdictions", path=write(jurisdiction_frame(), "j.geojson"))
    assert checked.warnings == ["还没有任何单位：未检查单位代码"]


def test_venue_without_category_or_bad_radius_is_refused(db, write):
    frame = venue_points()
    frame.loc[0, "category"] = ""
    frame.loc[2, "radius_m"] = -5
    with pytest.raises(DomainError) as err:
        services.layer_import(layer="venues", path=write(frame, "v.geojson"))
    assert "feature #0 (name 老王饭店) has no category" in err.value.in_language("en")
    assert "feature #2 (name 便利店) radius_m '-5' is not a positive number" in err.value.in_language("en")


def test_chinese_category_labels_are_read_as_codes_and_unknown_categories_kept(db, write):
    frame = venue_points()
    frame.loc[0, "category"] = "餐馆酒楼"
    frame.loc[2, "category"] = "Bank"
    version, _ = services.layer_import(layer="venues", path=write(frame, "v.geojson"))
    assert sorted(Venue.objects.filter(version=version).values_list("category", flat=True)) == \
        ["bank", "entertainment", "restaurant"]


def test_missing_property_and_wrong_geometry_kind(db, write):
    with override("en"), pytest.raises(DomainError, match="has no code property"):
        services.layer_import(layer="grid", path=write(jurisdiction_frame(), "j.geojson"))
    frame = venue_points().rename(columns={"name": "code"})
    frame["code"] = ["320402001001001", "320402001001002", "320402001001003"]
    expected = r"feature #0 \(code 320402001001001\) is a Point, expected Polygon / MultiPolygon"
    with override("en"), pytest.raises(DomainError, match=expected):
        services.layer_import(layer="grid", path=write(frame, "points.geojson"))


def test_projected_coordinates_without_a_declared_crs_are_refused(db, write):
    frame = grid_frame().to_crs(epsg=3857).set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        path = write(frame, "nocrs.shp")
    (path.with_suffix(".prj")).unlink(missing_ok=True)
    with override("en"), pytest.raises(DomainError, match="outside longitude/latitude range"):
        services.layer_import(layer="grid", path=path)


def test_unreadable_file(db, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{not json", encoding="utf-8")
    with override("en"), pytest.raises(DomainError, match="cannot be read"):
        services.layer_import(layer="grid", path=path)


def test_reimport_replaces_the_layer_and_keeps_the_old_version_as_history(db, write):
    first, _ = services.layer_import(layer="grid", path=write(grid_frame(), "a.geojson"))
    path = write(grid_frame(n=2, prefix="320402001002"), "b.geojson")
    second, _ = services.layer_import(layer="grid", path=path)
    first.refresh_from_db()
    assert (first.active, second.active, second.version) == (False, True, 2)
    assert GridCell.objects.filter(version=first).count() == 9  # history kept
    assert services.spatial_index().classify([LON0 + STEP / 2], [LAT0 + STEP / 2]).grid_code.tolist() == \
        ["320402001002001"]


def test_failing_reimport_leaves_the_old_layer_active(db, write):
    services.layer_import(layer="grid", path=write(grid_frame(), "a.geojson"))
    bad = grid_frame()
    bad.loc[0, "code"] = "x"
    with pytest.raises(DomainError):
        services.layer_import(layer="grid", path=write(bad, "bad.geojson"))
    assert list(LayerVersion.objects.values_list("version", "active")) == [(1, True)]


def test_failure_while_writing_rolls_back_everything(db, write, monkeypatch):
    first, _ = services.layer_import(layer="grid", path=write(grid_frame(), "a.geojson"))
    monkeypatch.setattr(services, "_BATCH", 4)
    calls = {"n": 0}
    real = GridCell.objects.bulk_create

    def failing_bulk_create(objs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(GridCell.objects, "bulk_create", failing_bulk_create)
    with pytest.raises(RuntimeError):
        services.layer_import(layer="grid", path=write(grid_frame(n=4), "b.geojson"))
    assert calls["n"] == 2
    assert list(LayerVersion.objects.values_list("version", "active")) == [(1, True)]
    assert GridCell.objects.count() == 9 and active("grid") == first


def test_unknown_layer_and_crs(db, write):
    path = write(grid_frame(), "a.geojson")
    with override("en"), pytest.raises(DomainError, match="Unknown layer"):
        services.layer_import(layer="streets", path=path)
    with override("en"), pytest.raises(DomainError, match="unknown --crs"):
        services.layer_import(layer="grid", path=path, crs="bd09")
    frame = grid_frame().to_crs(epsg=3857)
    with override("en"), pytest.raises(DomainError, match="GCJ-02 coordinates are longitude/latitude"):
        services.layer_import(layer="grid", path=write(frame, "m.gpkg"), crs="gcj02")


def test_import_is_recorded_with_who_did_it(db, write):
    from quartermaster.context import change_context
    with change_context(source="cli", username="admin"):
        version, _ = services.layer_import(layer="grid", path=write(grid_frame(), "a.geojson"))
    assert version.imported_by == "admin"


def test_a_clash_on_the_version_number_is_a_conflict_not_a_crash(db, write, monkeypatch):
    services.layer_import(layer="grid", path=write(grid_frame(), "a.geojson"))
    # What a concurrent first import looks like: the number this import picked is taken when it saves.
    real = LayerVersion.save

    def clashing_save(self, *args, **kwargs):
        if self._state.adding:
            self.version = 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(LayerVersion, "save", clashing_save)
    monkeypatch.setattr(LayerVersion, "full_clean", lambda self, *a, **k: None)
    with override("en"), pytest.raises(ConflictError, match="another import of this layer finished first"):
        services.layer_import(layer="grid", path=write(grid_frame(), "b.geojson"))
    assert list(LayerVersion.objects.values_list("version", "active")) == [(1, True)]
