"""The trips of the built-in scenarios' steered vehicles, detected from their stored fixes, are exactly the ground
truth's (same count, start and end within one fix) with the ground truth's classes; every class of SPEC "Trips"
occurs, and the order nobody drove is `unused`."""
from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter

import pytest

from simulators.runner import RunRequest, build, register_declarations
from simulators.scenarios import builtin_scenarios, load_scenario

from .conftest import build_registry

CLASSES = {"matched", "overtime", "off_route", "duty", "no_order"}


def _store(sim, terminals) -> None:
    """Each steered terminal's fixes as the ingest stores them (WGS-84), attributed to its vehicle."""
    from telematics.models import Vehicle
    from telematics.tracking.models import Position

    cfg = sim.config
    for term in sim.terminals:
        if term.reported_id not in terminals:
            continue
        vehicle = Vehicle.objects.get(plate=term.spec.plate)
        Position.objects.bulk_create([
            Position(terminal=term.reported_id, ts=f.t, vehicle=vehicle, lat=f.lat, lon=f.lon, speed=f.speed,
                     heading=f.heading, acc=f.acc, received_at=f.t) for f in term.fixes(cfg.start, cfg.end)],
            batch_size=5000)


def _within_one_fix(found: str, truth: str, times: list[dt.datetime]) -> bool:
    """`found` lies between the fixes either side of `truth` (a fix at `truth` itself counts for both sides)."""
    t, f = dt.datetime.fromisoformat(truth), dt.datetime.fromisoformat(found)
    before = times[max(bisect.bisect_right(times, t) - 1, 0)]
    after = times[min(bisect.bisect_left(times, t), len(times) - 1)]
    return before <= f <= after


def _pair(found: list[dict], truth: list[dict], times) -> list[tuple[dict, list[dict]]]:
    """Each detected trip with the truth trips it covers: one, or several joined across a stop the truth calls
    unclear (`joins_next`); a `faint` truth trip may be missing. Fails on any other trip missing, extra or out by
    more than a fix."""
    pairs, k = [], 0
    for trip in found:
        while k < len(truth) and truth[k]["faint"] and not _within_one_fix(trip["start"], truth[k]["start"], times):
            k += 1  # a trip of about 200 m the fixes made shorter: no trip, as the truth allows
        assert k < len(truth), f"a trip the truth does not have: {trip['start']}-{trip['end']}"
        first = truth[k]
        assert _within_one_fix(trip["start"], first["start"], times), (trip, first)
        covered = [first]
        while not _within_one_fix(trip["end"], covered[-1]["end"], times):
            assert covered[-1]["joins_next"] and k + len(covered) < len(truth), (trip, covered[-1])
            covered.append(truth[k + len(covered)])
        pairs.append((trip, covered))
        k += len(covered)
    assert all(t["faint"] for t in truth[k:]), f"trips of the truth not detected: {truth[k:]}"
    return pairs


@pytest.mark.django_db
def test_the_builtin_scenarios_trips_are_detected_exactly_with_their_classes(city_map):
    from telematics.journeys.selectors import vehicle_journeys
    from telematics.journeys.track import Subject, track_fixes
    from telematics.models import Trip, Vehicle

    paths = builtin_scenarios()
    steered = {e.vehicle for p in paths for e in load_scenario(p).events if e.vehicle}
    build_registry(sorted(steered))
    sim = build(RunRequest(scenario_files=tuple(map(str, paths))), city=city_map)
    truths = [sim.truth(sc) for sc in sim.scenarios]
    register_declarations(truths)
    journeys = [j for t in truths for j in t["journeys"]]
    _store(sim, {j["terminal"] for j in journeys})

    classes: Counter = Counter()
    compared = 0
    for plate in sorted({j["vehicle"] for j in journeys}):
        truth = [j for j in journeys if j["vehicle"] == plate]
        subject = Subject(vehicle=Vehicle.objects.get(plate=plate), terminal=None)
        times = [f.ts for f in track_fixes(subject)]
        report = vehicle_journeys(subject, sim.config.start, sim.config.end)
        for found, covered in _pair(report.journeys, truth, times):
            if len(covered) == 1 and covered[0]["class"] is not None:
                assert found["class"] == covered[0]["class"], (plate, found, covered[0])
                classes[found["class"]] += 1
                compared += 1
        expected_unused = {(u["start"], u["purpose"]) for t in truths for u in t["unused_trips"]
                           if u["vehicle"] == plate}
        assert {(dt.datetime.fromisoformat(u["start"]), u["purpose"]) for u in report.unused} == {
            (dt.datetime.fromisoformat(s), p) for s, p in expected_unused}
    assert set(classes) == CLASSES, classes
    assert compared > 0.9 * len(journeys)
    assert [u["purpose"] for t in truths for u in t["unused_trips"]] == ["夜间巡查"]
    assert Trip.objects.filter(status="approved").count() == 4
