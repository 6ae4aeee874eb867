"""Next year's procurement plan: never-issued uniform entitlements with the officer's size, compliance shortfalls,
estimated cost, XLSX."""
import csv
import io
from decimal import Decimal

from django.conf import settings
from django.test import Client

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
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "采购计划" and rows[0][:3] == ("单位代码", "单位", "类别")
    assert ("CZ-TN", "天宁大队", "对讲机") in {row[:3] for row in rows[1:]}
    assert rows[-1][1] == "合计" and Decimal(str(rows[-1][-1])) == Decimal(body["total_cost"])
    assert client.get("/api/v1/procurement-plan/", {"unit": "CZ-WJ", "year": 2027}).status_code == 403
    assert client.get("/api/v1/procurement-plan/", {"unit": "CZ-TN", "year": 99999}).status_code == 400


def _priced_shortfall(bureau):
    """CZ-TN short of a radio, priced by one elsewhere in the bureau."""
    asset_services.asset_create(tag="R-WJ", category="radio", unit=bureau["units"]["CZ-WJ-01"], price=Decimal("1200"))


def test_the_page_lists_the_plan_per_unit_and_exports_it(bureau):
    _priced_shortfall(bureau)
    client = Client()
    client.force_login(make_user("log", "logistics", bureau["units"]["CZ-TN"]))
    page = client.get("/procurement/", {"year": 2027})
    html = page.content.decode()
    assert page.status_code == 200 and page.context["unit"].code == "CZ-TN"  # the user's scope by default
    groups = {g["code"]: g for g in page.context["groups"]}
    radio = next(line for line in groups["CZ-TN"]["lines"] if line["category"] == "radio")
    assert (radio["quantity"], radio["cost"], radio["reason_label"]) == (1, Decimal("1200.00"), "合规缺口：对讲机配备")
    assert 'data-reason="shortfall:radios-per-officer"' in html and "1200.00" in html
    assert {"CZ-WJ", "CZ-WJ-01"}.isdisjoint(groups)
    csv_body = client.get("/procurement/", {"year": 2027, "export": "csv"}).content.decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(csv_body)))
    assert csv_rows[0][:2] == ["单位代码", "单位"] and ["CZ-TN", "天宁大队", "对讲机"] in [r[:3] for r in csv_rows]
    assert csv_rows[-1][1] == "合计"
    pdf = client.get("/procurement/", {"year": 2027, "export": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert 'filename="procurement-CZ-TN-2027.pdf"' in pdf["Content-Disposition"]
    xlsx = client.get("/procurement/", {"year": 2027, "export": "xlsx"})
    assert load_workbook(io.BytesIO(xlsx.content)).active.title == "采购计划"


def test_the_page_refuses_a_unit_outside_the_scope_and_a_bad_year(bureau):
    client = Client()
    client.force_login(make_user("log", "logistics", bureau["units"]["CZ-TN"]))
    assert client.get("/procurement/", {"unit": "CZ-WJ", "year": 2027}).status_code == 403
    bad = client.get("/procurement/", {"unit": "CZ-TN", "year": "20x7"})
    assert bad.status_code == 400 and "四位数的年份" in bad.content.decode()


def test_the_page_in_english(bureau):
    _priced_shortfall(bureau)
    client = Client()
    client.force_login(make_user("log", "logistics", bureau["units"]["CZ-TN"]))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/procurement/", {"year": 2027}).content.decode()
    assert "Procurement plan" in html and "Compliance shortfall: Radios per officer" in html
    assert "合规缺口" not in html and "采购计划" not in html
