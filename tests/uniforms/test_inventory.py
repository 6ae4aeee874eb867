"""Annual inventory (年度清查盘点): one stocktake per unit, coverage, differences with their book value, XLSX."""
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from assets import services as asset_services
from assets.models import Category
from tests.support.fixtures import make_user
from uniforms import selectors, services
from uniforms.models import AnnualInventory


def test_an_annual_inventory_with_a_difference(bureau, api_client_for):
    Category.objects.filter(pk="office").update(depreciation_years=6)
    units = bureau["units"]
    for tag, unit in (("PC-1", "CZ-TN-01"), ("PC-2", "CZ-TN-01"), ("PC-3", "CZ-TN-02")):
        asset_services.asset_create(tag=tag, category="office", unit=units[unit], item="电脑",
                                    acquired=dt.date(2024, 1, 15), price=Decimal("6000"), finance_card_no=f"ZC-{tag}")
    radio = asset_services.asset_create(tag="R-1", category="radio", unit=units["CZ-TN-01"])
    asset_services.asset_issue(asset=radio, person=bureau["officer"])  # issued: still on the unit's books
    client = api_client_for(make_user("log", "logistics", units["CZ-TN"]))
    planned = client.post("/api/v1/annual-inventories/", {"unit": "CZ-TN", "year": 2026}, format="json")
    assert planned.status_code == 201, planned.content
    stocktakes = {st["unit"]: st["id"] for st in planned.json()["stocktakes"]}
    assert set(stocktakes) == {"CZ-TN-01", "CZ-TN-02"}  # the brigade owns nothing itself
    # CZ-TN-01: PC-1 and the issued radio are shown, PC-2 is missing, PC-3 (CZ-TN-02's) turns up here
    for tag in ("PC-1", "R-1", "PC-3"):
        assert client.post(f"/api/v1/stocktakes/{stocktakes['CZ-TN-01']}/scan/", {"tag": tag},
                           format="json").status_code == 201
    assert client.post(f"/api/v1/stocktakes/{stocktakes['CZ-TN-01']}/close/").status_code == 200
    report = client.get(f"/api/v1/annual-inventories/{planned.json()['id']}/report/").json()
    assert report["coverage"] == {"units": 2, "units_done": 1, "expected": 4, "found": 2, "scanned": 3}
    by_tag = {(d["counted_unit"], d["tag"]): d for d in report["differences"]}
    missing = by_tag[("CZ-TN-01", "PC-2")]
    assert missing["finding"] == "missing" and missing["finance_card_no"] == "ZC-PC-2"
    assert by_tag[("CZ-TN-01", "PC-3")]["finding"] == "misplaced"
    assert by_tag[("CZ-TN-02", "PC-3")]["finding"] == "missing"  # CZ-TN-02 is still open and has scanned nothing
    # the same report with the book value on a fixed date: 6000 - 5700 × 30/72 = 3625.00 each missing computer
    inventory = AnnualInventory.objects.get()
    fixed = selectors.annual_inventory_report(inventory, on=dt.date(2026, 7, 15))
    assert fixed["summary"]["missing"] == 2 and fixed["summary"]["missing_book_value"] == Decimal("7250.00")
    sheets = load_workbook(io.BytesIO(client.get(
        f"/api/v1/annual-inventories/{inventory.pk}/report/?export=xlsx").content))
    assert [ws.title for ws in sheets] == ["清查覆盖", "账实不符"]
    assert {row[2] for row in sheets["账实不符"].iter_rows(min_row=2, values_only=True)} == {"PC-2", "PC-3"}
    assert client.post("/api/v1/annual-inventories/", {"unit": "CZ-TN", "year": 2026},
                       format="json").status_code == 400  # planned once a year


def test_the_inventory_pages(bureau, client):
    units = bureau["units"]
    asset_services.asset_create(tag="PC-1", category="office", unit=units["CZ-TN-01"], price=Decimal("100"))
    client.force_login(make_user("log", "logistics", units["CZ-TN"]))
    response = client.post("/inventory/", {"unit": "CZ-TN", "year": "2026"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-tag="PC-1"' in page and 'data-finding="missing"' in page
    assert client.get("/inventory/").status_code == 200
    again = client.post("/inventory/", {"unit": "CZ-TN", "year": "2026"}).content.decode()
    assert "天宁大队（CZ-TN） 的 2026 年度清查盘点已安排" in again
    client.cookies["django_language"] = "en"
    again = client.post("/inventory/", {"unit": "CZ-TN", "year": "2026"}).content.decode()
    assert "already planned" in again and "已经计划" not in again
