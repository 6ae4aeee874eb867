"""Alerts handled as cases: an evening out (off_duty_use with its venue_parking) is one case; the vehicle's unit
explains (text, attachment, 补单) within a deadline of working days (holiday calendar); a fleet manager or an auditor
above the unit confirms or dismisses it, never the person who explained; every step dated and signed; overdue cases
flagged; counts and per-rule precision. The alerts come from the real pipeline (in-process)."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from telematics.models import Holiday, Trip
from telematics.tracking.cases import services
from telematics.tracking.models import Alert, AlertCase, AlertCaseEvent
from telematics.tracking.pipeline import Message, Pipeline
from tests.support.fixtures import make_user

from .conftest import DEPOT, KTV, SHANGHAI, Route, local

pytestmark = pytest.mark.django_db
WED = dt.date(2026, 11, 18)
DEADLINE = "2026-11-23T23:59:59+08:00"  # Wednesday's alert: Thursday, Friday, Monday


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(local(day, hhmm), SHANGHAI)


@pytest.fixture
def clock(monkeypatch):
    """clock(datetime): the time every service and page reads (timezone.now) from then on."""
    def set_to(when: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: when.astimezone(dt.timezone.utc))
    set_to(at(dt.date(2026, 11, 19), "10:00"))
    return set_to


def run_pipeline(fixes: list[dict], terminal: str = "T0001") -> None:
    pipeline = Pipeline()
    for i in range(0, len(fixes), 40):
        pipeline.process([Message(f"qm/terminals/{terminal}/position", json.dumps(fixes[i:i + 40]).encode())])


@pytest.fixture
def evening(city, clock):
    """V1 on Wednesday evening: from the depot to the foot spa (the KTV venue) at 19:10, 45 minutes there, back, and
    parked for 70 minutes (the journey ends)."""
    fixes = (Route(local(WED, "18:40"), DEPOT, 1).park(25, 60).drive(KTV, 5).park(45, 60).drive(DEPOT, 5)
             .park(70, 60).fixes)
    run_pipeline(fixes)
    journey = Alert.objects.get(kind="off_duty_use")
    stop = Alert.objects.get(kind="venue_parking")
    assert stop.part_of_id == journey.pk
    return {"journey": journey, "stop": stop, "units": city["units"], "vehicle": city["vehicles"]["V1"]}


@pytest.fixture
def people(city):
    units = city["units"]
    return {
        "unit": make_user("fleet-tn01", "fleet", units["CZ-TN-01"]),        # the vehicle's own unit: explains
        "logistics": make_user("logi-tn01", "logistics", units["CZ-TN-01"]),
        "brigade": make_user("fleet-tn", "fleet", units["CZ-TN"]),          # above the unit: decides
        "inspector": make_user("inspector", "auditor", units["CZ"]),       # 督察, whole bureau: decides
        "auditor-tn01": make_user("audit-tn01", "auditor", units["CZ-TN-01"]),
        "other": make_user("fleet-wj", "fleet", units["CZ-WJ"]),
    }


def test_an_evening_out_is_one_case_with_a_deadline_in_working_days(evening, people, api_client_for):
    journey, stop = evening["journey"], evening["stop"]
    client = api_client_for(people["brigade"])
    rows = {r["id"]: r for r in client.get("/api/v1/alerts/").json()["results"]}
    assert {rows[journey.pk]["case_state"], rows[stop.pk]["case_state"]} == {"pending"}
    assert rows[journey.pk]["case_deadline"] == rows[stop.pk]["case_deadline"]
    assert dt.datetime.fromisoformat(rows[journey.pk]["case_deadline"]) == dt.datetime.fromisoformat(DEADLINE)
    assert rows[journey.pk]["case_overdue"] is False
    assert rows[journey.pk]["status"] == "closed"  # SPEC's status stays the episode's
    # The stop's case is the journey's: explaining through either reaches the same case.
    case = client.get(f"/api/v1/alerts/{stop.pk}/case/").json()
    assert case["alert"] == journey.pk and case["alerts"] == [journey.pk, stop.pk] and case["events"] == []
    unit = api_client_for(people["unit"])
    response = unit.post(f"/api/v1/alerts/{stop.pk}/case/explain/", {"text": "夜间执法检查"}, format="json")
    assert response.status_code == 200, response.content
    assert AlertCase.objects.get().alert_id == journey.pk
    assert client.get(f"/api/v1/alerts/{journey.pk}/").json()["case_state"] == "explained"
    out = io.StringIO()
    call_command("alerts", "--format", "json", "--case-state", "explained", stdout=out)
    listed = json.loads(out.getvalue())
    assert [(a["id"], a["status"], a["case_state"]) for a in listed] == [(journey.pk, "closed", "explained"),
                                                                        (stop.pk, "closed", "explained")]


def test_deadlines_follow_the_holiday_calendar(city):
    assert services.deadline_after(WED) == dt.datetime.fromisoformat(DEADLINE)
    Holiday.objects.create(date=dt.date(2026, 11, 20), kind="holiday")     # Friday off
    assert services.deadline_after(WED).date() == dt.date(2026, 11, 24)
    Holiday.objects.create(date=dt.date(2026, 11, 21), kind="workday")     # Saturday worked (调休)
    assert services.deadline_after(WED).date() == dt.date(2026, 11, 23)
    assert services.deadline_after(WED, 1).date() == dt.date(2026, 11, 19)


def test_a_case_goes_from_pending_to_confirmed(evening, people, api_client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    journey, vehicle = evening["journey"], evening["vehicle"]
    trip = Trip.objects.create(vehicle=vehicle, start=at(WED, "19:00"), end=at(WED, "21:00"), purpose="夜查",
                               status="approved", approved_by="王队")
    from telematics.journeys.models import LateOrder

    late = LateOrder.objects.create(trip=trip, journey_start=at(WED, "19:05"), journey_end=at(WED, "20:10"),
                                    reason="夜查未及时派单", requested_by="fleet-tn01")
    url = f"/api/v1/alerts/{journey.pk}/case"
    inspector, unit = api_client_for(people["inspector"]), api_client_for(people["unit"])
    # Nobody decides before the unit has explained (or its deadline has passed).
    assert inspector.post(f"{url}/confirm/", {}, format="json").status_code == 409
    # An auditor may not explain; the other brigade does not see the alert.
    assert inspector.post(f"{url}/explain/", {"text": "x"}, format="json").status_code == 403
    assert api_client_for(people["other"]).post(f"{url}/explain/", {"text": "x"}, format="json").status_code == 404
    photo = SimpleUploadedFile("派车单.jpg", b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg")
    response = unit.post(f"{url}/explain/", {"text": "夜查，已补派车单", "late_order": late.pk, "files": [photo]},
                         format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "explained"
    explained = body["events"][0]
    assert (explained["action"], explained["from_state"], explained["to_state"], explained["user"],
            explained["role"], explained["late_order"]) == ("explain", "pending", "explained", "fleet-tn01", "fleet",
                                                            late.pk)
    assert [a["name"] for a in explained["attachments"]] == ["派车单.jpg"]
    assert unit.post(f"{url}/explain/", {"text": "again"}, format="json").status_code == 409
    # The unit does not judge its own case; an auditor of the unit neither.
    assert unit.post(f"{url}/confirm/", {}, format="json").status_code == 403
    assert api_client_for(people["auditor-tn01"]).post(f"{url}/confirm/", {}, format="json").status_code == 403
    response = inspector.post(f"{url}/confirm/", {"text": "补单理由不成立"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "confirmed"
    assert inspector.post(f"{url}/dismiss/", {"text": "改判"}, format="json").status_code == 409
    steps = list(AlertCaseEvent.objects.order_by("at", "pk").values_list("action", "username", "role", "to_state"))
    assert steps == [("explain", "fleet-tn01", "fleet", "explained"), ("confirm", "inspector", "auditor", "confirmed")]
    # The attachment reaches those who see the alert, and nobody else.
    from django.test import Client

    link = explained["attachments"][0]["url"]
    reader = Client()
    reader.force_login(people["brigade"])
    download = reader.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"\xff\xd8\xff\xe0fake-jpeg"
    stranger = Client()
    stranger.force_login(people["other"])
    assert stranger.get(link).status_code == 404


def test_the_person_who_explained_does_not_decide(evening, people, api_client_for):
    url = f"/api/v1/alerts/{evening['journey'].pk}/case"
    chief = make_user("chief", "fleet", evening["units"]["CZ"])
    client = api_client_for(chief)
    assert client.post(f"{url}/explain/", {"text": "我批准的夜查"}, format="json").status_code == 200
    response = client.post(f"{url}/confirm/", {}, format="json")
    assert response.status_code == 403 and response.json()["detail"] == "说明是您写的：须由另一人作出结论"
    assert api_client_for(people["brigade"]).post(f"{url}/confirm/", {}, format="json").status_code == 200


def test_dismissing_needs_a_reason_and_returning_sets_a_new_deadline(evening, people, api_client_for, clock):
    url = f"/api/v1/alerts/{evening['journey'].pk}/case"
    unit, brigade = api_client_for(people["logistics"]), api_client_for(people["brigade"])
    assert unit.post(f"{url}/explain/", {"text": "加油"}, format="json").status_code == 200
    clock(at(dt.date(2026, 11, 20), "09:00"))  # Friday: three working days on end next Wednesday
    response = brigade.post(f"{url}/return/", {"text": "请附加油小票"}, format="json")
    assert response.status_code == 200
    case = response.json()
    assert case["state"] == "pending" and case["deadline"] == "2026-11-25T23:59:59+08:00"
    assert case["events"][-1]["deadline"] == case["deadline"]
    assert unit.post(f"{url}/explain/", {"text": "加油，小票见附件"}, format="json").status_code == 200
    response = brigade.post(f"{url}/dismiss/", {"text": "  "}, format="json")
    assert response.status_code == 400 and response.json()["detail"] == "请填写排除理由"
    assert AlertCase.objects.get().state == "explained"
    response = brigade.post(f"{url}/dismiss/", {"text": "加油小票属实"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "dismissed"
    assert [e["action"] for e in response.json()["events"]] == ["explain", "return", "explain", "dismiss"]


def test_overdue_cases_are_flagged_and_may_then_be_decided(evening, people, api_client_for, clock):
    journey = evening["journey"]
    brigade = api_client_for(people["brigade"])
    assert brigade.get("/api/v1/alerts/", {"overdue": "true"}).json()["results"] == []
    clock(at(dt.date(2026, 11, 24), "08:00"))  # Monday's end has passed without an explanation
    rows = brigade.get("/api/v1/alerts/", {"overdue": "true"}).json()["results"]
    assert {r["id"] for r in rows} == {journey.pk, evening["stop"].pk} and rows[0]["case_overdue"] is True
    assert brigade.get(f"/api/v1/alerts/{journey.pk}/case/").json()["overdue"] is True
    # Once opened the case keeps its stored deadline and is still overdue.
    assert brigade.post(f"/api/v1/alerts/{journey.pk}/case/confirm/", {"text": "逾期未说明"},
                        format="json").status_code == 200
    assert brigade.get("/api/v1/alerts/", {"overdue": "true"}).json()["results"] == []
    assert brigade.get("/api/v1/alerts/", {"case_state": "confirmed"}).json()["count"] == 2


def _alert(vehicle, kind: str, started: dt.datetime, state: str | None = None, **fields) -> Alert:
    alert = Alert.objects.create(vehicle=vehicle, terminal=vehicle.terminal_id, kind=kind, started_at=started,
                                 ended_at=started + dt.timedelta(minutes=30), status="closed", clause="c", **fields)
    if state:
        AlertCase.objects.create(alert=alert, state=state, deadline=started + dt.timedelta(days=5))
    return alert


def test_counts_and_precision_per_rule_and_month(city, people, api_client_for, clock):
    v1, v2 = city["vehicles"]["V1"], city["vehicles"]["V2"]
    sep, octo = at(dt.date(2026, 9, 10), "20:00"), at(dt.date(2026, 10, 12), "20:00")
    for state in ("confirmed", "confirmed", "confirmed", "dismissed"):
        _alert(v1, "venue_parking", sep, state)
        sep += dt.timedelta(hours=1)
    for state in ("confirmed", "dismissed"):
        _alert(v2, "venue_parking", octo, state)
        octo += dt.timedelta(hours=1)
    _alert(v2, "off_duty_use", octo, "dismissed")
    _alert(v2, "terminal_silent", octo)  # not a case
    client = api_client_for(people["brigade"])
    assert client.get("/api/v1/alerts/precision/").json() == [
        {"kind": "venue_parking", "month": "2026-09", "confirmed": 3, "dismissed": 1, "precision": 0.75},
        {"kind": "off_duty_use", "month": "2026-10", "confirmed": 0, "dismissed": 1, "precision": 0.0},
        {"kind": "venue_parking", "month": "2026-10", "confirmed": 1, "dismissed": 1, "precision": 0.5}]
    counts = client.get("/api/v1/alerts/counts/").json()
    assert counts["by_kind"] == {"off_duty_use": {"dismissed": 1}, "terminal_silent": {"-": 1},
                                 "venue_parking": {"confirmed": 4, "dismissed": 2}}
    assert counts["total"] == 8
    narrowed = client.get("/api/v1/alerts/counts/", {"plate": v2.plate, "date_from": "2026-10-01",
                                                      "date_to": "2026-10-31"}).json()
    assert narrowed["total"] == 4
    assert api_client_for(people["other"]).get("/api/v1/alerts/counts/").json()["total"] == 0


def test_an_alert_whose_case_was_worked_on_is_kept_when_the_rules_withdraw_it(evening):
    """The case's history is append-only (database triggers): a withdrawal keeps the alert, closed and marked."""
    from telematics.tracking.rules import Action, AlertEvent
    from telematics.tracking.services import alerts_apply

    journey = evening["journey"]
    case = services.case_open(alert=journey)
    AlertCaseEvent.objects.create(case=case, action="explain", from_state="pending", to_state="explained",
                                  text="加班", username="tester")
    alerts_apply(events=[AlertEvent(action=Action.WITHDRAW, kind=journey.kind, vehicle_id=journey.vehicle_id,
                                    terminal=journey.terminal, started_at=journey.started_at.timestamp())])
    journey.refresh_from_db()
    assert journey.evidence["withdrawn"] is True and journey.status == "closed"
    assert AlertCaseEvent.objects.filter(case=case).count() == 1
