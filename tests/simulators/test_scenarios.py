"""The built-in scenarios played through a real Mosquitto into a real `qm ingest`: the alerts raised, the dead
letters kept and the dock reports stored are exactly what each scenario's ground truth says; the missed
recorder-day shows in the compliance rule recorder-daily-offload."""
from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter

import pytest

from simulators.engine import SimClock, publish
from simulators.runner import RunRequest, build, register_declarations
from simulators.scenarios import builtin_scenarios, load_scenario
from tests.telematics.tracking.conftest import IngestProcess, wait_until

from .conftest import build_registry

# Vehicles no scenario steers, reporting all day (terminal_silent needs others reporting; T0001 also carries the
# malformed messages).
COMPANIONS = {"T0001", "T0005", "T0013"}
DAY = dt.date(2026, 11, 18)


def _items(messages) -> int:
    """Fixes, dock reports and malformed payloads: each ends as one stored row or one dead letter."""
    return sum(len(json.loads(m.payload)) if m.payload.startswith("[") else 1 for m in messages)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _unexplained(raised: list, expected: list[dict]) -> tuple[list, list]:
    """(expected alerts nobody raised, raised alerts no expected alert explains), by the truth's match rule."""
    missing = [e for e in expected if not any(
        a.kind == e["kind"] and a.terminal == e["terminal"] and _at(e["start"][0]) <= a.started_at <= _at(e["start"][1])
        for a in raised)]
    extra = [a for a in raised if not any(
        a.kind == e["kind"] and a.terminal == e["terminal"] and _at(e["start"][0]) <= a.started_at <= _at(e["end"][1])
        for e in expected)]
    return missing, extra


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_the_builtin_scenarios_raise_exactly_their_ground_truth(city_map, mqtt_url):
    from assets.compliance.services import compliance_report
    from assets.models import OrgUnit
    from telematics.tracking.models import Alert, DeadLetter, DockOffload, Position

    paths = builtin_scenarios()
    steered = {e.vehicle for p in paths for e in load_scenario(p).events if e.vehicle}
    registry = build_registry(sorted(steered | COMPANIONS))
    sim = build(RunRequest(scenario_files=tuple(map(str, paths)), interval=60, rest_interval=300), city=city_map)
    truths = [sim.truth(sc) for sc in sim.scenarios]
    # approved_trip's 派车单 and trip_orders' three, owntracks_phone's binding
    assert register_declarations(truths) == (4, 1)
    messages = list(sim.messages())
    expected_items = _items(messages)
    expected_alerts = [a for t in truths for a in t["alerts"]]
    expected_dead = sum((Counter(t["dead_letters"]) for t in truths), Counter())
    assert {a["kind"] for a in expected_alerts} == {"venue_parking", "off_duty_use", "out_of_jurisdiction",
                                                     "terminal_silent"}

    ingest = IngestProcess(mqtt_url).start()
    try:
        sent = publish(messages, url=mqtt_url, clock=SimClock(sim.config.start, 0),
                       client_id=f"qm-sim-test-{time.time_ns()}")
        assert sent == len(messages)
        wait_until(lambda: Position.objects.count() + DeadLetter.objects.count() + DockOffload.objects.count()
                   >= expected_items, timeout=120, what="every message stored or dead-lettered")
    finally:
        counters = ingest.stop()
    assert counters["messages"] == len(messages)

    raised = list(Alert.objects.all())
    missing, extra = _unexplained(raised, expected_alerts)
    assert not missing, f"expected alerts not raised: {missing}"
    assert not extra, f"alerts no scenario expects: {[(a.kind, a.terminal, a.started_at) for a in extra]}"
    assert Counter(DeadLetter.objects.values_list("reason", flat=True)) == expected_dead

    # Docking stations: every recorder-day reported except the one recorder_missed_day drops.
    missed = {(m["recorder"], m["recorded_on"]) for t in truths for m in t["missed_offloads"]}
    assert missed == {(registry["recorders"]["CZ-TN-01"][0], DAY.isoformat())}
    owed = {(tag, DAY.isoformat()) for tags in registry["recorders"].values() for tag in tags}
    stored = {(tag, day.isoformat()) for tag, day in DockOffload.objects.values_list("recorder_tag", "recorded_on")}
    assert stored == owed - missed

    def offload_rule(code: str) -> dict:
        report = compliance_report(unit=OrgUnit.objects.get(code=code), standard_id="jiangsu", as_of=DAY).data
        return next(r for r in report["results"] if r["rule"] == "recorder-daily-offload" and r["unit"] == code)

    tn01, tn02 = offload_rule("CZ-TN-01"), offload_rule("CZ-TN-02")
    assert (tn01["status"], tn01["required"], tn01["actual"]) == ("fail", 3, 2)
    assert (tn02["status"], tn02["required"], tn02["actual"]) == ("pass", 2, 2)
