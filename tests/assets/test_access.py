"""assets.access: one policy per model, rows restricted by role and unit scope, the services' scope guard, and
endpoints that forgot about scope refused by default."""
import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import path
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from assets import access, services
from assets.api.serializers import AssetSerializer
from assets.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from assets.models import Asset, ChangeRecord, CustodyEvent, ItemType, Person
from quartermaster.context import change_context
from tests.support.fixtures import make_user

PROJECT_APPS = ("assets", "uniforms", "telematics", "tracking", "gis", "compliance", "auth", "quartermaster", "notify")


def test_every_model_of_the_project_has_a_policy():
    """A new model must say who reads and writes it: without a policy, `restrict` gives nobody any row."""
    missing = [m._meta.label for m in apps.get_models()
               if m._meta.app_label in PROJECT_APPS and access.policy_for(m) is None]
    assert missing == []


def test_the_apps_above_the_registry_register_their_own_policies():
    """assets.access names only the registry's models (and the project's); each app adds its own when ready."""
    from telematics import policies as fleet_policies
    from uniforms import policies as kit_policies

    assert access.policy_for(apps.get_model("telematics.Vehicle")) is fleet_policies.POLICIES["telematics.Vehicle"]
    assert access.ANCHORS["uniforms.StoragePlace"] == kit_policies.ANCHORS["uniforms.StoragePlace"] == "unit"
    with pytest.raises(ValueError, match="registered twice: telematics.Vehicle"):
        access.register({"telematics.Vehicle": access.Policy("unit")})
    assert access.policy_for(apps.get_model("telematics.Vehicle")) is fleet_policies.POLICIES["telematics.Vehicle"]


def test_every_policy_names_a_model_and_a_valid_scope_path():
    for label, policy in access.POLICIES.items():
        model = apps.get_model(label)
        if isinstance(policy.scope, str) and policy.scope != "self":
            assert model._default_manager.filter(**{f"{policy.scope}__path__startswith": "/"}).query is not None


@pytest.fixture
def world(bureau):
    units = bureau["units"]
    inside = services.asset_create(tag="IN-1", category="radio", unit=units["CZ-TN-01"], item="对讲机")
    outside = services.asset_create(tag="OUT-1", category="radio", unit=units["CZ-WJ-01"], item="对讲机")
    wj = services.person_create(staff_no="W001", name="王五", unit=units["CZ-WJ-01"], role="officer")
    return {"units": units, "inside": inside, "outside": outside, "wj": wj, "officer": bureau["officer"],
            "logistics": make_user("logi-tn", "logistics", units["CZ-TN"]),
            "auditor": make_user("audit-tn", "auditor", units["CZ-TN"]),
            "norole": make_user("nobody", None)}


def test_restrict_cuts_rows_to_the_scope_and_the_role(world):
    assert set(Asset.objects.restrict(world["logistics"], access.VIEW)) == {world["inside"]}
    assert set(Asset.objects.restrict(world["logistics"], "issue")) == {world["inside"]}
    assert set(Asset.objects.restrict(world["auditor"], access.VIEW)) == {world["inside"]}
    assert not Asset.objects.restrict(world["auditor"], "issue").exists()
    assert not Asset.objects.restrict(world["norole"], access.VIEW).exists()
    root = make_user("root", None, superuser=True)
    assert set(Asset.objects.restrict(root, access.VIEW)) == {world["inside"], world["outside"]}
    assert access.is_restricted(Asset.objects.restrict(root).filter(tag="IN-1").order_by("tag"))
    assert not access.is_restricted(Asset.objects.filter(tag="IN-1"))


def _ledger_state():
    return (list(Asset.objects.order_by("pk").values()), CustodyEvent.objects.count(), ChangeRecord.objects.count(),
            list(Person.objects.order_by("pk").values()), list(ItemType.objects.order_by("pk").values()))


def test_services_refuse_rows_outside_the_actors_scope(world):
    before = _ledger_state()
    with change_context(user=world["logistics"], source="web"):
        with pytest.raises(access.OutOfScope, match="不在您的管辖范围内"):
            services.asset_issue(asset=world["outside"], person=world["officer"])
        with pytest.raises(access.OutOfScope):
            services.asset_issue(asset=world["inside"], person=world["wj"])
        with pytest.raises(access.OutOfScope):
            services.asset_transfer(asset=world["inside"], to_unit=world["units"]["CZ-WJ-01"])
        with pytest.raises(access.OutOfScope):
            services.asset_create(tag="NEW-1", category="radio", unit=world["units"]["CZ-WJ-01"], item="对讲机")
        with pytest.raises(access.OutOfScope):
            services.person_update(person=world["officer"], unit=world["units"]["CZ-WJ-01"])
        with pytest.raises(access.OutOfScope, match="是全局数据"):
            ItemType.objects.filter(category_id="office").first().save()
    assert _ledger_state() == before
    with change_context(user=world["logistics"], source="web"):
        services.asset_issue(asset=world["inside"], person=world["officer"])  # its own scope: allowed
    services.asset_issue(asset=world["outside"], person=world["wj"])  # no actor (CLI, import): not cut


def test_an_actor_without_a_role_changes_nothing(world):
    before = _ledger_state()
    with change_context(user=world["norole"], source="web"), pytest.raises(access.OutOfScope, match="没有角色"):
        services.asset_issue(asset=world["inside"], person=world["officer"])
    assert _ledger_state() == before


# --- endpoints written without thinking about scope ---------------------------------------------------------

class CarelessAssetViewSet(viewsets.ModelViewSet):
    """Plain DRF: does not restrict its rows."""

    queryset = Asset.objects.all()
    serializer_class = AssetSerializer


class ForgetfulAssetViewSet(ScopedModelViewSet):
    """Inherits the base but replaces its queryset with an unrestricted one."""

    queryset = Asset.objects.all()
    serializer_class = AssetSerializer

    def get_queryset(self):
        return Asset.objects.all()


class ContentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContentType
        fields = ["id", "app_label", "model"]


class UnpolicedViewSet(ScopedReadOnlyViewSet):
    """A model nobody wrote a policy for."""

    queryset = ContentType.objects.all()
    serializer_class = ContentTypeSerializer


class CarelessReport(APIView):
    def get(self, request):
        return Response([a.tag for a in Asset.objects.all()])


class CarefulAssetViewSet(ScopedModelViewSet):
    """What it should be: a declaration; the base restricts."""

    queryset = Asset.objects.all()
    serializer_class = AssetSerializer


router = SimpleRouter()
router.register("careless", CarelessAssetViewSet, basename="careless")
router.register("forgetful", ForgetfulAssetViewSet, basename="forgetful")
router.register("unpoliced", UnpolicedViewSet, basename="unpoliced")
router.register("careful", CarefulAssetViewSet, basename="careful")
urlpatterns = [path("report/", CarelessReport.as_view()), *router.urls]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("route", ["careless", "forgetful", "unpoliced"])
def test_a_new_endpoint_that_does_not_restrict_its_rows_is_refused(world, api_client_for, route):
    root = api_client_for(make_user("root", None, superuser=True))
    logistics = api_client_for(world["logistics"])
    for client in (root, logistics):
        assert client.get(f"/{route}/").status_code == 403
        assert client.get(f"/{route}/{world['outside'].pk}/").status_code == 403
    before = _ledger_state()
    response = logistics.post(f"/{route}/", {"tag": "NEW-1", "category": "radio", "unit": "CZ-WJ-01"},
                              format="json")
    assert response.status_code in (403, 405)
    assert _ledger_state() == before


@pytest.mark.urls(__name__)
def test_a_view_without_a_queryset_or_access_model_is_refused(world, api_client_for):
    response = api_client_for(make_user("root", None, superuser=True)).get("/report/")
    assert response.status_code == 403 and "未按您的管辖范围限定数据" in response.json()["detail"]


@pytest.mark.urls(__name__)
def test_a_declared_endpoint_is_scoped_without_a_line_about_scope(world, api_client_for):
    client = api_client_for(world["logistics"])
    assert [row["tag"] for row in client.get("/careful/").json()["results"]] == ["IN-1"]
    assert client.get(f"/careful/{world['outside'].pk}/").status_code == 404
    before = _ledger_state()
    response = client.post("/careful/", {"tag": "NEW-1", "category": "radio", "unit": "CZ-WJ-01"}, format="json")
    assert response.status_code == 403 and "不在您的管辖范围内" in response.json()["detail"]
    assert _ledger_state() == before
