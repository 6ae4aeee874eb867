"""Event time: the scenario day processed message by message in-process (as it happened) and through Mosquitto
at full speed with out-of-order fixes, duplicates and arrays raise exactly the same alerts."""
import json

import pytest

from telematics.tracking.models import Alert, Position
from telematics.tracking.pipeline import Message, Pipeline

from . import scenario
from .conftest import wait_until

ALERT_FIELDS = ("kind", "started_at", "ended_at", "venue", "grid_code", "dwell_s")


def snapshot():
    return sorted((a.vehicle.plate, *(str(getattr(a, f)) for f in ALERT_FIELDS))
                  for a in Alert.objects.select_related("vehicle"))


@pytest.mark.django_db(transaction=True)
def test_the_day_message_by_message_raises_the_ground_truth(city, tmp_path):
    scenario.trips(city["vehicles"])
    pipeline = Pipeline()
    for topic, payload in scenario.messages():
        pipeline.process([Message(topic, json.dumps(payload).encode())])
    assert scenario.raised() == scenario.expected()
    assert all(a.ended_at is not None for a in Alert.objects.all())
    (tmp_path.parent / "replay-reference.json").write_text(json.dumps(snapshot()))


def _through_the_broker(msgs, total, ingest, publisher) -> dict:
    """Publishes the messages at QoS 1 to a running `qm ingest` and waits for every fix stored and every alert raised
    and closed; the ingest's counters."""
    proc = ingest()
    pub = publisher()
    for topic, payload in msgs:
        pub.client.publish(topic, json.dumps(payload), qos=1)
    wait_until(lambda: Position.objects.count() == total, timeout=60, what="every fix stored")
    wait_until(lambda: len(scenario.raised()) == len(scenario.expected()) and not Alert.objects.filter(
        ended_at__isnull=True).exists(), timeout=30, what=lambda: f"every alert raised and closed: {snapshot()}")
    return proc.stop()


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_the_day_replayed_fast_through_mosquitto_raises_the_same_alerts(city, ingest, publisher, tmp_path):
    scenario.trips(city["vehicles"])
    msgs = scenario.messages(shuffle_window=3, duplicates=3, arrays=True)
    assert scenario.out_of_order(msgs) > 10
    total = len({(t, p["ts"]) for t, body in msgs for p in (body if isinstance(body, list) else [body])})
    counters = _through_the_broker(msgs, total, ingest, publisher)
    assert counters["stored"] == total and counters["dead_letter.duplicate"] == 3 * 7
    assert scenario.raised() == scenario.expected()
    reference = tmp_path.parent / "replay-reference.json"
    if reference.exists():
        assert [list(row) for row in snapshot()] == json.loads(reference.read_text())


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_the_day_flushed_in_arrays_by_every_terminal_raises_the_ground_truth(city, ingest, publisher):
    """Every terminal sends its fixes five at a time (a buffer flushed at the time of its last fix): V7's flush
    after its silent hour carries 07:50-08:00 and 09:00-09:05 together. The flush withdraws the silence opened at
    07:45, and the hour from 08:00 is a silence all the same (audit: it was lost, one alert less than one by one)."""
    scenario.trips(city["vehicles"])
    msgs = scenario.messages(flush=5)
    silent = [body for topic, body in msgs if "/T0007/" in topic and any(f["ts"].startswith("2026-10-10T08:00")
                                                                           for f in body)]
    assert [f["ts"][11:16] for f in silent[0]] == ["07:50", "07:55", "08:00", "09:00", "09:05"]
    total = sum(len(body) for _, body in msgs)
    counters = _through_the_broker(msgs, total, ingest, publisher)
    assert counters["stored"] == total
    assert scenario.raised() == scenario.expected()
