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


def _matches(alert, expected: dict) -> bool:
    return (alert.kind == expected["kind"] and alert.terminal == expected["terminal"]
            and _at(expected["start"][0]) <= alert.started_at <= _at(expected["start"][1]))


def _unexplained(raised: list, expected: list[dict]) -> tuple[list, list]:
    """One alert per episode, by the truth's match rule: (expected alerts not matched by exactly one raised alert,
    raised alerts not matching exactly one expected alert)."""
    missing = [e for e in expected if sum(_matches(a, e) for a in raised) != 1]
    extra = [a for a in raised if sum(_matches(a, e) for e in expected) != 1]
    return missing, extra


def _misplaced(raised: list, expected: list[dict]) -> list:
    """Matched alerts that ended outside their episode's end window, or are not part of the alert they belong to."""
    wrong = []
    for e in expected:
        a = next(a for a in raised if _matches(a, e))
        if a.ended_at is None or not _at(e["end"][0]) <= a.ended_at <= _at(e["end"][1]):
            wrong.append((e, a.ended_at))
        whole = a.part_of
        if ("part_of" in e) != (whole is not None) or (whole is not None and (
                whole.kind != e["part_of"] or whole.vehicle_id != a.vehicle_id
                or not whole.started_at <= a.started_at <= whole.ended_at)):
            wrong.append((e, whole))
    return wrong


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_the_builtin_scenarios_raise_exactly_their_ground_truth(city_map, mqtt_url):
    from assets.models import OrgUnit
    from compliance.services import compliance_report
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

    raised = list(Alert.objects.select_related("part_of"))
    missing, extra = _unexplained(raised, expected_alerts)
    assert not missing, f"expected alerts not raised exactly once: {missing}"
    assert not extra, f"alerts no scenario expects: {[(a.kind, a.terminal, a.started_at) for a in extra]}"
    assert not _misplaced(raised, expected_alerts)
    assert Counter(DeadLetter.objects.values_list("reason", flat=True)) == expected_dead

    # Docking stations: every recorder-day reported except the one recorder_missed_day drops.
    missed = {(m["recorder"], m["recorded_on"]) for t in truths for m in t["missed_offloads"]}
    assert missed == {(registry["recorders"]["CZ-TN-01"][0], DAY.isoformat())}
    owed = {(tag, DAY.isoformat()) for tags in registry["recorders"].values() for tag in tags}
    stored = {(tag, day.isoformat()) for tag, day in DockOffload.objects.filter(recorded_on=DAY)
              .values_list("recorder_tag", "recorded_on")}
    assert stored == owed - missed

    def offload_rule(code: str) -> dict:
        # A day's offload is due by the end of the next day: the report of the day after judges DAY (SPEC
        # recorder-daily-offload; DAY is the bureau's first dock-report day, the days before it are not judged).
        report = compliance_report(unit=OrgUnit.objects.get(code=code), standard_id="jiangsu",
                                   as_of=DAY + dt.timedelta(days=1)).data
        return next(r for r in report["results"] if r["rule"] == "recorder-daily-offload" and r["unit"] == code)

    tn01, tn02 = offload_rule("CZ-TN-01"), offload_rule("CZ-TN-02")
    assert (tn01["status"], tn01["required"], tn01["actual"]) == ("fail", 3, 2)
    assert (tn02["status"], tn02["required"], tn02["actual"]) == ("pass", 2, 2)
