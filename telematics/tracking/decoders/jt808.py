"""JT/T 808-2013 and -2019 frames: 0x7e framing, 0x7d escaping, XOR check code, headers, sub-packages, and the
message bodies the gateway speaks, both ways (pure functions and small state machines, no I/O).

Clause numbers below are JT/T 808-2019's; -2013 is the same except where the header says (version flag, protocol
version byte, 20-digit phone) and the registration and authentication bodies' field widths.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import reduce
from operator import xor

FLAG = 0x7E
ESC = 0x7D
FLAG_BYTE = b"\x7e"
MAX_BODY = 0x3FF  # 10 bits of body length
# An escaped frame between its flags is at most twice the longest unescaped one (2019 header with sub-package items).
MAX_ESCAPED = 2 * (21 + MAX_BODY + 1)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # the standard's time is GMT+8 (no daylight saving in China)


class MsgId:
    TERMINAL_RESPONSE = 0x0001
    HEARTBEAT = 0x0002
    LOGOUT = 0x0003
    REGISTER = 0x0100
    AUTH = 0x0102
    LOCATION = 0x0200
    QUERY_ANSWER = 0x0201
    BATCH = 0x0704
    PLATFORM_RESPONSE = 0x8001
    RESEND_PACKAGES = 0x8003
    REGISTER_RESPONSE = 0x8100
    SET_PARAMS = 0x8103
    QUERY_LOCATION = 0x8201


class Result:
    """0x8001 / 0x0001 result byte (8.1, 8.2)."""

    OK = 0
    FAILURE = 1
    MALFORMED = 2
    UNSUPPORTED = 3
    ALARM_ACK = 4


class Param:
    """Terminal parameters (8.10, table 12) the platform sets with 0x8103; all DWORD seconds."""

    SLEEP_INTERVAL = 0x0027  # 休眠时汇报时间间隔: while the terminal sleeps (ACC off)
    DEFAULT_INTERVAL = 0x0029  # 缺省时间汇报间隔


class RegisterResult:
    """0x8100 result byte (8.6)."""

    OK = 0
    VEHICLE_TAKEN = 1
    NO_VEHICLE = 2
    TERMINAL_TAKEN = 3
    NO_TERMINAL = 4


# Alarm word bits (8.18, table 24) the product names; the word itself is kept whole with the fix.
ALARM_BITS = {
    0: "emergency", 1: "overspeed", 2: "fatigue", 3: "danger", 4: "gnss_fault", 5: "antenna_cut",
    6: "antenna_short", 7: "power_low", 8: "power_cut", 13: "overspeed_warning", 14: "fatigue_warning",
    18: "driving_overtime", 19: "parking_overtime", 26: "stolen", 27: "illegal_ignition",
    28: "illegal_movement", 29: "collision", 30: "rollover",
}
STATUS_ACC = 1 << 0
STATUS_POSITIONED = 1 << 1
STATUS_SOUTH = 1 << 2
STATUS_WEST = 1 << 3
VERSION_FLAG = 1 << 14
SUBPACKAGE_FLAG = 1 << 13
ENCRYPTION_MASK = 0b111 << 10


class FrameError(ValueError):
    """A frame or body that cannot be read; `reason` is a dead-letter reason."""

    def __init__(self, detail: str, reason: str = "bad_frame"):
        super().__init__(detail)
        self.detail = detail
        self.reason = reason


# --- bytes on the wire ---------------------------------------------------------------------------------------

def escape(data: bytes) -> bytes:
    """0x7d → 0x7d 0x01 first, then 0x7e → 0x7d 0x02 (4.4.2)."""
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    if b"\x7d" not in data:
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == ESC:
            nxt = data[i + 1] if i + 1 < n else -1
            if nxt == 0x01:
                out.append(ESC)
            elif nxt == 0x02:
                out.append(FLAG)
            else:
                raise FrameError(f"0x7d followed by {'nothing' if nxt < 0 else f'0x{nxt:02x}'} is not an escape",
                                 "bad_frame")
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


def check_code(data: bytes) -> int:
    """XOR of every byte from the header's first to the body's last (4.4.3)."""
    return reduce(xor, data, 0)


def bcd(digits: str, size: int) -> bytes:
    """Digits → BCD[size], padded with leading zeros. A header's phone number may also be hex digits: some terminals
    put a non-BCD id there (see `phone_digits`), and their answers must carry it back."""
    if not digits or len(digits) > 2 * size or any(c not in "0123456789abcdef" for c in digits):
        raise ValueError(f"{digits!r} is not at most {2 * size} digits")
    return bytes.fromhex(digits.rjust(2 * size, "0"))


def phone_digits(data: bytes) -> str:
    """The header's terminal phone number as its digits, leading zeros kept. The standard says BCD, but terminals of
    several makers put a hex id there (e.g. `4f07788ef676`, in Traccar's Jt808ProtocolDecoderTest): it is taken as
    its hex digits (lowercase), so such a terminal is bound by that id like any other instead of every frame of it
    being refused. For a BCD number this is exactly its digits."""
    return data.hex()


def bcd_digits(data: bytes) -> str:
    text = data.hex()
    if not text.isdigit():
        raise FrameError(f"BCD {text} has a nibble above 9", "bad_frame")
    return text


# --- header and frame ----------------------------------------------------------------------------------------

@dataclass(slots=True)
class Header:
    msg_id: int
    phone: str  # the terminal phone number's BCD digits: 12 (2013) or 20 (2019), leading zeros kept (hex
    # digits for the terminals that put a non-BCD id there: phone_digits)
    serial: int
    version: int | None = None  # the 2019 protocol version byte; None for a 2013 header
    encryption: int = 0
    total: int = 0  # sub-packages: how many, and this one's index (from 1); 0 when not sub-packaged
    index: int = 0

    @property
    def is_2019(self) -> bool:
        return self.version is not None


@dataclass(slots=True)
class Frame:
    header: Header
    body: bytes
    serials: tuple = ()  # a reassembled message: the serial of each of its sub-packages


def parse_frame(content: bytes) -> Frame:
    """One frame's bytes between its two 0x7e flags (still escaped) → its header and body; FrameError when the
    escaping, the check code, the header or the body length is wrong."""
    data = unescape(content)
    if len(data) < 13:
        raise FrameError(f"{len(data)} bytes is shorter than any frame", "bad_frame")
    payload, code = data[:-1], data[-1]
    if check_code(payload) != code:
        raise FrameError(f"check code 0x{code:02x}, computed 0x{check_code(payload):02x}", "bad_frame")
    msg_id = int.from_bytes(payload[0:2])
    attrs = int.from_bytes(payload[2:4])
    if attrs & VERSION_FLAG and len(payload) == 12 + (4 if attrs & SUBPACKAGE_FLAG else 0) + (attrs & MAX_BODY):
        # Bit 14 is reserved in 2013, yet some 2013 terminals set it (SmallChi/JT808's Demo14, its "JTT2013Force"
        # mode). A frame whose length fits a 2013 header and not a 2019 one (5 bytes longer) is read as 2013, and
        # answered so.
        attrs &= ~VERSION_FLAG
    if attrs & VERSION_FLAG:
        version, phone, pos = payload[4], payload[5:15], 15
    else:
        version, phone, pos = None, payload[4:10], 10
    if len(payload) < pos + 2:
        raise FrameError("header cut short", "bad_frame")
    serial = int.from_bytes(payload[pos:pos + 2])
    pos += 2
    total = index = 0
    if attrs & SUBPACKAGE_FLAG:
        if len(payload) < pos + 4:
            raise FrameError("sub-package items cut short", "bad_frame")
        total, index = int.from_bytes(payload[pos:pos + 2]), int.from_bytes(payload[pos + 2:pos + 4])
        pos += 4
        if not 1 <= index <= total:
            raise FrameError(f"sub-package {index} of {total}", "bad_frame")
    body = payload[pos:]
    if len(body) != attrs & MAX_BODY:
        raise FrameError(f"body is {len(body)} bytes, its header says {attrs & MAX_BODY}", "bad_frame")
    header = Header(msg_id, phone_digits(phone), serial, version, (attrs & ENCRYPTION_MASK) >> 10, total, index)
    return Frame(header, body, (serial,))


def build_frame(msg_id: int, phone: str, serial: int, body: bytes = b"", *, version: int | None = None,
                total: int = 0, index: int = 0) -> bytes:
    """A whole frame, flags included: a 2019 header when `version` is given (phone up to 20 digits), else 2013
    (up to 12)."""
    if len(body) > MAX_BODY:
        raise ValueError(f"a body is at most {MAX_BODY} bytes; sub-package longer ones")
    attrs = len(body) | (SUBPACKAGE_FLAG if total else 0) | (VERSION_FLAG if version is not None else 0)
    head = msg_id.to_bytes(2) + attrs.to_bytes(2)
    head += (bytes([version]) + bcd(phone, 10)) if version is not None else bcd(phone, 6)
    head += (serial & 0xFFFF).to_bytes(2)
    if total:
        head += total.to_bytes(2) + index.to_bytes(2)
    payload = head + body
    return FLAG_BYTE + escape(payload + bytes([check_code(payload)])) + FLAG_BYTE


def build_packages(msg_id: int, phone: str, first_serial: int, body: bytes, *, size: int = MAX_BODY,
                   version: int | None = None) -> list[bytes]:
    """A body longer than one frame takes, as consecutive sub-packages (serials counting up from `first_serial`)."""
    parts = [body[i:i + size] for i in range(0, len(body), size)] or [b""]
    return [build_frame(msg_id, phone, first_serial + i, part, version=version, total=len(parts), index=i + 1)
            for i, part in enumerate(parts)]


class FrameReader:
    """Splits a TCP stream into frames: several per read, one split over reads; bytes that are not a frame (before
    the first flag, between frames, or more than a frame's length without a flag) come out as garbage, and reading
    resumes at the next 0x7e."""

    def __init__(self):
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes | FrameError]:
        """Each complete segment between two flags: its escaped bytes, or a FrameError for garbage."""
        buf = self._buf
        buf += data
        out: list[bytes | FrameError] = []
        start = 0
        while True:
            end = buf.find(FLAG, start)
            if end < 0:
                break
            if end > start:
                segment = bytes(buf[start:end])
                out.append(segment if len(segment) <= MAX_ESCAPED else
                           FrameError(f"{len(segment)} bytes without a flag", "bad_frame"))
            start = end + 1
        del buf[:start]
        if len(buf) > MAX_ESCAPED:
            out.append(FrameError(f"{len(buf)} bytes without a flag", "bad_frame"))
            buf.clear()
        return out

    @property
    def pending(self) -> int:
        return len(self._buf)


@dataclass(slots=True)
class _Parts:
    first: Header
    started: float
    bodies: dict = field(default_factory=dict)  # index -> (serial, body)


class Reassembler:
    """Joins sub-packaged messages (4.4.1): packages of one (terminal, message id) with the same total; a message
    complete comes out as one Frame carrying every package's serial (in package order). Bounded: at most
    `max_messages` incomplete messages and `max_total` packages each; an incomplete one is forgotten after
    `timeout_s` (or when a newer one needs its place) and comes out once in `dropped`."""

    def __init__(self, *, max_messages: int = 4, max_total: int = 64, timeout_s: float = 120.0):
        self.max_messages, self.max_total, self.timeout_s = max_messages, max_total, timeout_s
        self._open: dict[tuple, _Parts] = {}
        self.dropped: list[tuple[Header, list[int]]] = []  # forgotten incomplete messages: (a header, indexes held)

    def add(self, frame: Frame, now: float) -> Frame | None:
        h = frame.header
        if h.total > self.max_total:
            raise FrameError(f"{h.total} sub-packages (at most {self.max_total})", "bad_frame")
        for key in [k for k, p in self._open.items() if now - p.started > self.timeout_s]:
            self._drop(key)
        key = (h.phone, h.msg_id, h.total)
        parts = self._open.get(key)
        if parts is None:
            if len(self._open) >= self.max_messages:
                self._drop(min(self._open, key=lambda k: self._open[k].started))
            parts = self._open[key] = _Parts(h, now)
        if h.index == 1:
            parts.first = h
        parts.bodies[h.index] = (h.serial, frame.body)
        if len(parts.bodies) < h.total:
            return None
        del self._open[key]
        ordered = [parts.bodies[i] for i in range(1, h.total + 1)]
        first = parts.first
        header = Header(first.msg_id, first.phone, first.serial, first.version, first.encryption)
        return Frame(header, b"".join(body for _, body in ordered), tuple(serial for serial, _ in ordered))

    def missing(self, h: Header) -> tuple[int, list[int]]:
        """For the message `h` is a package of: the serial of its first package (packages are numbered with
        consecutive serials, so it follows from any of them) and the indexes not yet received, for 0x8003."""
        parts = self._open.get((h.phone, h.msg_id, h.total))
        held = parts.bodies if parts is not None else {h.index: (h.serial, b"")}
        return (h.serial - (h.index - 1)) & 0xFFFF, [i for i in range(1, h.total + 1) if i not in held]

    def _drop(self, key: tuple) -> None:
        parts = self._open.pop(key)
        self.dropped.append((parts.first, sorted(parts.bodies)))

    @property
    def incomplete(self) -> int:
        return len(self._open)


# --- bodies: terminal → platform -------------------------------------------------------------------------------

@dataclass(slots=True)
class Location:
    """A location information report's basic items and additional items (8.18)."""

    alarm: int
    status: int
    lat: float  # degrees, south negative
    lon: float  # degrees, west negative
    altitude: int  # metres
    speed: float  # km/h
    heading: int  # degrees from north
    ts: dt.datetime  # aware, UTC
    mileage_km: float | None = None  # 0x01, 1/10 km
    fuel_l: float | None = None  # 0x02, 1/10 L
    recorder_speed: float | None = None  # 0x03, 1/10 km/h
    signal: int | None = None  # 0x30, wireless signal strength
    satellites: int | None = None  # 0x31, GNSS satellites
    extra: dict = field(default_factory=dict)  # other additional items: id -> hex

    @property
    def acc(self) -> bool:
        return bool(self.status & STATUS_ACC)

    @property
    def positioned(self) -> bool:
        return bool(self.status & STATUS_POSITIONED)

    @property
    def alarms(self) -> list[str]:
        return [name for bit, name in ALARM_BITS.items() if self.alarm >> bit & 1]

    def attrs(self) -> dict:
        """What the fix carries beyond the contract's fields (Fix.attrs; Position.attrs)."""
        out = {"alarm": self.alarm, "status": self.status, "altitude_m": self.altitude}
        if self.alarm:
            out["alarms"] = self.alarms
        for name in ("mileage_km", "fuel_l", "recorder_speed", "signal", "satellites"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


def bcd_time(data: bytes) -> dt.datetime:
    """BCD[6] YYMMDDhhmmss in GMT+8 → aware UTC."""
    digits = bcd_digits(data)
    try:
        local = dt.datetime(2000 + int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6:8]),
                            int(digits[8:10]), int(digits[10:12]), tzinfo=SHANGHAI)
    except ValueError:
        raise FrameError(f"time {digits} is not YYMMDDhhmmss") from None
    return local.astimezone(dt.UTC)


def decode_location(body: bytes) -> Location:
    if len(body) < 28:
        raise FrameError(f"a location report is at least 28 bytes, not {len(body)}", "bad_frame")
    alarm = int.from_bytes(body[0:4])
    status = int.from_bytes(body[4:8])
    lat = int.from_bytes(body[8:12]) / 1e6
    lon = int.from_bytes(body[12:16]) / 1e6
    if status & STATUS_SOUTH:
        lat = -lat
    if status & STATUS_WEST:
        lon = -lon
    loc = Location(alarm, status, lat, lon, int.from_bytes(body[16:18]), int.from_bytes(body[18:20]) / 10,
                   int.from_bytes(body[20:22]), bcd_time(body[22:28]))
    pos, n = 28, len(body)
    while pos + 2 <= n:
        item, size = body[pos], body[pos + 1]
        value = body[pos + 2:pos + 2 + size]
        if len(value) < size:
            break  # a truncated last item (seen in the wild): the basic items stand
        pos += 2 + size
        number = int.from_bytes(value)
        if item == 0x01 and size == 4:
            loc.mileage_km = number / 10
        elif item == 0x02 and size == 2:
            loc.fuel_l = number / 10
        elif item == 0x03 and size == 2:
            loc.recorder_speed = number / 10
        elif item == 0x30 and size == 1:
            loc.signal = number
        elif item == 0x31 and size == 1:
            loc.satellites = number
        else:
            loc.extra[f"{item:02x}"] = value.hex()
    return loc


def decode_batch(body: bytes) -> tuple[int, list[Location]]:
    """0x0704 (8.48): (type — 0 normal batch, 1 盲区补传 — and the reports). FrameError if any item is malformed."""
    if len(body) < 3:
        raise FrameError("a batch upload is at least 3 bytes", "bad_frame")
    count, kind = int.from_bytes(body[0:2]), body[2]
    pos, out = 3, []
    for i in range(count):
        if pos + 2 > len(body):
            raise FrameError(f"batch says {count} reports, found {i}", "bad_frame")
        size = int.from_bytes(body[pos:pos + 2])
        item = body[pos + 2:pos + 2 + size]
        if len(item) < size:
            raise FrameError(f"report {i} cut short", "bad_frame")
        out.append(decode_location(item))
        pos += 2 + size
    return kind, out


@dataclass(slots=True)
class Registration:
    province: int
    city: int
    maker: str
    model: str
    device_id: str
    plate_color: int
    plate: str


def _text(data: bytes) -> str:
    return data.rstrip(b"\x00 ").decode("gbk", "replace")


def decode_registration(body: bytes, is_2019: bool) -> Registration:
    """0x0100 (8.5): maker BYTE[5]/[11], model BYTE[20]/[30], terminal id BYTE[7]/[30] in 2013/2019."""
    maker, model, ident = (11, 30, 30) if is_2019 else (5, 20, 7)
    fixed = 4 + maker + model + ident + 1
    if len(body) < fixed:
        raise FrameError(f"a registration is at least {fixed} bytes, not {len(body)}", "bad_frame")
    p = 4
    fields = []
    for size in (maker, model, ident):
        fields.append(_text(body[p:p + size]))
        p += size
    return Registration(int.from_bytes(body[0:2]), int.from_bytes(body[2:4]), *fields, body[p], _text(body[p + 1:]))


def decode_auth(body: bytes, is_2019: bool) -> str:
    """0x0102 (8.8): the auth code; 2019 prefixes its length (then IMEI and software version follow)."""
    if is_2019:
        if not body or len(body) < 1 + body[0]:
            raise FrameError("authentication code cut short", "bad_frame")
        return body[1:1 + body[0]].decode("gbk", "replace")
    return body.rstrip(b"\x00").decode("gbk", "replace")


def decode_general_response(body: bytes) -> tuple[int, int, int]:
    """0x0001 / 0x8001: (reply serial, reply message id, result)."""
    if len(body) < 5:
        raise FrameError("a general response is 5 bytes", "bad_frame")
    return int.from_bytes(body[0:2]), int.from_bytes(body[2:4]), body[4]


def decode_query_answer(body: bytes) -> tuple[int, Location]:
    """0x0201: (reply serial, location)."""
    if len(body) < 2:
        raise FrameError("a position query answer is at least 2 bytes", "bad_frame")
    return int.from_bytes(body[0:2]), decode_location(body[2:])


# --- bodies: platform → terminal, and the terminal side (simulators, tests) ---------------------------------

def general_response(reply_serial: int, reply_id: int, result: int = Result.OK) -> bytes:
    return reply_serial.to_bytes(2) + reply_id.to_bytes(2) + bytes([result])


def register_response(reply_serial: int, result: int, code: str = "") -> bytes:
    """0x8100: the auth code only on success."""
    return reply_serial.to_bytes(2) + bytes([result]) + (code.encode() if result == RegisterResult.OK else b"")


def decode_register_response(body: bytes) -> tuple[int, int, str]:
    if len(body) < 3:
        raise FrameError("a registration response is at least 3 bytes", "bad_frame")
    return int.from_bytes(body[0:2]), body[2], body[3:].decode("gbk", "replace")


def set_params_body(params: dict[int, int]) -> bytes:
    """0x8103 (8.10): a count, then each parameter as id DWORD, length BYTE, value (here DWORD)."""
    out = bytes([len(params)])
    for param, value in params.items():
        out += param.to_bytes(4) + bytes([4]) + value.to_bytes(4)
    return out


def decode_set_params(body: bytes) -> dict[int, bytes]:
    """0x8103 → {parameter id: value bytes}; FrameError when a parameter is cut short."""
    if not body:
        raise FrameError("a parameter setting is at least 1 byte", "bad_frame")
    out, pos = {}, 1
    for i in range(body[0]):
        if pos + 5 > len(body) or pos + 5 + body[pos + 4] > len(body):
            raise FrameError(f"parameter {i} cut short", "bad_frame")
        size = body[pos + 4]
        out[int.from_bytes(body[pos:pos + 4])] = body[pos + 5:pos + 5 + size]
        pos += 5 + size
    return out


def resend_request(first_serial: int, indexes: list[int], *, is_2019: bool) -> bytes:
    """0x8003 (8.4): the first package's serial of the original message, how many packages (BYTE in 2013, WORD in
    2019), and their indexes (WORD each)."""
    count = len(indexes).to_bytes(2) if is_2019 else bytes([len(indexes)])
    return (first_serial & 0xFFFF).to_bytes(2) + count + b"".join(i.to_bytes(2) for i in indexes)


def decode_resend_request(body: bytes, is_2019: bool) -> tuple[int, list[int]]:
    """0x8003 → (the first package's serial, the indexes to send again)."""
    head = 4 if is_2019 else 3
    if len(body) < head:
        raise FrameError("a resend request is cut short", "bad_frame")
    count = int.from_bytes(body[2:head])
    if len(body) < head + 2 * count:
        raise FrameError(f"a resend request of {count} packages is cut short", "bad_frame")
    return int.from_bytes(body[0:2]), [int.from_bytes(body[head + 2 * i:head + 2 * i + 2]) for i in range(count)]


def encode_registration(reg: Registration, is_2019: bool) -> bytes:
    sizes = (11, 30, 30) if is_2019 else (5, 20, 7)
    out = reg.province.to_bytes(2) + reg.city.to_bytes(2)
    for text, size in zip((reg.maker, reg.model, reg.device_id), sizes):
        out += text.encode("gbk")[:size].ljust(size, b"\x00")
    return out + bytes([reg.plate_color]) + reg.plate.encode("gbk")


def encode_auth(code: str, is_2019: bool, imei: str = "", software: str = "") -> bytes:
    raw = code.encode("gbk")
    if not is_2019:
        return raw
    return bytes([len(raw)]) + raw + imei.encode()[:15].ljust(15, b"\x00") + software.encode()[:20].ljust(20, b"\x00")


def encode_location(loc: Location) -> bytes:
    status = loc.status & ~(STATUS_SOUTH | STATUS_WEST)
    status |= (STATUS_SOUTH if loc.lat < 0 else 0) | (STATUS_WEST if loc.lon < 0 else 0)
    local = loc.ts.astimezone(SHANGHAI)
    out = (loc.alarm.to_bytes(4) + status.to_bytes(4) + round(abs(loc.lat) * 1e6).to_bytes(4)
           + round(abs(loc.lon) * 1e6).to_bytes(4) + loc.altitude.to_bytes(2) + round(loc.speed * 10).to_bytes(2)
           + loc.heading.to_bytes(2) + bytes.fromhex(local.strftime("%y%m%d%H%M%S")))
    if loc.mileage_km is not None:
        out += b"\x01\x04" + round(loc.mileage_km * 10).to_bytes(4)
    if loc.fuel_l is not None:
        out += b"\x02\x02" + round(loc.fuel_l * 10).to_bytes(2)
    if loc.recorder_speed is not None:
        out += b"\x03\x02" + round(loc.recorder_speed * 10).to_bytes(2)
    if loc.signal is not None:
        out += b"\x30\x01" + bytes([loc.signal])
    if loc.satellites is not None:
        out += b"\x31\x01" + bytes([loc.satellites])
    return out


def encode_batch(locations: list[Location], kind: int = 1) -> bytes:
    out = len(locations).to_bytes(2) + bytes([kind])
    for loc in locations:
        item = encode_location(loc)
        out += len(item).to_bytes(2) + item
    return out
