"""The demo's office work (simulators/office_sample.py) on the sample bureau: each office page of the demo logistics
user shows something — costs in the use register, recorder shifts, a footage inspection, a pending disposal, this
year's annual inventory with a difference, a procurement plan with estimates."""
import pytest
from django.test import Client
from django.utils import timezone

from assets.models import Asset, DisposalRequest, OrgUnit
from recorders.models import FootageInspection
from simulators.office_sample import load_office_sample
from telematics.models import OdometerReading, VehicleCost
from tests.support.fixtures import make_user
from uniforms.models import AnnualInventory
from workbook.sample_bureau import load_sample_bureau

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        load_sample_bureau()
        first = load_office_sample(approver=make_user("admin-demo", "administrator"))
        yield {"first": first, "again": load_office_sample()}
        transaction.set_rollback(True)


@pytest.fixture
def office(loaded, db):
    client = Client()
    client.force_login(make_user("logistics-demo", "logistics", OrgUnit.objects.get(code="CZ-TN")))
    return loaded, client


def test_the_work_is_loaded_once(office):
    loaded, _client = office
    assert loaded["first"]["costs"] >= 30 and loaded["first"]["disposals"] == 2 and loaded["again"] is None
    assert VehicleCost.objects.filter(kind="fuel").count() == 16 and VehicleCost.objects.filter(kind="toll").exists()
    assert OdometerReading.objects.count() >= 16
    pool = Asset.objects.filter(tag__startswith="JLY-POOL-")
    assert pool.count() == 4 and pool.filter(status="issued").count() == 1  # one out on today's shift
    assert FootageInspection.objects.get().unit.code == "CZ-TN"


def test_the_demo_logistics_officer_approves_the_pending_disposal_first(office):
    _loaded, client = office
    pending = DisposalRequest.objects.get(status="pending")
    client.post(f"/disposals/{pending.pk}/approve/", {"note": "同意报废"})
    assert list(pending.approvals.values_list("level", "username")) == [(1, "logistics-demo")]


def test_each_office_page_shows_it(office):
    _loaded, client = office
    today = timezone.localdate()
    pending = DisposalRequest.objects.get(status="pending")
    assert pending.number in client.get("/disposals/").content.decode() and pending.total_price > 0
    assert (pending.unit.code, pending.approvals_needed) == ("CZ-TN-01", 2)  # the brigade's officer approves first
    register = client.get("/disposals/register/").context["rows"]
    assert [(r["unit"], r["approved_by"]) for r in register] == [("CZ-TN-02", "admin-demo")]
    inventory = AnnualInventory.objects.get(unit__code="CZ-TN-01", year=today.year)
    report = client.get(f"/inventory/{inventory.pk}/").context["report"]
    assert report["summary"]["missing"] == 1 and report["coverage"]["units_done"] == report["coverage"]["units"] == 1
    assert report["differences"][0]["category"] == "radio" and report["summary"]["missing_book_value"] > 0
    start = client.get("/").content.decode()
    assert 'data-count="pending_disposals" class="warn">1 ' in start
    plan = client.get("/procurement/", {"year": today.year + 1})
    assert plan.status_code == 200 and plan.context["plan"]["total_cost"] > 0
    never_issued = [line for line in plan.context["plan"]["lines"] if line["reason"] == "never_issued"]
    assert never_issued and any(line["size"] for line in never_issued if line["item"] == "执勤大衣")
    history = client.get("/assets/JLY-POOL-01/").content.decode()
    assert history.count("班前领用") >= 4 and history.count("班后交还") >= 3
    assert "法制科" in client.get("/recorders/inspections/").content.decode()
