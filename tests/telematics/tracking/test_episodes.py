"""One alert per episode over three days (Wednesday 2026-11-18 to Friday), through the pipeline and the database:
an evening at a foot spa is one off_duty_use with its venue_parking linked to it, a dinner of an hour and a half
ends the journey out (the way home is another), a car left out after duty raises not_in_depot until it is back in
its unit's depot, a sealed car that moves raises sealed_vehicle_moved. The same days delivered with the terminals'
fixes interleaved (each terminal up to 100 s behind the others, inside the ingest's tolerance) raise the same."""
from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from telematics.tracking.models import Alert
from telematics.tracking.pipeline import Message, Pipeline

from .conftest import DEPOT, KTV, RESTAURANT, SHANGHAI, Route, fix_ts, local, north

pytestmark = pytest.mark.django_db(transaction=True)
WED, THU, FRI = dt.date(2026, 11, 18), dt.date(2026, 11, 19), dt.date(2026, 11, 20)
START, END = local(WED, "06:00"), local(FRI, "23:30")
HEARTBEAT = 300


def at(day: dt.date, hhmm: str) -> float:
    return local(day, hhmm)


class Day(Route):
    """A Route parked (heartbeats every 5 minutes) until a moment, then driving or parking again."""

    def park_until(self, t: float, every: int = HEARTBEAT) -> "Day":
        return self.park((t - self.t) / 60 - every / 60, every)

    def silent_until(self, t: float, every: int = HEARTBEAT) -> "Day":
        super().silent_until(t, every)
        return self


def timelines() -> dict[str, list[dict]]:
    t = {}
    # V1: Wednesday evening at the foot spa (the KTV's venue), 45 minutes, then home to the depot.
    t["T0001"] = (Day(START, DEPOT, 1).park_until(at(WED, "19:10")).drive(KTV, 5).park(45, 60).drive(DEPOT, 5)
                  .park_until(END).fixes)
    # V2: Thursday night, a private trip 3 km north, 30 minutes there.
    t["T0002"] = (Day(START, DEPOT, 2).park_until(at(THU, "20:00")).drive(north(DEPOT, 3000), 6).park(30, 60)
                  .drive(DEPOT, 6).park_until(END).fixes)
    # V3: Thursday, dinner at the restaurant for an hour and a half.
    t["T0003"] = (Day(START, DEPOT, 3).park_until(at(THU, "19:30")).drive(RESTAURANT, 4).park(90, 60)
                  .drive(DEPOT, 4).park_until(END).fixes)
    # V4: Wednesday, out on patrol at 17:00 and left 2 km north of the depot until 20:30.
    t["T0004"] = (Day(START, DEPOT, 4).park_until(at(WED, "17:00")).drive(north(DEPOT, 2000), 4)
                  .park_until(at(WED, "20:30"), 120).drive(DEPOT, 4).park_until(END).fixes)
    # V5: sealed Thursday to Friday; moved 1 km north on Friday morning, back 20 minutes later.
    t["T0005"] = (Day(START, DEPOT, 5).park_until(at(FRI, "10:00")).drive(north(DEPOT, 1000), 2).park(20, 60)
                  .drive(DEPOT, 2).park_until(END).fixes)
    # V6: patrols 09:00-10:00 every day, at the depot otherwise.
    v6 = Day(START, DEPOT, 6)
    for day in (WED, THU, FRI):
        v6.park_until(at(day, "09:00")).drive(north(DEPOT, 2500), 10).park(20, 60).drive(DEPOT, 10)
    t["T0006"] = v6.park_until(END).fixes
    # V7: Friday night 3 km north, on an approved trip 20:45-22:00.
    t["T0007"] = (Day(START, DEPOT, 7).park_until(at(FRI, "21:00")).drive(north(DEPOT, 3000), 6).park(30, 60)
                  .drive(DEPOT, 6).park_until(END).fixes)
    # V8: its terminal silent on Thursday from 13:00 to 13:45.
    t["T0008"] = (Day(START, DEPOT, 8).park_until(at(THU, "13:00")).silent_until(at(THU, "13:45"))
                  .park_until(END).fixes)
    return t


def expected() -> list[tuple[str, str, str]]:
    """(plate, kind, local start "ddd HH:MM") of every alert; venue_parking and not_in_depot to the minute."""
    return sorted([
        ("苏D·A0001", "off_duty_use", "Wed 19:10"), ("苏D·A0001", "venue_parking", "Wed 19:16"),
        ("苏D·A0002", "off_duty_use", "Thu 20:00"),
        ("苏D·A0003", "off_duty_use", "Thu 19:30"), ("苏D·A0003", "venue_parking", "Thu 19:35"),
        ("苏D·A0003", "off_duty_use", "Thu 21:05"),
        ("苏D·A0004", "not_in_depot", "Wed 19:00"), ("苏D·A0004", "off_duty_use", "Wed 20:30"),
        ("苏D·A0005", "sealed_vehicle_moved", "Fri 10:00"),
        ("苏D·A0008", "terminal_silent", "Thu 13:00"),
    ])


def raised() -> list[tuple[str, str, str]]:
    return sorted((a.vehicle.plate, a.kind, a.started_at.astimezone(SHANGHAI).strftime("%a %H:%M"))
                  for a in Alert.objects.select_related("vehicle"))


def snapshot() -> list[tuple]:
    return sorted((a.vehicle.plate, a.kind, a.started_at, a.ended_at, a.dwell_s, a.venue,
                   a.part_of.kind if a.part_of else None) for a in Alert.objects.select_related("vehicle", "part_of"))


def messages(*, lag_s: int = 0, seed: int = 1) -> list[bytes]:
    """(topic, payload) in arrival order; with `lag_s`, each terminal's fixes arrive up to that long after the
    fleet's (a broker restarted without persistence hands over the terminals' backlogs interleaved)."""
    rnd = random.Random(seed)
    rows = []
    for terminal, fixes in timelines().items():
        lag = rnd.uniform(0, lag_s)
        rows += [(fix_ts(f) + lag, f"qm/terminals/{terminal}/position", f) for f in fixes]
    rows.sort(key=lambda row: row[0])
    return [(topic, f) for _, topic, f in rows]


@pytest.fixture
def three_days(city):
    from assets import services as org
    from telematics import services
    from telematics.calendar import invalidate_calendar, invalidate_trips
    from telematics.models import Trip

    units, vehicles = city["units"], city["vehicles"]
    org.unit_update(unit=units["CZ-TN-01"], depot_lat=DEPOT[1], depot_lon=DEPOT[0], depot_radius_m=150)
    services.vehicle_seal(vehicle=vehicles["V5"], sealed_from=THU, sealed_to=FRI, key_holder="王师傅")
    Trip.objects.create(vehicle=vehicles["V7"], start=dt.datetime.fromtimestamp(at(FRI, "20:45"), dt.timezone.utc),
                        end=dt.datetime.fromtimestamp(at(FRI, "22:00"), dt.timezone.utc), purpose="夜查",
                        status="approved", approved_by="王科长")
    invalidate_calendar()
    invalidate_trips()
    return city


def play(msgs, batch: int = 200) -> None:
    pipeline = Pipeline()
    for i in range(0, len(msgs), batch):
        pipeline.process([Message(topic, json.dumps(f).encode()) for topic, f in msgs[i:i + batch]])


def test_three_days_raise_one_alert_per_episode(three_days):
    play(messages())
    assert raised() == expected(), "\n".join(map(str, raised()))
    assert not Alert.objects.filter(ended_at__isnull=True).exists()
    alerts = {(a.vehicle.plate, a.kind, a.started_at.astimezone(SHANGHAI).strftime("%a %H:%M")): a
              for a in Alert.objects.select_related("vehicle", "part_of")}
    spa, journey = alerts["苏D·A0001", "venue_parking", "Wed 19:16"], alerts["苏D·A0001", "off_duty_use", "Wed 19:10"]
    assert spa.part_of == journey and spa.venue == "欢乐KTV" and 44 * 60 <= spa.dwell_s <= 45 * 60
    assert journey.ended_at.astimezone(SHANGHAI).strftime("%H:%M") == "20:05"  # back inside the depot
    dinner = alerts["苏D·A0003", "venue_parking", "Thu 19:35"]
    out, home = alerts["苏D·A0003", "off_duty_use", "Thu 19:30"], alerts["苏D·A0003", "off_duty_use", "Thu 21:05"]
    assert dinner.part_of == out and out.ended_at.astimezone(SHANGHAI).strftime("%H:%M") == "19:35"
    assert home.part_of is None and home.ended_at.astimezone(SHANGHAI).strftime("%H:%M") == "21:08"
    left = alerts["苏D·A0004", "not_in_depot", "Wed 19:00"]
    assert left.ended_at.astimezone(SHANGHAI).strftime("%H:%M") == "20:34" and left.distance_m > 1800
    assert left.clause == "jiangsu 设备管理/执法车辆管理/5; model 执法保障/装备保障/执法车辆管理/3"
    moved = alerts["苏D·A0005", "sealed_vehicle_moved", "Fri 10:00"]
    assert moved.ended_at.astimezone(SHANGHAI).strftime("%H:%M") == "10:24" and 900 < moved.distance_m < 1100


def test_the_days_delivered_interleaved_raise_the_same_alerts(three_days):
    from telematics.tracking.models import Leg, Position, RuleCheckpoint

    play(messages())
    reference = snapshot()
    from telematics.tracking.retention import fixes_unguarded

    with fixes_unguarded():
        for model in (Alert, Position, Leg, RuleCheckpoint):
            model.objects.all().delete()
    play(messages(lag_s=100, seed=4), batch=37)
    assert snapshot() == reference
