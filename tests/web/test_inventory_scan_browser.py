"""In Chromium, the annual inventory as a logistics officer runs it without the API: plan the brigade's count, open
a squadron's stocktake from the report, scan on the scan screen, close it, and read the difference in the report."""
import datetime as dt
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from assets import services
from assets.choices import UserRole
from tests.support.fixtures import build_bureau, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def counted(monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import_module("assets.migrations.0002_seed_and_append_only").seed(django_apps, None)
    bureau = build_bureau()
    for tag in ("PC-1", "PC-2"):
        services.asset_create(tag=tag, category="office", unit=bureau["units"]["CZ-TN-01"], item="计算机",
                              acquired=dt.date(2024, 1, 15), price=Decimal("6000"), finance_card_no=f"ZC-{tag}")
    return {"user": make_user("logi-tn", UserRole.LOGISTICS, bureau["units"]["CZ-TN"]),
            "auditor": make_user("audit-tn", UserRole.AUDITOR, bureau["units"]["CZ-TN"])}


def test_an_inventory_stocktake_is_scanned_from_the_report(counted, browser_page, live_server, screenshot):
    base = live_server.url
    page = browser_page(counted["user"])
    page.goto(base + "/")
    page.click("#main-nav a[data-nav='inventory']")
    page.select_option("#inv-unit", "CZ-TN-01")
    page.fill("#inv-year", str(timezone.localdate().year))
    page.click("#inv-plan")
    page.wait_for_selector("#inventory-units tr[data-unit='CZ-TN-01']")
    page.click("#inventory-units tr[data-unit='CZ-TN-01'] a[data-scan]")
    page.wait_for_url("**/stocktake/?stocktake=*")
    assert "已扫描 0 件" in page.locator("#st-status").inner_text()
    assert page.locator("#st-tag").is_enabled()
    page.fill("#st-tag", "PC-1")
    page.press("#st-tag", "Enter")
    page.wait_for_selector("#scans tr[data-tag='PC-1'].found")
    screenshot(page, "inventory-stocktake-resumed")
    page.click("#st-close")
    page.wait_for_selector("#result-missing")
    assert "PC-2" in page.locator("#result-missing").inner_text()
    page.go_back()
    page.reload()
    assert page.locator("#inventory-differences tr[data-tag='PC-2']").get_attribute("data-finding") == "missing"
    assert page.locator("#inventory-units tr[data-unit='CZ-TN-01'] a[data-scan]").count() == 0  # closed
    screenshot(page, "inventory-report-after-scan")
    assert page.errors == []
    # An auditor reads the report but is not offered the scan screen (a page their role cannot open).
    reader = browser_page(counted["auditor"])
    reader.goto(page.url)
    assert reader.locator("#inventory-differences tr[data-tag='PC-2']").count() == 1
    assert reader.locator("a[href^='/stocktake/']").count() == 0


def test_a_closed_stocktake_is_not_resumed(counted, browser_page, live_server):
    from tests.support.browser import orm_off_loop

    def closed_one():
        from assets.models import OrgUnit
        from uniforms import services as uniform_services

        stocktake = uniform_services.stocktake_start(unit=OrgUnit.objects.get(code="CZ-TN-01"))
        uniform_services.stocktake_close(stocktake=stocktake)
        return stocktake.pk

    pk = orm_off_loop(closed_one)
    page = browser_page(counted["user"])
    assert page.goto(f"{live_server.url}/stocktake/?stocktake={pk}").status == 404
