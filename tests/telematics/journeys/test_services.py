"""Late orders (补单): filed for a trip without an order, approved only by a second person, after which the trip is
matched and marked as regularised; refused for trips that had an order, unknown trips and twice."""
from __future__ import annotations

import json

from django.urls import reverse

from tests.support.fixtures import make_user

from .test_selectors import CLASSES, trips

EVENING = "2026-11-10T19:00:00+08:00"  # the evening drive: no_order


def test_a_late_order_needs_a_second_person_and_then_matches_the_trip(day, bureau, api_client_for, client):
    v1 = day["vehicle"]
    clerk, chief = make_user("fleet01", "fleet", bureau["units"]["CZ-TN"]), make_user("fleet02", "fleet",
                                                                                      bureau["units"]["CZ"])
    url = f"/api/v1/vehicles/{v1.pk}/journeys/late-order/"
    filed = api_client_for(clerk).post(url, {"start": EVENING, "purpose": "夜间突发事件处置",
                                             "reason": "接群众举报紧急出车，事后补办"}, format="json")
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert body["status"] == "requested" and body["requested_by"] == "fleet01"
    assert body["end"] == "2026-11-10T19:02:30+08:00"  # the trip's own end
    assert [r["class"] for r in json.loads(trips("苏D·A0001"))] == CLASSES  # not yet approved: nothing changes

    refused = api_client_for(clerk).post(f"/api/v1/trips/{body['trip']}/approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "same_person"
    assert refused.json()["detail"] == "这张补单由 fleet01 提交，须由另一人审批"
    assert api_client_for(chief).post(f"/api/v1/trips/{body['trip']}/approve/", {}, format="json").status_code == 200

    rows = json.loads(trips("苏D·A0001"))
    assert [r["class"] for r in rows] == CLASSES[:10] + ["matched", "no_order"]
    assert rows[10]["order"] == body["trip"] and rows[10]["late_order"] and not rows[9]["late_order"]
    client.force_login(chief)
    page = client.get(reverse("telematics:vehicle-dossier", args=[v1.pk]), {"start": "2026-11-10", "end": "2026-11-10"})
    assert page.content.decode().count('class="late-order"') == 1


def test_a_late_order_is_refused_for_trips_with_an_order_unknown_trips_and_twice(day, bureau, api_client_for):
    v1 = day["vehicle"]
    api = api_client_for(make_user("fleet01", "fleet", bureau["units"]["CZ-TN"]))
    url = f"/api/v1/vehicles/{v1.pk}/journeys/late-order/"
    form = {"purpose": "补办", "reason": "事后补办"}
    duty = api.post(url, {**form, "start": "2026-11-10T09:00:00+08:00"}, format="json")
    assert duty.status_code == 409 and duty.json()["code"] == "not_no_order"
    assert api.post(url, {**form, "start": "2026-11-10T19:01:00+08:00"}, format="json").status_code == 404
    assert api.post(url, {**form, "start": EVENING, "reason": " "}, format="json").status_code == 400
    assert api.post(url, {**form, "start": EVENING}, format="json").status_code == 201
    again = api.post(url, {**form, "start": EVENING}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "pending"
    auditor = api_client_for(make_user("audit01", "auditor", bureau["units"]["CZ"]))
    assert auditor.post(url, {**form, "start": "2026-11-10T19:33:00+08:00"}, format="json").status_code == 403
