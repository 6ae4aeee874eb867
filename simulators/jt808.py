"""Simulated JT/T 808 terminals: register (once), authenticate, report each fix with 0x0200 and wait for the
platform's 0x8001, retransmit what was not answered, buffer while out of coverage or disconnected and flush the
buffer with 0x0704 (盲区补传; sub-packaged when longer than a package), reconnect with backoff; answer 0x8201
(position query), 0x8103 (parameters) and 0x8003 (send sub-packages again)."""
from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field

from telematics.tracking.decoders import jt808 as j

log = logging.getLogger("qm.simulate.jt808")
BATCH_MAX = 20  # reports per 0x0704: 20 × ~40 bytes stays within one frame's 1,023-byte body


def is_phone(terminal_id: str) -> bool:
    """A terminal id a JT/T 808 header can carry: its phone number's 12 (2013) or 20 (2019) BCD digits."""
    return terminal_id.isdigit() and len(terminal_id) in (12, 20)


class Refused(Exception):
    """The platform refused registration or authentication."""


@dataclass
class Terminal:
    phone: str
    host: str = "127.0.0.1"
    port: int = 7808
    timeout_s: float = 5.0  # an unanswered message is sent again after this (JT/T 808 5.2's T)
    retries: int = 2  # ... this many times, then the connection is taken as lost
    backoff_max_s: float = 30.0
    plate: str = ""
    code: str = ""  # the auth code from registration, kept across reconnects
    # The reporting intervals the platform set with 0x8103 (parameters 0x0029 and 0x0027, seconds); until then the
    # terminal reports every fix of its plan.
    interval_s: int | None = None
    sleep_interval_s: int | None = None  # while ACC is off (the terminal sleeps)
    refuse_params: bool = False  # answers 0x8103 with result 1 (failure), as a terminal that does not take them
    batch_max: int = BATCH_MAX  # reports per 0x0704
    package_size: int = j.MAX_BODY  # a longer 0x0704 body goes as sub-packages of this many bytes
    package_gap_s: float = 0.0  # pause after each answered sub-package (a slow link)
    buffer: list = field(default_factory=list)  # Locations not yet answered
    last: j.Location | None = None
    sent: int = 0  # location reports answered
    counters: dict = field(default_factory=dict)

    def __post_init__(self):
        self.version = 1 if len(self.phone) == 20 else None
        self._serial = 0
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task | None = None
        self._waiting: dict[int, asyncio.Future] = {}
        self._last_due: j.Location | None = None
        # The sub-packaged message being sent: kept, with which packages were answered, until its last package is
        # answered — across reconnects, and for the platform's 0x8003.
        self._message: dict | None = None

    # --- the connection -----------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def open(self) -> None:
        reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._count("connections")
        self._reader_task = asyncio.get_running_loop().create_task(self._read(reader))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._reader_task is not None:
            self._reader_task.cancel()
            self._reader_task = None
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionError("closed"))
        self._waiting.clear()

    def _next_serial(self) -> int:
        self._serial = (self._serial + 1) & 0xFFFF
        return self._serial

    def write(self, msg_id: int, body: bytes = b"", serial: int | None = None) -> int:
        serial = self._next_serial() if serial is None else serial
        self._writer.write(j.build_frame(msg_id, self.phone, serial, body, version=self.version))
        return serial

    async def request(self, msg_id: int, body: bytes = b""):
        """Sends and waits for the platform's answer (0x8001's result, or 0x8100's (result, code)), sending the
        same frame (same serial) again after each timeout; TimeoutError after the retries."""
        serial = self._next_serial()
        for _ in range(self.retries + 1):
            future = asyncio.get_running_loop().create_future()
            self._waiting[serial] = future
            self.write(msg_id, body, serial)
            try:
                return await asyncio.wait_for(future, self.timeout_s)
            except TimeoutError:
                self.counters["retransmitted"] = self.counters.get("retransmitted", 0) + 1
            finally:
                self._waiting.pop(serial, None)
        raise TimeoutError(f"0x{msg_id:04x} serial {serial} unanswered")

    def _count(self, name: str) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1

    async def request_packaged(self, msg_id: int, body: bytes):
        """Sends a message as sub-packages with consecutive serials, each but the last once the previous one was
        answered, and returns the last one's answer. Packages not answered are sent again after a timeout; a message
        interrupted by a lost connection continues (same serials, only the unanswered packages) when this is called
        again with the same body; 0x8003 from the platform sends the packages it names again."""
        m = self._message
        if m is None or (m["msg_id"], m["body"]) != (msg_id, body):
            first = self._next_serial()
            frames = j.build_packages(msg_id, self.phone, first, body, size=self.package_size, version=self.version)
            self._serial = (first + len(frames) - 1) & 0xFFFF
            m = self._message = {"msg_id": msg_id, "body": body, "first": first,
                                 "frames": dict(enumerate(frames, 1)), "answered": set()}
        total = len(m["frames"])
        for _ in range(self.retries + 1):
            for index in range(1, total + 1):
                if index in m["answered"]:
                    continue
                serial = (m["first"] + index - 1) & 0xFFFF
                future = asyncio.get_running_loop().create_future()
                self._waiting[serial] = future
                self._writer.write(m["frames"][index])
                try:
                    result = await asyncio.wait_for(future, self.timeout_s)
                except TimeoutError:
                    self._count("retransmitted")
                    break
                finally:
                    self._waiting.pop(serial, None)
                if index == total:
                    self._message = None
                    return result
                m["answered"].add(index)
                self._count("package_receipts")
                if self.package_gap_s:
                    await asyncio.sleep(self.package_gap_s)
        raise TimeoutError(f"0x{msg_id:04x} in {total} packages from serial {m['first']} unanswered")

    def _resend_packages(self, frame: j.Frame) -> None:
        self._count("resend_requests")
        try:
            first, indexes = j.decode_resend_request(frame.body, self.version is not None)
        except j.FrameError:
            return
        m = self._message
        if m is None or m["first"] != first:
            return  # a message already answered in full: nothing kept
        for index in indexes:
            if index in m["frames"]:
                self._writer.write(m["frames"][index])

    async def _read(self, reader: asyncio.StreamReader) -> None:
        frames = j.FrameReader()
        try:
            while data := await reader.read(4096):
                for segment in frames.feed(data):
                    if isinstance(segment, bytes):
                        try:
                            self._received(j.parse_frame(segment))
                        except j.FrameError:
                            continue
        except (ConnectionError, OSError):
            pass
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("connection lost"))

    def _received(self, frame: j.Frame) -> None:
        h = frame.header
        if h.msg_id == j.MsgId.PLATFORM_RESPONSE:
            serial, _, result = j.decode_general_response(frame.body)
            self._resolve(serial, result)
        elif h.msg_id == j.MsgId.REGISTER_RESPONSE:
            serial, result, code = j.decode_register_response(frame.body)
            self._resolve(serial, (result, code))
        elif h.msg_id == j.MsgId.RESEND_PACKAGES:
            self._resend_packages(frame)
        elif h.msg_id == j.MsgId.QUERY_LOCATION and self.last is not None:
            self.write(j.MsgId.QUERY_ANSWER, h.serial.to_bytes(2) + j.encode_location(self.last))
        elif h.msg_id == j.MsgId.SET_PARAMS:
            try:
                params = j.decode_set_params(frame.body)
            except j.FrameError:
                self.write(j.MsgId.TERMINAL_RESPONSE, j.general_response(h.serial, h.msg_id, j.Result.MALFORMED))
                return
            if self.refuse_params:
                self.write(j.MsgId.TERMINAL_RESPONSE, j.general_response(h.serial, h.msg_id, j.Result.FAILURE))
                return
            for param, name in ((j.Param.DEFAULT_INTERVAL, "interval_s"), (j.Param.SLEEP_INTERVAL, "sleep_interval_s")):
                if param in params:
                    setattr(self, name, int.from_bytes(params[param]))
            self.write(j.MsgId.TERMINAL_RESPONSE, j.general_response(h.serial, h.msg_id, j.Result.OK))

    def due(self, loc: j.Location) -> bool:
        """Does the terminal report this fix of its plan? With an interval set by the platform, only a fix that
        interval (the sleep interval while ACC is off, when set) after the last one it reported."""
        interval = self.sleep_interval_s if not loc.acc and self.sleep_interval_s else self.interval_s
        last = self._last_due
        if interval and last is not None and (loc.ts - last.ts).total_seconds() < interval:
            return False
        self._last_due = loc
        return True

    def _resolve(self, serial: int, value) -> None:
        future = self._waiting.get(serial)
        if future is not None and not future.done():
            future.set_result(value)

    # --- the session --------------------------------------------------------------------------------------

    async def login(self) -> None:
        """Registers the first time (keeping the auth code), then authenticates; Refused when the platform says no."""
        if not self.code:
            registration = j.Registration(32, 400, "QMSIM", "QM-JT808", self.phone[-7:], 1 if self.plate else 0,
                                          self.plate)
            result, code = await self.request(j.MsgId.REGISTER, j.encode_registration(registration,
                                                                                      self.version is not None))
            if result != j.RegisterResult.OK:
                raise Refused(f"registration refused: result {result}")
            self.code = code
        result = await self.request(j.MsgId.AUTH, j.encode_auth(self.code, self.version is not None,
                                                                 imei=self.phone[-15:], software="qm-sim"))
        if result != j.Result.OK:
            self.code = ""  # registered again next time
            raise Refused(f"authentication refused: result {result}")

    async def heartbeat(self) -> int:
        return await self.request(j.MsgId.HEARTBEAT)

    async def report(self, loc: j.Location) -> int:
        result = await self.request(j.MsgId.LOCATION, j.encode_location(loc))
        self.last = loc
        return result

    async def flush(self, kind: int = 1) -> None:
        """Sends the buffer, oldest first, as 0x0704 batches (a single report as 0x0200); a report leaves the buffer
        only once answered."""
        while self.buffer:
            chunk = self.buffer[:self.batch_max]
            if len(chunk) == 1:
                result = await self.report(chunk[0])
            else:
                body = j.encode_batch(chunk, kind)
                if len(body) > self.package_size:
                    result = await self.request_packaged(j.MsgId.BATCH, body)
                else:
                    result = await self.request(j.MsgId.BATCH, body)
                self.last = chunk[-1]
            del self.buffer[:len(chunk)]
            if result == j.Result.OK:
                self.sent += len(chunk)

    async def connect_with_backoff(self, stop: asyncio.Event | None = None) -> bool:
        """Connects and logs in, waiting 1, 2, 4 … `backoff_max_s` seconds (with jitter) between attempts."""
        delay = 1.0
        while stop is None or not stop.is_set():
            try:
                await self.open()
                await self.login()
                return True
            except (OSError, ConnectionError, TimeoutError) as exc:
                log.info("%s: %s; again in %.0f s", self.phone, exc, delay)
                await self.close()
                self.counters["reconnects"] = self.counters.get("reconnects", 0) + 1
            try:
                await asyncio.wait_for(stop.wait() if stop else asyncio.sleep(delay), delay * random.uniform(0.8, 1.2))
            except TimeoutError:
                pass
            delay = min(delay * 2, self.backoff_max_s)
        return False

    async def deliver(self, locations: list[j.Location], *, covered: bool = True,
                      stop: asyncio.Event | None = None) -> None:
        """Hands fixes to the terminal: out of coverage they wait in the buffer; otherwise the buffer (and they) are
        sent, reconnecting as long as it takes (or until `stop`)."""
        self.buffer.extend(locations)
        if not covered:
            return
        while self.buffer and (stop is None or not stop.is_set()):
            if not self.connected and not await self.connect_with_backoff(stop):
                return
            try:
                await self.flush(kind=1 if len(self.buffer) > 1 else 0)
            except (OSError, ConnectionError, TimeoutError):
                await self.close()


def location_from_fix(fix: dict, *, mileage_km: float, rng: random.Random) -> j.Location:
    """A native-contract fix (simulators.terminals) as a JT/T 808 location report (WGS-84)."""
    from gis.gcj02 import gcj02_to_wgs84
    from telematics.tracking.decoders.common import timestamp

    lat, lon = fix["lat"], fix["lon"]
    if fix.get("crs") == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    status = j.STATUS_POSITIONED | (j.STATUS_ACC if fix.get("acc") else 0)
    return j.Location(0, status, round(lat, 6), round(lon, 6), 10, round(float(fix.get("speed") or 0), 1),
                      int(fix.get("heading") or 0) % 360, timestamp(fix["ts"]).replace(microsecond=0),
                      mileage_km=round(mileage_km, 1), signal=rng.randint(18, 31), satellites=rng.randint(7, 16))


def fixes_of(payload: str) -> list[dict]:
    """The fixes of a native message. A JT/T 808 terminal has no way to send what the malformed scenarios send
    (bad JSON, a fix without its fields): those messages have no JT/T 808 form and are left out."""
    import json

    try:
        data = json.loads(payload)
    except ValueError:
        return []
    fixes = data if isinstance(data, list) else [data]
    return [f for f in fixes if isinstance(f, dict) and f.get("ts") is not None
            and all(isinstance(f.get(k), (int, float)) for k in ("lat", "lon"))]


@dataclass
class Fleet:
    """The simulated JT/T 808 terminals of one run, on an asyncio loop of their own (see `start`)."""

    host: str
    port: int
    plates: dict = field(default_factory=dict)  # phone -> plate
    terminals: dict = field(default_factory=dict)
    mileage: dict = field(default_factory=dict)
    previous: dict = field(default_factory=dict)

    def __post_init__(self):
        self.rng = random.Random(808)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: dict[str, asyncio.Queue] = {}
        self.tasks: list[asyncio.Task] = []
        self.stop_event: asyncio.Event | None = None

    def start(self) -> None:
        import threading

        ready = threading.Event()

        def run():
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            self.stop_event = asyncio.Event()
            ready.set()
            self.loop.run_forever()

        threading.Thread(target=run, name="qm-sim-jt808", daemon=True).start()
        ready.wait()

    def send(self, terminal_id: str, payload: str) -> None:
        """A terminal's native message (one fix, or an array flushed after a dead zone) → its JT/T 808 terminal."""
        locations = []
        for fix in fixes_of(payload):
            prev = self.previous.get(terminal_id)
            if prev is not None:
                from telematics.tracking.rules import distance_m

                self.mileage[terminal_id] = self.mileage.get(terminal_id, 0.0) + distance_m(
                    prev["lat"], prev["lon"], fix["lat"], fix["lon"]) / 1000
            self.previous[terminal_id] = fix
            try:
                locations.append(location_from_fix(fix, mileage_km=self.mileage.get(terminal_id, 0.0),
                                                   rng=self.rng))
            except (KeyError, ValueError, TypeError, OverflowError):  # no JT/T 808 form (e.g. a bad timestamp)
                continue
        if locations:
            self.loop.call_soon_threadsafe(self._enqueue, terminal_id, locations)

    def _enqueue(self, terminal_id: str, locations: list) -> None:
        queue = self.queues.get(terminal_id)
        if queue is None:
            queue = self.queues[terminal_id] = asyncio.Queue()
            terminal = self.terminals[terminal_id] = Terminal(terminal_id, self.host, self.port,
                                                              plate=self.plates.get(terminal_id, ""))
            self.tasks.append(self.loop.create_task(self._drive(terminal, queue)))
        queue.put_nowait(locations)

    async def _drive(self, terminal: Terminal, queue: asyncio.Queue) -> None:
        while True:
            locations = [loc for loc in await queue.get() if terminal.due(loc)]
            try:
                await terminal.deliver(locations, stop=self.stop_event)
            except Refused as exc:
                log.warning("%s: %s", terminal.phone, exc)
                terminal.buffer.clear()
                await terminal.close()
            finally:
                queue.task_done()

    def drain(self, timeout_s: float = 60.0) -> int:
        """Waits until every fix handed over was answered (or `timeout_s`); returns how many were answered."""
        async def wait():
            await asyncio.wait_for(asyncio.gather(*(q.join() for q in self.queues.values())), timeout_s)

        try:
            asyncio.run_coroutine_threadsafe(wait(), self.loop).result(timeout_s + 5)
        except TimeoutError:
            log.warning("JT/T 808 terminals: not all fixes answered within %.0f s", timeout_s)
        return sum(t.sent for t in self.terminals.values())

    def stop(self) -> None:
        async def shut():
            self.stop_event.set()
            for task in self.tasks:
                task.cancel()
            for terminal in self.terminals.values():
                await terminal.close()

        if self.loop is not None:
            asyncio.run_coroutine_threadsafe(shut(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)


def divert(messages, *, fleet: Fleet, prefix: str, clock):
    """The message stream without the position messages of JT/T 808 terminals: those go to `fleet` when their
    time comes (the stream is paced by its consumer, so this waits for each before handing it over)."""
    parts_n = len(prefix.split("/"))
    for m in messages:
        parts = m.topic.split("/")
        # A message with no JT/T 808 form (the malformed scenarios') stays on MQTT, where it becomes the dead
        # letter it is meant to be.
        if (len(parts) == parts_n + 3 and parts[parts_n] == "terminals" and parts[-1] == "position"
                and is_phone(parts[parts_n + 1]) and fixes_of(m.payload)):
            if not clock.wait_until(m.t):
                return
            fleet.send(parts[parts_n + 1], m.payload)
        else:
            yield m


def parse_address(text: str) -> tuple[str, int]:
    host, _, port = (text or "127.0.0.1:7808").rpartition(":")
    return host or "127.0.0.1", int(port)
