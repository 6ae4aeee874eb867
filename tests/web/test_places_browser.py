"""Place names in the browser: the sample city drawn as the offline base map (named streets, districts, landmarks,
venues), and an alert raised by the real pipeline showing its place label in the panel and on the vehicle card."""
import json
import time

import geopandas as gpd
import pytest
import shapely

from assets import services as asset_services
from gis import services as gis_services
from gis.models import LayerVersion, Place
from gis.sample import CELL_LAT, CELL_LON, SOUTH, WEST, build_city
from telematics.models import Vehicle
from telematics.tracking.models import Alert, Position
from telematics.tracking.pipeline import Message, Pipeline
from tests.support.fixtures import make_user
from tests.telematics.tracking.conftest import drive, park

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sample_city(bureau):
    """The test bureau grown to the sample city's units, and the sample city's layers loaded."""
    units = bureau["units"]
    for brigade in ("CZ-ZL", "CZ-XB"):
        units[brigade] = asset_services.unit_create(code=brigade, name=f"{brigade}大队", kind="brigade",
                                                    parent=units["CZ-ZD"])
    for brigade in ("CZ-ZL", "CZ-TN", "CZ-XB"):
        for n in (1, 2, 3):
            code = f"{brigade}-{n:02d}"
            if code not in units:
                units[code] = asset_services.unit_create(code=code, name=f"{code}中队", kind="squadron",
                                                         parent=units[brigade])
    city = build_city()
    gis_services.sample_city_load(city=city)
    gis_services.spatial_index_invalidate()
    gis_services._cached = None
    return {**bureau, "units": units, "city": city}


def cell(col: float, row: float) -> tuple[float, float]:
    return WEST + col * CELL_LON, SOUTH + row * CELL_LAT


HOSTILE = '<img src="x" onerror="window.__xss = 1">'


def test_the_offline_base_map_names_streets_districts_landmarks_and_venues(sample_city, live_server, browser_page,
                                                                          screenshot):
    # A landmark whose name (from an uploaded file) is markup: drawn as text, never as an element.
    lon, lat = cell(125.2, 30.2)  # 3.7 km east of the city: off the screenshots' views
    point = shapely.Point(lon, lat)
    Place.objects.create(version=LayerVersion.objects.get(layer="places", active=True), name=HOSTILE, kind="landmark",
                         geometry=shapely.to_wkb(point, hex=True), min_lon=lon, min_lat=lat, max_lon=lon, max_lat=lat)
    admin = make_user("admin", None, superuser=True)
    page = browser_page(admin)
    page.goto(f"{live_server.url}/map/")
    page.wait_for_function("window.qmMap && window.qmMap.ready")
    labels = "(kind) => [...document.querySelectorAll('.qm-place-' + kind)].map((e) => e.textContent)"

    # The whole city: the three districts named, the streets drawn as roads with their names.
    page.evaluate("qmMap.map.setView([31.777, 119.953], 13, {animate: false})")
    page.wait_for_function(f"({labels})('district').length === 3")
    assert sorted(page.evaluate(f"({labels})('district')")) == ["天宁区", "新北区", "钟楼区"]
    assert page.locator("path.qm-base-road").count() >= 40
    assert "延陵中路" in page.evaluate(f"({labels})('street')")
    assert page.locator(".live-map.qm-basemap").count() == 1
    page.evaluate("qmMap.map.setView([31.777, 119.953], 14, {animate: false})")
    page.wait_for_function(f"({labels})('community').length > 0")  # communities are named from zoom 14
    screenshot(page, "map-base-layer-city")

    # Zoomed in on 劳动中路 × 和平北路 (天宁区): street names, communities, a landmark, named venues.
    here_lon, here_lat = cell(35.5, 35.5)
    page.evaluate(f"qmMap.map.setView([{here_lat}, {here_lon}], 16, {{animate: false}})")
    page.wait_for_function(f"({labels})('venue').length > 0 && ({labels})('community').length > 0")
    streets = page.evaluate(f"({labels})('street')")
    assert {"劳动中路", "和平北路"} <= set(streets), streets
    assert "常州市人民政府" in page.evaluate(f"({labels})('landmark')")
    venues = set(sample_city["city"].venues["name"])
    assert set(page.evaluate(f"({labels})('venue')")) <= venues
    assert page.errors == []
    screenshot(page, "map-base-layer-named-places")

    page.evaluate(f"qmMap.map.setView([{lat}, {lon}], 16, {{animate: false}})")
    page.wait_for_function(f"({labels})('landmark').includes({json.dumps(HOSTILE)})")
    assert page.evaluate("window.__xss") is None and page.locator(".qm-place-label img").count() == 0
    assert page.errors == []


def test_an_alert_and_the_vehicle_card_say_where_in_words(sample_city, live_server, browser_page, screenshot):
    units = sample_city["units"]
    vehicle = Vehicle.objects.create(plate="苏D·A0001", unit=units["CZ-TN-01"], seats=5, terminal_id="T0001")
    venues = sample_city["city"].venues
    # A restaurant well inside CZ-TN-01's jurisdiction (天宁区, the southern third): no other alert is raised.
    (west, south), (east, north) = cell(34, 3), cell(56, 17)
    centres = gpd.GeoSeries(shapely.centroid(venues.geometry.values))
    inside = centres.x.between(west, east) & centres.y.between(south, north)
    restaurant = venues[(venues["category"] == "restaurant") & venues["radius_m"].notna() & inside].iloc[0]
    at = (restaurant.geometry.x, restaurant.geometry.y)
    start = (at[0] - 0.004, at[1])
    # 14 minutes parked at the restaurant, through the real pipeline (the ingest's stages, in process).
    t0 = time.time() - 20 * 60
    fixes = drive(t0, start, at, minutes=3) + park(t0 + 200, at, minutes=14)
    pipeline = Pipeline()
    for f in fixes:
        pipeline.process([Message("qm/terminals/T0001/position", json.dumps(f).encode())])
    alert = Alert.objects.get(vehicle=vehicle)
    assert alert.kind == "venue_parking"
    assert alert.place.startswith(restaurant["name"]) and alert.place.endswith("社区"), alert.place

    page = browser_page(make_user("fleetman", "fleet", units["CZ"]))
    page.goto(f"{live_server.url}/map/")
    page.wait_for_function("window.qmMap && window.qmMap.ready")
    item = page.locator(f'#alert-list li[data-alert="{alert.pk}"]')
    item.wait_for()
    assert alert.place in item.inner_text() and alert.grid_code in item.inner_text()

    page.evaluate(f"qmMap.map.setView(qmMap.markers[{vehicle.pk}].getLatLng(), 17, {{animate: false}})")
    page.locator(f'.qm-vehicle[data-vehicle="{vehicle.pk}"]').click()
    card = page.locator("#vehicle-card")
    card.wait_for()
    # The card names where the vehicle is now, the grid code beside it, and the alert's place.
    assert card.locator(".card-place").inner_text().startswith(restaurant["name"])
    newest = Position.objects.filter(vehicle=vehicle).latest("ts")
    assert card.locator(".card-grid").inner_text() == newest.grid_code
    assert alert.place in card.locator(".card-alert-place").inner_text()
    assert page.errors == []
    screenshot(page, "map-alert-card-place")
