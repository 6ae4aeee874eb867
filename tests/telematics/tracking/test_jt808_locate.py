"""The map's "locate now" and "reporting interval": POST /api/v1/vehicles/{id}/locate/ asks a JT/T 808 terminal for
its position (0x8201), POST /api/v1/vehicles/{id}/report-interval/ sets its reporting intervals (0x8103), through the
running gateway (real Mosquitto, the gateway in-process, a simulated terminal over TCP), and return its answer; an
offline terminal, a gateway that does not answer, a vehicle without a JT/T 808 terminal, a role without the right and
a vehicle outside the user's scope are refused — and the refusals send nothing to the terminal."""
from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid

import pytest
from rest_framework.test import APIClient

from assets.choices import UserRole
from simulators.jt808 import Terminal
from telematics.tracking.decoders import jt808 as j
from tests.support.fixtures import make_user
from tests.support.jt808 import GatewayThread

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
PHONE, PHONE_OFFLINE, PHONE_OUTSIDE = "013511221122", "00000000013912344329", "013700000001"
T0 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def prefix():
    return f"loc{uuid.uuid4().hex[:8]}"


@pytest.fixture
def gateway(mqtt_url, prefix, settings):
    settings.QM_MQTT_URL = mqtt_url
    settings.QM_TOPIC_PREFIX = prefix
    settings.QM_JT808_COMMAND_WAIT_S = 10.0
    running = GatewayThread(mqtt_url, prefix)
    yield running
    running.stop()


@pytest.fixture
def vehicles(bureau):
    from telematics.models import Vehicle

    inside, outside = bureau["units"]["CZ-TN-01"], bureau["units"]["CZ-WJ-01"]
    return {"jt808": Vehicle.objects.create(plate="苏D·L8001", unit=inside, seats=5, terminal_id=PHONE),
            "offline": Vehicle.objects.create(plate="苏D·L8002", unit=inside, seats=5, terminal_id=PHONE_OFFLINE),
            "mqtt": Vehicle.objects.create(plate="苏D·L8003", unit=inside, seats=5, terminal_id="T-MQTT-01"),
            "outside": Vehicle.objects.create(plate="苏D·L8004", unit=outside, seats=5, terminal_id=PHONE_OUTSIDE)}


def client_for(bureau, role: str, unit: str = "CZ-TN") -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(f"{role}-{unit}-{uuid.uuid4().hex[:4]}", role, bureau["units"][unit]))
    return client


class ConnectedTerminal:
    """A simulated terminal that registers, reports one fix and stays connected answering the platform."""

    def __init__(self, port: int, phone: str):
        self.port, self.phone = port, phone
        self.connected, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()))
        self.terminal: Terminal | None = None

    async def _run(self):
        terminal = self.terminal = Terminal(self.phone, port=self.port)
        await terminal.open()
        await terminal.login()
        fix = j.Location(alarm=0, status=j.STATUS_POSITIONED | j.STATUS_ACC, lat=31.7806, lon=119.9512, altitude=12,
                         speed=36.5, heading=90, ts=T0)
        assert await terminal.report(fix) == j.Result.OK
        self.connected.set()
        while not self.done.is_set():
            await asyncio.sleep(0.05)
        await terminal.close()

    def __enter__(self):
        self.thread.start()
        assert self.connected.wait(10), "the simulated terminal did not log in"
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(10)


def locate(client: APIClient, vehicle):
    return client.post(f"/api/v1/vehicles/{vehicle.pk}/locate/", {}, format="json")


def test_locate_now_returns_the_terminals_answer(gateway, bureau, vehicles):
    with ConnectedTerminal(gateway.port, PHONE):
        for role in (UserRole.FLEET, UserRole.ADMINISTRATOR):
            response = locate(client_for(bureau, role), vehicles["jt808"])
            assert response.status_code == 200, response.content
            body = response.json()
            assert (body["plate"], body["terminal"]) == ("苏D·L8001", PHONE)
            assert (body["fix"]["lat"], body["fix"]["lon"], body["fix"]["speed"]) == (31.7806, 119.9512, 36.5)
            assert dt.datetime.fromisoformat(body["fix"]["ts"].replace("Z", "+00:00")) == T0
    assert gateway.gateway.counters["command.locate"] == 2


def test_an_offline_terminal_is_a_clear_conflict(gateway, bureau, vehicles):
    response = locate(client_for(bureau, UserRole.FLEET), vehicles["offline"])
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "terminal_offline" and PHONE_OFFLINE in response.json()["detail"]


def test_no_answer_from_the_gateway_is_a_timeout(mqtt_url, settings, bureau, vehicles):
    settings.QM_MQTT_URL = mqtt_url
    settings.QM_TOPIC_PREFIX = f"nogw{uuid.uuid4().hex[:8]}"  # no gateway listens under this prefix
    settings.QM_JT808_COMMAND_WAIT_S = 0.5
    response = locate(client_for(bureau, UserRole.FLEET), vehicles["jt808"])
    assert response.status_code == 504, response.content
    assert response.json()["code"] == "timeout" and "0.5 秒内没有应答" in response.json()["detail"]


def test_a_vehicle_without_a_jt808_terminal_is_refused(gateway, bureau, vehicles):
    response = locate(client_for(bureau, UserRole.FLEET), vehicles["mqtt"])
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "not_jt808"
    assert gateway.gateway.counters["command.locate"] == 0


def test_roles_and_scope_are_refused_and_nothing_reaches_the_terminal(gateway, bureau, vehicles):
    with ConnectedTerminal(gateway.port, PHONE_OUTSIDE):
        for role in (UserRole.LOGISTICS, UserRole.AUDITOR):
            assert locate(client_for(bureau, role), vehicles["jt808"]).status_code == 403
        # a fleet manager of another brigade does not see the vehicle at all
        assert locate(client_for(bureau, UserRole.FLEET), vehicles["outside"]).status_code == 404
        assert locate(APIClient(), vehicles["jt808"]).status_code in (401, 403)
        assert gateway.gateway.counters["command.locate"] == 0
        # the same vehicle is located by the fleet manager whose scope it is in
        response = locate(client_for(bureau, UserRole.FLEET, "CZ-WJ"), vehicles["outside"])
        assert response.status_code == 200, response.content
        assert response.json()["terminal"] == PHONE_OUTSIDE
    assert gateway.gateway.counters["command.locate"] == 1


# --- reporting interval (0x8103) -------------------------------------------------------------------------------------

def set_interval(client: APIClient, vehicle, **body):
    return client.post(f"/api/v1/vehicles/{vehicle.pk}/report-interval/", body, format="json")


def interval_records(vehicle):
    from django.contrib.contenttypes.models import ContentType

    from assets.models import ChangeRecord

    return list(ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(vehicle),
                                            object_id=str(vehicle.pk), after__has_key="report_interval")
                .order_by("id"))


def test_the_reporting_interval_reaches_the_terminal_and_is_recorded(gateway, bureau, vehicles):
    from telematics.services import vehicle_report_interval

    vehicle = vehicles["jt808"]
    assert vehicle_report_interval(vehicle=vehicle) is None
    with ConnectedTerminal(gateway.port, PHONE) as connected:
        assert (connected.terminal.interval_s, connected.terminal.sleep_interval_s) == (None, None)
        response = set_interval(client_for(bureau, UserRole.FLEET), vehicle, seconds=15, sleep_seconds=600)
        assert response.status_code == 200, response.content
        assert response.json() == {"vehicle": vehicle.pk, "plate": "苏D·L8001", "terminal": PHONE, "seconds": 15,
                                   "sleep_seconds": 600, "status": "ok", "result": 0}
        assert (connected.terminal.interval_s, connected.terminal.sleep_interval_s) == (15, 600)
        # the sleep interval alone leaves the default one as it was
        response = set_interval(client_for(bureau, UserRole.ADMINISTRATOR), vehicle, sleep_seconds=300)
        assert response.status_code == 200, response.content
        assert (connected.terminal.interval_s, connected.terminal.sleep_interval_s) == (15, 300)
    assert gateway.gateway.counters["command.interval"] == 2
    first, second = interval_records(vehicle)
    assert first.username.startswith("fleet-") and first.before == {"report_interval": None}
    assert first.after == {"report_interval": {"seconds": 15, "sleep_seconds": 600, "terminal": PHONE, "result": 0}}
    assert second.before == {"report_interval": {"sleep_seconds": 600}}
    assert second.after == {"report_interval": {"sleep_seconds": 300, "terminal": PHONE, "result": 0}}
    known = vehicle_report_interval(vehicle=vehicle)
    assert (known["seconds"], known["sleep_seconds"], known["username"]) == (15, 300, second.username)


def test_a_terminal_that_refuses_the_setting_is_shown_and_recorded_as_refused(gateway, bureau, vehicles):
    vehicle = vehicles["jt808"]
    with ConnectedTerminal(gateway.port, PHONE) as connected:
        connected.terminal.refuse_params = True
        response = set_interval(client_for(bureau, UserRole.FLEET), vehicle, seconds=20)
        assert response.status_code == 200, response.content
        assert (response.json()["status"], response.json()["result"]) == ("refused", j.Result.FAILURE)
        assert connected.terminal.interval_s is None
    [record] = interval_records(vehicle)
    assert record.after["report_interval"]["result"] == j.Result.FAILURE


def test_reporting_interval_refusals_send_nothing(gateway, bureau, vehicles):
    fleet = client_for(bureau, UserRole.FLEET)
    response = set_interval(fleet, vehicles["jt808"])  # neither interval given
    assert response.status_code == 400 and response.json()["field"] == "seconds"
    for bad in (0, 86401, "soon"):
        assert set_interval(fleet, vehicles["jt808"], seconds=bad).status_code == 400
    response = set_interval(fleet, vehicles["mqtt"], seconds=30)
    assert response.status_code == 400 and response.json()["code"] == "not_jt808"
    response = set_interval(fleet, vehicles["offline"], seconds=30)
    assert response.status_code == 409 and response.json()["code"] == "terminal_offline"
    for role in (UserRole.LOGISTICS, UserRole.AUDITOR):
        assert set_interval(client_for(bureau, role), vehicles["jt808"], seconds=30).status_code == 403
    assert set_interval(fleet, vehicles["outside"], seconds=30).status_code == 404
    assert gateway.gateway.counters["command.interval"] == 0
    assert not any(interval_records(v) for v in vehicles.values())
