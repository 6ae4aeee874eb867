"""The demo's scenario machinery without its processes, on PostgreSQL: the database prepared as `qm demo` prepares it
(sample bureau, sample city, JT/T 808 terminals, depots), the day `qm demo` replays simulated with the demo's
scenarios and played through the ingest pipeline in simulated-time order. Every alert kind the README promises
appears, no later than the minute of the replay (at the default 60x) it promises; a second start on the same
database (its telemetry cleared, as `qm demo` does) raises the same alerts again."""
from __future__ import annotations

import datetime as dt

import pytest

from simulators import demo
from simulators.plan import CST

pytestmark = pytest.mark.django_db(transaction=True)
SPEED = 60.0  # `qm demo`'s default
# README "Using it": the minute of the replay by which each kind has appeared (simulated minutes / SPEED).
PROMISED_MINUTE = {"out_of_jurisdiction": 3, "venue_parking": 5, "terminal_silent": 6, "off_duty_use": 11,
                   "not_in_depot": 12}


Raised = list[tuple[str, str, dt.datetime, float]]


def play_the_demo_day(workdir, now: dt.datetime) -> tuple[dt.datetime, Raised]:
    """One start of the demo, as far as its day's evening: (the replay's start, (kind, plate, started_at, minute of
    the replay at which it was raised) of every alert)."""
    from simulators.runner import RunRequest, build, register_declarations
    from telematics.calendar import invalidate_calendar, invalidate_trips
    from telematics.tracking.models import Alert
    from telematics.tracking.pipeline import Message, Pipeline

    demo.prepare_database(say=lambda text: None)
    demo.clear_telemetry()
    start = demo.replay_start(now)
    sim = build(RunRequest(start=start, scenario_files=tuple(map(str, demo.demo_scenarios(workdir))), seed=1,
                           city="layers", forever=True))
    register_declarations([sim.truth(sc) for sc in sim.scenarios])
    invalidate_calendar()
    invalidate_trips()
    end = dt.datetime.combine(start.date(), dt.time(21, 30), CST)
    pipeline, batch, raised = Pipeline(), [], {}

    def play(upto: dt.datetime) -> None:
        pipeline.process(batch)
        batch.clear()
        minute = (upto - start).total_seconds() / SPEED / 60  # what the demo's clock shows when the batch is in
        for alert in Alert.objects.exclude(pk__in=list(raised)).select_related("vehicle"):
            raised[alert.pk] = (alert.kind, alert.vehicle.plate, alert.started_at, minute)
    for message in sim.messages():
        if message.t > end:
            break
        batch.append(Message(message.topic, message.payload.encode()))
        if len(batch) == 200:
            play(message.t)
    play(end)
    return start, sorted(raised.values())


def test_the_demo_raises_every_promised_kind_within_minutes_and_again_after_a_restart(tmp_path):
    from assets.models import OrgUnit
    from telematics.models import Vehicle

    now = dt.datetime.now(CST)  # one moment for both starts: the replayed day would change at midnight
    start, alerts = play_the_demo_day(tmp_path, now)
    assert start.astimezone(CST).time() == demo.DAY_START and start.date() < now.date()
    first = {}
    for kind, _, _, minute in alerts:
        first[kind] = min(first.get(kind, minute), minute)
    print("\n".join(f"{minute:5.1f} min  {kind:<20} {plate}" for kind, plate, _, minute in
                    sorted(alerts, key=lambda a: a[3])))
    assert set(PROMISED_MINUTE) <= set(first), alerts
    late = {kind: round(first[kind], 1) for kind, limit in PROMISED_MINUTE.items() if first[kind] > limit}
    assert not late, f"kinds appearing later than the README says: {late}"
    # Only the car kept out after duty is away from its depot: the depots are where the vehicles park.
    assert OrgUnit.objects.filter(depot_lat__isnull=False).count() >= 9
    late_car = Vehicle.objects.get(terminal_id="T0034").plate
    assert [plate for kind, plate, _, _ in alerts if kind == "not_in_depot"] == [late_car]
    assert late_car in {plate for kind, plate, _, _ in alerts if kind == "off_duty_use"}

    again_start, again = play_the_demo_day(tmp_path, now)  # a second start on the same database
    assert again_start == start
    assert [a[:3] for a in again] == [a[:3] for a in alerts]


@pytest.mark.parametrize(("now", "replayed"), [
    ("2026-11-18 00:05", "2026-11-17"),  # Wednesday just after midnight: Tuesday
    ("2026-11-18 10:00", "2026-11-17"),  # during Wednesday's duty: still Tuesday, all of it in the past
    ("2026-11-18 23:30", "2026-11-17"),
    ("2026-11-23 07:00", "2026-11-20"),  # Monday: Friday, over the weekend
])
def test_the_replayed_day_is_the_last_duty_day_before_today(now, replayed):
    from .conftest import build_registry

    build_registry([])
    start = demo.replay_start(dt.datetime.fromisoformat(now).replace(tzinfo=CST))
    assert start == dt.datetime.combine(dt.date.fromisoformat(replayed), demo.DAY_START, CST)
