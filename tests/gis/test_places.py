"""The places layer and the place labels: import (formats, GCJ-02, bad files), and labels checked by hand."""
import geopandas as gpd
import numpy as np
import pytest
import shapely
from django.utils import translation
from pyproj import Geod
from shapely.geometry import LineString, MultiPoint, Point, box

from gis import services
from gis.gcj02 import wgs84_to_gcj02
from gis.models import LayerVersion, Place
from gis.places import Place as PlaceParts
from gis.places import place_label
from quartermaster.errors import DomainError

from .conftest import LAT0, LON0, grid_frame, venue_points

GEOD = Geod(ellps="WGS84")
M_LAT = 1 / 111_000  # about a metre in degrees of latitude
STREET_LAT = LAT0 + 0.0015  # 延陵西路 runs east-west here
CROSS_LON = LON0 + 0.0015  # 和平北路 runs north-south here
TOWER = (LON0 + 0.025, LAT0 + 0.01)


def places_frame(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    rows = [
        {"name": "延陵西路", "kind": "street", "geometry": LineString([(LON0 - 0.01, STREET_LAT), (LON0 + 0.04, STREET_LAT)])},
        {"name": "和平北路", "kind": "道路", "geometry": LineString([(CROSS_LON, LAT0 - 0.01), (CROSS_LON, LAT0 + 0.04)])},
        {"name": "荷花池社区", "kind": "社区", "geometry": box(LON0, LAT0, LON0 + 0.003, LAT0 + 0.003)},
        {"name": "钟楼区", "kind": "district", "geometry": box(LON0 - 0.02, LAT0 - 0.02, LON0 + 0.05, LAT0 + 0.05)},
        {"name": "文笔塔", "kind": "landmark", "geometry": Point(*TOWER)},
        {"name": "红梅公园", "kind": "park", "geometry": box(LON0 + 0.03, LAT0 + 0.03, LON0 + 0.035, LAT0 + 0.035)},
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


@pytest.fixture
def layers(db, write):
    services.layer_import(layer="grid", path=write(grid_frame(), "grid.geojson"))
    services.layer_import(layer="venues", path=write(venue_points(), "venues.geojson"))
    services.layer_import(layer="places", path=write(places_frame(), "places.geojson"))


def labels(points, language="zh-hans"):
    found = services.places_at([p[0] for p in points], [p[1] for p in points])
    with translation.override(language):
        return [p.label() for p in found]


def test_labels_checked_by_hand(layers):
    restaurant = (LON0 + 0.01, LAT0)  # 老王饭店: a point venue of radius 40 m
    points = [
        restaurant,                                            # inside the venue
        (restaurant[0], restaurant[1] + 50 * M_LAT),           # 10 m beyond its radius: near it
        (LON0 + 0.0025, STREET_LAT + 10 * M_LAT),              # on 延陵西路 (10 m), ~95 m from 和平北路
        (CROSS_LON + 0.0001, STREET_LAT),                      # at the crossing
        (LON0 + 0.006, STREET_LAT + 100 * M_LAT),              # 100 m off 延陵西路, outside the community
        (TOWER[0], TOWER[1] + 60 * M_LAT),                     # 60 m from the tower, no street within 200 m
        (LON0 + 0.032, LAT0 + 0.032),                          # inside the park
        (LON0 + 0.0155, LAT0 + 0.03),                          # no street, landmark or venue: only the district
        (LON0 + 0.2, LAT0 + 0.2),                              # outside every layer
    ]
    assert labels(points) == [
        "老王饭店 · 钟楼区", "老王饭店附近 · 钟楼区", "延陵西路 · 荷花池社区", "延陵西路与和平北路交叉口 · 荷花池社区",
        "延陵西路附近 · 钟楼区", "文笔塔附近 · 钟楼区", "红梅公园 · 钟楼区", "钟楼区", ""]
    assert labels(points[1:5], "en") == [
        "near 老王饭店 · 钟楼区", "延陵西路 · 荷花池社区", "延陵西路 & 和平北路 · 荷花池社区", "near 延陵西路 · 钟楼区"]
    crossing = services.places_at([points[3][0]], [points[3][1]])[0]
    assert crossing.grid_code == "320402001001111" and crossing.street_m == 0.0 and crossing.cross_street == "和平北路"


def test_only_the_grid_gives_the_grid_code(db, write):
    services.layer_import(layer="grid", path=write(grid_frame(), "grid.geojson"))
    assert labels([(LON0 + 0.0005, LAT0 + 0.0005)]) == ["网格 320402001001001"]
    assert labels([(LON0 + 0.0005, LAT0 + 0.0005)], "en") == ["Grid 320402001001001"]


def test_street_reach_is_a_setting(layers, settings):
    at = (LON0 + 0.006, STREET_LAT + 100 * M_LAT)
    settings.QM_PLACE_STREET_M = 80
    services.spatial_index_invalidate()
    services._cached = None
    assert labels([at]) == ["钟楼区"]


def test_stored_parts_are_worded_in_the_reader_language():
    parts = PlaceParts(street="延陵西路", street_m=120.0, community="荷花池社区", grid_code="320402001001001").as_dict()
    assert parts == {"street": "延陵西路", "street_m": 120.0, "community": "荷花池社区", "grid_code": "320402001001001"}
    with translation.override("en"):
        assert place_label(parts) == "near 延陵西路 · 荷花池社区"
    assert place_label(None, "stored text") == "stored text"
    on_street = PlaceParts(street="延陵西路", street_m=0.0, district="钟楼区").as_dict()
    assert on_street["street_m"] == 0.0 and place_label(on_street) == "延陵西路 · 钟楼区"


def test_geojson_import_reads_kinds_from_codes_chinese_labels_or_geometry(db, write):
    frame = places_frame()
    frame.loc[4, "kind"] = None  # a point without a kind is a landmark
    version, _ = services.layer_import(layer="places", path=write(frame, "places.geojson"))
    assert (version.layer, version.feature_count, version.active) == ("places", 6, True)
    kinds = dict(Place.objects.filter(version=version).values_list("name", "kind"))
    assert kinds == {"延陵西路": "street", "和平北路": "street", "荷花池社区": "community", "钟楼区": "district",
                     "文笔塔": "landmark", "红梅公园": "park"}


def test_geopackage_and_shapefile_imports(db, write):
    version, _ = services.layer_import(layer="places", path=write(places_frame(), "places.gpkg"))
    assert version.feature_count == 6
    streets = places_frame().iloc[:2]
    version, _ = services.layer_import(layer="places", path=write(streets, "streets.shp"))
    assert version.version == 2 and set(Place.objects.filter(version=version).values_list("name", flat=True)) == \
        {"延陵西路", "和平北路"}


def test_gcj02_places_are_converted_to_wgs84(db, write):
    wgs = places_frame()

    def to_gcj(coords):
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    gcj = wgs.set_geometry(shapely.transform(wgs.geometry.values, to_gcj), crs="EPSG:4326")
    version, _ = services.layer_import(layer="places", path=write(gcj, "gcj.geojson"), crs="gcj02")
    assert version.crs.startswith("GCJ-02")
    for name, want in (("延陵西路", wgs.geometry.iloc[0]), ("文笔塔", wgs.geometry.iloc[4])):
        got = shapely.get_coordinates(shapely.from_wkb(Place.objects.get(version=version, name=name).geometry))
        want = shapely.get_coordinates(want)
        assert GEOD.inv(got[:, 0], got[:, 1], want[:, 0], want[:, 1])[2].max() < 0.5
    # The labels work on the converted layer: a fix on the street (WGS-84) is on the street.
    assert services.places_at([LON0 + 0.0025], [STREET_LAT + 5 * M_LAT])[0].label() == "延陵西路 · 荷花池社区"


def test_a_bad_file_is_refused_whole_naming_every_problem(db, write):
    services.layer_import(layer="places", path=write(places_frame(), "good.geojson"))
    bad = places_frame()
    bad.loc[1, "name"] = ""
    bad.loc[4, "geometry"] = MultiPoint([(LON0, LAT0), (LON0 + 0.001, LAT0)])
    with pytest.raises(DomainError) as caught:
        services.layer_import(layer="places", path=write(bad, "bad.geojson"))
    message = caught.value.in_language("en")
    assert "Places: 2 problem(s), nothing imported" in message
    assert "feature #1 has no name" in message
    assert "feature #4 (name 文笔塔) is a MultiPoint" in message
    assert list(LayerVersion.objects.filter(layer="places").values_list("version", "active")) == [(1, True)]
    assert Place.objects.count() == 6


def test_a_file_without_names_or_unreadable_is_refused(db, write, tmp_path):
    frame = places_frame().drop(columns=["name"])
    english = translation.override("en")
    with english, pytest.raises(DomainError, match=r"Places: the file has no name property \(it has: kind\)"):
        services.layer_import(layer="places", path=write(frame, "nameless.geojson"))
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json", encoding="utf-8")
    with english, pytest.raises(DomainError, match="cannot be read as GeoJSON, GeoPackage or Shapefile"):
        services.layer_import(layer="places", path=junk)
    assert not LayerVersion.objects.exists()


def test_command_line_import_of_places(db, write, capsys):
    from django.core.management import call_command

    call_command("gis", "import", "--layer", "places", str(write(places_frame(), "p.geojson")))
    assert "places：第 1 版已启用，6 个要素（修复 0 个），坐标系 EPSG:4326" in capsys.readouterr().out


def test_sample_city_places_name_streets_districts_communities_and_landmarks(db):
    from gis.sample import CELL_LAT, CELL_LON, SOUTH, WEST, build_city

    city = build_city()
    places = city.places
    assert set(places["kind"]) == {"street", "district", "community", "landmark", "park"}
    streets = places[places["kind"] == "street"]
    assert {"延陵西路", "延陵中路", "延陵东路", "和平南路", "和平北路", "南大街"} <= set(streets["name"])
    assert streets["name"].is_unique
    assert (places[places["kind"] == "community"]["name"].str.endswith("社区")).all()
    services.sample_city_load(city=city)
    # The crossing of 广化路 (column 25.5) and 延陵路 (row 25.5), in 钟楼区.
    lon, lat = WEST + 25.5 * CELL_LON, SOUTH + 25.5 * CELL_LAT
    label = services.places_at([lon], [lat])[0].label()
    assert label.startswith("延陵西路与广化南路交叉口 · ") and label.endswith("社区")
