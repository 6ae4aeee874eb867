"""Every bad message becomes a dead letter while the ingest keeps going; retry after registering a terminal."""
import datetime as dt
import io
import json
import time

import pytest
from django.core.management import call_command

from gis.gcj02 import wgs84_to_gcj02
from telematics.models import Vehicle
from telematics.tracking.models import DeadLetter, Position
from tests.support.fixtures import make_user

from .conftest import fix, wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]


def test_bad_messages_become_dead_letters_and_good_ones_still_flow(city, ingest, publisher, mqtt_url, api_client_for):
    now = time.time() - 3600
    pub = publisher()
    proc = ingest(env={"QM_MAX_FIX_AGE_DAYS": "30"})  # the default limit, set here as the fixture turns it off
    good = [fix(now + k, 119.95, 31.78, 20) for k in range(8)]
    g_lon, g_lat = wgs84_to_gcj02(119.96, 31.79)
    sends = [
        ("qm/terminals/T0001/position", b'{"ts": 1, "lat": '),                       # bad_json
        ("qm/terminals/T0001/position", good[0]),
        ("qm/terminals/T0001/position", {"lat": 31.78, "lon": 119.95}),            # missing_field
        ("qm/terminals/T0001/position", good[1]),
        ("qm/terminals/T0001/position", fix(now + 20, 119.95, 95.0)),               # out_of_range
        ("qm/terminals/T0001/position", fix(time.time() + 3600, 119.95, 31.78)),   # future_timestamp
        ("qm/terminals/T9999/position", fix(now + 30, 119.95, 31.78)),              # unknown_terminal
        ("qm/terminals/T0001/position", fix(now - 40 * 86400, 119.95, 31.78)),     # stale_timestamp
        ("qm/terminals/T0001/position", b"[" + b"0," * 800_000 + b"0]"),           # payload_too_large (1.6 MB)
        ("qm/terminals/T0001/position", good[1]),                                  # duplicate
        ("qm/terminals/T0001/position", [good[2], good[3], {"ts": now + 40}]),      # array with one bad element
        ("qm/terminals/T0002/position", {"ts": int((now + 50) * 1000), "lat": g_lat, "lon": g_lon, "crs": "gcj02"}),
        ("owntracks/officer/phone", {"_type": "location", "tst": int(now + 60), "lat": 31.785, "lon": 119.955,
                                     "vel": 30, "cog": 45}),
        ("owntracks/officer/phone", {"_type": "lwt", "tst": int(now)}),            # unsupported
        ("qm/docks/D01/offload", {"ts": int(now), "recorder": "REC-1", "recorded_on": "2026-11-22", "files": 3,
                                  "bytes": 1000}),
        ("qm/terminals/T0001/position", good[4]),
    ]
    for topic, payload in sends:
        pub.send(topic, payload)
    wait_until(lambda: DeadLetter.objects.count() == 10, what="10 dead letters")
    wait_until(lambda: Position.objects.count() == 7, what="7 positions")
    reasons = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert reasons == ["bad_json", "duplicate", "future_timestamp", "missing_field", "missing_field", "out_of_range",
                       "payload_too_large", "stale_timestamp", "unknown_terminal", "unsupported"]
    assert DeadLetter.objects.get(reason="payload_too_large").truncated
    gcj = Position.objects.get(terminal="T0002")
    assert abs(gcj.lat - 31.79) < 1e-5 and abs(gcj.lon - 119.96) < 1e-5
    phone = Position.objects.get(terminal="officer/phone")
    assert phone.speed == 30 and phone.vehicle_id == city["vehicles"]["phone"].pk
    unknown = DeadLetter.objects.get(reason="unknown_terminal")
    assert unknown.terminal == "T9999" and unknown.topic == "qm/terminals/T9999/position"

    admin = make_user("admin", None, superuser=True)
    client = api_client_for(admin)
    listed = client.get("/api/v1/deadletters/?reason=unknown_terminal").json()
    assert [d["terminal"] for d in listed["results"]] == ["T9999"]
    assert client.get("/api/v1/deadletters/counts/").json()["missing_field"] == 2

    Vehicle.objects.bulk_create([Vehicle(plate="苏D·A0999", unit=city["units"]["CZ-TN-01"], seats=5,
                                         terminal_id="T9999")])
    out = io.StringIO()
    call_command("deadletters", "--retry", "--mqtt-url", mqtt_url, stdout=out)
    assert "republished 2" in out.getvalue()  # unknown_terminal and future_timestamp
    wait_until(lambda: Position.objects.filter(terminal="T9999").exists(), what=lambda: f"retried fix stored: {list(DeadLetter.objects.values_list('reason', 'detail'))} {proc.output}")
    wait_until(lambda: DeadLetter.objects.filter(reason="future_timestamp").count() == 1, what="future again")
    assert not DeadLetter.objects.filter(reason="unknown_terminal").exists()
    counters = proc.stop()
    assert counters["dead_letter.bad_json"] == 1 and counters["docks"] == 1

    table = io.StringIO()
    call_command("deadletters", "--format", "json", stdout=table)
    assert json.loads(table.getvalue())["counts"]["bad_json"] == 1
    assert dt.date(2026, 11, 22) in set(
        __import__("telematics.tracking.models", fromlist=["DockOffload"]).DockOffload.objects.values_list(
            "recorded_on", flat=True))
