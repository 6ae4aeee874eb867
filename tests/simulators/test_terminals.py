"""A simulated terminal's fixes against its vehicle's plan (the ground truth): the ignition coming on is reported at
once, so no drive is lost between two reports of a parked vehicle, and the speeds the fixes report agree with how far
the vehicle moved between them (km/h, not another unit, not a stale value)."""
from __future__ import annotations

import datetime as dt
import itertools
import statistics

from simulators.plan import CST, Drive, Stay
from simulators.runner import RunRequest, build
from telematics.journeys.detect import distance_m

START = dt.datetime(2026, 12, 1, 7, 30, tzinfo=CST)  # a Tuesday: the synthetic fleet's duty day
END = START + dt.timedelta(hours=14)
REST_S = 600.0  # parked reports 10 minutes apart: most drives out of the depot are shorter


def _fleet(city_map):
    sim = build(RunRequest(start=START, duration=END - START, vehicles=8, rest_interval=REST_S), city=city_map)
    for term in sim.terminals:
        fixes = list(term.fixes(sim.config.start, sim.config.end))
        yield term, term.plan(START.date()), fixes


def test_the_ignition_coming_on_is_reported_at_once(city_map):
    departures = 0
    for term, plan, fixes in _fleet(city_map):
        times = {f.t for f in fixes}
        for before, seg in itertools.pairwise(plan.segments):
            if isinstance(before, Stay) and not before.acc and isinstance(seg, Drive) and START < seg.t0 < END:
                assert seg.t0 in times, (term.spec.terminal_id, seg.t0, seg.t1)
                departures += 1
        for a, b in itertools.pairwise(fixes):
            gap = (b.t - a.t).total_seconds()
            assert gap <= (term.interval if a.acc else REST_S), (term.spec.terminal_id, a.t, b.t)
    assert departures >= 8  # every vehicle leaves its depot at least once


def test_reported_speeds_agree_with_the_movement(city_map):
    ratios = []
    for term, plan, fixes in _fleet(city_map):
        for a, b in itertools.pairwise(fixes):
            seconds = (b.t - a.t).total_seconds()
            kmh = distance_m(a.lat, a.lon, b.lat, b.lon) / seconds * 3.6
            if not a.acc:
                # From a parked report, nothing the terminal said can hide a movement: the next report comes when
                # the ignition comes on, so it moved at most a few metres of GPS noise since.
                assert kmh <= max(a.speed, b.speed) + 2.0, (term.spec.terminal_id, a.t, b.t, kmh, a.speed, b.speed)
            seg = plan.segment_at(a.t)
            if isinstance(seg, Drive) and a.moving and b.moving and b.t <= seg.t1:
                ratios.append(a.speed / kmh)  # straight streets: the chord is the path to within a few per cent
    assert len(ratios) > 200
    assert 0.95 < statistics.median(ratios) < 1.05  # km/h as the contract says, not m/s or 1/10 km/h
