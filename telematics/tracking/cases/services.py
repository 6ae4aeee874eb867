"""Writes of the alert cases: the unit explains, an inspector returns the case for more, confirms or dismisses it.

Who may do what (`assets.access`, policy of `tracking.Alert`, and the checks below):
- explain: the vehicle's unit — a fleet manager or logistics officer (or administrator) whose scope reaches the
  vehicle's unit;
- return / confirm / dismiss: a fleet manager or an auditor (督察; or administrator) whose scope reaches the vehicle's
  unit from above — a user scoped to the vehicle's own unit (or below it) explains for the unit and does not judge
  its case, unless their scope is the whole bureau — and never the person who wrote the explanation under review;
- note (批注, the state stays): anyone who may explain or decide the case, until it is decided.
Decisions follow an explanation, or the deadline passing without one; a decided case is final. The cases are the one
review of an alert (the former acknowledge/dismiss review was carried over into them).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets import access
from quartermaster.context import current
from quartermaster.errors import ConflictError, DomainError, choice_label

from .. import conf
from ..choices import DECIDED_STATES, AlertKind, CaseAction, CaseState
from ..labels import alert_label
from ..models import Alert, AlertCase, AlertCaseAttachment, AlertCaseEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXPLAIN, RETURN, CONFIRM, DISMISS = "case_explain", "case_return", "case_confirm", "case_dismiss"
NOTE = "case_note"
ACCESS_ACTION = {CaseAction.EXPLAIN: EXPLAIN, CaseAction.RETURN: RETURN, CaseAction.CONFIRM: CONFIRM,
                 CaseAction.DISMISS: DISMISS, CaseAction.NOTE: NOTE}
TEXT_MAX = 4000


def case_kinds() -> frozenset[str]:
    """The alert kinds handled as cases (QM_CASE_KINDS)."""
    kinds = {k.strip() for k in str(conf.get("QM_CASE_KINDS")).split(",") if k.strip()}
    return frozenset(k for k in kinds if k in AlertKind.values)


def case_alert(alert: Alert) -> Alert:
    """The alert whose case covers `alert`: the journey of a stop made during it, else the alert itself."""
    return alert.part_of if alert.part_of_id else alert


def deadline_after(day: dt.date, working_days: int | None = None) -> dt.datetime:
    """The end (23:59:59 local) of the `working_days`-th working day after `day` (holiday calendar)."""
    from telematics.calendar import working_days_after

    n = int(conf.get("QM_CASE_EXPLAIN_WORKING_DAYS")) if working_days is None else working_days
    due = working_days_after(day, n)
    return dt.datetime.combine(due, dt.time(23, 59, 59), SHANGHAI)


def default_deadline(alert: Alert) -> dt.datetime:
    """The explanation is due N working days after the local day the episode began."""
    return deadline_after(timezone.localtime(alert.started_at, SHANGHAI).date())


def case_open(*, alert: Alert) -> AlertCase:
    """The case of `alert` (of its journey, for a stop made during one), opened now if it has none yet."""
    root = case_alert(alert)
    if root.kind not in case_kinds():
        raise DomainError(_("“%(kind)s”告警不按核查案件处理（设置 QM_CASE_KINDS）"), code="not_a_case",
                          kind=choice_label(root.kind, AlertKind))
    case = AlertCase.objects.filter(alert=root).first()
    if case is None:
        case = AlertCase.objects.get_or_create(alert=root, defaults={"deadline": default_deadline(root)})[0]
    return case


def is_overdue(case: AlertCase, now: dt.datetime | None = None) -> bool:
    return case.state == CaseState.PENDING and case.deadline < (now or timezone.now())


def _judges_from_above(user, alert: Alert) -> bool:
    if access.whole_bureau(user):
        return True
    scope = access.scope_unit(user)
    unit = alert.vehicle.unit
    return scope is not None and unit.path.startswith(scope.path) and unit.pk != scope.pk


def may(user, action: str, alert: Alert) -> bool:
    """May `user` take `action` (a CaseAction) on the case of `alert` now (role, scope, the case's state)?"""
    try:
        _check(user, action, alert, _state(alert))
    except DomainError:
        return False
    return True


def _state(alert: Alert) -> tuple[str, dt.datetime, str | None]:
    """(state, deadline, who explained last) of the alert's case, without opening it."""
    root = case_alert(alert)
    case = AlertCase.objects.filter(alert=root).first()
    if case is None:
        return CaseState.PENDING, default_deadline(root), None
    last = case.events.filter(action=CaseAction.EXPLAIN).order_by("-at", "-pk").values_list("user_id", flat=True)
    return case.state, case.deadline, (last[0] if last else None)


def _check(user, action: str, alert: Alert, state: tuple) -> None:
    current_state, deadline, explainer = state
    root = case_alert(alert)
    if root.kind not in case_kinds():
        raise DomainError(_("“%(kind)s”告警不按核查案件处理"), code="not_a_case",
                          kind=choice_label(root.kind, AlertKind))
    access.ensure(user, root, ACCESS_ACTION[action], what="alert")
    if current_state in DECIDED_STATES:
        raise ConflictError(_("%(alert)s的核查已有结论（%(state)s）"), alert=alert_label(root),
                            state=choice_label(current_state, CaseState))
    if action == CaseAction.EXPLAIN:
        if current_state != CaseState.PENDING:
            raise ConflictError(_("%(alert)s的核查处于“%(state)s”：等待结论"), alert=alert_label(root),
                                state=choice_label(current_state, CaseState))
        return
    if action == CaseAction.NOTE:
        if not (access.may(user, EXPLAIN, Alert) or _judges_from_above(user, root)):
            raise access.OutOfScope(_("只有说明或审定此核查的人员可以添加批注"))
        return
    if not _judges_from_above(user, root):
        raise access.OutOfScope(_("由车辆所属单位说明情况，由其上级的车辆管理员或督察作出结论"))
    if explainer is not None and explainer == getattr(user, "pk", None):
        raise access.OutOfScope(_("说明是您写的：须由另一人作出结论"))
    if action == CaseAction.RETURN:
        if current_state != CaseState.EXPLAINED:
            raise ConflictError(_("%(alert)s的核查没有可退回的说明"), alert=alert_label(root))
        return
    if current_state == CaseState.PENDING and deadline >= timezone.now():
        raise ConflictError(_("%(alert)s的核查在 %(deadline)s 前等待单位说明"), alert=alert_label(root),
                            deadline=f"{timezone.localtime(deadline, SHANGHAI):%Y-%m-%d %H:%M}")


def _text(value: str, *, required: bool, what: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("请填写%(what)s"), field="text", what=what)
    if len(text) > TEXT_MAX:
        raise DomainError(_("%(what)s超过 %(max)s 个字符"), field="text", what=what, max=TEXT_MAX)
    return text


def _step(*, alert: Alert, user, action: str, text: str, to_state: str, deadline: dt.datetime | None = None,
          late_order=None) -> AlertCaseEvent:
    case = case_open(alert=alert)
    case = AlertCase.objects.select_for_update().get(pk=case.pk)
    _check(user, action, alert, _state(alert))
    event = AlertCaseEvent.objects.create(
        case=case, action=action, from_state=case.state, to_state=to_state, text=text, late_order=late_order,
        deadline=deadline, user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or current().username or "system",
        role=access.user_role(user) or "")
    case.state = to_state
    update = ["state", "updated_at"]
    if deadline is not None:
        case.deadline = deadline
        update.append("deadline")
    case.save(update_fields=update)
    return event


@transaction.atomic
def case_explain(*, alert: Alert, user, text: str, late_order_id: int | None = None, files=()) -> AlertCaseEvent:
    """The unit's explanation (text, attachments, optionally the 补单 that regularises the trip): 待说明 → 已说明."""
    from telematics.journeys.models import LateOrder

    text = _text(text, required=True, what=pgettext_lazy("field", "说明"))
    late_order = None
    if late_order_id:
        root = case_alert(alert)
        late_order = LateOrder.objects.filter(pk=late_order_id, trip__vehicle_id=root.vehicle_id).first()
        if late_order is None:
            raise DomainError(_("所选补单不属于 %(plate)s"), field="late_order", plate=root.vehicle.plate)
    limit = int(conf.get("QM_CASE_ATTACHMENT_MAX_MB")) * 1024 * 1024
    for f in files:
        if f.size > limit:
            raise DomainError(_("附件 %(name)s 超过 %(limit)s MB"), field="files", name=f.name,
                              limit=limit // (1024 * 1024))
    event = _step(alert=alert, user=user, action=CaseAction.EXPLAIN, text=text, to_state=CaseState.EXPLAINED,
                  late_order=late_order)
    for f in files:
        name = str(f.name).replace("\\", "/").rsplit("/", 1)[-1][:200] or "attachment"
        AlertCaseAttachment.objects.create(event=event, file=f, name=name, size=f.size,
                                           content_type=str(getattr(f, "content_type", "") or "")[:100])
    return event


@transaction.atomic
def case_return(*, alert: Alert, user, text: str) -> AlertCaseEvent:
    """Sent back to the unit for a fuller explanation, with a new deadline counted from today: 已说明 → 待说明."""
    text = _text(text, required=True, what=pgettext_lazy("field", "退回理由"))
    return _step(alert=alert, user=user, action=CaseAction.RETURN, text=text, to_state=CaseState.PENDING,
                 deadline=deadline_after(timezone.localdate(timezone=SHANGHAI)))


@transaction.atomic
def case_confirm(*, alert: Alert, user, text: str = "") -> AlertCaseEvent:
    """认定: the use was a violation (after the explanation, or once its deadline has passed without one)."""
    return _step(alert=alert, user=user, action=CaseAction.CONFIRM,
                 text=_text(text, required=False, what=pgettext_lazy("field", "备注")),
                 to_state=CaseState.CONFIRMED)


@transaction.atomic
def case_dismiss(*, alert: Alert, user, text: str) -> AlertCaseEvent:
    """排除: no violation; the reason is required."""
    return _step(alert=alert, user=user, action=CaseAction.DISMISS,
                 text=_text(text, required=True, what=pgettext_lazy("field", "排除理由")),
                 to_state=CaseState.DISMISSED)


@transaction.atomic
def case_note(*, alert: Alert, user, text: str) -> AlertCaseEvent:
    """批注: a remark on the case (text required); the state stays as it is."""
    text = _text(text, required=True, what=pgettext_lazy("field", "批注"))
    case = AlertCase.objects.select_for_update().get(pk=case_open(alert=alert).pk)
    return _step(alert=alert, user=user, action=CaseAction.NOTE, text=text, to_state=case.state)


CASE_STEPS = {CaseAction.EXPLAIN: case_explain, CaseAction.RETURN: case_return, CaseAction.CONFIRM: case_confirm,
              CaseAction.DISMISS: case_dismiss, CaseAction.NOTE: case_note}
