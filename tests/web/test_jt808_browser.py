"""JT/T 808 on the fleet manager's pages, in headless Chromium against the live server: the alarm bits a terminal
kept with its fixes shown on the replay page's track, and "立即定位" (locate now) on the live map's vehicle card
answered by a simulated terminal through the real gateway and Mosquitto."""
import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone

from telematics.models import Vehicle
from telematics.tracking.decoders.jt808 import ALARM_BITS
from telematics.tracking.store import PositionRow, store_positions
from tests.support.fixtures import make_user
from tests.support.jt808 import GatewayThread
from tests.telematics.tracking.test_jt808_locate import ConnectedTerminal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "013511221122"
BIT = {name: 1 << bit for bit, name in ALARM_BITS.items()}


def store(vehicle, rows):
    """(ts, lon, lat, speed, alarm word or None) rows through the position store's writer, committed."""
    with transaction.atomic():
        store_positions([PositionRow(terminal=vehicle.terminal_id, ts=ts, vehicle_id=vehicle.pk, lat=lat, lon=lon,
                                     speed=speed, heading=90.0, acc=True, seq=None, grid_code="", venue_id=None,
                                     received_at=timezone.now(),
                                     attrs=None if word is None else json.dumps({"alarm": word, "status": 3}))
                         for ts, lon, lat, speed, word in rows])


def test_replay_shows_the_terminals_alarms_on_the_track(bureau, live_server, browser_page, screenshot):
    vehicle = Vehicle.objects.create(plate="苏D·J8081", unit=bureau["units"]["CZ-TN-01"], seats=5, terminal_id=PHONE)
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    words = {5: BIT["overspeed"], 12: BIT["power_cut"] | BIT["antenna_cut"],
             18: BIT["gnss_fault"]}  # a bit the track does not show: no marker
    store(vehicle, [(start + dt.timedelta(seconds=30 * k), 119.94 + 0.0005 * k, 31.78, 60.0 if k == 5 else 30.0,
                     words.get(k, 0 if k % 2 else None)) for k in range(30)])

    page = browser_page(make_user("fleet-tn", "fleet", bureau["units"]["CZ-TN"]))
    local = timezone.localtime(start - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    page.goto(f"{live_server.url}/map/replay/?vehicle={vehicle.pk}&start={local}")
    page.wait_for_function("window.qmReplay && window.qmReplay.loaded")
    assert page.evaluate("[qmReplay.fixes, qmReplay.alarms]") == [30, 2]
    assert page.locator(".replay-alarm").count() == 2
    items = page.locator("#replay-alarms li").all_inner_texts()
    first = timezone.localtime(start + dt.timedelta(seconds=150)).strftime("%H:%M:%S")
    assert first in items[0] and "超速报警" in items[0]
    assert "主电源掉电" in items[1] and "天线断路" in items[1] and "超速" not in items[1]
    assert page.locator("#replay-alarms-box").is_visible()
    page.locator("#replay-alarms li").nth(1).click()  # zooms to the fix
    page.locator(".replay-alarm").nth(1).hover()
    assert "主电源掉电" in page.locator(".leaflet-tooltip").inner_text()
    screenshot(page, "replay-jt808-alarms")
    assert page.errors == []


@pytest.mark.mqtt
def test_locate_now_on_the_map_card(bureau, live_server, browser_page, screenshot, mqtt_url, settings):
    prefix = "locmap"
    settings.QM_MQTT_URL, settings.QM_TOPIC_PREFIX, settings.QM_JT808_COMMAND_WAIT_S = mqtt_url, prefix, 10.0
    unit = bureau["units"]["CZ-TN-01"]
    vehicle = Vehicle.objects.create(plate="苏D·J8082", unit=unit, seats=5, terminal_id=PHONE)
    mqtt_vehicle = Vehicle.objects.create(plate="苏D·J8083", unit=unit, seats=5, terminal_id="T-MQTT-9")
    now = timezone.now().replace(microsecond=0)
    store(vehicle, [(now - dt.timedelta(seconds=30), 119.95, 31.78, 0.0, 0)])
    store(mqtt_vehicle, [(now - dt.timedelta(seconds=30), 119.951, 31.781, 0.0, None)])

    gateway = GatewayThread(mqtt_url, prefix)
    try:
        with ConnectedTerminal(gateway.port, PHONE):
            auditor = browser_page(make_user("auditor-tn", "auditor", bureau["units"]["CZ-TN"]))
            auditor.goto(f"{live_server.url}/map/")
            auditor.wait_for_function("window.qmMap && window.qmMap.ready")
            auditor.evaluate(f"qmMap.map.setView(qmMap.markers[{vehicle.pk}].getLatLng(), 18, {{animate: false}})")
            auditor.locator(f'.qm-vehicle[data-vehicle="{vehicle.pk}"]').click()
            auditor.locator("#vehicle-card").wait_for()
            assert auditor.locator(".card-locate").count() == 0  # an auditor cannot command a terminal

            page = browser_page(make_user("fleet-tn", "fleet", bureau["units"]["CZ-TN"]))
            page.goto(f"{live_server.url}/map/")
            page.wait_for_function("window.qmMap && window.qmMap.ready")
            page.evaluate(f"qmMap.map.setView(qmMap.markers[{mqtt_vehicle.pk}].getLatLng(), 18, {{animate: false}})")
            page.locator(f'.qm-vehicle[data-vehicle="{mqtt_vehicle.pk}"]').click()
            page.locator("#vehicle-card").wait_for()
            assert page.locator(".card-locate").count() == 0  # not a JT/T 808 terminal
            page.evaluate("qmMap.map.closePopup()")
            page.evaluate(f"qmMap.map.setView(qmMap.markers[{vehicle.pk}].getLatLng(), 18, {{animate: false}})")
            page.locator(f'.qm-vehicle[data-vehicle="{vehicle.pk}"]').click()
            page.locator(f'#vehicle-card[data-vehicle="{vehicle.pk}"] .card-locate').click()
            page.wait_for_function("qmMap.located && qmMap.located.fix", timeout=20_000)
            assert page.evaluate("[qmMap.located.fix.lat, qmMap.located.fix.lon]") == [31.7806, 119.9512]
            card = page.locator(f'#vehicle-card[data-vehicle="{vehicle.pk}"]')
            card.locator(".card-located:not(:empty)").wait_for()
            answer = card.locator(".card-located").inner_text()
            assert "终端应答" in answer and "31.780600, 119.951200" in answer
            assert page.locator("path.located-fix").count() == 1
            assert page.evaluate(f"qmMap.markers[{vehicle.pk}].isPopupOpen()")  # the card stayed open
            screenshot(page, "map-jt808-locate-now")
        assert gateway.gateway.counters["command.locate"] == 1
    finally:
        gateway.stop()
    assert page.errors == [] and auditor.errors == []


@pytest.mark.mqtt
def test_reporting_interval_from_the_map_card(bureau, live_server, browser_page, screenshot, mqtt_url, settings):
    prefix = "intmap"
    settings.QM_MQTT_URL, settings.QM_TOPIC_PREFIX, settings.QM_JT808_COMMAND_WAIT_S = mqtt_url, prefix, 10.0
    vehicle = Vehicle.objects.create(plate="苏D·J8084", unit=bureau["units"]["CZ-TN-01"], seats=5, terminal_id=PHONE)
    store(vehicle, [(timezone.now().replace(microsecond=0) - dt.timedelta(seconds=30), 119.95, 31.78, 0.0, 0)])

    gateway = GatewayThread(mqtt_url, prefix)
    try:
        with ConnectedTerminal(gateway.port, PHONE) as connected:
            page = browser_page(make_user("fleet-tn", "fleet", bureau["units"]["CZ-TN"]))
            page.goto(f"{live_server.url}/map/")
            page.wait_for_function("window.qmMap && window.qmMap.ready")
            page.evaluate(f"qmMap.map.setView(qmMap.markers[{vehicle.pk}].getLatLng(), 18, {{animate: false}})")
            page.locator(f'.qm-vehicle[data-vehicle="{vehicle.pk}"]').click()
            page.locator(f'#vehicle-card[data-vehicle="{vehicle.pk}"] .card-interval').click()
            dialog = page.locator("#interval-dialog")
            dialog.wait_for()
            assert "苏D·J8084" in page.locator("#interval-title").inner_text()
            page.locator("#interval-submit").click()  # nothing filled in: refused in the page, nothing sent
            assert page.locator("#interval-error").is_visible()
            page.locator("#interval-seconds").fill("20")
            page.locator("#interval-sleep").fill("600")
            page.locator("#interval-submit").click()
            page.wait_for_function("qmMap.intervalAnswer", timeout=20_000)
            assert page.evaluate("[qmMap.intervalAnswer.status, qmMap.intervalAnswer.result]") == ["ok", 0]
            assert (connected.terminal.interval_s, connected.terminal.sleep_interval_s) == (20, 600)
            answer = page.locator("#interval-answer").inner_text()
            assert "终端已接受" in answer and "缺省 20 秒" in answer and "休眠 600 秒" in answer
            screenshot(page, "map-jt808-report-interval")
            page.locator("#interval-cancel").click()
            card = page.locator(f'#vehicle-card[data-vehicle="{vehicle.pk}"] .card-interval-answer')
            assert "终端已接受" in card.inner_text()
        assert gateway.gateway.counters["command.interval"] == 1
    finally:
        gateway.stop()
    page.goto(f"{live_server.url}/vehicles/{vehicle.pk}/")
    shown = page.locator("#report-interval").inner_text()
    assert "缺省 20 秒" in shown and "休眠 600 秒" in shown and "fleet-tn" in shown
    assert page.errors == []


def test_a_silence_after_a_power_cut_says_so_in_the_alert_panel(bureau, live_server, browser_page, screenshot):
    from telematics.tracking.models import Alert

    vehicle = Vehicle.objects.create(plate="苏D·J8085", unit=bureau["units"]["CZ-TN-01"], seats=5, terminal_id=PHONE)
    cut = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=50)
    store(vehicle, [(cut, 119.95, 31.78, 0.0, BIT["power_cut"])])
    common = {"vehicle": vehicle, "terminal": PHONE, "lat": 31.78, "lon": 119.95, "clause": "jiangsu 设备管理/执法车辆管理/5"}
    Alert.objects.create(kind="terminal_power_cut", started_at=cut, evidence={"alarm": BIT["power_cut"]}, **common)
    silent = Alert.objects.create(kind="terminal_silent", started_at=cut + dt.timedelta(seconds=30), evidence={
        "explained_by": [{"kind": "terminal_power_cut", "started_at": cut.isoformat()}]}, **common)

    page = browser_page(make_user("fleet-tn", "fleet", bureau["units"]["CZ-TN"]))
    page.goto(f"{live_server.url}/map/")
    page.wait_for_function("window.qmMap && window.qmMap.ready")
    item = page.locator(f'#alert-list li[data-alert="{silent.pk}"]')
    explained = item.locator(".alert-explained").inner_text()
    assert "静默前终端报警" in explained and "终端主电源掉电" in explained
    assert timezone.localtime(cut).strftime("%H:%M") in explained
    assert page.locator(".alert-explained").count() == 1  # the power cut itself explains nothing
    screenshot(page, "map-silence-explained-by-power-cut")
    assert page.errors == []
