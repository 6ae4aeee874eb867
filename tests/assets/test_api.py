"""Registry endpoints: CRUD and the role × action × scope matrix (tests.support.api_cases), plus lookups,
filters and the change log written by API requests."""
import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets import services
from assets.choices import AssetStatus, UserRole
from assets.filtersets import (
    AssetFilterSet, CategoryFilterSet, ChangeRecordFilterSet, CustodyEventFilterSet, ItemTypeFilterSet,
    OrgUnitFilterSet, PersonFilterSet, UserFilterSet,
)
from assets.models import Asset, Category, ChangeRecord, CustodyEvent, ItemType, OrgUnit, Person, Profile
from tests.support.api_cases import (
    INSIDE_UNIT, OUTSIDE_UNIT, ROLES, SCOPE_UNIT, APIViewTestCase, WorldTestCase, ledger_and_log_state,
)
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db
_seq = itertools.count(1)


class TestOrgUnitAPI(APIViewTestCase):
    basename = "orgunit"
    model = OrgUnit
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return services.unit_create(code=f"T{n}", name=f"测试单位{n}", kind="office", parent=world.unit(inside=inside))

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"code": f"N{n}", "name": f"新单位{n}", "kind": "office", "parent": world.unit(inside=inside).code,
                "depot_lat": 31.78, "depot_lon": 119.95, "depot_radius_m": 80.0}

    def update_data(self, world, obj):
        return {"name": "改名单位", "population": 12345, "depot_lat": 31.79, "depot_lon": 119.96}

    def test_a_depot_needs_both_coordinates_and_a_positive_radius(self, world):
        client = world.client(UserRole.ADMINISTRATOR)
        unit = self.make_object(world, inside=True)
        for bad, field in (({"depot_lat": 31.7}, "depot_lon"), ({"depot_lat": 31.7, "depot_lon": 119.9,
                                                                 "depot_radius_m": -1}, "depot_radius_m")):
            response = client.patch(f"/api/v1/units/{unit.pk}/", bad, format="json")
            assert response.status_code == 400 and field in str(response.json()), response.json()
        response = client.patch(f"/api/v1/units/{unit.pk}/", {"depot_lat": 31.7, "depot_lon": 119.9}, format="json")
        assert response.status_code == 200 and response.json()["depot_radius_m"] == 100.0
        unit.refresh_from_db()
        assert unit.depot == (31.7, 119.9, 100.0)


class TestPersonAPI(APIViewTestCase):
    basename = "person"
    model = Person
    write_roles = (UserRole.LOGISTICS,)
    actions = ("list", "retrieve", "create", "update")
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return services.person_create(staff_no=f"S{n}", name=f"人员{n}", unit=world.unit(inside=inside))

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"staff_no": f"C{n}", "name": f"新人{n}", "unit": world.unit(inside=inside).code, "role": "officer",
                "frontline": True}

    def update_data(self, world, obj):
        return {"name": "改名", "frontline": True}


class TestCategoryAPI(APIViewTestCase):
    basename = "category"
    model = Category
    scoped = False
    bureau_wide = True
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return Category.objects.create(code=f"cat{n}", name=f"类别{n}", name_en=f"Category {n}")

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"code": f"new{n}", "name": f"新类别{n}", "name_en": "New", "officer_only": False}

    def update_data(self, world, obj):
        return {"name_en": "Renamed"}


class TestItemTypeAPI(APIViewTestCase):
    basename = "itemtype"
    model = ItemType
    scoped = False
    bureau_wide = True
    write_roles = (UserRole.LOGISTICS,)
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return ItemType.objects.create(category_id="office", code=f"it{n}", name=f"品名{n}")

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"category": "protective", "code": f"new{n}", "name": f"新品名{n}", "service_years": 3}

    def update_data(self, world, obj):
        return {"name": "改名", "service_years": 5}


class TestAssetAPI(APIViewTestCase):
    basename = "asset"
    model = Asset
    write_roles = (UserRole.LOGISTICS,)
    actions = ("list", "retrieve", "create", "update")
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return services.asset_create(tag=f"R-{n}", category="radio", item="对讲机", unit=world.unit(inside=inside))

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"tag": f"NEW-{n}", "category": "recorder", "unit": world.unit(inside=inside).code,
                "serial": f"SN{n}", "acquired": "2025-03-01", "note": "首批"}

    def update_data(self, world, obj):
        return {"serial": "SN-FIXED", "model": "DSJ-V9"}


class TestUserAPI(APIViewTestCase):
    basename = "user"
    model = get_user_model()
    read_roles = (UserRole.ADMINISTRATOR,)
    list_queries = 2

    def make_object(self, world, *, inside):
        return make_user(f"u{next(_seq)}", UserRole.AUDITOR, world.unit(inside=inside))

    def create_data(self, world, *, inside):
        return {"username": f"new{next(_seq)}", "password": "secret-123", "role": "logistics",
                "unit": world.unit(inside=inside).code}

    def update_data(self, world, obj):
        return {"first_name": "新名", "role": "fleet"}

    def state(self):
        return super().state(), list(Profile.objects.order_by("pk").values())


class TestCustodyEventAPI(APIViewTestCase):
    """The ledger: every role reads it within its scope; nobody writes it (405 for the administrator)."""

    basename = "custodyevent"
    model = CustodyEvent
    actions = ("list", "retrieve")
    list_queries = 2

    def make_object(self, world, *, inside):
        asset = services.asset_create(tag=f"L-{next(_seq)}", category="radio", unit=world.unit(inside=inside))
        return asset.events.get()

    def create_data(self, world, *, inside):
        return {"asset": self.make_object(world, inside=inside).asset_id, "action": "retire"}

    def update_data(self, world, obj):
        return {"note": "改写", "status_after": "retired"}


class TestChangeRecordAPI(APIViewTestCase):
    """The change log: read-only, each scoped user sees the records of objects in their subtree."""

    basename = "changerecord"
    model = ChangeRecord
    actions = ("list", "retrieve")
    list_queries = 2

    def make_object(self, world, *, inside):
        person = services.person_create(staff_no=f"CL{next(_seq)}", name="记录", unit=world.unit(inside=inside))
        return ChangeRecord.objects.filter(object_id=str(person.pk), content_type__model="person").get()

    def create_data(self, world, *, inside):
        return {"action": "delete", "object_id": "1", "source": "api"}

    def update_data(self, world, obj):
        return {"source": "cli", "after": {}}


# --- custody actions: each role × each action × in/out of scope ------------------------------------------

def _radio(world, *, inside: bool) -> Asset:
    return services.asset_create(tag=f"RA-{next(_seq)}", category="radio", item="对讲机", unit=world.unit(inside=inside))


def _issued(world, *, inside: bool) -> Asset:
    asset = _radio(world, inside=inside)
    services.asset_issue(asset=asset, unit=asset.unit)
    return asset


def _in_repair(world, *, inside: bool) -> Asset:
    asset = _radio(world, inside=inside)
    services.asset_repair_out(asset=asset)
    return asset


YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()
# action -> (asset in the state the action needs, request body, asset status after)
CUSTODY_ACTIONS = {
    "issue": (_radio, lambda world, inside: {"person": "P001"} if inside else {"unit": OUTSIDE_UNIT},
              AssetStatus.ISSUED),
    "return": (_issued, lambda world, inside: {"receipt_no": "HR-1"}, AssetStatus.IN_STOCK),
    "transfer": (_radio, lambda world, inside: {"to_unit": "CZ-TN-02" if inside else "CZ-WJ"}, AssetStatus.IN_STOCK),
    "report-lost": (_issued, lambda world, inside: {"date_lost": YESTERDAY}, AssetStatus.LOST),
    "repair-out": (_radio, lambda world, inside: {"note": "屏幕损坏"}, AssetStatus.IN_REPAIR),
    "repair-in": (_in_repair, lambda world, inside: {}, AssetStatus.IN_STOCK),
    "retire": (_radio, lambda world, inside: {"note": "到期报废"}, AssetStatus.RETIRED),
}
ACTION_WRITERS = (UserRole.ADMINISTRATOR, UserRole.LOGISTICS)


def registry_state():
    """Everything a refused custody action must leave as it was."""
    return list(Asset.objects.order_by("pk").values()), ledger_and_log_state()


class TestCustodyActionAPI(WorldTestCase):
    @pytest.mark.parametrize("inside", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("action", sorted(CUSTODY_ACTIONS))
    @pytest.mark.parametrize("role", ROLES)
    def test_action(self, world, role, action, inside):
        prepare, body, status_after = CUSTODY_ACTIONS[action]
        asset = prepare(world, inside=inside)
        before = registry_state()
        url = reverse(f"asset-{action}", args=[asset.pk])
        response = world.client(role).post(url, body(world, inside), format="json")
        if role not in ACTION_WRITERS:
            assert response.status_code == 403, response.content
        elif not inside:
            assert response.status_code == 404, response.content
        else:
            assert response.status_code == 201, response.content
            result = response.json()
            assert result["event"]["action"] == action.replace("-", "_")
            assert result["event"]["source"] == "api"
            assert result["event"]["username"] == world.users[role].username
            assert result["asset"]["status"] == status_after
            asset.refresh_from_db()
            assert asset.status == status_after
            assert asset.events.latest("id").action == action.replace("-", "_")
            return
        assert registry_state() == before, f"a refused {action} changed something"

    @pytest.mark.parametrize("inside", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ROLES)
    def test_receive(self, world, role, inside):
        tag = f"RCV-{next(_seq)}"
        before = registry_state()
        response = world.client(role).post(reverse("asset-receive"), {
            "tag": tag, "category": "camera", "item": "摄像机", "unit": world.unit(inside=inside).code,
            "at": "2026-01-05T09:00:00+08:00", "note": "采购入库"}, format="json")
        if role not in ACTION_WRITERS:
            assert response.status_code == 403, response.content
        elif not inside:
            assert response.status_code == 403, response.content
            assert "outside your scope" in response.json()["detail"]
        else:
            assert response.status_code == 201, response.content
            event = CustodyEvent.objects.get(asset__tag=tag)
            assert (event.action, event.status_after, event.note, event.source) == (
                "receive", "in_stock", "采购入库", "api")
            return
        assert registry_state() == before

    def test_issue_to_a_person_outside_the_scope_is_refused(self, world):
        stranger = services.person_create(staff_no="WJ9", name="王五", unit=world.unit(inside=False))
        asset = _radio(world, inside=True)
        before = registry_state()
        response = world.client(UserRole.LOGISTICS).post(reverse("asset-issue", args=[asset.pk]),
                                                         {"person": stranger.staff_no}, format="json")
        assert response.status_code == 403, response.content
        assert "WJ9" in response.json()["detail"] and "outside your scope" in response.json()["detail"]
        assert registry_state() == before

    def test_transfer_out_of_the_scope_is_refused(self, world):
        asset = _radio(world, inside=True)
        before = registry_state()
        response = world.client(UserRole.LOGISTICS).post(reverse("asset-transfer", args=[asset.pk]),
                                                         {"to_unit": OUTSIDE_UNIT}, format="json")
        assert response.status_code == 403, response.content
        assert registry_state() == before

    def test_a_custody_rule_refusal_is_a_clear_409_that_changes_nothing(self, world):
        asset = _issued(world, inside=True)
        before = registry_state()
        response = world.client(UserRole.LOGISTICS).post(reverse("asset-issue", args=[asset.pk]),
                                                         {"person": "P001"}, format="json")
        assert response.status_code == 409, response.content
        assert "归还后才能再次发放" in response.json()["detail"]
        assert registry_state() == before

    def test_uniforms_go_to_officers_only(self, world):
        shirt = services.asset_create(tag="U-1", category="uniform", item="夏执勤服", unit=world.unit(inside=True))
        before = registry_state()
        response = world.client(UserRole.LOGISTICS).post(reverse("asset-issue", args=[shirt.pk]),
                                                         {"person": "A001"}, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "officer_only"
        assert registry_state() == before

    def test_unit_status_and_holder_change_only_through_actions(self, world):
        asset = _radio(world, inside=True)
        before = registry_state()
        response = world.client(UserRole.LOGISTICS).patch(reverse("asset-detail", args=[asset.pk]),
                                                          {"status": "retired", "unit": OUTSIDE_UNIT}, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "ledger_field" and "保管流转" in response.json()["detail"]
        assert registry_state() == before, "ledger fields were written through a PATCH"

    def test_put_of_the_read_shape_is_accepted(self, world):
        asset = _issued(world, inside=True)
        client = world.client(UserRole.LOGISTICS)
        body = client.get(reverse("asset-detail", args=[asset.pk])).json()
        before = registry_state()
        response = client.put(reverse("asset-detail", args=[asset.pk]), body, format="json")
        assert response.status_code == 200, response.content
        assert registry_state() == before, "an unchanged PUT wrote something"
        body["serial"] = "SN-NEW"
        assert client.put(reverse("asset-detail", args=[asset.pk]), body, format="json").json()["serial"] == "SN-NEW"


# --- the ledger and the change log cannot be edited through the API --------------------------------------

class TestLedgerImmutability(WorldTestCase):
    @pytest.mark.parametrize("basename", ["custodyevent", "changerecord"])
    @pytest.mark.parametrize("role", ROLES)
    def test_no_put(self, world, role, basename):
        """PATCH and DELETE are in the role × scope matrix of TestCustodyEventAPI and TestChangeRecordAPI."""
        method = "put"
        _radio(world, inside=True)
        model = CustodyEvent if basename == "custodyevent" else ChangeRecord
        row = model.objects.latest("id")
        before = list(model.objects.order_by("pk").values()), ledger_and_log_state()
        response = getattr(world.client(role), method)(reverse(f"{basename}-detail", args=[row.pk]),
                                                       {"note": "改写", "action": "retire"}, format="json")
        assert response.status_code == (405 if role == UserRole.ADMINISTRATOR else 403), response.content
        assert (list(model.objects.order_by("pk").values()), ledger_and_log_state()) == before

    @pytest.mark.parametrize("basename", ["custodyevent", "changerecord"])
    def test_no_create(self, world, basename):
        before = ledger_and_log_state()
        response = world.client(UserRole.ADMINISTRATOR).post(reverse(f"{basename}-list"), {
            "asset": _radio(world, inside=True).pk, "action": "retire"}, format="json")
        assert response.status_code == 405, response.content
        assert ledger_and_log_state()[0] == before[0] + 1  # only the receive of the asset made above

    def test_ledger_is_scoped_and_filterable(self, world):
        mine, theirs = _issued(world, inside=True), _issued(world, inside=False)
        client = world.client(UserRole.AUDITOR)
        tags = {row["tag"] for row in client.get(reverse("custodyevent-list"), {"page_size": 1000}).json()["results"]}
        assert mine.tag in tags and theirs.tag not in tags
        rows = client.get(reverse("custodyevent-list"), {"tag": mine.tag, "action": "issue"}).json()["results"]
        assert [(row["tag"], row["action"], row["status_after"]) for row in rows] == [(mine.tag, "issue", "issued")]


# --- who / when / what / from where -------------------------------------------------------------------

class TestChangeRecordsFromAPI(WorldTestCase):
    def test_api_edit_records_user_source_and_before_after(self, world):
        person = services.person_create(staff_no="CR1", name="赵六", unit=world.unit(inside=True))
        user = world.users[UserRole.LOGISTICS]
        response = world.client(UserRole.LOGISTICS).patch(reverse("person-detail", args=[person.pk]),
                                                          {"name": "赵六六"}, format="json")
        assert response.status_code == 200, response.content
        record = ChangeRecord.objects.filter(object_id=str(person.pk), action="update").latest("id")
        assert (record.source, record.user_id, record.username) == ("api", user.pk, user.username)
        assert (record.before["name"], record.after["name"]) == ("赵六", "赵六六")
        assert record.at is not None and record.request_id

    def test_login_changes_are_logged_without_the_password(self, world):
        login = make_user("rolechange", UserRole.AUDITOR, world.unit(inside=True))
        admin = world.users[UserRole.ADMINISTRATOR]
        response = world.client(UserRole.ADMINISTRATOR).patch(reverse("user-detail", args=[login.pk]), {
            "role": "fleet", "password": "new-secret-1"}, format="json")
        assert response.status_code == 200, response.content
        record = ChangeRecord.objects.filter(content_type__model="user", object_id=str(login.pk)).get()
        assert (record.action, record.source, record.username) == ("update", "api", admin.username)
        assert (record.before["role"], record.after["role"]) == ("auditor", "fleet")
        assert record.after["password"] == "changed" and "pbkdf2" not in str(record.after).lower()
        assert "md5" not in str(record.after).lower()

    def test_change_log_is_scoped_and_filterable_by_source(self, world):
        inside = services.person_create(staff_no="CR2", name="内", unit=world.unit(inside=True))
        outside = services.person_create(staff_no="CR3", name="外", unit=world.unit(inside=False))
        for person in (inside, outside):
            world.client(UserRole.ADMINISTRATOR).patch(reverse("person-detail", args=[person.pk]),
                                                       {"frontline": True}, format="json")
        scoped = world.client(UserRole.AUDITOR).get(reverse("changerecord-list"),
                                                    {"source": "api", "model": "assets.person", "page_size": 1000})
        assert scoped.status_code == 200
        assert {row["object_id"] for row in scoped.json()["results"]} == {str(inside.pk)}


# --- authentication, filters, pagination ------------------------------------------------------------

class TestAuthentication(WorldTestCase):
    def test_token_from_credentials_then_token_auth(self, world):
        client = APIClient()
        response = client.post(reverse("api-token"), {"username": "auditor-tn", "password": "pass-12345"})
        assert response.status_code == 200, response.content
        token = response.json()["token"]
        assert token == Token.objects.get(user=world.users[UserRole.AUDITOR]).key
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get(reverse("asset-list")).status_code == 200

    def test_wrong_password_gets_no_token(self, world):
        response = APIClient().post(reverse("api-token"), {"username": "auditor-tn", "password": "nope"})
        assert response.status_code == 400
        assert not Token.objects.exists()

    def test_session_auth_enforces_csrf_on_writes(self, world):
        client = APIClient(enforce_csrf_checks=True)
        assert client.login(username="logistics-tn", password="pass-12345")
        assert client.get(reverse("asset-list")).status_code == 200
        before = registry_state()
        response = client.post(reverse("asset-list"), {"tag": "CSRF-1", "category": "radio", "unit": INSIDE_UNIT})
        assert response.status_code == 403 and "CSRF" in response.json()["detail"]
        assert registry_state() == before

    def test_user_without_role_reaches_nothing(self, world):
        nobody = make_user("nobody", None)
        client = APIClient()
        client.force_authenticate(nobody)
        assert client.get(reverse("asset-list")).status_code == 403


class TestFiltersAndPagination(WorldTestCase):
    def test_status_subtree_and_pagination(self, world):
        issued = [_issued(world, inside=True) for _ in range(3)]
        _radio(world, inside=True)
        client = world.client(UserRole.ADMINISTRATOR)
        page = client.get(reverse("asset-list"), {"status": "issued", "within": SCOPE_UNIT, "page_size": 2}).json()
        assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
        rest = client.get(page["next"]).json()
        assert {r["tag"] for r in page["results"] + rest["results"]} == {a.tag for a in issued}

    def test_unknown_filter_value_is_a_clear_400(self, world):
        response = world.client(UserRole.ADMINISTRATOR).get(reverse("asset-list"), {"status": "borrowed"})
        assert response.status_code == 400
        assert "borrowed" in str(response.json()["status"])

    @pytest.mark.parametrize("filterset, exempt", [
        (OrgUnitFilterSet, set()), (PersonFilterSet, set()), (CategoryFilterSet, set()),
        (ItemTypeFilterSet, set()), (AssetFilterSet, set()), (CustodyEventFilterSet, set()),
        (ChangeRecordFilterSet, set()), (UserFilterSet, {"password"}),
    ], ids=lambda value: value.__name__ if isinstance(value, type) else "-")
    def test_every_model_field_has_a_filter(self, filterset, exempt):
        fields = {f.name for f in filterset._meta.model._meta.concrete_fields} - exempt
        filtered = {f.field_name.split("__")[0] for f in filterset.base_filters.values() if f.field_name}
        assert fields <= filtered, f"no filter for {sorted(fields - filtered)}"
