"""The live map's server side on PostgreSQL: sign-in and role, unit scope of the snapshot and the replay page,
and the event stream (scope, newest fix only, late fixes, alert changes, cursors)."""
import datetime as dt
import json

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from quartermaster import dbrouter
from telematics.live import selectors
from telematics.live.stream import FleetStream, format_cursor, parse_cursor
from telematics.models import Vehicle
from telematics.tracking.models import Alert
from telematics.tracking.store import PositionRow, store_positions
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet(bureau):
    units = bureau["units"]
    tn = Vehicle.objects.create(plate="苏D·A0001", unit=units["CZ-TN-01"], seats=5, terminal_id="T0001")
    wj = Vehicle.objects.create(plate="苏D·A0002", unit=units["CZ-WJ-01"], seats=5, terminal_id="T0002")
    idle = Vehicle.objects.create(plate="苏D·A0003", unit=units["CZ-TN-02"], seats=5, terminal_id="T0003")
    return {"units": units, "tn": tn, "wj": wj, "idle": idle}


def store(vehicle, ts, lon, lat, speed=30.0, heading=90.0, grid="320402001001001"):
    with transaction.atomic():
        return store_positions([PositionRow(terminal=vehicle.terminal_id, ts=ts, vehicle_id=vehicle.pk, lat=lat, lon=lon,
                                            speed=speed, heading=heading, acc=True, seq=None, grid_code=grid,
                                            venue_id=None, received_at=timezone.now())])[0]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def events(stream, max_s=0.6):
    """The stream's events as (name, data) pairs until max_s has passed."""
    out = []
    for chunk in stream.events(max_s=max_s):
        lines = dict(line.split(": ", 1) for line in chunk.decode().strip().splitlines() if not line.startswith(":")
                     and ": " in line)
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"]), lines["id"]))
    return out


def test_pages_need_sign_in_and_a_role(fleet):
    no_role = client_for(make_user("norole", None))
    for url in ("/map/", "/map/snapshot.json", "/map/stream/", "/map/replay/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
        assert no_role.get(url).status_code == 403, url


def load_street(name="延陵西路", lat=31.781):
    """A places layer of one street running east-west at `lat`: fixes on it are labelled with its name."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from gis import services

    frame = gpd.GeoDataFrame([{"name": name, "kind": "street", "geometry": LineString([(119.94, lat), (119.96, lat)])}],
                             geometry="geometry", crs="EPSG:4326")
    services.layer_load_frame(layer="places", frame=frame, source_file="test")
    services.spatial_index_invalidate()


def test_snapshot_is_scoped_and_carries_newest_fix_and_ongoing_alerts(fleet):
    load_street(lat=31.7901)  # 11 m north of the newest fix: on the street
    now = timezone.now().replace(microsecond=0)
    store(fleet["tn"], now - dt.timedelta(seconds=20), 119.95, 31.78)
    store(fleet["tn"], now - dt.timedelta(seconds=10), 119.96, 31.79, speed=0.0)
    store(fleet["wj"], now, 119.90, 31.70)
    alert = Alert.objects.create(vehicle=fleet["tn"], terminal="T0001", kind="venue_parking", started_at=now,
                                 clause="model 执法规范/执法行为/装备使用规范/1", lat=31.79, lon=119.96)

    admin = client_for(make_user("admin", None, superuser=True)).get("/map/snapshot.json").json()
    assert {v["plate"] for v in admin["vehicles"]} == {"苏D·A0001", "苏D·A0002", "苏D·A0003"}
    tn = next(v for v in admin["vehicles"] if v["id"] == fleet["tn"].pk)
    assert (tn["lat"], tn["lon"], tn["speed"], tn["grid"]) == (31.79, 119.96, 0.0, "320402001001001")
    assert tn["ongoing_alerts"] == [alert.pk] and tn["unit"] == "CZ-TN-01" and tn["place"] == "延陵西路"
    idle = next(v for v in admin["vehicles"] if v["id"] == fleet["idle"].pk)
    assert idle["ts"] is None and idle["lat"] is None and idle["place"] == ""
    assert [a["id"] for a in admin["alerts"]] == [alert.pk]
    assert admin["alerts"][0]["place"] == "延陵西路"  # raised without a label (older data): labelled when shown
    assert parse_cursor(admin["cursor"])[0] == selectors.newest_arrival()

    brigade = make_user("wj", "fleet", fleet["units"]["CZ-WJ"])
    scoped = client_for(brigade).get("/map/snapshot.json").json()
    assert [v["plate"] for v in scoped["vehicles"]] == ["苏D·A0002"]
    assert scoped["alerts"] == []
    page = client_for(brigade).get("/map/")
    assert page.status_code == 200 and "CZ-WJ-01" in page.content.decode() and "CZ-TN-01" not in page.content.decode()
    replay = client_for(brigade).get("/map/replay/").content.decode()
    assert "苏D·A0002" in replay and "苏D·A0001" not in replay


def test_map_page_passes_tile_settings(fleet, settings):
    settings.QM_TILE_URL = "http://tiles.example/{z}/{x}/{y}.png"
    settings.QM_TILE_CRS = "gcj02"
    html = client_for(make_user("admin", None, superuser=True)).get("/map/").content.decode()
    assert '"url": "http://tiles.example/{z}/{x}/{y}.png"' in html and '"tileCrs": "gcj02"' in html
    assert '"basemap": "custom"' in html
    assert "/static/live/vendor/leaflet/leaflet.js" in html and "unpkg" not in html and "cdn" not in html.lower()
    assert '"canReview": true' in html


def test_only_fleet_managers_and_administrators_get_review_buttons(fleet):
    auditor = client_for(make_user("auditor", "auditor", fleet["units"]["CZ"])).get("/map/").content.decode()
    assert '"canReview": false' in auditor
    fleet_manager = client_for(make_user("fleet", "fleet", fleet["units"]["CZ-TN"])).get("/map/").content.decode()
    assert '"canReview": true' in fleet_manager


def test_stream_sends_new_fixes_in_scope_newest_only(fleet):
    user = make_user("tn", "fleet", fleet["units"]["CZ-TN"])
    load_street()
    now = timezone.now().replace(microsecond=0)
    start = selectors.newest_arrival()
    store(fleet["tn"], now - dt.timedelta(seconds=2), 119.95, 31.78)
    store(fleet["tn"], now - dt.timedelta(seconds=1), 119.951, 31.781, heading=45.0)
    store(fleet["wj"], now, 119.90, 31.70)  # another brigade's: never sent to this user
    stream = FleetStream(user=user, arrival=start, since=now)
    got = events(stream)
    fixes = [f for name, data, _ in got if name == "fixes" for f in data]
    assert fixes == [[fleet["tn"].pk, round((now - dt.timedelta(seconds=1)).timestamp() * 1000), 31.781, 119.951,
                      30.0, 45.0, "320402001001001", "延陵西路"]]
    # A fix older than the one shown arrives late: the marker must not jump back.
    store(fleet["tn"], now - dt.timedelta(seconds=5), 119.94, 31.77)
    assert [name for name, _, _ in events(stream)] == []
    store(fleet["tn"], now + dt.timedelta(seconds=1), 119.952, 31.782)
    again = events(stream)
    assert [(name, data[0][2]) for name, data, _ in again] == [("fixes", 31.782)]
    assert parse_cursor(again[0][2])[0] == selectors.newest_arrival()


def test_stream_far_behind_skips_to_the_newest_fix_and_asks_for_a_snapshot(fleet):
    user = make_user("tn", "fleet", fleet["units"]["CZ-TN"])
    now = timezone.now().replace(microsecond=0)
    start = selectors.newest_arrival()
    for k in range(3):
        store(fleet["tn"], now - dt.timedelta(seconds=10 - k), 119.95 + k / 1000, 31.78)
    stream = FleetStream(user=user, arrival=start, since=now)
    stream.backlog_max = 2
    got = events(stream, max_s=0.1)
    assert [name for name, _, _ in got] == ["resync"]
    assert parse_cursor(got[0][2])[0] == selectors.newest_arrival()
    store(fleet["tn"], now, 119.96, 31.79)
    assert [(name, data[0][3]) for name, data, _ in events(stream)] == [("fixes", 119.96)]


def test_stream_sends_alert_changes_and_honours_the_cursor(fleet):
    user = make_user("tn", "fleet", fleet["units"]["CZ-TN"])
    before = timezone.now()
    alert = Alert.objects.create(vehicle=fleet["tn"], terminal="T0001", kind="off_duty_use", started_at=before,
                                 clause="jiangsu 设备管理/执法车辆管理/5")
    Alert.objects.create(vehicle=fleet["wj"], terminal="T0002", kind="off_duty_use", started_at=before,
                         clause="jiangsu 设备管理/执法车辆管理/5")
    stream = FleetStream(user=user, arrival=selectors.newest_arrival(), since=before - dt.timedelta(seconds=1))
    got = [(name, data) for name, data, _ in events(stream) if name == "alerts"]
    assert [(a["id"], a["status"], a["ongoing"], a["plate"]) for _, data in got for a in data] == [
        (alert.pk, "open", True, "苏D·A0001")]
    assert events(stream) == []  # sent once, not again within the lookback
    stream.resync_s = 0  # restate which alerts await review on every poll
    assert next(data for name, data, _ in events(stream, max_s=0.1) if name == "review") == [alert.pk]
    alert.status = "acknowledged"
    alert.save()
    got = events(stream)
    assert [a["status"] for name, data, _ in got if name == "alerts" for a in data] == ["acknowledged"]
    assert [data for name, data, _ in got if name == "review"][-1] == []  # it leaves the panel's review set

    client = client_for(user)
    cursor = format_cursor(selectors.newest_arrival(), timezone.now())
    response = client.get("/map/stream/", HTTP_LAST_EVENT_ID=cursor)
    assert response["Content-Type"].startswith("text/event-stream")
    assert next(iter(response.streaming_content)) == b"retry: 1000\n\n"
    response.close()


def test_cursor_parsing_rejects_junk():
    assert parse_cursor("12|2026-11-23T10:00:00+00:00")[0] == 12
    for junk in (None, "", "12", "x|2026-11-23T10:00:00+00:00", "12|yesterday", "12|2026-11-23T10:00:00"):
        assert parse_cursor(junk) is None


def test_stream_keeps_the_requests_language(fleet, monkeypatch):
    """The body is produced after the locale middleware has reset the language: alert labels must still follow
    the language of the request that opened the stream."""
    from django.utils import translation

    from telematics.live import stream as stream_module

    seen = []
    real = stream_module.selectors.alert_row
    monkeypatch.setattr(stream_module.selectors, "alert_row",
                        lambda alert: seen.append(translation.get_language()) or real(alert))
    user = make_user("tn", "fleet", fleet["units"]["CZ-TN"])
    before = timezone.now()
    Alert.objects.create(vehicle=fleet["tn"], terminal="T0001", kind="off_duty_use", started_at=before,
                         clause="jiangsu 设备管理/执法车辆管理/5")
    with translation.override("en"):
        stream = FleetStream(user=user, arrival=selectors.newest_arrival(), since=before - dt.timedelta(seconds=1))
    with translation.override("zh-hans"):
        events(stream)
    assert seen == ["en"]


def test_without_a_replica_the_map_reads_the_primary_unlabelled(fleet):
    """The database router is a no-op where no replica is configured (tests/quartermaster/test_dbrouter.py has one)."""
    assert not dbrouter.configured() and dbrouter.choose() == dbrouter.PRIMARY
    store(fleet["tn"], timezone.now(), 119.95, 31.78)
    admin = client_for(make_user("admin", None, superuser=True))
    response = admin.get("/map/snapshot.json")
    assert "X-QM-Read-From" not in response and response.json()["delay_s"] == 0
    assert '<p id="replica-delay" class="replica-delay" role="status" hidden>' in admin.get("/map/").content.decode()
    stream = FleetStream(user=make_user("tn", "fleet", fleet["units"]["CZ-TN"]), arrival=0, since=timezone.now())
    assert [name for name, _, _ in events(stream, max_s=0.3)] == ["fixes"], "no `delay` event without a replica"
