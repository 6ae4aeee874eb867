"""The dead letters page: every message the ingest could not store, with why, searchable and exportable; an
administrator retries the ones a later retry may cure (an unknown terminal since bound, a clock caught up)."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from assets.access import CHANGE, may, page, restrict
from assets.lists import Column, Filter, Listing
from quartermaster.errors import DomainError

from .choices import RETRIABLE_REASONS, DeadLetterReason
from .models import DeadLetter
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
        "listing": listing, "title": _("死信"), "list_id": "deadletters", "search_hint": _("终端号、主题、说明"),
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
