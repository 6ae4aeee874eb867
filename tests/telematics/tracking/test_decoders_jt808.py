"""The JT/T 808 codec on frames captured from real terminals of several makers (as published in the decoder tests
of open-source tracking servers: Traccar, JTTools, xtream-codec, gps51's demo), every field checked against our
own reading of the standard (the hex slices are worked out in the comments), and on the edge cases: escaping in
the body and in the check code, sub-packages, frames split over reads, garbage, truncated and corrupted frames."""
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telematics.tracking.decoders import jt808 as j

UTC = dt.UTC

# Traccar (Jt808ProtocolDecoderTest): a 2013 location with additional items 0x01 mileage, 0x02 fuel, 0x03 speed.
TRACCAR_2013_LOCATION = ("7E0200002A013833501744001900000000000000C201597FA806CC01580080000000081508180721210104000002F5"
                         "02020000030200009F7E")
# JTTools (SmallChi, issue #8): a 2019 location; its longitude 0x06C4A97D is sent escaped as 06 C4 A9 7D 01.
JTTOOLS_2019_LOCATION = ("7e020040420100000000013419905507021200040000001410010213679206c4a97d01001300000002220720103957"
                         "010400000e3e020200000302025825040000001030014531010814040000000115040000000c797e")
# gps51's demo (JT808 .NET tests): a 2019 location with vendor items 0x61 and 0xe2.
GPS51_2019_LOCATION = ("7e02004043010000086061575429591701bc00000000000c00030158ae9606c9069600000000006b2109171725590104"
                       "0000000130011931010a610204dce21547423230312d47534d2d32313030312d312e312e31c57e")
# Traccar: a 2013 location whose vendor item 0x87 holds 00 7E, sent as 00 7D 02.
TRACCAR_ESCAPED_7E = ("7E020000830191715904370A2E00000000800000030158991806CA0FEB00040000010D211108194050010400000003CC"
                      "14383938363034373831303230373033313836303830011A8001AA810213888202007A8301148401AA8502189B860133"
                      "8702007D028801338901148A0200998B1131323334353637383941424344454647488C04000200A88D0200828E0114A0"
                      "002E7E")
# Traccar: a 2013 batch upload (0x0704) of type 1, 盲区补传, 8 reports.
TRACCAR_BATCH_BLIND = ("7E0704014301356777777707F5000801002600000000000000030159741206CBFD5001720000000116052709062401040"
                       "000001D03020000002600000000000000030159746606CBFD50016B0000000116052709065301040000001D030200000"
                       "0260000000000000003015975E406CBFE58013F0000000116052709072701040000001D0302000000260000000000000"
                       "003015976DE06CBFF10012E0000000116052709075601040000001D0302000000260000000000000003015976BC06CBF"
                       "ED0012D0000000116052709083001040000001D0302000000260000000000000003015976FE06CBFEC00108000000011"
                       "6052709090001040000001D0302000000260000000000000003015976FE06CBFE7800FC0000000116052709093301040"
                       "000001D0302000000260000000000000003015977A606CBFF3001080000000116052709100201040000001D030200001F7E")
# xtream-codec (its debug UI's sample): a 2019 batch upload of type 0 (normal), 2 reports.
XTREAM_2019_BATCH = ("7e0704403f01000000000139123443290000000200001c000000010000000101d907f2073d336c029a0021005924102921"
                     "3903001c000000010000000101d907f3073d336d03090043005a241029213903f87e")
# Traccar: a 2019 batch of one report from a terminal in the southern hemisphere (status bit 2, south).
TRACCAR_2019_BATCH_SOUTH = ("7e0704402d0100000866496077582164881d0001000028000000000000000701a00192091f2a470016000000022605"
                            "0916422701040000258230010031010e507e")
# Traccar: registrations, 2013 (plate in GBK) and 2019; an authentication; a heartbeat.
TRACCAR_2013_REGISTER = ("7E0100002D013511221122000500000000373031303748422D5230334742440000000000000000000000323336363130"
                         "3402CBD5424136383630387E")
TRACCAR_2019_REGISTER = ("7e0100405c010000086649607758216452180000000000000000000000000000004d4433303000000000000000000000"
                         "000000000000000000000000000000383636343936303737353832313634000000000000000000000000000000040000"
                         "00000000000000000000000000007a7e")
TRACCAR_AUTH = "7E0102000E013511221122000661757468656E7469636174696F6E3F7E"
TRACCAR_HEARTBEAT = "7e0002000004304832546500b7ca7e"
# Traccar: a location whose check code byte (0xD0) is not the XOR of the frame (0xF0): a corrupted capture.
TRACCAR_BAD_CHECK = ("7E02000032013511221122000700000000000C000301578CC006CA3A5C00470000000014072317201501040000000030"
                     "011631010BD07E")


def frame(hex_frame: str) -> j.Frame:
    segments = j.FrameReader().feed(bytes.fromhex(hex_frame))
    assert len(segments) == 1 and isinstance(segments[0], bytes)
    return j.parse_frame(segments[0])


def test_2013_location_every_field():
    f = frame(TRACCAR_2013_LOCATION)
    # 0200 | 002A: body 42 bytes, no sub-package, version flag 0 | 013833501744 | serial 0019
    assert (f.header.msg_id, f.header.phone, f.header.serial, f.header.version, f.header.total) == (
        0x0200, "013833501744", 25, None, 0)
    loc = j.decode_location(f.body)
    # alarm 00000000, status 000000C2 (bit 1 positioned, bits 6/7 GPS+BeiDou), lat 01597FA8 = 22642600,
    # lon 06CC0158 = 114032984, altitude 0080 = 128 m, speed 0000, heading 0008, time 150818072121 (GMT+8)
    assert (loc.alarm, loc.status, loc.lat, loc.lon, loc.altitude, loc.speed, loc.heading) == (
        0, 0xC2, 22.6426, 114.032984, 128, 0.0, 8)
    assert loc.ts == dt.datetime(2015, 8, 17, 23, 21, 21, tzinfo=UTC)
    assert loc.positioned and not loc.acc
    # 01 04 000002F5: 757 × 0.1 km; 02 02 0000: fuel 0 L; 03 02 0000: recorder speed 0
    assert (loc.mileage_km, loc.fuel_l, loc.recorder_speed, loc.extra) == (75.7, 0.0, 0.0, {})
    assert loc.attrs() == {"alarm": 0, "status": 0xC2, "altitude_m": 128, "mileage_km": 75.7, "fuel_l": 0.0,
                           "recorder_speed": 0.0}


def test_2019_location_with_an_escaped_0x7d_in_the_body():
    f = frame(JTTOOLS_2019_LOCATION)
    # 0200 | 4042: version flag (bit 14), body 0x42 = 66 bytes | version 01 | 00000000013419905507 | serial 0212
    assert (f.header.msg_id, f.header.version, f.header.phone, f.header.serial, len(f.body)) == (
        0x0200, 1, "00000000013419905507", 530, 66)
    loc = j.decode_location(f.body)
    # alarm 00040000 (bit 18, driving overtime), status 00141001 (bit 0 ACC on, bit 1 clear: not positioned),
    # lat 02136792 = 34826130, lon 06C4A97D = 113551741, altitude 0013, speed 0000, heading 0002
    assert (loc.alarm, loc.alarms, loc.acc, loc.positioned) == (1 << 18, ["driving_overtime"], True, False)
    assert (loc.lat, loc.lon, loc.altitude, loc.speed, loc.heading) == (34.82613, 113.551741, 19, 0.0, 2)
    assert loc.ts == dt.datetime(2022, 7, 20, 2, 39, 57, tzinfo=UTC)  # 220720103957 GMT+8
    # 01 04 00000E3E = 3646 → 364.6 km; 02 02 0000; 03 02 0258 = 600 → 60.0 km/h; 30 01 45; 31 01 08
    assert (loc.mileage_km, loc.fuel_l, loc.recorder_speed, loc.signal, loc.satellites) == (364.6, 0.0, 60.0, 69, 8)
    assert loc.extra == {"25": "00000010", "14": "00000001", "15": "0000000c"}


def test_2019_location_of_another_maker():
    f = frame(GPS51_2019_LOCATION)
    assert (f.header.phone, f.header.serial, f.header.version) == ("00000860615754295917", 444, 1)
    loc = j.decode_location(f.body)
    # status 000C0003: ACC, positioned; lat 0158AE96 = 22589078, lon 06C90696 = 113837718; speed 0; heading 006B
    assert (loc.acc, loc.positioned, loc.lat, loc.lon, loc.speed, loc.heading) == (
        True, True, 22.589078, 113.837718, 0.0, 107)
    assert loc.ts == dt.datetime(2021, 9, 17, 9, 25, 59, tzinfo=UTC)
    assert (loc.mileage_km, loc.signal, loc.satellites) == (0.1, 25, 10)
    assert loc.extra["61"] == "04dc" and bytes.fromhex(loc.extra["e2"]) == b"GB201-GSM-21001-1.1.1"


def test_an_escaped_0x7e_in_the_body_comes_back():
    f = frame(TRACCAR_ESCAPED_7E)
    assert len(f.body) == 0x83
    loc = j.decode_location(f.body)
    assert loc.extra["87"] == "007e"
    assert (loc.lat, loc.lon, loc.status & 3, loc.signal) == (22.583576, 113.905643, 3, 26)


def test_batch_upload_blind_area_2013():
    f = frame(TRACCAR_BATCH_BLIND)
    assert (f.header.msg_id, f.header.phone, f.header.serial) == (0x0704, "013567777777", 0x07F5)
    kind, locations = j.decode_batch(f.body)
    # 0008 reports, type 01 (盲区补传); each item 0026 = 38 bytes
    assert kind == 1 and len(locations) == 8
    first, last = locations[0], locations[-1]
    assert (first.lat, first.lon, first.altitude, first.positioned) == (22.639634, 114.031952, 370, True)
    assert first.ts == dt.datetime(2016, 5, 27, 1, 6, 24, tzinfo=UTC)
    assert last.ts == dt.datetime(2016, 5, 27, 1, 10, 2, tzinfo=UTC)
    assert [loc.ts for loc in locations] == sorted(loc.ts for loc in locations)
    assert all(loc.mileage_km == 2.9 for loc in locations)


def test_batch_upload_normal_2019_matches_the_publishers_reading():
    """xtream-codec publishes its own reading of this frame: alarm 1, status 1, lat 31000562, lon 121451372,
    altitude 666, speed 33, direction 89, time 2024-10-29 21:39:03; the second report 31000563, 121451373, 777, 67,
    90."""
    f = frame(XTREAM_2019_BATCH)
    assert (f.header.version, f.header.phone) == (1, "00000000013912344329")
    kind, (a, b) = j.decode_batch(f.body)
    assert kind == 0
    assert (a.alarm, a.status, a.lat, a.lon, a.altitude, a.speed, a.heading) == (
        1, 1, 31.000562, 121.451372, 666, 3.3, 89)
    assert (b.lat, b.lon, b.altitude, b.speed, b.heading) == (31.000563, 121.451373, 777, 6.7, 90)
    assert a.ts == b.ts == dt.datetime(2024, 10, 29, 21, 39, 3, tzinfo=j.SHANGHAI)
    assert a.alarms == ["emergency"] and a.acc and not a.positioned


def test_south_and_west_bits_sign_the_coordinates():
    _, (loc,) = j.decode_batch(frame(TRACCAR_2019_BATCH_SOUTH).body)
    # status 00000007: ACC, positioned, south; lat 01A00192 = 27263378; lon 091F2A47 = 153037383 (Brisbane)
    assert (loc.lat, loc.lon, loc.positioned) == (-27.263378, 153.037383, True)
    west = j.Location(0, j.STATUS_POSITIONED, -12.5, -77.25, 0, 0.0, 0, dt.datetime(2026, 1, 1, tzinfo=UTC))
    body = j.encode_location(west)
    assert int.from_bytes(body[4:8]) == j.STATUS_POSITIONED | j.STATUS_SOUTH | j.STATUS_WEST
    again = j.decode_location(body)
    assert (again.lat, again.lon) == (-12.5, -77.25)


def test_registrations_authentication_and_heartbeat():
    r13 = frame(TRACCAR_2013_REGISTER)
    reg = j.decode_registration(r13.body, r13.header.is_2019)
    assert (r13.header.phone, reg.maker, reg.model, reg.device_id, reg.plate_color, reg.plate) == (
        "013511221122", "70107", "HB-R03GBD", "2366104", 2, "苏BA6860")
    r19 = frame(TRACCAR_2019_REGISTER)
    reg = j.decode_registration(r19.body, r19.header.is_2019)
    assert (r19.header.phone, r19.header.version, reg.model, reg.device_id, reg.plate_color) == (
        "00000866496077582164", 1, "MD300", "866496077582164", 4)
    auth = frame(TRACCAR_AUTH)
    assert (auth.header.msg_id, j.decode_auth(auth.body, False)) == (0x0102, "authentication")
    beat = frame(TRACCAR_HEARTBEAT)
    assert (beat.header.msg_id, beat.header.phone, beat.header.serial, beat.body) == (0x0002, "043048325465", 183, b"")


def test_a_header_phone_that_is_not_bcd_is_read_as_its_hex_digits_and_answered_with_them():
    """Traccar (Jt808ProtocolDecoderTest): an authentication whose header "phone" is 4F07788EF676, not BCD."""
    f = frame("7e010200204f07788ef67601824f4459344f544d314d4459774d4441314d444977626d5633553235536457786cba7e")
    assert (f.header.msg_id, f.header.phone, f.header.serial) == (0x0102, "4f07788ef676", 0x0182)
    (segment,) = j.FrameReader().feed(j.build_frame(0x8001, f.header.phone, 1, j.general_response(0x0182, 0x0102)))
    assert j.parse_frame(segment).header.phone == "4f07788ef676"
    with pytest.raises(ValueError):
        j.bcd("4F07788EF67G", 6)


def test_a_2013_terminal_that_sets_the_version_flag_is_read_as_2013():
    """SmallChi/JT808 src/JT808.Protocol.Test/Simples/Demo14.cs: a 2013 authentication whose header sets bit 14 (the
    2019 version flag, reserved in 2013); the library reads it with its "JTT2013Force" mode."""
    f = frame("7e0102400c01003000068109024a3130303330303030363831857e")
    assert (f.header.msg_id, f.header.version, f.header.phone, f.header.serial) == (0x0102, None, "010030000681", 0x0902)
    assert j.decode_auth(f.body, f.header.is_2019) == "J10030000681"
    # a genuine 2019 frame still reads as 2019
    assert frame(TRACCAR_2019_BATCH_SOUTH).header.version == 1


def test_2019_authentication_carries_its_length():
    body = j.encode_auth("a1b2", True, imei="866496077582164", software="1.0")
    assert body[0] == 4 and j.decode_auth(body, True) == "a1b2"
    with pytest.raises(j.FrameError):
        j.decode_auth(b"\x09abc", True)


def test_a_corrupted_check_code_is_refused():
    with pytest.raises(j.FrameError, match="check code 0xd0, computed 0xf0"):
        frame(TRACCAR_BAD_CHECK)
    good = bytearray(bytes.fromhex(TRACCAR_2013_LOCATION))
    good[30] ^= 0x01  # one bit of the latitude
    with pytest.raises(j.FrameError) as err:
        j.parse_frame(bytes(good[1:-1]))
    assert err.value.reason == "bad_frame"


@pytest.mark.parametrize("target", [0x7E, 0x7D])
def test_a_check_code_that_is_a_flag_or_escape_is_escaped(target):
    body = j.general_response(7, 0x0200)
    serial = next(s for s in range(0x10000) if j.check_code(
        (0x8001).to_bytes(2) + len(body).to_bytes(2) + j.bcd("013511221122", 6) + s.to_bytes(2) + body) == target)
    wire = j.build_frame(0x8001, "013511221122", serial, body)
    assert wire[-3:] == bytes([0x7D, 0x02 if target == 0x7E else 0x01, 0x7E])
    assert wire.count(b"\x7e") == 2
    (segment,) = j.FrameReader().feed(wire)
    f = j.parse_frame(segment)
    assert (f.header.serial, j.decode_general_response(f.body)) == (serial, (7, 0x0200, 0))


def test_several_frames_per_read_and_one_split_over_reads():
    stream = bytes.fromhex(TRACCAR_HEARTBEAT + TRACCAR_AUTH + TRACCAR_2013_LOCATION + JTTOOLS_2019_LOCATION)
    assert [j.parse_frame(s).header.msg_id for s in j.FrameReader().feed(stream)] == [2, 0x102, 0x200, 0x200]
    reader = j.FrameReader()
    out = []
    for i in range(len(stream)):  # one byte per read
        out += reader.feed(stream[i:i + 1])
    assert [j.parse_frame(s).header.serial for s in out] == [183, 6, 25, 530]
    assert reader.pending == 0


def test_resynchronises_on_the_next_flag_after_garbage():
    reader = j.FrameReader()
    stream = b"GET / HTTP/1.1\r\n" + bytes.fromhex(TRACCAR_HEARTBEAT) + b"\x00\x01junk" + bytes.fromhex(TRACCAR_AUTH)
    out = reader.feed(stream)
    good = [s for s in out if isinstance(s, bytes)]
    bad = [s for s in out if not isinstance(s, bytes)]
    assert len(bad) == 0 and len(good) == 4  # garbage segments come out as bytes and fail to parse
    parsed = []
    for s in good:
        try:
            parsed.append(j.parse_frame(s).header.msg_id)
        except j.FrameError:
            parsed.append(None)
    assert parsed == [None, 0x0002, None, 0x0102]


def test_a_stream_without_flags_is_garbage_and_bounded():
    reader = j.FrameReader()
    out = reader.feed(b"\x00" * (j.MAX_ESCAPED + 10))
    assert len(out) == 1 and isinstance(out[0], j.FrameError) and reader.pending == 0
    assert [j.parse_frame(s).header.msg_id for s in reader.feed(bytes.fromhex(TRACCAR_HEARTBEAT))] == [2]


def test_truncated_frames_are_refused_at_every_length():
    content = bytes.fromhex(TRACCAR_2013_LOCATION)[1:-1]
    for n in range(len(content)):
        with pytest.raises(j.FrameError):
            j.parse_frame(content[:n])
    reader = j.FrameReader()
    assert reader.feed(bytes.fromhex(TRACCAR_2013_LOCATION)[:-1]) == []  # no closing flag yet: nothing out


def test_malformed_escapes_length_and_bodies():
    with pytest.raises(j.FrameError, match="0x7d followed by 0x03"):
        j.unescape(b"\x02\x00\x7d\x03")
    with pytest.raises(j.FrameError, match="followed by nothing"):
        j.unescape(b"\x02\x00\x7d")
    f = j.build_frame(0x0200, "013511221122", 1, b"\x00" * 10)[1:-1]
    data = bytearray(j.unescape(f))
    data[3] = 12  # the header says 12 bytes of body, there are 10
    data[-1] = j.check_code(bytes(data[:-1]))
    with pytest.raises(j.FrameError, match="body is 10 bytes, its header says 12"):
        j.parse_frame(j.escape(bytes(data)))
    with pytest.raises(j.FrameError, match="at least 28 bytes"):
        j.decode_location(b"\x00" * 27)
    with pytest.raises(j.FrameError, match="not YYMMDDhhmmss"):
        j.decode_location(bytes(22) + bytes.fromhex("261340000000"))
    with pytest.raises(j.FrameError, match="nibble"):
        j.decode_location(bytes(22) + bytes.fromhex("2611a1000000"))
    _, items = j.decode_batch(frame(TRACCAR_BATCH_BLIND).body)
    with pytest.raises(j.FrameError, match="says 8 reports"):
        j.decode_batch(frame(TRACCAR_BATCH_BLIND).body[:-40])


def test_sub_packages_reassemble_in_any_order():
    body = j.encode_batch([j.Location(0, 3, 31.78 + i / 1e4, 119.95, 10, 30.0, 90,
                                      dt.datetime(2026, 11, 20, 0, 0, i, tzinfo=UTC), mileage_km=1.0)
                           for i in range(40)])
    assert len(body) > j.MAX_BODY
    wires = j.build_packages(0x0704, "00000000013511221122", 100, body, size=500, version=1)
    frames = [j.parse_frame(s) for w in wires for s in j.FrameReader().feed(w)]
    assert [(f.header.total, f.header.index, f.header.serial) for f in frames] == [
        (3, 1, 100), (3, 2, 101), (3, 3, 102)]
    joiner = j.Reassembler()
    out = [joiner.add(f, 0.0) for f in (frames[2], frames[0], frames[1])]
    assert out[:2] == [None, None]
    whole = out[2]
    assert (whole.header.msg_id, whole.header.serial, whole.serials, whole.body) == (0x0704, 100, (100, 101, 102), body)
    assert len(j.decode_batch(whole.body)[1]) == 40 and joiner.incomplete == 0


def test_sub_packages_are_bounded_and_expire():
    joiner = j.Reassembler(max_messages=2, max_total=8, timeout_s=60)
    wires = j.build_packages(0x0704, "013511221122", 1, bytes(50), size=10)
    first = j.parse_frame(j.FrameReader().feed(wires[0])[0])
    with pytest.raises(j.FrameError, match="sub-packages"):
        j.Reassembler(max_total=4).add(first, 0.0)
    joiner.add(first, 0.0)
    assert joiner.incomplete == 1
    rest = [j.parse_frame(j.FrameReader().feed(w)[0]) for w in wires[1:]]
    for f in rest:
        assert joiner.add(f, 61.0) is None  # the first package expired: the message never completes
    assert joiner.incomplete == 1


def test_forgotten_incomplete_messages_are_reported_once_and_missing_packages_named():
    joiner = j.Reassembler(max_messages=1, timeout_s=60)
    wires = j.build_packages(0x0704, "013511221122", 0xFFFE, bytes(50), size=10)  # serials wrap past 0xFFFF
    frames = [j.parse_frame(j.FrameReader().feed(w)[0]) for w in wires]
    joiner.add(frames[1], 0.0)
    joiner.add(frames[4], 0.0)
    assert joiner.missing(frames[4].header) == (0xFFFE, [1, 3, 4]) and joiner.dropped == []
    other = j.parse_frame(j.FrameReader().feed(j.build_packages(0x0704, "013511221122", 7, bytes(20), size=10)[0])[0])
    joiner.add(other, 1.0)  # a second message takes the only place
    assert [(h.serial, held) for h, held in joiner.dropped] == [(0xFFFF, [2, 5])]
    assert joiner.missing(frames[0].header) == (0xFFFE, [2, 3, 4, 5])  # nothing held any more


@pytest.mark.parametrize("is_2019", [False, True])
def test_resend_request_and_parameter_setting_bodies(is_2019):
    body = j.resend_request(0x1234, [2, 5], is_2019=is_2019)
    # 2013: serial WORD, count BYTE, ids WORD each; 2019: the count is a WORD
    assert body == (bytes.fromhex("1234 0002 0002 0005") if is_2019 else bytes.fromhex("1234 02 0002 0005"))
    assert j.decode_resend_request(body, is_2019) == (0x1234, [2, 5])
    with pytest.raises(j.FrameError):
        j.decode_resend_request(body[:-1], is_2019)
    params = j.set_params_body({j.Param.DEFAULT_INTERVAL: 30, j.Param.SLEEP_INTERVAL: 600})
    assert params == bytes.fromhex("02 00000029 04 0000001e 00000027 04 00000258")
    assert j.decode_set_params(params) == {0x29: (30).to_bytes(4), 0x27: (600).to_bytes(4)}
    with pytest.raises(j.FrameError):
        j.decode_set_params(params[:-2])


@settings(max_examples=150, deadline=None)
@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180), speed=st.integers(0, 2000), heading=st.integers(0, 359),
       alarm=st.integers(0, 2**32 - 1), seconds=st.integers(0, 20 * 365 * 86400), serial=st.integers(0, 0xFFFF),
       version=st.sampled_from([None, 1]), mileage=st.none() | st.integers(0, 2**32 - 1))
def test_location_round_trip(lat, lon, speed, heading, alarm, seconds, serial, version, mileage):
    ts = dt.datetime(2001, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=seconds)
    loc = j.Location(alarm, j.STATUS_POSITIONED, round(lat, 6), round(lon, 6), 0, speed / 10, heading, ts,
                     mileage_km=None if mileage is None else mileage / 10)
    wire = j.build_frame(0x0200, "1" * (20 if version else 12), serial, j.encode_location(loc), version=version)
    assert wire.count(b"\x7e") == 2
    (segment,) = j.FrameReader().feed(wire)
    f = j.parse_frame(segment)
    back = j.decode_location(f.body)
    assert (f.header.serial, f.header.version) == (serial, version)
    assert (back.alarm, back.lat, back.lon, back.speed, back.heading, back.ts, back.mileage_km) == (
        alarm, loc.lat, loc.lon, loc.speed, heading, ts, loc.mileage_km)
