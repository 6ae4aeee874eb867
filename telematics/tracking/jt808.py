"""`qm jt808`: the JT/T 808 gateway. Terminals connect over TCP; their fixes are published into the MQTT contract.

Why through MQTT rather than into the store: a location report becomes a QoS 1 PUBLISH to
`{prefix}/terminals/{phone}/position` (the native JSON contract, an array for a batch), and the terminal gets
0x8001 result 0 only after the broker's PUBACK. From there it is any terminal's fix: the broker's persistence
holds it while `qm ingest` is down, the ingest's dedupe on (terminal, ts), validation, dead letters, rules and
alerts apply unchanged, and the broker's ACL can confine the gateway's user to the terminals' topics. A report not
acknowledged (gateway killed, broker away) is left unanswered, so the terminal sends it again (at-least-once; the
ingest stores the second copy once). A sub-packaged message (a long 0x0704) is answered package by package as the
packages arrive (terminals may wait for each answer before sending the next) except the last, which is answered
only once the whole message is published; a terminal keeps a message's packages until its last one is answered
(JT/T 808 4.4.1 and 0x8003). When the last package arrives and earlier ones are missing — they went to a connection
or a gateway that is gone — the gateway asks for them again with 0x8003 (补传分包请求) and leaves the last package
unanswered until the message is whole and published. What JT/T 808 carries beyond the contract (alarm and status words, altitude,
mileage, fuel, recorder speed, signal, satellites) travels in the fix's optional `attrs` object into
`Position.attrs`.

One asyncio task per connection reads frames (`decoders.jt808.FrameReader`), handles them in order and answers;
a bad frame or body is answered with a failure result or dropped and kept as a dead letter (a few per connection,
then the connection is closed), and never reaches another connection. The auth code is an HMAC of the phone
number, so a terminal that reconnects (to this gateway or a restarted one) authenticates again with 0x0102 alone.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import gc
import hashlib
import hmac
import logging
import signal
import time
import uuid
from collections import Counter

import orjson
from django.conf import settings
from django.db import close_old_connections, connections

from . import conf
from .choices import DeadLetterReason
from .decoders import jt808 as j
from .ingest import FULL_COLLECTION_EVERY, parse_mqtt_url
from .mqttclient import stop_loop

log = logging.getLogger("qm.jt808")
_READ = 4096
_WRITE_BUFFER_MAX = 64 * 1024  # a terminal that stops reading its answers is cut off beyond this


# The reporting intervals a fleet manager sets (`{"command": "interval", ...}` keys → 0x8103 parameters), in seconds.
INTERVAL_PARAMS = {"seconds": j.Param.DEFAULT_INTERVAL, "sleep_seconds": j.Param.SLEEP_INTERVAL}
MAX_INTERVAL_S = 86400


def auth_code(phone: str) -> str:
    """The auth code 0x8100 gives a terminal: stable per phone number, so no state survives a restart."""
    key = (conf.get("QM_JT808_SECRET") or settings.SECRET_KEY).encode()
    return hmac.new(key, f"jt808:{phone}".encode(), hashlib.sha256).hexdigest()[:16]


def fix_payload(loc: j.Location, serial: int) -> dict:
    """A location as the native contract's fix (coordinates WGS-84/CGCS2000 as the standard says)."""
    return {"ts": int(loc.ts.timestamp()), "lat": loc.lat, "lon": loc.lon, "speed": loc.speed,
            "heading": loc.heading, "acc": loc.acc, "seq": serial, "attrs": loc.attrs()}


def _expire(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(False)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _mqtt_string(data: bytes) -> bytes:
    return len(data).to_bytes(2) + data


class Publisher:
    """An MQTT 3.1.1 client on the gateway's event loop that only publishes at QoS 1: `publish` returns once the
    broker's PUBACK came back. It reconnects with backoff and sends what is still unacknowledged again (DUP).

    Not paho: paho's network loop runs on a thread of its own, and every publish from the event loop and every
    PUBACK back cost a wake-up across threads; here the transport batches the writes of many terminals at once."""

    def __init__(self, url: str, *, client_id: str = "", keepalive: int = 30):
        self.server = parse_mqtt_url(url)
        self.client_id = client_id or f"qm-jt808-{uuid.uuid4().hex[:8]}"
        self.keepalive = keepalive
        self.inflight: dict[int, tuple[bytes, asyncio.Future]] = {}  # mid -> (PUBLISH packet, its future)
        self._mid = 0
        self.subscriptions: list[str] = []  # subscribed (QoS 0) after every connect
        self.on_message = None  # (topic, payload) -> None, for what they deliver
        self._writer: asyncio.StreamWriter | None = None
        self._out: list[bytes] = []  # PUBLISH packets of this loop iteration, written at once (one send)
        self._connected: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._connected = asyncio.Event()
        self._task = loop.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._writer is not None:
            self._writer.write(b"\xe0\x00")  # DISCONNECT
            self._writer.close()

    def _connect_packet(self) -> bytes:
        flags = 0x02  # clean session: what is unacknowledged is resent by us, or by the terminal
        payload = _mqtt_string(self.client_id.encode())
        if self.server["username"]:
            flags |= 0x80
            payload += _mqtt_string(self.server["username"].encode())
            if self.server["password"] is not None:
                flags |= 0x40
                payload += _mqtt_string(self.server["password"].encode())
        body = _mqtt_string(b"MQTT") + bytes([4, flags]) + self.keepalive.to_bytes(2) + payload
        return b"\x10" + _varint(len(body)) + body

    async def _run(self) -> None:
        delay = 1.0
        while True:
            try:
                reader, writer = await asyncio.open_connection(self.server["host"], self.server["port"])
                writer.write(self._connect_packet())
                connack = await asyncio.wait_for(reader.readexactly(4), 10)
                if connack[0] != 0x20 or connack[3] != 0:
                    raise ConnectionError(f"broker refused the connection (CONNACK {connack.hex()})")
                self._writer, delay = writer, 1.0
                for packet, _ in self.inflight.values():
                    writer.write(bytes([packet[0] | 0x08]) + packet[1:])  # DUP
                if self.subscriptions:
                    body = self._next_mid().to_bytes(2) + b"".join(_mqtt_string(t.encode()) + b"\x00"
                                                                   for t in self.subscriptions)
                    writer.write(b"\x82" + _varint(len(body)) + body)
                self._connected.set()
                log.info("connected to the broker")
                pinger = asyncio.get_running_loop().create_task(self._ping(writer))
                try:
                    await self._read(reader)
                finally:
                    pinger.cancel()
                log.warning("broker connection lost")
            except (OSError, ConnectionError, TimeoutError, asyncio.IncompleteReadError) as exc:
                log.warning("broker: %s; again in %.0f s", exc, delay)
            self._connected.clear()
            self._writer = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _ping(self, writer: asyncio.StreamWriter) -> None:
        while True:
            await asyncio.sleep(self.keepalive / 2)
            writer.write(b"\xc0\x00")

    async def _read(self, reader: asyncio.StreamReader) -> None:
        buf = b""
        while data := await reader.read(65536):
            buf += data
            pos = 0
            while True:  # fixed header, remaining length, body
                if len(buf) - pos < 2:
                    break
                length, shift, i = 0, 0, pos + 1
                while i < len(buf) and buf[i] & 0x80:
                    length |= (buf[i] & 0x7F) << shift
                    shift += 7
                    i += 1
                if i >= len(buf):
                    break
                length |= buf[i] << shift
                end = i + 1 + length
                if end > len(buf):
                    break
                kind = buf[pos] >> 4
                if kind == 4 and length == 2:  # PUBACK
                    entry = self.inflight.pop(int.from_bytes(buf[i + 1:i + 3]), None)
                    if entry is not None and not entry[1].done():
                        entry[1].set_result(True)
                elif kind == 3 and not buf[pos] & 0x06 and self.on_message is not None:  # PUBLISH, QoS 0
                    size = int.from_bytes(buf[i + 1:i + 3])
                    self.on_message(buf[i + 3:i + 3 + size].decode("utf-8", "replace"), buf[i + 3 + size:end])
                pos = end
            buf = buf[pos:]

    def _flush(self) -> None:
        out, self._out = self._out, []
        if self._writer is not None:  # else they are sent with the rest of `inflight` once connected
            self._writer.write(b"".join(out))

    def _next_mid(self) -> int:
        for _ in range(0x10000):
            self._mid = self._mid % 0xFFFF + 1
            if self._mid not in self.inflight:
                return self._mid
        return 0

    async def publish(self, topic: str, payload: bytes, timeout: float) -> bool:
        """True once the broker acknowledged it; False after `timeout` (the caller leaves the report unanswered)."""
        mid = self._next_mid()
        if not mid:
            return False  # 65,535 unacknowledged: the broker is not keeping up
        body = _mqtt_string(topic.encode()) + mid.to_bytes(2) + payload
        packet = b"\x32" + _varint(len(body)) + body
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.inflight[mid] = (packet, future)
        if not self._out:
            loop.call_soon(self._flush)
        self._out.append(packet)
        expiry = loop.call_later(timeout, _expire, future)  # cheaper than asyncio.wait_for's task per call
        try:
            acked = await future
        finally:
            expiry.cancel()
        if not acked and self.inflight.get(mid, (None, None))[1] is future:
            del self.inflight[mid]
        return acked


class Gateway:
    def __init__(self, *, url: str, prefix: str = "qm", host: str = "0.0.0.0", port: int = 7808,
                 client_id: str = ""):
        self.prefix = prefix
        self.host, self.port = host, port
        self.publisher = Publisher(url, client_id=client_id)
        self.idle_s = conf.get("QM_JT808_IDLE_S")
        self.puback_timeout_s = conf.get("QM_JT808_PUBACK_TIMEOUT_S")
        self.max_bad = conf.get("QM_JT808_MAX_BAD_FRAMES")
        self.deadletters_per_connection = conf.get("QM_JT808_DEADLETTERS_PER_CONNECTION")
        self.counters: Counter = Counter()
        self.sessions: dict[str, Session] = {}  # phone -> its authenticated connection
        self.connections: set[Session] = set()
        # The ORM is synchronous: registry lookups and dead letters run on one thread of their own.
        self.db = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="qm-jt808-db")
        self._registry = None
        self._dead: list = []
        self._dead_flush: asyncio.Task | None = None
        self.server: asyncio.base_events.Server | None = None
        self._sweeper: asyncio.Task | None = None
        self._answers: set[asyncio.Task] = set()
        self.stopping: asyncio.Event | None = None

    # --- the database thread ------------------------------------------------------------------------------

    def _lookup(self, phone: str):
        from .registry import Registry

        if self._registry is None:
            self._registry = Registry()
        try:
            return self._registry.lookup(phone)
        except Exception:
            close_old_connections()
            raise

    async def bound(self, phone: str) -> bool:
        """Is this phone number some vehicle's terminal id (the registry, refreshed as the ingest's is)?"""
        return await asyncio.get_running_loop().run_in_executor(self.db, self._lookup, phone) is not None

    def dead_letter(self, *, phone: str, msg_id: int | None, reason: str, detail: str, payload: bytes) -> None:
        """Kept as a dead letter (written within a fraction of a second, several at once)."""
        topic = f"jt808/{phone or '-'}/" + (f"0x{msg_id:04x}" if msg_id is not None else "-")
        self._dead.append((topic, payload.hex(), reason, detail, phone, time.time()))
        self.counters[f"dead_letter.{reason}"] += 1
        if self._dead_flush is None or self._dead_flush.done():
            self._dead_flush = asyncio.get_running_loop().create_task(self._flush_dead_letters())

    async def _flush_dead_letters(self) -> None:
        while self._dead:
            await asyncio.sleep(0.1)
            rows, self._dead = self._dead, []
            await asyncio.get_running_loop().run_in_executor(self.db, _write_dead_letters, rows)

    # --- platform commands (0x8201 position query, 0x8103 reporting interval) ------------------------------

    def _on_command(self, topic: str, payload: bytes) -> None:
        """`{prefix}/jt808/{phone}/command`, JSON `{"command": "locate"}` or `{"command": "interval", "seconds": N,
        "sleep_seconds": M}` (either or both: 0x8103 parameters 0x0029 and 0x0027); the outcome goes to
        `{prefix}/jt808/{phone}/answer`."""
        parts = topic.split("/")
        phone = parts[-2]
        try:
            request = orjson.loads(payload)
            command = request["command"]
            if command == "locate":
                msg_id, body = j.MsgId.QUERY_LOCATION, b""
            elif command == "interval":
                params = {param: int(request[key]) for key, param in INTERVAL_PARAMS.items()
                          if request.get(key) is not None}
                if not params or not all(1 <= value <= MAX_INTERVAL_S for value in params.values()):
                    raise ValueError(params)
                msg_id, body = j.MsgId.SET_PARAMS, j.set_params_body(params)
            else:
                raise ValueError(command)
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            self.answer(phone, {"status": "invalid", "request": payload.decode("utf-8", "replace")[:200]})
            return
        session = self.sessions.get(phone)
        if session is None:
            self.answer(phone, {"command": command, "status": "offline"})
            return
        session.commands[session.send(msg_id, body)] = command
        self.counters[f"command.{command}"] += 1

    def answer(self, phone: str, data: dict) -> None:
        topic = f"{self.prefix}/jt808/{phone}/answer"
        task = asyncio.get_running_loop().create_task(
            self.publisher.publish(topic, orjson.dumps({"terminal": phone, **data}), self.puback_timeout_s))
        self._answers.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._answers.discard)

    # --- serving ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self.publisher.subscriptions = [f"{self.prefix}/jt808/+/command"]
        self.publisher.on_message = self._on_command
        self.publisher.start(loop)
        self.server = await asyncio.start_server(self._connection, self.host, self.port, limit=_READ * 4,
                                                 backlog=1024)
        self._sweeper = loop.create_task(self._sweep())
        self.port = self.server.sockets[0].getsockname()[1]

    async def serve(self, ready=None) -> Counter:
        await self.start()
        # As the ingest does: what start-up made is never collected, and full collections (which walk every
        # connection's objects, thousands of them) wait for 1,000 middle-generation ones.
        gc.collect()
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
        log.info("jt808 gateway listening on %s:%s", self.host, self.port)
        if ready:
            ready(self)
        await self.stopping.wait()
        await self.close()
        return self.counters

    def stop(self) -> None:
        if self.stopping is not None:
            self.stopping.set()

    async def close(self) -> None:
        self._sweeper.cancel()
        self.server.close()
        for session in list(self.sessions.values()):
            session.writer.close()
        if self._dead_flush is not None:
            await self._dead_flush
        await self.publisher.stop()
        await asyncio.get_running_loop().run_in_executor(self.db, connections.close_all)
        self.db.shutdown(wait=True)

    async def _sweep(self) -> None:
        """Closes the connections idle for QM_JT808_IDLE_S (checked a few times per period)."""
        while True:
            await asyncio.sleep(min(1.0, self.idle_s / 4))
            limit = time.monotonic() - self.idle_s
            for session in [s for s in self.connections if s.last_frame < limit]:
                self.counters["idle_closed"] += 1
                session.closing = True
                session.writer.transport.abort()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counters["connections"] += 1
        session = Session(self, reader, writer)
        self.connections.add(session)
        try:
            await session.run()
        except (ConnectionError, OSError):
            pass
        except Exception:
            log.exception("connection %s failed", session.peer)
        finally:
            self.connections.discard(session)
            if session.phone and self.sessions.get(session.phone) is session:
                del self.sessions[session.phone]
            writer.close()


def _write_dead_letters(rows: list[tuple]) -> None:
    from .models import DeadLetter

    limit = conf.get("QM_DEADLETTER_PAYLOAD_MAX")
    try:
        DeadLetter.objects.bulk_create([
            DeadLetter(topic=topic[:300], payload=payload[:limit], truncated=len(payload) > limit, reason=reason,
                       detail=detail[:500], terminal=phone[:64], received_at=dt.datetime.fromtimestamp(at, dt.UTC))
            for topic, payload, reason, detail, phone, at in rows])
    except Exception:
        close_old_connections()
        log.exception("%d dead letters could not be written", len(rows))


class Session:
    """One terminal connection: its frames in order, its authentication, its answers."""

    def __init__(self, gateway: Gateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.gw = gateway
        self.reader, self.writer = reader, writer
        self.peer = writer.get_extra_info("peername")
        self.frames = j.FrameReader()
        self.packages = j.Reassembler()
        self.phone = ""  # set by a successful authentication
        self.version: int | None = None  # the header version the terminal speaks; answers use the same
        self._phone_for_answer = "0"
        self.serial = 0
        self.bad_in_row = 0
        self.dead_letters = 0
        self.closing = False
        self.commands: dict[int, str] = {}  # serial of a platform command sent -> its name, until answered
        # Idle is counted from the last complete frame, so a connection trickling bytes (slow loris) is cut too.
        self.last_frame = time.monotonic()

    async def run(self) -> None:
        # No timeout per read (asyncio.wait_for costs a task each time): Gateway._sweep closes idle connections.
        while not self.closing:
            data = await self.reader.read(_READ)
            if not data:
                return
            for segment in self.frames.feed(data):
                if isinstance(segment, j.FrameError):
                    self._bad(segment, b"", None)
                elif await self.handle(segment):
                    self.last_frame = time.monotonic()
                if self.closing:
                    return

    def _bad(self, error: j.FrameError, raw: bytes, msg_id: int | None, phone: str = "") -> None:
        gw = self.gw
        gw.counters["bad_frames"] += 1
        self.bad_in_row += 1
        if self.dead_letters < gw.deadletters_per_connection:
            self.dead_letters += 1
            reason = DeadLetterReason.BAD_FRAME if error.reason == "bad_frame" else DeadLetterReason.INVALID_FIELD
            gw.dead_letter(phone=phone or self.phone, msg_id=msg_id, reason=reason, detail=error.detail,
                           payload=raw)
        if self.bad_in_row >= gw.max_bad:
            self.closing = True

    def send(self, msg_id: int, body: bytes) -> int:
        """Writes a frame to the terminal; returns its serial."""
        self.serial = (self.serial + 1) & 0xFFFF
        transport = self.writer.transport
        if transport.is_closing():
            return self.serial
        if transport.get_write_buffer_size() > _WRITE_BUFFER_MAX:
            self.closing = True
            transport.abort()
            return self.serial
        self.writer.write(j.build_frame(msg_id, self._phone_for_answer, self.serial, body, version=self.version))
        return self.serial

    def answer(self, header: j.Header, serials, result: int) -> None:
        for serial in serials:
            self.send(j.MsgId.PLATFORM_RESPONSE, j.general_response(serial, header.msg_id, result))

    async def handle(self, segment: bytes) -> bool:
        """One frame; True if it was a frame (good or answered), False if it was dropped as bad."""
        raw = j.FLAG_BYTE + segment + j.FLAG_BYTE
        try:
            frame = j.parse_frame(segment)
        except j.FrameError as exc:
            self._bad(exc, raw, None)
            return False
        self.bad_in_row = 0
        h = frame.header
        self.version = h.version
        self._phone_for_answer = h.phone
        if h.total:
            if h.msg_id in _REPORTS and not self.authenticated(h):
                # A package of a report on a connection that has not authenticated is refused as the report would
                # be (failure result, dead letter), not answered 0 and held.
                await self.on_location(frame, raw)
                return True
            try:
                whole = self.packages.add(frame, time.monotonic())
            except j.FrameError as exc:
                self._bad(exc, raw, h.msg_id, h.phone)
                return True
            self._forgotten_packages()
            # At-least-once across sub-packages (see the module's docstring): every package but the last is answered
            # as it arrives, the last only once the whole message is handed on.
            if h.index != h.total:
                self.answer(h, (h.serial,), j.Result.OK)
            if whole is None:
                if h.index == h.total:
                    # The last package, the message incomplete: its earlier packages went to a connection (or a
                    # gateway) that is gone. Ask for them again (0x8003); the last stays unanswered meanwhile.
                    first, missing = self.packages.missing(h)
                    self.gw.counters["resend_requests"] += 1
                    self.send(j.MsgId.RESEND_PACKAGES, j.resend_request(first, missing, is_2019=h.is_2019))
                return True
            frame = whole
            frame.serials = frame.serials[-1:]  # the last package's serial: its answer says the message is safe
        if h.encryption:
            self.answer(h, frame.serials, j.Result.UNSUPPORTED)
            return True
        handler = _HANDLERS.get(h.msg_id)
        if handler is None:
            self.gw.counters["unsupported"] += 1
            self.answer(h, frame.serials, j.Result.UNSUPPORTED)
            return True
        self.gw.counters[f"msg.0x{h.msg_id:04x}"] += 1
        await handler(self, frame, raw)
        return True

    def _forgotten_packages(self) -> None:
        """Incomplete messages the reassembly gave up on (QM_JT808 timeout or newer ones) are kept as dead letters:
        their last package was never answered, but a terminal that did not send the missing packages again (0x8003)
        has lost them."""
        while self.packages.dropped:
            first, held = self.packages.dropped.pop()
            self.gw.dead_letter(phone=first.phone, msg_id=first.msg_id, reason=DeadLetterReason.BAD_FRAME,
                                detail=f"sub-packaged message incomplete: packages {held} of {first.total} received",
                                payload=b"")

    # --- the messages -------------------------------------------------------------------------------------

    async def on_register(self, frame: j.Frame, raw: bytes) -> None:
        # Only the header's phone number decides (the registry binds it to the plate); the body's maker, model and
        # plate are not checked, so 2011-era terminals with shorter fields register too.
        h = frame.header
        if await self.gw.bound(h.phone):
            self.send(j.MsgId.REGISTER_RESPONSE, j.register_response(h.serial, j.RegisterResult.OK,
                                                                      auth_code(h.phone)))
        else:
            self.gw.counters["register_refused"] += 1
            self.send(j.MsgId.REGISTER_RESPONSE, j.register_response(h.serial, j.RegisterResult.NO_TERMINAL))

    async def on_auth(self, frame: j.Frame, raw: bytes) -> None:
        h = frame.header
        try:
            code = j.decode_auth(frame.body, h.is_2019)
        except j.FrameError as exc:
            self._bad(j.FrameError(exc.detail, "invalid_field"), raw, h.msg_id, h.phone)
            self.answer(h, frame.serials, j.Result.MALFORMED)
            return
        if hmac.compare_digest(code.encode(), auth_code(h.phone).encode()) and await self.gw.bound(h.phone):
            previous = self.gw.sessions.get(h.phone)
            if previous is not None and previous is not self:
                previous.closing = True  # the terminal reconnected; its old connection is stale
                previous.writer.close()
            self.phone = h.phone
            self.gw.sessions[h.phone] = self
            self.answer(h, frame.serials, j.Result.OK)
        else:
            self.gw.counters["auth_refused"] += 1
            self.answer(h, frame.serials, j.Result.FAILURE)

    async def on_heartbeat(self, frame: j.Frame, raw: bytes) -> None:
        self.answer(frame.header, frame.serials, j.Result.OK)

    async def on_logout(self, frame: j.Frame, raw: bytes) -> None:
        self.answer(frame.header, frame.serials, j.Result.OK)
        if self.phone and self.gw.sessions.get(self.phone) is self:
            del self.gw.sessions[self.phone]
        self.phone = ""

    def authenticated(self, h: j.Header) -> bool:
        """Has this connection authenticated (0x0102) as the terminal of this header?"""
        return bool(self.phone) and h.phone == self.phone

    async def on_location(self, frame: j.Frame, raw: bytes) -> None:
        h = frame.header
        if not self.authenticated(h):
            self.gw.counters["unauthenticated"] += 1
            self.gw.dead_letter(phone=h.phone, msg_id=h.msg_id, reason=DeadLetterReason.UNAUTHENTICATED,
                                detail="location report on a connection that has not authenticated (0x0102)",
                                payload=raw)
            self.answer(h, frame.serials, j.Result.FAILURE)
            return
        try:
            if h.msg_id == j.MsgId.BATCH:
                _, locations = j.decode_batch(frame.body)
            elif h.msg_id == j.MsgId.QUERY_ANSWER:
                reply, location = j.decode_query_answer(frame.body)
                locations = [location]
                if self.commands.pop(reply, None):
                    self.gw.answer(h.phone, {"command": "locate", "status": "ok",
                                             "fix": fix_payload(location, h.serial)})
            else:
                locations = [j.decode_location(frame.body)]
        except j.FrameError as exc:
            self._bad(j.FrameError(exc.detail, "invalid_field"), raw, h.msg_id, h.phone)
            self.answer(h, frame.serials, j.Result.MALFORMED)
            return
        fixes = []
        for loc in locations:
            if loc.positioned:
                fixes.append(fix_payload(loc, h.serial))
            else:
                self.gw.dead_letter(phone=h.phone, msg_id=h.msg_id, reason=DeadLetterReason.INVALID_FIELD,
                                    detail="not positioned (status bit 1 clear)", payload=raw)
        if fixes:
            payload = orjson.dumps(fixes if h.msg_id == j.MsgId.BATCH else fixes[0])
            topic = f"{self.gw.prefix}/terminals/{h.phone}/position"
            if not await self.gw.publisher.publish(topic, payload, self.gw.puback_timeout_s):
                self.gw.counters["puback_timeout"] += 1
                return  # unanswered: the terminal sends it again
            self.gw.counters["fixes"] += len(fixes)
        if h.msg_id != j.MsgId.QUERY_ANSWER:  # a terminal's own answer is not answered
            self.answer(h, frame.serials, j.Result.OK)

    async def on_terminal_response(self, frame: j.Frame, raw: bytes) -> None:
        """0x0001: the terminal's answer to a platform command (not itself answered)."""
        try:
            reply, _, result = j.decode_general_response(frame.body)
        except j.FrameError:
            return
        command = self.commands.pop(reply, None)
        if command is not None:
            self.gw.answer(frame.header.phone, {"command": command, "status": "ok" if result == j.Result.OK else
                                                "refused", "result": result})


_HANDLERS = {
    j.MsgId.REGISTER: Session.on_register,
    j.MsgId.AUTH: Session.on_auth,
    j.MsgId.HEARTBEAT: Session.on_heartbeat,
    j.MsgId.LOGOUT: Session.on_logout,
    j.MsgId.LOCATION: Session.on_location,
    j.MsgId.BATCH: Session.on_location,
    j.MsgId.QUERY_ANSWER: Session.on_location,
    j.MsgId.TERMINAL_RESPONSE: Session.on_terminal_response,
}


_REPORTS = (j.MsgId.LOCATION, j.MsgId.BATCH, j.MsgId.QUERY_ANSWER)


def run(*, url: str, prefix: str, host: str, port: int, client_id: str = "", ready=None) -> Counter:
    """Serves until SIGTERM or SIGINT; returns the counters."""
    gateway = Gateway(url=url, prefix=prefix, host=host, port=port, client_id=client_id)

    async def main():
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, gateway.stop)
        return await gateway.serve(ready)

    return asyncio.run(main())


# --- platform commands from outside the gateway (`qm jt808 --locate`, the map's "locate now") ----------------------

def is_phone(terminal_id: str) -> bool:
    """A JT/T 808 terminal is bound by its phone number: 12 BCD digits (2013) or 20 (2019), leading zeros kept, or
    the 12 or 20 lowercase hex digits of a terminal that puts a non-BCD id in its header (decoders.jt808.phone_digits).
    The MQTT terminals' ids are not all digits."""
    if terminal_id.isdigit():
        return len(terminal_id) <= 20
    return len(terminal_id) in (12, 20) and all(c in "0123456789abcdef" for c in terminal_id)


class CommandError(Exception):
    """The command could not be handed to the gateway (the broker is unreachable or refused the subscription)."""


def send_command(*, url: str, prefix: str, phone: str, request: dict, wait: float) -> dict:
    """Publishes `request` to `{prefix}/jt808/{phone}/command` for the running gateway and returns the gateway's
    answer (`{"terminal", "command", "status", ...}`: status "ok", "refused", "offline", "invalid"), or
    `{"status": "timeout"}` when nothing came back within `wait` seconds (no gateway running, or the terminal did
    not answer). Raises CommandError when the broker cannot be used."""
    import threading

    import paho.mqtt.client as mqtt

    server = parse_mqtt_url(url)
    answers: list[dict] = []
    subscribed, answered = threading.Event(), threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"qm-jt808-cmd-{uuid.uuid4().hex[:8]}",
                         protocol=mqtt.MQTTv311)
    if server["username"]:
        client.username_pw_set(server["username"], server["password"])

    def on_message(c, u, msg):
        try:
            answers.append(orjson.loads(msg.payload))
        except orjson.JSONDecodeError:
            return
        answered.set()
    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.set()
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(f"{prefix}/jt808/{phone}/answer", qos=1)
    try:
        client.connect(server["host"], server["port"])
    except OSError as exc:
        raise CommandError(f"cannot reach the MQTT broker at {server['host']}:{server['port']}: {exc}") from None
    client.loop_start()
    try:
        if not subscribed.wait(10):
            raise CommandError("the broker did not accept the subscription")
        client.publish(f"{prefix}/jt808/{phone}/command", orjson.dumps(request), qos=1).wait_for_publish(10)
        if not answered.wait(wait):
            return {"terminal": phone, **request, "status": "timeout"}
        return answers[0]
    finally:
        client.disconnect()
        stop_loop(client)
