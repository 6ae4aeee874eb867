"""In Chromium: a logistics officer opens next year's procurement plan from the start page, picks a squadron and
the year, reads the lines per unit and item with their reasons and estimates, and downloads the XLSX and CSV."""
import csv
import datetime as dt
import io
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from openpyxl import load_workbook

from assets import services
from assets.choices import UserRole
from tests.support.fixtures import build_bureau, make_user
from uniforms.models import Entitlement, OfficerSize

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def planned(monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A transactional test before this one may have flushed the seeded categories and entitlements.
    import_module("assets.migrations.0002_seed_and_append_only").seed(django_apps, None)
    bureau = build_bureau()
    entitlement = Entitlement.objects.filter(active=True).select_related("item_type").first()
    assert entitlement is not None, "the seeded entitlements give the officer a never-issued uniform line"
    OfficerSize.objects.create(person=bureau["officer"], item_type=entitlement.item_type, size="175/92A")
    services.asset_create(tag="R-WJ", category="radio", unit=bureau["units"]["CZ-WJ-01"], price=Decimal("1200"),
                          acquired=dt.date(2025, 3, 1))
    return {"bureau": bureau, "item": entitlement.item_type.name, "quantity": entitlement.quantity,
            "user": make_user("logi-tn", UserRole.LOGISTICS, bureau["units"]["CZ-TN"])}


def test_the_procurement_plan_from_the_start_page_to_the_downloads(planned, browser_page, live_server, screenshot):
    base = live_server.url
    page = browser_page(planned["user"])
    page.goto(base + "/")
    page.click("#office-year a[data-link='procurement']")
    page.wait_for_selector("#procurement-table")
    assert page.locator("#procurement-unit").input_value() == "CZ-TN"
    year = int(page.locator("#procurement-year").input_value())
    radio = page.locator("tbody[data-unit='CZ-TN'] tr[data-category='radio']")
    assert radio.locator("td[data-col='quantity']").inner_text() == "1"
    assert radio.locator("td[data-col='cost']").inner_text() == "1200.00"
    assert radio.locator("td[data-col='reason']").inner_text() == "合规缺口：对讲机配备"
    screenshot(page, "procurement-brigade")

    page.select_option("#procurement-unit", "CZ-TN-01")
    page.fill("#procurement-year", str(year + 1))
    page.click("#procurement-submit")
    page.wait_for_url(f"**unit=CZ-TN-01**year={year + 1}**")
    uniform = page.locator(f"tbody[data-unit='CZ-TN-01'] tr[data-item='{planned['item']}'][data-size='175/92A']")
    assert uniform.locator("td[data-col='quantity']").inner_text() == str(planned["quantity"])
    assert uniform.get_attribute("data-reason") == "never_issued"
    assert page.locator("tbody[data-unit='CZ-TN']").count() == 0
    screenshot(page, "procurement-squadron")

    with page.expect_download() as caught:
        page.click("#downloads a[data-export='xlsx']")
    download = caught.value
    assert download.suggested_filename == f"procurement-CZ-TN-01-{year + 1}.xlsx"
    rows = list(load_workbook(io.BytesIO(open(download.path(), "rb").read())).active.iter_rows(values_only=True))
    assert ("CZ-TN-01", planned["item"], "175/92A") in {(r[0], r[3], r[4]) for r in rows[1:]}
    assert rows[-1][1] == "合计"
    with page.expect_download() as caught:
        page.click("#downloads a[data-export='csv']")
    text = open(caught.value.path(), encoding="utf-8-sig").read()
    lines = list(csv.reader(io.StringIO(text)))
    assert ["CZ-TN-01", "CZ-TN-01中队", "制式服装", planned["item"], "175/92A"] in [r[:5] for r in lines]
    assert page.errors == []
