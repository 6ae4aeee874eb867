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
