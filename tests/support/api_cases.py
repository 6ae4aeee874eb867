"""Reusable API endpoint tests in the spirit of NetBox's APIViewTestCases: CRUD, the role × action × scope
matrix (refusals change nothing) and a pinned query count on list. Below them, the matrices over the whole URL conf:
`ROUTES` (every /api/v1 route × method × role, run by tests/api/test_permissions.py) and `PAGES` (every page × role,
run by tests/web/test_pages.py); a route or page without a row fails those tests.

Use it by subclassing `APIViewTestCase` in a test module and describing the endpoint:

    class TestAssetAPI(APIViewTestCase):
        basename = "asset"                      # the router basename: reverse("asset-list") …
        model = Asset
        write_roles = (UserRole.LOGISTICS,)     # besides administrator
        actions = ("list", "retrieve", "create", "update")   # "delete" left out: DELETE is refused
        list_queries = 2                        # pinned: must not grow with the number of rows

        def make_object(self, world, *, inside): ...        # a row in (or outside) the users' scope
        def create_data(self, world, *, inside): ...        # a POST body placing the row in/out of scope
        def update_data(self, world, obj): ...              # a PATCH body; asserted back from the response

Every user of `world` is scoped to brigade CZ-TN: "inside" rows belong to squadron CZ-TN-01, "outside" ones
to CZ-WJ-01 (another brigade). `scoped = False` for endpoints every user sees whole (categories);
`bureau_wide = True` for rows of the whole bureau, which only users whose scope is the whole bureau change
(`world.whole_client(role)`: the same role scoped to the root unit CZ).
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assets.choices import UserRole
from assets.models import Category, ChangeRecord, CustodyEvent
from tests.support.fixtures import build_bureau, make_user

ROLES = tuple(UserRole.values)
SCOPE_UNIT, INSIDE_UNIT, OUTSIDE_UNIT = "CZ-TN", "CZ-TN-01", "CZ-WJ-01"


@dataclass
class World:
    """The sample bureau and one user per role, each scoped to brigade CZ-TN."""

    bureau: dict
    users: dict
    whole_users: dict

    @property
    def units(self) -> dict:
        return self.bureau["units"]

    def unit(self, *, inside: bool):
        return self.units[INSIDE_UNIT if inside else OUTSIDE_UNIT]

    def client(self, role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(self.users[role])
        return client

    def whole_client(self, role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(self.whole_users[role])
        return client


def build_world(bureau) -> World:
    users = {role: make_user(f"{role}-tn", role, bureau["units"][SCOPE_UNIT]) for role in ROLES}
    whole = {role: make_user(f"{role}-cz", role, bureau["units"]["CZ"]) for role in ROLES}
    return World(bureau=bureau, users=users, whole_users=whole)


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class WorldTestCase:
    """Test classes sharing one `world` per class."""

    @pytest.fixture(autouse=True)
    def _fast_hasher(self, settings):
        # PBKDF2 at full strength costs about a second per user on a shared machine; MD5 is enough here.
        settings.PASSWORD_HASHERS = FAST_HASHERS

    @pytest.fixture(scope="class")
    @classmethod
    def world(cls, django_db_setup, django_db_blocker) -> World:
        """Built once per class in a transaction left open around the class: each test's own transaction
        (pytest-django's `django_db`) nests inside it as a savepoint and rolls back to this world, so the bureau
        and its users cost one build per class, not one per test. Tests may change anything in the database but
        must not change the world's objects in memory."""
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            if not Category.objects.exists():
                # A transactional test (live server) before this class flushed the rows the migrations seed.
                import_module("assets.migrations.0002_seed_and_append_only").seed(django_apps, None)
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                built = build_world(build_bureau())
        try:
            yield built
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)


def ledger_and_log_state() -> tuple[int, int]:
    return CustodyEvent.objects.count(), ChangeRecord.objects.count()


class APIViewTestCase(WorldTestCase):
    basename: str
    model: type
    read_roles: tuple[str, ...] = ROLES
    write_roles: tuple[str, ...] = ()
    actions: tuple[str, ...] = ("list", "retrieve", "create", "update", "delete")
    scoped: bool = True
    bureau_wide: bool = False
    list_queries: int
    extra_list_rows: int = 3

    # --- what a subclass describes ------------------------------------------------------------------

    def make_object(self, world: World, *, inside: bool):
        raise NotImplementedError

    def create_data(self, world: World, *, inside: bool) -> dict:
        raise NotImplementedError

    def update_data(self, world: World, obj) -> dict:
        raise NotImplementedError

    # --- helpers --------------------------------------------------------------------------------------

    def list_url(self) -> str:
        return reverse(f"{self.basename}-list")

    def detail_url(self, obj) -> str:
        return reverse(f"{self.basename}-detail", args=[obj.pk])

    def state(self):
        """Everything a refused request must leave as it was."""
        rows = list(self.model._default_manager.order_by("pk").values())
        return rows, ledger_and_log_state()

    def can_read(self, role: str) -> bool:
        return role in self.read_roles

    def has_write_role(self, role: str) -> bool:
        return role == UserRole.ADMINISTRATOR or role in self.write_roles

    def can_write(self, role: str) -> bool:
        """For the world's users, all scoped to a brigade: rows of the whole bureau are not theirs to change."""
        return self.has_write_role(role) and not self.bureau_wide

    def reaches(self, inside: bool) -> bool:
        return inside or not self.scoped

    @staticmethod
    def ids(response) -> set:
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        return {row.get("id", row.get("code")) for row in rows}

    # --- the matrix -----------------------------------------------------------------------------------

    def test_anonymous_is_refused(self, world):
        response = APIClient().get(self.list_url())
        assert response.status_code == 401, response.content

    @pytest.mark.parametrize("role", ROLES)
    def test_list_shows_only_the_scope(self, world, role):
        inside, outside = self.make_object(world, inside=True), self.make_object(world, inside=False)
        response = world.client(role).get(self.list_url(), {"page_size": 1000})
        if not self.can_read(role):
            assert response.status_code == 403, response.content
            return
        assert response.status_code == 200, response.content
        seen = self.ids(response)
        assert inside.pk in seen
        assert (outside.pk in seen) == (not self.scoped)

    @pytest.mark.parametrize("inside", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_retrieve(self, world, role, inside):
        obj = self.make_object(world, inside=inside)
        response = world.client(role).get(self.detail_url(obj))
        if not self.can_read(role):
            assert response.status_code == 403
        elif self.reaches(inside):
            assert response.status_code == 200, response.content
            assert response.json().get("id", response.json().get("code")) == obj.pk
        else:
            assert response.status_code == 404, response.content

    @pytest.mark.parametrize("inside", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_create(self, world, role, inside):
        data = self.create_data(world, inside=inside)
        before = self.state()
        response = world.client(role).post(self.list_url(), data, format="json")
        if "create" not in self.actions:
            assert response.status_code in (403, 405), response.content
        elif not self.can_write(role):
            assert response.status_code == 403, response.content
            if self.has_write_role(role):
                assert "不在您的管辖范围内" in response.json()["detail"]
        elif not self.reaches(inside):
            assert response.status_code == 403, response.content
            assert "不在您的管辖范围内" in response.json()["detail"]
        else:
            assert response.status_code == 201, response.content
            created = self.model._default_manager.get(pk=response.json().get("id", response.json().get("code")))
            self.check_created(created, data)
            return
        assert self.state() == before, "a refused create changed something"

    def check_created(self, obj, data: dict) -> None:
        """Plain fields of the POST body read back from the row (codes of related rows are compared by code)."""
        for key, value in data.items():
            current = getattr(obj, key, None)
            if current is None or key in ("password", "at", "note"):
                continue
            current = getattr(current, "code", getattr(current, "staff_no", current))
            assert str(current) == str(value), key

    @pytest.mark.parametrize("inside", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_update(self, world, role, inside):
        obj = self.make_object(world, inside=inside)
        data = self.update_data(world, obj)
        before = self.state()
        response = world.client(role).patch(self.detail_url(obj), data, format="json")
        if "update" not in self.actions:
            assert response.status_code in (403, 405), response.content
        elif not self.can_write(role):
            assert response.status_code == 403, response.content
        elif not self.reaches(inside):
            assert response.status_code == 404, response.content
        else:
            assert response.status_code == 200, response.content
            body = response.json()
            for key, value in data.items():
                assert body[key] == value, key
            return
        assert self.state() == before, "a refused update changed something"

    @pytest.mark.parametrize("inside", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_delete(self, world, role, inside):
        obj = self.make_object(world, inside=inside)
        before = self.state()
        response = world.client(role).delete(self.detail_url(obj))
        if not self.can_write(role):
            assert response.status_code == 403, response.content
        elif "delete" not in self.actions:
            assert response.status_code == 405, response.content
        elif not self.reaches(inside):
            assert response.status_code == 404, response.content
        else:
            assert response.status_code == 204, response.content
            assert not self.model._default_manager.filter(pk=obj.pk).exists()
            return
        assert self.state() == before, "a refused delete changed something"

    @pytest.mark.parametrize("role", ROLES)
    def test_whole_bureau_scope_writes_bureau_wide_rows(self, world, role):
        """Rows of the whole bureau: a writer whose scope is the whole bureau may create them, others may not."""
        if not self.bureau_wide or "create" not in self.actions:
            return
        data = self.create_data(world, inside=True)
        before = self.state()
        response = world.whole_client(role).post(self.list_url(), data, format="json")
        if self.has_write_role(role):
            assert response.status_code == 201, response.content
        else:
            assert response.status_code == 403, response.content
            assert self.state() == before

    def test_list_query_count_is_pinned(self, world):
        reader = next(role for role in ROLES if self.can_read(role))
        client = world.client(reader)
        self.make_object(world, inside=True)
        client.get(self.list_url())  # warms the user's profile cache, as any later request would find it
        with CaptureQueriesContext(connection) as few:
            assert client.get(self.list_url()).status_code == 200
        for _ in range(self.extra_list_rows):
            self.make_object(world, inside=True)
        with CaptureQueriesContext(connection) as more:
            assert client.get(self.list_url()).status_code == 200
        assert len(few) == self.list_queries, [q["sql"] for q in few.captured_queries]
        assert len(more) == self.list_queries, "list queries grow with the rows (N+1)"


# --- the route matrix: every API route × method × role ----------------------------------------------------------
# Who may call each route, for users scoped to a brigade (the world's users). Refused calls answer 403 (or 405 where
# the method is not offered at all) and change nothing; allowed ones pass the permission (their answer may still be
# 400/404 for the placeholder body and ids the matrix sends). A route that is missing here fails
# `test_every_api_route_is_in_the_matrix`, so a new endpoint cannot be forgotten.
# A route (or page) whose URL takes an id is also called with another brigade's REAL object by
# tests/api/test_cross_scope.py: its model needs a builder there (B_OBJECTS) or an exemption with the reason.

A, L, F, U = UserRole.ADMINISTRATOR, UserRole.LOGISTICS, UserRole.FLEET, UserRole.AUDITOR
ALL, AL, AF, AU, ADMIN_ONLY, NOBODY = (A, L, F, U), (A, L), (A, F), (A, U), (A,), ()
ALU = (A, L, U)
PUBLIC = "public"


def _crud(read=ALL, write=AL, methods=("get", "post")) -> dict:
    return {m: (read if m == "get" else write) for m in methods}


def _detail(read=ALL, write=AL, methods=("get", "put", "patch", "delete")) -> dict:
    return {m: (read if m == "get" else write) for m in methods}


def _posts(*names, roles=AL) -> dict:
    return {name: {"post": roles} for name in names}


def _gets(*names, roles=ALL) -> dict:
    return {name: {"get": roles} for name in names}


ROUTES: dict[str, dict[str, tuple | str]] = {
    "api-token": {"post": PUBLIC},
    "orgunit-list": _crud(write=ADMIN_ONLY), "orgunit-detail": _detail(write=ADMIN_ONLY),
    "person-list": _crud(), "person-detail": _detail(), "person-checklist": {"get": ALL},
    # categories and item types are the whole bureau's: nobody scoped to a brigade changes them
    "category-list": _crud(write=NOBODY), "category-detail": _detail(write=NOBODY),
    "itemtype-list": _crud(write=NOBODY), "itemtype-detail": _detail(write=NOBODY),
    "asset-list": _crud(), "asset-detail": _detail(), "asset-by-tag": {"get": ALL}, "asset-receive": {"post": AL},
    **_posts("asset-issue", "asset-repair-in", "asset-repair-out", "asset-report-lost", "asset-retire",
             "asset-return", "asset-transfer"),
    **_gets("custodyevent-list", "custodyevent-detail", "changerecord-list", "changerecord-detail"),
    "bookvalue-list": {"get": ALL},
    "disposal-list": _crud(), **_gets("disposal-detail", "disposal-register"), **_posts("disposal-approve",
                                                                                         "disposal-refuse"),
    "user-list": _crud(read=ADMIN_ONLY, write=ADMIN_ONLY), "user-detail": _detail(read=ADMIN_ONLY, write=ADMIN_ONLY),
    "entitlement-list": _crud(write=NOBODY), "entitlement-detail": _detail(write=NOBODY),
    "officersize-list": _crud(), "officersize-detail": _detail(),
    "issueround-list": _crud(), **_gets("issueround-detail", "issueround-shortfall", "replacementdue-list"),
    **_gets("badge-list", "badge-detail"), **_posts("badge-issue", "badge-report-lost"),
    "certificate-expiring": {"get": ALL},
    **_posts("certificate-issue", "certificate-report-lost", "certificate-surrender", "certificateloss-replace"),
    **_gets("certificateloss-list", "certificateloss-detail"),
    "sealhandover-list": _crud(), **_gets("sealhandover-custodians", "sealhandover-detail"),
    "sealusage-list": _crud(), "sealusage-detail": {"get": ALL},
    "departure-list": _crud(), **_gets("departure-detail", "departure-checklist", "departure-pdf"),
    **_posts("departure-close-out", "handover-check", "handover-commit"),
    **_gets("receipt-list", "receipt-detail", "receipt-pdf", "label-list"),
    "storageplace-list": _crud(), "storageplace-assign": {"post": AL}, "storageplace-detail": {"get": ALL},
    "stocktake-list": _crud(), **_gets("stocktake-detail", "stocktake-result"),
    **_posts("stocktake-close", "stocktake-scan"),
    "annualinventory-list": _crud(), **_gets("annualinventory-detail", "annualinventory-report"),
    **_gets("shift-list"), **_posts("shift-sign-out", "shift-sign-in"),
    "recordercheck-list": _crud(), **_gets("recordercheck-detail", "recordercheck-maintenance-due"),
    "footageinspection-list": _crud(write=AU), **_gets("footageinspection-detail", "footageinspection-due"),
    # footage (执法音像资料): logistics and auditors only; view/copy requests decided by auditors (deletion by
    # administrators, checked by recorders.footage)
    "footage-list": {"get": ALU}, **_gets("footage-detail", "footage-due-for-deletion", roles=ALU),
    **_posts("footage-classify", "footage-evidence", roles=ALU),
    "footagerequest-list": _crud(read=ALU, write=ALU), "footagerequest-detail": {"get": ALU},
    **_posts("footagerequest-approve", "footagerequest-refuse", roles=AU), "footagerequest-use": {"post": ALU},
    **_gets("footagelog-list", "footagelog-detail", roles=ALU),
    "vehicle-list": _crud(write=AF), "vehicle-detail": _detail(write=AF),
    **_gets("vehicle-expiring", "vehicle-coverage", "vehicle-dossier-pdf", "vehicle-dossier-pdf-spec"),
    **_posts("vehicle-bind-terminal", "vehicle-change-status", "vehicle-livery", "vehicle-locate", "vehicle-transfer",
             "vehicle-unbind-terminal", "vehicle-report-interval", roles=AF),
    **_gets("vehiclehistory-list", "vehiclehistory-detail", "terminalbinding-list", "terminalbinding-detail"),
    "maintenancerecord-list": _crud(write=AF), "insurancepolicy-list": _crud(write=AF),
    "inspection-list": _crud(write=AF), "trip-list": _crud(write=AF),
    **_gets("maintenancerecord-detail", "insurancepolicy-detail", "inspection-detail", "trip-detail"),
    **_posts("trip-approve", "trip-cancel", "trip-refuse", roles=AF),
    "vehicleseal-list": _crud(write=AF), "vehicleseal-detail": {"get": ALL}, "vehicleseal-end": {"post": AF},
    **_gets("vehicle-track", "vehicle-journeys", "unit-journeys"), "vehicle-late-order": {"post": AF},
    **_gets("report-trips", "report-stops", "report-mileage", "report-summary", "report-online"),
    "vehiclecost-list": _crud(write=AF), "odometerreading-list": _crud(write=AF),
    **_gets("vehiclecost-detail", "odometerreading-detail", "use-register"),
    "dutyschedule-list": _crud(write=AF), "dutyschedule-detail": _detail(write=AF),
    "holiday-list": _crud(write=NOBODY), "holiday-detail": _detail(write=NOBODY),
    **_gets("alert-list", "alert-detail"),
    # alert cases: the unit explains (fleet, logistics), a fleet manager or auditor decides
    **_gets("alert-case", "alert-case-evidence-pdf", "alert-case-evidence-xlsx", "alert-counts", "alert-precision"),
    "alert-case-explain": {"post": (A, L, F)},
    **_posts("alert-case-return", "alert-case-confirm", "alert-case-dismiss", roles=(A, F, U)),
    "alert-case-note": {"post": (A, L, F, U)},  # anyone who explains or decides
    **_gets("deadletter-list", "deadletter-counts", "deadletter-detail", roles=AF),
    **_gets("track-list", "mileage-list", "coverage-list", "latest-position-list"),
    **_gets("track-access-list", "track-access-detail", roles=AU),  # PIPL: the auditors' access report
    "gis-layer-list": _crud(write=NOBODY),
    **_gets("gis-layer-detail", "gis-grid-list", "gis-grid-detail", "gis-venue-list", "gis-venue-detail",
            "gis-jurisdiction-list", "gis-jurisdiction-detail", "gis-street-list", "gis-street-detail",
            "gis-place-list", "gis-place-detail", "gis-basemap-list"),
    "compliance-report": {"get": ALL}, "procurement-plan": {"get": ALL},
    "compliance-snapshot-list": _crud(write=AU), "compliance-snapshot-detail": {"get": ALL},
    # notify: every role manages its own messages, robots, subscriptions and scheduled reports
    **_gets("notification-list", "notification-detail"), **_posts("notification-read", "notification-read-all",
                                                                    roles=ALL),
    "notify-robot-list": _crud(write=ALL), "notify-robot-detail": _detail(write=ALL, methods=("get", "delete")),
    "notify-robot-test": {"post": ALL},
    "notify-subscription-list": _crud(write=ALL), "notify-subscription-detail": _detail(write=ALL),
    **_gets("notify-delivery-list", "notify-delivery-detail"), "notify-delivery-retry": {"post": ALL},
    "report-schedule-list": _crud(write=ALL), "report-schedule-detail": _detail(write=ALL),
    "report-schedule-run": {"post": ALL}, **_gets("report-schedule-kinds", "report-run-list", "report-run-detail"),
}

# Writes of the whole bureau's rows, for users whose scope is the whole bureau (world.whole_client).
BUREAU_WIDE_WRITES = {"category-list": ADMIN_ONLY, "itemtype-list": AL, "entitlement-list": AL,
                      "holiday-list": AF, "gis-layer-list": ADMIN_ONLY}


def _walk(patterns, prefix="", namespace=""):
    """(route, pattern) of every URL; each pattern gets `full_name`, its name with the namespaces (live:map)."""
    from django.urls import URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            pattern.full_name = f"{namespace}{pattern.name}"
            yield prefix + str(pattern.pattern), pattern


def api_routes() -> list[tuple[str, str, object]]:
    """(URL name, method, pattern) of every route under /api/v1/, discovered from the URL conf."""
    from django.urls import get_resolver

    found = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        if actions:
            methods = sorted(actions)
        else:
            view_class = callback.view_class
            methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]
        found += [(pattern.name, method, pattern) for method in methods]
    return found


def page_routes() -> list[tuple[str, object]]:
    """(URL name, pattern) of every page outside /api/v1/ and /admin/."""
    from django.urls import get_resolver

    return [(pattern.full_name, pattern) for route, pattern in _walk(get_resolver().url_patterns)
            if not route.startswith(("api/v1/", "admin/"))]


PLACEHOLDER_KWARGS = {"pk": "999999", "number": "NO-SUCH-RECEIPT", "tag": "NO-SUCH-TAG", "staff_no": "NO-SUCH-STAFF",
                      "code": "NO-SUCH-UNIT"}


def placeholder_url(pattern) -> str:
    """The route with ids that match nothing: the permission answers before any row is looked up."""
    from django.urls import reverse

    names = set(pattern.pattern.regex.groupindex)
    return reverse(getattr(pattern, "full_name", pattern.name), kwargs={k: PLACEHOLDER_KWARGS[k] for k in names})


# --- the page matrix: every web page × role ---------------------------------------------------------------------
# LOGIN: any signed-in user (schema and docs outside debug mode); PUBLIC: anyone. Role tuples: who gets the page;
# other roles 403, anonymous users the login page, users without a role the no-role page (403).
LOGIN = "login"
PAGES: dict[str, tuple | str] = {
    "home": ALL, "role-start": ALL,
    "schema": LOGIN, "api-docs": LOGIN,
    "set_language": PUBLIC, "login": PUBLIC, "logout": PUBLIC,
    "uniforms:handover": AL, "uniforms:stocktake": AL, "uniforms:inventories": ALL, "uniforms:inventory": ALL,
    "recorders:counter": AL, "recorders:checks": ALL, "recorders:inspections": ALL,
    "recorders:footage": ALU, "recorders:footage-log": ALU, "recorders:footage-detail": ALU,
    "telematics:vehicle-list": ALL, "telematics:vehicle-dossier": ALL, "telematics:vehicle-dossier-pdf": ALL,
    "telematics:vehicle-livery-photo": ALL, "telematics:vehicle-photo": ALL,
    "telematics:vehicle-insurance-add": AF, "telematics:vehicle-inspection-add": AF,
    "telematics:vehicle-maintenance-add": AF, "telematics:vehicle-photo-add": AF,
    "telematics:reports": ALL,
    "telematics:register": ALL, "telematics:vehicle-cost-add": AF, "telematics:vehicle-odometer-add": AF,
    "live:map": ALL, "live:snapshot": ALL, "live:stream": ALL, "live:replay": ALL,
    "alerts:history": ALL, "alerts:detail": ALL, "alerts:case-evidence-pdf": ALL, "alerts:case-evidence-xlsx": ALL,
    "alerts:case-attachment": ALL,
    "compliance": ALL, "compliance-compare": ALL, "compliance-evidence": ALL, "compliance-snapshots": ALL,
    "compliance-snapshot": ALL, "procurement": ALL,
    "assets:user-list": ADMIN_ONLY, "assets:user-create": ADMIN_ONLY, "assets:user-edit": ADMIN_ONLY,
    "assets:user-password": ADMIN_ONLY,
    "assets:disposals": ALL, "assets:disposal-register": ALL, "assets:disposal-approve": AL,
    "assets:disposal-refuse": AL, "assets:disposal-photo": ALL,
    "search": ALL,
    "assets:person-list": ALL, "assets:asset-list": ALL, "assets:asset-detail": ALL, "assets:unit-list": ALL,
    "assets:unit-detail": ALL, "uniforms:person-detail": ALL, "uniforms:departure-list": ALL,
    "uniforms:stocktake-list": ALL, "uniforms:departure-open": AL, "uniforms:person-return": AL,
    "uniforms:departure-close": AL,
    "tracking:deadletter-list": AF, "tracking:deadletter-retry": ADMIN_ONLY, "tracking:track-access-list": AU,
    "notify:inbox": ALL, "notify:settings": ALL, "notify:deliveries": ALL, "notify:schedules": ALL, "notify:runs": ALL,
    "notify:report-file": ALL,
}
