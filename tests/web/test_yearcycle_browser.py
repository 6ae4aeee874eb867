"""The equipment office's year in headless Chromium: a disposal request filed and approved at two levels (then in
the register), and an annual inventory with a difference in its report. Screenshots in test-artifacts/yearcycle/."""
import contextlib
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from assets import services as asset_services
from assets.choices import AssetStatus
from assets.models import Asset
from tests.support.browser import orm_off_loop
from tests.support.fixtures import make_user
from uniforms import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "yearcycle"


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _page(browser, live_server, cookie: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context.new_page()


def test_a_disposal_request_approved_at_two_levels(chromium, live_server, bureau):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    units = bureau["units"]
    for tag in ("PC-1", "PC-2"):
        asset_services.asset_create(tag=tag, category="office", unit=units["CZ-TN-01"], item="电脑",
                                    acquired=dt.date(2019, 3, 1), price=Decimal("4800"), finance_card_no=f"ZC-{tag}")
    clerk = make_user("clerk", "logistics", units["CZ-TN-01"])
    brigade = make_user("brigade", "logistics", units["CZ-TN"])
    admin = make_user("admin", "administrator", None)
    cookies = {u.username: _cookie(u) for u in (clerk, brigade, admin)}

    with contextlib.nullcontext(chromium) as browser:  # the web tests' one Chromium (tests/web/conftest.py)
        page = _page(browser, live_server, cookies["clerk"])
        page.goto(f"{live_server.url}/disposals/")
        page.select_option("#id_unit", "CZ-TN-01")
        page.fill("#id_tags", "PC-1\nPC-2")
        page.fill("#id_reason", "主板老化，维修费用超过原值")
        page.click("#disposal-submit")
        row = page.locator("#disposals tbody tr").first
        expect(row).to_have_attribute("data-status", "pending")
        expect(row).to_contain_text("9600.00")
        page.screenshot(path=str(ARTIFACTS / "disposal-1-requested.png"), full_page=True)
        # the requester does not approve their own request: refused, with the reason
        row.locator("form.approve button").click()
        expect(page.locator("#messages")).to_contain_text("申请人不能审批自己的申请")
        page = _page(browser, live_server, cookies["brigade"])
        page.goto(f"{live_server.url}/disposals/")
        page.locator("#disposals tbody tr").first.locator("form.approve input[name=note]").fill("同意报废")
        page.locator("#disposals tbody tr").first.locator("form.approve button").click()
        expect(page.locator("#disposals tbody tr").first).to_contain_text("brigade")
        expect(page.locator("#disposals tbody tr").first).to_have_attribute("data-status", "pending")
        page = _page(browser, live_server, cookies["admin"])
        page.goto(f"{live_server.url}/disposals/")
        page.locator("#disposals tbody tr").first.locator("form.approve button").click()
        expect(page.locator("#disposals tbody tr").first).to_have_attribute("data-status", "approved")
        page.screenshot(path=str(ARTIFACTS / "disposal-2-approved.png"), full_page=True)
        page.click("#register-link")
        expect(page.locator("#register tbody tr")).to_have_count(2)
        expect(page.locator('#register tr[data-tag="PC-1"]')).to_contain_text("ZC-PC-1")
        page.screenshot(path=str(ARTIFACTS / "disposal-3-register.png"), full_page=True)
    statuses = orm_off_loop(lambda: set(Asset.objects.filter(tag__in=["PC-1", "PC-2"]).values_list("status",
                                                                                                    flat=True)))
    assert statuses == {AssetStatus.RETIRED}


def test_an_annual_inventory_with_a_difference(chromium, live_server, bureau):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    units = bureau["units"]
    for tag, unit in (("PC-1", "CZ-TN-01"), ("PC-2", "CZ-TN-01"), ("PC-3", "CZ-TN-02")):
        asset_services.asset_create(tag=tag, category="office", unit=units[unit], item="电脑",
                                    acquired=dt.date(2024, 1, 15), price=Decimal("6000"), finance_card_no=f"ZC-{tag}")
    cookie = _cookie(make_user("logi", "logistics", units["CZ-TN"]))

    with contextlib.nullcontext(chromium) as browser:  # the web tests' one Chromium (tests/web/conftest.py)
        page = _page(browser, live_server, cookie)
        page.goto(f"{live_server.url}/inventory/")
        page.select_option("#inv-unit", "CZ-TN")
        page.fill("#inv-year", "2026")
        page.click("#inv-plan")
        expect(page.locator("#inventory-units tbody tr")).to_have_count(2)

        def count():
            from uniforms.models import Stocktake
            first = Stocktake.objects.get(unit__code="CZ-TN-01")
            services.stocktake_scan(stocktake=first, tag="PC-1")
            services.stocktake_close(stocktake=first)
            second = Stocktake.objects.get(unit__code="CZ-TN-02")
            services.stocktake_scan(stocktake=second, tag="PC-3")
            services.stocktake_close(stocktake=second)

        orm_off_loop(count)
        page.reload()
        expect(page.locator("#coverage")).to_contain_text("2/2")
        expect(page.locator('#inventory-differences tr[data-tag="PC-2"]')).to_have_attribute("data-finding",
                                                                                            "missing")
        expect(page.locator('#inventory-differences tr[data-tag="PC-2"]')).to_contain_text("ZC-PC-2")
        page.screenshot(path=str(ARTIFACTS / "inventory-report.png"), full_page=True)
        with page.expect_download() as download:
            page.click("#inventory-xlsx")
        assert download.value.suggested_filename == "inventory-CZ-TN-2026.xlsx"
