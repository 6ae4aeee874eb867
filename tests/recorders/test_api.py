"""The recorders API under scope: logistics of brigade CZ-TN signs kit out and in for officers of CZ-TN only; the
shift list, checks and inspections show the brigade's rows only; auditors enter inspections, logistics checks;
every refused call changes nothing."""
import datetime as dt

import pytest
from django.utils import timezone

from assets import services as registry
from assets.models import Asset, ChangeRecord, CustodyEvent
from recorders import services
from recorders.models import FootageInspection, RecorderCheck
from tests.support.fixtures import make_user

from .conftest import local, recorder

pytestmark = pytest.mark.django_db


def _state():
    return (list(Asset.objects.order_by("pk").values()), CustodyEvent.objects.count(), ChangeRecord.objects.count(),
            RecorderCheck.objects.count(), FootageInspection.objects.count())


@pytest.fixture
def world(bureau):
    units = bureau["units"]
    registry.person_create(staff_no="W001", name="王五", unit=units["CZ-WJ-01"], role="officer", frontline=True)
    for unit, tag in (("CZ-TN-01", "REC-1"), ("CZ-TN-01", "REC-2"), ("CZ-WJ-01", "REC-W")):
        recorder(units[unit], tag)
    return bureau


@pytest.fixture
def logistics(world, api_client_for):
    return api_client_for(make_user("logi", "logistics", unit=world["units"]["CZ-TN"]))


@pytest.fixture
def auditor(world, api_client_for):
    return api_client_for(make_user("audit", "auditor", unit=world["units"]["CZ-TN"]))


def test_sign_out_and_in_at_the_counter(logistics):
    r = logistics.post("/api/v1/shifts/sign-out/", {"person": "320401001", "tag": "REC-1"}, format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["tag"], r.json()["action"], r.json()["person"], r.json()["person_name"]) == (
        "REC-1", "shift_out", "P001", "张三")
    out = logistics.get("/api/v1/shifts/").json()
    assert [(s["tag"], s["person"], s["overdue"]) for s in out] == [("REC-1", "P001", False)]
    r = logistics.post("/api/v1/shifts/sign-in/", {"tag": "REC-1"}, format="json")
    assert r.status_code == 201 and r.json()["action"] == "shift_in"
    assert logistics.get("/api/v1/shifts/").json() == []
    again = logistics.post("/api/v1/shifts/sign-in/", {"tag": "REC-1"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_signed_out"


@pytest.mark.parametrize("body", [{"person": "W001", "tag": "REC-1"}, {"person": "P001", "tag": "REC-W"}])
def test_another_brigades_officer_or_recorder_is_unknown_and_nothing_changes(logistics, body):
    before = _state()
    r = logistics.post("/api/v1/shifts/sign-out/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] in ("unknown_person", "unknown_tag")
    assert "王五" not in r.content.decode()
    assert _state() == before


def test_the_shift_list_is_cut_to_the_scope(world, logistics, api_client_for):
    services.shift_sign_out(card="W001", tag="REC-W", at=local(0, 0, 1))
    services.shift_sign_out(card="P001", tag="REC-2", at=local(0, 0, 2))
    assert [s["tag"] for s in logistics.get("/api/v1/shifts/").json()] == ["REC-2"]
    assert logistics.get("/api/v1/shifts/", {"unit": "CZ-WJ"}).status_code == 403
    whole = api_client_for(make_user("logi-cz", "logistics", unit=world["units"]["CZ"]))
    assert [s["tag"] for s in whole.get("/api/v1/shifts/").json()] == ["REC-W", "REC-2"]


def test_the_shift_list_names_the_category_in_the_readers_language(world, logistics):
    """The counter's "out now" table showed 执法记录仪 on the English page: the category is named when read."""
    services.shift_sign_out(card="P001", tag="REC-1", at=local(0, 0, 1))
    assert [s["category_name"] for s in logistics.get("/api/v1/shifts/").json()] == ["执法记录仪"]
    logistics.cookies["django_language"] = "en"
    assert [s["category_name"] for s in logistics.get("/api/v1/shifts/").json()] == ["Body-worn recorder"]


def test_auditors_and_fleet_may_not_sign_out(world, auditor, api_client_for):
    fleet = api_client_for(make_user("fleet", "fleet", unit=world["units"]["CZ-TN"]))
    before = _state()
    for client in (auditor, fleet):
        assert client.post("/api/v1/shifts/sign-out/", {"person": "P001", "tag": "REC-1"},
                           format="json").status_code == 403
    assert _state() == before
    assert auditor.get("/api/v1/shifts/").status_code == 200


def test_a_fault_found_through_the_api_sends_the_recorder_to_repair(logistics, auditor):
    today = timezone.localdate().isoformat()
    r = logistics.post("/api/v1/recorder-checks/", {"asset": "REC-1", "checked_on": today, "kind": "pre_use",
                                                    "result": "fault", "performed_by": "P001", "note": "无法开机"},
                       format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["sent_to_repair"], r.json()["performed_by"]) == (True, "P001")
    assert Asset.objects.get(tag="REC-1").status == "in_repair"
    before = _state()
    outside = logistics.post("/api/v1/recorder-checks/", {"asset": "REC-W", "checked_on": today, "kind": "pre_use",
                                                          "result": "ok"}, format="json")
    assert outside.status_code == 403
    assert auditor.post("/api/v1/recorder-checks/", {"asset": "REC-2", "checked_on": today, "kind": "pre_use",
                                                     "result": "ok"}, format="json").status_code == 403
    assert _state() == before
    assert [c["asset"] for c in auditor.get("/api/v1/recorder-checks/").json()["results"]] == ["REC-1"]
    due = logistics.get("/api/v1/recorder-checks/maintenance-due/", {"unit": "CZ-TN"}).json()
    assert [d["tag"] for d in due["due"]] == ["REC-2"]  # REC-1 is in repair; REC-W is another brigade's
    assert logistics.get("/api/v1/recorder-checks/maintenance-due/", {"unit": "CZ-WJ"}).status_code == 403


def test_auditors_keep_the_inspection_register_of_their_brigades(world, auditor, logistics):
    day = (timezone.localdate() - dt.timedelta(days=100)).isoformat()
    r = auditor.post("/api/v1/footage-inspections/", {"inspected_on": day, "inspector": "赵六、钱七", "unit": "CZ-TN",
                                                      "recorders": ["REC-1"], "items_checked": 8,
                                                      "findings": "1段未存储"}, format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["unit"], r.json()["recorders"]) == ("CZ-TN", ["REC-1"])
    before = _state()
    assert auditor.post("/api/v1/footage-inspections/", {"inspected_on": day, "inspector": "赵六", "unit": "CZ-WJ"},
                        format="json").status_code == 403
    assert logistics.post("/api/v1/footage-inspections/", {"inspected_on": day, "inspector": "赵六", "unit": "CZ-TN"},
                          format="json").status_code == 403
    assert _state() == before
    due = logistics.get("/api/v1/footage-inspections/due/", {"unit": "CZ-TN", "days": 90}).json()
    assert [(b["unit"], b["state"], b["days_since"]) for b in due["brigades"]] == [("CZ-TN", "overdue", 100)]
    assert auditor.get("/api/v1/footage-inspections/due/", {"unit": "CZ"}).status_code == 403
