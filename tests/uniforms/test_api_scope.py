"""Findings of issue #14 on the logistics endpoints: each refused call is a 403 or an unknown tag, and changes
nothing (the ledger, the change log and the rows it would touch are compared before and after)."""
import pytest
from django.utils import timezone

from assets import services as ledger
from assets.models import Asset, ChangeRecord, CustodyEvent
from tests.support.fixtures import make_user
from uniforms import services
from uniforms.models import HandoverReceipt, OfficerSize, SealHandover, SealUsage

from .conftest import item_type, stock


def _state():
    return (list(Asset.objects.order_by("pk").values()), CustodyEvent.objects.count(), ChangeRecord.objects.count(),
            HandoverReceipt.objects.count(), list(OfficerSize.objects.order_by("pk").values()),
            SealHandover.objects.count(), SealUsage.objects.count())


@pytest.fixture
def wj_officer(bureau):
    return ledger.person_create(staff_no="W001", name="王五", unit=bureau["units"]["CZ-WJ-01"], role="officer",
                                frontline=True)


@pytest.fixture
def client(bureau, logistics, api_client_for):
    return api_client_for(logistics)  # logistics officer of brigade CZ-TN


def test_scan_issue_of_another_brigades_asset_is_an_unknown_tag(bureau, client, wj_officer):
    stock(bureau["units"]["CZ-WJ-01"], "长袖衬衣", "170", 1, "WJ")
    before = _state()
    r = client.post("/api/v1/handover/commit/", {"mode": "issue", "person": "P001", "tags": ["WJ-1"]}, format="json")
    assert r.status_code == 409 and r.json()["lines"][0]["code"] == "unknown_tag"
    assert _state() == before
    assert Asset.objects.get(tag="WJ-1").status == "in_stock"


def test_a_batch_mixing_our_items_with_another_brigades_moves_none_of_them(bureau, client, wj_officer):
    """One tag of another brigade among ours refuses the whole hand-over: our items stay in stock, no receipt."""
    stock(bureau["units"]["CZ-TN-01"], "长袖衬衣", "170", 2, "TN")
    stock(bureau["units"]["CZ-WJ-01"], "长袖衬衣", "170", 1, "WJ")
    before = _state()
    r = client.post("/api/v1/handover/commit/", {"mode": "issue", "person": "P001", "tags": ["TN-1", "WJ-1", "TN-2"]},
                    format="json")
    assert r.status_code == 409, r.content
    assert [(line["tag"], line["ok"], line["code"]) for line in r.json()["lines"]] == [
        ("TN-1", True, ""), ("WJ-1", False, "unknown_tag"), ("TN-2", True, "")]
    assert _state() == before
    assert set(Asset.objects.filter(tag__in=["TN-1", "TN-2", "WJ-1"]).values_list("status", flat=True)) == {"in_stock"}


def test_scan_return_of_another_brigades_lost_radio_is_refused(bureau, client, wj_officer):
    radio = ledger.asset_create(tag="R-WJ", category="radio", unit=bureau["units"]["CZ-WJ-01"], item="对讲机")
    ledger.asset_issue(asset=radio, person=wj_officer)
    ledger.asset_report_lost(asset=radio, date_lost=timezone.localdate())
    before = _state()
    r = client.post("/api/v1/handover/commit/", {"mode": "return", "unit": "CZ-TN", "tags": ["R-WJ"]}, format="json")
    assert r.status_code == 409 and r.json()["lines"][0]["code"] == "unknown_tag"
    assert _state() == before
    assert Asset.objects.get(tag="R-WJ").status == "lost"


def test_scan_check_does_not_reveal_who_holds_another_units_asset(bureau, client, wj_officer):
    radio = ledger.asset_create(tag="R-WJ", category="radio", unit=bureau["units"]["CZ-WJ-01"], item="对讲机")
    ledger.asset_issue(asset=radio, person=wj_officer)
    r = client.post("/api/v1/handover/check/", {"mode": "return", "person": "P001", "tag": "R-WJ"}, format="json")
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False and body["code"] == "unknown_tag"
    assert "王五" not in r.content.decode() and "holder" not in body


def test_scan_issue_to_another_units_officer_is_refused(bureau, client, wj_officer):
    stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 1, "U")
    before = _state()
    for path, body in (("check", {"tag": "U-1"}), ("commit", {"tags": ["U-1"]})):
        r = client.post(f"/api/v1/handover/{path}/", {"mode": "issue", "person": "W001", **body}, format="json")
        assert r.status_code == 403 and "不在您的管辖范围内" in r.json()["detail"]
    assert _state() == before


def test_the_service_refuses_out_of_scope_tags_for_its_actor_too(bureau, logistics, wj_officer):
    """Not only the API: the hand-over service cuts its tag lookup to the acting user."""
    from quartermaster.context import change_context

    stock(bureau["units"]["CZ-WJ-01"], "长袖衬衣", "170", 1, "WJ")
    with change_context(user=logistics, source="web"):
        line = services.handover_check(mode="issue", tag="WJ-1", person=bureau["officer"])
    assert line["code"] == "unknown_tag"
    assert services.handover_check(mode="issue", tag="WJ-1", person=bureau["officer"])["ok"] is True  # CLI


def test_seal_handed_to_or_used_by_another_units_officer_is_refused(bureau, client, wj_officer):
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"], item="公章")
    services.seal_assign(seal=seal, custodian=bureau["officer"])
    before = _state()
    r = client.post("/api/v1/seal-handovers/", {"seal": "SEAL-1", "outgoing": "P001", "incoming": "W001"},
                    format="json")
    assert r.status_code == 403 and "不在您的管辖范围内" in r.json()["detail"]
    r = client.post("/api/v1/seal-usages/", {"seal": "SEAL-1", "used_on": timezone.localdate().isoformat(),
                                             "document": "通知 1 号", "used_by": "W001"}, format="json")
    assert r.status_code == 403 and "不在您的管辖范围内" in r.json()["detail"]
    assert _state() == before
    assert Asset.objects.get(tag="SEAL-1").holder_person == bureau["officer"]


def test_seal_services_refuse_another_units_officer_for_the_actor(bureau, logistics, wj_officer):
    from assets.access import OutOfScope
    from quartermaster.context import change_context

    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"], item="公章")
    services.seal_assign(seal=seal, custodian=bureau["officer"])
    before = _state()
    with change_context(user=logistics, source="web"):
        with pytest.raises(OutOfScope):
            services.seal_handover(seal=seal, outgoing=bureau["officer"], incoming=wj_officer)
        with pytest.raises(OutOfScope):
            services.seal_usage_log(seal=seal, used_on=timezone.localdate(), document="x", used_by=wj_officer)
    assert _state() == before


def test_officer_size_cannot_be_re_pointed_to_another_units_person(bureau, client, wj_officer):
    record = services.officer_size_set(person=bureau["officer"], item_type=item_type("cap"), size="57")
    before = _state()
    r = client.put(f"/api/v1/officer-sizes/{record.pk}/", {"person": "W001", "item_type": "cap", "size": "58"},
                   format="json")
    assert r.status_code == 403 and "不在您的管辖范围内" in r.json()["detail"]
    r = client.post("/api/v1/officer-sizes/", {"person": "W001", "item_type": "cap", "size": "58"}, format="json")
    assert r.status_code == 403
    assert _state() == before
    assert OfficerSize.objects.get(pk=record.pk).person == bureau["officer"]


def test_another_brigades_logistics_officer_cannot_read_or_touch_ours(bureau, api_client_for):
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"], item="公章")
    receipt = services.seal_assign(seal=seal, custodian=bureau["officer"])
    outsider = api_client_for(make_user("wj-logi", "logistics", unit=bureau["units"]["CZ-WJ"]))
    assert outsider.get(f"/api/v1/receipts/{receipt.number}/").status_code == 404
    assert outsider.get(f"/api/v1/receipts/{receipt.number}/pdf/").status_code == 404
    before = _state()
    r = outsider.post("/api/v1/handover/commit/", {"mode": "return", "unit": "CZ-WJ", "tags": ["SEAL-1"]},
                      format="json")
    assert r.status_code == 409 and r.json()["lines"][0]["code"] == "unknown_tag"
    assert _state() == before
