"""Alerts over the API and `qm alerts`: SPEC's fields, scoping, and the one review of an alert — its case (the
former acknowledge/dismiss actions are gone; a note is a case step that keeps the state). The alert comes from the
real pipeline (in-process, no broker needed here)."""
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from telematics.tracking.models import Alert, AlertCaseEvent, AlertReview
from telematics.tracking.pipeline import Message, Pipeline
from tests.support.fixtures import make_user

from .conftest import DEPOT, RESTAURANT, drive, local, park

pytestmark = pytest.mark.django_db
WEDNESDAY = dt.date(2026, 11, 18)
SPEC_FIELDS = {"id", "kind", "vehicle", "terminal", "started_at", "ended_at", "lat", "lon", "venue",
               "venue_category", "grid_code", "status", "clause"}


@pytest.fixture
def lunch_alert(city):
    t0 = local(WEDNESDAY, "12:00")
    fixes = (drive(t0, DEPOT, RESTAURANT, minutes=4) + park(t0 + 250, RESTAURANT, minutes=15)
             + drive(t0 + 1160, RESTAURANT, DEPOT, minutes=4))
    pipeline = Pipeline()
    for f in fixes:
        pipeline.process([Message("qm/terminals/T0001/position", json.dumps(f).encode())])
    return Alert.objects.get()


def test_alerts_are_listed_with_spec_fields_and_scoped(city, lunch_alert, api_client_for):
    units = city["units"]
    fleet = api_client_for(make_user("fleet-tn", "fleet", units["CZ-TN"]))
    rows = fleet.get("/api/v1/alerts/?kind=venue_parking").json()["results"]
    assert len(rows) == 1 and SPEC_FIELDS <= set(rows[0])
    assert rows[0]["vehicle"] == "苏D·A0001" and rows[0]["venue"] == "老街酒楼" and rows[0]["status"] == "closed"
    assert rows[0]["place"] == "老街酒楼 · 天宁寺社区"
    other = api_client_for(make_user("fleet-wj", "fleet", units["CZ-WJ"]))
    assert other.get("/api/v1/alerts/").json()["results"] == []
    assert other.post(f"/api/v1/alerts/{lunch_alert.pk}/case/note/", {"text": "x"}).status_code == 404

    out = io.StringIO()
    call_command("alerts", "--format", "json", "--since", "2026-11-18", stdout=out)
    listed = json.loads(out.getvalue())
    assert [a["id"] for a in listed] == [lunch_alert.pk] and SPEC_FIELDS <= set(listed[0])
    assert listed[0]["place"] == "老街酒楼 · 天宁寺社区"
    table = io.StringIO()
    call_command("alerts", "--format", "table", stdout=table)
    assert "venue_parking" in table.getvalue() and "苏D·A0001" in table.getvalue()
    assert "老街酒楼 · 天宁寺社区" in table.getvalue()
    later = io.StringIO()
    call_command("alerts", "--format", "json", "--since", "2026-11-19", stdout=later)
    assert json.loads(later.getvalue()) == []
    for impossible in ("2026-13-01", "2026-02-30T08:00"):  # refused with the reason, not a ValueError's traceback
        with pytest.raises(CommandError, match="不是 ISO 格式的日期"):
            call_command("alerts", "--since", impossible, stdout=io.StringIO())


def test_the_review_is_the_case_and_a_note_keeps_its_state(city, lunch_alert, api_client_for):
    units = city["units"]
    fleet_user = make_user("fleet-tn", "fleet", units["CZ-TN"])
    fleet = api_client_for(fleet_user)
    url = f"/api/v1/alerts/{lunch_alert.pk}"
    for gone in ("acknowledge", "dismiss"):  # the former review's actions no longer exist
        assert fleet.post(f"{url}/{gone}/", {"reason": "已约谈驾驶员"}, format="json").status_code == 404

    # A note needs a text; the unit's fleet manager (who explains) may add one; the state stays 待说明.
    response = fleet.post(f"{url}/case/note/", {"text": "  "}, format="json")
    assert response.status_code == 400 and not AlertCaseEvent.objects.exists()
    response = fleet.post(f"{url}/case/note/", {"text": "已约谈驾驶员"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "pending"
    assert [(e["action"], e["from_state"], e["to_state"], e["text"], e["user"]) for e in response.json()["events"]] \
        == [("note", "pending", "pending", "已约谈驾驶员", "fleet-tn")]
    # An auditor of the vehicle's own unit neither explains nor decides: no note either.
    own_auditor = api_client_for(make_user("auditor-own", "auditor", lunch_alert.vehicle.unit))
    assert own_auditor.post(f"{url}/case/note/", {"text": "看过"}, format="json").status_code == 403

    # The unit explains; an auditor above notes, then dismisses; a decided case takes no more notes.
    assert fleet.post(f"{url}/case/explain/", {"text": "执法检查，行程单补录"}, format="json").status_code == 200
    auditor = api_client_for(make_user("auditor", "auditor", units["CZ"]))
    response = auditor.post(f"{url}/case/note/", {"text": "核对行程单"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "explained"
    response = auditor.post(f"{url}/case/dismiss/", {"text": "行程单属实"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "dismissed"
    assert [e["action"] for e in response.json()["events"]] == ["note", "explain", "note", "dismiss"]
    assert fleet.post(f"{url}/case/note/", {"text": "again"}, format="json").status_code == 409

    # The episode's status is only the episode; the case carries the review; nothing written to the old table.
    row = fleet.get(f"{url}/").json()
    assert (row["status"], row["case_state"]) == ("closed", "dismissed")
    assert Alert.objects.get().status == "closed" and not AlertReview.objects.exists()
