"""The three-day scenario (simulators/scenarios/multiday/three_evenings.yaml) played through a real Mosquitto into a
real `qm ingest`: exactly one alert per episode of its ground truth, each ending in its window, the venue stops of
an evening out linked to its off_duty_use journey."""
from __future__ import annotations

import time

import pytest

from simulators.engine import SimClock, publish
from simulators.runner import RunRequest, build
from simulators.scenarios import SCENARIO_DIR, load_scenario
from tests.telematics.tracking.conftest import IngestProcess, wait_until

from .conftest import build_registry
from .test_scenarios import COMPANIONS, _items, _misplaced, _unexplained

THREE_EVENINGS = SCENARIO_DIR / "multiday" / "three_evenings.yaml"


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_three_days_raise_exactly_one_alert_per_episode(city_map, mqtt_url):
    from telematics.tracking.models import Alert, DeadLetter, DockOffload, Position

    steered = {e.vehicle for e in load_scenario(THREE_EVENINGS).events if e.vehicle}
    build_registry(sorted(steered | COMPANIONS))
    sim = build(RunRequest(scenario_files=(str(THREE_EVENINGS),), interval=60, rest_interval=300), city=city_map)
    truth = sim.truth(sim.scenarios[0])
    expected = truth["alerts"]
    assert sorted((a["terminal"], a["kind"]) for a in expected) == sorted([
        ("T0011", "off_duty_use"), ("T0011", "venue_parking"), ("T0019", "off_duty_use"),
        ("T0019", "out_of_jurisdiction"), ("T0011", "off_duty_use"),
        # dinner of an hour and a half: the journey out ends there, the way home is another
        ("T0004", "off_duty_use"), ("T0004", "venue_parking"), ("T0004", "off_duty_use"),
        ("T0014", "terminal_silent"), ("T0004", "venue_parking"), ("T0014", "off_duty_use")])
    assert [a.get("part_of") for a in expected if a["kind"] == "venue_parking"].count("off_duty_use") == 2
    messages = list(sim.messages())
    ingest = IngestProcess(mqtt_url).start()
    try:
        sent = publish(messages, url=mqtt_url, clock=SimClock(sim.config.start, 0),
                       client_id=f"qm-sim-multiday-{time.time_ns()}")
        assert sent == len(messages)
        wait_until(lambda: Position.objects.count() + DeadLetter.objects.count() + DockOffload.objects.count()
                   >= _items(messages), timeout=180, what="every message stored or dead-lettered")
    finally:
        ingest.stop()
    raised = list(Alert.objects.select_related("part_of"))
    missing, extra = _unexplained(raised, expected)
    assert not missing, f"expected alerts not raised exactly once: {missing}"
    assert not extra, f"alerts the scenario does not expect: {[(a.kind, a.terminal, a.started_at) for a in extra]}"
    assert not _misplaced(raised, expected)
