"""The daily rollups equal the legs they sum (the oracle: `rollups.legs_days`, computed in Python from the legs), on
each source: TimescaleDB's continuous aggregate (the test server has it under `make test`), the table the ingest keeps
in the legs' INSERT (QM_ROLLUP=table; what plain PostgreSQL uses), the recompute path (SQLite's, and `qm rollup`);
replays add nothing twice; the reports give the same figures from every source. Plus the online rate's minute sets."""
from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command

from telematics.reports import online
from telematics.reports.registry import build_report
from telematics.tracking import rollups
from telematics.tracking.models import Leg, VehicleDay
from telematics.tracking.models.rollups import minutes_from_text, minutes_to_text
from tests.telematics.journeys.conftest import at, east, north

from .conftest import DEPOT, TUESDAY, WEDNESDAY, feed, history

pytestmark = pytest.mark.django_db
FRIDAY = dt.date(2026, 11, 13)


def wandering(seed: int = 7) -> list[tuple[str, tuple]]:
    """V1..V3 from Wednesday 20:00 to Friday 02:00: random moves and pauses, gaps up to 40 minutes, across two
    midnights (fixes in time order per terminal)."""
    rng = random.Random(seed)
    rows = []
    for n in (1, 2, 3):
        t = at(WEDNESDAY, "20:00") + dt.timedelta(seconds=rng.randrange(0, 600))
        here = DEPOT
        while t < at(FRIDAY, "02:00"):
            moving = rng.random() < 0.5
            if moving:
                here = east(north(here, rng.uniform(-300, 300)), rng.uniform(-300, 300))
            rows.append((t, (f"T000{n}", here, rng.uniform(20, 60) if moving else 0.0)))
            t += dt.timedelta(seconds=rng.choice((10, 30, 60, 61, 300, 900, 2400)))
    rows.sort(key=lambda r: r[0])
    return [(terminal, (ts, p, speed)) for ts, (terminal, p, speed) in rows]


def everything(city):
    return [v.pk for v in city["vehicles"].values()]


def as_tuples(days):
    return {k: (round(d.dist_m, 6), round(d.moving_s, 6), round(d.stopped_s, 6), d.fixes, d.minutes)
            for k, d in days.items()}


def test_the_aggregate_or_table_the_server_offers_equals_the_legs(city):
    feed(history() + wandering())
    ids = everything(city)
    oracle = rollups.legs_days(ids, TUESDAY, FRIDAY)
    assert len(oracle) >= 7 and sum(d.fixes for d in oracle.values()) == Leg.objects.count()
    assert as_tuples(rollups.vehicle_days(ids, TUESDAY, FRIDAY)) == as_tuples(oracle)
    if rollups.has_aggregate():  # TimescaleDB: the continuous aggregate answers, the ingest kept no table
        assert rollups.source() == "aggregate" and not VehicleDay.objects.exists()
    else:  # plain PostgreSQL: the table
        assert rollups.source() == "table" and VehicleDay.objects.count() == len(oracle)


def test_the_table_kept_by_the_ingest_equals_the_legs_and_replays_add_nothing(city, settings):
    settings.QM_ROLLUP = "table"
    rows = history() + wandering()
    feed(rows)
    ids = everything(city)
    oracle = rollups.legs_days(ids, TUESDAY, FRIDAY)
    table = {(r.vehicle_id, r.day): r for r in VehicleDay.objects.all()}
    assert as_tuples(rollups.vehicle_days(ids, TUESDAY, FRIDAY)) == as_tuples(oracle)
    assert len(table) == len(oracle)
    feed(rows[:200])  # the same fixes again: duplicates, no new legs, nothing added
    assert as_tuples(rollups.vehicle_days(ids, TUESDAY, FRIDAY)) == as_tuples(oracle)


def test_the_recompute_path_and_qm_rollup(city, settings):
    settings.QM_ROLLUP = "table"
    feed(history() + wandering())
    ids = everything(city)
    oracle = as_tuples(rollups.legs_days(ids, TUESDAY, FRIDAY))
    VehicleDay.objects.all().delete()
    legs = [(v, ts.timestamp(), g, d, s, m) for v, ts, g, d, s, m in
            Leg.objects.values_list("vehicle_id", "ts", "grid_code", "dist_m", "secs", "moving")]
    rollups.add_legs(legs)  # what SQLite runs after storing legs
    assert as_tuples(rollups.vehicle_days(ids, TUESDAY, FRIDAY)) == oracle
    VehicleDay.objects.filter(day=TUESDAY).update(dist_m=0, fixes=1)
    call_command("rollup", "--from", "2026-11-10", "--to", "2026-11-13", "--trips", stdout=io.StringIO())
    assert as_tuples(rollups.vehicle_days(ids, TUESDAY, FRIDAY)) == oracle
    v1 = city["vehicles"]["V1"].pk
    assert VehicleDay.objects.get(vehicle_id=v1, day=TUESDAY).trips == 2  # counted once the day is over


@pytest.mark.parametrize("source", ["off", "table", "auto"])
def test_the_reports_are_the_same_from_every_source(city, settings, source):
    settings.QM_ROLLUP = "table"  # the table is kept, so each source below has its rows
    feed(history() + wandering())
    settings.QM_ROLLUP = source
    unit = city["units"]["CZ-TN-01"]
    summary = build_report("summary", start=TUESDAY, end=FRIDAY, unit=unit)
    mileage = build_report("mileage", start=TUESDAY, end=FRIDAY, unit=unit)
    settings.QM_ROLLUP = "off"  # the legs themselves
    assert summary.rows == build_report("summary", start=TUESDAY, end=FRIDAY, unit=unit).rows
    assert mileage.rows == build_report("mileage", start=TUESDAY, end=FRIDAY, unit=unit).rows
    assert sum(r["fixes"] for r in mileage.rows) == Leg.objects.count()


def test_minute_sets_and_the_online_window():
    minutes = (1 << 0) | (1 << 719) | (1 << 1439)
    text = minutes_to_text(minutes)
    assert len(text) == 1440 and text[0] == text[719] == text[1439] == "1" and text.count("1") == 3
    assert minutes_from_text(text) == minutes and minutes_from_text(None) == 0
    # A fix at 10:00 keeps 10:00..10:09 online with a window of 10; one at 23:55 the day before keeps 00:00..00:04.
    mask = online.online_mask(1 << 600, 1 << 1435, 10)
    assert [m for m in range(1440) if mask >> m & 1] == [0, 1, 2, 3, 4, *range(600, 610)]
    assert online.online_mask(1 << 600, 0, 1) == 1 << 600
    assert online.rate(370, 1200) == 30.8 and online.rate(0, 0) is None


def test_duty_minutes_follow_the_calendar(city):
    from telematics.calendar import duty_calendar

    unit = city["units"]["CZ-TN-01"]
    tuesday = online.duty_mask(duty_calendar(), unit.pk, TUESDAY)
    assert tuesday.bit_count() == 600 and tuesday >> 480 & 1 and not tuesday >> 479 & 1 and not tuesday >> 1080 & 1
    assert online.duty_mask(duty_calendar(), unit.pk, dt.date(2026, 11, 14)) == 0  # a Saturday


def test_minute_sets_read_as_postgresql_sends_them():
    from django.db import connection

    minutes = (1 << 0) | (1 << 7) | (1 << 8) | (1 << 1000) | (1 << 1439)
    with connection.cursor() as cur:
        cur.execute("SELECT varbit_send(%s::bit(1440))", [minutes_to_text(minutes)])
        assert rollups.minutes_from_varbit(cur.fetchone()[0]) == minutes
