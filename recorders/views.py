"""Web pages of the recorders app: the shift counter (scan-first; the work is done by the API), recorder checks
with the maintenance-due list, and the footage inspection register with its not-inspected report and exports."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from assets import access
from assets.models import Asset, OrgUnit
from quartermaster.errors import DomainError, unit_label


from . import reports, selectors, services
from .choices import CheckKind, CheckResult
from .models import FootageInspection, RecorderCheck


def _unit(request, code: str | None) -> OrgUnit:
    """The unit asked for (in the user's scope), else the user's own scope unit, else the root."""
    if code:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise DomainError(_("未知单位 %(unit_code)s"), field="unit", unit_code=code)
        if not access.unit_in_scope(request.user, unit):
            raise PermissionDenied(_("%(unit)s 不在您的管辖范围内") % {"unit": unit_label(unit)})
        return unit
    return access.scope_unit(request.user) or OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()


def _date(value: str | None, default: dt.date | None = None) -> dt.date | None:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(_("日期格式应为 YYYY-MM-DD：%(value)s"), field="date", value=value) from None


def _units(request, **filters) -> list[OrgUnit]:
    return list(access.restrict(OrgUnit.objects.filter(**filters).order_by("path"), request.user))


@access.page("assets.Asset", access.CHANGE)
def counter(request):
    return render(request, "recorders/counter.html", {"overdue_hours": settings.QM_SHIFT_OVERDUE_HOURS,
                                                      "can_counter": True})


@access.page("recorders.RecorderCheck")
def checks(request):
    error = None
    if request.method == "POST":
        if not access.may(request.user, access.ADD, RecorderCheck):
            raise PermissionDenied(_("您的角色不能登记记录仪检查"))
        try:
            post = request.POST
            asset = services.asset_by_tag(post.get("tag", ""))
            performer = post.get("performed_by", "").strip()
            services.recorder_check_record(
                asset=asset, checked_on=_date(post.get("checked_on"), timezone.localdate()), kind=post.get("kind"),
                result=post.get("result"), note=post.get("note", ""),
                performed_by=services.person_by_card(performer) if performer else None)
            return redirect(f"{request.path}?tag={asset.tag}")
        except DomainError as exc:
            error = exc.message
        except ValidationError as exc:  # full_clean: a kind or result the form does not offer
            error = "; ".join(exc.messages)
    try:
        unit = _unit(request, request.GET.get("unit"))
        on = _date(request.GET.get("on"), timezone.localdate())
    except DomainError as exc:
        unit, on, error = _unit(request, None), timezone.localdate(), exc.message
    assets = access.restrict(Asset.objects.all(), request.user)
    rows = access.restrict(RecorderCheck.objects.all(), request.user)
    tag = request.GET.get("tag", "").strip()
    recorder = assets.filter(tag=tag).first() if tag else None
    context = {
        "unit": unit, "on": on.isoformat(), "units": _units(request), "error": error, "tag": tag,
        "recorder": recorder, "history": selectors.checks_of(rows, recorder) if recorder else [],
        "recent": list(rows.filter(asset__unit__path__startswith=unit.path).select_related("asset", "performed_by")
                       .order_by("-checked_on", "-id")[:30]),
        "due": selectors.maintenance_due(assets, unit=unit, on=on),
        "kinds": CheckKind.choices, "results": CheckResult.choices,
        "can_add": access.may(request.user, access.ADD, RecorderCheck), "today": timezone.localdate().isoformat(),
        "can_counter": access.may(request.user, access.CHANGE, Asset),
    }
    return render(request, "recorders/checks.html", context, status=400 if error and request.method == "POST" else 200)


@access.page("recorders.FootageInspection")
def inspections(request):
    error = None
    if request.method == "POST":
        if not access.may(request.user, access.ADD, FootageInspection):
            raise PermissionDenied(_("您的角色不能登记执法音像记录检查"))
        try:
            post = request.POST
            brigade = _unit(request, post.get("unit") or "-")
            tags = [t for t in post.get("recorders", "").replace("，", ",").replace(" ", ",").split(",") if t]
            services.footage_inspection_record(
                inspected_on=_date(post.get("inspected_on"), timezone.localdate()), inspector=post.get("inspector", ""),
                unit=brigade, recorders=[services.asset_by_tag(t) for t in tags],
                items_checked=int(post.get("items_checked") or 0), findings=post.get("findings", ""),
                follow_up=post.get("follow_up", ""))
            return redirect(request.path)
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", str(exc))
    try:
        unit = _unit(request, request.GET.get("unit"))
        as_of = _date(request.GET.get("as_of"), timezone.localdate())
        days = int(request.GET.get("days") or settings.QM_FOOTAGE_INSPECTION_DAYS)
        if days < 1:
            raise ValueError(days)
    except (DomainError, ValueError) as exc:
        if request.GET.get("format"):
            return HttpResponse(getattr(exc, "message", str(exc)), status=400, content_type="text/plain")
        unit, as_of, days = _unit(request, None), timezone.localdate(), settings.QM_FOOTAGE_INSPECTION_DAYS
        error = getattr(exc, "message", _("周期天数应为正整数"))
    rows = access.restrict(FootageInspection.objects.all(), request.user)
    report = selectors.inspections_due(rows, unit=unit, as_of=as_of, days=days)
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in reports.FORMATS:
            return HttpResponse(f"unknown format {fmt!r}; one of {', '.join(reports.FORMATS)}", status=400,
                                content_type="text/plain")
        response = HttpResponse(reports.render(report, fmt), content_type=reports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = (f'attachment; filename="footage-inspections-{unit.code}-'
                                           f'{as_of.isoformat()}.{fmt}"')
        return response
    context = {
        "report": report, "unit": unit, "as_of": as_of.isoformat(), "days": days, "units": _units(request),
        "brigades": _units(request, kind="brigade"), "register": selectors.register(rows, unit=unit)[:100],
        "error": error, "formats": reports.FORMATS, "today": timezone.localdate().isoformat(),
        "can_add": access.may(request.user, access.ADD, FootageInspection),
        "can_counter": access.may(request.user, access.CHANGE, Asset),
    }
    return render(request, "recorders/inspections.html", context, status=400 if error and request.method == "POST" else 200)


__all__ = ["checks", "counter", "inspections"]
