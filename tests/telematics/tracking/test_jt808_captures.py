"""The JT/T 808 gateway as a black box over TCP, fed frames captured from real terminals (sent byte for byte as
published), with `qm ingest` and PostgreSQL behind it: what is stored must be what the capture's source reads in it.

Sources of the captures (each also decoded field by field in test_decoders_jt808.py):
- traccar/traccar src/test/java/org/traccar/protocol/Jt808ProtocolDecoderTest.java (formerly HuabaoProtocolDecoderTest):
  TRACCAR_2013_LOCATION, TRACCAR_BATCH_BLIND, TRACCAR_ESCAPED_7E, TRACCAR_2019_BATCH_SOUTH (Traccar expects 14
  satellites), TRACCAR_2013_REGISTER, TRACCAR_AUTH, TRACCAR_HEARTBEAT, TRACCAR_BAD_CHECK, and the ones below;
- SmallChi/JTTools issue #8: JTTOOLS_2019_LOCATION; SmallChi/JT808 src/JT808.Protocol.Test/Simples/Demo14.cs:
  JT808_2013_WITH_VERSION_FLAG; xtream-codec's sample: XTREAM_2019_BATCH; gps51's JT808 .NET demo:
  GPS51_2019_LOCATION.
"""
from __future__ import annotations

import datetime as dt
import socket

import pytest

from telematics.tracking import jt808 as gateway_module
from telematics.tracking.decoders import jt808 as j
from telematics.tracking.models import DeadLetter, Position
from tests.support.jt808 import GatewayThread

from .conftest import wait_until
from .test_decoders_jt808 import (GPS51_2019_LOCATION, JTTOOLS_2019_LOCATION, TRACCAR_2013_LOCATION,
                                  TRACCAR_2013_REGISTER, TRACCAR_2019_BATCH_SOUTH, TRACCAR_AUTH, TRACCAR_BAD_CHECK,
                                  TRACCAR_BATCH_BLIND, TRACCAR_ESCAPED_7E, TRACCAR_HEARTBEAT, XTREAM_2019_BATCH)

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
UTC = dt.UTC

# traccar/traccar Jt808ProtocolDecoderTest.java: a 2013 location of a terminal in England — status 0x0000000A
# (positioned, bit 3 west), alarm word 1 (emergency), lat 03083DB7 = 50871735, lon 001329F3 = 1255923 west, speed
# 0014 = 2.0 km/h, time 130412164952 (GMT+8), item 01 mileage 00000012 = 1.8 km.
TRACCAR_2013_WEST = ("7e0200002e094027587492000a000000010000000a03083db7001329f3000000140000130412164952010400000012"
                     "360a0002341502cb0c20085c107e")
# Same file: a 2013 location (Traccar expects battery level 99 from vendor item 0xE4); lat 0159885E = 22644830, lon
# 06CBF344 = 114029380, time 200807180722, mileage 0.1 km, signal 0x1C, 9 satellites.
TRACCAR_2013_VENDOR_ITEMS = ("7e02000048051160004464000d00000000000c00020159885e06cbf344000000000000200807180722"
                             "01040000000130011c310109e4020063e50100e60100e7080000000000000000ee0a01cc01262c009a67"
                             "43001e7e")
# Same file: registrations of two terminals nobody bound, 2013 and a 2011-era short body (25 bytes).
TRACCAR_REGISTER_UNBOUND = ("7e0100002d007089994489002800000000000000000048422d52303347424400000000000000000000003139"
                            "3036373531024142433030303030d17e")
TRACCAR_REGISTER_2011 = "7e010000190940278494700012000000000000000000000000000000000000094027849470000a7e"
# Same file: an authentication from a terminal whose header "phone" is not BCD: 4F07788EF676.
TRACCAR_AUTH_HEX_PHONE = ("7e010200204f07788ef67601824f4459344f544d314d4459774d4441314d444977626d56335532355364577"
                          "86cba7e")

# SmallChi/JT808 src/JT808.Protocol.Test/Simples/Demo14.cs: a 2013 terminal's authentication (code "J10030000681")
# whose header sets bit 14, the 2019 version flag.
JT808_2013_WITH_VERSION_FLAG = "7e0102400c01003000068109024a3130303330303030363831857e"


@pytest.fixture
def gateway(mqtt_url, settings):
    settings.QM_JT808_PUBACK_TIMEOUT_S = 5.0
    running = GatewayThread(mqtt_url, "qm")  # the ingest's prefix
    yield running
    running.stop()


def bind(bureau, *phones: str) -> None:
    from telematics.models import Vehicle

    unit = bureau["units"]["CZ-TN-01"]
    for n, phone in enumerate(phones):
        Vehicle.objects.create(plate=f"苏D·C{n:04d}", unit=unit, seats=5, terminal_id=phone)


class Wire:
    """A terminal's TCP connection: bytes out as given, the platform's answers read back."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.reader = j.FrameReader()
        self.pending: list[j.Frame] = []

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(bytes.fromhex(data) if isinstance(data, str) else data)

    def answers(self, n: int = 1, timeout: float = 8.0) -> list[j.Frame]:
        self.sock.settimeout(timeout)
        while len(self.pending) < n:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                break
            if not data:
                break
            self.pending += [j.parse_frame(s) for s in self.reader.feed(data) if isinstance(s, bytes)]
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def general(self, data: bytes | str) -> tuple[int, int, int]:
        """Sends one frame and returns its 0x8001 answer (reply serial, reply id, result)."""
        self.send(data)
        (answer,) = self.answers()
        assert answer.header.msg_id == j.MsgId.PLATFORM_RESPONSE
        return j.decode_general_response(answer.body)

    def login(self, phone: str) -> None:
        is_2019 = len(phone) == 20
        version = 1 if is_2019 else None
        reg = j.Registration(32, 400, "70107", "HB-R03GBD", "2366104", 2, "苏BA6860")
        self.send(j.build_frame(j.MsgId.REGISTER, phone, 1, j.encode_registration(reg, is_2019), version=version))
        (answer,) = self.answers()
        _, result, code = j.decode_register_response(answer.body)
        assert (answer.header.msg_id, answer.header.phone, result) == (j.MsgId.REGISTER_RESPONSE, phone, 0)
        body = j.encode_auth(code, is_2019, imei="866496077582164", software="1.0")
        assert self.general(j.build_frame(j.MsgId.AUTH, phone, 2, body, version=version)) == (2, j.MsgId.AUTH, 0)

    def close(self) -> None:
        self.sock.close()


def header_of(capture: str) -> j.Header:
    (segment,) = j.FrameReader().feed(bytes.fromhex(capture))
    return j.parse_frame(segment).header


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# capture, then per stored fix (ts UTC, lat, lon, speed, heading, acc, attrs that must be among the fix's attrs)
STORED = {
    TRACCAR_2013_LOCATION: [(at(2015, 8, 17, 23, 21, 21), 22.6426, 114.032984, 0.0, 8, False,
                             {"alarm": 0, "status": 0xC2, "altitude_m": 128, "mileage_km": 75.7, "fuel_l": 0.0})],
    TRACCAR_2013_WEST: [(at(2013, 4, 12, 8, 49, 52), 50.871735, -1.255923, 2.0, 0, False,
                         {"alarm": 1, "alarms": ["emergency"], "status": 0x0A, "mileage_km": 1.8})],
    TRACCAR_2013_VENDOR_ITEMS: [(at(2020, 8, 7, 10, 7, 22), 22.64483, 114.02938, 0.0, 0, False,
                                 {"mileage_km": 0.1, "signal": 28, "satellites": 9})],
    TRACCAR_ESCAPED_7E: [(at(2021, 11, 8, 11, 40, 50), 22.583576, 113.905643, 0.0, 269, True,
                          {"alarm": 0, "altitude_m": 4, "mileage_km": 0.3, "signal": 26})],
    GPS51_2019_LOCATION: [(at(2021, 9, 17, 9, 25, 59), 22.589078, 113.837718, 0.0, 107, True,
                           {"mileage_km": 0.1, "signal": 25, "satellites": 10})],
    TRACCAR_2019_BATCH_SOUTH: [(at(2026, 5, 9, 8, 42, 27), -27.263378, 153.037383, 0.0, 2, True,
                                {"status": 7, "altitude_m": 22, "mileage_km": 960.2, "satellites": 14})],
    TRACCAR_BATCH_BLIND: [(at(2016, 5, 27, 1, 6, 24), 22.639634, 114.031952, 0.0, 1, True,
                           {"altitude_m": 370, "mileage_km": 2.9}),
                          *[None] * 6,  # the six between: counted, and in time order
                          (at(2016, 5, 27, 1, 10, 2), 22.64055, 114.032432, 0.0, 1, True,
                           {"altitude_m": 264, "mileage_km": 2.9})],
}


def test_real_captures_are_answered_and_stored_as_their_sources_read_them(bureau, ingest, gateway):
    bind(bureau, *(header_of(c).phone for c in STORED), header_of(JTTOOLS_2019_LOCATION).phone,
         header_of(XTREAM_2019_BATCH).phone)
    ingest()
    for capture in STORED:
        h = header_of(capture)
        wire = Wire(gateway.port)
        wire.login(h.phone)
        # answered with the capture's own serial and message id, result 0, in the terminal's header version
        assert wire.general(capture) == (h.serial, h.msg_id, 0)
        wire.close()
    total = sum(len(fixes) for fixes in STORED.values())
    wait_until(lambda: Position.objects.count() == total, 20, "every fix stored")
    for capture, expected in STORED.items():
        phone = header_of(capture).phone
        rows = list(Position.objects.filter(terminal=phone).order_by("ts"))
        assert len(rows) == len(expected), phone
        for row, fix in zip(rows, expected):
            assert row.vehicle_id is not None
            if fix is None:
                continue
            ts, lat, lon, speed, heading, acc, attrs = fix
            assert (row.ts, row.lat, row.lon, row.speed, row.heading, row.acc) == (ts, lat, lon, speed, heading, acc)
            assert attrs.items() <= row.attrs.items(), (phone, row.attrs)
    # Reports whose status word says "not positioned" (bit 1 clear) are answered, stored as nothing, and accounted
    # for as dead letters: one per report.
    for capture, reports in ((JTTOOLS_2019_LOCATION, 1), (XTREAM_2019_BATCH, 2)):
        h = header_of(capture)
        wire = Wire(gateway.port)
        wire.login(h.phone)
        assert wire.general(capture) == (h.serial, h.msg_id, 0)
        wire.close()
        wait_until(lambda: DeadLetter.objects.filter(terminal=h.phone).count() == reports, 10, "dead letters")
        assert set(DeadLetter.objects.filter(terminal=h.phone).values_list("reason", flat=True)) == {"invalid_field"}
        assert not Position.objects.filter(terminal=h.phone).exists()


def test_real_registrations_authentications_and_refusals(bureau, gateway):
    bind(bureau, "013511221122", header_of(TRACCAR_2013_LOCATION).phone)
    wire = Wire(gateway.port)
    # Traccar's registration capture of a bound terminal: 0x8100 result 0, the auth code, its serial 5
    wire.send(TRACCAR_2013_REGISTER)
    (answer,) = wire.answers()
    assert (answer.header.msg_id, answer.header.phone) == (j.MsgId.REGISTER_RESPONSE, "013511221122")
    assert j.decode_register_response(answer.body) == (5, 0, gateway_module.auth_code("013511221122"))
    # the capture's authentication carries "authentication", not the code this platform gave: refused (result 1)
    assert wire.general(TRACCAR_AUTH) == (6, j.MsgId.AUTH, j.Result.FAILURE)
    # a location of the same terminal on this unauthenticated connection: failure, a dead letter, nothing published
    location = j.build_frame(j.MsgId.LOCATION, "013511221122", 7, bytes.fromhex(TRACCAR_2013_LOCATION)[13:-2])
    assert wire.general(location) == (7, j.MsgId.LOCATION, j.Result.FAILURE)
    # a capture with a wrong check code is dropped unanswered; the connection goes on (the heartbeat capture)
    wire.send(TRACCAR_BAD_CHECK)
    assert wire.general(TRACCAR_HEARTBEAT) == (183, j.MsgId.HEARTBEAT, 0)
    wire.close()
    wait_until(lambda: DeadLetter.objects.count() == 2, 10, "two dead letters")
    assert sorted(DeadLetter.objects.values_list("reason", "terminal")) == [
        ("bad_frame", ""), ("unauthenticated", "013511221122")]
    assert "check code 0xd0, computed 0xf0" in DeadLetter.objects.get(reason="bad_frame").detail
    # registrations of terminals nobody bound, a 2013 one and a 2011-era short one: result 4 with their serials
    for capture, serial in ((TRACCAR_REGISTER_UNBOUND, 0x28), (TRACCAR_REGISTER_2011, 0x12)):
        wire = Wire(gateway.port)
        wire.send(capture)
        (answer,) = wire.answers()
        assert (answer.header.phone, j.decode_register_response(answer.body)) == (
            header_of(capture).phone, (serial, j.RegisterResult.NO_TERMINAL, ""))
        wire.close()


def test_a_terminal_whose_header_phone_is_not_bcd_is_answered_and_bound_by_its_hex_digits(bureau, gateway):
    """Regression: every frame of such a terminal was dropped as a bad frame ("BCD … has a nibble above 9"), so it
    could never register; its id is now the header's hex digits, as Traccar reads it."""
    wire = Wire(gateway.port)
    # the capture's own code is not this platform's: answered (result 1), to the terminal's own header id
    wire.send(TRACCAR_AUTH_HEX_PHONE)
    (answer,) = wire.answers()
    assert answer.header.phone == "4f07788ef676"
    assert j.decode_general_response(answer.body) == (0x0182, j.MsgId.AUTH, j.Result.FAILURE)
    wire.close()
    bind(bureau, "4f07788ef676")
    assert gateway_module.is_phone("4f07788ef676") and not gateway_module.is_phone("T0001")
    wire = Wire(gateway.port)
    wire.login("4f07788ef676")
    body = bytes.fromhex(TRACCAR_2013_WEST)[13:-2]
    assert wire.general(j.build_frame(j.MsgId.LOCATION, "4f07788ef676", 3, body)) == (3, j.MsgId.LOCATION, 0)
    wire.close()
    assert not DeadLetter.objects.exists()


def test_the_same_fix_over_mqtt_and_jt808_is_stored_once_and_a_real_batch_in_sub_packages_once(
        bureau, ingest, gateway, publisher):
    vendor, blind = header_of(TRACCAR_2013_VENDOR_ITEMS), header_of(TRACCAR_BATCH_BLIND)
    bind(bureau, vendor.phone, blind.phone)
    ingest()
    # the capture's fix first over MQTT (the native contract), then the capture itself over JT/T 808
    publisher().send(f"qm/terminals/{vendor.phone}/position",
                     {"ts": "2020-08-07T18:07:22+08:00", "lat": 22.64483, "lon": 114.02938, "speed": 0})
    wait_until(lambda: Position.objects.filter(terminal=vendor.phone).exists(), 20, "the MQTT fix stored")
    wire = Wire(gateway.port)
    wire.login(vendor.phone)
    assert wire.general(TRACCAR_2013_VENDOR_ITEMS) == (vendor.serial, j.MsgId.LOCATION, 0)
    wire.close()
    wait_until(lambda: DeadLetter.objects.filter(reason="duplicate", terminal=vendor.phone).exists(), 20,
               "the JT/T 808 copy kept as a duplicate")
    assert Position.objects.filter(terminal=vendor.phone).count() == 1
    # Traccar's batch of 8 (盲区补传), its body cut into three sub-packages sent last first: the last is held and the
    # others asked for again (0x8003); once whole, the message is stored once and the last package answered.
    body = bytes.fromhex(TRACCAR_BATCH_BLIND)[13:-2]
    assert len(body) == 0x143
    frames = j.build_packages(j.MsgId.BATCH, blind.phone, 40, body, size=120)
    wire = Wire(gateway.port)
    wire.login(blind.phone)
    wire.send(frames[2])
    (resend,) = wire.answers()
    assert resend.header.msg_id == j.MsgId.RESEND_PACKAGES
    assert j.decode_resend_request(resend.body, False) == (40, [1, 2])
    assert wire.general(frames[0]) == (40, j.MsgId.BATCH, 0)
    wire.send(frames[1])
    answers = wire.answers(2)
    assert [j.decode_general_response(a.body) for a in answers] == [(41, j.MsgId.BATCH, 0), (42, j.MsgId.BATCH, 0)]
    wire.close()
    wait_until(lambda: Position.objects.filter(terminal=blind.phone).count() == 8, 20, "the batch stored")
    first = Position.objects.filter(terminal=blind.phone).earliest("ts")
    assert (first.ts, first.lat, first.lon) == (at(2016, 5, 27, 1, 6, 24), 22.639634, 114.031952)


def test_sub_packages_of_a_report_on_an_unauthenticated_connection_are_each_refused(bureau, gateway, subscriber):
    """Regression: the packages before the last were answered 0 (and held) on a connection that had not
    authenticated; only the last was refused. Now each is answered with the failure result and kept as a dead
    letter, as a whole report would be."""
    blind = header_of(TRACCAR_BATCH_BLIND)
    bind(bureau, blind.phone)
    positions = subscriber("qm/terminals/+/position")
    frames = j.build_packages(j.MsgId.BATCH, blind.phone, 40, bytes.fromhex(TRACCAR_BATCH_BLIND)[13:-2], size=120)
    wire = Wire(gateway.port)
    assert [wire.general(f) for f in frames] == [(40 + k, j.MsgId.BATCH, j.Result.FAILURE) for k in range(3)]
    # the same packages once authenticated: stored as one message
    wire.login(blind.phone)
    assert [wire.general(f) for f in frames] == [(40 + k, j.MsgId.BATCH, 0) for k in range(3)]
    wire.close()
    wait_until(lambda: len(positions.received) == 1, 10, "the batch published once")
    assert len(positions.received[0][1]) == 8
    wait_until(lambda: DeadLetter.objects.count() == 3, 10, "three dead letters")
    assert set(DeadLetter.objects.values_list("reason", "terminal")) == {("unauthenticated", blind.phone)}


def test_a_2013_terminal_that_sets_the_version_flag_is_answered_in_2013(bureau, gateway, subscriber):
    """Regression: such a frame was read with a 2019 header and dropped ("body is 7 bytes, its header says 12")."""
    wire = Wire(gateway.port)
    wire.send(JT808_2013_WITH_VERSION_FLAG)
    (answer,) = wire.answers()
    assert (answer.header.version, answer.header.phone) == (None, "010030000681")
    assert j.decode_general_response(answer.body) == (0x0902, j.MsgId.AUTH, j.Result.FAILURE)  # not our code
    wire.close()
    bind(bureau, "010030000681")
    positions = subscriber("qm/terminals/+/position")

    def flagged(frame: bytes) -> bytes:  # the same 2013 frame with bit 14 set, its check code made again
        data = bytearray(j.unescape(frame[1:-1]))
        data[2] |= 0x40
        data[-1] = j.check_code(bytes(data[:-1]))
        return j.FLAG_BYTE + j.escape(bytes(data)) + j.FLAG_BYTE

    wire = Wire(gateway.port)
    wire.send(flagged(j.build_frame(j.MsgId.REGISTER, "010030000681", 1, bytes(37))))
    (answer,) = wire.answers()
    _, result, code = j.decode_register_response(answer.body)
    assert (answer.header.version, result) == (None, 0)
    assert wire.general(flagged(j.build_frame(j.MsgId.AUTH, "010030000681", 2, code.encode()))) == (2, 0x0102, 0)
    body = bytes.fromhex(TRACCAR_2013_WEST)[13:-2]
    assert wire.general(flagged(j.build_frame(j.MsgId.LOCATION, "010030000681", 3, body))) == (3, 0x0200, 0)
    wire.close()
    wait_until(lambda: positions.received, 10, "the fix published")
    ((topic, fix),) = positions.received
    assert (topic, fix["lat"], fix["lon"]) == ("qm/terminals/010030000681/position", 50.871735, -1.255923)
