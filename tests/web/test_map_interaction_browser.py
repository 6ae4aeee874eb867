"""The live map's base maps and interaction in headless Chromium: presets that fetch nothing from outside the site
(offline, none), GCJ-02 presets that shift every drawn position exactly once (live map and replay), search by
plate, following a vehicle, the unit filter's refit and counts, layer names on hover (as text), a vehicle's last
track on its card."""
import base64
import datetime as dt

import pytest
from django.utils import timezone

from gis.gcj02 import wgs84_to_gcj02
from gis.models import Venue
from telematics.models import Vehicle
from telematics.tracking.models import Alert
from tests.support.fixtures import make_user
from tests.telematics.tracking.conftest import KTV, RESTAURANT
from tests.web.test_map_browser import SPOTS, fleet, open_map, store_fixes  # noqa: F401 - fleet is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
CHANGZHOU = (119.9463, 31.7781)  # lon, lat: 常州 city centre, inside China (GCJ-02 moves it a few hundred metres)


def watch_requests(page, base: str) -> dict:
    """Records every request the page makes; one leaving the site is answered here with a blank tile (nothing
    reaches the internet) and listed under `outside`."""
    seen = {"all": [], "outside": []}
    page.on("request", lambda request: seen["all"].append(request.url))

    def answer(route):
        seen["outside"].append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=PNG)
    page.route(lambda url: not url.startswith(base) and not url.startswith("data:"), answer)
    return seen


def point_on_screen(page, lat: float, lon: float) -> tuple[float, float]:
    """Page coordinates of a WGS-84 point as the map draws it (through the page's own display transform)."""
    return page.evaluate("""([lat, lon]) => {
        const p = qmMap.map.latLngToContainerPoint(QMLive.toDisplay(lat, lon));
        const r = qmMap.map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [lat, lon])


def hover(page, lat: float, lon: float):
    x, y = point_on_screen(page, lat, lon)
    page.mouse.move(x, y)
    page.mouse.move(x + 2, y + 2)


@pytest.mark.parametrize("preset", ["offline", "none"])
def test_offline_presets_request_nothing_outside_the_site(fleet, live_server, browser_page, screenshot, settings,
                                                         preset):
    settings.QM_BASEMAP = preset
    page = browser_page(make_user("fleetman", "fleet", fleet["units"]["CZ"]))
    seen = watch_requests(page, live_server.url)
    open_map(page, live_server.url)
    # Offline, the bureau's own places are drawn as the base (static/live/places.js, registered as QMOfflineBase):
    # the test city's streets as roads with their names, from the site's own API.
    if preset == "offline":
        page.wait_for_function("document.querySelectorAll('path.qm-base-road').length > 0")
        assert "延陵中路" in page.locator(".qm-place-street").all_inner_texts()
    assert page.evaluate("!!qmMap.map.qmBase") == (preset == "offline")
    assert page.locator("path.qm-base-road").count() == 0 or preset == "offline"
    page.evaluate(f"qmMap.map.setView([{RESTAURANT[1]}, {RESTAURANT[0]}], 15, {{animate: false}})")
    page.wait_for_function("qmMap.layers.venues.getLayers().length > 0")
    assert page.locator(".leaflet-tile").count() == 0
    assert page.locator("#map").get_attribute("data-basemap") == preset
    screenshot(page, f"map-basemap-{preset}")
    replay = browser_page(make_user("fleetman-2", "fleet", fleet["units"]["CZ"]))
    replay_seen = watch_requests(replay, live_server.url)
    replay.goto(f"{live_server.url}/map/replay/?vehicle={fleet['vehicles']['V1'].pk}")
    replay.wait_for_function("window.qmReplay && window.qmReplay.loaded")
    assert seen["outside"] == [] and replay_seen["outside"] == []
    assert any("/api/v1/gis/venues/" in url for url in seen["all"])  # the watch saw the page's own requests
    assert page.errors == [] and replay.errors == []


def test_tianditu_tiles_carry_the_key_and_draw_wgs84_unshifted(fleet, live_server, browser_page, settings):
    settings.QM_BASEMAP = "tianditu"
    settings.QM_TIANDITU_KEY = "testkey123"
    v1 = fleet["vehicles"]["V1"]
    store_fixes([(v1, timezone.now(), *CHANGZHOU, 0.0, 0.0)])
    page = browser_page(make_user("admin", None, superuser=True))
    seen = watch_requests(page, live_server.url)
    open_map(page, live_server.url)
    page.wait_for_function("document.querySelectorAll('.qm-base-tiles img.leaflet-tile-loaded').length > 0")
    tiles = [url for url in seen["outside"] if "tianditu.gov.cn" in url]
    assert any("/vec_w/wmts?" in url for url in tiles) and any("/cva_w/wmts?" in url for url in tiles)
    assert all(url.endswith("&tk=testkey123") for url in tiles) and len(tiles) == len(seen["outside"])
    drawn = page.evaluate(f"(() => {{ const p = qmMap.markers[{v1.pk}].getLatLng(); return [p.lng, p.lat]; }})()")
    assert drawn == list(CHANGZHOU)  # 天地图 is WGS-84 (CGCS2000): nothing moves
    assert page.errors == []


@pytest.mark.parametrize(("preset", "host"), [("gaode", "is.autonavi.com"), ("tencent", "map.gtimg.com")])
def test_gcj02_presets_shift_every_drawn_position_exactly_once(fleet, live_server, browser_page, screenshot, settings,
                                                                preset, host):
    """A fix at a known Changzhou point is drawn at gis.gcj02's GCJ-02 position (not at WGS-84, not shifted twice):
    the marker, its last track, an alert's evidence, the venue layer, and the replay's track, stop and car."""
    settings.QM_BASEMAP = preset
    v8 = fleet["vehicles"]["V8"]
    now = timezone.now().replace(microsecond=0)
    rows = [(v8, now - dt.timedelta(minutes=30 - k), CHANGZHOU[0] + 0.001 * k, CHANGZHOU[1], 30.0, 90.0)
            for k in range(10)]
    rows += [(v8, now - dt.timedelta(minutes=20 - k), CHANGZHOU[0] + 0.009, CHANGZHOU[1], 0.0, 90.0)
             for k in range(10)]
    store_fixes(rows)
    newest = rows[-1]
    alert = Alert.objects.create(vehicle=v8, terminal="T0008", kind="venue_parking", started_at=now,
                                 lat=CHANGZHOU[1], lon=CHANGZHOU[0], clause="model 执法规范/执法行为/装备使用规范/1",
                                 evidence={"track": [[0, CHANGZHOU[1], CHANGZHOU[0]], [0, 31.779, 119.947]]})
    expected = wgs84_to_gcj02(newest[2], newest[3])
    assert abs(expected[0] - newest[2]) > 0.003  # the shift is large enough to tell once from twice or never

    page = browser_page(make_user("admin", None, superuser=True))
    seen = watch_requests(page, live_server.url)
    open_map(page, live_server.url)
    assert page.evaluate(f"qmMap.position({v8.pk}).lon") == newest[2]  # the data stays WGS-84
    drawn = page.evaluate(f"(() => {{ const p = qmMap.markers[{v8.pk}].getLatLng(); return [p.lng, p.lat]; }})()")
    assert drawn == pytest.approx(expected, abs=1e-9)
    page.wait_for_function("document.querySelectorAll('.qm-base-tiles img').length > 0")
    assert seen["outside"] and all(host in url for url in seen["outside"])

    # The marker's icon sits on the screen where the map puts the GCJ-02 point.
    page.evaluate(f"qmMap.search('{v8.plate}')")
    page.locator("#vehicle-card").wait_for()
    page.wait_for_function(f"qmMap.lastTrack && qmMap.lastTrack.id === {v8.pk}")
    measure = f"""(() => {{
        const icon = document.querySelector('.qm-vehicle[data-vehicle="{v8.pk}"]').getBoundingClientRect();
        const p = qmMap.map.latLngToContainerPoint([{expected[1]}, {expected[0]}]);
        const r = qmMap.map.getContainer().getBoundingClientRect();
        const w = qmMap.map.latLngToContainerPoint([{newest[3]}, {newest[2]}]);
        return [icon.left + icon.width / 2 - r.left - p.x, icon.top + icon.height / 2 - r.top - p.y,
                p.distanceTo(w)]; }})()"""
    # The card may still be panning the map (a loaded machine draws few frames): wait for the icon to settle on its
    # anchor; the icon's border puts its box 2 px off the anchor.
    page.wait_for_function(f"(() => {{ const o = {measure}; return Math.abs(o[0]) <= 4 && Math.abs(o[1]) <= 4; }})()",
                           timeout=15000)
    off = page.evaluate(measure)
    assert abs(off[0]) <= 4 and abs(off[1]) <= 4 and off[2] > 300  # the unshifted point is far off
    track = page.evaluate("""(() => { const out = []; document.querySelectorAll('path.last-track');
        qmMap.map.eachLayer((l) => { if (l.options && l.options.className === 'last-track')
            l.getLatLngs().forEach((p) => out.push([p.lng, p.lat])); }); return out; })()""")
    assert len(track) == 20
    assert track[0] == pytest.approx(wgs84_to_gcj02(rows[0][2], rows[0][3]), abs=1e-9)
    assert track[-1] == pytest.approx(expected, abs=1e-9)
    screenshot(page, f"map-{preset}-gcj02")

    page.evaluate(f"qmMap.showEvidence({alert.pk})")
    page.locator("path.evidence-dwell").wait_for()
    dwell = page.evaluate("""(() => { let c = null; qmMap.map.eachLayer((l) => {
        if (l.options && l.options.className === 'evidence-dwell') c = [l.getLatLng().lng, l.getLatLng().lat]; });
        return c; })()""")
    assert dwell == pytest.approx(wgs84_to_gcj02(*CHANGZHOU), abs=1e-9)

    page.evaluate(f"qmMap.map.setView(QMLive.toDisplay({RESTAURANT[1]}, {RESTAURANT[0]}), 16, {{animate: false}})")
    page.wait_for_function("qmMap.layers.venues.getLayers().length > 0")
    venue = page.evaluate("""(() => { let c = null; qmMap.layers.venues.eachLayer((l) => {
        if (l.getRadius) c = [l.getLatLng().lng, l.getLatLng().lat]; }); return c; })()""")
    assert venue == pytest.approx(wgs84_to_gcj02(*RESTAURANT), abs=1e-9)

    replay = browser_page(make_user("admin-2", None, superuser=True))
    watch_requests(replay, live_server.url)
    start = timezone.localtime(now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    replay.goto(f"{live_server.url}/map/replay/?vehicle={v8.pk}&start={start}")
    replay.wait_for_function("window.qmReplay && window.qmReplay.loaded")
    drawn = replay.evaluate("""(() => { const out = {}; qmReplay.drawn.eachLayer((l) => {
        if (l.getLatLngs) out.line = l.getLatLngs().map((p) => [p.lng, p.lat]);
        else if (l.options.icon && l.options.icon.options.className === 'replay-stop')
            out.stop = [l.getLatLng().lng, l.getLatLng().lat];
        else if (l.options.icon && l.options.icon.options.className === 'replay-alert')
            out.alert = [l.getLatLng().lng, l.getLatLng().lat]; }); return out; })()""")
    assert drawn["line"][0] == pytest.approx(wgs84_to_gcj02(rows[0][2], rows[0][3]), abs=1e-9)
    assert drawn["line"][-1] == pytest.approx(expected, abs=1e-9)
    # the stops come from trip detection (WGS-84, as served): each drawn once shifted
    served = replay.evaluate("qmReplay.stopData.map((s) => [s.lon, s.lat])")
    assert served, "ten minutes standing still make a stop"
    assert drawn["stop"] == pytest.approx(wgs84_to_gcj02(*served[-1]), abs=1e-9)
    assert abs(served[-1][0] - drawn["stop"][0]) > 0.003  # not drawn unshifted
    assert drawn["alert"] == pytest.approx(wgs84_to_gcj02(*CHANGZHOU), abs=1e-9)
    assert page.errors == [] and replay.errors == []


def test_search_by_plate_jumps_to_the_vehicle_and_opens_its_card(fleet, live_server, browser_page, screenshot):
    vehicles = fleet["vehicles"]
    page = browser_page(make_user("fleetman", "fleet", fleet["units"]["CZ"]))
    open_map(page, live_server.url)
    assert "苏D·A0003" in page.locator("#plate-options option").evaluate_all("(os) => os.map((o) => o.value)")

    # Part of a plate, without the dot: the one vehicle it matches.
    page.fill("#plate-query", "a0003")
    page.click("#plate-go")
    card = page.locator("#vehicle-card")
    card.wait_for()
    assert card.locator(".card-plate").inner_text() == "苏D·A0003"
    assert page.evaluate("qmMap.map.getZoom()") >= 17
    # centred on it (the card may have nudged the view to fit above it)
    off = page.evaluate(f"""(() => {{ const size = qmMap.map.getSize();
        const p = qmMap.map.latLngToContainerPoint([{SPOTS[2][1]}, {SPOTS[2][0]}]);
        return [Math.abs(p.x - size.x / 2), Math.abs(p.y - size.y / 2)]; }})()""")
    assert off[0] < 50 and off[1] < 200
    screenshot(page, "map-search-plate")

    # Several match: the candidates are offered; one click opens that card.
    page.fill("#plate-query", "苏D·A000")
    page.click("#plate-go")
    candidates = page.locator("#search-result .search-candidate")
    assert candidates.all_inner_texts() == [f"苏D·A000{n}" for n in range(1, 9)]
    candidates.nth(4).click()
    page.wait_for_function("document.querySelector('#vehicle-card .card-plate')?.textContent === '苏D·A0005'")

    # Unknown, and known without a fix: said so; the card stays as it was.
    page.fill("#plate-query", "苏D·X9999")
    page.click("#plate-go")
    assert page.locator("#search-result").inner_text() == "未找到该车牌的车辆。"
    page.fill("#plate-query", vehicles["V8"].plate)
    page.click("#plate-go")
    assert page.locator("#search-result").inner_text() == "该车辆还没有定位。"

    # A vehicle the filters hide is shown again when asked for by plate.
    page.select_option("#filter-unit", label="武进大队（CZ-WJ）")
    page.uncheck('.filter-state[value="stopped"]')
    page.fill("#plate-query", vehicles["V1"].plate)
    page.press("#plate-query", "Enter")
    page.wait_for_function(f"document.querySelector('#vehicle-card .card-plate')?.textContent === '{vehicles['V1'].plate}'")
    assert page.locator("#filter-unit").input_value() == ""
    assert page.locator('.filter-state[value="stopped"]').is_checked()
    assert vehicles["V1"].pk in page.evaluate("qmMap.shown()")
    assert page.errors == []


def test_follow_keeps_the_vehicle_centred_until_the_map_is_dragged(fleet, live_server, browser_page, screenshot):
    v1 = fleet["vehicles"]["V1"]
    page = browser_page(make_user("fleetman", "fleet", fleet["units"]["CZ"]))
    open_map(page, live_server.url)
    page.evaluate(f"qmMap.search('{v1.plate}')")
    page.locator("#vehicle-card .card-follow").click()
    page.locator("#follow-status").wait_for()
    assert page.locator("#follow-plate").inner_text() == v1.plate
    page.wait_for_function("document.querySelector('#vehicle-card .card-follow')?.textContent === '停止跟随'")

    # It drives off screen (2 km east, then north): the map follows each fix.
    for n, (lon, lat) in enumerate([(119.955, 31.765), (119.955, 31.785)], start=1):
        store_fixes([(v1, timezone.now() + dt.timedelta(seconds=n), lon, lat, 40.0, 90.0)])
        page.wait_for_function(f"qmMap.position({v1.pk}).lat === {lat} && qmMap.position({v1.pk}).lon === {lon}")
        page.wait_for_function(f"""(() => {{ const size = qmMap.map.getSize();
            const p = qmMap.map.latLngToContainerPoint([{lat}, {lon}]);
            return Math.abs(p.x - size.x / 2) <= 1 && Math.abs(p.y - size.y / 2) <= 1; }})()""")
    # the card, closed while its marker re-clustered, is back on the vehicle
    page.wait_for_function("document.querySelector('#vehicle-card .card-follow')?.textContent === '停止跟随'")
    page.wait_for_timeout(400)  # the card's fade-in
    screenshot(page, "map-follow")

    # Dragging the map lets go: the next fix no longer moves the view.
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + 100, box["y"] + box["height"] - 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 250, box["y"] + box["height"] - 100, steps=5)
    page.mouse.up()
    assert page.locator("#follow-status").is_hidden() and page.evaluate("qmMap.following()") is None
    page.wait_for_timeout(1000)  # the drag's inertia settles
    centre = page.evaluate("[qmMap.map.getCenter().lng, qmMap.map.getCenter().lat]")
    store_fixes([(v1, timezone.now() + dt.timedelta(seconds=5), 119.96, 31.80, 40.0, 90.0)])
    page.wait_for_function(f"qmMap.position({v1.pk}).lat === 31.8")
    page.wait_for_timeout(600)
    assert page.evaluate("[qmMap.map.getCenter().lng, qmMap.map.getCenter().lat]") == centre
    assert page.errors == []


def test_unit_filter_refits_the_view_and_counts_that_unit(fleet, live_server, browser_page, screenshot):
    vehicles = fleet["vehicles"]
    Alert.objects.create(vehicle=vehicles["V3"], terminal="T0003", kind="off_duty_use", status="closed",
                         started_at=timezone.now() - dt.timedelta(hours=2), ended_at=timezone.now() - dt.timedelta(hours=1),
                         clause="jiangsu 设备管理/执法车辆管理/5")
    page = browser_page(make_user("fleetman", "fleet", fleet["units"]["CZ"]))
    open_map(page, live_server.url)
    page.evaluate("qmMap.map.setView([31.5, 119.5], 11, {animate: false})")  # somewhere else entirely

    def counts():
        return page.evaluate("""['moving', 'stopped', 'offline', 'alert', 'nofix'].reduce((o, s) =>
            Object.assign(o, {[s]: Number(document.getElementById('count-' + s).textContent)}),
            {shown: Number(document.getElementById('vehicle-count').textContent),
             alerts: Number(document.getElementById('alert-count').textContent)})""")

    page.select_option("#filter-unit", label="武进大队（CZ-WJ）")
    centre = page.evaluate("[qmMap.map.getCenter().lng, qmMap.map.getCenter().lat]")
    assert centre == pytest.approx(list(SPOTS[8]), abs=1e-6)  # its one vehicle
    assert counts() == {"shown": 1, "moving": 0, "stopped": 1, "offline": 0, "alert": 0, "nofix": 0, "alerts": 0}
    screenshot(page, "map-unit-filter-wj")

    page.select_option("#filter-unit", label="天宁大队（CZ-TN）")
    assert counts() == {"shown": 8, "moving": 4, "stopped": 4, "offline": 0, "alert": 0, "nofix": 1, "alerts": 1}
    inside = page.evaluate("""ids => ids.map((id) => qmMap.map.getBounds().contains(qmMap.markers[id].getLatLng()))""",
                           [v.pk for key, v in vehicles.items() if key not in ("V8", "wj")])
    assert inside == [True] * 8
    centre = page.evaluate("[qmMap.map.getCenter().lng, qmMap.map.getCenter().lat]")
    assert centre == pytest.approx([(SPOTS[0][0] + SPOTS[7][0]) / 2, (SPOTS[0][1] + SPOTS[7][1]) / 2], abs=5e-4)
    screenshot(page, "map-unit-filter-tn")

    page.select_option("#filter-unit", label="全部单位")
    assert counts()["shown"] == 9 and counts()["nofix"] == 1 and counts()["alerts"] == 1
    assert page.errors == []


def test_venue_and_jurisdiction_names_on_hover_as_text(fleet, live_server, browser_page, screenshot):
    hostile = '<img src="x" onerror="window.__xss = 1">'
    page = browser_page(make_user("fleetman", "fleet", fleet["units"]["CZ"]))
    open_map(page, live_server.url)
    page.evaluate(f"qmMap.map.setView([{KTV[1]}, {KTV[0]}], 16, {{animate: false}})")
    page.wait_for_function("qmMap.layers.venues.getLayers().length === 2 && "
                           "qmMap.layers.jurisdictions.getLayers().length === 1")
    hover(page, KTV[1], KTV[0])
    assert page.locator(".leaflet-tooltip.venue-name").inner_text() == "欢乐KTV（公共娱乐场所）"
    hover(page, 31.793, 119.975)  # inside the jurisdiction, away from venues and vehicles
    page.locator(".qm-hover-info.jurisdiction-name").wait_for()
    assert page.locator(".qm-hover-info.jurisdiction-name").inner_text() == "所属辖区 天宁大队（CZ-TN）"
    screenshot(page, "map-hover-jurisdiction")
    # At its east edge: inside, the name shows; outside every jurisdiction, it goes.
    page.evaluate("""qmMap.layers.jurisdictions.once('qm:loaded', () => { window.__reloaded = true; });
        qmMap.map.setView([31.79, 119.99], 15, {animate: false})""")
    page.wait_for_function("window.__reloaded === true")
    hover(page, 31.79, 119.985)
    page.locator(".qm-hover-info.jurisdiction-name").wait_for()
    hover(page, 31.79, 119.995)
    page.locator(".qm-hover-info.jurisdiction-name").wait_for(state="hidden")

    Venue.objects.filter(name="欢乐KTV").update(name=hostile)
    page.reload()
    page.wait_for_function("window.qmMap && window.qmMap.ready")
    page.evaluate(f"qmMap.map.setView([{KTV[1]}, {KTV[0]}], 16, {{animate: false}})")
    page.wait_for_function("qmMap.layers.venues.getLayers().length === 2")
    hover(page, KTV[1], KTV[0])
    tooltip = page.locator(".leaflet-tooltip.venue-name")
    assert tooltip.inner_text() == hostile + "（公共娱乐场所）"
    assert tooltip.locator("img").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    screenshot(page, "map-hover-venue-escaped")
    assert page.errors == []


def test_card_draws_the_last_hour_track_and_keeps_locate_now(fleet, live_server, browser_page, screenshot):
    v8 = fleet["vehicles"]["V8"]
    jt = Vehicle.objects.create(plate="苏D·J0808", unit=fleet["units"]["CZ-TN-01"], seats=5, terminal_id="013511221122")
    now = timezone.now().replace(microsecond=0)
    old = (v8, now - dt.timedelta(minutes=90), 119.93, 31.76, 30.0, 0.0)  # before the last hour: not drawn
    recent = [(v8, now - dt.timedelta(minutes=50 - 2 * k), 119.94 + 0.001 * k, 31.77 + 0.0005 * k, 30.0, 45.0)
              for k in range(20)]
    store_fixes([old, *recent, (jt, now, 119.95, 31.79, 0.0, 0.0)])
    page = browser_page(make_user("fleetman", "fleet", fleet["units"]["CZ"]))
    open_map(page, live_server.url)

    page.evaluate(f"qmMap.map.setView(qmMap.markers[{v8.pk}].getLatLng(), 17, {{animate: false}})")
    page.locator(f'.qm-vehicle[data-vehicle="{v8.pk}"]').click()
    page.wait_for_function(f"qmMap.lastTrack && qmMap.lastTrack.id === {v8.pk}")
    assert page.evaluate("qmMap.lastTrack.fixes") == 20
    assert page.locator("path.last-track").count() == 1
    page.wait_for_function("document.querySelector('#vehicle-card .card-track')?.textContent === '20 定位点 · 60 分钟'")
    assert page.locator("#vehicle-card .card-locate").count() == 0  # not a JT/T 808 terminal

    # A new fix extends the drawn track while the card is open.
    store_fixes([(v8, now + dt.timedelta(seconds=5), 119.962, 31.781, 30.0, 45.0)])
    page.wait_for_function("qmMap.lastTrack.fixes === 21")
    page.evaluate("qmMap.map.fitBounds(document.querySelector('path.last-track') && "
                  "L.latLngBounds([[31.769, 119.939], [31.782, 119.963]]), {animate: false})")
    screenshot(page, "map-last-track")

    # Another vehicle's card replaces it; the JT/T 808 one keeps its "locate now" button.
    page.evaluate(f"qmMap.openCard({jt.pk})")
    page.wait_for_function(f"qmMap.lastTrack.id === {jt.pk}")
    assert page.evaluate("qmMap.lastTrack.fixes") == 1
    assert page.locator("path.last-track").count() == 1
    assert page.locator("#vehicle-card .card-locate").inner_text() == "立即定位"
    page.evaluate("qmMap.map.closePopup()")
    page.wait_for_function("document.querySelectorAll('path.last-track').length === 0")
    assert page.errors == []
