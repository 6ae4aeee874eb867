"""The ingest's paho client (mqttclient.IngestClient): buffered reads, the PUBLISH fast path and its fallbacks,
batched acknowledgements — unit tests on a fake socket, then through a real Mosquitto."""
import struct
import threading
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from telematics.tracking.ingest import parse_mqtt_url
from telematics.tracking.mqttclient import BufferedSocket, IngestClient


class ChunkSocket:
    """Hands out the given chunks one recv() at a time, then 'would block'."""

    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.recv_calls = 0

    def recv(self, n):
        self.recv_calls += 1
        if not self.chunks:
            raise BlockingIOError()
        return self.chunks.pop(0)

    def fileno(self):
        return -1


def test_buffered_socket_serves_small_reads_from_one_recv():
    inner = ChunkSocket([b"\x30\x05hello", b"world"])
    sock = BufferedSocket(inner)
    assert sock.recv(1) == b"\x30" and sock.recv(1) == b"\x05"
    assert sock.pending() == 5
    assert sock.recv(100) == b"hello"  # never more than the buffer holds
    assert inner.recv_calls == 1 and sock.pending() == 0
    assert sock.recv(3) == b"wor" and sock.recv(9) == b"ld"
    with pytest.raises(BlockingIOError):
        sock.recv(1)
    assert sock.fileno() == -1  # everything else is the real socket's


def test_buffered_socket_passes_on_a_closed_connection():
    sock = BufferedSocket(ChunkSocket([b""]))
    assert sock.recv(1) == b""


def _client(protocol=mqtt.MQTTv5) -> IngestClient:
    client = IngestClient(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="unit", protocol=protocol,
                          manual_ack=True)
    return client


def _publish_body(topic: bytes, mid: int, payload: bytes, properties: bytes | None) -> bytearray:
    body = struct.pack("!H", len(topic)) + topic + struct.pack("!H", mid)
    if properties is not None:
        body += properties
    return bytearray(body + payload)


@pytest.mark.parametrize("protocol,props", [(mqtt.MQTTv5, b"\x00"), (mqtt.MQTTv311, None)])
def test_fast_path_decodes_a_publish_without_properties(protocol, props):
    client = _client(protocol)
    got = []
    client.on_fast_message = lambda *args: got.append(args)
    client.on_message = lambda *a: pytest.fail("paho's path must not run")
    client._in_packet["command"] = 0x30 | 0x02 | 0x08  # PUBLISH, QoS 1, dup
    client._in_packet["packet"] = _publish_body(b"qm/terminals/T1/position", 77, b'{"x":1}', props)
    assert client._handle_publish() == mqtt.MQTT_ERR_SUCCESS
    assert got == [("qm/terminals/T1/position", b'{"x":1}', 77, 1, True)]
    assert not client._out_packet  # manual ack: nothing acknowledged yet


def test_a_publish_with_properties_takes_paho_path_and_still_reaches_the_sink():
    client = IngestClient(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="unit",
                          protocol=mqtt.MQTTv5, manual_ack=True)
    got = []
    client.on_fast_message = lambda *args: got.append(args)
    client.on_message = lambda *a: pytest.fail("the ingest sets no on_message: the sink must get the message")
    props = bytes([0x03]) + struct.pack("!H", 4) + b"json"  # content type "json": paho decodes this one
    client._in_packet["command"] = 0x32
    client._in_packet["packet"] = _publish_body(b"qm/terminals/T1/position", 5,
                                                b"{}", bytes([len(props)]) + props)
    assert client._handle_publish() == mqtt.MQTT_ERR_SUCCESS
    assert got == [("qm/terminals/T1/position", b"{}", 5, 1, False)]
    assert not client._out_packet  # manual ack: nothing acknowledged yet


def test_ack_many_queues_one_write_of_pubacks():
    client = _client()
    client.ack_many([1, 2, 65535])
    assert len(client._out_packet) == 1
    assert client._out_packet[0]["packet"] == b"\x40\x02\x00\x01\x40\x02\x00\x02\x40\x02\xff\xff"
    client.ack_many([])
    assert len(client._out_packet) == 1


def test_through_mosquitto_every_message_arrives_in_order_and_acks_release_the_session(mqtt_url):
    """Many small messages (read many per recv) and one larger than the read buffer, at QoS 1 on an MQTT 5
    persistent session with a receive maximum; acknowledged in batches; a message with properties on the way."""
    server = parse_mqtt_url(mqtt_url)
    topic = f"test/{uuid.uuid4().hex}/t"
    got, done = [], threading.Event()
    total = 3002

    client = IngestClient(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=f"ic-{uuid.uuid4().hex}",
                          protocol=mqtt.MQTTv5, manual_ack=True)
    subscribed = threading.Event()

    acked = [0]

    def sink(t, payload, mid, qos, dup):
        got.append((t, payload, mid, qos))
        if len(got) - acked[0] >= 100 or len(got) >= 3000:  # acks in batches (from paho's own thread here)
            client.ack_many([m for _, _, m, _ in got[acked[0]:]])
            acked[0] = len(got)
        if len(got) == total:
            done.set()
    client.on_fast_message = sink  # and no on_message, as in the ingest
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
    client.on_subscribe = lambda *a: subscribed.set()
    props = Properties(PacketTypes.CONNECT)
    props.ReceiveMaximum = 200
    client.connect(server["host"], server["port"], clean_start=True, properties=props)
    client.loop_start()
    assert subscribed.wait(10)

    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex}", protocol=mqtt.MQTTv5)
    pub.max_inflight_messages_set(1000)
    pub.connect(server["host"], server["port"])
    pub.loop_start()
    big = b"x" * (600 * 1024)
    infos = [pub.publish(topic, f"{i}".encode(), qos=1) for i in range(3000)]
    with_props = Properties(PacketTypes.PUBLISH)
    with_props.ContentType = "text/plain"
    infos.append(pub.publish(topic, b"with-properties", qos=1, properties=with_props))
    infos.append(pub.publish(topic, big, qos=1))
    for info in infos:
        info.wait_for_publish(30)
    try:
        assert done.wait(30), f"only {len(got)} of {total} arrived"
        payloads = [p for _, p, _, _ in got]
        assert payloads[:3000] == [f"{i}".encode() for i in range(3000)]
        assert payloads[3000] == b"with-properties" and payloads[3001] == big
        assert all(q == 1 for *_, q in got)
    finally:
        pub.loop_stop()
        pub.disconnect()
        client.disconnect()
        client.loop_stop()


def test_inbox_hands_over_in_batches_holds_paho_when_full_and_lets_go_when_closed():
    from telematics.tracking.ingest import Inbox
    from telematics.tracking.pipeline import Message

    inbox = Inbox(maxsize=4)
    assert inbox.take(10, 0.01) == []
    for i in range(4):
        inbox.put(Message("t", b"%d" % i, mid=i + 1, qos=1))
    assert [m.mid for m in inbox.take(3, 0.01)] == [1, 2, 3]

    inbox.put(Message("t", b"4", mid=5, qos=1))
    inbox.put(Message("t", b"5", mid=6, qos=1))
    inbox.put(Message("t", b"6", mid=7, qos=1))  # 4 waiting now: full
    blocked = threading.Thread(target=inbox.put, args=(Message("t", b"7", mid=8, qos=1),), daemon=True)
    blocked.start()
    blocked.join(0.2)
    assert blocked.is_alive() and len(inbox) == 4  # paho's thread is held (TCP back-pressure)
    assert [m.mid for m in inbox.take(2, 0.01)] == [4, 5]
    blocked.join(2)
    assert not blocked.is_alive() and [m.mid for m in inbox.take(10, 0.01)] == [6, 7, 8]

    for i in range(4):
        inbox.put(Message("t", b"x", mid=20 + i, qos=1))
    inbox.closed = True
    inbox.put(Message("t", b"dropped", mid=30, qos=1))  # returns: shutting down, left unacknowledged
    assert len(inbox) == 4
