"""Each alert kind raised and not raised, end to end: real paho clients, a real Mosquitto, `qm ingest` as a process.

One Wednesday evening around the end of duty (18:00) of eight terminals, published in time order as they would
arrive, through GCJ-02, OwnTracks and array payloads, with duplicates and out-of-order fixes. The alerts must
be stored and published to `qm/alerts/{kind}`."""
import datetime as dt
import json
import random

import pytest

from gis.gcj02 import wgs84_to_gcj02
from telematics.tracking.models import Alert, DeadLetter, Position
from telematics.tracking.rules import distance_m
from telematics.tracking.selectors import daily_mileage

from .conftest import DEPOT, KTV, OUTSIDE, RESTAURANT, SHANGHAI, Route, fix_ts, local, north, wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
WEDNESDAY = dt.date(2026, 11, 18)
T0, END = local(WEDNESDAY, "17:30"), local(WEDNESDAY, "18:30")


def _gcj02(f: dict) -> dict:
    lon, lat = wgs84_to_gcj02(f["lon"], f["lat"])
    return {**f, "lon": lon, "lat": lat, "crs": "gcj02"}


def _owntracks(f: dict) -> dict:
    return {"_type": "location", "tst": int(fix_ts(f)), "lat": f["lat"], "lon": f["lon"], "vel": round(f["speed"]),
            "cog": 0}


def evening() -> tuple[list[tuple[float, str, object]], dict]:
    """(send time, topic, payload) of every message in sending order, and what was sent."""
    out = []

    def single(terminal, route, convert=None, topic=None):
        topic = topic or f"qm/terminals/{terminal}/position"
        out.extend((fix_ts(f), topic, convert(f) if convert else f) for f in route.fixes)

    # V5 (GCJ-02 payloads): 15 minutes at the restaurant from 17:40:30 while on duty -> venue_parking; then
    # parked at the depot past 18:00 with GPS drift -> no off_duty_use.
    single("T0005", Route(T0, DEPOT, 50).park(5).drive(RESTAURANT, 4).park(15, 30).drive(DEPOT, 4).park(31),
           convert=_gcj02)
    # The OwnTracks phone: leaves at 18:05, after duty, and drives 3 km -> off_duty_use, closed once parked
    # QM_OFF_DUTY_STOP_S (set to 15 minutes for this run: the default hour is longer than the evening).
    single("officer/phone", Route(T0, DEPOT, 60).park(34).drive(north(DEPOT, 3000), 6).park(20),
           convert=_owntracks, topic="owntracks/officer/phone")
    # V2: drives past the restaurant while on duty -> nothing.
    west, east = (RESTAURANT[0] - 0.015, RESTAURANT[1]), (RESTAURANT[0] + 0.015, RESTAURANT[1])
    single("T0002", Route(T0, west, 20).drive(east, 11, 10).park(50))
    # V3: a 6-minute stop at the restaurant while on duty -> nothing.
    single("T0003", Route(T0, DEPOT, 30).park(5).drive(RESTAURANT, 4).park(6, 30).drive(DEPOT, 4).park(40))
    # V4: 15 minutes at the KTV on an approved trip whose destination is the KTV -> nothing (exempt).
    single("T0004", Route(T0, DEPOT, 40).park(4).drive(KTV, 3).park(15, 30).drive(DEPOT, 3).park(40))
    # V7 (arrays of 10, a terminal flushing its buffer): 10 minutes ~2.9 km outside -> out_of_jurisdiction.
    v7 = Route(T0, DEPOT, 70).park(4).drive(OUTSIDE, 6).park(10, 20).drive(DEPOT, 6).park(40, 20).fixes
    for i in range(0, len(v7), 10):
        chunk = v7[i:i + 10]
        out.append((fix_ts(chunk[-1]), "qm/terminals/T0007/position", chunk))
    # V8 (out of order, duplicates): silent from 17:43 to 18:15 while the others report -> terminal_silent.
    v8 = Route(T0, DEPOT, 80).drive(north(DEPOT, 1500), 13, 10).silent_until(local(WEDNESDAY, "18:15"), 10).park(15, 10).fixes
    slots = [fix_ts(f) for f in v8]
    rnd = random.Random(8)
    swapped = 0
    for i in range(0, len(v8) - 1, 3):
        if rnd.random() < 0.7 and slots[i + 1] - slots[i] <= 20:  # within the rules' reorder window (30 s)
            v8[i], v8[i + 1] = v8[i + 1], v8[i]
            swapped += 1
    out.extend((slot, "qm/terminals/T0008/position", f) for slot, f in zip(slots, v8))
    duplicates = rnd.sample(v8, 6)
    out.extend((fix_ts(f) + 3, "qm/terminals/T0008/position", f) for f in duplicates)
    out = [row for row in out if row[0] <= END + 60]
    out.sort(key=lambda row: row[0])
    fixes = {(topic, p.get("ts", p.get("tst"))) for _, topic, body in out
             for p in (body if isinstance(body, list) else [body])}
    return out, {"fixes": len(fixes), "swapped": swapped, "duplicates": len(duplicates)}


def test_every_alert_kind_raised_and_not_raised_through_mosquitto(city, ingest, publisher, subscriber):
    from telematics.calendar import invalidate_trips
    from telematics.models import Trip

    vehicles = city["vehicles"]
    Trip.objects.bulk_create([Trip(
        vehicle=vehicles["V4"], start=dt.datetime.fromtimestamp(T0, dt.timezone.utc),
        end=dt.datetime.fromtimestamp(local(WEDNESDAY, "18:00"), dt.timezone.utc), purpose="娱乐场所检查",
        dest_lat=KTV[1], dest_lon=KTV[0], status="approved", approved_by="王科长")])
    invalidate_trips()
    messages, sent = evening()
    assert sent["swapped"] >= 5
    alerts = subscriber("qm/alerts/+")
    proc = ingest(env={"QM_OFF_DUTY_STOP_S": "900"})
    pub = publisher()
    infos = [pub.client.publish(topic, json.dumps(body), qos=1) for _, topic, body in messages]
    for info in infos:
        info.wait_for_publish(30)

    wait_until(lambda: Position.objects.count() == sent["fixes"], timeout=60,
               what=lambda: f"{sent['fixes']} fixes stored (have {Position.objects.count()})")
    expected = sorted([("苏D·A0005", "venue_parking"), ("苏D·P0001", "off_duty_use"),
                       ("苏D·A0007", "out_of_jurisdiction"), ("苏D·A0008", "terminal_silent")])

    def raised():
        return sorted(Alert.objects.values_list("vehicle__plate", "kind"))
    wait_until(lambda: raised() == expected and not Alert.objects.filter(ended_at__isnull=True).exists(),
               timeout=30, what=lambda: f"the four alerts raised and closed: {raised()}")
    counters = proc.stop()
    assert counters["stored"] == sent["fixes"]
    assert DeadLetter.objects.filter(reason="duplicate").count() == sent["duplicates"]

    by_kind = {a.kind: a for a in Alert.objects.select_related("vehicle")}
    venue = by_kind["venue_parking"]
    assert venue.venue == "老街酒楼" and venue.venue_category == "restaurant" and 14 * 60 <= venue.dwell_s <= 15 * 60
    assert venue.clause == "model 执法规范/执法行为/装备使用规范/1" and venue.vehicle == vehicles["V5"]
    assert len(venue.evidence["track"]) >= 30 and venue.grid_code.startswith("3204020010010")
    assert distance_m(venue.lat, venue.lon, RESTAURANT[1], RESTAURANT[0]) < 20  # GCJ-02 taken back to WGS-84
    assert venue.started_at.astimezone(SHANGHAI).strftime("%H:%M") == "17:40"
    # Where, in words, from the bureau's own layers: the venue and the community it lies in.
    assert venue.place == "老街酒楼 · 天宁寺社区" and venue.evidence["place"] == venue.place
    assert venue.evidence["place_parts"]["street"] == "延陵中路" and venue.evidence["place_parts"]["venue_inside"]
    assert by_kind["off_duty_use"].place.startswith("和平北路") and by_kind["off_duty_use"].place.endswith(" · 天宁寺社区")
    assert by_kind["off_duty_use"].started_at.astimezone(SHANGHAI).strftime("%H:%M") == "18:05"
    assert by_kind["off_duty_use"].distance_m >= 2900
    assert by_kind["out_of_jurisdiction"].dwell_s >= 600
    silent = by_kind["terminal_silent"]
    assert silent.started_at.astimezone(SHANGHAI).strftime("%H:%M") == "17:43"
    assert silent.ended_at.astimezone(SHANGHAI).strftime("%H:%M") == "18:15"
    # GPS drift while parked adds no distance: V5 drove 2 x ~1.4 km and stood still for the rest.
    km = daily_mileage(vehicles["V5"].pk, WEDNESDAY, WEDNESDAY)[0][1]
    assert 2.4 < km < 3.4

    # Published: every kind on its own topic, opened then closed, with SPEC's fields.
    wait_until(lambda: all(alerts.of_kind(k) for _, k in expected), what="alerts published")
    for plate, kind in expected:
        published = alerts.of_kind(kind)
        assert {p["vehicle"] for p in published} == {plate}
        assert published[-1]["status"] == "closed" and published[-1]["ended_at"]
        assert {"id", "kind", "vehicle", "terminal", "started_at", "ended_at", "lat", "lon", "venue",
                "venue_category", "grid_code", "status", "clause"} <= set(published[-1])
        assert published[-1]["id"] == by_kind[kind].pk and published[-1]["place"] == by_kind[kind].place
