"""Reads of the alert cases: each alert's case state in SQL (for filters and counts), the overdue cut-off, the case
with its history, counts per kind and state, and each rule's precision per month (认定 / (认定 + 排除))."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Count, DateTimeField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from ..choices import AlertKind, CaseState
from ..models import Alert, AlertCase
from .services import case_alert, case_kinds, deadline_after, default_deadline

SHANGHAI = ZoneInfo("Asia/Shanghai")


def annotate_cases(qs: QuerySet) -> QuerySet:
    """Alerts with `case_state_v` (the state of the case covering them: the journey's for a stop made during one;
    待说明 while no case row exists; None for kinds not handled as cases), `case_deadline_v` (the stored deadline,
    None before the case is opened) and `case_started_v` (when the covering alert began)."""
    root_state = Case(When(part_of__isnull=False, then=F("part_of__case__state")), default=F("case__state"),
                      output_field=CharField())
    return qs.annotate(
        case_state_v=Case(When(kind__in=sorted(case_kinds()), then=Coalesce(root_state, Value(CaseState.PENDING))),
                          default=Value(None), output_field=CharField()),
        case_deadline_v=Case(When(part_of__isnull=False, then=F("part_of__case__deadline")),
                             default=F("case__deadline"), output_field=DateTimeField()),
        case_started_v=Coalesce(F("part_of__started_at"), F("started_at"), output_field=DateTimeField()),
    )


def awaiting_q() -> Q:
    """On `annotate_cases` rows: alerts still awaiting review — of a case kind, its case not decided (待说明 or
    已说明, the episode on or over); of another kind, the episode still open. The live map's panel and counts and the
    start pages count these."""
    from ..choices import AlertStatus

    return (Q(case_state_v__in=[CaseState.PENDING, CaseState.EXPLAINED])
            | Q(case_state_v__isnull=True, status=AlertStatus.OPEN))


def _iso(value: dt.datetime | None) -> str | None:
    """Case times as local ISO 8601 (a deadline reads as the end of a local day)."""
    return None if value is None else timezone.localtime(value, SHANGHAI).isoformat()


def overdue_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Alerts without a case row that began before this are overdue: their default deadline has passed."""
    now = now or timezone.now()
    day = timezone.localtime(now, SHANGHAI).date()
    while deadline_after(day) >= now:
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), SHANGHAI)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """On `annotate_cases` rows: the case awaits the unit's explanation past its deadline."""
    now = now or timezone.now()
    return Q(case_state_v=CaseState.PENDING) & (
        Q(case_deadline_v__lt=now) | Q(case_deadline_v__isnull=True, case_started_v__lt=overdue_cutoff(now)))


def case_fields(alert: Alert, now: dt.datetime | None = None, cutoff: dt.datetime | None = None) -> dict:
    """`case_state`, `case_deadline`, `case_overdue` of an `annotate_cases` row (API and pages)."""
    state = getattr(alert, "case_state_v", None)
    if state is None:
        return {"case_state": None, "case_deadline": None, "case_overdue": False}
    now = now or timezone.now()
    deadline = alert.case_deadline_v
    if deadline is None:
        deadline = deadline_after(timezone.localtime(alert.case_started_v, SHANGHAI).date())
    return {"case_state": state, "case_deadline": _iso(deadline),
            "case_overdue": state == CaseState.PENDING and deadline < now}


@dataclass
class CaseView:
    """A case as its page, the API and the evidence pack show it."""

    alert: Alert          # the alert the case covers (the journey)
    alerts: list          # it and the stops made during it
    case: AlertCase | None
    state: str
    deadline: dt.datetime
    overdue: bool
    events: list = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(CaseState(self.state).label)


def case_view(alert: Alert, now: dt.datetime | None = None) -> CaseView:
    root = case_alert(alert)
    case = AlertCase.objects.filter(alert=root).first()
    alerts = [root, *Alert.objects.filter(part_of=root).select_related("vehicle").order_by("started_at", "pk")]
    if case is None:
        state, deadline, events = CaseState.PENDING, default_deadline(root), []
    else:
        state, deadline = case.state, case.deadline
        events = list(case.events.select_related("late_order", "late_order__trip").prefetch_related("attachments"))
    overdue = state == CaseState.PENDING and deadline < (now or timezone.now())
    return CaseView(alert=root, alerts=alerts, case=case, state=state, deadline=deadline, overdue=overdue,
                    events=events)


def case_payload(view: CaseView, attachment_url=None) -> dict:
    """The case as JSON: state, deadline, the alerts it covers and every step with who and when."""
    return {
        "alert": view.alert.pk, "alerts": [a.pk for a in view.alerts], "state": view.state,
        "deadline": _iso(view.deadline), "overdue": view.overdue,
        "opened_at": _iso(view.case.opened_at) if view.case else None,
        "events": [{"action": e.action, "from_state": e.from_state, "to_state": e.to_state, "text": e.text,
                    "late_order": e.late_order_id, "deadline": _iso(e.deadline),
                    "user": e.username, "role": e.role, "at": _iso(e.at),
                    "attachments": [{"id": a.pk, "name": a.name, "size": a.size,
                                     "url": attachment_url(a) if attachment_url else None}
                                    for a in e.attachments.all()]}
                   for e in view.events],
    }


def counts(qs: QuerySet) -> dict:
    """On `annotate_cases` rows: alerts per kind and case state, with totals (`-` for kinds that are no cases)."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, state, n in qs.order_by().values_list("kind", "case_state_v").annotate(n=Count("pk")).values_list(
            "kind", "case_state_v", "n"):
        table[kind][state or "-"] += n
    by_state: dict[str, int] = defaultdict(int)
    for states in table.values():
        for state, n in states.items():
            by_state[state] += n
    return {"by_kind": {k: dict(v) for k, v in sorted(table.items())}, "by_state": dict(by_state),
            "total": sum(by_state.values())}


def precision(qs: QuerySet) -> list[dict]:
    """On `annotate_cases` rows: per kind and month (of the episode's start, local), decided cases confirmed and
    dismissed, and precision = confirmed / (confirmed + dismissed)."""
    rows = (qs.filter(case_state_v__in=[CaseState.CONFIRMED, CaseState.DISMISSED]).order_by()
            .annotate(month=TruncMonth("started_at", tzinfo=SHANGHAI))
            .values_list("kind", "month", "case_state_v").annotate(n=Count("pk")))
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"confirmed": 0, "dismissed": 0})
    for kind, month, state, n in rows:
        cells[(kind, timezone.localtime(month, SHANGHAI).strftime("%Y-%m"))][state] += n
    out = []
    for (kind, month), c in sorted(cells.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        decided = c["confirmed"] + c["dismissed"]
        out.append({"kind": kind, "month": month, "confirmed": c["confirmed"], "dismissed": c["dismissed"],
                    "precision": round(c["confirmed"] / decided, 3) if decided else None})
    return out


def kind_label(kind: str) -> str:
    try:
        return str(AlertKind(kind).label)
    except ValueError:
        return kind
