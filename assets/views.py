"""The registry's pages: lists of people, assets and units, and the asset and unit pages (the person page, which
shows departures and uniform replacement, lives with the uniforms app). Every queryset is cut by assets.access."""
from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from quartermaster.dbrouter import reads_from_replica

from . import access, labels
from .choices import COUNTED_STATUSES, AssetStatus, CategoryCode, CustodyAction, PersonRole, PersonStatus
from .lists import Column, Filter, Listing
from .models import Asset, Category, CustodyEvent, OrgUnit, Person
from .models.registry import local_category_name
from .selectors import uniform_due_on, uniform_service_years

REPAIR_ACTIONS = (CustodyAction.REPAIR_OUT, CustodyAction.REPAIR_IN)


# --- links: every page that names a person, an asset or a unit leads to its page -----------------------------

def person_url(person) -> str | None:
    return reverse("uniforms:person-detail", args=[person.staff_no]) if person else None


def asset_url(asset) -> str | None:
    return reverse("assets:asset-detail", args=[asset.tag]) if asset else None


def unit_url(unit) -> str | None:
    return reverse("assets:unit-detail", args=[unit.code]) if unit else None


def _units(user) -> list[tuple[str, str]]:
    return [(u.code, u.name) for u in access.restrict(OrgUnit.objects.order_by("path"), user)]


def unit_filter(lookup: str = "unit") -> Filter:
    """A unit select box that keeps the chosen unit's whole subtree (a brigade shows its squadrons' rows too)."""
    def apply(qs, code):
        unit = OrgUnit.objects.filter(code=code).first()
        return qs.filter(**{f"{lookup}__path__startswith": unit.path}) if unit else qs.none()

    return Filter("unit", _("单位"), f"{lookup}__code", _units, apply)


def _holder(asset):
    return asset.holder_person or asset.holder_unit


def _holder_url(asset):
    if asset.holder_person_id:
        return person_url(asset.holder_person)
    return unit_url(asset.holder_unit)


PERSON_COLUMNS = [
    Column("staff_no", _("工号"), lambda p: p.staff_no, "staff_no", person_url),
    Column("name", _("姓名"), lambda p: p.name, "name", person_url),
    Column("unit", _("单位"), lambda p: p.unit.name, "unit__path", lambda p: unit_url(p.unit)),
    Column("role", _("人员类别"), lambda p: p.get_role_display(), "role"),
    Column("frontline", _("一线执法"), lambda p: _("是") if p.frontline else _("否"), "frontline"),
    Column("status", _("状态"), lambda p: p.get_status_display(), "status"),
    Column("cert_no", _("执法证号"), lambda p: p.cert_no, "cert_no"),
    Column("cert_expires", _("执法证有效期至"), lambda p: p.cert_expires, "cert_expires"),
    Column("held", _("持有装备"), lambda p: p.held, "held"),
]


@access.page("assets.Person")
@reads_from_replica
def person_list(request):
    people = access.restrict(Person.objects.select_related("unit"), request.user).annotate(
        held=Count("held_assets", filter=Q(held_assets__status=AssetStatus.ISSUED)))
    listing = Listing(request, people, PERSON_COLUMNS, filters=[
        unit_filter(), Filter("role", _("人员类别"), "role", PersonRole.choices),
        Filter("status", _("状态"), "status", PersonStatus.choices),
        Filter("frontline", _("一线执法"), "frontline", (("1", _("是")), ("0", _("否"))),
               lambda qs, v: qs.filter(frontline=v == "1")),
    ], search=("staff_no", "name", "cert_no", "badge_no"), default_sort="staff_no", filename="people")
    return listing.export or render(request, "lists/list.html", {
        "listing": listing, "title": _("人员名册"), "list_id": "people", "search_hint": _("工号、姓名、证号")})


ASSET_COLUMNS = [
    Column("tag", _("标签号"), lambda a: a.tag, "tag", asset_url),
    Column("category", _("类别"), lambda a: a.category.local_name, "category__code"),
    Column("item", _("品名"), lambda a: labels.item_name(a.category_id, a.item), "item"),
    Column("serial", _("序列号"), lambda a: a.serial, "serial"),
    Column("unit", _("所属单位"), lambda a: a.unit.name, "unit__path", lambda a: unit_url(a.unit)),
    Column("status", _("状态"), lambda a: a.get_status_display(), "status"),
    Column("holder", _("持有人"), lambda a: str(_holder(a) or ""), "holder_person__staff_no", _holder_url),
    Column("issued_at", _("发放时间"), lambda a: a.issued_at, "issued_at"),
]


def _categories(user):
    return [(c.code, c.local_name) for c in Category.objects.order_by("code")]


@access.page("assets.Asset")
@reads_from_replica
def asset_list(request):
    assets = access.restrict(Asset.objects.select_related("category", "unit", "holder_person", "holder_unit"),
                             request.user)
    listing = Listing(request, assets, ASSET_COLUMNS, filters=[
        unit_filter(), Filter("category", _("类别"), "category_id", _categories),
        Filter("status", _("状态"), "status", AssetStatus.choices),
    ], search=("tag", "serial", "item", "model", "holder_person__staff_no", "holder_person__name"),
        default_sort="tag", filename="assets")
    tags = ",".join(row["object"].tag for row in listing.rows)
    return listing.export or render(request, "lists/asset_list.html", {
        "listing": listing, "title": _("装备台账"), "list_id": "assets", "search_hint": _("标签号、序列号、品名、持有人"),
        "label_tags": tags})


def _asset(request, tag: str) -> Asset:
    # Outside the user's scope is "not found": the page does not confirm that the tag exists elsewhere.
    return get_object_or_404(access.restrict(
        Asset.objects.select_related("category", "unit", "holder_person__unit", "holder_unit"), request.user), tag=tag)


@access.page("assets.Asset")
def asset_detail(request, tag: str):
    asset = _asset(request, tag)
    events = list(access.restrict(CustodyEvent.objects.filter(asset=asset), request.user)
                  .select_related("person", "unit", "unit_after", "holder_person_after", "holder_unit_after")
                  .order_by("-occurred_at", "-id")[:200])
    due = due_for(asset) if asset.status == AssetStatus.ISSUED and asset.holder_person_id else None
    return render(request, "registry/asset_detail.html", {
        "asset": asset, "events": events, "repairs": [e for e in events if e.action in REPAIR_ACTIONS],
        "due": due, "may_change": access.in_scope(request.user, asset, access.CHANGE)})


UNIT_COLUMNS = [
    Column("code", _("代码"), lambda u: u.code, "code", unit_url),
    Column("name", _("名称"), lambda u: u.name, "name", unit_url),
    Column("kind", _("类型"), lambda u: u.get_kind_display(), "kind"),
    Column("parent", _("上级单位"), lambda u: u.parent.name if u.parent else "", "parent__path",
           lambda u: unit_url(u.parent)),
    Column("people", _("在岗人员"), lambda u: u.active_people, "active_people"),
    Column("assets", _("配备装备"), lambda u: u.counted_assets, "counted_assets"),
]


@access.page("assets.OrgUnit")
@reads_from_replica
def unit_list(request):
    units = access.restrict(OrgUnit.objects.select_related("parent"), request.user).annotate(
        active_people=Count("people", filter=Q(people__status=PersonStatus.ACTIVE), distinct=True),
        counted_assets=Count("assets", filter=Q(assets__status__in=COUNTED_STATUSES), distinct=True))
    # A parent outside the user's scope (a brigade's 支队) is named, not linked: its page is "not found" to them.
    visible = set(access.restrict(OrgUnit.objects.all(), request.user).values_list("pk", flat=True))
    columns = [Column(c.key, c.label, c.value, c.order,
                      lambda u: unit_url(u.parent) if u.parent_id in visible else None) if c.key == "parent" else c
               for c in UNIT_COLUMNS]
    listing = Listing(request, units, columns, search=("code", "name"), default_sort="code",
                      filename="units")
    return listing.export or render(request, "lists/list.html", {
        "listing": listing, "title": _("组织机构"), "list_id": "units", "search_hint": _("代码、名称")})


@access.page("assets.OrgUnit")
def unit_detail(request, code: str):
    unit = get_object_or_404(access.restrict(OrgUnit.objects.select_related("parent"), request.user), code=code)
    people = access.restrict(Person.objects.filter(unit=unit), request.user).order_by("status", "staff_no")
    subtree_assets = access.restrict(Asset.objects.filter(unit__path__startswith=unit.path), request.user)
    stock = (subtree_assets.values("category__code", "category__name", "category__name_en")
             .annotate(total=Count("id", filter=Q(status__in=COUNTED_STATUSES)),
                       in_stock=Count("id", filter=Q(status=AssetStatus.IN_STOCK)),
                       issued=Count("id", filter=Q(status=AssetStatus.ISSUED)),
                       in_repair=Count("id", filter=Q(status=AssetStatus.IN_REPAIR)),
                       lost=Count("id", filter=Q(status=AssetStatus.LOST)))
             .order_by("category__code"))
    stock = [{**row, "category_label": local_category_name(row["category__name"], row["category__name_en"])}
             for row in stock]
    children = access.restrict(OrgUnit.objects.filter(parent=unit), request.user).order_by("code")
    return render(request, "registry/unit_detail.html", {
        "unit": unit, "people": people, "stock": stock, "children": children,
        "parent_visible": unit.parent_id is not None and access.restrict(
            OrgUnit.objects.filter(pk=unit.parent_id), request.user).exists(),
        "subtree_people": access.restrict(Person.objects.filter(unit__path__startswith=unit.path,
                                                                status=PersonStatus.ACTIVE), request.user).count()})


def due_for(asset, years_by_item: dict | None = None):
    """The replacement date of an issued uniform item (one definition: assets.selectors.uniform_due_on)."""
    if asset.category_id != CategoryCode.UNIFORM:
        return None
    return uniform_due_on(issued_at=asset.issued_at, acquired=asset.acquired, service_years=asset.service_years,
                          item=asset.item, years_by_item=years_by_item if years_by_item is not None
                          else uniform_service_years())
