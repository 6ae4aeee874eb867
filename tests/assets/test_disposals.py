"""Disposal (报废) as an approval workflow: thresholds, approvers, refusal, retirement through the ledger, register."""
import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook
import io

from assets import access, disposals, services
from assets.choices import AssetStatus, CustodyAction
from assets.models import CustodyEvent, DisposalStatus
from quartermaster.context import change_context
from quartermaster.errors import ConflictError
from tests.support.fixtures import make_user


@pytest.fixture
def office(bureau):
    units = bureau["units"]
    users = {"clerk": make_user("clerk", "logistics", units["CZ-TN-01"]),
             "brigade": make_user("brigade", "logistics", units["CZ-TN"]),
             "admin": make_user("admin", "administrator", None)}
    return units, users


def _asset(tag, unit, price):
    return services.asset_create(tag=tag, category="office", unit=unit, item="电脑", acquired=dt.date(2020, 1, 1),
                                 price=Decimal(price))


def test_above_the_threshold_two_approvals_then_retired_in_the_ledger(office, api_client_for):
    units, users = office
    pc, printer = _asset("PC-1", units["CZ-TN-01"], "6000"), _asset("PR-1", units["CZ-TN-01"], "1500")
    clerk = api_client_for(users["clerk"])
    made = clerk.post("/api/v1/disposals/", {"unit": "CZ-TN-01", "assets": ["PC-1", "PR-1"],
                                             "reason": "主板损坏，无维修价值"}, format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["approvals_needed"] == 2 and body["total_price"] == "7500.00"
    url = f"/api/v1/disposals/{body['id']}/"
    # the clerk's own unit is not above the request's unit: refused, nothing changes
    assert clerk.post(url + "approve/", {}, format="json").status_code == 403
    # the brigade's logistics officer gives the first approval; the assets are still in stock
    first = api_client_for(users["brigade"]).post(url + "approve/", {"note": "同意"}, format="json")
    assert first.status_code == 200 and first.json()["status"] == "pending"
    pc.refresh_from_db()
    assert pc.status == AssetStatus.IN_STOCK
    # the second level is an administrator's
    assert api_client_for(users["brigade"]).post(url + "approve/", {}, format="json").status_code == 403
    done = api_client_for(users["admin"]).post(url + "approve/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    for asset in (pc, printer):
        asset.refresh_from_db()
        assert asset.status == AssetStatus.RETIRED
        last = CustodyEvent.objects.filter(asset=asset).order_by("-occurred_at", "-id").first()
        assert last.action == CustodyAction.RETIRE and last.receipt_no == body["number"]
    register = clerk.get("/api/v1/disposals/register/").json()["rows"]
    assert [r["tag"] for r in register] == ["PC-1", "PR-1"] and register[0]["approved_by"] == "brigade、admin"
    sheet = load_workbook(io.BytesIO(clerk.get("/api/v1/disposals/register/?export=xlsx").content)).active
    assert sheet.cell(2, 3).value == "PC-1" and sheet.cell(2, 8).value == 6000


def test_at_most_the_threshold_one_approval_suffices(office):
    units, users = office
    radio = _asset("PR-2", units["CZ-TN-01"], "2000")
    with change_context(user=users["clerk"], source="test"):
        request = disposals.disposal_request(unit=units["CZ-TN-01"], assets=[radio], reason="老化")
    assert request.approvals_needed == 1
    with change_context(user=users["brigade"], source="test"):
        done = disposals.disposal_approve(request=request, user=users["brigade"])
    radio.refresh_from_db()
    assert done.status == DisposalStatus.APPROVED and radio.status == AssetStatus.RETIRED


def test_a_refused_request_changes_nothing(office, api_client_for):
    units, users = office
    pc = _asset("PC-9", units["CZ-TN-01"], "9000")
    before = list(CustodyEvent.objects.filter(asset=pc).values_list("id", flat=True))
    made = api_client_for(users["clerk"]).post("/api/v1/disposals/", {"unit": "CZ-TN-01", "assets": ["PC-9"],
                                                                      "reason": "旧"}, format="json").json()
    brigade = api_client_for(users["brigade"])
    assert brigade.post(f"/api/v1/disposals/{made['id']}/refuse/", {}, format="json").status_code == 400
    refused = brigade.post(f"/api/v1/disposals/{made['id']}/refuse/", {"reason": "仍可维修"}, format="json")
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert refused.json()["refusal_reason"] == "仍可维修"
    pc.refresh_from_db()
    assert pc.status == AssetStatus.IN_STOCK
    assert list(CustodyEvent.objects.filter(asset=pc).values_list("id", flat=True)) == before
    assert api_client_for(users["admin"]).post(f"/api/v1/disposals/{made['id']}/approve/", {},
                                               format="json").status_code == 409


def test_an_issued_asset_cannot_be_requested_and_scope_is_checked(office, bureau, api_client_for):
    units, users = office
    pc = _asset("PC-5", units["CZ-TN-01"], "100")
    services.asset_issue(asset=pc, unit=units["CZ-TN-01"])
    with pytest.raises(ConflictError):
        disposals.disposal_request(unit=units["CZ-TN-01"], assets=[pc], reason="坏")
    _asset("PC-6", units["CZ-WJ-01"], "100")
    outside = api_client_for(users["brigade"]).post(
        "/api/v1/disposals/", {"unit": "CZ-TN-01", "assets": ["PC-6"], "reason": "坏"}, format="json")
    assert outside.status_code == 400 and "PC-6" in outside.json()["detail"]
    assert access.may(users["clerk"], "approve", disposals.DisposalRequest)


def test_pages_file_and_approve(office, client):
    units, users = office
    _asset("PC-7", units["CZ-TN-01"], "800")
    client.force_login(users["clerk"])
    page = client.post("/disposals/", {"unit": "CZ-TN-01", "tags": "PC-7", "reason": "屏幕损坏"})
    assert page.status_code == 302
    listing = client.get("/disposals/").content.decode()
    assert "PC-7" in listing and "屏幕损坏" in listing
    client.force_login(users["brigade"])
    request = disposals.DisposalRequest.objects.get()
    assert client.post(f"/disposals/{request.pk}/approve/").status_code == 302
    register = client.get("/disposals/register/").content.decode()
    assert 'data-tag="PC-7"' in register


def test_an_item_awaiting_a_disposal_decision_stays_in_the_store_until_refused(office):
    """Found walking the demo: an item in a pending request was issued, and the approval could then not retire it."""
    units, users = office
    pc = _asset("PC-9", units["CZ-TN-01"], "900")
    with change_context(source="web", username="clerk"):
        request = disposals.disposal_request(unit=units["CZ-TN-01"], assets=[pc], reason="屏幕损坏")
    officer = services.person_create(staff_no="P009", name="钱七", unit=units["CZ-TN-01"], role="officer")
    for move in (lambda: services.asset_issue(asset=pc, person=officer),
                 lambda: services.asset_transfer(asset=pc, to_unit=units["CZ-TN-02"])):
        with pytest.raises(ConflictError) as refused:
            move()
        assert refused.value.code == "awaiting_disposal" and request.number in str(refused.value.message)
    pc.refresh_from_db()
    assert pc.status == AssetStatus.IN_STOCK and pc.unit == units["CZ-TN-01"]
    disposals.disposal_refuse(request=request, user=users["brigade"], reason="仍可维修")
    services.asset_issue(asset=pc, person=officer)
    pc.refresh_from_db()
    assert pc.status == AssetStatus.ISSUED


def test_a_photo_is_served_to_the_requests_readers_only(office, bureau, client, settings, tmp_path):
    """The list linked each photo to /media/…, which nothing serves (a dead link, and serving /media/ openly would
    hand every brigade's photos to anyone): photos come through a page cut to the request's unit."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    units, users = office
    image = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(image, "PNG")
    request = disposals.disposal_request(unit=units["CZ-TN-01"], assets=[_asset("PC-9", units["CZ-TN-01"], "80")],
                                         reason="坏", photos=[SimpleUploadedFile("broken.png", image.getvalue())])
    photo = request.photos.get()
    client.force_login(users["clerk"])
    url = f"/disposals/photos/{photo.pk}/"
    assert f'href="{url}"' in client.get("/disposals/").content.decode()
    shown = client.get(url)
    assert shown.status_code == 200 and b"".join(shown.streaming_content) == image.getvalue()
    client.force_login(make_user("wj-clerk", "logistics", units["CZ-WJ"]))
    assert client.get(url).status_code == 404
