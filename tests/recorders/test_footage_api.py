"""The footage API under scope: logistics and auditors of brigade CZ-TN see CZ-TN's footage only, fleet managers
none; a request is filed, refused to its own requester, approved by an auditor and shows in the log; a deletion
before the retention ends is refused in the user's language; the auditors' log report exports XLSX and PDF."""
import io

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from assets.choices import UserRole
from recorders.models import FootageAccessLog, FootageRecord, FootageRequest
from telematics.tracking.models import DockOffload
from telematics.tracking.signals import dock_reports_stored
from tests.support.api_cases import APIViewTestCase
from tests.support.fixtures import make_user

from .conftest import local, recorder

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(bureau, api_client_for):
    units = bureau["units"]
    reports = []
    for unit, tag, back in (("CZ-TN-01", "REC-1", 2), ("CZ-TN-01", "REC-2", 200), ("CZ-WJ-01", "REC-W", 2)):
        recorder(units[unit], tag, days_back=300)
        at = local(back, 18)
        reports.append(DockOffload.objects.create(dock_id="D1", recorder_tag=tag, recorded_on=timezone.localdate(at),
                                                  ts=at, files=3, bytes=1024))
    dock_reports_stored.send(sender=DockOffload, reports=reports)
    clients = {name: api_client_for(make_user(name, role, unit=units[scope])) for name, role, scope in (
        ("logi", "logistics", "CZ-TN"), ("auditor", "auditor", "CZ-TN"), ("fleet", "fleet", "CZ-TN"),
        ("admin", "administrator", "CZ"))}
    return {"records": {r.asset.tag: r for r in FootageRecord.objects.select_related("asset")}, **clients}


def _state():
    return FootageRecord.objects.order_by("pk").values_list("status", "recording_type", "evidence"), \
        FootageRequest.objects.count(), FootageAccessLog.objects.count()


def test_footage_is_cut_to_the_scope_and_closed_to_fleet_managers(world):
    listed = world["logi"].get("/api/v1/footage/").json()["results"]
    assert sorted(r["recorder"] for r in listed) == ["REC-1", "REC-2"]
    one = next(r for r in listed if r["recorder"] == "REC-1")
    assert (one["unit"], one["dock"], one["files"], one["recording_type"], one["retention_days"]) == (
        "CZ-TN-01", "D1", 3, "daily_duty", 180)
    outside = world["records"]["REC-W"].pk
    assert world["logi"].get(f"/api/v1/footage/{outside}/").status_code == 404
    assert world["fleet"].get("/api/v1/footage/").status_code == 403
    before = list(_state()[0]), *_state()[1:]
    r = world["logi"].post("/api/v1/footage-requests/", {"record": outside, "kind": "view", "reason": "x"},
                           format="json")
    assert r.status_code == 403 and "不在您的管辖范围内" in r.json()["detail"]
    assert world["fleet"].post(f"/api/v1/footage/{world['records']['REC-1'].pk}/evidence/",
                               {"case_number": "C-1"}, format="json").status_code == 403
    assert (list(_state()[0]), *_state()[1:]) == before
    due = world["logi"].get("/api/v1/footage/due-for-deletion/").json()["results"]
    assert [r["recorder"] for r in due] == ["REC-2"]  # 200 days old, past the 180 days of daily duty


def test_request_approve_and_log_through_the_api(world):
    record = world["records"]["REC-1"].pk
    r = world["logi"].post("/api/v1/footage-requests/", {"record": record, "kind": "view", "reason": "投诉核查"},
                           format="json")
    assert r.status_code == 201, r.content
    request = r.json()["id"]
    assert (r.json()["status"], r.json()["requested_by"]) == ("pending", "logi")
    own = world["logi"].post(f"/api/v1/footage-requests/{request}/approve/", {}, format="json")
    assert own.status_code == 403  # logistics may not approve at all
    ok = world["auditor"].post(f"/api/v1/footage-requests/{request}/approve/", {"note": "同意"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "approved" and ok.json()["decided_by"] == "auditor"
    used = world["logi"].post(f"/api/v1/footage-requests/{request}/use/", {"note": "现场回看"}, format="json")
    assert used.status_code == 200 and used.json()["status"] == "done"
    log = world["auditor"].get("/api/v1/footage-log/", {"record": record}).json()["results"]
    assert [(e["action"], e["username"]) for e in log] == [("stored", ""), ("requested", "logi"),
                                                            ("approved", "auditor"), ("viewed", "logi")]
    assert world["fleet"].get("/api/v1/footage-log/").status_code == 403


def test_an_auditors_own_request_is_refused_to_them(world):
    record = world["records"]["REC-1"].pk
    r = world["auditor"].post("/api/v1/footage-requests/", {"record": record, "kind": "copy", "reason": "督察抽查"},
                              format="json")
    own = world["auditor"].post(f"/api/v1/footage-requests/{r.json()['id']}/approve/", {}, format="json")
    assert own.status_code == 403 and own.json()["code"] == "out_of_scope"
    assert FootageRequest.objects.get().status == "pending"


def test_deletion_before_expiry_is_refused_in_the_users_language(world):
    record = world["records"]["REC-1"]
    body = {"record": record.pk, "kind": "delete", "reason": "空间不足"}
    chinese = world["logi"].post("/api/v1/footage-requests/", body, format="json")
    world["logi"].cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = world["logi"].post("/api/v1/footage-requests/", body, format="json")
    assert chinese.status_code == english.status_code == 409
    assert chinese.json()["code"] == english.json()["code"] == "retention_not_expired"
    assert "期满前不得删除" in chinese.json()["detail"]
    assert english.json()["detail"].endswith("it cannot be deleted before then")
    assert FootageRequest.objects.count() == 0


def test_an_expired_record_is_deleted_on_an_administrators_approval(world):
    record = world["records"]["REC-2"]
    r = world["logi"].post("/api/v1/footage-requests/", {"record": record.pk, "kind": "delete", "reason": "期满"},
                           format="json")
    assert r.status_code == 201, r.content
    assert world["auditor"].post(f"/api/v1/footage-requests/{r.json()['id']}/approve/", {},
                                 format="json").status_code == 403
    ok = world["admin"].post(f"/api/v1/footage-requests/{r.json()['id']}/approve/", {}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "done"
    assert world["logi"].get(f"/api/v1/footage/{record.pk}/").json()["status"] == "deleted"
    assert world["logi"].get("/api/v1/footage/due-for-deletion/").json()["results"] == []


def test_the_access_log_report_for_auditors(world, client):
    from openpyxl import load_workbook

    record = world["records"]["REC-1"].pk
    world["logi"].post("/api/v1/footage-requests/", {"record": record, "kind": "copy", "reason": "=HYPERLINK(1)"},
                       format="json")
    client.force_login(make_user("auditor2", "auditor", unit=FootageRecord.objects.get(pk=record).unit.parent))
    since = (timezone.localdate() - timezone.timedelta(days=300)).isoformat()
    xlsx = client.get("/recorders/footage/log/", {"since": since, "format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "'=HYPERLINK(1)" in values and "REC-1" in values and "REC-W" not in values
    assert sheet.title == "使用登记" and sheet["A1"].value == "执法音像资料使用登记"
    assert [sheet.column_dimensions[c].width for c in "ABCDEFGHI"] == [17, 12, 12, 14, 12, 18, 10, 30, 30]
    pdf = client.get("/recorders/footage/log/", {"since": since, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = client.get("/recorders/footage/log/", {"since": since})
    assert page.status_code == 200 and "=HYPERLINK(1)" in page.content.decode()


# --- the shared endpoint matrix (tests/support/api_cases.py) ------------------------------------------------------

_made = iter(range(1, 100000))


def _record(world, *, inside: bool) -> FootageRecord:
    tag = f"REC-M{next(_made)}"
    recorder(world.unit(inside=inside), tag, days_back=30)
    at = local(1, 18)
    report = DockOffload.objects.create(dock_id="D1", recorder_tag=tag, recorded_on=timezone.localdate(at), ts=at)
    dock_reports_stored.send(sender=DockOffload, reports=[report])
    return FootageRecord.objects.get(offload=report)


class TestFootageRecordAPI(APIViewTestCase):
    basename = "footage"
    model = FootageRecord
    read_roles = (UserRole.ADMINISTRATOR, UserRole.LOGISTICS, UserRole.AUDITOR)
    write_roles = (UserRole.LOGISTICS, UserRole.AUDITOR)
    actions = ("list", "retrieve")
    list_queries = 2

    def make_object(self, world, *, inside):
        return _record(world, inside=inside)

    def create_data(self, world, *, inside):
        return {"recording_type": "complaint"}

    def update_data(self, world, obj):
        return {"recording_type": "complaint"}


class TestFootageRequestAPI(APIViewTestCase):
    basename = "footagerequest"
    model = FootageRequest
    read_roles = (UserRole.ADMINISTRATOR, UserRole.LOGISTICS, UserRole.AUDITOR)
    write_roles = (UserRole.LOGISTICS, UserRole.AUDITOR)
    actions = ("list", "retrieve", "create")
    list_queries = 2

    def make_object(self, world, *, inside):
        from recorders import footage

        return footage.footage_request(record=_record(world, inside=inside), kind="view", reason="核查",
                                       user=world.users[UserRole.LOGISTICS])

    def create_data(self, world, *, inside):
        return {"record": _record(world, inside=inside).pk, "kind": "copy", "reason": "投诉核查"}

    def update_data(self, world, obj):
        return {"reason": "changed"}

    def check_created(self, obj, data):
        assert (obj.record_id, obj.kind, obj.reason, obj.status) == (data["record"], "copy", "投诉核查", "pending")


class TestFootageAccessLogAPI(APIViewTestCase):
    basename = "footagelog"
    model = FootageAccessLog
    read_roles = (UserRole.ADMINISTRATOR, UserRole.LOGISTICS, UserRole.AUDITOR)
    actions = ("list", "retrieve")
    list_queries = 2

    def make_object(self, world, *, inside):
        return FootageAccessLog.objects.get(record=_record(world, inside=inside))

    def create_data(self, world, *, inside):
        return {"record": _record(world, inside=inside).pk, "action": "viewed"}

    def update_data(self, world, obj):
        return {"note": "changed"}
