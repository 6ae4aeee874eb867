"""The live map, alerts panel and track replay in headless Chromium against the live server on PostgreSQL, with
fixes published through a real Mosquitto and stored by a real `qm ingest` process."""
import datetime as dt
import time

import pytest
from django.db import transaction
from django.utils import timezone

from telematics.models import Vehicle
from telematics.tracking.cases.services import case_explain
from telematics.tracking.models import Alert, Leg, Position
from telematics.tracking.store import PositionRow, store_positions
from tests.support.fixtures import make_user
from tests.telematics.tracking.conftest import RESTAURANT, park

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPOTS = [(119.935 + 0.006 * n, 31.765 + 0.005 * n) for n in range(9)]


def store_fixes(rows):
    """(vehicle, ts, lon, lat, speed, heading) rows through the position store's writer, committed."""
    with transaction.atomic():
        store_positions([PositionRow(terminal=v.terminal_id, ts=ts, vehicle_id=v.pk, lat=lat, lon=lon, speed=speed,
                                     heading=heading, acc=True, seq=None, grid_code="320402001001011", venue_id=None,
                                     received_at=timezone.now()) for v, ts, lon, lat, speed, heading in rows])


@pytest.fixture
def fleet(city):
    """The tracking tests' city (V1..V8 and a phone in CZ-TN-01) plus one vehicle of brigade CZ-WJ; every vehicle
    but V8 has reported in the last minute."""
    wj = Vehicle.objects.create(plate="苏D·W0001", unit=city["units"]["CZ-WJ-01"], seats=5, terminal_id="T0100")
    vehicles = dict(city["vehicles"], wj=wj)
    now = timezone.now()
    reporting = [v for key, v in vehicles.items() if key != "V8"]
    store_fixes([(v, now - dt.timedelta(seconds=30), *SPOTS[n], 40.0 if n % 2 else 0.0, 90.0)
                 for n, v in enumerate(reporting)])
    return {**city, "vehicles": vehicles, "reporting": reporting}


def open_map(page, base):
    page.goto(f"{base}/map/")
    page.wait_for_function("window.qmMap && window.qmMap.ready")
    page.wait_for_function("document.getElementById('stream-status').dataset.state === 'live'")


# Vehicles drawn: single markers plus the numbers on the clusters.
MARKER_TOTAL = """() => [...document.querySelectorAll('.qm-vehicle')].length +
    [...document.querySelectorAll('.marker-cluster span')].reduce((n, s) => n + Number(s.textContent), 0)"""


def test_sign_in_map_live_fix_alert_panel_and_review(fleet, live_server, browser_page, screenshot, ingest,
                                                      publisher):
    make_user("fleetman", "fleet", fleet["units"]["CZ"])
    v1, v2 = fleet["vehicles"]["V1"], fleet["vehicles"]["V2"]
    page = browser_page()
    page.goto(f"{live_server.url}/map/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "fleetman")
    page.fill("input[name=password]", "pass-12345")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{live_server.url}/map/")
    page.wait_for_function("window.qmMap && window.qmMap.ready")

    # Every registered vehicle is known; the nine that reported are on the map, coloured by state.
    assert page.evaluate("Object.keys(qmMap.vehicles).length") == 10
    page.wait_for_function("qmMap.cluster.getLayers().length === 9")
    page.wait_for_function(f"({MARKER_TOTAL})() === 9")
    assert page.locator("#vehicle-count").inner_text() == "9"
    assert page.locator("#count-nofix").inner_text() == "1"
    assert int(page.locator("#count-moving").inner_text()) + int(page.locator("#count-stopped").inner_text()) == 9
    screenshot(page, "map-fleet")

    # A fix published through Mosquitto and stored by `qm ingest` moves its marker within 2 s of being stored.
    ingest()
    pub = publisher()
    page.wait_for_function("document.getElementById('stream-status').dataset.state === 'live'")
    sent = timezone.now().replace(microsecond=0)
    pub.send(f"qm/terminals/{v1.terminal_id}/position",
             {"ts": sent.isoformat(), "lat": 31.801, "lon": 119.981, "speed": 42.0, "heading": 180})
    page.wait_for_function(f"qmMap.position({v1.pk}).lat === 31.801", timeout=10_000)
    stored = Position.objects.get(terminal=v1.terminal_id, ts=sent).received_at
    moved_ms = page.evaluate(f"qmMap.stats.appliedAt[{v1.pk}]")
    delay = moved_ms / 1000 - stored.timestamp()
    assert delay < 2.0, f"the marker moved {delay:.2f} s after the fix was stored"
    latlng = page.evaluate(f"(() => {{ const p = qmMap.markers[{v1.pk}].getLatLng(); return [p.lat, p.lng]; }})()")
    assert latlng == [31.801, 119.981]

    # The vehicle card: zoomed in (no clustering), the marker opens it.
    page.evaluate(f"qmMap.map.setView(qmMap.markers[{v1.pk}].getLatLng(), 18, {{animate: false}})")
    page.locator(f'.qm-vehicle[data-vehicle="{v1.pk}"]').click()
    card = page.locator("#vehicle-card")
    assert card.locator(".card-plate").inner_text() == v1.plate
    assert card.locator(".card-speed").inner_text().startswith("42.0")
    assert card.locator(".card-unit").inner_text().endswith("（CZ-TN-01）")
    assert card.locator(".card-file").get_attribute("href") == f"/vehicles/{v1.pk}/"
    assert page.locator(f'.qm-vehicle[data-vehicle="{v1.pk}"]').get_attribute("data-state") == "moving"
    screenshot(page, "map-vehicle-card")

    # A scenario: V2 parks at the restaurant for 12 minutes (its terminal flushes the buffer in one message).
    t0 = time.time() - 14 * 60
    pub.send(f"qm/terminals/{v2.terminal_id}/position", park(t0, RESTAURANT, minutes=12, every_s=10))
    item = page.locator(f'#alert-list li[data-vehicle="{v2.pk}"][data-kind="venue_parking"]')
    item.wait_for(timeout=20_000)
    alert = Alert.objects.get(vehicle=v2, kind="venue_parking")
    assert item.get_attribute("data-alert") == str(alert.pk)
    page.wait_for_function(f"qmMap.position({v2.pk}).state === 'alert'")
    assert "老街酒楼" in item.inner_text()
    page.evaluate("qmMap.map.setZoom(10, {animate: false})")  # everything clustered: the alert still shows
    page.locator(".marker-cluster.qm-cluster-alert").wait_for()

    # Clicking the alert zooms to its evidence: the track and where the vehicle dwelt.
    item.locator(".alert-head").click()
    page.locator("path.evidence-dwell").wait_for()
    assert page.locator("path.evidence-track").count() == 1
    assert page.evaluate("qmMap.map.getZoom()") >= 15
    screenshot(page, "map-alert-evidence")

    # No review dialog of its own: the alert shows its case's state and links the case page, where the case is
    # worked; a step taken there reaches the panel through the stream.
    assert item.get_attribute("data-case-state") == "pending" and item.locator(".alert-case-state").inner_text() \
        == "待说明"
    assert item.locator("button").count() == 0 and page.locator("#review-dialog").count() == 0
    assert item.locator("a.alert-case-link").get_attribute("href") == f"/alerts/{alert.pk}/"
    count = int(page.inner_text("#alert-count"))
    case_explain(alert=alert, user=make_user("tn-fleet", "fleet", v2.unit), text="已电话核实，队员在场所外执勤")
    page.wait_for_function(f"""document.querySelector('#alert-list li[data-alert="{alert.pk}"]')
        .dataset.caseState === 'explained'""")
    assert item.locator(".alert-case-state").inner_text() == "已说明"
    assert int(page.inner_text("#alert-count")) == count  # still awaiting a decision
    screenshot(page, "map-alert-case-explained")

    # Filters: the state filter hides stopped vehicles, the unit filter another brigade's.
    page.evaluate("qmMap.map.setZoom(12, {animate: false})")
    page.uncheck('.filter-state[value="stopped"]')
    stopped = page.evaluate("Object.values(qmMap.vehicles).filter(v => v.state === 'stopped').length")
    assert stopped > 0 and page.evaluate("qmMap.shown().length") == 9 - stopped
    page.check('.filter-state[value="stopped"]')
    page.select_option("#filter-unit", label="武进大队（CZ-WJ）")
    assert page.evaluate("qmMap.shown()") == [fleet["vehicles"]["wj"].pk]
    assert not item.is_visible()  # V2's alert belongs to another unit
    page.select_option("#filter-unit", label="全部单位")
    assert item.is_visible() and page.evaluate("qmMap.shown().length") == 9
    assert page.errors == []


def test_brigade_user_sees_only_its_vehicles_and_alerts(fleet, live_server, browser_page, screenshot):
    units, vehicles = fleet["units"], fleet["vehicles"]
    Alert.objects.create(vehicle=vehicles["V3"], terminal="T0003", kind="off_duty_use", started_at=timezone.now(),
                         clause="jiangsu 设备管理/执法车辆管理/5")
    own = Alert.objects.create(vehicle=vehicles["wj"], terminal="T0100", kind="out_of_jurisdiction",
                               started_at=timezone.now() - dt.timedelta(minutes=20),
                               ended_at=timezone.now() - dt.timedelta(minutes=5), status="closed",
                               clause="jiangsu 设备管理/执法车辆管理/5", lat=31.71, lon=119.91)
    page = browser_page(make_user("wj-fleet", "fleet", units["CZ-WJ"]))
    open_map(page, live_server.url)
    assert page.evaluate("Object.keys(qmMap.vehicles).map(Number)") == [vehicles["wj"].pk]
    assert page.evaluate("qmMap.shown()") == [vehicles["wj"].pk]
    assert page.locator("#alert-list li").count() == 1

    # The alert shows its case (待说明) and links the case page (待说明 → 认定/排除); no acknowledge/dismiss here.
    item = page.locator(f'#alert-list li[data-alert="{own.pk}"]')
    assert item.locator("a.alert-case-link").get_attribute("href") == f"/alerts/{own.pk}/"
    assert item.locator(".alert-case-state").inner_text() == "待说明" and item.locator("button").count() == 0
    assert page.inner_text("#alert-count") == "1"  # its case is not decided, though the episode is over
    assert page.locator("#filter-unit option").all_inner_texts()[1:] == ["武进大队（CZ-WJ）", "CZ-WJ-01中队（CZ-WJ-01）"]

    # New fixes of both brigades: only its own comes through the stream.
    store_fixes([(vehicles["V1"], timezone.now(), 119.99, 31.81, 30.0, 0.0),
                 (vehicles["wj"], timezone.now(), 119.91, 31.71, 30.0, 0.0)])
    page.wait_for_function(f"qmMap.position({vehicles['wj'].pk}).lat === 31.71")
    time.sleep(1.0)  # two more polls: nothing else may arrive
    assert page.evaluate("qmMap.stats.received") == 1

    # The layers: the grid (codes on hover), venues and jurisdictions come from the GIS API as vectors.
    page.evaluate("qmMap.map.setView([31.79, 119.96], 14, {animate: false})")
    page.check("#layer-grid")
    page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane path').length >= 9 + 2 + 1")  # grid, venues, jurisdiction
    assert page.locator(".live-map.no-tiles").count() == 1 and page.locator(".leaflet-tile").count() == 0
    x, y = page.evaluate("""() => {
        const p = qmMap.map.latLngToContainerPoint([31.775, 119.935]);
        const r = qmMap.map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""")
    page.mouse.move(x, y)
    page.mouse.move(x + 3, y + 3)
    assert page.locator(".leaflet-tooltip.grid-code").inner_text() == "320402001001000"
    screenshot(page, "map-brigade-layers")

    replay = browser_page(make_user("wj-fleet-2", "fleet", units["CZ-WJ"]))
    replay.goto(f"{live_server.url}/map/replay/")
    assert replay.locator("#replay-vehicle option").all_inner_texts() == ["—", "苏D·W0001（CZ-WJ-01）"]
    response = replay.request.get(f"{live_server.url}/api/v1/tracks/?vehicle={vehicles['V1'].pk}")
    assert response.status == 404
    assert page.errors == [] and replay.errors == []


def test_replay_draws_the_track_with_stops_and_alerts_and_plays(fleet, live_server, browser_page, screenshot):
    v8 = fleet["vehicles"]["V8"]  # the one vehicle the fixture gave no fix
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)
    rows, legs = [], []
    # 20 minutes driving east, 15 minutes parked, 20 minutes driving north (a fix every 30 s).
    for k in range(40):
        ts = start + dt.timedelta(seconds=30 * k)
        rows.append((v8, ts, 119.94 + 0.0005 * k, 31.78, 36.0, 90.0))
        legs.append(Leg(vehicle_id=v8.pk, ts=ts, dist_m=47.0, secs=30, moving=True))
    for k in range(40, 70):
        ts = start + dt.timedelta(seconds=30 * k)
        rows.append((v8, ts, 119.96, 31.78, 0.0, 90.0))
        legs.append(Leg(vehicle_id=v8.pk, ts=ts, dist_m=0.0, secs=30, moving=False))
    for k in range(70, 110):
        ts = start + dt.timedelta(seconds=30 * k)
        rows.append((v8, ts, 119.96, 31.78 + 0.0005 * (k - 69), 36.0, 0.0))
        legs.append(Leg(vehicle_id=v8.pk, ts=ts, dist_m=55.0, secs=30, moving=True))
    store_fixes(rows)
    Leg.objects.bulk_create(legs)
    Alert.objects.create(vehicle=v8, terminal="T0008", kind="off_duty_use", started_at=start + dt.timedelta(minutes=1),
                         ended_at=start + dt.timedelta(minutes=19), lat=31.78, lon=119.95,
                         clause="jiangsu 设备管理/执法车辆管理/5")

    page = browser_page(make_user("fleet-cz", "fleet", fleet["units"]["CZ"]))
    local = timezone.localtime(start - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    # Before a vehicle is chosen the page says what to do instead of showing empty lists.
    page.goto(f"{live_server.url}/map/replay/")
    assert page.locator("#replay-hint").is_visible() and not page.locator("#replay-lists").is_visible()
    page.goto(f"{live_server.url}/map/replay/?vehicle={v8.pk}&start={local}")
    page.wait_for_function("window.qmReplay && window.qmReplay.loaded")
    assert not page.locator("#replay-hint").is_visible() and page.locator("#replay-lists").is_visible()
    assert page.evaluate("[qmReplay.fixes, qmReplay.stops, qmReplay.alerts]") == [110, 1, 1]
    assert page.locator("path.replay-track").count() == 1
    assert page.locator(".replay-stop").count() == 1 and page.locator(".replay-alert").count() == 1
    assert page.locator("#replay-stops li").count() == 1
    assert "天宁寺社区" in page.locator("#replay-stops li").inner_text()  # the stop's place, in words
    assert "苏D·A0008" in page.locator("#replay-summary").inner_text()
    # The page offers the same track (and its trips) as files: the GPX link gives the 110 fixes.
    assert page.locator("#replay-export").is_visible()
    gpx = page.request.get(live_server.url + page.locator("#replay-gpx").get_attribute("href"))
    assert gpx.status == 200 and gpx.text().count("<trkpt ") == 110
    trips = page.request.get(live_server.url + page.locator("#replay-trips-csv").get_attribute("href"))
    assert trips.status == 200 and len(trips.text().splitlines()) == 3  # header, east and north (the stop between)

    page.select_option("#replay-speed", "1800")
    page.click("#replay-play")
    page.wait_for_function("qmReplay.index >= 60")
    page.click("#replay-pause")
    paused_at = page.evaluate("qmReplay.index")
    time.sleep(0.3)
    assert page.evaluate("qmReplay.index") == paused_at and not page.evaluate("qmReplay.playing")
    screenshot(page, "replay")
    assert page.errors == []


HOSTILE = '<img src="x" onerror="window.__xss = 1">'


def test_layer_names_are_shown_as_text_in_the_map_tooltips(fleet, live_server, browser_page):
    """Venue names, grid codes and jurisdiction units come from an uploaded file: a tooltip shows them as text,
    an `<img onerror>` in a name neither becomes an element nor runs."""
    from gis.models import GridCell, Jurisdiction, Venue

    Venue.objects.filter(name="老街酒楼").update(name=HOSTILE)
    GridCell.objects.filter(code="320402001001011").update(code="<i>grid</i>")
    Jurisdiction.objects.update(unit_code=HOSTILE.replace("__xss", "__xss_unit"))
    page = browser_page(make_user("fleetman", "fleet", fleet["units"]["CZ"]))
    open_map(page, live_server.url)
    page.check("#layer-grid")
    page.evaluate(f"qmMap.map.setView([{RESTAURANT[1]}, {RESTAURANT[0]}], 14, {{animate: false}})")
    page.wait_for_function("""() => ['grid', 'venues', 'jurisdictions'].every(
        (name) => qmMap.layers[name].getLayers().length > 0)""")
    shown = page.evaluate("""() => {
        const texts = [];
        for (const name of ['grid', 'venues']) {
            qmMap.layers[name].eachLayer((layer) => {
                const at = layer.getBounds ? layer.getBounds().getCenter() : layer.getLatLng();
                layer.openTooltip(at);
                texts.push(layer.getTooltip().getElement().textContent);
                layer.closeTooltip();
            });
        }
        qmMap.layers.jurisdictions.eachLayer((layer) => {  // named in the corner box while hovered
            layer.fire('mouseover');
            texts.push(document.querySelector('.qm-hover-info').textContent);
        });
        return texts;
    }""")
    assert HOSTILE + "（餐馆酒楼）" in shown
    assert "<i>grid</i>" in shown and "所属辖区 " + HOSTILE.replace("__xss", "__xss_unit") in shown
    page.evaluate("""() => qmMap.layers.venues.eachLayer((layer) => layer.openTooltip(
            layer.getBounds ? layer.getBounds().getCenter() : layer.getLatLng()))""")
    assert page.locator(".leaflet-tooltip img, .leaflet-tooltip i, .qm-hover-info img").count() == 0
    page.wait_for_function("[...document.images].every((img) => img.complete)")  # a broken image has errored
    assert page.evaluate("[window.__xss, window.__xss_unit]") == [None, None]
