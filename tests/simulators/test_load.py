"""Load mode: M terminals at a fixed aggregate rate; what it reports as sent is what a subscriber receives."""
from __future__ import annotations

import datetime as dt
import json
import threading

import paho.mqtt.client as mqtt
import pytest

from simulators.load import load_terminal_ids, run_load
from telematics.tracking.ingest import parse_mqtt_url
from tests.telematics.tracking.conftest import wait_until


@pytest.mark.mqtt
def test_load_mode_sends_exactly_what_it_reports(mqtt_url):
    server = parse_mqtt_url(mqtt_url)
    received: list[tuple[str, bytes]] = []
    lock = threading.Lock()
    subscribed = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="load-test-sub")
    client.on_subscribe = lambda *args: subscribed.set()

    def on_message(c, userdata, msg):
        with lock:
            received.append((msg.topic, msg.payload))
    client.on_message = on_message
    client.connect(server["host"], server["port"])
    client.loop_start()
    try:
        client.subscribe("loadtest/terminals/+/position", qos=1)
        assert subscribed.wait(10)
        report = run_load(mqtt_url, 5, rate=200.0, duration=1.0, qos=1, batch=3, prefix="loadtest")
        wait_until(lambda: len(received) >= report.messages, timeout=20, what="every load message")
    finally:
        client.loop_stop()
        client.disconnect()
    assert (report.messages, report.fixes, report.terminals, report.qos, report.batch) == (200, 600, 5, 1, 3)
    assert len(received) == 200
    fixes = [(topic.split("/")[2], f["ts"]) for topic, body in received for f in json.loads(body)]
    assert len(fixes) == 600 and len(set(fixes)) == 600  # (terminal, ts) never repeats
    assert {t for t, _ in fixes} == set(load_terminal_ids(5))
    assert max(dt.datetime.fromisoformat(ts) for _, ts in fixes) <= dt.datetime.now(dt.UTC)
    assert "200 messages (600 fixes) from 5 terminals" in str(report)
