"""The rules engine on its own (pure: fake duty calendar and trips): each alert kind raised and not raised."""
import datetime as dt
import math
import random
from types import SimpleNamespace

from telematics.tracking.rules import EngineState, Point, RulesEngine, Thresholds

T0 = dt.datetime(2026, 11, 18, 4, 0, tzinfo=dt.timezone.utc).timestamp()  # 12:00 in Changzhou
M_LAT = 1 / 111_320
LAT0, LON0 = 31.78, 119.95


def engine(on_duty=lambda unit, at: True, trips=(), **thresholds):
    def covering(vehicle_id, at, lat=None, lon=None):
        for trip in trips:
            if trip.start <= at <= trip.end:
                if lat is None or trip.dest_lat is None or (
                        math.hypot((trip.dest_lat - lat) / M_LAT, (trip.dest_lon - lon) / M_LAT * 0.85) <= 100):
                    return trip
        return None
    return RulesEngine(thresholds=Thresholds(**thresholds), on_duty=on_duty, covering=covering)


def pt(ts, north_m=0.0, east_m=0.0, speed=0.0, vehicle=1, venue=False, juris=0.0):
    return Point(vehicle, 10, f"T{vehicle}", ts, LAT0 + north_m * M_LAT, LON0 + east_m * M_LAT / 0.85, speed,
                 "320402001001001", 7 if venue else -1, "老街酒楼" if venue else "", "restaurant" if venue else "",
                 0.0 if venue else math.nan, juris)


def parked(t, minutes, venue=True, every=10, seed=3, vehicle=1, at=(0.0, 0.0)):
    rnd = random.Random(seed)
    return [pt(t + k * every, at[0] + rnd.uniform(-10, 10), at[1] + rnd.uniform(-10, 10), rnd.uniform(0, 3),
               vehicle=vehicle, venue=venue) for k in range(int(minutes * 60 / every) + 1)]


def driving(t, minutes, east_from=0.0, speed=36.0, every=10, vehicle=1, juris=0.0):
    return [pt(t + k * every, 0, east_from + k * every * speed / 3.6, speed, vehicle=vehicle, juris=juris)
            for k in range(1, int(minutes * 60 / every) + 1)]


def run(e, points, tail=True):
    events = []
    legs = []
    for p in points:
        ev, lg = e.feed([p])
        events += ev
        legs += lg
    if tail:  # later fixes far away release the reorder window
        last = points[-1]
        ev, lg = e.feed([pt(last.ts + 300, 0, 50_000, 40, vehicle=last.vehicle_id)])
        events += ev
    return events, legs


def kinds(events, action="open"):
    return sorted(e.kind for e in events if e.action == action)


def test_fifteen_minutes_at_a_restaurant_opens_and_closes_one_alert():
    events, _ = run(engine(), parked(T0, 15) + driving(T0 + 910, 3, east_from=0))
    opened = [e for e in events if e.action == "open"]
    closed = [e for e in events if e.action == "close"]
    assert [e.kind for e in opened] == ["venue_parking"] and len(closed) == 1
    assert opened[0].started_at == T0 and closed[0].ended_at == T0 + 900 and closed[0].dwell_s == 900
    assert opened[0].venue == "老街酒楼" and closed[0].evidence["track"]


def test_six_minute_stop_and_a_drive_by_raise_nothing():
    events, _ = run(engine(), parked(T0, 6) + driving(T0 + 370, 3))
    assert kinds(events) == []
    drive_by = [pt(T0 + k * 10, 0, k * 100, 36, venue=True) for k in range(60)]
    assert kinds(run(engine(), drive_by)[0]) == []


def test_parking_elsewhere_and_jitter_at_rest_add_no_distance():
    events, legs = run(engine(), parked(T0, 60, venue=False))
    assert kinds(events) == []
    assert sum(leg.dist_m for leg in legs) == 0
    assert not any(leg.moving for leg in legs)


def test_trip_with_destination_at_the_stop_exempts_venue_parking_but_one_elsewhere_does_not():
    here = SimpleNamespace(start=T0 - 60, end=T0 + 3600, dest_lat=LAT0, dest_lon=LON0)
    assert kinds(run(engine(trips=[here]), parked(T0, 15))[0]) == []
    elsewhere = SimpleNamespace(start=T0 - 60, end=T0 + 3600, dest_lat=LAT0 + 0.01, dest_lon=LON0)
    assert kinds(run(engine(trips=[elsewhere]), parked(T0, 15))[0]) == ["venue_parking"]


def test_off_duty_movement_of_500_m_raises_off_duty_use_unless_a_trip_covers_it():
    off = lambda unit, at: False  # noqa: E731
    events, _ = run(engine(on_duty=off), driving(T0, 2, speed=36))  # 1.2 km
    assert kinds(events) == ["off_duty_use"]
    assert kinds(run(engine(on_duty=off), driving(T0, 0.5, speed=36))[0]) == []  # 300 m
    trip = SimpleNamespace(start=T0 - 60, end=T0 + 3600, dest_lat=None, dest_lon=None)
    assert kinds(run(engine(on_duty=off, trips=[trip]), driving(T0, 2))[0]) == []


def test_parked_off_duty_with_gps_drift_is_not_use():
    events, _ = run(engine(on_duty=lambda unit, at: False), parked(T0, 120, venue=False), tail=False)
    assert kinds(events) == []


def test_out_of_jurisdiction_needs_five_minutes_200_m_outside():
    e = engine()
    events, _ = run(e, driving(T0, 7, juris=800))
    assert kinds(events) == ["out_of_jurisdiction"]
    assert kinds(run(engine(), driving(T0, 4, juris=800))[0]) == []
    assert kinds(run(engine(), driving(T0, 10, juris=150))[0]) == []


def test_out_of_order_fixes_within_the_window_give_the_same_result_as_in_order():
    points = parked(T0, 15) + driving(T0 + 910, 3)
    shuffled = points[:]
    rnd = random.Random(5)
    for i in range(0, len(shuffled) - 3, 3):  # swap neighbours within a 30 s window
        j = i + rnd.randint(0, 2)
        shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
    a, legs_a = run(engine(), points)
    b, legs_b = run(engine(), shuffled)
    assert [(e.action, e.kind, e.started_at, e.ended_at) for e in a] == [(e.action, e.kind, e.started_at, e.ended_at)
                                                                          for e in b]
    assert round(sum(g.dist_m for g in legs_a), 3) == round(sum(g.dist_m for g in legs_b), 3)


def test_late_fix_beyond_the_window_is_ignored_by_the_rules():
    e = engine()
    run(e, driving(T0, 5))
    e.feed([pt(T0 + 5, 0, 0, 0)])
    assert e.state.late == 1


def test_terminal_silent_opens_while_others_report_and_closes_when_it_reports_again():
    e = engine()
    events, _ = run(e, [pt(T0, vehicle=2)], tail=False)
    others = [pt(T0 + k * 60, 0, k * 10, 5, vehicle=3) for k in range(1, 45)]
    events, _ = run(e, others, tail=False)
    assert kinds(events) == ["terminal_silent"]
    assert events[0].clause == ""  # operational: no clause of either standard (SPEC "Alerts")
    ev, _ = e.feed([pt(T0 + 45 * 60, vehicle=2)])
    assert [(x.action, x.started_at, x.ended_at) for x in ev] == [("close", T0, T0 + 2700)]


def test_silence_filled_by_a_late_buffer_flush_is_withdrawn():
    e = engine()
    e.feed([pt(T0, vehicle=2)])
    run(e, [pt(T0 + k * 60, 0, k * 10, 5, vehicle=3) for k in range(1, 35)], tail=False)
    ev, _ = e.feed([pt(T0 + 600, vehicle=2)])  # the dead-zone buffer: the gap was only 10 minutes
    assert [x.action for x in ev] == ["withdraw"]


def test_state_survives_pickling_mid_episode():
    import pickle
    points = parked(T0, 15) + driving(T0 + 910, 3)
    straight, _ = run(engine(), points)
    e = engine()
    first, _ = run(e, points[:50], tail=False)
    resumed = engine()
    resumed.state = pickle.loads(pickle.dumps(e.state))
    rest, _ = run(resumed, points[50:])
    assert [(x.action, x.kind, x.started_at) for x in first + rest] == [(x.action, x.kind, x.started_at)
                                                                        for x in straight]
    assert isinstance(resumed.state, EngineState)
