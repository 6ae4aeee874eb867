"""Reads off the primary, on a real streaming replica (tests/support/replica.py): the map, its stream and the API's
reads come from the replica, a lagging replica is shown as "数据延迟 N 秒" and left for the primary past
QM_REPLICA_MAX_LAG_SECONDS, requests that write and a replica that is down use the primary; without a replica the
router changes nothing."""
import datetime as dt
import json
import re
import time

import pytest
from django.db import DatabaseError, InterfaceError, transaction
from django.test import Client
from django.utils import timezone

from quartermaster import dbrouter
from telematics.live import selectors
from telematics.live.stream import FleetStream
from telematics.models import Vehicle
from telematics.tracking.store import PositionRow, store_positions
from tests.support.fixtures import make_user
from tests.support.replica import wait_until

# Only committed rows reach a replica; the module's tests run with the `replica` alias (tests/support/replica.py).
pytestmark = [pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
              pytest.mark.usefixtures("replica_alias")]

DELAY_LABEL = re.compile(r'<p id="replica-delay" class="replica-delay" role="status"( hidden)?>数据延迟 (\d+) 秒</p>')


@pytest.fixture
def fleet(bureau):
    vehicle = Vehicle.objects.create(plate="苏D·R0001", unit=bureau["units"]["CZ-TN-01"], seats=5, terminal_id="R0001")
    return {"vehicle": vehicle, "admin": make_user("admin", None, superuser=True)}


def store(vehicle, ts, lat, lon=119.95):
    with transaction.atomic():
        store_positions([PositionRow(terminal=vehicle.terminal_id, ts=ts, vehicle_id=vehicle.pk, lat=lat, lon=lon,
                                     speed=30.0, heading=90.0, acc=True, seq=None, grid_code="320402001001001",
                                     venue_id=None, received_at=timezone.now())])


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def snapshot(client, vehicle):
    response = client.get("/map/snapshot.json")
    assert response.status_code == 200
    body = response.json()
    row = next(v for v in body["vehicles"] if v["id"] == vehicle.pk)
    return response, body["delay_s"], row["lat"]


def delay_label(client) -> tuple[bool, int]:
    """(shown, seconds) of the map page's delay banner."""
    found = DELAY_LABEL.search(client.get("/map/").content.decode())
    assert found, "the map page carries the delay banner"
    return found.group(1) is None, int(found.group(2))


def events(stream, max_s):
    out = []
    for chunk in stream.events(max_s=max_s):
        lines = dict(line.split(": ", 1) for line in chunk.decode().strip().splitlines()
                     if not line.startswith(":") and ": " in line)
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_a_write_on_the_primary_is_read_from_the_replica(fleet, replica, api_client_for):
    vehicle, now = fleet["vehicle"], timezone.now().replace(microsecond=0)
    store(vehicle, now - dt.timedelta(seconds=5), 31.78)
    replica.caught_up()
    client = client_for(fleet["admin"])
    response, delay, lat = snapshot(client, vehicle)
    assert response["X-QM-Read-From"] == "replica" and float(response["X-QM-Replica-Lag"]) < 1
    assert (delay, lat) == (0, 31.78)
    assert delay_label(client) == (False, 0)
    listed = api_client_for(fleet["admin"]).get("/api/v1/vehicles/")
    assert listed.status_code == 200 and listed["X-QM-Read-From"] == "replica"
    assert [v["plate"] for v in listed.json()["results"]] == ["苏D·R0001"]
    # An object read from the replica is saved on the primary (the replica refuses writes).
    with dbrouter.reading(dbrouter.choose()):
        copy = Vehicle.objects.get(pk=vehicle.pk)
    assert copy._state.db == dbrouter.REPLICA
    copy.seats = 7
    copy.save()
    assert Vehicle.objects.get(pk=vehicle.pk).seats == 7


def test_a_lagging_replica_is_labelled_then_left_for_the_primary(fleet, replica, settings):
    settings.QM_REPLICA_MAX_LAG_SECONDS = 6
    vehicle, now = fleet["vehicle"], timezone.now().replace(microsecond=0)
    store(vehicle, now - dt.timedelta(seconds=10), 31.78)
    replica.pause()
    store(vehicle, now, 31.79)  # on the primary only, while the replica's replay is paused
    wait_until(lambda: (replica.lag() or 0) >= 1.2, what="the replica 1 s behind")
    client = client_for(fleet["admin"])

    response, delay, lat = snapshot(client, vehicle)
    assert response["X-QM-Read-From"] == "replica" and 1.2 <= float(response["X-QM-Replica-Lag"]) <= 6
    assert lat == 31.78 and 1 <= delay <= 6, "the replica's older position, with how late it is"
    shown, seconds = delay_label(client)
    assert shown and 1 <= seconds <= 6
    english = client_for(fleet["admin"])
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert re.search(r'<p id="replica-delay" class="replica-delay" role="status">Data delayed by \d s</p>',
                     english.get("/map/").content.decode())

    wait_until(lambda: replica.lag() > 6.2, what="the replica more than QM_REPLICA_MAX_LAG_SECONDS behind", timeout=30)
    response, delay, lat = snapshot(client, vehicle)
    assert response["X-QM-Read-From"] == "primary" and "X-QM-Replica-Lag" not in response
    assert (delay, lat) == (0, 31.79), "beyond the limit the primary's current position, unlabelled"
    assert delay_label(client)[0] is False


def test_the_stream_says_how_late_it_reads_and_switches_to_the_primary(fleet, replica, settings):
    settings.QM_REPLICA_MAX_LAG_SECONDS = 3
    vehicle, now = fleet["vehicle"], timezone.now().replace(microsecond=0)
    store(vehicle, now - dt.timedelta(seconds=10), 31.78)
    replica.pause()
    start = selectors.newest_arrival()
    store(vehicle, now, 31.79)
    wait_until(lambda: (replica.lag() or 0) >= 1.2, what="the replica 1 s behind")
    stream = FleetStream(user=fleet["admin"], arrival=start, since=timezone.now())
    got = events(stream, max_s=4.0)

    delays = [(data["delay_s"], data["source"]) for name, data in got if name == "delay"]
    assert delays[0][1] == "replica" and delays[0][0] >= 1, got
    assert delays[-1] == (0, "primary"), got
    switched = got.index(("delay", {"delay_s": 0, "source": "primary"}))
    fixes = [(i, fix[2]) for i, (name, data) in enumerate(got) if name == "fixes" for fix in data]
    assert [lat for _, lat in fixes] == [31.79], got
    assert fixes[0][0] > switched, "the new fix comes with the primary, never unlabelled from the replica"
    on_replica = [seconds for seconds, source in delays if source == "replica"]
    assert on_replica == sorted(on_replica) and all(s >= 1 for s in on_replica)


def test_requests_that_write_use_the_primary(fleet, replica, api_client_for):
    replica.pause()
    vehicle = Vehicle.objects.create(plate="苏D·R0002", unit=fleet["vehicle"].unit, seats=5)  # not on the replica
    api = api_client_for(fleet["admin"])
    read = api.get(f"/api/v1/vehicles/{vehicle.pk}/")
    assert read.status_code == 404 and read["X-QM-Read-From"] == "replica", "the GET read the paused replica"
    assert float(read["X-QM-Replica-Lag"]) >= 0, "and says how far behind it is"
    posted = api.post(f"/api/v1/vehicles/{vehicle.pk}/change_status/", {"status": "in_repair", "note": "送修"},
                      format="json")
    assert posted.status_code == 200, posted.content
    assert posted.json()["status"] == "in_repair" and "X-QM-Read-From" not in posted
    assert Vehicle.objects.get(pk=vehicle.pk).status == "in_repair"


def test_a_replica_that_is_down_leaves_the_reads_to_the_primary(fleet, replica, api_client_for):
    vehicle, now = fleet["vehicle"], timezone.now().replace(microsecond=0)
    store(vehicle, now, 31.78)
    replica.caught_up()
    replica.connection.close()
    replica.server.stop()
    try:
        dbrouter.forget()
        response, delay, lat = snapshot(client_for(fleet["admin"]), vehicle)
        assert response["X-QM-Read-From"] == "primary" and (delay, lat) == (0, 31.78)
        listed = api_client_for(fleet["admin"]).get("/api/v1/vehicles/")
        assert listed.status_code == 200 and listed["X-QM-Read-From"] == "primary"
    finally:
        replica.server.start()
    dbrouter.forget()

    def streaming():
        replica.connection.close()
        try:
            return replica.lag() is not None
        except (DatabaseError, InterfaceError):  # still starting
            return False

    wait_until(streaming, what="the replica streaming again", timeout=30)
    assert snapshot(client_for(fleet["admin"]), vehicle)[0]["X-QM-Read-From"] == "replica"


def test_replica_settings_are_checked():
    sqlite = {"replica": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}}
    assert [e.id for e in dbrouter.replica_errors(sqlite, 0)] == ["qm.E311", "qm.E312"]
    assert dbrouter.replica_errors({"replica": {"ENGINE": "django.db.backends.postgresql", "NAME": "qm"}}, 30) == []
    assert dbrouter.check_replica_settings() == []  # the suite's own settings


def test_a_quiet_spell_is_not_taken_for_lag(fleet, replica, settings):
    """After a quiet spell PostgreSQL's measure reads the primary's next write as old as the spell until it is
    replayed; the router knows the replica was caught up a moment before, and so how little it can miss."""
    settings.QM_REPLICA_MAX_LAG_SECONDS = 2
    store(fleet["vehicle"], timezone.now(), 31.78)
    replica.caught_up()
    time.sleep(2.5)  # nothing written
    assert dbrouter.choose() == dbrouter.ReadRoute(dbrouter.REPLICA, 0.0)
    replica.pause()
    store(fleet["vehicle"], timezone.now(), 31.79)
    replica.received()
    assert replica.lag() > 2, "PostgreSQL's measure alone would leave the replica for the primary"
    route = dbrouter.choose()
    assert route.on_replica and route.lag < 1 and route.delay_s == 0
