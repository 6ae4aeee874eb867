"""Vehicle-file API: roles, unit scope, actions through the services, the dossier PDF."""
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from telematics.choices import TripStatus
from telematics.models import DutySchedule, TerminalBinding, Vehicle
from tests.support.fixtures import make_user

from ..factories import make_vehicle


@pytest.fixture
def units(bureau):
    return bureau["units"]


@pytest.fixture
def fleet_tn(units, api_client_for):
    return api_client_for(make_user("fleet-tn", "fleet", unit=units["CZ-TN"]))


@pytest.fixture
def vehicles(units):
    return {"tn": make_vehicle(units["CZ-TN-01"], "苏D·A0001", terminal_id="T0001"),
            "wj": make_vehicle(units["CZ-WJ-01"], "苏D·A0002", terminal_id="T0002")}


def test_reads_are_scoped_to_the_users_subtree(vehicles, fleet_tn):
    response = fleet_tn.get("/api/v1/vehicles/")
    assert response.status_code == 200
    assert [v["plate"] for v in response.json()["results"]] == ["苏D·A0001"]
    assert fleet_tn.get(f"/api/v1/vehicles/{vehicles['wj'].pk}/").status_code == 404


def test_auditor_reads_but_cannot_write(vehicles, units, api_client_for):
    auditor = api_client_for(make_user("auditor", "auditor"))
    assert len(auditor.get("/api/v1/vehicles/").json()["results"]) == 2
    response = auditor.post("/api/v1/vehicles/", {"plate": "苏D·A0003", "unit": "CZ-TN-01", "seats": 5})
    assert response.status_code == 403
    assert auditor.post(f"/api/v1/vehicles/{vehicles['tn'].pk}/unbind_terminal/").status_code == 403
    assert not Vehicle.objects.filter(plate="苏D·A0003").exists()


def test_anonymous_is_refused(vehicles, client):
    assert client.get("/api/v1/vehicles/").status_code in (401, 403)


def test_fleet_creates_in_scope_only(fleet_tn, units):
    created = fleet_tn.post("/api/v1/vehicles/", {"plate": "苏D·A0003", "unit": "CZ-TN-02", "seats": 7,
                                                   "vin": "lsvab2bm5kn000003", "acquired": "2025-01-01"})
    assert created.status_code == 201, created.content
    assert created.json()["vin"] == "LSVAB2BM5KN000003"
    assert "insurance_missing" in created.json()["dossier_gaps"]
    outside = fleet_tn.post("/api/v1/vehicles/", {"plate": "苏D·A0004", "unit": "CZ-WJ-01", "seats": 7})
    assert outside.status_code == 403
    assert not Vehicle.objects.filter(plate="苏D·A0004").exists()


def test_status_and_unit_change_only_through_actions(vehicles, fleet_tn):
    url = f"/api/v1/vehicles/{vehicles['tn'].pk}/"
    response = fleet_tn.patch(url, {"status": "retired"}, format="json")
    assert response.status_code == 400 and "change_status" in response.json()["detail"]
    response = fleet_tn.post(url + "change_status/", {"status": "in_repair", "note": "送修"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_repair"
    response = fleet_tn.post(url + "transfer/", {"unit": "CZ-WJ-01"}, format="json")
    assert response.status_code == 403
    assert fleet_tn.patch(url, {"seats": 9}, format="json").json()["seats"] == 9


def test_terminal_binding_conflict_over_the_api(vehicles, api_client_for):
    admin = api_client_for(make_user("admin", None, superuser=True))
    before = TerminalBinding.objects.count()
    response = admin.post(f"/api/v1/vehicles/{vehicles['tn'].pk}/bind_terminal/", {"terminal_id": "T0002"},
                          format="json")
    assert response.status_code == 409
    assert "苏D·A0002" in response.json()["detail"]
    assert TerminalBinding.objects.count() == before
    assert Vehicle.objects.get(pk=vehicles["tn"].pk).terminal_id == "T0001"
    response = admin.post(f"/api/v1/vehicles/{vehicles['tn'].pk}/bind_terminal/", {"terminal_id": "T0100"},
                          format="json")
    assert response.status_code == 200 and response.json()["terminal_id"] == "T0100"


def test_records_and_expiring_list(vehicles, fleet_tn):
    v = vehicles["tn"]
    response = fleet_tn.post("/api/v1/insurance-policies/", {"vehicle": v.pk, "starts": "2026-01-01",
                                                             "expires": "2026-12-01", "insurer": "中国人保"})
    assert response.status_code == 201, response.content
    response = fleet_tn.post("/api/v1/maintenance-records/", {"vehicle": v.pk, "date": "2026-05-01",
                                                              "work_done": "保养", "cost": "100.00"})
    assert response.status_code == 201
    outside = fleet_tn.post("/api/v1/inspections/", {"vehicle": vehicles["wj"].pk, "inspected_on": "2026-01-01",
                                                     "expires": "2027-01-01"})
    assert outside.status_code == 403
    expiring = fleet_tn.get("/api/v1/vehicles/expiring/?days=3650").json()
    assert {(e["plate"], e["what"]) for e in expiring} == {("苏D·A0001", "insurance"), ("苏D·A0001", "inspection")}


def test_trip_request_approve_refuse(vehicles, units, fleet_tn, api_client_for):
    payload = {"vehicle": vehicles["tn"].pk, "start": "2026-11-22T18:00:00+08:00", "end": "2026-11-22T22:00:00+08:00",
               "purpose": "夜查", "dest_lat": 31.78, "dest_lon": 119.95}
    trip = fleet_tn.post("/api/v1/trips/", payload, format="json")
    assert trip.status_code == 201 and trip.json()["status"] == TripStatus.REQUESTED
    auditor = api_client_for(make_user("auditor", "auditor"))
    assert auditor.post(f"/api/v1/trips/{trip.json()['id']}/approve/").status_code == 403
    approved = fleet_tn.post(f"/api/v1/trips/{trip.json()['id']}/approve/", {"note": "同意"}, format="json")
    assert approved.json()["status"] == "approved" and approved.json()["approved_by"] == "fleet-tn"
    again = fleet_tn.post(f"/api/v1/trips/{trip.json()['id']}/refuse/")
    assert again.status_code == 409


def test_duty_schedules_and_holidays(units, fleet_tn, api_client_for):
    response = fleet_tn.post("/api/v1/duty-schedules/", {"unit": "CZ-TN", "weekdays": "1-5", "start": "22:00",
                                                         "end": "06:00"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["weekdays"] == "1,2,3,4,5"
    bad = fleet_tn.post("/api/v1/duty-schedules/", {"unit": "CZ-TN", "weekdays": "9", "start": "08:00",
                                                    "end": "12:00"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "weekdays"
    assert DutySchedule.objects.count() == 1
    holiday = fleet_tn.post("/api/v1/holidays/", {"date": "2026-10-10", "kind": "holiday"}, format="json")
    assert holiday.status_code == 201
    auditor = api_client_for(make_user("auditor", "auditor"))
    assert auditor.post("/api/v1/holidays/", {"date": "2026-10-11", "kind": "workday"}).status_code == 403


def test_dossier_pdf_download(vehicles, fleet_tn):
    response = fleet_tn.get(f"/api/v1/vehicles/{vehicles['tn'].pk}/dossier.pdf?start=2026-11-01&end=2026-11-30")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "苏D·A0001" in text and "一车一档" in text
    assert fleet_tn.get(f"/api/v1/vehicles/{vehicles['wj'].pk}/dossier.pdf").status_code == 404
    bad = fleet_tn.get(f"/api/v1/vehicles/{vehicles['tn'].pk}/dossier.pdf?start=yesterday")
    assert bad.status_code == 400 and bad.json()["field"] == "start"


def test_files_are_not_deleted(vehicles, api_client_for):
    admin = api_client_for(make_user("admin", None, superuser=True))
    assert admin.delete(f"/api/v1/vehicles/{vehicles['tn'].pk}/").status_code == 405
    assert dt.date.today() and Vehicle.objects.filter(pk=vehicles["tn"].pk).exists()
