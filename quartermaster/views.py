"""The start page: `/` shows the signed-in user's role page (stock, fleet, compliance or administration)."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny, IsAuthenticated

from assets import access
from assets.access import page, user_role
from assets.choices import UserRole
from assets.models import Asset, OrgUnit, Person
from quartermaster.errors import DomainError

from . import dashboards
from .navigation import Link, links_for

SEARCH_LIMIT = 50

# What the administrator keeps (SPEC "Who uses it"): users and roles, org units, people, assets, map layers.
ADMIN_PAGES = (
    Link("users", "assets:user-list", _("账号"), ()),
    Link("units", "assets:unit-list", _("组织机构"), ()),
    Link("people", "assets:person-list", _("人员名册"), ()),
    Link("assets", "assets:asset-list", _("装备台账"), ()),
    Link("stocktakes", "uniforms:stocktake-list", _("盘点记录"), ()),
    Link("layers", "admin:gis_layerversion_changelist", _("地图图层"), ()),
)


def _context(request, role: str) -> dict:
    today, now = dashboards.local_now()
    user = request.user
    if role == UserRole.LOGISTICS:
        return dashboards.logistics_figures(user, today=today)
    if role == UserRole.FLEET:
        return dashboards.fleet_figures(user, today=today, now=now)
    if role == UserRole.AUDITOR:
        standard_id = dashboards.standard_in_force(request.GET.get("standard"))
        return dashboards.auditor_figures(user, standard_id=standard_id, today=today)
    return {"figures": dashboards.administrator_figures(user),
            "pages": [link for link in links_for(UserRole.ADMINISTRATOR) if link.key != "start"],
            "admin_pages": [link for link in ADMIN_PAGES if link.url is not None],
            "role_pages": [{"role": code, "label": label} for code, label in UserRole.choices
                           if code != UserRole.ADMINISTRATOR]}


def _render(request, role: str):
    try:
        context = _context(request, role)
    except DomainError as exc:
        return render(request, "start/error.html", {"error": exc.message}, status=exc.status_code)
    context.update(today=dashboards.local_now()[0], page_role=role, page_role_label=UserRole(role).label)
    return render(request, f"start/{role}.html", context)


@page("assets.OrgUnit")
def home(request):
    return _render(request, user_role(request.user))


@page("assets.OrgUnit")
def role_start(request, role: str):
    """Another role's start page, for administrators (who look after every role); others get their own."""
    if role not in UserRole.values:
        raise Http404(f"no start page for role {role!r}")
    own = user_role(request.user)
    if role != own and own != UserRole.ADMINISTRATOR:
        raise PermissionDenied(gettext("只有系统管理员可以查看其他角色的首页"))
    return _render(request, role)


class _SchemaGate:
    """The schema and its docs page describe every endpoint: outside debug mode only signed-in users get them."""

    def get_permissions(self):
        return [AllowAny() if settings.DEBUG else IsAuthenticated()]


class SchemaView(_SchemaGate, SpectacularAPIView):
    pass


_schema = SchemaView.as_view()
_docs = SpectacularSwaggerView.as_view(url_name="schema")


def schema_view(request, *args, **kwargs):
    return _schema(request, *args, **kwargs)


def docs_view(request, *args, **kwargs):
    """The docs page sends a visitor who is not signed in to the login page (in debug mode it is open)."""
    if settings.DEBUG:
        return _docs(request, *args, **kwargs)
    return login_required(_docs)(request, *args, **kwargs)


def csrf_failure(request, reason=""):
    """Django's own answer is a bare English page: the styled 403 in the user's language instead."""
    return render(request, "403.html", {"csrf_failed": True}, status=403)


def not_found(request, exception=None):
    """A path under /api/ that no route matches (`/api/v1/vehicles/-1/track/`) answers in JSON like every other
    API refusal; pages keep the styled 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("没有这个接口地址：%(path)s") % {"path": request.path},
                             "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("服务器内部错误，已记录。"), "code": "server_error"}, status=500)
    return defaults.server_error(request)


def _search_groups(user, q: str) -> list[dict]:
    """Each kind the user may read, matched on its identifying fields and cut to the user's scope."""
    from telematics.models import Vehicle

    groups = []

    def group(kind, label, qs, describe):
        rows = list(access.restrict(qs, user)[:SEARCH_LIMIT + 1])
        groups.append({"kind": kind, "label": label, "rows": [describe(r) for r in rows[:SEARCH_LIMIT]],
                       "more": len(rows) > SEARCH_LIMIT})

    group("people", _("人员"), Person.objects.filter(
        Q(staff_no__icontains=q) | Q(name__icontains=q) | Q(badge_no__icontains=q) | Q(cert_no__icontains=q))
        .select_related("unit").order_by("staff_no"),
        lambda p: {"text": f"{p.name}（{p.staff_no}）", "detail": f"{p.unit.name} · {p.get_status_display()}",
                   "url": reverse("uniforms:person-detail", args=[p.staff_no])})
    group("assets", _("装备"), Asset.objects.filter(Q(tag__icontains=q) | Q(serial__icontains=q))
          .select_related("category", "unit").order_by("tag"),
          lambda a: {"text": a.tag, "detail": f"{a.category.local_name} · {a.item} · {a.serial} · {a.get_status_display()}",
                     "url": reverse("assets:asset-detail", args=[a.tag])})
    group("vehicles", _("车辆"), Vehicle.objects.filter(
        Q(plate__icontains=q) | Q(terminal_id__icontains=q) | Q(vin__icontains=q)
        | Q(terminal_bindings__terminal_id__icontains=q)).distinct().select_related("unit").order_by("plate"),
        lambda v: {"text": v.plate, "detail": f"{v.unit.name} · {v.terminal_id or ''}",
                   "url": reverse("telematics:vehicle-dossier", args=[v.pk])})
    group("units", _("单位"), OrgUnit.objects.filter(Q(code__icontains=q) | Q(name__icontains=q)).order_by("path"),
          lambda u: {"text": u.name, "detail": u.code, "url": reverse("assets:unit-detail", args=[u.code])})
    return [g for g in groups if g["rows"]]


@page("assets.OrgUnit")
def search(request):
    """The top bar's search: staff number, name, tag, serial, plate, terminal id — grouped by kind, each kind
    only within the user's scope (a role that may not read a kind gets none of it). With `go=1` (the top bar's box)
    a single match opens its page at once."""
    q = request.GET.get("q", "").strip()[:100]
    groups = _search_groups(request.user, q) if q else []
    if len(groups) == 1 and len(groups[0]["rows"]) == 1 and request.GET.get("go") == "1":
        return redirect(groups[0]["rows"][0]["url"])
    return render(request, "search.html", {"q": q, "groups": groups})
