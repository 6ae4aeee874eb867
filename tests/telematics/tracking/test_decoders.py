"""Decoders: captured payloads of each protocol, every rejection reason, and a bounded fuzz test."""
import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gis.gcj02 import wgs84_to_gcj02
from telematics.tracking.decoders import Decoded, decode_offload, decode_owntracks, decode_position

UTC = dt.timezone.utc


def test_native_object_with_offset():
    d = decode_position("T0001", b'{"ts": "2026-11-22T08:00:05+08:00", "lat": 31.7781, "lon": 119.9463, '
                                 b'"speed": 35.2, "heading": 270, "acc": true, "crs": "wgs84", "seq": 17}')
    (fix,) = d.items
    assert fix.ts == dt.datetime(2026, 11, 22, 0, 0, 5, tzinfo=UTC)
    assert (fix.lat, fix.lon, fix.speed, fix.heading, fix.acc, fix.seq) == (31.7781, 119.9463, 35.2, 270, True, 17)


def test_epoch_seconds_and_milliseconds_and_arrays():
    d = decode_position("T1", json.dumps([{"ts": 1763769605, "lat": 31.7, "lon": 119.9},
                                          {"ts": 1763769605123, "lat": 31.7, "lon": 119.9}]).encode())
    assert [f.ts.timestamp() for f in d.items] == [1763769605, 1763769605.123]
    assert d.rejections == ()


def test_gcj02_is_converted_to_wgs84():
    g_lon, g_lat = wgs84_to_gcj02(119.95, 31.78)
    (fix,) = decode_position("T1", json.dumps({"ts": 1763769605, "lat": g_lat, "lon": g_lon, "crs": "gcj02"}).encode()).items
    assert abs(fix.lat - 31.78) < 1e-6 and abs(fix.lon - 119.95) < 1e-6 and fix.crs == "gcj02"


def test_bad_elements_are_rejected_one_by_one():
    d = decode_position("T1", json.dumps([{"ts": 1763769605, "lat": 31.7, "lon": 119.9}, {"lat": 1, "lon": 2},
                                          {"ts": "yesterday", "lat": 1, "lon": 2}, {"ts": 1, "lat": "x", "lon": 2},
                                          7]).encode())
    assert len(d.items) == 1
    assert [r.reason for r in d.rejections] == ["missing_field", "invalid_field", "invalid_field", "invalid_field"]
    assert "element 1" in d.rejections[0].detail and json.loads(d.rejections[0].payload) == {"lat": 1, "lon": 2}


def test_optional_attrs_are_kept_with_the_fix():
    ok = {"ts": 1763427600, "lat": 31.78, "lon": 119.95, "attrs": {"alarm": 256, "mileage_km": 12.5}}
    (fix,) = decode_position("013511221122", json.dumps(ok).encode()).items
    assert fix.attrs == {"alarm": 256, "mileage_km": 12.5}
    plain = decode_position("T1", json.dumps({"ts": 1763427600, "lat": 31.78, "lon": 119.95}).encode()).items[0]
    assert plain.attrs is None
    for bad in ([1, 2], "alarm", {"blob": "x" * 3000}):
        decoded = decode_position("T1", json.dumps({**ok, "attrs": bad}).encode())
        assert decoded.items == () and decoded.rejections[0].reason == "invalid_field"
        assert "attrs" in decoded.rejections[0].detail


def test_bad_json_is_rejected_whole():
    (r,) = decode_position("T1", b'{"ts": 1,').rejections
    assert r.reason == "bad_json" and r.terminal == "T1"


def test_owntracks_location():
    d = decode_owntracks("officer", "phone", b'{"_type":"location","tst":1763769605,"lat":31.78,"lon":119.95,'
                                             b'"vel":42,"cog":90,"acc":12,"tid":"ph"}')
    (fix,) = d.items
    assert fix.terminal == "officer/phone" and fix.speed == 42 and fix.heading == 90
    (r,) = decode_owntracks("officer", "phone", b'{"_type":"lwt","tst":1}').rejections
    assert r.reason == "unsupported"


def test_dock_offload_report():
    (report,) = decode_offload("D01", b'{"ts": "2026-11-22T20:00:00+08:00", "recorder": "REC-0001", '
                                      b'"recorded_on": "2026-11-22", "files": 12, "bytes": 8123456789}').items
    assert report.recorder == "REC-0001" and report.recorded_on == dt.date(2026, 11, 22) and report.bytes == 8123456789
    (r,) = decode_offload("D01", b'{"ts": 1, "recorded_on": "2026-11-22"}').rejections
    assert r.reason == "missing_field"


json_values = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=10),
                           lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.sampled_from(["ts", "lat", "lon", "speed", "crs", "_type", "tst",
                                                              "recorder", "recorded_on", "files", "x"]),
                                             children, max_size=6), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
def test_decoders_never_raise_and_account_for_everything(payload):
    for decoded in (decode_position("T1", payload), decode_owntracks("u", "d", payload), decode_offload("D", payload)):
        assert isinstance(decoded, Decoded)
        assert decoded.items or decoded.rejections
        for fix in decoded.items:
            assert fix.ts.tzinfo is not None


valid_fixes = st.fixed_dictionaries({
    "ts": st.integers(min_value=1_600_000_000, max_value=1_900_000_000),
    "lat": st.floats(min_value=18.0, max_value=53.0), "lon": st.floats(min_value=73.0, max_value=135.0),
    "speed": st.floats(min_value=0, max_value=200), "form": st.sampled_from(["iso", "s", "ms"]),
    "crs": st.sampled_from(["wgs84", "gcj02", None])})


@settings(max_examples=100, deadline=None)
@given(st.lists(valid_fixes, min_size=1, max_size=12), st.booleans())
def test_well_formed_fixes_decode_to_what_was_sent(fixes, as_array):
    """Any well-formed fix in any time form and datum comes back at the same instant and (within GCJ-02's
    inverse) the same place; arrays keep every element in order."""
    def body(f):
        ts = {"iso": dt.datetime.fromtimestamp(f["ts"], UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
              .isoformat(), "s": f["ts"], "ms": f["ts"] * 1000}[f["form"]]
        lon, lat = (wgs84_to_gcj02(f["lon"], f["lat"]) if f["crs"] == "gcj02" else (f["lon"], f["lat"]))
        out = {"ts": ts, "lat": lat, "lon": lon, "speed": f["speed"]}
        return {**out, "crs": f["crs"]} if f["crs"] else out

    sent = fixes if as_array else fixes[:1]
    payload = json.dumps([body(f) for f in sent] if as_array else body(sent[0])).encode()
    decoded = decode_position("T1", payload)
    assert decoded.rejections == ()
    assert len(decoded.items) == len(sent)
    for fix, f in zip(decoded.items, sent):
        assert fix.ts.timestamp() == f["ts"] and fix.speed == f["speed"]
        tolerance = 2e-5 if f["crs"] == "gcj02" else 0  # ~2 m: the inverse of GCJ-02 is numerical
        assert abs(fix.lat - f["lat"]) <= tolerance and abs(fix.lon - f["lon"]) <= tolerance


def test_year_1_east_of_utc_is_an_invalid_field_not_an_overflow():
    (r,) = decode_position("T0001", b'{"ts": "0001-01-01T00:00:00+08:00", "lat": 31.7, "lon": 119.9}').rejections
    assert r.reason == "invalid_field" and "out of range" in r.detail


def test_an_array_beyond_max_fixes_is_one_rejection():
    body = json.dumps([{"ts": 1_700_000_000 + k, "lat": 31.7, "lon": 119.9} for k in range(11)]).encode()
    d = decode_position("T0001", body, max_fixes=10)
    assert d.items == () and [r.reason for r in d.rejections] == ["payload_too_large"]
    assert len(decode_position("T0001", body, max_fixes=11).items) == 11
