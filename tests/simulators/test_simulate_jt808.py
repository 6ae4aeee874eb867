"""`qm simulate --protocol jt808`: a registry vehicle whose terminal id is a phone number speaks JT/T 808 to the
gateway (register, authenticate, report, flush its dead-zone buffer with 0x0704), the others keep to MQTT."""
import datetime as dt
import uuid

import pytest
from django.core.management import call_command

from simulators.plan import CST
from tests.support.jt808 import GatewayThread
from tests.telematics.tracking.conftest import Subscriber, wait_until

from .conftest import build_registry

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
PHONE = "013800000001"
START = dt.datetime(2026, 11, 18, 10, tzinfo=CST)


def test_simulated_jt808_terminal_reports_through_the_gateway(mqtt_url, tmp_path):
    from telematics.models import Vehicle

    build_registry(["T0001", "T0002"])
    Vehicle.objects.filter(terminal_id="T0001").update(terminal_id=PHONE)
    prefix = f"sim{uuid.uuid4().hex[:8]}"
    scenario = tmp_path / "zone.yaml"
    scenario.write_text("name: zone\nstart: 2026-11-18T10:00:00+08:00\nevents:\n"
                        f"  - {{type: dead_zone, vehicle: '{PHONE}', at: '10:10', duration: 10m}}\n", encoding="utf-8")
    sub = Subscriber(mqtt_url, f"{prefix}/terminals/+/position")
    gateway = GatewayThread(mqtt_url, prefix)
    try:
        call_command("simulate", "--protocol", "jt808", "--jt808", f"127.0.0.1:{gateway.port}", "--mqtt", mqtt_url,
                     "--prefix", prefix, "--city", "layers", "--start", START.isoformat(), "--duration", "30m",
                     "--speed", "0", "--interval", "30", "--no-truth", "--no-docks", "--scenario", str(scenario))
        counters = gateway.gateway.counters
        wait_until(lambda: any(t.endswith(f"/{PHONE}/position") for t, _ in list(sub.received)), 10)
    finally:
        gateway.stop()
        sub.close()
    by_terminal: dict[str, list] = {}
    for topic, body in sub.received:
        by_terminal.setdefault(topic.split("/")[-2], []).append(body)
    assert set(by_terminal) == {PHONE, "T0002"}
    jt = by_terminal[PHONE]
    batches = [b for b in jt if isinstance(b, list)]
    assert batches and all(len(b) > 1 for b in batches)  # the dead zone's buffer came as 0x0704
    fixes = [f for b in jt for f in (b if isinstance(b, list) else [b])]
    assert all("mileage_km" in f["attrs"] and f["attrs"]["satellites"] >= 7 for f in fixes)
    assert [f["ts"] for f in fixes] == sorted(f["ts"] for f in fixes)
    assert counters["msg.0x0100"] == 1 and counters["msg.0x0102"] == 1 and counters["msg.0x0704"] >= 1
    assert counters["fixes"] == len(fixes)


def test_a_simulated_terminal_reports_at_the_interval_the_platform_set(mqtt_url):
    """0x8103 through the running gateway: the simulated terminal then reports its plan's fixes (every 10 s) at the
    default interval while ACC is on and at the sleep interval while it is off."""
    import json

    from simulators.jt808 import Fleet
    from telematics.tracking.jt808 import send_command

    build_registry(["T0001"])
    from telematics.models import Vehicle

    Vehicle.objects.filter(terminal_id="T0001").update(terminal_id=PHONE)
    prefix = f"int{uuid.uuid4().hex[:8]}"
    sub = Subscriber(mqtt_url, f"{prefix}/terminals/+/position")
    gateway = GatewayThread(mqtt_url, prefix)
    fleet = Fleet("127.0.0.1", gateway.port)
    t0 = int(START.timestamp())

    def plan(seconds, acc):
        return json.dumps([{"ts": t0 + s, "lat": 31.78 + s / 1e5, "lon": 119.95, "speed": 30.0 if acc else 0.0,
                            "heading": 0, "acc": acc} for s in seconds])
    try:
        fleet.start()
        fleet.send(PHONE, plan([0], True))
        assert fleet.drain(30) == 1
        answer = send_command(url=mqtt_url, prefix=prefix, phone=PHONE,
                              request={"command": "interval", "seconds": 60, "sleep_seconds": 300}, wait=10)
        assert (answer["status"], answer["result"]) == ("ok", 0)
        assert (fleet.terminals[PHONE].interval_s, fleet.terminals[PHONE].sleep_interval_s) == (60, 300)
        fleet.send(PHONE, plan(range(10, 301, 10), True))
        fleet.send(PHONE, plan(range(310, 1201, 10), False))
        fleet.drain(30)

        def reported():  # a batch (0x0704) arrives as an array
            return sorted(fix["ts"] - t0 for _, body in list(sub.received)
                          for fix in (body if isinstance(body, list) else [body]))
        wait_until(lambda: len(reported()) >= 9, 10)
    finally:
        fleet.stop()
        gateway.stop()
        sub.close()
    # on: 0, 60 … 300; off: 600 (300 s after the last report), 900, 1200
    assert reported() == [0, 60, 120, 180, 240, 300, 600, 900, 1200]
    assert gateway.gateway.counters["command.interval"] == 1
