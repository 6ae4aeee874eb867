"""Footage rules on PostgreSQL: a record per dock report with the officer who held the recorder, retention classes
from the settings, evidence kept permanently, requests decided by a second person of the right role, deletion only
after retention, and the access log append-only in the ORM and in the database."""
import datetime as dt
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from assets import services as registry
from quartermaster.errors import DomainError
from recorders import footage, services
from recorders.models import FootageAccessLog, FootageRecord
from telematics.tracking.models import DockOffload
from telematics.tracking.signals import dock_reports_stored
from tests.support.fixtures import make_user

from .conftest import local, recorder

pytestmark = pytest.mark.django_db


def _docked(tag: str, days_back: int, hour: int = 18, dock: str = "D1") -> FootageRecord:
    """A dock report of `tag`'s footage of the day `days_back` ago, as the ingest stores and announces it."""
    at = local(days_back, hour)
    report = DockOffload.objects.create(dock_id=dock, recorder_tag=tag, recorded_on=timezone.localdate(at), ts=at,
                                        files=12, bytes=8123456789)
    dock_reports_stored.send(sender=DockOffload, reports=[report])
    return FootageRecord.objects.get(offload=report)


@pytest.fixture
def people(bureau):
    units = bureau["units"]
    return {"logi": make_user("logi", "logistics", units["CZ-TN"]),
            "logi2": make_user("logi2", "logistics", units["CZ-TN"]),
            "auditor": make_user("auditor", "auditor", units["CZ-TN"]),
            "admin": make_user("admin", "administrator", units["CZ"])}


def _log(record) -> list[tuple[str, str]]:
    return list(FootageAccessLog.objects.filter(record=record).order_by("at", "id").values_list("action", "username"))


def test_a_dock_report_records_the_footage_with_the_officer_of_the_shift(bureau):
    units = bureau["units"]
    recorder(units["CZ-TN-01"], "REC-1")
    recorder(units["CZ-TN-01"], "REC-2")
    services.shift_sign_out(card="P001", tag="REC-1", at=local(2, 8))
    record = _docked("REC-1", 2)  # the dock also signs REC-1 back in (recorders.services.dock_returns)
    idle = _docked("REC-2", 2)
    unknown = DockOffload.objects.create(dock_id="D1", recorder_tag="NOPE", recorded_on=timezone.localdate(),
                                         ts=local(0, 8))
    dock_reports_stored.send(sender=DockOffload, reports=[unknown, record.offload])  # again: not recorded twice
    assert (record.asset.tag, record.unit.code, record.person.staff_no, record.recorded_on, record.recording_type) == (
        "REC-1", "CZ-TN-01", "P001", timezone.localdate() - dt.timedelta(days=2), "daily_duty")
    assert idle.person is None
    assert FootageRecord.objects.count() == 2
    assert _log(record) == [("stored", "")]
    assert footage.retain_until(record) == record.recorded_on + dt.timedelta(days=180)


def test_retention_classes_come_from_the_settings_per_type(bureau, settings):
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    record = _docked("REC-1", 10)
    settings.QM_FOOTAGE_RETENTION_DAYS = 90
    settings.QM_FOOTAGE_RETENTION_BY_TYPE = "complaint=730,special_operation=0"
    assert footage.retention_days(record) == 90
    footage.footage_classify(record=record, recording_type="complaint")
    record.refresh_from_db()
    assert footage.retention_days(record) == 730
    footage.footage_classify(record=record, recording_type="special_operation")
    record.refresh_from_db()
    assert footage.retain_until(record) is None  # 0: permanent
    with pytest.raises(ValueError, match="unknown_type"):
        footage.parse_retention("unknown_type=3")
    settings.QM_FOOTAGE_RETENTION_BY_TYPE = "case_handling=-1"
    from recorders.checks import check_footage_retention

    assert [e.id for e in check_footage_retention()] == ["qm.E402"]


def test_evidence_is_kept_permanently_and_never_deleted(bureau, people, settings):
    settings.QM_FOOTAGE_RETENTION_DAYS = 30
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    record = _docked("REC-1", 40)
    assert list(footage.due_for_deletion(FootageRecord.objects.all())) == [record]
    with pytest.raises(DomainError) as empty:
        footage.footage_mark_evidence(record=record, case_number=" ")
    assert empty.value.code == "case_number_required"
    footage.footage_mark_evidence(record=record, case_number="常城管罚〔2026〕17号")
    record.refresh_from_db()
    assert (record.evidence, record.recording_type, footage.retain_until(record)) == (True, "case_handling", None)
    assert list(footage.due_for_deletion(FootageRecord.objects.all())) == []
    with pytest.raises(DomainError) as refused:
        footage.footage_request(record=record, kind="delete", reason="期满", user=people["logi"])
    assert refused.value.code == "footage_evidence" and refused.value.status_code == 409
    with translation.override("zh-hans"):
        assert refused.value.message == f"REC-1 {record.recorded_on} 是案件 常城管罚〔2026〕17号 的证据，永久保存，不得删除"
    with translation.override("en"):
        assert refused.value.message.startswith(f"REC-1 {record.recorded_on} is evidence in case 常城管罚〔2026〕17号")
    with pytest.raises(DomainError) as again:
        footage.footage_mark_evidence(record=record, case_number="X-2")
    assert again.value.code == "already_evidence"


def test_deletion_before_the_retention_period_ends_is_refused(bureau, people):
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    record = _docked("REC-1", 3)
    with pytest.raises(DomainError) as refused:
        footage.footage_request(record=record, kind="delete", reason="存储空间不足", user=people["logi"])
    until = record.recorded_on + dt.timedelta(days=180)
    assert refused.value.code == "retention_not_expired"
    with translation.override("en"):
        assert refused.value.message == f"REC-1 {record.recorded_on} must be kept until {until}; it cannot be " \
                                        f"deleted before then"
    assert record.requests.count() == 0 and _log(record) == [("stored", "")]


def test_the_requester_never_approves_and_deletion_is_an_administrators(bureau, people, settings):
    settings.QM_FOOTAGE_RETENTION_DAYS = 30
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    record = _docked("REC-1", 31)
    request = footage.footage_request(record=record, kind="delete", reason="保存期满", user=people["admin"])
    with pytest.raises(DomainError) as own:
        footage.footage_approve(request=request, user=people["admin"])
    assert own.value.code == "out_of_scope" and own.value.status_code == 403
    with pytest.raises(DomainError) as role:
        footage.footage_approve(request=request, user=people["auditor"])
    assert role.value.code == "out_of_scope"
    request.refresh_from_db()
    record.refresh_from_db()
    assert (request.status, record.status) == ("pending", "kept")
    other_admin = make_user("admin2", "administrator", bureau["units"]["CZ"])
    footage.footage_approve(request=request, user=other_admin, note="同意")
    record.refresh_from_db()
    request.refresh_from_db()
    assert (request.status, request.decided_by, record.status) == ("done", "admin2", "deleted")
    assert record.deleted_at is not None
    assert _log(record) == [("stored", ""), ("requested", "admin"), ("approved", "admin2"), ("deleted", "admin2")]
    with pytest.raises(DomainError) as gone:
        footage.footage_request(record=record, kind="view", reason="复查", user=people["logi"])
    assert gone.value.code == "footage_deleted"


def test_a_view_request_is_approved_by_an_auditor_then_used_by_its_requester(bureau, people):
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    record = _docked("REC-1", 1)
    request = footage.footage_request(record=record, kind="copy", reason="投诉核查", user=people["logi"])
    with pytest.raises(DomainError) as twice:
        footage.footage_request(record=record, kind="copy", reason="again", user=people["logi2"])
    assert twice.value.code == "request_pending"
    with pytest.raises(DomainError) as logistics:
        footage.footage_approve(request=request, user=people["logi2"])
    assert logistics.value.code == "out_of_scope"
    with pytest.raises(DomainError) as early:
        footage.footage_access(request=request, user=people["logi"])
    assert early.value.code == "request_not_approved"
    footage.footage_approve(request=request, user=people["auditor"])
    with pytest.raises(DomainError) as stranger:
        footage.footage_access(request=request, user=people["logi2"])
    assert stranger.value.code == "out_of_scope"
    footage.footage_access(request=request, user=people["logi"], note="刻录光盘 1 张，交投诉科")
    request.refresh_from_db()
    assert request.status == "done"
    assert _log(record) == [("stored", ""), ("requested", "logi"), ("approved", "auditor"), ("copied", "logi")]
    refused = footage.footage_request(record=record, kind="view", reason="查看", user=people["logi"])
    with pytest.raises(DomainError) as no_reason:
        footage.footage_refuse(request=refused, user=people["auditor"], reason="")
    assert no_reason.value.code == "reason_required"
    footage.footage_refuse(request=refused, user=people["auditor"], reason="事由不充分")
    with pytest.raises(DomainError) as decided:
        footage.footage_approve(request=refused, user=people["auditor"])
    assert decided.value.code == "request_decided"
    rows = footage.access_log(FootageAccessLog.objects.all(), unit=bureau["units"]["CZ-TN"])
    assert [r["action"] for r in rows] == ["stored", "requested", "approved", "copied", "requested", "refused"]
    assert rows[3]["note"] == "刻录光盘 1 张，交投诉科" and rows[3]["person"] == ""


def test_the_access_log_is_append_only_in_the_orm_and_in_the_database(bureau, people):
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    record = _docked("REC-1", 1)
    entry = FootageAccessLog.objects.get(record=record)
    entry.note = "changed"
    with pytest.raises(DomainError):
        entry.save()
    with pytest.raises(DomainError):
        FootageAccessLog.objects.filter(record=record).delete()
    for statement in (f"UPDATE recorders_footageaccesslog SET note = 'x' WHERE id = {entry.pk}",
                      f"DELETE FROM recorders_footageaccesslog WHERE id = {entry.pk}",
                      "TRUNCATE recorders_footageaccesslog CASCADE"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(statement)
    assert FootageAccessLog.objects.filter(record=record).values_list("note", flat=True).get() == "D1"


def test_a_recorder_issued_for_keeps_names_its_officer(bureau):
    asset = recorder(bureau["units"]["CZ-TN-01"], "REC-K")
    registry.asset_issue(asset=asset, person=bureau["officer"], at=local(5, 9))
    assert _docked("REC-K", 1).person == bureau["officer"]


def test_footage_sync_records_dock_reports_stored_before_the_rules(bureau):
    from django.core.management import call_command

    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    DockOffload.objects.create(dock_id="D1", recorder_tag="REC-1", recorded_on=timezone.localdate(), ts=local(0, 0, 5))
    DockOffload.objects.create(dock_id="D1", recorder_tag="NOPE", recorded_on=timezone.localdate(), ts=local(0, 0, 5))
    out = io.StringIO()
    call_command("recorders", "footage-sync", stdout=out)
    assert out.getvalue().strip() == '{"footage_records_created":1}'
    call_command("recorders", "footage-sync", stdout=out)
    assert FootageRecord.objects.get().asset.tag == "REC-1"


def test_reports_announced_without_their_ids_are_found_by_their_key(bureau):
    """A backend whose bulk insert returns no ids (older SQLite): the stored report is found by its unique key."""
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    at = local(1, 18)
    stored = DockOffload.objects.create(dock_id="D1", recorder_tag="REC-1", recorded_on=timezone.localdate(at), ts=at)
    announced = DockOffload(dock_id="D1", recorder_tag="REC-1", recorded_on=stored.recorded_on, ts=at)
    assert footage.records_from_docks([announced])[0].offload == stored


def test_footage_outlives_cleared_dock_reports_and_a_replayed_report_is_not_recorded_twice(bureau):
    """The demo clears telemetry (dock reports included) before replaying a day; the footage register stays."""
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    record = _docked("REC-1", 1)
    DockOffload.objects.all().delete()
    record.refresh_from_db()
    assert (record.offload_id, record.dock_id, record.files, record.bytes) == (None, "D1", 12, 8123456789)
    again = DockOffload.objects.create(dock_id="D1", recorder_tag="REC-1", recorded_on=record.recorded_on,
                                       ts=record.stored_at)
    dock_reports_stored.send(sender=DockOffload, reports=[again])
    assert list(FootageRecord.objects.values_list("pk", "offload_id")) == [(record.pk, again.pk)]
