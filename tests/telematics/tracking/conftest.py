"""Fixtures of the tracking tests: a small city (layers, vehicles, duty hours), a real ingest process, a publisher."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from shapely.geometry import LineString
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import box

from quartermaster.dburl import connection_url

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[3]
# The city: CZ-TN's jurisdiction is a 6 km box; one restaurant (point, 30 m) and one KTV (polygon) inside it.
JURISDICTION = (119.93, 31.76, 119.99, 31.82)
RESTAURANT = (119.960, 31.790)
KTV = (119.970, 31.790)
DEPOT = (119.950, 31.780)
OUTSIDE = (120.02, 31.790)  # ~2.9 km east of the jurisdiction


def local(day: dt.date, hhmm: str) -> float:
    h, m = map(int, hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=SHANGHAI).timestamp()


def load_city():
    import gis.services
    from gis.services import layer_load_frame, spatial_index_invalidate
    cells = []
    x0, y0, x1, y1 = JURISDICTION
    step = 0.02
    for j in range(3):
        for i in range(3):
            cells.append({"code": f"3204020010010{j}{i}", "unit": "CZ-TN-01",
                          "geometry": box(x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step)})
    layer_load_frame(layer="grid", frame=gpd.GeoDataFrame(cells, geometry="geometry", crs="EPSG:4326"),
                     source_file="test grid")
    venues = [{"name": "老街酒楼", "category": "restaurant", "radius_m": 30.0, "geometry": ShapelyPoint(*RESTAURANT)},
              {"name": "欢乐KTV", "category": "entertainment", "radius_m": None,
               "geometry": box(KTV[0] - 0.0003, KTV[1] - 0.0003, KTV[0] + 0.0003, KTV[1] + 0.0003)}]
    layer_load_frame(layer="venues", frame=gpd.GeoDataFrame(venues, geometry="geometry", crs="EPSG:4326"),
                     source_file="test venues")
    layer_load_frame(layer="jurisdictions", frame=gpd.GeoDataFrame(
        [{"unit": "CZ-TN", "geometry": box(*JURISDICTION)}], geometry="geometry", crs="EPSG:4326"),
        source_file="test jurisdictions")
    # Named places for the alerts' place labels: a street past the restaurant, one past the depot, a community.
    places = [{"name": "延陵中路", "kind": "street", "geometry": LineString([(119.93, 31.7903), (119.99, 31.7903)])},
              {"name": "和平北路", "kind": "street", "geometry": LineString([(119.9502, 31.76), (119.9502, 31.82)])},
              {"name": "天宁寺社区", "kind": "community", "geometry": box(119.94, 31.77, 119.98, 31.81)},
              {"name": "天宁区", "kind": "district", "geometry": box(*JURISDICTION)}]
    layer_load_frame(layer="places", frame=gpd.GeoDataFrame(places, geometry="geometry", crs="EPSG:4326"),
                     source_file="test places")
    spatial_index_invalidate()
    gis.services._cached = None


@pytest.fixture(autouse=True)
def replaying_history(settings):
    """The in-process pipelines of these tests replay fixed days (2026-10-10, 2026-11-18, …): the fix-age limit is
    off, as for any replay of history, so they pass on any date. Tests of the limit set it themselves."""
    settings.QM_MAX_FIX_AGE_DAYS = 0


@pytest.fixture
def city(bureau):
    """The bureau plus layers, vehicles V1..V8 (terminals T0001..T0008, OwnTracks phone `officer/phone`) of
    CZ-TN-01, on duty Monday-Friday 08:00-18:00 (set on CZ-TN, inherited)."""
    from telematics.calendar import invalidate_calendar, invalidate_trips
    from telematics.models import DutySchedule, Vehicle

    units = bureau["units"]
    load_city()
    DutySchedule.objects.create(unit=units["CZ-TN"], weekdays="1,2,3,4,5", start=dt.time(8), end=dt.time(18))
    # bulk_create: these tests are about tracking, not about the vehicle file's change log.
    rows = [Vehicle(plate=f"苏D·A000{n}", unit=units["CZ-TN-01"], seats=5, terminal_id=f"T000{n}") for n in range(1, 9)]
    rows.append(Vehicle(plate="苏D·P0001", unit=units["CZ-TN-01"], seats=5, terminal_id="officer/phone"))
    Vehicle.objects.bulk_create(rows)
    vehicles = {f"V{n}": Vehicle.objects.get(terminal_id=f"T000{n}") for n in range(1, 9)}
    vehicles["phone"] = Vehicle.objects.get(terminal_id="officer/phone")
    invalidate_calendar()
    invalidate_trips()
    return {"units": units, "vehicles": vehicles}


class IngestProcess:
    """`qm ingest` as a subprocess on the test database.

    Each one has its own MQTT client id (kept across restarts of the same IngestProcess): the ingest's session is
    persistent, and a session left on the broker by an earlier test would hand this one that test's messages."""

    def __init__(self, mqtt_url: str, *args: str, env: dict | None = None):
        self.url = mqtt_url
        self.client_id = f"qm-ingest-test-{uuid.uuid4().hex[:12]}"
        # QM_MAX_FIX_AGE_DAYS=0: the tests replay fixed days of history (2026-11-18, …) and must pass on any date;
        # the tests of the limit itself pass env={"QM_MAX_FIX_AGE_DAYS": …}.
        self.env = {**os.environ, "QM_DATABASE_URL": connection_url(), "QM_MQTT_URL": mqtt_url,
                    "QM_CHECKPOINT_S": "1", "QM_INGEST_BATCH_MS": "20", "QM_LOG_LEVEL": "WARNING",
                    "QM_MAX_FIX_AGE_DAYS": "0", **(env or {})}
        if "--client-id" not in args:
            args = (*args, "--client-id", self.client_id)
        self.args = args
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []

    def start(self, timeout: float = 60, ready_text: str = "subscribed") -> "IngestProcess":
        """Starts it and waits until it prints `ready_text` (fails after `timeout` seconds)."""
        self.output = []
        self.proc = subprocess.Popen([str(ROOT / ".venv/bin/qm"), "ingest", *self.args], env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        ready = threading.Event()

        def read():
            for line in self.proc.stdout:
                self.output.append(line)
                if ready_text in line:
                    ready.set()
        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.2) and time.monotonic() < deadline and self.proc.poll() is None:
            pass
        if not ready.is_set():
            self.kill()
            raise AssertionError("ingest did not subscribe:\n" + "".join(self.output))
        return self

    def stop(self) -> dict:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
        time.sleep(0.1)
        for line in reversed(self.output):
            if line.startswith("{"):
                return json.loads(line)["counters"]
        raise AssertionError("no counters printed:\n" + "".join(self.output))

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def forget_session(self) -> None:
        """Ends the persistent session on the broker so it stops queueing messages for a finished test."""
        from telematics.tracking.ingest import parse_mqtt_url

        server = parse_mqtt_url(self.url)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5)
        if server["username"]:
            client.username_pw_set(server["username"], server["password"])
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 0
        try:
            client.connect(server["host"], server["port"], clean_start=True, properties=props)
            client.disconnect()
        except OSError:  # the broker is gone (a private one already stopped): so is the session
            pass


@pytest.fixture
def ingest(mqtt_url):
    """ingest(*args, url=None, env=None) -> a started IngestProcess; all are killed at teardown."""
    started = []

    def start(*args, url=None, env=None):
        proc = IngestProcess(url or mqtt_url, *args, env=env).start()
        started.append(proc)
        return proc
    yield start
    for proc in started:
        proc.kill()
        proc.forget_session()


class Publisher:
    """A real paho client publishing at QoS 1 and waiting until the broker has each message."""

    def __init__(self, url: str, client_id: str = "", username: str | None = None, password: str | None = None):
        from telematics.tracking.ingest import parse_mqtt_url

        server = parse_mqtt_url(url)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
        if username or server["username"]:
            self.client.username_pw_set(username or server["username"], password or server["password"])
        self.client.connect(server["host"], server["port"])
        self.client.loop_start()

    def send(self, topic: str, payload, qos: int = 1) -> None:
        body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload, ensure_ascii=False)
        info = self.client.publish(topic, body, qos=qos)
        if qos:
            info.wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(mqtt_url):
    pubs = []

    def make(url=None, **kwargs):
        pub = Publisher(url or mqtt_url, **kwargs)
        pubs.append(pub)
        return pub
    yield make
    for pub in pubs:
        pub.close()


class Subscriber:
    """A real paho client collecting what the ingest publishes (e.g. `qm/alerts/+`) as (topic, JSON)."""

    def __init__(self, url: str, topic: str):
        from telematics.tracking.ingest import parse_mqtt_url

        server = parse_mqtt_url(url)
        self.received: list[tuple[str, dict]] = []
        subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        if server["username"]:
            self.client.username_pw_set(server["username"], server["password"])
        self.client.on_message = lambda c, u, msg: self.received.append((msg.topic, json.loads(msg.payload)))
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
        self.client.connect(server["host"], server["port"])
        self.client.loop_start()
        if not subscribed.wait(10):
            raise AssertionError(f"could not subscribe to {topic}")

    def of_kind(self, kind: str) -> list[dict]:
        return [body for topic, body in list(self.received) if topic.endswith(f"/alerts/{kind}")]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def subscriber(mqtt_url):
    """subscriber(topic, url=None) -> a started Subscriber; closed at teardown."""
    subs = []

    def make(topic, url=None):
        sub = Subscriber(url or mqtt_url, topic)
        subs.append(sub)
        return sub
    yield make
    for sub in subs:
        sub.close()


def wait_until(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


def fix(ts: float, lon: float, lat: float, speed: float = 0.0, **extra) -> dict:
    return {"ts": dt.datetime.fromtimestamp(ts, SHANGHAI).isoformat(), "lat": lat, "lon": lon, "speed": speed,
            **extra}


def drive(t0: float, start: tuple, end: tuple, *, minutes: float, every_s: float = 10, speed: float = 30.0):
    """Fixes moving in a straight line from start to end."""
    n = max(1, int(minutes * 60 / every_s))
    return [fix(t0 + k * every_s, start[0] + (end[0] - start[0]) * k / n, start[1] + (end[1] - start[1]) * k / n,
                speed) for k in range(1, n + 1)]


def park(t0: float, at: tuple, *, minutes: float, every_s: float = 10, seed: int = 1):
    """Fixes of a parked car drifting ±10 m around `at`, speed 0-3 km/h."""
    import random
    rnd = random.Random(seed)
    n = int(minutes * 60 / every_s)
    d = 10 / 111_320
    return [fix(t0 + k * every_s, at[0] + rnd.uniform(-d, d), at[1] + rnd.uniform(-d, d), rnd.uniform(0, 3))
            for k in range(n + 1)]


def fix_ts(f: dict) -> float:
    return dt.datetime.fromisoformat(f["ts"]).timestamp()


def north(at, metres):
    return (at[0], at[1] + metres / 111_320)


class Route:
    """A terminal's fixes, one stretch after another, each starting one interval after the previous ended."""

    def __init__(self, t: float, at, seed: int):
        self.t, self.at, self.seed, self.fixes = t, at, seed, []

    def park(self, minutes: float, every: int = 60) -> "Route":
        self.seed += 1
        self.fixes += park(self.t + every, self.at, minutes=minutes, every_s=every, seed=self.seed)
        self.t = fix_ts(self.fixes[-1])
        return self

    def drive(self, to, minutes: float, every: int = 20) -> "Route":
        self.fixes += drive(self.t, self.at, to, minutes=minutes, every_s=every)
        self.t, self.at = fix_ts(self.fixes[-1]), to
        return self

    def silent_until(self, t: float, every: int) -> "Route":
        self.t = t - every
        return self
