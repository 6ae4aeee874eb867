"""Duty calendars and trip coverage: overnight shifts, inheritance, holidays and 调休, the caches."""
import datetime as dt

import pytest

from telematics import calendar
from telematics.choices import HolidayKind, TripStatus
from telematics.models import DutySchedule, Holiday, Trip, Vehicle
from telematics.selectors import trip_covering

SH = calendar.SHANGHAI


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def shift(unit, weekdays, start, end):
    return DutySchedule.objects.create(unit=unit, weekdays=weekdays, start=dt.time.fromisoformat(start),
                                       end=dt.time.fromisoformat(end))


@pytest.fixture
def units(bureau):
    return bureau["units"]


def test_overnight_shift_runs_past_midnight(units):
    tn1 = units["CZ-TN-01"]
    shift(tn1, "1,2,3,4,5", "22:00", "06:00")
    cal = calendar.duty_calendar()
    # 2026-11-20 is a Friday, 11-21 Saturday, 11-23 Monday.
    assert cal.is_on_duty(tn1.pk, at("2026-11-20T23:30"))
    assert cal.is_on_duty(tn1.pk, at("2026-11-21T05:59"))  # Friday's night shift, Saturday morning
    assert not cal.is_on_duty(tn1.pk, at("2026-11-21T06:00"))
    assert not cal.is_on_duty(tn1.pk, at("2026-11-20T21:59"))
    assert not cal.is_on_duty(tn1.pk, at("2026-11-23T05:00"))  # no Sunday night shift
    assert cal.is_on_duty(tn1.pk, at("2026-11-23T22:00"))


def test_utc_instants_are_read_in_shanghai_time(units):
    tn1 = units["CZ-TN-01"]
    shift(tn1, "1-5", "08:00", "12:00")
    cal = calendar.duty_calendar()
    assert cal.is_on_duty(tn1.pk, dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc))  # 09:00 local
    assert not cal.is_on_duty(tn1.pk, dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc))  # 17:00 local


def test_sub_units_inherit_unless_they_have_their_own(units):
    shift(units["CZ-TN"], "1-5", "08:00", "18:00")
    shift(units["CZ-TN-02"], "1-7", "00:00", "00:00")  # end <= start: round the clock
    cal = calendar.duty_calendar()
    monday_noon, sunday_noon = at("2026-11-23T12:00"), at("2026-11-22T12:00")
    assert cal.is_on_duty(units["CZ-TN-01"].pk, monday_noon)
    assert not cal.is_on_duty(units["CZ-TN-01"].pk, sunday_noon)
    assert cal.is_on_duty(units["CZ-TN-02"].pk, sunday_noon)
    assert cal.is_on_duty(units["CZ-TN-02"].pk, at("2026-11-22T23:59"))
    # A unit with no schedule up its chain has no duty hours.
    assert not cal.is_on_duty(units["CZ-WJ-01"].pk, monday_noon)


def test_holidays_and_adjusted_working_days_from_chinese_calendar(units):
    tn1 = units["CZ-TN-01"]
    shift(tn1, "1", "09:00", "12:00")        # Monday mornings
    shift(tn1, "2-5", "13:00", "17:00")      # other weekdays afternoons
    cal = calendar.duty_calendar()
    # 2026-10-10 is a working Saturday (调休): Monday's schedule applies.
    assert cal.is_on_duty(tn1.pk, at("2026-10-10T10:00"))
    assert not cal.is_on_duty(tn1.pk, at("2026-10-10T14:00"))
    # 2026-10-01 (Thursday) is the National Day holiday: no duty at all.
    assert not cal.is_on_duty(tn1.pk, at("2026-10-01T14:00"))
    assert cal.is_on_duty(tn1.pk, at("2026-10-15T14:00"))  # an ordinary Thursday
    assert not cal.is_on_duty(tn1.pk, at("2026-10-17T10:00"))  # an ordinary Saturday


def test_overnight_shift_belongs_to_the_day_it_starts(units):
    tn1 = units["CZ-TN-01"]
    shift(tn1, "1-7", "22:00", "06:00")
    cal = calendar.duty_calendar()
    assert cal.is_on_duty(tn1.pk, at("2026-10-01T05:00"))  # Sep 30 night shift runs into the holiday
    assert not cal.is_on_duty(tn1.pk, at("2026-10-01T23:00"))
    assert not cal.is_on_duty(tn1.pk, at("2026-10-02T05:00"))  # no shift began on the holiday


def test_holiday_table_overrides_chinese_calendar(units):
    tn1 = units["CZ-TN-01"]
    shift(tn1, "1", "09:00", "12:00")
    shift(tn1, "2-5", "13:00", "17:00")
    assert not calendar.duty_calendar().is_on_duty(tn1.pk, at("2026-10-01T10:00"))
    Holiday.objects.create(date=dt.date(2026, 10, 1), kind=HolidayKind.WORKDAY)   # the bureau works that day
    Holiday.objects.create(date=dt.date(2026, 11, 18), kind=HolidayKind.HOLIDAY)  # a Wednesday off
    cal = calendar.duty_calendar()
    assert cal.is_on_duty(tn1.pk, at("2026-10-01T10:00"))   # Monday's schedule
    assert not cal.is_on_duty(tn1.pk, at("2026-10-01T14:00"))
    assert not cal.is_on_duty(tn1.pk, at("2026-11-18T14:00"))
    assert cal.is_on_duty(tn1.pk, at("2026-11-19T14:00"))


def test_duty_windows_include_the_night_before(units):
    tn1 = units["CZ-TN-01"]
    shift(tn1, "1-5", "08:00", "12:00")
    shift(tn1, "1-5", "11:00", "14:00")
    shift(tn1, "5", "22:00", "02:00")
    windows = calendar.duty_calendar().duty_windows(tn1.pk, dt.date(2026, 11, 21))  # Saturday
    assert windows == [(at("2026-11-20T22:00"), at("2026-11-21T02:00"))]
    windows = calendar.duty_calendar().duty_windows(tn1.pk, dt.date(2026, 11, 20))  # Friday
    assert windows == [(at("2026-11-20T08:00"), at("2026-11-20T14:00")),
                       (at("2026-11-20T22:00"), at("2026-11-21T02:00"))]
    assert calendar.duty_calendar().duty_windows(tn1.pk, dt.date(2026, 10, 1)) == []


def test_kinds_with_duty_are_the_day_kinds_with_a_shift_starting(units):
    tn1 = units["CZ-TN-01"]
    shift(tn1, "1-5", "08:00", "12:00")
    shift(tn1, "6", "22:00", "02:00")
    cal = calendar.duty_calendar()
    assert cal.kinds_with_duty(tn1.pk) == frozenset({1, 2, 3, 4, 5, 6})
    assert cal.kinds_with_duty(units["CZ-TN-02"].pk) == frozenset()  # no schedule of its own nor inherited
    assert cal.day_kind(dt.date(2026, 10, 1)) not in cal.kinds_with_duty(tn1.pk)  # 国庆: a holiday


def test_calendar_cache_follows_changes(units):
    tn1 = units["CZ-TN-01"]
    first = calendar.duty_calendar()
    assert not first.is_on_duty(tn1.pk, at("2026-11-23T10:00"))
    row = shift(tn1, "1", "09:00", "12:00")
    assert calendar.duty_calendar() is not first
    assert calendar.duty_calendar().is_on_duty(tn1.pk, at("2026-11-23T10:00"))
    row.delete()
    assert not calendar.duty_calendar().is_on_duty(tn1.pk, at("2026-11-23T10:00"))


def test_calendar_cache_sees_writes_that_bypass_signals(units, settings):
    settings.QM_DUTY_CACHE_SECONDS = 0
    tn1 = units["CZ-TN-01"]
    calendar.duty_calendar()
    DutySchedule.objects.bulk_create([DutySchedule(unit=tn1, weekdays="1", start=dt.time(9), end=dt.time(12))])
    assert calendar.duty_calendar().is_on_duty(tn1.pk, at("2026-11-23T10:00"))


def test_weekday_parsing():
    assert calendar.parse_weekdays("1-5") == {1, 2, 3, 4, 5}
    assert calendar.parse_weekdays("1,3,6-7") == {1, 3, 6, 7}
    with pytest.raises(ValueError, match="outside 1-7"):
        calendar.parse_weekdays("0-5")
    with pytest.raises(ValueError, match="'x'"):
        calendar.parse_weekdays("1,x")


@pytest.fixture
def vehicle(units):
    return Vehicle.objects.create(plate="苏D·A0001", unit=units["CZ-TN-01"], seats=5)


def trip(vehicle, start, end, status=TripStatus.APPROVED, **dest):
    return Trip.objects.create(vehicle=vehicle, start=at(start), end=at(end), purpose="执法检查", status=status, **dest)


def test_trip_without_destination_covers_any_place(vehicle):
    t = trip(vehicle, "2026-11-22T18:00", "2026-11-22T22:00")
    assert trip_covering(vehicle.pk, at("2026-11-22T19:00")) == t
    assert trip_covering(vehicle.pk, at("2026-11-22T19:00"), 31.9, 120.3) == t
    assert trip_covering(vehicle.pk, at("2026-11-22T22:00")) == t  # inclusive end
    assert trip_covering(vehicle.pk, at("2026-11-22T22:01")) is None
    assert trip_covering(vehicle.pk, at("2026-11-22T17:59")) is None


def test_trip_with_destination_covers_only_near_it(vehicle):
    t = trip(vehicle, "2026-11-22T18:00", "2026-11-22T22:00", dest_lat=31.78, dest_lon=119.95)
    assert trip_covering(vehicle.pk, at("2026-11-22T19:00")) == t                   # no place asked
    assert trip_covering(vehicle.pk, at("2026-11-22T19:00"), 31.7805, 119.95) == t  # ~56 m away
    assert trip_covering(vehicle.pk, at("2026-11-22T19:00"), 31.7815, 119.95) is None  # ~167 m away
    wide = trip(vehicle, "2026-11-22T18:30", "2026-11-22T20:00", dest_lat=31.78, dest_lon=119.95, dest_radius_m=300)
    assert trip_covering(vehicle.pk, at("2026-11-22T19:00"), 31.7815, 119.95) == wide


def test_only_approved_trips_cover(vehicle):
    trip(vehicle, "2026-11-22T08:00", "2026-11-22T12:00", status=TripStatus.REQUESTED)
    trip(vehicle, "2026-11-22T08:00", "2026-11-22T12:00", status=TripStatus.REFUSED)
    assert trip_covering(vehicle.pk, at("2026-11-22T09:00")) is None


def test_overlapping_trips_and_early_exit(vehicle):
    long = trip(vehicle, "2026-11-20T00:00", "2026-11-25T00:00")
    trip(vehicle, "2026-11-21T08:00", "2026-11-21T09:00", dest_lat=31.0, dest_lon=120.0)
    assert trip_covering(vehicle.pk, at("2026-11-21T08:30"), 31.78, 119.95) == long
    assert trip_covering(vehicle.pk, at("2026-11-26T08:30")) is None


def test_trip_index_follows_status_changes(vehicle):
    t = trip(vehicle, "2026-11-22T08:00", "2026-11-22T12:00", status=TripStatus.REQUESTED)
    assert calendar.trip_index().covering(vehicle.pk, at("2026-11-22T09:00")) is None
    t.status = TripStatus.APPROVED
    t.save()
    assert calendar.trip_index().covering(vehicle.pk, at("2026-11-22T09:00")) == t


def _reference_on_duty(shifts: dict[int, list[tuple[dt.time, dt.time]]], kind_of, instant: dt.datetime) -> bool:
    """The rule spelled out slowly: a shift of the schedule of local day D (by its day kind) covers [D start,
    D end) with end <= start meaning the next day; zoneinfo does the local time."""
    local = instant.astimezone(SH) if instant.tzinfo else instant.replace(tzinfo=SH)
    for day in (local.date() - dt.timedelta(days=1), local.date()):
        for start, end in shifts.get(kind_of(day), ()):
            begins = dt.datetime.combine(day, start, tzinfo=SH)
            ends = dt.datetime.combine(day + dt.timedelta(days=end <= start), end, tzinfo=SH)
            if begins <= local < ends:
                return True
    return False


def test_fast_lookups_agree_with_the_slow_rule_for_any_clock(units):
    """UTC datetimes (the ingest's), Shanghai and naive local times, other offsets and epoch seconds all give the
    slow rule's answer — across midnight in UTC (16:00Z), around holidays, and before 1992, when Shanghai kept
    daylight saving time (UTC+9 in summer)."""
    import random

    tn1 = units["CZ-TN-01"]
    rows = [("1-5", "08:00", "12:00"), ("1-5", "13:30", "17:30"), ("5,6", "22:00", "02:00"), ("7", "23:59", "00:01")]
    for weekdays, start, end in rows:
        shift(tn1, weekdays, start, end)
    shifts: dict[int, list] = {}
    for weekdays, start, end in rows:
        for day in calendar.parse_weekdays(weekdays):
            shifts.setdefault(day, []).append((dt.time.fromisoformat(start), dt.time.fromisoformat(end)))
    cal = calendar.duty_calendar()
    rng = random.Random(7)
    utc8 = dt.timezone(dt.timedelta(hours=8))
    instants = [dt.datetime(2026, 9, 28, tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randrange(60 * 24 * 20))
                for _ in range(1500)]
    instants += [dt.datetime(1988, 4, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randrange(60 * 24 * 200))
                 for _ in range(500)]
    instants += [dt.datetime(2026, 10, 9, 16, tzinfo=dt.UTC), dt.datetime(2026, 10, 9, 15, 59, tzinfo=dt.UTC)]
    for instant in instants:
        expected = _reference_on_duty(shifts, cal.day_kind, instant)
        local = instant.astimezone(SH)
        assert cal.is_on_duty(tn1.pk, instant) is expected, instant
        assert cal.is_on_duty(tn1.pk, local) is expected, instant
        assert cal.is_on_duty(tn1.pk, local.replace(tzinfo=None)) is expected, instant
        assert cal.is_on_duty(tn1.pk, instant.astimezone(utc8)) is expected, instant
        assert cal.is_on_duty_ts(tn1.pk, instant.timestamp()) is expected, instant


def test_trip_lookups_read_every_clock_the_same(vehicle):
    t = trip(vehicle, "2026-11-22T18:00", "2026-11-22T22:00")
    index = calendar.trip_index()
    inside = dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.UTC)  # 18:30 local
    for at in (inside, inside.astimezone(SH), inside.astimezone(SH).replace(tzinfo=None),
               inside.astimezone(dt.timezone(dt.timedelta(hours=-5)))):
        assert index.covering(vehicle.pk, at) == t, at
    assert index.covering_ts(vehicle.pk, inside.timestamp()) == t
    assert index.covering(vehicle.pk, dt.datetime(2026, 11, 22, 14, 0, 1, tzinfo=dt.UTC)) is None
    assert index.covering_ts(vehicle.pk, dt.datetime(2026, 11, 22, 14, 0, 1, tzinfo=dt.UTC).timestamp()) is None


def test_an_adjusted_working_day_runs_mondays_overnight_shift(units):
    tn1 = units["CZ-TN-01"]
    shift(tn1, "1", "22:00", "06:00")  # Monday nights only
    cal = calendar.duty_calendar()
    assert cal.is_on_duty(tn1.pk, at("2026-10-10T23:00"))      # working Saturday: Monday's night shift...
    assert cal.is_on_duty(tn1.pk, at("2026-10-11T05:30"))      # ...runs into Sunday morning
    assert not cal.is_on_duty(tn1.pk, at("2026-10-11T06:00"))
    assert not cal.is_on_duty(tn1.pk, at("2026-10-17T23:00"))  # an ordinary Saturday
    assert cal.duty_windows(tn1.pk, dt.date(2026, 10, 11)) == [(at("2026-10-10T22:00"), at("2026-10-11T06:00"))]


def test_vehicles_without_trips_are_not_covered(vehicle, units):
    other = Vehicle.objects.create(plate="苏D·A0002", unit=units["CZ-TN-01"], seats=5)
    trip(other, "2026-11-22T18:00", "2026-11-22T22:00")
    index = calendar.trip_index()
    assert index.covering(other.pk, at("2026-11-22T19:00")) is not None
    for vehicle_id in (vehicle.pk, other.pk + 1000, None):  # a lower id without trips, beyond the last, none
        assert index.covering(vehicle_id, at("2026-11-22T19:00")) is None
        assert index.covering_ts(vehicle_id, at("2026-11-22T19:00").timestamp()) is None
    assert calendar.TripIndex([]).covering(vehicle.pk, at("2026-11-22T19:00")) is None


def test_batch_lookups_agree_with_one_by_one(units, vehicle):
    import random

    shift(units["CZ-TN"], "1-5", "08:00", "17:00")
    shift(units["CZ-TN-02"], "6,7", "22:00", "04:00")
    Holiday.objects.create(date=dt.date(2026, 11, 18), kind=HolidayKind.HOLIDAY)
    other = Vehicle.objects.create(plate="苏D·A0002", unit=units["CZ-TN-01"], seats=5)
    trip(vehicle, "2026-11-20T00:00", "2026-11-25T00:00", dest_lat=31.78, dest_lon=119.95)
    trip(vehicle, "2026-11-21T08:00", "2026-11-21T09:00")
    trip(other, "2026-11-22T18:00", "2026-11-22T22:00")
    cal, index = calendar.duty_calendar(), calendar.trip_index()
    rng = random.Random(3)
    unit_ids = [u.pk for u in units.values()] + [999_999]  # one unit the snapshot does not know
    base = at("2026-11-15T00:00").timestamp()
    rows = [(rng.choice(unit_ids), rng.choice([vehicle.pk, other.pk, other.pk + 50]),
             base + rng.uniform(0, 12 * 86400), 31.78 + rng.uniform(-0.002, 0.002), 119.95) for _ in range(3000)]
    rows.append((units["CZ-TN-01"].pk, vehicle.pk, dt.datetime(1989, 6, 5, 1, tzinfo=dt.UTC).timestamp(), 0.0, 0.0))
    unit_col, vehicle_col, ts_col, lat_col, lon_col = (list(c) for c in zip(*rows))
    on = cal.on_duty_many(unit_col, ts_col)
    covered = index.covered_many(vehicle_col, ts_col, lat_col, lon_col)
    assert on.tolist() == [cal.is_on_duty_ts(u, t) for u, t in zip(unit_col, ts_col)]
    assert covered.tolist() == [index.covering_ts(v, t, a, b) is not None
                                for v, t, a, b in zip(vehicle_col, ts_col, lat_col, lon_col)]
    anywhere = index.covered_many(vehicle_col, ts_col)  # no places: destinations do not matter
    assert anywhere.tolist() == [index.covering_ts(v, t) is not None for v, t in zip(vehicle_col, ts_col)]
    assert anywhere.sum() > covered.sum()  # some fixes were in the window but away from the destination
    assert 0 < on.sum() < len(rows) and 0 < covered.sum() < len(rows)
    assert cal.on_duty_many([], []).tolist() == [] and calendar.TripIndex([]).covered_many([1], [base]).tolist() == [False]


def test_duty_end_is_the_end_of_the_next_duty_day_and_depots_are_inherited(units):
    from assets import services as org

    shift(units["CZ-TN"], "1-5", "08:00", "12:00")
    shift(units["CZ-TN"], "1-5", "14:00", "18:00")
    shift(units["CZ-TN-02"], "5", "20:00", "02:00")  # a Friday night shift
    Holiday.objects.create(date=dt.date(2026, 11, 24), kind=HolidayKind.HOLIDAY)
    org.unit_update(unit=units["CZ-TN"], depot_lat=31.78, depot_lon=119.95, depot_radius_m=120)
    cal = calendar.duty_calendar()
    tn1, tn2 = units["CZ-TN-01"].pk, units["CZ-TN-02"].pk
    assert cal.duty_end_ts(tn1, at("2026-11-23T09:00").timestamp()) == at("2026-11-23T18:00").timestamp()
    # After Monday's end: Tuesday is a holiday, so Wednesday's.
    assert cal.duty_end_ts(tn1, at("2026-11-23T18:00").timestamp()) == at("2026-11-25T18:00").timestamp()
    assert cal.duty_end_ts(tn2, at("2026-11-27T12:00").timestamp()) == at("2026-11-28T02:00").timestamp()
    assert cal.duty_end_ts(units["CZ-WJ-01"].pk, at("2026-11-23T09:00").timestamp()) is None
    assert cal.depot(tn1) == cal.depot(units["CZ-TN"].pk) == (31.78, 119.95, 120.0)
    assert cal.depot(units["CZ-WJ-01"].pk) is None
    org.unit_update(unit=units["CZ-TN-01"], depot_lat=31.79, depot_lon=119.96)
    assert calendar.duty_calendar().depot(tn1) == (31.79, 119.96, 100.0)  # its own, default radius


def test_sealed_periods_run_from_the_first_local_midnight_to_the_one_after_the_last_day(units):
    from telematics import services

    vehicle = Vehicle.objects.create(plate="苏D·S0009", unit=units["CZ-TN-01"], seats=5)
    services.vehicle_seal(vehicle=vehicle, sealed_from=dt.date(2027, 2, 10), sealed_to=dt.date(2027, 2, 17))
    seals = calendar.seal_index()
    period = (at("2027-02-10T00:00").timestamp(), at("2027-02-18T00:00").timestamp())
    assert seals.sealed_ts(vehicle.pk, at("2027-02-17T23:59").timestamp()) == period
    assert seals.sealed_ts(vehicle.pk, at("2027-02-10T00:00").timestamp()) == period
    assert seals.sealed_ts(vehicle.pk, at("2027-02-09T23:59").timestamp()) is None
    assert seals.sealed_ts(vehicle.pk, at("2027-02-18T00:00").timestamp()) is None
