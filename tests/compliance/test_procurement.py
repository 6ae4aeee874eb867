"""Next year's procurement plan: never-issued uniform entitlements with the officer's size, compliance shortfalls,
estimated cost, XLSX."""
import io
from decimal import Decimal

from openpyxl import load_workbook

from assets import services as asset_services
from compliance.procurement import procurement_plan
from tests.support.fixtures import make_user
from uniforms.models import Entitlement, OfficerSize


def test_a_plan_with_sizes_shortfalls_and_cost(bureau, api_client_for):
    units, officer = bureau["units"], bureau["officer"]
    entitlement = Entitlement.objects.filter(active=True).select_related("item_type").first()
    OfficerSize.objects.create(person=officer, item_type=entitlement.item_type, size="175/92A")
    # a priced radio elsewhere in the bureau sets the estimate; CZ-TN has none but needs ceil(1/2) = 1
    asset_services.asset_create(tag="R-WJ", category="radio", unit=units["CZ-WJ-01"], price=Decimal("1200"))
    plan = procurement_plan(unit=units["CZ-TN"], year=2027)
    lines = {(line["unit"], line["category"], line["item"], line["size"]): line for line in plan["lines"]}
    uniform = lines[("CZ-TN-01", "uniform", entitlement.item_type.name, "175/92A")]
    assert uniform["reason"] == "never_issued" and uniform["quantity"] == entitlement.quantity
    radio = lines[("CZ-TN", "radio", "", "")]
    assert radio["quantity"] == 1 and radio["reason"] == "shortfall:radios-per-officer"
    assert radio["unit_price"] == Decimal("1200.00") and radio["cost"] == Decimal("1200.00")
    client = api_client_for(make_user("log", "logistics", units["CZ-TN"]))
    body = client.get("/api/v1/procurement-plan/", {"unit": "CZ-TN", "year": 2027}).json()
    assert Decimal(body["total_cost"]) >= Decimal("1200.00")
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/procurement-plan/",
                                                {"unit": "CZ-TN", "year": 2027, "export": "xlsx"}).content)).active
    assert sheet.title == "采购计划" and any(row[1] == "radio" for row in sheet.iter_rows(min_row=2, values_only=True))
    assert client.get("/api/v1/procurement-plan/", {"unit": "CZ-WJ", "year": 2027}).status_code == 403
