"""`qm mqtt acl` end to end: a Mosquitto using the written password file and ACL carries a terminal's fixes
(published with its own login) to the ingest (logged in as the ingest user), while a terminal publishing to
another terminal's topic gets nothing stored, a terminal cannot read others' fixes, and anonymous clients and
wrong passwords are refused."""
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from telematics.tracking.acl import terminal_password
from telematics.tracking.models import DeadLetter, Position
from tests.support.mqtt import MosquittoBroker

from .conftest import DEPOT, IngestProcess, Publisher, Subscriber, fix, wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
SECRET = "s3cret-for-tests"


def _connect_result(port: int, username: str | None = None, password: str | None = None) -> str:
    result: list[str] = []
    done = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    if username:
        client.username_pw_set(username, password)
    client.on_connect = lambda c, u, f, rc, p: (result.append(str(rc)), done.set())
    client.on_disconnect = lambda *a: done.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    done.wait(10)
    client.disconnect()
    client.loop_stop()
    return result[0] if result else "closed without an answer"


@pytest.fixture
def secured_broker(city):
    broker = MosquittoBroker()
    passwords, acl = broker.dir / "passwd", broker.dir / "acl"
    call_command("mqtt", "acl", "--password-file", str(passwords), "--acl-file", str(acl),
                 "--ingest-password", "ingest-pw", "--secret", SECRET, "--dock", "DOCK1")
    # The settings the command wrote, and nothing else, secure the broker (its base config allows anonymous).
    broker.extra = (broker.dir / "qm.conf").read_text()
    broker.start()
    yield broker
    broker.stop()


def test_terminals_publish_only_their_own_topic_and_only_the_ingest_reads(secured_broker):
    port = secured_broker.port
    config = (secured_broker.dir / "qm.conf").read_text().splitlines()
    assert "allow_anonymous false" in config
    assert f"acl_file {secured_broker.dir / 'acl'}" in config
    url = f"mqtt://127.0.0.1:{port}"
    acl = (secured_broker.dir / "acl").read_text()
    assert "user T0001\ntopic write qm/terminals/T0001/position" in acl
    assert "user officer/phone\ntopic write owntracks/officer/phone" in acl
    assert "user DOCK1\ntopic write qm/docks/DOCK1/offload" in acl

    proc = IngestProcess(f"mqtt://ingest:ingest-pw@127.0.0.1:{port}").start()
    t1 = Publisher(url, username="T0001", password=terminal_password(secret=SECRET, user="T0001"))
    t2 = Publisher(url, username="T0002", password=terminal_password(secret=SECRET, user="T0002"))
    snoop = Subscriber(f"mqtt://T0001:{terminal_password(secret=SECRET, user='T0001')}@127.0.0.1:{port}",
                       "qm/terminals/+/position")
    try:
        now = time.time() - 300
        t1.send("qm/terminals/T0001/position", fix(now, *DEPOT))
        t1.send("qm/terminals/T0002/position", fix(now, *DEPOT))  # T0001 posing as T0002: the broker drops it
        t1.send("qm/terminals/T0001/position", fix(now + 10, *DEPOT))
        t2.send("qm/terminals/T0002/position", fix(now + 20, *DEPOT))
        wait_until(lambda: Position.objects.count() == 3, timeout=20,
                   what=lambda: f"the three own-topic fixes stored (have {Position.objects.count()})")
        time.sleep(0.5)
        assert sorted(Position.objects.values_list("terminal", flat=True)) == ["T0001", "T0001", "T0002"]
        assert Position.objects.get(terminal="T0002").ts.timestamp() == pytest.approx(now + 20, abs=1)
        assert not DeadLetter.objects.exists()
        assert snoop.received == []  # a terminal may not read the others' (or its own) fixes
        assert proc.stop()["stored"] == 3
    finally:
        proc.kill()
        for client in (t1, t2, snoop):
            client.close()
    assert _connect_result(port) == "Not authorized"
    assert _connect_result(port, "T0001", "wrong") == "Not authorized"
    assert _connect_result(port, "T0001", terminal_password(secret=SECRET, user="T0001")) == "Success"


def test_mqtt_acl_needs_a_secret_and_an_ingest_password(city, tmp_path):
    with pytest.raises(CommandError, match="没有终端密码所用的密钥"):
        call_command("mqtt", "acl", "--password-file", str(tmp_path / "p"), "--acl-file", str(tmp_path / "a"),
                     "--ingest-password", "x", "--secret", "")
    with pytest.raises(CommandError, match="没有接收程序用户的密码"):
        call_command("mqtt", "acl", "--password-file", str(tmp_path / "p"), "--acl-file", str(tmp_path / "a"),
                     "--ingest-password", "", "--secret", "x")
    assert not (tmp_path / "p").exists() and not (tmp_path / "a").exists()


def test_the_jt808_gateway_user_publishes_only_phone_number_terminals(city, tmp_path):
    from telematics.models import Vehicle

    Vehicle.objects.create(plate="苏D·J8001", unit=city["units"]["CZ-TN-01"], seats=5, terminal_id="013511221122")
    # a terminal whose header carries a non-BCD id (a real one: Traccar's Jt808ProtocolDecoderTest) is bound by its hex
    Vehicle.objects.create(plate="苏D·J8002", unit=city["units"]["CZ-TN-01"], seats=5, terminal_id="4f07788ef676")
    broker = MosquittoBroker()
    passwords, acl = broker.dir / "passwd", broker.dir / "acl"
    call_command("mqtt", "acl", "--password-file", str(passwords), "--acl-file", str(acl), "--ingest-password",
                 "ingest-pw", "--secret", SECRET, "--gateway-user", "jt808", "--gateway-password", "gw-pw")
    assert ("user jt808\ntopic read qm/jt808/+/command\ntopic write qm/jt808/+/answer\n"
            "topic write qm/terminals/013511221122/position\ntopic write qm/terminals/4f07788ef676/position\n"
            ) in acl.read_text()
    broker.extra = f"password_file {passwords}\nacl_file {acl}\nallow_anonymous false"
    broker.start()
    proc = IngestProcess(f"mqtt://ingest:ingest-pw@127.0.0.1:{broker.port}").start()
    gateway = Publisher(f"mqtt://127.0.0.1:{broker.port}", username="jt808", password="gw-pw")
    try:
        now = time.time() - 300
        gateway.send("qm/terminals/T0001/position", fix(now, *DEPOT))  # not a JT/T 808 terminal: dropped
        gateway.send("qm/terminals/013511221122/position", fix(now + 10, *DEPOT))
        wait_until(lambda: Position.objects.exists(), timeout=20, what="the gateway's fix stored")
        time.sleep(0.5)
        assert list(Position.objects.values_list("terminal", flat=True)) == ["013511221122"]
    finally:
        proc.kill()
        gateway.close()
        broker.stop()
    with pytest.raises(CommandError, match="没有 JT/T 808 网关用户的密码"):
        call_command("mqtt", "acl", "--password-file", str(tmp_path / "p"), "--acl-file", str(tmp_path / "a"),
                     "--ingest-password", "x", "--secret", "x", "--gateway-user", "jt808")
