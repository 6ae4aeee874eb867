"""The rules' checkpoint across a deploy: a checkpoint saved by other state classes (a field added), an unreadable
or unversioned one, is set aside and the state rebuilt from the stored fixes — the same state and the same alerts
(one per episode, even for an episode that began before the last hour); one of this version is loaded as is.
In-process on PostgreSQL; times relative to the clock."""
import dataclasses
import json
import pickle
import time
import zlib

import pytest
from django.db.models import F

from telematics.tracking import rules
from telematics.tracking.checkpoint import state_version
from telematics.tracking.models import Alert, Position, RuleCheckpoint
from telematics.tracking.pipeline import Message, Pipeline
from telematics.tracking.retention import fixes_unguarded

from .conftest import DEPOT, OUTSIDE, RESTAURANT, Route, fix_ts

pytestmark = pytest.mark.django_db
FIELDS = ("vehicle__plate", "kind", "started_at", "ended_at", "status")


def stream() -> list[tuple[str, dict]]:
    """Two hours up to now: V1 has lunch at a restaurant and drives back and forth; V2 leaves the jurisdiction
    early and stays out (an out_of_jurisdiction episode open for more than an hour)."""
    t0 = time.time() - 2 * 3600
    r1 = Route(t0, DEPOT, 1).drive(RESTAURANT, 4).park(15).drive(DEPOT, 4)
    for _ in range(6):
        r1.park(5).drive(RESTAURANT, 4).drive(DEPOT, 4)
    r2 = Route(t0, DEPOT, 7).drive(OUTSIDE, 10).park(100)
    rows = sorted((fix_ts(f), f"qm/terminals/{t}/position", f) for t, r in (("T0001", r1), ("T0002", r2))
                  for f in r.fixes if fix_ts(f) < time.time())
    return [(topic, f) for _, topic, f in rows]


def feed(pipeline: Pipeline, msgs) -> None:
    for start in range(0, len(msgs), 10):
        pipeline.process([Message(topic, json.dumps(body).encode()) for topic, body in msgs[start:start + 10]])


def alerts() -> list[tuple]:
    return sorted(tuple(str(v) for v in row) for row in Alert.objects.values_list(*FIELDS))


def summary(state: rules.EngineState) -> dict:
    return {"vehicles": {vid: (t.max_ts, t.last.ts if t.last else None, t.outside.start_ts if t.outside else None)
                         for vid, t in state.vehicles.items()},
            "last_seen": dict(state.last_seen), "watermark": state.watermark}


@pytest.fixture
def checkpointed(city):
    """The stream fed in-process, checkpointed half-way; the positions' received_at set to their event time (as
    if received live over the two hours). Returns the state and alerts an uninterrupted run ends with."""
    msgs = stream()
    pipeline = Pipeline()
    feed(pipeline, msgs[:len(msgs) // 2])
    pipeline.checkpoint()
    feed(pipeline, msgs[len(msgs) // 2:])
    with fixes_unguarded():  # stored fixes refuse UPDATE otherwise (migration tracking/0015)
        Position.objects.update(received_at=F("ts"))
    expected = {"state": summary(pipeline.engine.state), "alerts": alerts()}
    assert ("苏D·A0002", "out_of_jurisdiction") in {a[:2] for a in expected["alerts"]}
    assert Alert.objects.get(kind="out_of_jurisdiction").started_at.timestamp() < time.time() - 3600
    return expected


@dataclasses.dataclass(slots=True)
class VehicleTrack(rules.VehicleTrack):
    """What a deploy may bring: the state class with one more field."""

    odometer_km: float | None = None


def test_a_checkpoint_of_changed_state_classes_is_rebuilt_from_the_stored_fixes(checkpointed, monkeypatch):
    old_version = state_version()
    VehicleTrack.__module__, VehicleTrack.__qualname__ = rules.__name__, "VehicleTrack"
    monkeypatch.setattr(rules, "VehicleTrack", VehicleTrack)
    assert state_version() != old_version

    restarted = Pipeline()
    restarted.recover()
    tracks = restarted.engine.state.vehicles.values()
    assert tracks and all(type(t) is VehicleTrack and t.odometer_km is None for t in tracks)
    assert summary(restarted.engine.state) == checkpointed["state"]
    assert alerts() == checkpointed["alerts"]  # the open episode found again with its start: still one alert
    restarted.checkpoint()
    assert bytes(RuleCheckpoint.objects.get().state).startswith(f"qm-rules-state/{state_version()}\n".encode())


@pytest.mark.parametrize("blob", [b"not a checkpoint", b"qm-rules-state/" + state_version().encode() + b"\n\x00",
                                  "unversioned"])
def test_an_unreadable_or_unversioned_checkpoint_is_rebuilt_from_the_stored_fixes(checkpointed, blob):
    if blob == "unversioned":  # as saved before checkpoints had a version
        blob = zlib.compress(pickle.dumps(rules.EngineState(late=12345)))
    RuleCheckpoint.objects.update(state=blob)
    restarted = Pipeline()
    restarted.recover()
    assert summary(restarted.engine.state) == checkpointed["state"]
    assert restarted.engine.state.late != 12345
    assert alerts() == checkpointed["alerts"]


def test_a_checkpoint_of_this_version_is_loaded_as_saved(checkpointed):
    pipeline = Pipeline()
    pipeline.recover()
    pipeline.engine.state.late = 12345  # a mark a rebuild would not reproduce
    pipeline.checkpoint()
    restarted = Pipeline()
    restarted.recover()
    assert restarted.engine.state.late == 12345
    assert summary(restarted.engine.state) == checkpointed["state"]
