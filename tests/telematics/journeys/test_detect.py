"""Trip and stop detection on plain tracks: stops of 5 minutes within 50 m, GPS drift at rest, a red light, a
movement under 200 m, a track that begins moving or ends on the way."""
from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

from telematics.journeys.detect import Params, detect

from .conftest import at, driven, east, north, parked

DAY = dt.date(2026, 11, 10)
A = (119.95, 31.78)
B = east(A, 1500)


def track(*parts, drift_m: float = 0.0, seed: int = 1):
    rnd = random.Random(seed)
    out = []
    for part in parts:
        for ts, (lon, lat), speed in part:
            if speed == 0.0 and drift_m:
                lon, lat = east((lon, lat), rnd.uniform(-drift_m, drift_m))
                lon, lat = north((lon, lat), rnd.uniform(-drift_m, drift_m))
            out.append(SimpleNamespace(ts=ts, lat=lat, lon=lon, speed=speed))
    out.sort(key=lambda f: f.ts)
    return out


def hhmm(moment: dt.datetime) -> str:
    return moment.astimezone(at(DAY, "00:00").tzinfo).strftime("%H:%M:%S")


def test_a_drive_between_two_stops_is_one_trip_with_its_figures():
    fixes = track(parked(at(DAY, "08:00"), 60, A), driven(at(DAY, "09:00"), A, B), parked(at(DAY, "09:03"), 30, B),
                  drift_m=15)
    journeys, stops = detect(fixes)
    assert len(journeys) == 1 and len(stops) == 2
    j = journeys[0]
    assert (hhmm(j.start), hhmm(j.end)) == ("09:00:00", "09:02:30")
    assert 1480 < j.distance_m < 1530 and j.duration_s == 150
    assert j.avg_speed == round(j.distance_m / 150 * 3.6, 1) and j.complete
    # The drift at the stop's last fix adds a few metres: the average may come out above the 36 reported.
    assert j.max_speed == max(36.0, j.avg_speed) and j.max_speed - 36.0 <= 0.5
    assert (hhmm(stops[0].start), hhmm(stops[0].end), stops[1].dwell_s) == ("08:00:00", "09:00:00", 1830)


def test_pauses_shorter_than_a_stop_and_moves_shorter_than_200_m_are_no_trips():
    mid = east(A, 700)
    fixes = track(parked(at(DAY, "08:00"), 30, A), driven(at(DAY, "08:30"), A, mid),
                  parked(at(DAY, "08:31", 10), 4, mid, every_s=30),  # a red light of 4 minutes
                  driven(at(DAY, "08:35", 10), mid, B), parked(at(DAY, "08:37"), 30, B),
                  driven(at(DAY, "09:07", 30), B, east(B, 150)),  # moving across the car park
                  parked(at(DAY, "09:08"), 30, east(B, 150)))
    journeys, stops = detect(fixes)
    assert [(hhmm(j.start), hhmm(j.end)) for j in journeys] == [("08:30:00", "08:36:40")]
    assert [(hhmm(s.start), hhmm(s.end)) for s in stops] == [("08:00:00", "08:30:00"), ("08:36:40", "09:38:00")]


def test_a_stop_is_five_minutes_and_the_thresholds_are_parameters():
    fixes = track(parked(at(DAY, "08:00"), 10, A), driven(at(DAY, "08:10"), A, B),
                  parked(at(DAY, "08:12", 30), 5, B, every_s=30), driven(at(DAY, "08:17", 40), B, A),
                  parked(at(DAY, "08:20"), 10, A))
    assert len(detect(fixes)[0]) == 2
    assert len(detect(fixes, Params(stop_min_s=301))[0]) == 1  # five minutes no longer make a stop
    assert detect(fixes, Params(min_trip_m=2000))[0] == []


def test_a_track_may_begin_moving_and_end_on_the_way():
    fixes = track(driven(at(DAY, "08:00"), A, B), parked(at(DAY, "08:03"), 10, B), driven(at(DAY, "08:13"), B, A))
    journeys, _ = detect(fixes)
    assert [(hhmm(j.start), hhmm(j.end), j.complete) for j in journeys] == [
        ("08:00:30", "08:02:30", True), ("08:13:00", "08:15:30", False)]
    assert detect([]) == ([], [])


def test_the_trips_first_fix_counts_for_its_top_speed():
    """The stop's last fix, already 20 m on the way out at 41 km/h, is the trip's first fix: its speed counts."""
    out = east(A, 20)
    fixes = track(parked(at(DAY, "08:00"), 10, A, every_s=30), [(at(DAY, "08:10", 30), out, 41.0)],
                  driven(at(DAY, "08:10", 30), out, B, kmh=30.0), parked(at(DAY, "08:14"), 10, B))
    journeys, _ = detect(fixes)
    assert [(hhmm(j.start), j.max_speed) for j in journeys] == [("08:10:30", 41.0)]
    assert journeys[0].avg_speed < 30.0


def test_top_speed_is_never_below_the_average_the_movement_proves():
    """A short move between two reports of a parked vehicle (both speeds 0), and a terminal whose speeds lag the
    movement: the top speed is at least distance / duration. Without any reported speed it stays unknown."""
    hop = east(A, 300)
    fixes = track(parked(at(DAY, "08:00"), 10, A, every_s=30), parked(at(DAY, "08:10", 30), 10, hop, every_s=30))
    journeys, _ = detect(fixes)
    assert [(hhmm(j.start), hhmm(j.end)) for j in journeys] == [("08:10:00", "08:10:30")]
    j = journeys[0]
    assert j.avg_speed == round(j.distance_m / 30 * 3.6, 1) > 30.0 and j.max_speed == j.avg_speed

    slow = [(ts, p, 20.0) for ts, p, _ in driven(at(DAY, "09:00"), A, B, kmh=54.0)]  # reports 20, moves at ~45
    fixes = track(parked(at(DAY, "08:50"), 10, A), slow, parked(at(DAY, "09:02"), 10, B))
    (j,), _ = detect(fixes)
    assert j.max_speed == j.avg_speed > 40.0

    blind = [SimpleNamespace(ts=f.ts, lat=f.lat, lon=f.lon, speed=None) for f in fixes]
    (j,), _ = detect(blind)
    assert j.max_speed is None and j.avg_speed > 40.0
