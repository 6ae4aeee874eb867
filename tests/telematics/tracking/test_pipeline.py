"""The pipeline's guards, in-process on PostgreSQL: the fix-age limit and the payload caps (each oversized message
is one dead letter). Times are relative to the clock, so these pass on any date."""
import json
import time

import pytest

from telematics.tracking.models import DeadLetter, Position
from telematics.tracking.pipeline import Message, Pipeline

from .conftest import fix

pytestmark = pytest.mark.django_db
TOPIC = "qm/terminals/T0001/position"
DAY = 86400


def process(*payloads, topic: str = TOPIC):
    return Pipeline().process([Message(topic, p if isinstance(p, bytes) else json.dumps(p).encode())
                               for p in payloads])


def stored_ts() -> list[float]:
    return sorted(ts.timestamp() for ts in Position.objects.values_list("ts", flat=True))


def test_fixes_older_than_the_limit_are_stale_dead_letters_and_a_week_offline_batch_passes(city, settings):
    settings.QM_MAX_FIX_AGE_DAYS = 30
    now = int(time.time())
    week_offline = [fix(now - 7 * DAY + 60 * k, 119.95, 31.78, 20) for k in range(5)]  # one buffer flush
    process(week_offline, fix(now - 31 * DAY, 119.95, 31.78), fix(now - 29 * DAY, 119.95, 31.78),
            {"ts": 0, "lat": 31.78, "lon": 119.95}, {"ts": "0001-01-01T00:00:00Z", "lat": 31.78, "lon": 119.95})
    assert stored_ts() == sorted([now - 29 * DAY] + [now - 7 * DAY + 60 * k for k in range(5)])
    stale = DeadLetter.objects.filter(reason="stale_timestamp")
    assert stale.count() == 3
    assert all("more than 30 days before its arrival" in d.detail for d in stale)
    assert {json.loads(d.payload)["ts"] for d in stale} >= {0, "0001-01-01T00:00:00Z"}


def test_no_limit_replays_history_but_never_keeps_1970_or_year_1(city, settings):
    settings.QM_MAX_FIX_AGE_DAYS = 0
    now = int(time.time())
    process(fix(now - 400 * DAY, 119.95, 31.78), {"ts": 0, "lat": 31.78, "lon": 119.95},
            {"ts": "1970-01-01T08:00:00+08:00", "lat": 31.78, "lon": 119.95},
            {"ts": "0001-01-01T00:00:00Z", "lat": 31.78, "lon": 119.95})
    assert stored_ts() == [now - 400 * DAY]
    assert sorted(DeadLetter.objects.values_list("reason", "detail")) == [
        ("stale_timestamp", "ts 0001-01-01T00:00:00+00:00 is before 2000-01-01"),
        ("stale_timestamp", "ts 1970-01-01T00:00:00+00:00 is before 2000-01-01"),
        ("stale_timestamp", "ts 1970-01-01T00:00:00+00:00 is before 2000-01-01")]


def test_year_1_with_an_offset_is_a_dead_letter_not_a_crash(city):
    process({"ts": "0001-01-01T00:00:00+08:00", "lat": 31.78, "lon": 119.95})
    (letter,) = DeadLetter.objects.all()
    assert letter.reason == "invalid_field" and "out of range" in letter.detail
    assert not Position.objects.exists()


def test_an_oversized_message_is_one_dead_letter_with_its_payload_cut(city, settings):
    settings.QM_PAYLOAD_MAX_BYTES = 100_000
    now = time.time() - 3600
    huge = [fix(now + k, 119.95, 31.78, 20) for k in range(2000)]  # ~170 KB, every element a good fix
    body = json.dumps(huge).encode()
    assert len(body) > 100_000
    process(body, fix(now - 60, 119.95, 31.78))
    (letter,) = DeadLetter.objects.all()
    assert letter.reason == "payload_too_large" and letter.terminal == "T0001" and letter.truncated
    assert f"{len(body)} bytes" in letter.detail
    assert letter.payload.encode() == body[:8192]
    assert Position.objects.count() == 1  # the next message still flows


def test_an_array_of_too_many_fixes_is_one_dead_letter(city, settings):
    settings.QM_ARRAY_MAX_FIXES = 50
    now = time.time() - 3600
    bad = [{"ts": now + k} for k in range(51)]  # each element would be a missing_field dead letter
    ok = [fix(now + k, 119.95, 31.78, 20) for k in range(50)]
    process(bad, ok)
    assert list(DeadLetter.objects.values_list("reason", "detail")) == [
        ("payload_too_large", "array of 51 fixes, more than QM_ARRAY_MAX_FIXES (50)")]
    assert Position.objects.count() == 50


def test_default_caps_refuse_a_20_mb_message(city):
    body = b"[" + b",".join([json.dumps(fix(time.time() - 60, 119.95, 31.78)).encode()] * 240_000) + b"]"
    assert len(body) > 20_000_000
    process(body)
    assert list(DeadLetter.objects.values_list("reason", flat=True)) == ["payload_too_large"]
    assert not Position.objects.exists()

