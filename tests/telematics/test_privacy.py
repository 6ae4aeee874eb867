"""The PIPL gate (telematics/privacy.py) on real PostgreSQL: a track outside duty hours or older than
QM_TRACK_PURPOSE_AFTER_DAYS needs a stated purpose (403 `purpose_required` without it, nothing logged) and is logged
with one (an append-only TrackAccess row); a recent window inside duty hours needs none; every path applies it;
the auditors' access report is cut to their scope."""
from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from assets.choices import UserRole
from quartermaster.errors import DomainError
from telematics.models import DutySchedule, Holiday, Vehicle
from telematics.privacy import OFF_DUTY, OLDER, Purpose, PurposeRequired, reasons_for, track_gate
from telematics.tracking.models import Position, TrackAccess
from tests.support.fixtures import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pipl]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(y, m, d, hh, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def fleet(bureau):
    """Vehicles of CZ-TN-01 (on duty Monday-Friday 08:00-18:00, set on CZ-TN) and of CZ-WJ-01 (no schedule)."""
    from telematics.calendar import invalidate_calendar

    units = bureau["units"]
    DutySchedule.objects.create(unit=units["CZ-TN"], weekdays="1-5", start=dt.time(8), end=dt.time(18))
    invalidate_calendar()
    tn = Vehicle.objects.create(plate="苏D·G0001", unit=units["CZ-TN-01"], seats=5, terminal_id="G0001")
    wj = Vehicle.objects.create(plate="苏D·G0002", unit=units["CZ-WJ-01"], seats=5, terminal_id="G0002")
    return {"units": units, "tn": tn, "wj": wj}


@pytest.fixture
def always_on_duty(fleet):
    """CZ-TN on duty round the clock, and the last three days adjusted working days (a statutory holiday among them
    would have no duty hours): whatever today is, the last hour is on duty."""
    from telematics.calendar import invalidate_calendar

    DutySchedule.objects.filter(unit=fleet["units"]["CZ-TN"]).delete()
    DutySchedule.objects.create(unit=fleet["units"]["CZ-TN"], weekdays="1-7", start=dt.time(0), end=dt.time(0))
    today = timezone.localdate()
    for back in range(3):
        Holiday.objects.create(date=today - dt.timedelta(days=back), kind="workday")
    invalidate_calendar()
    return fleet


# --- the rule ---------------------------------------------------------------------------------------------------

NOW = _at(2026, 11, 20, 12)  # a Friday


def test_a_recent_window_inside_duty_hours_needs_no_purpose(fleet):
    assert reasons_for(fleet["tn"], _at(2026, 11, 20, 9), _at(2026, 11, 20, 11), now=NOW) == []
    # The end defaults to now, and a future end is cut to now: 11:00-now lies in duty hours.
    assert reasons_for(fleet["tn"], _at(2026, 11, 20, 11), None, now=NOW) == []
    assert reasons_for(fleet["tn"], _at(2026, 11, 20, 11), _at(2026, 11, 20, 23), now=NOW) == []


def test_a_window_touching_off_duty_time_needs_one(fleet):
    assert reasons_for(fleet["tn"], _at(2026, 11, 20, 7, 59), _at(2026, 11, 20, 9), now=NOW) == [OFF_DUTY]
    assert reasons_for(fleet["tn"], _at(2026, 11, 19, 17), _at(2026, 11, 19, 18, 1), now=NOW) == [OFF_DUTY]
    # overnight, a weekend, a unit without any duty hours
    assert reasons_for(fleet["tn"], _at(2026, 11, 18, 12), _at(2026, 11, 19, 12), now=NOW) == [OFF_DUTY]
    assert reasons_for(fleet["tn"], _at(2026, 11, 15, 10), _at(2026, 11, 15, 11),
                       now=_at(2026, 11, 16, 12)) == [OFF_DUTY]
    assert reasons_for(fleet["wj"], _at(2026, 11, 20, 9), _at(2026, 11, 20, 10), now=NOW) == [OFF_DUTY]
    # the whole history (no start)
    assert reasons_for(fleet["tn"], None, None, now=NOW) == [OLDER, OFF_DUTY]


def test_a_window_older_than_the_setting_needs_one(fleet, monkeypatch):
    assert reasons_for(fleet["tn"], _at(2026, 11, 12, 9), _at(2026, 11, 12, 10), now=NOW) == [OLDER]
    monkeypatch.setenv("QM_TRACK_PURPOSE_AFTER_DAYS", "10")
    assert reasons_for(fleet["tn"], _at(2026, 11, 12, 9), _at(2026, 11, 12, 10), now=NOW) == []
    monkeypatch.setenv("QM_TRACK_PURPOSE_GATE", "0")
    assert reasons_for(fleet["wj"], None, None, now=NOW) == []


def test_the_gate_refuses_without_a_purpose_and_logs_with_one(fleet):
    user = make_user("fleet1", UserRole.FLEET)
    start, end = _at(2026, 11, 12, 20), _at(2026, 11, 12, 22)
    with pytest.raises(PurposeRequired) as refused:
        track_gate(user=user, vehicles=[fleet["tn"]], start=start, end=end, purpose=Purpose.of("  "), path="test")
    assert refused.value.code == "purpose_required" and refused.value.status_code == 403
    assert refused.value.as_dict()["reasons"] == [OFF_DUTY, OLDER]
    assert not TrackAccess.objects.exists()
    [row] = track_gate(user=user, vehicles=[fleet["tn"]], start=start, end=end,
                       purpose=Purpose.of("核查夜间出车", "2026-ZF-017"), path="test")
    row.refresh_from_db()
    assert (row.user, row.username, row.vehicle, row.plate, row.start, row.end, row.purpose, row.case_no,
            row.reasons, row.path) == (user, "fleet1", fleet["tn"], "苏D·G0001", start, end, "核查夜间出车",
                                       "2026-ZF-017", "older,off_duty", "test")
    with pytest.raises(DomainError, match="500"):
        Purpose.of("x" * 501)


def test_the_access_log_is_append_only_in_the_database(fleet):
    row = TrackAccess.objects.create(username="u", vehicle=fleet["tn"], plate="苏D·G0001", end=NOW, purpose="p",
                                     reasons="older", path="test")
    for statement in (f"UPDATE tracking_trackaccess SET purpose = 'changed' WHERE id = {row.pk}",
                      f"DELETE FROM tracking_trackaccess WHERE id = {row.pk}", "TRUNCATE tracking_trackaccess"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK checks would stop the TRUNCATE first
            cur.execute(statement)
    assert TrackAccess.objects.get(pk=row.pk).purpose == "p"


# --- the paths --------------------------------------------------------------------------------------------------

def _fixes(vehicle, start: dt.datetime, n: int = 5):
    Position.objects.bulk_create([Position(terminal=vehicle.terminal_id, vehicle=vehicle, ts=start + dt.timedelta(
        minutes=10 * k), lat=31.78, lon=119.95, speed=20.0, heading=0.0, received_at=start) for k in range(n)])


def test_the_tracks_api_refuses_then_logs(fleet, api_client_for):
    user = make_user("fleet1", UserRole.FLEET, unit=fleet["units"]["CZ-TN"])
    client = api_client_for(user)
    start = timezone.now() - dt.timedelta(days=20)
    _fixes(fleet["tn"], start)
    params = {"vehicle": fleet["tn"].pk, "start": start.isoformat(), "end": (start + dt.timedelta(hours=2)).isoformat()}
    refused = client.get("/api/v1/tracks/", params)
    assert refused.status_code == 403 and refused.json()["code"] == "purpose_required"
    assert OLDER in refused.json()["reasons"] and "fixes" not in refused.json()
    assert not TrackAccess.objects.exists()
    given = client.get("/api/v1/tracks/", {**params, "purpose": "投诉核查", "case": "TS-9"})
    assert given.status_code == 200 and len(given.json()["fixes"]) == 5
    row = TrackAccess.objects.get()
    assert (row.username, row.purpose, row.case_no, row.path) == ("fleet1", "投诉核查", "TS-9", "api:tracks")


def test_the_last_hour_on_duty_needs_no_purpose(always_on_duty, api_client_for):
    """The map's last track of a vehicle on duty: no dialog, nothing logged."""
    user = make_user("fleet1", UserRole.FLEET)
    vehicle = always_on_duty["tn"]
    _fixes(vehicle, timezone.now() - dt.timedelta(minutes=50), n=4)
    start = (timezone.now() - dt.timedelta(minutes=60)).isoformat()
    answer = api_client_for(user).get("/api/v1/tracks/", {"vehicle": vehicle.pk, "start": start})
    assert answer.status_code == 200 and len(answer.json()["fixes"]) == 4
    assert not TrackAccess.objects.exists()
    # The same hour for a vehicle of a unit without duty hours needs one.
    other = api_client_for(user).get("/api/v1/tracks/", {"vehicle": always_on_duty["wj"].pk, "start": start})
    assert other.status_code == 403 and other.json()["reasons"] == [OFF_DUTY]


@pytest.mark.parametrize("fmt", ["json", "csv", "gpx"])
def test_the_track_export_and_the_trips_pass_the_gate(fleet, api_client_for, fmt):
    user = make_user("fleet1", UserRole.FLEET)
    client = api_client_for(user)
    start = timezone.now() - dt.timedelta(days=30)
    _fixes(fleet["tn"], start)
    period = {"from": start.isoformat(), "to": (start + dt.timedelta(hours=2)).isoformat(), "format": fmt}
    url = f"/api/v1/vehicles/{fleet['tn'].pk}/track/"
    refused = client.get(url, period)
    assert refused.status_code == 403 and refused.json()["code"] == "purpose_required"
    assert client.get(url, {**period, "purpose": "案件调查"}).status_code == 200
    journeys = f"/api/v1/vehicles/{fleet['tn'].pk}/journeys/"
    trips_period = {**period, "format": "json"}
    assert client.get(journeys, trips_period).status_code == 403
    assert client.get(journeys, {**trips_period, "purpose": "案件调查"}).status_code == 200
    unit = client.get("/api/v1/journeys/", {**trips_period, "unit": "CZ-TN"})
    assert unit.status_code == 403 and "苏D·G0001" in unit.json()["detail"]
    assert sorted(TrackAccess.objects.values_list("path", flat=True)) == ["api:journeys.json", f"api:track.{fmt}"]


def test_route_reports_pass_the_gate(fleet, api_client_for):
    client = api_client_for(make_user("fleet1", UserRole.FLEET))
    day = (timezone.now() - dt.timedelta(days=15)).date().isoformat()
    period = {"unit": "CZ-TN", "from": day, "to": day}
    assert client.get("/api/v1/reports/trips/", period).status_code == 403
    assert client.get("/api/v1/reports/stops/", {**period, "purpose": "月度核查"}).status_code == 200
    assert client.get("/api/v1/reports/mileage/", period).status_code == 200  # daily totals place nobody
    assert list(TrackAccess.objects.values_list("path", "plate")) == [("report:stops", "苏D·G0001")]


def test_qm_track_keeps_its_flags_and_logs(fleet, monkeypatch):
    start = timezone.now() - dt.timedelta(days=40)
    _fixes(fleet["tn"], start)
    window = {"start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()}
    out = io.StringIO()
    call_command("track", "苏D·G0001", stdout=out, **window)
    assert len(json.loads(out.getvalue())) == 5
    row = TrackAccess.objects.get()
    assert row.path == "cli:track.json" and row.purpose == "（未说明）" and row.username.startswith("cli")
    call_command("track", "苏D·G0001", stdout=io.StringIO(), purpose="复核", case_no="A-1", **window)
    assert TrackAccess.objects.order_by("pk").last().purpose == "复核"
    monkeypatch.setenv("QM_TRACK_PURPOSE_CLI", "require")
    with pytest.raises(CommandError, match="查看目的"):
        call_command("track", "苏D·G0001", stdout=io.StringIO(), **window)
    assert TrackAccess.objects.count() == 2


# --- the auditors' report ----------------------------------------------------------------------------------------

def test_the_access_report_is_for_auditors_in_their_scope(fleet, api_client_for, client):
    for vehicle, who in ((fleet["tn"], "fleet-tn"), (fleet["wj"], "fleet-wj")):
        TrackAccess.objects.create(username=who, vehicle=vehicle, plate=vehicle.plate, end=NOW, purpose="核查",
                                   case_no=f"C-{who}", reasons="older", path="api:tracks")
    auditor = make_user("auditor-tn", UserRole.AUDITOR, unit=fleet["units"]["CZ-TN"])
    rows = api_client_for(auditor).get("/api/v1/track-access/").json()["results"]
    assert [(r["username"], r["plate"], r["case_no"], r["vehicle_unit"]) for r in rows] == [
        ("fleet-tn", "苏D·G0001", "C-fleet-tn", "CZ-TN-01")]
    whole = make_user("auditor-all", UserRole.AUDITOR)
    assert api_client_for(whole).get("/api/v1/track-access/", {"username": "fleet-wj"}).json()["count"] == 1
    assert api_client_for(make_user("fleet2", UserRole.FLEET)).get("/api/v1/track-access/").status_code == 403
    client.force_login(auditor)
    page = client.get("/tracks/access/")
    assert page.status_code == 200 and "C-fleet-tn" in page.content.decode() and "C-fleet-wj" not in page.content.decode()
    export = client.get("/tracks/access/", {"export": "csv"})
    body = export.content.decode("utf-8-sig")
    assert "C-fleet-tn" in body and "C-fleet-wj" not in body
    xlsx = client.get("/tracks/access/", {"export": "xlsx", "user": "fleet-tn"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    today = timezone.localdate()
    assert "C-fleet-tn" not in client.get("/tracks/access/", {"to": (today - dt.timedelta(days=1)).isoformat()}
                                          ).content.decode()


def test_the_admin_lists_the_log_and_the_holds(fleet, client):
    from telematics.tracking.models import FixHold

    TrackAccess.objects.create(username="fleet-tn", vehicle=fleet["tn"], plate="苏D·G0001", end=NOW, purpose="核查",
                               case_no="C-77", reasons="older", path="api:tracks")
    FixHold.objects.create(vehicle=fleet["tn"], start=NOW - dt.timedelta(days=2), end=NOW, reason="行政诉讼",
                           case_no="SS-1")
    client.force_login(make_user("root", None, superuser=True))
    log = client.get("/admin/tracking/trackaccess/")
    assert log.status_code == 200 and "C-77" in log.content.decode()
    holds = client.get("/admin/tracking/fixhold/")
    assert holds.status_code == 200 and "SS-1" in holds.content.decode()
    assert client.get("/admin/tracking/trackaccess/add/").status_code == 403


def test_the_dossier_lists_its_trips_only_with_a_purpose(fleet, client):
    client.force_login(make_user("fleet1", UserRole.FLEET))
    day = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    url = f"/vehicles/{fleet['tn'].pk}/"
    page = client.get(url, {"start": day, "end": day}).content.decode()
    assert 'id="journeys-purpose"' in page and 'id="journeys"' not in page and 'id="basic"' in page
    assert not TrackAccess.objects.exists()
    page = client.get(url, {"start": day, "end": day, "purpose": "年度审计", "case": "SJ-1"}).content.decode()
    assert 'id="journeys"' in page and "purpose=%E5%B9%B4%E5%BA%A6%E5%AE%A1%E8%AE%A1&amp;case=SJ-1" in page
    assert list(TrackAccess.objects.values_list("path", "case_no")) == [("page:dossier", "SJ-1")]
    pdf = client.get(f"{url}dossier.pdf", {"start": day, "end": day})
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF" and TrackAccess.objects.count() == 1
