"""Footage rules (执法音像资料管理): retention classes, requests to view, copy or delete, and the access log.

jiangsu 执法全过程记录/6 (声像…实行风险等级保存) and /7 (归档、保存和使用 制度); model 装备使用规范/3 (未经批准不得删改、
外传原始记录). The standards give no figures, so the retention classes are local settings: each recording type keeps
its footage `QM_FOOTAGE_RETENTION_BY_TYPE` days (else `QM_FOOTAGE_RETENTION_DAYS`; 0 = permanent) from the recorded
day; footage marked as evidence for a case is permanent and never deleted.

Each dock report (`qm/docks/{dock}/offload`, one recorder's offload of one recorded day) becomes one record, of the
unit the recorder belongs to, with the officer who held it that day (from the ledger). Viewing and copying need a
request with its reason, approved by a second person: a 督察 (auditor) or an administrator, never the requester;
deleting needs an administrator's approval, and only once the retention period is over. Every step is a line in the
append-only access log.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets import access
from assets.choices import CategoryCode, CustodyAction
from assets.models import Asset, CustodyEvent
from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError, choice_label
from telematics.tracking.models import DockOffload
from telematics.tracking.signals import dock_reports_stored

from .choices import FootageLogAction, FootageRequestKind, FootageRequestStatus, FootageStatus, RecordingType
from .models import FootageAccessLog, FootageRecord, FootageRequest

RETENTION_CLAUSE = "jiangsu 执法程序/执法全过程记录/6"
RETENTION_TEXT = "执法记录设备记录的声像应当按规定每日及时存储，并实行风险等级保存。"
APPROVAL_CLAUSE = "model 执法规范/执法行为/装备使用规范/3"
APPROVAL_TEXT = "执法人员实施执法时，应当开启执法记录仪等音像设备，不间断记录执法过程，及时完成存储执法音像资料，未经批准不得删改、外传原始记录。"

# --- retention classes -------------------------------------------------------------------------------------------


def parse_retention(text: str | None) -> dict[str, int]:
    """`case_handling=365,complaint=365` -> {type: days}; raises ValueError on an unknown type or a bad figure."""
    table = {}
    for item in (text or "").replace(";", ",").split(","):
        if not item.strip():
            continue
        name, sep, days = item.partition("=")
        name = name.strip()
        if not sep or name not in RecordingType.values:
            raise ValueError(f"{item.strip()!r}: expected type=days with type one of {', '.join(RecordingType.values)}")
        value = int(days)
        if value < 0:
            raise ValueError(f"{item.strip()!r}: days must be 0 (permanent) or more")
        table[name] = value
    return table


def retention_table() -> dict[str, int | None]:
    """Days each recording type is kept (None: permanent), from the settings."""
    table = {t: settings.QM_FOOTAGE_RETENTION_DAYS for t in RecordingType.values}
    table.update(parse_retention(settings.QM_FOOTAGE_RETENTION_BY_TYPE))
    return {t: (days or None) for t, days in table.items()}


def retention_days(record: FootageRecord) -> int | None:
    """The record's retention class in days; None: permanent (evidence, or a type kept permanently)."""
    if record.evidence:
        return None
    return retention_table()[record.recording_type]


def retain_until(record: FootageRecord) -> dt.date | None:
    """The last day the footage must be kept; None: permanent."""
    days = retention_days(record)
    return None if days is None else record.recorded_on + dt.timedelta(days=days)


def expired(record: FootageRecord, on: dt.date | None = None) -> bool:
    until = retain_until(record)
    return until is not None and (on or timezone.localdate()) > until


def _expired_q(on: dt.date) -> Q:
    """Records whose retention is over on `on` (evidence and permanent types never)."""
    q = Q(pk__in=[])
    for kind, days in retention_table().items():
        if days is not None:
            q |= Q(recording_type=kind, recorded_on__lt=on - dt.timedelta(days=days))
    return q & Q(evidence=False, status=FootageStatus.KEPT)


def due_for_deletion(records: QuerySet, *, on: dt.date | None = None) -> QuerySet:
    """Kept records whose retention is over on `on` (default today), the oldest first."""
    on = on or timezone.localdate()
    return (records.filter(_expired_q(on)).select_related("asset", "unit", "person")
            .order_by("recorded_on", "id"))


# --- records from dock reports ------------------------------------------------------------------------------------

def _log(record: FootageRecord, action: str, *, request: FootageRequest | None = None, note: str = "",
         username: str | None = None) -> FootageAccessLog:
    return FootageAccessLog.objects.create(record=record, request=request, action=action, note=note,
                                           username=current().username if username is None else username)


def officer_on(asset: Asset, day: dt.date, until: dt.datetime):
    """Who held the recorder on `day` (up to `until`): the holder after its latest movement, or, when that movement
    took it back during the day, the person it was taken back from."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = min(until, start + dt.timedelta(days=1))
    event = (CustodyEvent.objects.filter(asset=asset, occurred_at__lte=end).order_by("-occurred_at", "-id")
             .only("holder_person_after_id", "person_id", "occurred_at", "action").first())
    if event is None:
        return None
    if event.holder_person_after_id:
        return event.holder_person_after_id
    back = event.action in (CustodyAction.RETURN, CustodyAction.SHIFT_IN)
    return event.person_id if back and event.occurred_at >= start else None


def records_from_docks(reports) -> list[FootageRecord]:
    """One footage record per stored dock report naming a recorder of the registry (reports naming an unknown tag
    stay dock reports only: there is no recorder to attach them to). A report already recorded (same recorder, day,
    dock and time) is not recorded twice."""
    reports = list(reports)
    unsaved = [r for r in reports if not r.pk]  # a backend whose bulk insert returns no ids
    if unsaved:
        keys = Q(pk__in=[])
        for r in unsaved:
            keys |= Q(recorder_tag=r.recorder_tag, recorded_on=r.recorded_on, dock_id=r.dock_id, ts=r.ts)
        reports = [r for r in reports if r.pk] + list(DockOffload.objects.filter(keys))
    if not reports:
        return []
    recorders = {a.tag: a for a in Asset.objects.filter(tag__in={r.recorder_tag for r in reports},
                                                         category_id=CategoryCode.RECORDER)}
    known = {(asset_id, day, dock, at): (pk, offload) for pk, asset_id, day, dock, at, offload in
             FootageRecord.objects.filter(asset__in=recorders.values(), recorded_on__in={r.recorded_on for r in reports})
             .values_list("pk", "asset_id", "recorded_on", "dock_id", "stored_at", "offload_id")}
    made = []
    for report in sorted(reports, key=lambda r: (r.ts, r.pk)):
        asset = recorders.get(report.recorder_tag)
        if asset is None:
            continue
        key = (asset.pk, report.recorded_on, report.dock_id, report.ts)
        if key in known:  # recorded already: a report stored again after telemetry was cleared is re-attached
            pk, offload = known[key]
            if offload is None:
                FootageRecord.objects.filter(pk=pk).update(offload=report)
            continue
        record = FootageRecord.objects.create(
            offload=report, asset=asset, unit_id=asset.unit_id, recorded_on=report.recorded_on,
            person_id=officer_on(asset, report.recorded_on, report.ts), stored_at=report.ts, dock_id=report.dock_id,
            files=report.files, bytes=report.bytes)
        known[key] = (record.pk, report.pk)
        _log(record, FootageLogAction.STORED, username="", note=report.dock_id)
        made.append(record)
    return made


@receiver(dock_reports_stored, dispatch_uid="recorders_footage_records")
def _on_dock_reports(sender, reports, **kwargs) -> None:
    records_from_docks(reports)


# --- classifying ---------------------------------------------------------------------------------------------------

def _locked(record: FootageRecord) -> FootageRecord:
    return FootageRecord.objects.select_for_update().select_related("asset", "unit").get(pk=record.pk)


def _refuse_deleted(record: FootageRecord) -> None:
    if record.status == FootageStatus.DELETED:
        raise ConflictError(_("%(record)s 的音像资料已删除"), field="record", code="footage_deleted",
                            record=str(record))


@transaction.atomic
def footage_classify(*, record: FootageRecord, recording_type: str, note: str = "") -> FootageRecord:
    """Sets what the footage recorded (its retention class follows the type)."""
    record = _locked(record)
    _refuse_deleted(record)
    if recording_type not in RecordingType.values:
        raise DomainError(_("未知的记录类型 %(type)s"), field="recording_type", code="unknown_recording_type",
                          type=recording_type)
    if record.recording_type == recording_type:
        return record
    before = record.get_recording_type_display()
    record.recording_type = recording_type
    record.save(update_fields=["recording_type"])
    _log(record, FootageLogAction.CLASSIFIED, note=f"{before} → {record.get_recording_type_display()} {note}".strip())
    return record


@transaction.atomic
def footage_mark_evidence(*, record: FootageRecord, case_number: str, note: str = "") -> FootageRecord:
    """Marks the footage as evidence of a case: kept permanently from then on (never unmarked, never deleted)."""
    record = _locked(record)
    _refuse_deleted(record)
    case_number = (case_number or "").strip()
    if not case_number:
        raise DomainError(_("请填写案件编号"), field="case_number", code="case_number_required")
    if record.evidence:
        raise ConflictError(_("%(record)s 已作为案件 %(case)s 的证据"), field="record", code="already_evidence",
                            record=str(record), case=record.case_number)
    record.evidence, record.case_number, record.evidence_marked_at = True, case_number, timezone.now()
    if record.recording_type == RecordingType.DAILY_DUTY:
        record.recording_type = RecordingType.CASE_HANDLING
    record.save(update_fields=["evidence", "case_number", "evidence_marked_at", "recording_type"])
    _log(record, FootageLogAction.EVIDENCE, note=f"{case_number} {note}".strip())
    return record


# --- requests, approvals, the log ----------------------------------------------------------------------------------

def _refuse_deletion(record: FootageRecord, on: dt.date) -> None:
    """Raises unless the record's footage may be deleted on `on`."""
    _refuse_deleted(record)
    if record.evidence:
        raise ConflictError(_("%(record)s 是案件 %(case)s 的证据，永久保存，不得删除"), field="record",
                            code="footage_evidence", record=str(record), case=record.case_number)
    until = retain_until(record)
    if until is None:
        raise ConflictError(_("%(record)s 的记录类型“%(type)s”永久保存，不得删除"), field="record",
                            code="footage_permanent", record=str(record),
                            type=choice_label(record.recording_type, RecordingType))
    if on <= until:
        raise ConflictError(_("%(record)s 的保存期限至 %(until)s，期满前不得删除"), field="record",
                            code="retention_not_expired", record=str(record), until=until.isoformat())


@transaction.atomic
def footage_request(*, record: FootageRecord, kind: str, reason: str, user=None) -> FootageRequest:
    """Files a request to view, copy or delete the record's footage, with its reason. A deletion is refused at once
    while the footage must still be kept; a second open request of the same kind is refused too."""
    record = _locked(record)
    if kind not in FootageRequestKind.values:
        raise DomainError(_("未知的申请事项 %(kind)s"), field="kind", code="unknown_request_kind", kind=kind)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写申请事由"), field="reason", code="reason_required")
    if kind == FootageRequestKind.DELETE:
        _refuse_deletion(record, timezone.localdate())
    else:
        _refuse_deleted(record)
    if record.requests.filter(kind=kind, status=FootageRequestStatus.PENDING).exists():
        raise ConflictError(_("%(record)s 已有待审批的%(kind)s申请"), field="record", code="request_pending",
                            record=str(record), kind=choice_label(kind, FootageRequestKind))
    username = user.get_username() if user is not None else current().username
    request = FootageRequest.objects.create(record=record, kind=kind, reason=reason, requested_by=username)
    _log(record, FootageLogAction.REQUESTED, request=request, username=username, note=reason)
    return request


def refuse_approver(request: FootageRequest, user) -> None:
    """Raises unless `user` may decide `request`: never the requester; view and copy by an auditor (督察) or an
    administrator, deletion by an administrator."""
    role = access.user_role(user)
    if user.get_username() == request.requested_by:
        raise access.OutOfScope(_("申请人不能审批自己的申请"))
    if request.kind == FootageRequestKind.DELETE:
        if role != access.ADMIN:
            raise access.OutOfScope(_("删除音像资料须经管理员审批"))
    elif role not in (access.ADMIN, access.AUDITOR):
        raise access.OutOfScope(_("调阅、复制音像资料须经督察人员或管理员审批"))


def _pending(request: FootageRequest) -> FootageRequest:
    request = FootageRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != FootageRequestStatus.PENDING:
        raise ConflictError(_("该申请已%(status)s"), field="request", code="request_decided",
                            status=choice_label(request.status, FootageRequestStatus))
    return request


@transaction.atomic
def footage_approve(*, request: FootageRequest, user, note: str = "") -> FootageRequest:
    """Approves a request. Approving a deletion deletes: the record is marked deleted (the storage's copy is
    removed by whoever runs it, against the log), once more checked against its retention and evidence."""
    request = _pending(request)
    refuse_approver(request, user)
    record = _locked(request.record)
    if request.kind == FootageRequestKind.DELETE:
        _refuse_deletion(record, timezone.localdate())
    else:
        _refuse_deleted(record)
    now = timezone.now()
    request.status = (FootageRequestStatus.DONE if request.kind == FootageRequestKind.DELETE
                      else FootageRequestStatus.APPROVED)
    request.decided_by, request.decided_by_user, request.decided_at = user.get_username(), user, now
    request.decision_note = note.strip()
    request.save(update_fields=["status", "decided_by", "decided_by_user", "decided_at", "decision_note"])
    _log(record, FootageLogAction.APPROVED, request=request, username=user.get_username(), note=note.strip())
    if request.kind == FootageRequestKind.DELETE:
        record.status, record.deleted_at = FootageStatus.DELETED, now
        record.save(update_fields=["status", "deleted_at"])
        _log(record, FootageLogAction.DELETED, request=request, username=user.get_username(), note=request.reason)
    return request


@transaction.atomic
def footage_refuse(*, request: FootageRequest, user, reason: str) -> FootageRequest:
    """Refuses a request with its reason; nothing else changes."""
    request = _pending(request)
    if not (reason or "").strip():
        raise DomainError(_("请填写驳回理由"), field="reason", code="reason_required")
    refuse_approver(request, user)
    request.status, request.decided_by, request.decided_by_user = FootageRequestStatus.REFUSED, user.get_username(), user
    request.decided_at, request.decision_note = timezone.now(), reason.strip()
    request.save(update_fields=["status", "decided_by", "decided_by_user", "decided_at", "decision_note"])
    _log(request.record, FootageLogAction.REFUSED, request=request, username=user.get_username(), note=reason.strip())
    return request


@transaction.atomic
def footage_access(*, request: FootageRequest, user, note: str = "") -> FootageRequest:
    """The requester records the approved viewing or copying as done (copy: where it went, in `note`)."""
    request = FootageRequest.objects.select_for_update().get(pk=request.pk)
    if request.kind == FootageRequestKind.DELETE or request.status != FootageRequestStatus.APPROVED:
        raise ConflictError(_("只有已批准的调阅、复制申请才能登记使用"), field="request", code="request_not_approved")
    if user.get_username() != request.requested_by:
        raise access.OutOfScope(_("由申请人本人登记调阅、复制"))
    record = _locked(request.record)
    _refuse_deleted(record)
    action = FootageLogAction.VIEWED if request.kind == FootageRequestKind.VIEW else FootageLogAction.COPIED
    _log(record, action, request=request, username=user.get_username(), note=note.strip())
    request.status = FootageRequestStatus.DONE
    request.save(update_fields=["status"])
    return request


def access_log(entries: QuerySet, *, unit=None, since: dt.date | None = None, until: dt.date | None = None) -> list[dict]:
    """The footage access log for auditors: who requested, approved, refused, viewed, copied or deleted what, and
    when; entries of `unit`'s subtree between the dates (inclusive), oldest first."""
    qs = entries.select_related("record__asset", "record__unit", "record__person", "request")
    if unit is not None:
        qs = qs.filter(record__unit__path__startswith=unit.path)
    if since is not None:
        qs = qs.filter(at__gte=timezone.make_aware(dt.datetime.combine(since, dt.time.min)))
    if until is not None:
        qs = qs.filter(at__lt=timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min)))
    rows = []
    for e in qs.order_by("at", "id"):
        r = e.record
        rows.append({"at": timezone.localtime(e.at), "action": e.action, "action_name": str(e.get_action_display()),
                     "username": e.username, "tag": r.asset.tag, "recorded_on": r.recorded_on, "unit": r.unit.code,
                     "person": f"{r.person.name}（{r.person.staff_no}）" if r.person_id else "",
                     "request": e.request_id, "kind": str(e.request.get_kind_display()) if e.request_id else "",
                     "reason": e.request.reason if e.request_id else "", "note": e.note})
    return rows
