"""Web pages of the footage rules: the records (with the due-for-deletion list and the requests waiting for a
decision), one record with its requests and access log, and the access log report for auditors (XLSX, PDF)."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets import access
from quartermaster.errors import DomainError

from . import footage, footage_reports
from .choices import FootageRequestKind, FootageRequestStatus, FootageStatus, RecordingType
from .models import FootageAccessLog, FootageRecord, FootageRequest
from .views import _date, _unit, _units


def _may_decide(user, request: FootageRequest) -> bool:
    if request.status != FootageRequestStatus.PENDING or user.get_username() == request.requested_by:
        return False
    role = access.user_role(user)
    return role == access.ADMIN or (role == access.AUDITOR and request.kind != FootageRequestKind.DELETE)


def _retention_rows() -> list[dict]:
    table = footage.retention_table()
    return [{"type": value, "label": label, "days": table[value]} for value, label in RecordingType.choices]


@access.page("recorders.FootageRecord")
def footage_list(request):
    error = None
    try:
        unit = _unit(request, request.GET.get("unit"))
        on = _date(request.GET.get("on"), timezone.localdate())
    except DomainError as exc:
        unit, on, error = _unit(request, None), timezone.localdate(), exc.message
    records = access.restrict(FootageRecord.objects.all(), request.user).filter(unit__path__startswith=unit.path)
    due = request.GET.get("due") == "1"
    tag, kind, state = (request.GET.get(k, "").strip() for k in ("tag", "type", "status"))
    shown = footage.due_for_deletion(records, on=on) if due else records.select_related(
        "asset", "unit", "person").order_by("-recorded_on", "asset__tag", "id")
    if tag:
        shown = shown.filter(asset__tag=tag)
    if kind in RecordingType.values:
        shown = shown.filter(recording_type=kind)
    if state == "evidence":
        shown = shown.filter(evidence=True)
    elif state in FootageStatus.values:
        shown = shown.filter(status=state)
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    rows = [{"record": r, "until": footage.retain_until(r)} for r in page]
    pending = list(access.restrict(FootageRequest.objects.filter(status=FootageRequestStatus.PENDING), request.user)
                   .filter(record__unit__path__startswith=unit.path).select_related("record__asset")
                   .order_by("requested_at", "id")[:100])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "recorders/footage_list.html", {
        "unit": unit, "units": _units(request), "on": on.isoformat(), "due": due, "tag": tag, "type": kind,
        "status": state, "rows": rows, "page": page, "query": query.urlencode(), "error": error,
        "pending": [{"request": p, "may_decide": _may_decide(request.user, p)} for p in pending],
        "due_count": footage.due_for_deletion(records, on=on).count(), "types": RecordingType.choices,
        "retention": _retention_rows(), "default_days": settings.QM_FOOTAGE_RETENTION_DAYS,
        "clause": footage.RETENTION_CLAUSE, "clause_text": footage.RETENTION_TEXT,
    })


ACTIONS = ("classify", "evidence", "request", "approve", "refuse", "use")


def _act(request, record: FootageRecord) -> None:
    post, user = request.POST, request.user
    what = post.get("action")
    if what not in ACTIONS:
        raise DomainError(_("未知操作 %(action)s"), field="action", code="unknown_action", action=what)
    if what in ("classify", "evidence"):
        access.ensure(user, record, access.CHANGE, what="footage")
        if what == "classify":
            footage.footage_classify(record=record, recording_type=post.get("recording_type", ""),
                                     note=post.get("note", ""))
        else:
            footage.footage_mark_evidence(record=record, case_number=post.get("case_number", ""),
                                          note=post.get("note", ""))
        return
    if what == "request":
        if not access.may(user, access.ADD, FootageRequest):
            raise PermissionDenied(_("您的角色不能申请调阅音像资料"))
        access.ensure(user, record, access.ADD, what="footage")
        footage.footage_request(record=record, kind=post.get("kind", ""), reason=post.get("reason", ""), user=user)
        return
    rows = access.restrict(FootageRequest.objects.filter(record=record), user, what)
    target = rows.filter(pk=post.get("request") or 0).first()
    if target is None:
        raise PermissionDenied(_("此音像资料没有您可以处理的这项申请"))
    if what == "approve":
        footage.footage_approve(request=target, user=user, note=post.get("note", ""))
    elif what == "refuse":
        footage.footage_refuse(request=target, user=user, reason=post.get("reason", ""))
    else:
        footage.footage_access(request=target, user=user, note=post.get("note", ""))


@access.page("recorders.FootageRecord")
def footage_detail(request, pk: int):
    records = access.restrict(FootageRecord.objects.select_related("asset", "unit", "person"),
                              request.user)
    record = get_object_or_404(records, pk=pk)
    error = None
    if request.method == "POST":
        try:
            _act(request, record)
            return redirect(request.path)
        except DomainError as exc:
            error = exc.message
        record = records.get(pk=pk)
    user = request.user
    requests = list(access.restrict(FootageRequest.objects.filter(record=record), user).order_by("-requested_at",
                                                                                                  "-id"))
    log = list(access.restrict(FootageAccessLog.objects.filter(record=record), user).select_related("request")
               .order_by("at", "id"))
    kept = record.status == FootageStatus.KEPT
    return render(request, "recorders/footage_detail.html", {
        "record": record, "error": error, "until": footage.retain_until(record),
        "days": footage.retention_days(record), "expired": footage.expired(record), "log": log,
        "requests": [{"request": r, "may_decide": _may_decide(user, r),
                      "may_use": r.status == FootageRequestStatus.APPROVED and r.kind != FootageRequestKind.DELETE
                      and r.requested_by == user.get_username()} for r in requests],
        "may_change": kept and access.in_scope(user, record, access.CHANGE),
        "may_request": kept and access.may(user, access.ADD, FootageRequest) and access.in_scope(user, record,
                                                                                                   access.ADD),
        "types": RecordingType.choices, "kinds": FootageRequestKind.choices,
    }, status=400 if error else 200)


@access.page("recorders.FootageAccessLog")
def footage_log(request):
    error = None
    try:
        unit = _unit(request, request.GET.get("unit"))
        until = _date(request.GET.get("until"), timezone.localdate())
        since = _date(request.GET.get("since"), until.replace(day=1))
    except DomainError as exc:
        if request.GET.get("format"):
            return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
        unit, until, error = _unit(request, None), timezone.localdate(), exc.message
        since = until.replace(day=1)
    entries = access.restrict(FootageAccessLog.objects.all(), request.user)
    rows = footage.access_log(entries, unit=unit, since=since, until=until)
    report = {"unit": unit.code, "unit_name": unit.name, "since": since.isoformat(), "until": until.isoformat(),
              "rows": rows}
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in footage_reports.FORMATS:
            return HttpResponse(f"unknown format {fmt!r}; one of {', '.join(footage_reports.FORMATS)}", status=400,
                                content_type="text/plain")
        response = HttpResponse(footage_reports.render(report, fmt), content_type=footage_reports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = (f'attachment; filename="footage-access-{unit.code}-{since.isoformat()}-'
                                           f'{until.isoformat()}.{fmt}"')
        return response
    return render(request, "recorders/footage_log.html", {
        "unit": unit, "units": _units(request), "since": since.isoformat(), "until": until.isoformat(),
        "rows": rows, "error": error, "formats": footage_reports.FORMATS,
    })
