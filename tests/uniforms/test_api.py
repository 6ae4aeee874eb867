"""The uniforms API: each workflow through HTTP, role and scope refusals, PDFs (text read back with pypdf)."""
import datetime as dt
import io

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from assets import services as ledger
from assets.models import Asset, CustodyEvent
from tests.support.fixtures import make_user
from uniforms import services
from uniforms.models import Entitlement

from .conftest import stock

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_entitlements_readable_by_auditor_editable_by_bureau_wide_logistics(bureau, logistics, auditor,
                                                                           api_client_for):
    """The entitlement table is the whole bureau's: a brigade-scoped logistics officer reads it but changes nothing."""
    rows = api_client_for(auditor).get("/api/v1/entitlements/?page_size=100").json()["results"]
    assert {r["item_name"] for r in rows} >= {"春秋执勤服", "长袖衬衣", "裤子"}
    pk = next(r["id"] for r in rows if r["item_type"] == "trousers")
    assert api_client_for(auditor).patch(f"/api/v1/entitlements/{pk}/", {"quantity": 3}).status_code == 403
    before = list(Entitlement.objects.order_by("pk").values())
    r = api_client_for(logistics).patch(f"/api/v1/entitlements/{pk}/", {"quantity": 3}, format="json")
    assert r.status_code == 403 and "outside your scope" in r.json()["detail"]
    r = api_client_for(logistics).post("/api/v1/entitlements/", {"item_type": "cap", "quantity": 9}, format="json")
    assert r.status_code == 403
    assert list(Entitlement.objects.order_by("pk").values()) == before
    bureau_logistics = make_user("logi-cz", "logistics", unit=bureau["units"]["CZ"])
    r = api_client_for(bureau_logistics).patch(f"/api/v1/entitlements/{pk}/", {"quantity": 3}, format="json")
    assert r.status_code == 200 and r.json()["quantity"] == 3 and r.json()["service_years"] == 2


def test_issue_round_and_replacement_due_api(bureau, logistics, api_client_for):
    client = api_client_for(logistics)
    r = client.post("/api/v1/officer-sizes/", {"person": "P001", "item_type": "cap", "size": "57"}, format="json")
    assert r.status_code == 201
    r = client.post("/api/v1/officer-sizes/", {"person": "A001", "item_type": "cap", "size": "57"}, format="json")
    assert r.status_code == 400 and "严禁非城管执法人员穿着" in r.json()["detail"]
    stock(bureau["units"]["CZ-TN"], "帽", "57", 1, "CAP")
    r = client.post("/api/v1/issue-rounds/", {"unit": "CZ-TN", "season": "spring_autumn"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["issued_count"] == 1 and body["receipt_no"].startswith("JJ")
    assert Asset.objects.get(tag="CAP-1").holder_person == bureau["officer"]
    short = client.get(f"/api/v1/issue-rounds/{body['id']}/shortfall/").json()
    assert {"item": "春秋执勤服", "size": "", "reason": "no_size", "missing": 2} in short
    today = timezone.localdate()
    due = client.get(f"/api/v1/replacement-due/?unit=CZ-TN&start={today + dt.timedelta(days=1400)}"
                     f"&end={today + dt.timedelta(days=1500)}&include_unheld=false").json()
    assert due["by_item"] == [{"item": "帽", "size": "57", "count": 1}]
    r = client.post("/api/v1/issue-rounds/", {"unit": "CZ-WJ", "season": "summer"}, format="json")
    assert r.status_code == 403  # outside the logistics officer's scope


def test_badge_and_certificate_api(bureau, logistics, api_client_for):
    client = api_client_for(logistics)
    ledger.asset_create(tag="B-1", category="insignia", unit=bureau["units"]["CZ-TN"], item="胸号",
                        serial="320401001")
    assert client.post("/api/v1/badges/issue/", {"person": "P001", "asset": "B-1"}, format="json").status_code == 201
    today = timezone.localdate()
    r = client.post("/api/v1/badges/report-lost/", {"person": "P001", "date_lost": today.isoformat(),
                                                    "new_tag": "B-2"}, format="json")
    assert r.status_code == 201 and r.json()["asset"] == "B-2" and r.json()["number"] == "320401001"
    assert [x["asset"] for x in client.get("/api/v1/badges/?number=320401001").json()["results"]] == ["B-1", "B-2"]

    r = client.post("/api/v1/certificates/issue/", {"person": "P001", "tag": "C-1", "number": "JS9",
                                                     "expires_on": (today + dt.timedelta(days=20)).isoformat()},
                    format="json")
    assert r.status_code == 201
    warn = client.get("/api/v1/certificates/expiring/?unit=CZ-TN").json()
    assert [(w["staff_no"], w["window"]) for w in warn] == [("P001", 30)]
    later = client.get(f"/api/v1/certificates/expiring/?unit=CZ-TN&on={today + dt.timedelta(days=30)}").json()
    assert [(w["staff_no"], w["window"]) for w in later] == [("P001", "expired")]
    r = client.get("/api/v1/certificates/expiring/?unit=CZ-TN&on=tomorrow")
    assert r.status_code == 400 and "on" in str(r.json())
    r = client.post("/api/v1/certificates/report-lost/", {
        "person": "P001", "date_lost": (today - dt.timedelta(days=4)).isoformat(),
        "date_reported": today.isoformat()}, format="json")
    assert r.status_code == 201 and r.json()["reported_late"] is True
    loss = r.json()["id"]
    r = client.post(f"/api/v1/certificate-losses/{loss}/replace/", {"tag": "C-2", "number": "JS10",
                                                                     "expires_on": "2031-01-01"}, format="json")
    assert r.status_code == 200 and r.json()["replacement_no"] == "JS10"
    r = client.post("/api/v1/certificates/surrender/", {"person": "P001", "note": "调离"}, format="json")
    assert r.status_code == 201 and r.json()["kind"] == "surrender"
    r = client.post("/api/v1/certificates/surrender/", {"person": "P001"}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "张三（工号 P001） 没有已发放的证件可上缴"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the same refusal on English pages
    r = client.post("/api/v1/certificates/surrender/", {"person": "P001"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "no_certificate"
    assert r.json()["detail"] == "张三 (staff no. P001) holds no issued certificate to surrender"


def test_seal_api(bureau, logistics, api_client_for):
    client = api_client_for(logistics)
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"], item="公章")
    services.seal_assign(seal=seal, custodian=bureau["officer"])
    r = client.post("/api/v1/seal-handovers/", {"seal": "SEAL-1", "outgoing": "P001", "incoming": "A001"},
                    format="json")
    assert r.status_code == 201
    assert set(CustodyEvent.objects.filter(receipt_no=r.json()["receipt_no"]).values_list("action", flat=True)) == {
        "return", "issue"}
    r = client.post("/api/v1/seal-handovers/", {"seal": "SEAL-1", "outgoing": "P001", "incoming": "A001"},
                    format="json")
    assert r.status_code == 409 and r.json()["code"] == "not_custodian"
    r = client.post("/api/v1/seal-usages/", {"seal": "SEAL-1", "used_on": timezone.localdate().isoformat(),
                                             "document": "通知 1 号", "used_by": "P001"}, format="json")
    assert r.status_code == 201 and r.json()["custodian"] == "A001"
    r = client.get("/api/v1/seal-handovers/custodians/?unit=CZ-TN")
    assert r.json()[0]["custodian"] == "A001", r.content


def test_departure_api_and_pdf(bureau, logistics, api_client_for):
    client = api_client_for(logistics)
    shirt = stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 1, "U")[0]
    ledger.asset_issue(asset=shirt, person=bureau["officer"])
    r = client.post("/api/v1/departures/", {"person": "P001", "kind": "retired"}, format="json")
    assert r.status_code == 201
    pk = r.json()["id"]
    assert [x["tag"] for x in client.get(f"/api/v1/departures/{pk}/checklist/").json()] == ["U-1"]
    text = _text(client.get(f"/api/v1/departures/{pk}/pdf/"))
    assert "离岗装备清退单" in text and "U-1" in text and "张三" in text
    r = client.post(f"/api/v1/departures/{pk}/close-out/")
    assert r.status_code == 409 and "U-1" in r.json()["detail"]
    services.handover_commit(mode="return", tags=["U-1"], person=bureau["officer"])
    r = client.post(f"/api/v1/departures/{pk}/close-out/")
    assert r.status_code == 200 and r.json()["closed_out"] is True


def test_handover_api_check_commit_and_receipt_pdf(bureau, logistics, auditor, api_client_for):
    client = api_client_for(logistics)
    stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 2, "U")
    r = client.post("/api/v1/handover/check/", {"mode": "issue", "person": "A001", "tag": "U-1"}, format="json")
    assert r.status_code == 200 and r.json()["ok"] is False and r.json()["code"] == "officer_only"
    r = client.post("/api/v1/handover/commit/", {"mode": "issue", "person": "P001", "tags": ["U-1", "X"]},
                    format="json")
    assert r.status_code == 409 and [ln["ok"] for ln in r.json()["lines"]] == [True, False]
    assert Asset.objects.get(tag="U-1").status == "in_stock"
    assert api_client_for(auditor).post("/api/v1/handover/commit/", {"mode": "issue", "person": "P001",
                                                                     "tags": ["U-1"]}, format="json").status_code == 403
    r = client.post("/api/v1/handover/commit/", {"mode": "issue", "person": "P001", "tags": ["U-1", "U-2"]},
                    format="json")
    assert r.status_code == 201
    number = r.json()["number"]
    assert [ln["tag"] for ln in client.get(f"/api/v1/receipts/{number}/").json()["lines"]] == ["U-1", "U-2"]
    text = _text(client.get(f"/api/v1/receipts/{number}/pdf/"))
    assert number in text and "U-2" in text and "领用人（签字）" in text and "发放人（签字）" in text
    outsider = make_user("wj", "logistics", unit=bureau["units"]["CZ-WJ"])
    assert api_client_for(outsider).get(f"/api/v1/receipts/{number}/").status_code == 404


def test_labels_pdf(bureau, logistics, api_client_for):
    stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 25, "U")
    r = api_client_for(logistics).get("/api/v1/labels/?unit=CZ-TN&category=uniform")
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 2  # 25 labels on 3×8 sheets
    assert "U-1" in reader.pages[0].extract_text() and "CZ-TN" in reader.pages[0].extract_text()
    r = api_client_for(logistics).get("/api/v1/labels/?tags=U-3,NOPE")
    assert r.status_code == 400 and "NOPE" in str(r.json())
    r = api_client_for(logistics).get("/api/v1/labels/?tags=U-3&columns=two")
    assert r.status_code == 400 and "columns" in str(r.json())
    r = api_client_for(logistics).get("/api/v1/labels/?tags=U-3&columns=2&rows=4")
    assert r.status_code == 200 and "U-3" in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()


def test_stocktake_api(bureau, logistics, api_client_for):
    client = api_client_for(logistics)
    stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 2, "U")
    r = client.post("/api/v1/storage-places/", {"code": "TN-K1", "name": "一号库", "unit": "CZ-TN"}, format="json")
    assert r.status_code == 201
    assert client.post("/api/v1/storage-places/assign/", {"asset": "U-1", "place": "TN-K1"},
                       format="json").status_code == 200
    pk = client.post("/api/v1/stocktakes/", {"unit": "CZ-TN"}, format="json").json()["id"]
    assert client.post(f"/api/v1/stocktakes/{pk}/scan/", {"tag": "U-1"}, format="json").json()["finding"] == "found"
    assert client.post(f"/api/v1/stocktakes/{pk}/scan/", {"tag": "Q"}, format="json").json()["finding"] == "unexpected"
    assert client.post(f"/api/v1/stocktakes/{pk}/scan/", {"tag": "Q"}, format="json").status_code == 409
    r = client.post(f"/api/v1/stocktakes/{pk}/scan/", {"tag": "X" * 65}, format="json")
    assert r.status_code == 400 and "tag" in str(r.json())
    r = client.post(f"/api/v1/stocktakes/{pk}/close/")
    assert r.json()["status"] == "closed" and [x["tag"] for x in r.json()["result"]["missing"]] == ["U-2"]



def test_an_entitlement_posted_without_quantity_keeps_or_defaults_it(bureau, api_client_for):
    """`quantity` is optional in the API (default 1): leaving it out was a 500."""
    from tests.support.fixtures import make_user

    client = api_client_for(make_user("logi-cz", "logistics", unit=bureau["units"]["CZ"]))
    before = next(r for r in client.get("/api/v1/entitlements/?page_size=100").json()["results"]
                  if r["item_type"] == "trousers")
    r = client.post("/api/v1/entitlements/", {"item_type": "trousers", "service_years": 3}, format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["quantity"], r.json()["service_years"]) == (before["quantity"], 3)
    r = client.post("/api/v1/entitlements/", {"item_type": "trousers"}, format="json")
    assert r.status_code == 400 and "service_years" in r.json()
