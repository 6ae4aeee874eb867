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


def test_a_buffer_flush_spanning_a_silence_keeps_the_part_it_did_not_fill():
    """A terminal's flush carries the fixes of its dead zone and, in the same array, the first fix an hour later:
    the flush withdraws the silence the sweep opened, but the hour after the buffered fixes was silent while the
    others reported, as it was when the same fixes came one by one (audit: replay in arrays gave one alert less)."""
    others = [pt(T0 + k * 60, 0, 0, 0, vehicle=3) for k in range(1, 100)]
    one_by_one = engine()
    one_by_one.feed([pt(T0, vehicle=2), pt(T0 + 600, vehicle=2)])
    run(one_by_one, others, tail=False)
    ev, _ = one_by_one.feed([pt(T0 + 6000, vehicle=2)])
    assert [(x.action, x.started_at, x.ended_at) for x in ev] == [("close", T0 + 600, T0 + 6000)]

    flushed = engine()
    flushed.feed([pt(T0, vehicle=2)])
    opened, _ = run(flushed, others, tail=False)
    assert [(x.action, x.started_at) for x in opened] == [("open", T0)]
    ev, _ = flushed.feed([pt(T0 + 600, vehicle=2), pt(T0 + 6000, vehicle=2)])  # one array: dead zone + live fix
    assert [(x.action, x.started_at, x.ended_at) for x in ev] == [
        ("withdraw", T0, T0 + 600), ("open", T0 + 600, None), ("close", T0 + 600, T0 + 6000)]


def test_a_late_gap_while_the_whole_fleet_was_quiet_stays_no_silence():
    e = engine()
    e.feed([pt(T0, vehicle=2), pt(T0, vehicle=3)])
    later = [pt(T0 + 7200 + k * 60, 0, 0, 0, vehicle=3) for k in range(0, 10)]
    run(e, later, tail=False)
    ev, _ = e.feed([pt(T0 + 7200 + 300, vehicle=2)])  # the gap of both (T0 to T0 + 2 h) is the fleet's
    assert [x for x in ev if x.kind == "terminal_silent"] == []


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


# --- one alert per episode (SPEC "Alerts": an off_duty_use episode is one journey) ------------------------------

OFF = staticmethod(lambda unit, at: False)


def test_an_evening_at_a_foot_spa_is_one_off_duty_use_and_one_venue_parking_linked_to_it():
    points = (driving(T0, 2, east_from=-1200) + parked(T0 + 130, 45) + driving(T0 + 130 + 2710, 2)
              + parked(T0 + 130 + 2710 + 130, 90, venue=False, at=(0.0, 1200.0)))
    events, _ = run(engine(on_duty=OFF.__func__), points)
    assert kinds(events) == ["off_duty_use", "venue_parking"]
    assert kinds(events, "close") == ["off_duty_use", "venue_parking"]
    journey = next(e for e in events if e.kind == "off_duty_use" and e.action == "open")
    venue = next(e for e in events if e.kind == "venue_parking" and e.action == "open")
    closed = next(e for e in events if e.kind == "off_duty_use" and e.action == "close")
    assert venue.part_of == ("off_duty_use", journey.started_at)
    assert closed.ended_at == T0 + 130 + 2710 + 130 and closed.distance_m >= 2300  # there and back, parked


def test_a_stop_reached_before_500_m_is_linked_when_the_journey_is_raised():
    points = driving(T0, 0.5, east_from=-300) + parked(T0 + 40, 20) + driving(T0 + 40 + 1210, 2)
    events, _ = run(engine(on_duty=OFF.__func__), points + parked(T0 + 1400, 70, venue=False, at=(0.0, 1200.0)))
    venue = next(e for e in events if e.kind == "venue_parking" and e.action == "open")
    journey = next(e for e in events if e.kind == "off_duty_use" and e.action == "open")
    assert venue.part_of is None and journey.parts == (venue.started_at,)
    assert kinds(events) == ["off_duty_use", "venue_parking"]


def test_a_stop_of_an_hour_ends_the_journey_and_the_way_back_is_another():
    points = driving(T0, 2) + parked(T0 + 130, 65, venue=False, at=(0.0, 1200.0))
    points += driving(T0 + 130 + 3910, 2, east_from=1200)
    events, _ = run(engine(on_duty=OFF.__func__), points + parked(T0 + 4200, 70, venue=False, at=(0.0, 2400.0)))
    assert kinds(events) == ["off_duty_use", "off_duty_use"]
    first, second = sorted((e for e in events if e.action == "close"), key=lambda e: e.started_at)
    assert first.ended_at == T0 + 130 and second.started_at > first.ended_at + 3600


def test_the_journey_ends_when_the_vehicle_is_back_in_its_depot_or_duty_begins():
    depot = (LAT0, LON0, 150.0)
    out_and_back = driving(T0, 2) + [pt(T0 + 120 + k * 10, 0, 1200 - k * 100, 36) for k in range(1, 13)]
    again = driving(T0 + 600, 2)
    e = RulesEngine(thresholds=Thresholds(), on_duty=lambda unit, at: False, covering=lambda *a, **k: None,
                    depot=lambda unit: depot)
    events, _ = run(e, out_and_back + parked(T0 + 250, 5, venue=False) + again)
    assert kinds(events) == ["off_duty_use", "off_duty_use"]  # home for 5 minutes between two journeys
    first, second = sorted((x for x in events if x.action == "open"), key=lambda x: x.started_at)
    assert [x.ended_at for x in events if x.action == "close"] == [T0 + 230]  # home, in the depot
    assert T0 + 600 <= second.started_at <= T0 + 620  # left the depot again
    duty_at = T0 + 60
    events, _ = run(engine(on_duty=lambda unit, at: at >= duty_at), driving(T0 - 120, 4, east_from=0))
    assert [(x.action, x.ended_at) for x in events if x.kind == "off_duty_use"] == [("open", None), ("close", T0 + 50)]


# --- not_in_depot ----------------------------------------------------------------------------------------------

DUTY_END = T0 + 6 * 3600  # 18:00 in Changzhou


def depot_engine(trips=(), depot=(LAT0, LON0, 100.0)):
    e = engine(trips=trips)
    e.depot = lambda unit: depot
    e.duty_end = lambda unit, ts: DUTY_END if ts < DUTY_END else DUTY_END + 86400
    return e


def test_a_vehicle_away_from_its_depot_an_hour_after_duty_raises_not_in_depot_until_it_is_back():
    away = parked(DUTY_END - 600, 90, venue=False, at=(2000.0, 0.0), every=60)
    back = [pt(DUTY_END + 5400 + k * 30, 2000 - k * 250, 0, 30) for k in range(1, 9)]
    events, _ = run(depot_engine(), away + back + parked(DUTY_END + 5700, 10, venue=False, every=60), tail=False)
    assert [(x.action, x.kind, x.started_at) for x in events] == [
        ("open", "not_in_depot", DUTY_END + 3600), ("close", "not_in_depot", DUTY_END + 3600)]
    assert events[1].ended_at == DUTY_END + 5400 + 240 and events[0].distance_m > 1900


def test_home_in_time_no_depot_or_an_approved_trip_raise_no_not_in_depot():
    home = parked(DUTY_END - 600, 90, venue=False, at=(30.0, 0.0), every=60)
    assert kinds(run(depot_engine(), home, tail=False)[0]) == []
    away = parked(DUTY_END - 600, 90, venue=False, at=(2000.0, 0.0), every=60)
    assert kinds(run(depot_engine(depot=None), away, tail=False)[0]) == []
    trip = SimpleNamespace(start=DUTY_END + 3000, end=DUTY_END + 4000, dest_lat=None, dest_lon=None)
    assert kinds(run(depot_engine(trips=[trip]), away, tail=False)[0]) == []


def test_not_in_depot_is_raised_for_a_vehicle_that_went_quiet_away_from_its_depot():
    e = depot_engine()
    run(e, parked(DUTY_END - 600, 10, venue=False, at=(2000.0, 0.0), every=60), tail=False)
    events, _ = run(e, [pt(DUTY_END + k * 60, 0, k, 10, vehicle=2) for k in range(1, 75)], tail=False)
    assert [(x.action, x.kind, x.vehicle_id, x.started_at) for x in events if x.kind == "not_in_depot"] == [
        ("open", "not_in_depot", 1, DUTY_END + 3600)]


# --- sealed_vehicle_moved --------------------------------------------------------------------------------------

def test_a_sealed_vehicle_moving_200_m_raises_sealed_vehicle_moved_until_it_is_back():
    period = (T0 + 3600, T0 + 3 * 86400)
    e = engine()
    e.seal = lambda vehicle, ts: period if period[0] <= ts < period[1] else None
    before = parked(T0, 30, venue=False, every=60)  # drifting at its place before the seal
    inside = parked(T0 + 3600 + 60, 60, venue=False, every=60)
    moved = [pt(T0 + 7400 + k * 10, 0, k * 50, 18) for k in range(1, 11)]
    back = [pt(T0 + 7600 + k * 10, 0, 500 - k * 50, 18) for k in range(1, 11)]
    events, _ = run(e, before + inside + moved + back + parked(T0 + 7800, 10, venue=False, every=60), tail=False)
    assert [(x.action, x.kind) for x in events] == [("open", "sealed_vehicle_moved"), ("close", "sealed_vehicle_moved")]
    assert events[0].started_at == T0 + 7440 and 190 <= events[1].distance_m <= 510
    jitter = engine()
    jitter.seal = e.seal
    assert kinds(run(jitter, before + inside + parked(T0 + 7400, 60, venue=False, every=60, seed=9), tail=False)[0]) == []


# --- terminal_silent and the order fixes arrive in (issue #14) ---------------------------------------------------

def test_fixes_arriving_interleaved_within_the_ingest_tolerance_raise_no_terminal_silent():
    """Terminal 2 reports every 29 minutes (parked, power saving) and its fixes reach the ingest 100 s after the
    fleet's (a broker restarted without persistence delivered the terminals' backlogs interleaved)."""
    fleet = [pt(T0 + k * 30, 0, 0, 0, vehicle=3) for k in range(0, 349)]
    quiet = [pt(T0 + k * 1740, 0, 0, 0, vehicle=2) for k in range(0, 7)]
    arrivals = sorted([(p.ts, p) for p in fleet] + [(p.ts + 100, p) for p in quiet], key=lambda row: row[0])
    events, _ = run(engine(), [p for _, p in arrivals], tail=False)
    assert [e for e in events if e.kind == "terminal_silent"] == []


def test_others_reporting_every_ten_minutes_are_enough_for_terminal_silent():
    e = engine()
    run(e, [pt(T0, vehicle=2)], tail=False)
    events, _ = run(e, [pt(T0 + k * 600, 0, 0, 0, vehicle=3) for k in range(1, 7)], tail=False)
    assert [(x.action, x.terminal) for x in events] == [("open", "T2")]


def test_a_gap_of_the_whole_fleet_is_no_terminal_silence_but_a_terminal_quiet_after_it_is():
    e = engine()
    before = [pt(T0 + k * 60, 0, 0, 0, vehicle=v) for k in range(0, 20) for v in (2, 3, 4)]
    after = [pt(T0 + 3600 + k * 60, 0, 0, 0, vehicle=v) for k in range(0, 10) for v in (2, 3)]  # 4 never comes back
    events, _ = run(e, sorted(before, key=lambda p: p.ts) + sorted(after, key=lambda p: p.ts), tail=False)
    assert [e for e in events if e.kind == "terminal_silent"] == []
    late, _ = run(e, [pt(T0 + 3600 + k * 60, 0, 0, 0, vehicle=v) for k in range(10, 40) for v in (2, 3)], tail=False)
    assert [(x.action, x.terminal) for x in late if x.kind == "terminal_silent"] == [("open", "T4")]
