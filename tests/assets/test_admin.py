"""The Django admin as a logistics officer uses it: scoped lists, a custody action, service-backed edits recorded
with source "admin", a read-only ledger and change log, Chinese by default and English on request."""
import pytest
from django.test import Client
from django.urls import reverse

from assets import services
from assets.choices import UserRole
from assets.models import Asset, ChangeRecord, CustodyEvent, Person
from tests.support.api_cases import OUTSIDE_UNIT, WorldTestCase, ledger_and_log_state

pytestmark = pytest.mark.django_db
ASSETS = reverse("admin:assets_asset_changelist")


def login(world, role: str) -> Client:
    """A browser session through the admin's own login form."""
    client = Client()
    response = client.post(reverse("admin:login"), {"username": world.users[role].username,
                                                    "password": "pass-12345", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/", response.content[:500]
    return client


def radio(world, tag: str, *, inside: bool = True) -> Asset:
    return services.asset_create(tag=tag, category="radio", item="对讲机", unit=world.unit(inside=inside))


def registry_state():
    return list(Asset.objects.order_by("pk").values()), ledger_and_log_state()


def run_action(client, action: str, assets, **inputs):
    data = {"action": action, "index": 0, "_selected_action": [a.pk for a in assets], **inputs}
    return client.post(ASSETS, data, follow=True)


class TestLogisticsOfficerInAdmin(WorldTestCase):
    def test_lists_assets_in_scope_only(self, world):
        radio(world, "ADM-IN")
        radio(world, "ADM-OUT", inside=False)
        page = login(world, UserRole.LOGISTICS).get(ASSETS)
        assert page.status_code == 200
        text = page.content.decode()
        assert "ADM-IN" in text and "ADM-OUT" not in text
        assert 'name="action"' in text and 'value="issue"' in text

    def test_issues_an_asset_with_an_admin_action(self, world):
        asset = radio(world, "ADM-ISSUE")
        page = run_action(login(world, UserRole.LOGISTICS), "issue", [asset], person="P001", receipt_no="LY-7")
        assert page.status_code == 200
        asset.refresh_from_db()
        assert (asset.status, asset.holder_person.staff_no) == ("issued", "P001")
        event = asset.events.latest("id")
        assert (event.action, event.receipt_no, event.source, event.username) == (
            "issue", "LY-7", "admin", "logistics-tn")
        assert "1 件" in page.content.decode()

    def test_a_refused_batch_changes_nothing_and_names_the_asset(self, world):
        free = radio(world, "ADM-FREE")
        taken = radio(world, "ADM-TAKEN")
        services.asset_issue(asset=taken, unit=taken.unit)
        before = registry_state()
        page = run_action(login(world, UserRole.LOGISTICS), "issue", [free, taken], person="P001")
        assert "ADM-TAKEN" in page.content.decode() and "归还后才能再次发放" in page.content.decode()
        assert registry_state() == before, "half a batch was written"

    def test_person_outside_the_scope_is_refused(self, world):
        services.person_create(staff_no="WJ7", name="外人", unit=world.unit(inside=False))
        asset = radio(world, "ADM-SCOPE")
        before = registry_state()
        page = run_action(login(world, UserRole.LOGISTICS), "issue", [asset], person="WJ7")
        assert "WJ7" in page.content.decode()
        assert registry_state() == before

    def test_asset_out_of_scope_cannot_be_opened_or_moved(self, world):
        outside = radio(world, "ADM-FAR", inside=False)
        client = login(world, UserRole.LOGISTICS)
        response = client.get(reverse("admin:assets_asset_change", args=[outside.pk]))
        assert response.status_code == 302  # the admin's "does not exist" redirect
        before = registry_state()
        run_action(client, "retire", [outside])
        assert registry_state() == before

    def test_edit_goes_through_the_service_and_is_recorded_as_admin(self, world):
        asset = radio(world, "ADM-EDIT")
        client = login(world, UserRole.LOGISTICS)
        url = reverse("admin:assets_asset_change", args=[asset.pk])
        page = client.get(url)
        assert "保管台账" in page.content.decode()  # the ledger inline
        events = asset.events.count()
        response = client.post(url, {
            "tag": asset.tag, "category": "radio", "item": "对讲机", "serial": "SN-ADMIN", "model": "", "size": "",
            "acquired": "", "service_years": "", "events-TOTAL_FORMS": events, "events-INITIAL_FORMS": events,
            "events-MIN_NUM_FORMS": 0, "events-MAX_NUM_FORMS": 0, "_save": "保存"})
        assert response.status_code == 302, response.content.decode()[:2000]
        record = ChangeRecord.objects.filter(object_id=str(asset.pk), action="update").latest("id")
        assert (record.source, record.username) == ("admin", "logistics-tn")
        assert (record.before["serial"], record.after["serial"]) == ("", "SN-ADMIN")

    def test_a_service_refusal_on_save_is_shown_and_changes_nothing(self, world):
        asset = radio(world, "ADM-HELD")
        services.asset_issue(asset=asset, unit=asset.unit)
        client = login(world, UserRole.LOGISTICS)
        url = reverse("admin:assets_asset_change", args=[asset.pk])
        events = asset.events.count()
        before = registry_state()
        page = client.post(url, {
            "tag": asset.tag, "category": "camera", "item": "对讲机", "serial": "", "model": "", "size": "",
            "acquired": "", "service_years": "", "events-TOTAL_FORMS": events, "events-INITIAL_FORMS": events,
            "events-MIN_NUM_FORMS": 0, "events-MAX_NUM_FORMS": 0, "_save": "保存"}, follow=True)
        assert "须先归还才能更改类别" in page.content.decode()
        assert registry_state() == before

    def test_add_receives_into_stock(self, world):
        response = login(world, UserRole.LOGISTICS).post(reverse("admin:assets_asset_add"), {
            "tag": "ADM-NEW", "category": "camera", "item": "摄像机", "unit": world.unit(inside=True).pk,
            "serial": "", "model": "", "size": "", "acquired": "2026-01-02", "service_years": "",
            "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0, "events-MIN_NUM_FORMS": 0,
            "events-MAX_NUM_FORMS": 0, "_save": "保存"})
        assert response.status_code == 302, response.content.decode()[:2000]
        event = CustodyEvent.objects.get(asset__tag="ADM-NEW")
        assert (event.action, event.status_after, event.source) == ("receive", "in_stock", "admin")

    def test_person_added_and_moved_through_the_services(self, world):
        client = login(world, UserRole.LOGISTICS)
        response = client.post(reverse("admin:assets_person_add"), {
            "staff_no": "ADM-P1", "name": "钱七", "unit": world.unit(inside=True).pk, "role": "officer",
            "frontline": "on", "status": "active", "cert_no": "", "cert_expires": "", "badge_no": "", "_save": "保存"})
        assert response.status_code == 302, response.content.decode()[:2000]
        person = Person.objects.get(staff_no="ADM-P1")
        response = client.post(reverse("admin:assets_person_change", args=[person.pk]), {
            "name": "钱七", "unit": world.units["CZ-TN-02"].pk, "role": "officer", "frontline": "on",
            "status": "active", "cert_no": "", "cert_expires": "", "badge_no": "", "_save": "保存"})
        assert response.status_code == 302, response.content.decode()[:2000]
        assert list(person.history.order_by("id").values_list("unit__code", flat=True)) == ["CZ-TN-01", "CZ-TN-02"]
        records = ChangeRecord.objects.filter(object_id=str(person.pk), content_type__model="person")
        assert {(r.action, r.source, r.username) for r in records} == {
            ("create", "admin", "logistics-tn"), ("update", "admin", "logistics-tn")}

    def test_unit_choices_are_the_scope(self, world):
        page = login(world, UserRole.LOGISTICS).get(reverse("admin:assets_asset_add")).content.decode()
        assert "CZ-TN-01" in page and OUTSIDE_UNIT not in page


class TestReadOnlyInAdmin(WorldTestCase):
    @pytest.mark.parametrize("model", ["custodyevent", "changerecord"])
    def test_ledger_and_change_log_cannot_be_edited(self, world, model):
        radio(world, f"ADM-RO-{model}")
        row = (CustodyEvent if model == "custodyevent" else ChangeRecord).objects.latest("id")
        client = login(world, UserRole.ADMINISTRATOR)
        view = client.get(reverse(f"admin:assets_{model}_change", args=[row.pk]))
        assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
        before = registry_state()
        assert client.post(reverse(f"admin:assets_{model}_change", args=[row.pk]), {"note": "x"}).status_code == 403
        assert client.post(reverse(f"admin:assets_{model}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
        assert client.get(reverse(f"admin:assets_{model}_add")).status_code == 403
        assert registry_state() == before

    def test_auditor_looks_but_moves_nothing(self, world):
        asset = radio(world, "ADM-AUD")
        client = login(world, UserRole.AUDITOR)
        page = client.get(ASSETS).content.decode()
        assert "ADM-AUD" in page and 'value="issue"' not in page
        before = registry_state()
        run_action(client, "retire", [asset])
        assert registry_state() == before


class TestAdminLanguage(WorldTestCase):
    def test_chinese_by_default_english_on_request(self, world):
        client = login(world, UserRole.LOGISTICS)
        assert "站点管理" in client.get("/admin/").content.decode()
        client.cookies["django_language"] = "en"
        assert "Site administration" in client.get("/admin/").content.decode()


class TestAdminFiltersStayInScope(WorldTestCase):
    """A changelist's filter by a related row (Django's RelatedFieldListFilter) lists every row of the related
    table: a vehicle or duty-schedule list filtered by unit named every brigade and squadron of the bureau."""

    @pytest.mark.parametrize("role", [UserRole.ADMINISTRATOR, UserRole.FLEET, UserRole.AUDITOR])
    def test_every_changelist_names_no_unit_outside_the_scope(self, world, role):
        from django.contrib import admin

        from tests.telematics.factories import make_vehicle

        make_vehicle(world.unit(inside=True), plate="苏D·ADM01")
        make_vehicle(world.unit(inside=False), plate="苏D·ADM02", vin="LSVAB2BM5KN000077")
        client = login(world, role)
        outside = world.units[OUTSIDE_UNIT]
        seen = 0
        for model in admin.site._registry:
            page = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
            if page.status_code != 200:
                continue
            seen += 1
            text = page.content.decode()
            assert outside.name not in text and "苏D·ADM02" not in text, model._meta.label
        assert seen > 10
        vehicles = client.get(reverse("admin:telematics_vehicle_changelist")).content.decode()
        assert "苏D·ADM01" in vehicles and world.unit(inside=True).name in vehicles  # the filter is still offered
