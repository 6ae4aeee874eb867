"""Web pages of the uniforms app: the scan-first hand-over and stocktake screens (their work is done by the API),
the person page (holdings with replacement dates, custody history, the departure checklist with its buttons), and
the lists of departures and stocktakes."""
import datetime as dt

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from assets import labels
from assets.access import CHANGE, VIEW, in_scope, page, restrict
from assets.choices import DEPARTED_STATUSES, AssetStatus, CategoryCode
from assets.lists import Column, Filter, Listing
from assets.models import Category, CustodyEvent, Person
from assets.selectors import person_held_assets, uniform_service_years
from assets.views import due_for, person_url, unit_filter, unit_url
from quartermaster.errors import DomainError

from .choices import ChecklistLineState, DepartureKind, HandoverMode, StocktakeStatus
from .models import Departure, OfficerSize, Stocktake
from .selectors import departure_checklist
from .services import (
    HandoverRefused,
    departure_close_out,
    departure_open,
    handover_commit,
    person_depart,
)


@page("assets.Asset", CHANGE)
def handover_screen(request):
    names = {c.code: c.local_name for c in Category.objects.all()}
    return render(request, "uniforms/handover.html", {"category_names": names, "item_names": labels.item_names()})


@page("uniforms.Stocktake", CHANGE)
def stocktake_screen(request):
    """The scan screen: a new stocktake, or (`?stocktake=ID`, from an annual inventory) an open one resumed."""
    resume = None
    if request.GET.get("stocktake", "").isdigit():
        resume = get_object_or_404(restrict(Stocktake.objects.select_related("unit"), request.user, CHANGE)
                                   .filter(status=StocktakeStatus.OPEN), pk=int(request.GET["stocktake"]))
    return render(request, "uniforms/stocktake.html", {"resume": resume, "item_names": labels.item_names()})


# --- the person page, departures and stocktakes ----------------------------------------------------------------

def _person(request, staff_no: str, action: str = VIEW) -> Person:
    # Outside the user's scope is "not found": the page does not confirm that the staff number exists elsewhere.
    return get_object_or_404(restrict(Person.objects.select_related("unit"), request.user, action), staff_no=staff_no)


def _latest_effective(person: Person) -> dt.date:
    last = person.history.filter(status=person.status).order_by("-effective", "-id").first()
    return last.effective if last else timezone.localdate()


@page("assets.Person")
def person_detail(request, staff_no: str):
    person = _person(request, staff_no)
    years = uniform_service_years()
    held = [{"asset": a, "due": due_for(a, years)} for a in restrict(
        person_held_assets(person).select_related("unit"), request.user).order_by("category_id", "tag")]
    events = (restrict(CustodyEvent.objects.filter(Q(person=person) | Q(holder_person_after=person)), request.user)
              .select_related("asset__category", "unit").order_by("-occurred_at", "-id")[:200])
    departure = restrict(Departure.objects.filter(person=person), request.user).first()
    checklist = departure_checklist(departure) if departure else []
    today = timezone.localdate()
    return render(request, "uniforms/person_detail.html", {
        "person": person, "held": held, "events": events, "today": today,
        "sizes": restrict(OfficerSize.objects.filter(person=person), request.user).select_related("item_type"),
        "certificate": next((row["asset"] for row in held if row["asset"].category_id == CategoryCode.CERTIFICATE),
                            None),
        "departure": departure, "checklist": checklist,
        "checklist_open": sum(1 for line in checklist if line["state"] == ChecklistLineState.OPEN),
        "departed": person.status in DEPARTED_STATUSES, "kinds": DepartureKind.choices,
        "may_change": in_scope(request.user, person, CHANGE),
        "profile_user": getattr(getattr(person, "user_profile", None), "user", None)})


def _refused(request, exc: DomainError) -> None:
    messages.error(request, exc.message)


@page("uniforms.Departure", CHANGE)
@require_POST
def departure_open_view(request, staff_no: str):
    """Opens the return checklist: for a person still active, marks the departure (调离/退休) first; for one
    already recorded as departed without a checklist (an imported record), opens it at their departure date."""
    person = _person(request, staff_no, CHANGE)
    try:
        with transaction.atomic():
            if person.status in DEPARTED_STATUSES:
                departure_open(person=person, kind=person.status, effective=_latest_effective(person))
            else:
                effective = parse_date(request.POST.get("effective") or "") or timezone.localdate()
                person_depart(person=person, kind=request.POST.get("kind", ""), effective=effective,
                              note=request.POST.get("note", "").strip())
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, gettext("已为 %(name)s（%(staff_no)s）开具清退单") %
                         {"name": person.name, "staff_no": person.staff_no})
    return redirect("uniforms:person-detail", staff_no=person.staff_no)


@page("assets.Asset", CHANGE)
@require_POST
def person_return_view(request, staff_no: str):
    """Takes back one item the person holds (a return receipt, as the scan-first hand-over makes), with the
    condition noted."""
    person = _person(request, staff_no, CHANGE)
    tag = request.POST.get("tag", "").strip()
    note = request.POST.get("note", "").strip()
    try:
        handover_commit(mode=HandoverMode.RETURN, tags=[tag], person=person, note=note)
    except HandoverRefused as exc:
        for line in exc.lines:
            if not line["ok"]:
                messages.error(request, gettext("%(tag)s：%(reason)s") % {"tag": line["tag"], "reason": line["reason"]})
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, gettext("已收回 %(tag)s") % {"tag": tag})
    return redirect("uniforms:person-detail", staff_no=person.staff_no)


@page("uniforms.Departure", CHANGE)
@require_POST
def departure_close_view(request, pk: int):
    departure = get_object_or_404(restrict(Departure.objects.select_related("person"), request.user, CHANGE), pk=pk)
    try:
        departure_close_out(departure=departure)
    except DomainError as exc:
        if exc.code == "checklist_open":
            still = [line["tag"] for line in departure_checklist(departure)
                     if line["state"] == ChecklistLineState.OPEN]
            messages.error(request, gettext("%(name)s 仍持有 %(tags)s：每件交回或报失后才能办结") % {
                "name": departure.person.name, "tags": "、".join(still)})
        else:
            _refused(request, exc)
    else:
        messages.success(request, gettext("清退单已办结"))
    return redirect("uniforms:person-detail", staff_no=departure.person.staff_no)


DEPARTURE_COLUMNS = [
    Column("staff_no", _("工号"), lambda d: d.person.staff_no, "person__staff_no", lambda d: person_url(d.person)),
    Column("name", _("姓名"), lambda d: d.person.name, "person__name", lambda d: person_url(d.person)),
    Column("unit", _("单位"), lambda d: d.person.unit.name, "person__unit__path", lambda d: unit_url(d.person.unit)),
    Column("kind", _("类型"), lambda d: d.get_kind_display(), "kind"),
    Column("effective", _("生效日期"), lambda d: d.effective, "effective"),
    Column("open_lines", _("未交回"), lambda d: d.open_lines, "open_lines"),
    Column("closed_out", _("已办结"), lambda d: _("是") if d.closed_out else _("否"), "closed_out"),
    Column("closed_at", _("办结时间"), lambda d: d.closed_at, "closed_at"),
]


@page("uniforms.Departure")
def departure_list(request):
    departures = restrict(Departure.objects.select_related("person__unit"), request.user).annotate(
        open_lines=Count("items", filter=Q(items__asset__status=AssetStatus.ISSUED,
                                           items__asset__holder_person=F("person"))))
    listing = Listing(request, departures, DEPARTURE_COLUMNS, filters=[
        unit_filter("person__unit"), Filter("kind", _("类型"), "kind", DepartureKind.choices),
        Filter("closed_out", _("已办结"), "closed_out", (("1", _("是")), ("0", _("否"))),
               lambda qs, v: qs.filter(closed_out=v == "1")),
    ], search=("person__staff_no", "person__name"), default_sort="-effective", filename="departures")
    return listing.export or render(request, "lists/list.html", {
        "listing": listing, "title": pgettext_lazy("navigation", "离岗清退"), "list_id": "departures",
        "search_hint": _("工号、姓名")})


STOCKTAKE_COLUMNS = [
    Column("started_at", _("开始时间"), lambda s: s.started_at, "started_at"),
    Column("unit", _("单位"), lambda s: s.unit.name, "unit__path", lambda s: unit_url(s.unit)),
    Column("place", _("存放地点"), lambda s: s.place.name if s.place else "", "place__code"),
    Column("status", _("状态"), lambda s: s.get_status_display(), "status"),
    Column("scans", _("扫码数"), lambda s: s.scan_count, "scan_count"),
    Column("username", _("盘点人"), lambda s: s.username, "username"),
    Column("closed_at", _("结束时间"), lambda s: s.closed_at, "closed_at"),
]


@page("uniforms.Stocktake")
def stocktake_list(request):
    stocktakes = restrict(Stocktake.objects.select_related("unit", "place"), request.user).annotate(
        scan_count=Count("scans"))
    listing = Listing(request, stocktakes, STOCKTAKE_COLUMNS, filters=[
        unit_filter(), Filter("status", _("状态"), "status", StocktakeStatus.choices),
    ], search=("unit__code", "unit__name", "username", "place__name"), default_sort="-started_at",
        filename="stocktakes")
    return listing.export or render(request, "lists/list.html", {
        "listing": listing, "title": _("盘点记录"), "list_id": "stocktakes", "search_hint": _("单位、盘点人、地点")})
