"""The dead letters page: every message the ingest could not store, with why, searchable and exportable; an
administrator retries the ones a later retry may cure (an unknown terminal since bound, a clock caught up).
The track access report (PIPL art. 28): who viewed which vehicle's track, of which window, why, for the auditors."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from assets.access import CHANGE, may, page, restrict
from assets.lists import Column, Filter, Listing
from quartermaster.errors import DomainError

from .choices import RETRIABLE_REASONS, DeadLetterReason
from .models import DeadLetter, TrackAccess
from .services import dead_letter_retry

COLUMNS = [
    Column("received_at", _("接收时间"), lambda d: d.received_at, "received_at"),
    Column("reason", _("原因"), lambda d: d.get_reason_display(), "reason"),
    Column("terminal", _("终端号"), lambda d: d.terminal, "terminal"),
    Column("topic", _("主题"), lambda d: d.topic, "topic"),
    Column("detail", _("说明"), lambda d: d.detail),
    Column("payload", _("消息内容"), lambda d: d.payload[:200]),
]


@page("tracking.DeadLetter")
def deadletter_list(request):
    letters = restrict(DeadLetter.objects.all(), request.user)
    listing = Listing(request, letters, COLUMNS, filters=[
        Filter("reason", _("原因"), "reason", DeadLetterReason.choices),
    ], search=("terminal", "topic", "detail"), default_sort="-received_at", filename="deadletters")
    return listing.export or render(request, "tracking/deadletter_list.html", {
        "listing": listing, "title": pgettext_lazy("navigation", "死信"), "list_id": "deadletters", "search_hint": _("终端号、主题、说明"),
        "may_retry": may(request.user, CHANGE, DeadLetter), "retriable": RETRIABLE_REASONS})


@page("tracking.DeadLetter", CHANGE)
@require_POST
def deadletter_retry(request, pk: int):
    letter = get_object_or_404(restrict(DeadLetter.objects.all(), request.user, CHANGE), pk=pk)
    try:
        stored, reason, detail = dead_letter_retry(letter=letter)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if stored:
            messages.success(request, gettext("死信 %(pk)s 已重新处理并入库") % {"pk": pk})
        else:
            messages.error(request, gettext("死信 %(pk)s 仍无法入库：%(reason)s（%(detail)s）") % {
                "pk": pk, "reason": DeadLetterReason(reason).label, "detail": detail})
    return redirect("tracking:deadletter-list")


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _local(value):
    return value.astimezone(SHANGHAI).replace(tzinfo=None) if value else None


ACCESS_COLUMNS = [
    Column("at", _("查看时间"), lambda a: _local(a.at), "at"),
    Column("username", _("查看人"), lambda a: a.username, "username"),
    Column("plate", _("车牌号"), lambda a: a.plate, "plate"),
    Column("unit", _("所属单位"), lambda a: a.vehicle.unit.code),
    Column("start", _("轨迹开始"), lambda a: _local(a.start), "start"),
    Column("end", _("轨迹结束"), lambda a: _local(a.end), "end"),
    Column("purpose", _("查看目的"), lambda a: a.purpose),
    Column("case_no", _("案件编号"), lambda a: a.case_no, "case_no"),
    Column("reasons", _("须说明的原因"), lambda a: "、".join(str(REASONS.get(r, r)) for r in a.reasons.split(",") if r)),
    Column("path", _("查看途径"), lambda a: a.path, "path"),
]
REASONS = {"off_duty": _("非值勤时段"), "older": _("较早的轨迹")}


def _usernames(user):
    return [(u, u) for u in restrict(TrackAccess.objects.all(), user).order_by("username")
            .values_list("username", flat=True).distinct()]


def _plates(user):
    return [(p, p) for p in restrict(TrackAccess.objects.all(), user).order_by("plate")
            .values_list("plate", flat=True).distinct()]


@page("tracking.TrackAccess")
def track_access_list(request):
    """Filters: viewer, vehicle, reason (select boxes), the days of the views (from/to, local dates), and a search
    over purpose and case number; XLSX/CSV export of all matching rows."""
    accesses = restrict(TrackAccess.objects.select_related("vehicle__unit"), request.user)
    start, end = parse_date(request.GET.get("from") or "") or None, parse_date(request.GET.get("to") or "") or None
    if start:
        accesses = accesses.filter(at__gte=dt.datetime.combine(start, dt.time(), SHANGHAI))
    if end:
        accesses = accesses.filter(at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI))
    listing = Listing(request, accesses, ACCESS_COLUMNS, filters=[
        Filter("user", _("查看人"), "username", _usernames),
        Filter("vehicle", _("车牌号"), "plate", _plates),
        Filter("reason", _("须说明的原因"), "reasons__contains", list(REASONS.items())),
    ], search=("purpose", "case_no", "username", "plate"), default_sort="-at", filename="track-access")
    return listing.export or render(request, "tracking/track_access_list.html", {
        "listing": listing, "title": _("轨迹查看记录"), "list_id": "track-access",
        "search_hint": _("查看目的、案件编号、查看人、车牌号"), "period_from": start, "period_to": end})
