"""Alerts over the API and `qm alerts`: SPEC's fields, scoping, and a fleet manager's acknowledge/dismiss with a
recorded reason. The alert comes from the real pipeline (in-process, no broker needed here)."""
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from telematics.tracking.models import Alert, AlertReview
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
    assert other.post(f"/api/v1/alerts/{lunch_alert.pk}/acknowledge/", {"reason": "x"}).status_code == 404

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


def test_a_fleet_manager_acknowledges_or_dismisses_with_a_reason(city, lunch_alert, api_client_for):
    units = city["units"]
    auditor = api_client_for(make_user("auditor", "auditor", units["CZ"]))
    assert auditor.post(f"/api/v1/alerts/{lunch_alert.pk}/acknowledge/", {"reason": "看过"}).status_code == 403
    fleet_user = make_user("fleet-tn", "fleet", units["CZ-TN"])
    fleet = api_client_for(fleet_user)
    url = f"/api/v1/alerts/{lunch_alert.pk}"

    response = fleet.post(f"{url}/dismiss/", {"reason": "  "}, format="json")
    assert response.status_code == 400 and "reason" in json.dumps(response.json())
    assert Alert.objects.get().status == "closed"

    response = fleet.post(f"{url}/acknowledge/", {"reason": "已约谈驾驶员"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    response = fleet.post(f"{url}/dismiss/", {"reason": "执法检查，行程单补录"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    assert response.json()["review_reason"] == "执法检查，行程单补录"
    assert fleet.post(f"{url}/dismiss/", {"reason": "again"}, format="json").status_code == 409

    reviews = list(AlertReview.objects.order_by("id").values_list("action", "reason", "username"))
    assert reviews == [("acknowledge", "已约谈驾驶员", "fleet-tn"), ("dismiss", "执法检查，行程单补录", "fleet-tn")]
    alert = Alert.objects.get()
    assert alert.reviewed_by == fleet_user and alert.reviewed_at is not None
