"""Trips stored per finished vehicle-day (journeys.stored): reports read them instead of the fixes, and what they
give is what detection from the fixes gives, after late fixes and after a change of the detection settings."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from tests.telematics.journeys.conftest import DEPOT, at, driven, east, north, parked
from tests.telematics.reports.conftest import feed

MONDAY, TUESDAY, WEDNESDAY = dt.date(2026, 11, 9), dt.date(2026, 11, 10), dt.date(2026, 11, 11)
DAY = dt.timedelta(days=1)
P1 = east(DEPOT, 1500)
P2 = north(DEPOT, 2500)
P3 = east(P1, 1500)
FAR = north(P1, 1000)


def history() -> list:
    """V1 (T0001) over three days. Monday: out to P1 and back in the morning, parked at the depot all day, then a
    drive to P2 at 23:45 and parked there over midnight. Tuesday: back to the depot at 07:50, to P1 at 09:00 (order
    09:00-10:00 to P1) and a long stay there (09:03-09:40), back; at 10:05 to P1 again, six minutes there, on to P3
    (two trips), back at 11:00. Wednesday: to P1 and back."""
    def m(hhmm):
        return at(MONDAY, hhmm)

    def t(hhmm):
        return at(TUESDAY, hhmm)

    def w(hhmm):
        return at(WEDNESDAY, hhmm)

    rows = [*parked(m("08:00"), 60, DEPOT), *driven(m("09:00"), DEPOT, P1), *parked(m("09:03"), 27, P1),
            *driven(m("09:30"), P1, DEPOT), *parked(m("09:35"), 850, DEPOT, every_s=600),
            *driven(m("23:45"), DEPOT, P2), *parked(m("23:50"), 480, P2, every_s=300),
            *driven(t("07:50"), P2, DEPOT), *parked(t("07:55"), 65, DEPOT),
            *driven(t("09:00"), DEPOT, P1), *parked(t("09:03"), 37, P1),
            *driven(t("09:40"), P1, DEPOT), *parked(t("09:43"), 22, DEPOT),
            *driven(t("10:05"), DEPOT, P1), *parked(t("10:08"), 6, P1),
            *driven(t("10:14"), P1, P3), *parked(t("10:17"), 43, P3),
            *driven(t("11:00"), P3, DEPOT), *parked(t("11:06"), 414, DEPOT, every_s=300),
            *parked(w("08:00"), 60, DEPOT), *driven(w("09:00"), DEPOT, P1), *parked(w("09:03"), 27, P1),
            *driven(w("09:30"), P1, DEPOT), *parked(w("09:33"), 30, DEPOT)]
    return [("T0001", row) for row in rows]


@pytest.fixture(autouse=True)
def replaying_history(settings):
    settings.QM_MAX_FIX_AGE_DAYS = 0


@pytest.fixture
def fed(city):
    from telematics.models import Trip

    v1 = city["vehicles"]["V1"]
    feed(history())
    for start, end, dest in ((at(MONDAY, "23:30"), at(TUESDAY, "00:30"), None),
                             (at(TUESDAY, "09:00"), at(TUESDAY, "10:00"), P1),
                             (at(WEDNESDAY, "14:00"), at(WEDNESDAY, "15:00"), None)):
        Trip.objects.create(vehicle=v1, start=start, end=end, purpose="检查", status="approved", approved_by="王科长",
                            dest_lat=dest and dest[1], dest_lon=dest and dest[0])
    return v1


def _bounds(first: dt.date, last: dt.date):
    return at(first, "00:00"), at(last + dt.timedelta(days=1), "00:00")


def _report(vehicle, first, last, **kwargs):
    from telematics.journeys.selectors import vehicle_journeys
    from telematics.journeys.track import Subject

    r = vehicle_journeys(Subject(vehicle=vehicle, terminal=None), *_bounds(first, last), **kwargs)
    return {"journeys": r.journeys, "stops": r.stops, "unused": r.unused}


def _window(vehicle, first, last, monkeypatch):
    """The detection over the whole period at once (what a period not of whole days gets)."""
    from telematics.journeys import selectors

    with monkeypatch.context() as m:
        m.setattr(selectors, "_whole_days", lambda start, end: None)
        return _report(vehicle, first, last)


def _no_fixes(monkeypatch):
    from telematics.journeys import track

    def refuse(*args, **kwargs):
        raise AssertionError("the fixes were read")

    monkeypatch.setattr(track, "track_fixes", refuse)


def _rows():
    from telematics.journeys.models import TripDay

    return {r.day: r for r in TripDay.objects.all()}


def _starts(report) -> list[tuple[str, str]]:
    return [(j["start"][11:16], j["class"]) for j in report["journeys"]]


def _same_everywhere(vehicle, monkeypatch, periods):
    """Each period: the stored answer equals detection from the fixes now, and detection over the whole period."""
    for first, last in periods:
        stored = _report(vehicle, first, last)
        assert stored == _report(vehicle, first, last, stored=False) == _window(vehicle, first, last, monkeypatch)
    return _report(vehicle, MONDAY, WEDNESDAY)


def test_stored_days_answer_as_the_fixes_do_through_late_fixes_and_a_settings_change(fed, monkeypatch, settings):
    periods = [(MONDAY, WEDNESDAY), (MONDAY, MONDAY), (TUESDAY, TUESDAY), (TUESDAY, WEDNESDAY), (WEDNESDAY, WEDNESDAY)]
    before = _same_everywhere(fed, monkeypatch, periods)
    assert _starts(before) == [("09:00", "duty"), ("09:30", "duty"), ("23:45", "matched"), ("07:50", "no_order"),
                               ("09:00", "matched"), ("09:40", "matched"), ("10:05", "matched"), ("10:14", "overtime"),
                               ("11:00", "duty"), ("09:00", "duty"), ("09:30", "duty")]
    assert [u["start"][:10] for u in before["unused"]] == ["2026-11-11"]
    # The stop over midnight is Tuesday's first when Tuesday alone is asked for.
    assert _report(fed, TUESDAY, TUESDAY)["stops"][0]["start"] == "2026-11-09T23:49:30+08:00"
    # Stored clean; fed as history (every fix late), the days around were marked too and wait as marks alone.
    rows = _rows()
    assert sorted(rows) == [MONDAY - DAY, MONDAY, TUESDAY, WEDNESDAY]
    assert all(not rows[d].dirty and rows[d].journeys and rows[d].points for d in (MONDAY, TUESDAY, WEDNESDAY))
    assert rows[MONDAY - DAY].dirty and rows[MONDAY - DAY].journeys == ""

    # Read back without touching a fix.
    with monkeypatch.context() as m:
        _no_fixes(m)
        assert _report(fed, MONDAY, WEDNESDAY) == before

    # A late fix splits Tuesday's long stay at P1 (a trip out to FAR and back); another, in the six minutes at P1,
    # joins the trips either side (no stop left there). The ingest marks the days whose detection read that time.
    feed([("T0001", (at(TUESDAY, "09:20", 30), FAR, 40.0)), ("T0001", (at(TUESDAY, "10:11", 30), FAR, 40.0))])
    rows = _rows()
    assert rows[MONDAY].dirty and rows[TUESDAY].dirty and not rows[WEDNESDAY].dirty
    after = _same_everywhere(fed, monkeypatch, periods)
    assert _starts(after) == [("09:00", "duty"), ("09:30", "duty"), ("23:45", "matched"), ("07:50", "no_order"),
                              ("09:00", "matched"), ("09:20", "matched"), ("09:40", "matched"), ("10:05", "overtime"),
                              ("11:00", "duty"), ("09:00", "duty"), ("09:30", "duty")]
    assert not any(_rows()[d].dirty for d in (MONDAY, TUESDAY, WEDNESDAY))

    # Other detection settings: the stored days no longer count, and they are detected again under the new ones.
    settings.QM_TRIP_STOP_MIN_S = 1800
    changed = _same_everywhere(fed, monkeypatch, periods)
    assert changed != after and len(changed["journeys"]) < len(after["journeys"])
    with monkeypatch.context() as m:
        _no_fixes(m)
        assert _report(fed, MONDAY, WEDNESDAY) == changed


def test_a_day_not_finished_is_detected_and_not_stored(fed, monkeypatch):
    from telematics.journeys import stored

    # Wednesday 18:00: Tuesday's detection read fixes up to Wednesday 12:00 (+ an hour to settle): finished.
    monkeypatch.setattr(stored, "_now", lambda: at(WEDNESDAY, "18:00"))
    report = _report(fed, MONDAY, WEDNESDAY)
    assert sorted(d for d, r in _rows().items() if not r.dirty) == [MONDAY, TUESDAY]
    assert report == _report(fed, MONDAY, WEDNESDAY, stored=False)
    # A fix of Wednesday 17:00 arriving then is no late one; one of Tuesday 20:00 is (Tuesday and Wednesday's windows).
    assert stored.mark_late([("T0001", at(WEDNESDAY, "17:00"), fed.pk)]) == 0
    assert stored.mark_late([("T0001", at(TUESDAY, "20:00"), fed.pk)]) == 2
    rows = _rows()
    assert rows[TUESDAY].dirty and rows[WEDNESDAY].dirty and not rows[MONDAY].dirty
    assert not rows[WEDNESDAY].journeys  # only a mark: nothing stored for the day yet


def test_qm_rollup_trips_stores_the_days_and_redetects_the_dirty_ones(fed, monkeypatch):
    from telematics.tracking.models import VehicleDay

    call_command("rollup", "--trips", "--from", str(MONDAY), "--to", str(WEDNESDAY))
    assert not any(r.dirty for r in _rows().values())  # the marks of the days around re-detected too
    counts = dict(VehicleDay.objects.filter(vehicle=fed).values_list("day", "trips"))
    assert [counts[d] for d in (MONDAY - DAY, MONDAY, TUESDAY, WEDNESDAY)] == [0, 3, 6, 2]
    feed([("T0001", (at(TUESDAY, "09:20", 30), FAR, 40.0))])
    assert _rows()[TUESDAY].dirty
    call_command("rollup", "--trips", "--from", str(WEDNESDAY), "--to", str(WEDNESDAY))  # Tuesday: as it is dirty
    assert not any(r.dirty for r in _rows().values())
    assert VehicleDay.objects.get(vehicle=fed, day=TUESDAY).trips == 7
    with monkeypatch.context() as m:
        _no_fixes(m)
        assert len(_report(fed, TUESDAY, TUESDAY)["journeys"]) == 7


def test_a_late_fix_marks_the_vehicles_its_terminal_was_bound_to_then(city):
    from telematics.journeys import stored
    from telematics.journeys.models import TripDay
    from telematics.models import TerminalBinding

    v2, v3 = city["vehicles"]["V2"], city["vehicles"]["V3"]
    TerminalBinding.objects.create(vehicle=v2, terminal_id="T0099", bound_at=at(MONDAY, "00:00"),
                                   unbound_at=at(TUESDAY, "12:00"))
    # Unattributed by the ingest (vehicle None): the binding of that time names V2; later fixes are nobody's.
    assert stored.mark_late([("T0099", at(MONDAY, "10:00"), None), ("T0099", at(MONDAY, "11:00"), v3.pk)]) == 4
    assert stored.mark_late([("T0099", at(WEDNESDAY, "14:00"), None)]) == 0
    marks = sorted(TripDay.objects.filter(dirty=True).values_list("vehicle_id", "day", "marks"))
    assert marks == [(v2.pk, MONDAY - DAY, 1), (v2.pk, MONDAY, 1), (v3.pk, MONDAY - DAY, 1), (v3.pk, MONDAY, 1)]
