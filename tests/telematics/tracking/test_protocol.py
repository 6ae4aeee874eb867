"""The ingest on an MQTT 3.1.1-only broker: amqtt (the demo's pure-Python fallback, run in this process) refuses
MQTT 5, and `qm ingest` (QM_MQTT_PROTOCOL=auto) falls back to 3.1.1 with the same persistent session, QoS 1 and
acknowledgement after the commit: a fix published while the ingest is stopped is stored once it is back.

amqtt queues QoS 1 messages for an offline persistent session only when the session is not anonymous, and with
`allow_anonymous` on (the demo's embedded broker) every session is anonymous: the restart test runs its own
amqtt with logins required."""
import time

import pytest

from quartermaster.errors import DomainError
from simulators.broker import EmbeddedBroker
from telematics.tracking.ingest import Ingest
from telematics.tracking.models import Position

from .conftest import DEPOT, IngestProcess, Publisher, fix, wait_until

FAST = {"QM_MQTT_CONNACK_TIMEOUT_S": "1.5"}  # amqtt leaves an MQTT 5 CONNECT unanswered: give up on it sooner

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_amqtt_url():
    broker = EmbeddedBroker(prefer="amqtt")
    url = broker.start()
    yield url
    broker.stop()


@pytest.fixture
def amqtt_login_url():
    """amqtt requiring a login (any name; no password check): sessions are not anonymous, so kept offline."""
    broker = EmbeddedBroker(prefer="amqtt", allow_anonymous=False)
    broker.start()
    yield f"mqtt://ingest:pw@127.0.0.1:{broker.port}"
    broker.stop()


def test_the_demo_amqtt_broker_carries_the_ingest(city, demo_amqtt_url):
    proc = IngestProcess(demo_amqtt_url, env=FAST).start()
    try:
        assert any("subscribed (MQTT 3.1.1)" in line for line in proc.output), "".join(proc.output)
        pub = Publisher(demo_amqtt_url)
        pub.send("qm/terminals/T0001/position", fix(time.time() - 60, *DEPOT))
        pub.close()
        wait_until(lambda: Position.objects.filter(terminal="T0001").exists(), timeout=20,
                   what="the fix stored through the demo's amqtt")
        assert proc.stop()["stored"] == 1
    finally:
        proc.kill()


def test_the_ingest_falls_back_to_mqtt_311_and_keeps_its_session(city, amqtt_login_url):
    now = time.time() - 120
    proc = IngestProcess(amqtt_login_url, env=FAST).start()
    try:
        assert any("subscribed (MQTT 3.1.1)" in line for line in proc.output), "".join(proc.output)
        pub = Publisher(amqtt_login_url, client_id="terminal-T0001", username="T0001", password="x")
        pub.send("qm/terminals/T0001/position", fix(now, *DEPOT))
        wait_until(lambda: Position.objects.filter(terminal="T0001").count() == 1, timeout=20,
                   what="the fix stored through amqtt")
        counters = proc.stop()
        assert counters["stored"] == 1
        # Stopped: the broker keeps the persistent 3.1.1 session and queues the QoS 1 fix for it.
        pub.send("qm/terminals/T0001/position", fix(now + 10, *DEPOT))
        pub.send("qm/terminals/T0002/position", [fix(now + 10, *DEPOT), fix(now + 20, *DEPOT)])
        pub.close()
        proc.start()
        wait_until(lambda: Position.objects.count() == 4, timeout=20,
                   what=lambda: f"the queued fixes stored after the restart (have {Position.objects.count()})")
        assert proc.stop()["stored"] == 3
    finally:
        proc.kill()


def test_the_ingest_speaks_mqtt_5_to_mosquitto_unless_told_otherwise(city, mqtt_url):
    five = IngestProcess(mqtt_url).start()
    pinned = IngestProcess(mqtt_url, env={"QM_MQTT_PROTOCOL": "3.1.1"}).start()
    try:
        assert any("subscribed (MQTT 5)" in line for line in five.output), five.output
        assert any("subscribed (MQTT 3.1.1)" in line for line in pinned.output), pinned.output
    finally:
        for proc in (five, pinned):
            proc.kill()
            proc.forget_session()


def test_an_mqtt_5_fix_with_properties_is_stored_like_any_other(city, ingest, mqtt_url):
    """Terminals speaking MQTT 5 may attach properties (content type, user properties, expiry), which Mosquitto
    forwards: those PUBLISH packets take paho's decoding instead of the ingest's fast path, and must still be
    stored and acknowledged."""
    import json
    import uuid

    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    from telematics.tracking.ingest import parse_mqtt_url

    proc = ingest()
    server = parse_mqtt_url(mqtt_url)
    terminal = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex}", protocol=mqtt.MQTTv5)
    terminal.connect(server["host"], server["port"])
    terminal.loop_start()
    props = Properties(PacketTypes.PUBLISH)
    props.ContentType = "application/json"
    props.UserProperty = ("fw", "2.1")
    props.MessageExpiryInterval = 3600
    now = time.time() - 60
    try:
        terminal.publish("qm/terminals/T0001/position", json.dumps(fix(now, *DEPOT)), qos=1,
                         properties=props).wait_for_publish(10)
        terminal.publish("qm/terminals/T0001/position", json.dumps(fix(now + 10, *DEPOT)), qos=1).wait_for_publish(10)
    finally:
        terminal.loop_stop()
        terminal.disconnect()
    wait_until(lambda: Position.objects.filter(terminal="T0001").count() == 2, timeout=20,
               what="both fixes stored, the one with properties too")
    counters = proc.stop()
    assert counters["stored"] == 2 and counters["messages"] == 2


def test_an_unknown_protocol_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("QM_MQTT_PROTOCOL", "4")
    with pytest.raises(DomainError, match="QM_MQTT_PROTOCOL '4' 不是 auto、5、3.1.1 之一") as err:
        Ingest(url="mqtt://127.0.0.1:1883")
    assert err.value.in_language("en") == "QM_MQTT_PROTOCOL '4' is not one of auto, 5, 3.1.1"
