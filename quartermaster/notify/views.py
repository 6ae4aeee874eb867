"""Pages of notify: the inbox behind the bell, the user's subscriptions and robots, the delivery log, scheduled
reports with their runs and files. Every page shows the signed-in user's own rows (an administrator's delivery log
and runs: those of the users in their subtree)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assets import access
from assets.models import OrgUnit
from quartermaster.context import change_context
from quartermaster.errors import DomainError

from . import reports, senders, services
from .choices import Severity
from .forms import RobotForm, ScheduleForm, SubscriptionForm
from .models import Delivery, Notification, ReportFile, ReportRun, ReportSchedule, Robot, Subscription


def _units(user):
    return list(access.restrict(OrgUnit.objects.all(), user).order_by("path"))


def _units_by_code(user, codes):
    units = {u.code: u for u in access.restrict(OrgUnit.objects.filter(code__in=codes), user)}
    missing = sorted(set(codes) - set(units))
    if missing:
        raise access.OutOfScope(_("单位 %(unit)s 不存在或不在您的管辖范围内") % {"unit": missing[0]})
    return list(units.values())


def _fail(request, exc: DomainError):
    messages.error(request, exc.message)


@access.page("notify.Notification")
def inbox_page(request):
    if request.method == "POST":
        ids = None if request.POST.get("op") == "read-all" else [int(i) for i in request.POST.getlist("id")
                                                                 if i.isdigit()]
        services.notifications_mark_read(user=request.user, ids=ids)
        return redirect("notify:inbox")
    rows = access.restrict(Notification.objects.filter(user=request.user), request.user)[:200]
    return render(request, "notify/inbox.html", {"rows": rows})


@access.page("notify.Subscription")
def settings_page(request):
    user = request.user
    units = _units(user)
    robots = list(access.restrict(Robot.objects.filter(user=user), user))
    sub_form = SubscriptionForm(units=units, robots=robots)
    robot_form = RobotForm()
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            with change_context(user=user, source="web"):
                if op == "subscription":
                    sub_form = SubscriptionForm(request.POST, units=units, robots=robots)
                    if sub_form.is_valid():
                        data = sub_form.cleaned_data
                        chosen = [r for r in robots if str(r.pk) in data["robots"]]
                        services.subscription_save(user=user, name=data["name"], kinds=data["kinds"],
                                                   units=_units_by_code(user, data["units"]),
                                                   min_severity=data["min_severity"], in_app=data["in_app"],
                                                   email=data["email"], robots=chosen,
                                                   immediate=data["immediate"], digest=data["digest"])
                        messages.success(request, _("订阅已保存"))
                        return redirect("notify:settings")
                elif op == "robot":
                    robot_form = RobotForm(request.POST)
                    if robot_form.is_valid():
                        services.robot_create(user=user, **robot_form.cleaned_data)
                        messages.success(request, _("群机器人已添加"))
                        return redirect("notify:settings")
                elif op in ("delete-subscription", "delete-robot", "test-robot", "toggle-subscription"):
                    model = Subscription if "subscription" in op else Robot
                    obj = access.restrict(model.objects.filter(user=user), user, access.CHANGE) \
                        .filter(pk=request.POST.get("id", "0") if request.POST.get("id", "").isdigit() else 0).first()
                    if obj is None:
                        raise Http404
                    if op == "test-robot":
                        services.robot_test(robot=obj)
                        messages.success(request, _("测试消息已排队，请查看发送记录"))
                    elif op == "toggle-subscription":
                        obj.active = not obj.active
                        obj.save(update_fields=["active"])
                    else:
                        obj.delete()
                    return redirect("notify:settings")
        except DomainError as exc:
            _fail(request, exc)
    subs = access.restrict(Subscription.objects.filter(user=user), user).prefetch_related("units", "robots")
    return render(request, "notify/settings.html", {
        "subscriptions": subs, "robots": [(r, senders.display_url(r.url)) for r in robots],
        "sub_form": sub_form, "robot_form": robot_form, "severities": dict(Severity.choices)})


@access.page("notify.Delivery")
def deliveries_page(request):
    if request.method == "POST":
        pk = request.POST.get("id", "")
        delivery = access.restrict(Delivery.objects.filter(user=request.user), request.user, "retry") \
            .filter(pk=int(pk) if pk.isdigit() else 0).first()
        if delivery is None:
            raise Http404
        try:
            services.delivery_retry(delivery=delivery)
            messages.success(request, _("已重新排队发送"))
        except DomainError as exc:
            _fail(request, exc)
        return redirect("notify:deliveries")
    qs = access.restrict(Delivery.objects.select_related("user"), request.user)
    if access.user_role(request.user) != access.ADMIN:
        qs = qs.filter(user=request.user)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    return render(request, "notify/deliveries.html", {"rows": qs[:300], "status": status})


@access.page("notify.ReportSchedule")
def schedules_page(request):
    user = request.user
    units = _units(user)
    form = ScheduleForm(units=units, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            with change_context(user=user, source="web"):
                if op == "create":
                    form = ScheduleForm(request.POST, units=units)
                    if form.is_valid():
                        data = form.cleaned_data
                        spec = reports.report_kind(data["kind"])
                        params = {"standard": data["standard"]} if "standard" in spec.params and data["standard"] \
                            else {}
                        reports.schedule_save(owner=user, name=data["name"], kind=data["kind"], fmt=data["format"],
                                              units=_units_by_code(user, data["units"]),
                                              recipients=data["recipients"].split(), frequency=data["frequency"],
                                              weekday=data["weekday"], day=data["day"], hour=data["hour"],
                                              params=params, language=data["language"])
                        messages.success(request, _("定时报表已保存"))
                        return redirect("notify:schedules")
                else:
                    pk = request.POST.get("id", "")
                    schedule = access.restrict(ReportSchedule.objects.filter(owner=user), user, access.CHANGE) \
                        .filter(pk=int(pk) if pk.isdigit() else 0).first()
                    if schedule is None:
                        raise Http404
                    if op == "run":
                        reports.schedule_run(schedule=schedule)
                        return redirect("notify:runs", pk=schedule.pk)
                    if op == "delete":
                        schedule.delete()
                    return redirect("notify:schedules")
        except DomainError as exc:
            _fail(request, exc)
    schedules = access.restrict(ReportSchedule.objects.filter(owner=user), user).prefetch_related("units")
    return render(request, "notify/schedules.html", {"schedules": schedules, "form": form,
                                                     "kinds": reports.REPORT_KINDS})


def _runs(user):
    qs = access.restrict(ReportRun.objects.select_related("schedule__owner"), user)
    if access.user_role(user) != access.ADMIN:
        qs = qs.filter(schedule__owner=user)
    return qs


@access.page("notify.ReportRun")
def runs_page(request, pk: int):
    schedule = access.restrict(ReportSchedule.objects.filter(pk=pk), request.user).first()
    if schedule is None or (schedule.owner_id != request.user.pk and access.user_role(request.user) != access.ADMIN):
        raise Http404
    runs = _runs(request.user).filter(schedule=schedule).prefetch_related("files", "deliveries")[:100]
    return render(request, "notify/runs.html", {"schedule": schedule, "runs": runs})


@access.page("notify.ReportRun")
def report_file(request, pk: int):
    item = access.restrict(ReportFile.objects.filter(pk=pk, run__in=_runs(request.user)), request.user).first()
    if item is None:
        raise Http404
    response = HttpResponse(bytes(item.content), content_type=item.content_type)
    response["Content-Disposition"] = f'attachment; filename="{item.filename}"'
    return response
