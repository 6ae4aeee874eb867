"""The demo's embedded broker: amqtt in this process when Mosquitto is not wanted (or not installed), Mosquitto
as a child process otherwise; both carry messages and stop cleanly."""
from __future__ import annotations

import threading

import pytest

from simulators.broker import EmbeddedBroker
from simulators.engine import mqtt_client


@pytest.mark.parametrize("kind", ["amqtt", "mosquitto"])
def test_the_embedded_broker_carries_messages_and_stops(kind):
    broker = EmbeddedBroker(prefer=kind)
    assert broker.kind == kind
    url = broker.start()
    received = threading.Event()
    try:
        sub = mqtt_client(url, f"sub-{kind}")
        sub.on_message = lambda c, u, msg: msg.payload == b"hello" and received.set()
        sub.subscribe("qm/test/#", qos=1)
        pub = mqtt_client(url, f"pub-{kind}")
        for _ in range(50):  # until the subscription is in place
            pub.publish("qm/test/x", b"hello", qos=1).wait_for_publish(5)
            if received.wait(0.1):
                break
        for client in (sub, pub):
            client.loop_stop()
            client.disconnect()
    finally:
        broker.stop()
    assert received.is_set()
    assert broker.proc is None
    assert not any(t.name == "qm-amqtt" for t in threading.enumerate())
