"""Scheduled reports: a small registry of report kinds (what a schedule may ask for), the schedule's calendar, and
the run that renders one file per unit and queues one e-mail per recipient with the files attached.

A kind is `ReportKind(code, label, formats, params, render)`: `render(unit, owner, start, end, fmt, params)` gives
the file's bytes for one unit over the period [start, end] (local dates, both included). Register more with
`register(...)` from the app that owns the report."""
from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from assets import access
from quartermaster.errors import DomainError, one_of, unit_label

from .choices import Channel, DeliveryStatus, Frequency, Purpose, RunStatus
from .models import Delivery, ReportFile, ReportRun, ReportSchedule

logger = logging.getLogger("qm.notify")
CONTENT_TYPES = {
    "json": "application/json", "csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8",
    "pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ReportKind:
    code: str
    label: str
    formats: tuple[str, ...]
    render: Callable
    params: dict = field(default_factory=dict)  # name -> allowed values (the first is the default)


REPORT_KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    REPORT_KINDS[kind.code] = kind
    return kind


def _compliance(unit, owner, start, end, fmt, params) -> bytes:
    from compliance.render import render
    from compliance.services import compliance_report

    return render(compliance_report(unit=unit, standard_id=params["standard"], as_of=end), fmt)


def _scheduled():
    from telematics.privacy import Purpose
    return Purpose(str(_("定期报表（订阅人设定）")))


def _journeys(unit, owner, start, end, fmt, params) -> bytes:
    from telematics.journeys.render import render
    from telematics.journeys.selectors import unit_journeys
    from telematics.models import Vehicle
    from telematics.privacy import track_gate

    vehicles = access.restrict(Vehicle.objects.filter(unit__path__startswith=unit.path), owner)
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    track_gate(user=owner, vehicles=list(vehicles), start=lo, end=hi, purpose=_scheduled(), path="notify:journeys")
    return render(unit_journeys(unit, vehicles, lo, hi), fmt)


def _standards() -> tuple[str, ...]:
    preferred = getattr(settings, "QM_STANDARD", None) or "jiangsu"
    return (preferred, *(s for s in ("jiangsu", "model") if s != preferred))


register(ReportKind("compliance", _("合规核查报告"), ("xlsx", "pdf", "csv", "json", "html"), _compliance,
                    params={"standard": _standards()}))
register(ReportKind("journeys", _("行程报表（派车单比对）"), ("xlsx", "csv", "json"), _journeys))


def _fleet_report(kind: str) -> Callable:
    def render(unit, owner, start, end, fmt, params) -> bytes:
        from telematics.reports.registry import report_bytes

        return report_bytes(kind, unit=unit, start=start, end=end, fmt=fmt, user=owner, purpose=_scheduled())
    return render


def _register_fleet_reports() -> None:
    """The fleet reports (telematics.reports: trips, stops, mileage, summary, online rate), each a kind."""
    from telematics.reports.registry import FORMATS, KINDS

    for code, title in KINDS.items():
        register(ReportKind(code, title, tuple(f for f in ("xlsx", "pdf", "csv", "json") if f in FORMATS),
                            _fleet_report(code)))


_register_fleet_reports()


def _use_register(unit, owner, start, end, fmt, params) -> bytes:
    """The use register (公务用车使用登记, telematics.register) of the month the period ends in."""
    from telematics.register.render import register_bytes

    return register_bytes(unit=unit, month=end.strftime("%Y-%m"), fmt=fmt, user=owner)


register(ReportKind("register", _("公务用车使用登记"), ("xlsx", "pdf", "csv", "json"), _use_register))


def report_kind(code: str) -> ReportKind:
    try:
        return REPORT_KINDS[code]
    except KeyError:
        raise DomainError(_("报表 %(kind)s：应为 %(kinds)s 之一"), field="kind", kind=repr(code),
                          kinds=", ".join(REPORT_KINDS)) from None


# --- the calendar ------------------------------------------------------------------------------------------------

def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def next_run(schedule: ReportSchedule, after: dt.datetime) -> dt.datetime:
    """The first scheduled moment strictly after `after` (local time)."""
    day = timezone.localtime(after).date()
    for offset in range(400):
        candidate = day + dt.timedelta(days=offset)
        if schedule.frequency == Frequency.WEEKLY and candidate.isoweekday() != schedule.weekday:
            continue
        if schedule.frequency == Frequency.MONTHLY and candidate.day != schedule.day:
            continue
        moment = _at(candidate, schedule.hour)
        if moment > after:
            return moment
    raise DomainError(_("这个计划永远不会运行"), field="frequency")


def period_for(schedule: ReportSchedule, moment: dt.datetime) -> tuple[dt.date, dt.date]:
    """What a run at `moment` covers: the day before (daily), the 7 days before (weekly), the month before
    (monthly)."""
    day = timezone.localtime(moment).date()
    last = day - dt.timedelta(days=1)
    if schedule.frequency == Frequency.DAILY:
        return last, last
    if schedule.frequency == Frequency.WEEKLY:
        return day - dt.timedelta(days=7), last
    first = (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


# --- writes ------------------------------------------------------------------------------------------------------

def _check(*, owner, kind: str, fmt: str, units, recipients: list[str], frequency: str, weekday: int, day: int,
           hour: int, params: dict, language: str) -> dict:
    spec = report_kind(kind)
    if fmt not in spec.formats:
        raise DomainError(_("格式 %(format)s：“%(report)s”应为 %(formats)s 之一"), field="format", format=repr(fmt),
                          formats=", ".join(spec.formats), report=spec.label)
    if frequency not in Frequency.values:
        raise DomainError(_("频率应为 %(choices)s 之一"), field="frequency", choices=one_of(Frequency))
    if not 1 <= weekday <= 7 or not 1 <= day <= 28 or not 0 <= hour <= 23:
        raise DomainError(_("星期为 1–7，日期为 1–28，小时为 0–23"), field="hour")
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("语言应为 %(languages)s 之一"), field="language",
                          languages=", ".join(dict(settings.LANGUAGES)))
    if not units:
        raise DomainError(_("请至少选择一个单位"), field="units")
    for unit in units:
        if not access.unit_in_scope(owner, unit):
            raise access.OutOfScope(_("%(unit)s 不在您的管辖范围内"), unit=unit_label(unit), field="units")
    if not recipients:
        raise DomainError(_("请至少填写一个收件人"), field="recipients")
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            raise DomainError(_("收件人 %(address)s 不是电子邮件地址"), field="recipients",
                              address=address) from None
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        raise DomainError(_("“%(report)s”没有这些参数：%(names)s"), field="params", report=spec.label,
                          names=", ".join(unknown))
    clean = {}
    for name, allowed in spec.params.items():
        value = params.get(name, allowed[0])
        if value not in allowed:
            raise DomainError(_("参数 %(name)s 应为 %(allowed)s 之一"), field="params", name=name,
                              allowed=", ".join(allowed))
        clean[name] = value
    return clean


@transaction.atomic
def schedule_save(*, owner, schedule: ReportSchedule | None = None, name: str, kind: str, fmt: str, units,
                  recipients: list[str], frequency: str, weekday: int = 1, day: int = 1, hour: int = 8,
                  params: dict | None = None, language: str = "zh-hans", active: bool = True,
                  now: dt.datetime | None = None) -> ReportSchedule:
    units = list(units)
    recipients = [r.strip() for r in recipients if r.strip()]
    clean = _check(owner=owner, kind=kind, fmt=fmt, units=units, recipients=recipients, frequency=frequency,
                   weekday=int(weekday), day=int(day), hour=int(hour), params=dict(params or {}), language=language)
    sched = schedule or ReportSchedule(owner=owner)
    if sched.owner_id != owner.pk:
        raise access.OutOfScope(_("这个报表计划不是您的"))
    sched.name, sched.kind, sched.format, sched.params = name.strip() or kind, kind, fmt, clean
    sched.frequency, sched.weekday, sched.day, sched.hour = frequency, int(weekday), int(day), int(hour)
    sched.language, sched.active, sched.recipients = language, active, "\n".join(recipients)
    sched.next_run_at = next_run(sched, now or timezone.now()) if active else None
    sched.save()
    sched.units.set(units)
    return sched


def schedule_run(*, schedule: ReportSchedule, moment: dt.datetime | None = None) -> ReportRun:
    """Renders the schedule's report for each of its units (those still in the owner's scope) over the period
    before `moment` and queues one e-mail per recipient with the files; the run is logged, failed or not."""
    moment = moment or timezone.now()
    start, end = period_for(schedule, moment)
    try:
        run = ReportRun.objects.create(schedule=schedule, scheduled_for=moment, period_start=start, period_end=end)
    except IntegrityError:
        raise DomainError(_("这个计划在该时刻已经运行过"), code="already_ran") from None
    spec = report_kind(schedule.kind)
    try:
        owner = schedule.owner
        if not owner.is_active or access.user_role(owner) is None:
            raise DomainError(_("%(user)s 已不能再阅读报表"), user=owner.get_username())
        units = [u for u in schedule.units.order_by("path") if access.unit_in_scope(owner, u)]
        if not units:
            raise DomainError(_("计划中的单位都已不在其所有者的管辖范围内"))
        with translation.override(schedule.language):
            for unit in units:
                body = spec.render(unit, owner, start, end, schedule.format, schedule.params)
                span = start.isoformat() if start == end else f"{start.isoformat()}_{end.isoformat()}"
                ReportFile.objects.create(run=run, filename=f"{schedule.kind}-{unit.code}-{span}.{schedule.format}",
                                          content_type=CONTENT_TYPES[schedule.format], content=body, size=len(body))
            subject = f"{spec.label}：{schedule.name}（{start.isoformat()}" + (
                f" – {end.isoformat()}）" if start != end else "）")
            text = "\n".join([str(_("定时报表，附件见本邮件。")), f"{spec.label}：{schedule.name}",
                              _("单位：%(units)s") % {"units": "、".join(u.name for u in units)},
                              _("时段：%(start)s – %(end)s") % {"start": start.isoformat(), "end": end.isoformat()},
                              ""])
        Delivery.objects.bulk_create([
            Delivery(user=owner, channel=Channel.EMAIL, purpose=Purpose.REPORT, target=address[:300],
                     subject=subject[:300], body=text, report_run=run, status=DeliveryStatus.PENDING,
                     next_attempt_at=timezone.now())
            for address in schedule.recipient_list])
        run.status = RunStatus.OK
    except DomainError as exc:
        run.status, run.error = RunStatus.FAILED, exc.message
    except Exception as exc:  # a report that cannot be rendered is logged on the run, the worker carries on
        logger.exception("scheduled report %s failed", schedule.pk)
        run.status, run.error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


def schedules_run_due(*, now: dt.datetime | None = None) -> int:
    """Runs every active schedule whose moment has come (once, even after a long stop: missed moments are not
    replayed one by one) and moves it to its next moment. Returns how many ran."""
    now = now or timezone.now()
    ran = 0
    while True:
        with transaction.atomic():
            schedule = (ReportSchedule.objects.select_for_update(skip_locked=True)
                        .filter(active=True, next_run_at__lte=now).order_by("next_run_at", "id").first())
            if schedule is None:
                return ran
            moment = schedule.next_run_at
            schedule.next_run_at = next_run(schedule, now)
            schedule.save(update_fields=["next_run_at"])
        try:
            schedule_run(schedule=schedule, moment=moment)
        except DomainError as exc:  # ran already for that moment (another worker)
            logger.info("schedule %s: %s", schedule.pk, exc.message)
        ran += 1
