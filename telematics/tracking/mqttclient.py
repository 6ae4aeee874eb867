"""paho's MQTT client with a receive path for many small messages (the ingest's load).

Out of the box paho 2 spends more time per QoS 1 position fix than the whole pipeline does: for every packet a
select(), three recv() calls (command byte, length, body), an MQTT 5 Properties object built and cleared, a
topic-filter match and an MQTTMessage; and every acknowledgement is its own packet, wake-up and send(). With
thousands of fixes a second that was the ingest's ceiling. `IngestClient` keeps paho for everything (connect,
session, keepalive, subscribe, reconnect, publish) and changes four things:

- the socket reads up to 256 KiB at a time and paho parses packets out of that buffer (`pending()`, which paho
  already honours for TLS sockets, keeps its loop from waiting in select() while whole packets are buffered);
- `loop_read` goes on while the buffer holds data instead of one packet per select();
- a PUBLISH without MQTT 5 properties goes straight to `on_fast_message(topic, payload, mid, qos, dup)`;
  anything else (properties, topic alias, QoS 2) is decoded by paho and handed to the same sink;
- `ack_many` queues the PUBACKs of a committed batch as one write.

These override private methods of paho 2.2: pyproject pins the minor version, and
tests/telematics/tracking/test_mqttclient.py exercises them (a paho upgrade that changes them fails there).
"""
from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Iterable

import paho.mqtt.client as mqtt

log = logging.getLogger("qm.ingest")
PUBACK = 0x40
READ_SIZE = 256 * 1024
# Packets parsed per loop_read before paho's loop gets a turn (keepalive, writes).
MAX_PACKETS_PER_READ = 2000

FastSink = Callable[[str, bytes, int, int, bool], None]


class BufferedSocket:
    """A non-blocking socket read in large chunks; paho reads packets out of the buffer."""

    def __init__(self, sock):
        self._sock = sock
        self._buf = b""
        self._pos = 0

    def recv(self, bufsize: int) -> bytes:
        if self._pos >= len(self._buf):
            data = self._sock.recv(READ_SIZE)  # BlockingIOError when nothing is there: paho expects that
            if not data:
                return data
            self._buf, self._pos = data, 0
        start = self._pos
        self._pos = min(start + bufsize, len(self._buf))
        return self._buf[start:self._pos]

    def pending(self) -> int:
        inner = self._sock.pending() if hasattr(self._sock, "pending") else 0
        return len(self._buf) - self._pos + inner

    def __getattr__(self, name):
        return getattr(self._sock, name)


class IngestClient(mqtt.Client):
    on_fast_message: FastSink | None = None

    def _create_socket(self):
        try:
            return BufferedSocket(super()._create_socket())
        except OSError as exc:  # paho retries with backoff but says nothing of why (a refused TLS certificate…)
            log.warning("cannot connect to the MQTT broker at %s:%s: %s", self._host, self._port, exc)
            raise

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        rc = super().loop_read(max_packets)
        for _ in range(MAX_PACKETS_PER_READ):
            sock = self._sock
            if rc != mqtt.MQTT_ERR_SUCCESS or sock is None or not sock.pending():
                break
            rc = super().loop_read(max_packets)
        return rc

    def _handle_publish(self) -> mqtt.MQTTErrorCode:
        sink = self.on_fast_message
        command = self._in_packet["command"]
        qos = (command & 0x06) >> 1
        if sink is None or qos == 2:
            return super()._handle_publish()
        packet = self._in_packet["packet"]
        end = 2 + int.from_bytes(packet[0:2], "big")
        if end == 2 or end > len(packet):
            return super()._handle_publish()  # topic alias or malformed: paho decides
        try:
            topic = packet[2:end].decode()
        except UnicodeDecodeError:
            return super()._handle_publish()
        mid = 0
        if qos:
            mid = int.from_bytes(packet[end:end + 2], "big")
            end += 2
        if self._protocol == mqtt.MQTTv5:
            if end >= len(packet) or packet[end] != 0:
                return super()._handle_publish()  # properties present (or malformed)
            end += 1
        sink(topic, bytes(packet[end:]), mid, qos, bool(command & 0x08))
        if qos == 1 and not self._manual_ack:
            return self._send_puback(mid)
        return mqtt.MQTT_ERR_SUCCESS

    def _handle_on_message(self, message: mqtt.MQTTMessage) -> None:
        """paho's own path (properties, topic alias) ends here: it reaches the same sink as the fast path, so no
        message is left unacknowledged for want of an on_message callback."""
        sink = self.on_fast_message
        if sink is None:
            super()._handle_on_message(message)
            return
        sink(message.topic, message.payload, message.mid, message.qos, bool(message.dup))

    def ack_many(self, mids: Iterable[int]) -> None:
        """PUBACKs for QoS 1 messages, queued as one write (manual_ack)."""
        packet = b"".join(struct.pack("!BBH", PUBACK, 2, mid) for mid in mids)
        if packet:
            self._packet_queue(PUBACK, packet, 0, 1)


def stop_loop(client: mqtt.Client) -> None:
    """`client.loop_stop()` without paho 2.2's race: its network thread clears `client._thread` as it ends, which
    it does by itself right after a disconnect, so loop_stop could find a thread on its check and None on its
    join (AttributeError: 'NoneType' object has no attribute 'join'). The thread ending first is what we want."""
    try:
        client.loop_stop()
    except AttributeError:
        if client._thread is not None:
            raise
