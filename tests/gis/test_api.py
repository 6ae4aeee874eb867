"""gis API: GeoJSON layers with bbox filtering, version history, uploads by administrators only."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from shapely.geometry import shape

from gis import services
from gis.models import LayerVersion
from tests.support.fixtures import make_user

from .conftest import LAT0, LON0, STEP, grid_frame, jurisdiction_frame, venue_points


@pytest.fixture
def layers(db, write):
    services.layer_import(layer="grid", path=write(grid_frame(), "grid.geojson"))
    services.layer_import(layer="venues", path=write(venue_points(), "venues.geojson"))
    services.layer_import(layer="jurisdictions", path=write(jurisdiction_frame(), "j.geojson"))


@pytest.fixture
def auditor_client(db, bureau, api_client_for):
    return api_client_for(make_user("auditor", "auditor", unit=bureau["units"]["CZ-TN-01"]))


def test_grid_bbox_returns_only_cells_meeting_the_box(layers, auditor_client):
    # A box strictly inside the south-west cell meets only that cell.
    bbox = f"{LON0 + 0.1 * STEP},{LAT0 + 0.1 * STEP},{LON0 + 0.9 * STEP},{LAT0 + 0.9 * STEP}"
    response = auditor_client.get(f"/api/v1/gis/grid/?bbox={bbox}")
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection" and data["numberMatched"] == 1
    feature = data["features"][0]
    assert feature["properties"] == {"code": "320402001001001", "unit": "CZ-TN-01"}
    assert feature["geometry"]["type"] == "Polygon"
    assert shape(feature["geometry"]).bounds == pytest.approx((LON0, LAT0, LON0 + STEP, LAT0 + STEP))
    everything = auditor_client.get("/api/v1/gis/grid/").json()
    assert everything["numberMatched"] == 9 and len(everything["features"]) == 9
    two_columns = auditor_client.get(
        f"/api/v1/gis/grid/?bbox={LON0 + 0.5 * STEP},{LAT0 - 1},{LON0 + 1.5 * STEP},{LAT0 + 1}").json()
    assert two_columns["numberMatched"] == 6
    far = auditor_client.get("/api/v1/gis/grid/?bbox=116.3,39.8,116.5,40.0").json()
    assert far["features"] == []


def test_limit_caps_features_but_reports_the_match_count(layers, auditor_client):
    data = auditor_client.get("/api/v1/gis/grid/?limit=4").json()
    assert data["numberReturned"] == 4 and data["numberMatched"] == 9


def test_bad_bbox_is_a_400_naming_the_parameter(layers, auditor_client):
    for bad in ("1,2,3", "a,b,c,d", "120,32,119,31"):
        response = auditor_client.get(f"/api/v1/gis/grid/?bbox={bad}")
        assert response.status_code == 400, bad
        assert response.json()["field"] == "bbox"


def test_venues_and_jurisdictions_as_geojson(layers, auditor_client):
    venues = auditor_client.get("/api/v1/gis/venues/").json()
    by_name = {f["properties"]["name"]: f for f in venues["features"]}
    assert by_name["欢乐KTV"]["properties"] == {"name": "欢乐KTV", "category": "entertainment",
                                               "radius_m": 30.0,
                                               "alerting": True}
    assert by_name["便利店"]["properties"]["alerting"] is False
    assert by_name["老王饭店"]["geometry"] == {"type": "Point", "coordinates": [pytest.approx(LON0 + 0.01),
                                                                              pytest.approx(LAT0)]}
    one = auditor_client.get(f"/api/v1/gis/venues/{by_name['便利店']['id']}/").json()
    assert one["type"] == "Feature" and one["properties"]["category"] == "shop"
    jurisdictions = auditor_client.get("/api/v1/gis/jurisdictions/").json()["features"]
    units = {f["properties"]["unit"] for f in jurisdictions}
    assert units == {"CZ-TN", "CZ-TN-01"}


def test_streets_from_the_sample_city(db, auditor_client):
    from gis.sample import build_city
    city = build_city(seed=1)
    services.layer_load_frame(layer="streets", frame=city.streets, source_file="sample")
    data = auditor_client.get("/api/v1/gis/streets/").json()
    assert data["numberMatched"] == len(city.streets)
    assert {"name", "kind"} == set(data["features"][0]["properties"])


def test_version_history_and_past_versions(layers, auditor_client, write):
    services.layer_import(layer="grid", path=write(grid_frame(n=2, prefix="320402001002"), "grid2.geojson"))
    versions = auditor_client.get("/api/v1/gis/layers/?layer=grid").json()["results"]
    assert [(v["version"], v["active"], v["source_file"]) for v in versions] == [
        (2, True, "grid2.geojson"), (1, False, "grid.geojson")]
    assert auditor_client.get("/api/v1/gis/grid/").json()["numberMatched"] == 4
    assert auditor_client.get("/api/v1/gis/grid/?version=1").json()["numberMatched"] == 9


def test_only_administrators_upload(db, bureau, api_client_for, write):
    path = write(grid_frame(), "grid.geojson")
    for role in ("auditor", "fleet", "logistics"):
        client = api_client_for(make_user(role, role))
        response = client.post("/api/v1/gis/layers/", {"layer": "grid", "file": SimpleUploadedFile(
            "grid.geojson", path.read_bytes())}, format="multipart")
        assert response.status_code == 403, role
    admin = api_client_for(make_user("admin", "administrator"))
    response = admin.post("/api/v1/gis/layers/", {"layer": "grid", "file": SimpleUploadedFile(
        "城区网格.geojson", path.read_bytes())}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["layer"], body["version"], body["active"], body["feature_count"]) == ("grid", 1, True, 9)
    assert body["source_file"] == "城区网格.geojson" and body["warnings"] == []


def test_bad_upload_is_a_400_naming_the_feature_and_changes_nothing(db, bureau, api_client_for, write):
    frame = grid_frame()
    frame.loc[2, "code"] = "abc"
    path = write(frame, "grid.geojson")
    admin = api_client_for(make_user("admin", "administrator"))
    response = admin.post("/api/v1/gis/layers/", {"layer": "grid", "file": SimpleUploadedFile(
        "grid.geojson", path.read_bytes())}, format="multipart")
    assert response.status_code == 400
    assert "第 2 个要素（code abc）" in response.json()["detail"] and response.json()["code"] == "invalid_layer"
    assert not LayerVersion.objects.exists()


def test_anonymous_is_refused(layers, client):
    assert client.get("/api/v1/gis/grid/").status_code in (401, 403)


def test_zipped_shapefile_upload(db, bureau, api_client_for, write, tmp_path):
    import zipfile
    shp = write(venue_points(), "venues.shp")
    archive = tmp_path / "venues.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.parent.glob("venues.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    admin = api_client_for(make_user("admin", "administrator"))
    response = admin.post("/api/v1/gis/layers/", {"layer": "venues", "file": SimpleUploadedFile(
        "venues.zip", archive.read_bytes())}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["feature_count"] == 3


def test_openapi_schema_documents_the_gis_routes_without_errors(db, capsys):
    from django.core.management import call_command
    call_command("spectacular", "--file", "/dev/null")
    err = capsys.readouterr().err
    assert "gis/api/views.py" not in err


def test_base_map_serves_places_venues_and_grid_in_the_box(layers, auditor_client, write):
    from .test_places import places_frame

    services.layer_import(layer="places", path=write(places_frame(), "places.geojson"))
    data = auditor_client.get("/api/v1/gis/basemap/").json()
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["layer"] for f in data["features"]} == {"places", "venues"}
    named = {f["properties"]["name"]: f for f in data["features"]}
    assert named["延陵西路"]["geometry"]["type"] == "LineString" and named["延陵西路"]["properties"]["kind"] == "street"
    assert named["老王饭店"]["properties"]["alerting"] is True
    # A box around the south-west grid cell, with the grid: the cell, the streets and areas crossing it.
    bbox = f"{LON0},{LAT0},{LON0 + 0.5 * STEP},{LAT0 + 0.5 * STEP}"
    data = auditor_client.get(f"/api/v1/gis/basemap/?bbox={bbox}&layers=places,grid").json()
    got = sorted((f["properties"]["layer"], f["properties"].get("name") or f["properties"].get("code"))
                 for f in data["features"])
    assert got == [("grid", "320402001001001"), ("places", "荷花池社区"), ("places", "钟楼区")]
    response = auditor_client.get("/api/v1/gis/basemap/?layers=places,roads")
    assert response.status_code == 400 and "roads" in response.content.decode()
    assert auditor_client.get("/api/v1/gis/places/").json()["numberMatched"] == 6
