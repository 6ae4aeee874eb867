"""The stocktake screen in headless Chromium: start for a storage place, scan, close, read the findings."""
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect, sync_playwright

from assets import services as ledger
from tests.support.browser import CHROMIUM
from tests.support.fixtures import make_user
from uniforms import services
from uniforms.models import Stocktake

from .conftest import stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "uniforms"


def test_stocktake_of_a_storage_place(seeded, live_server, bureau):
    # Runs after the hand-over screen's test, whose flush it must survive (the seeded rows gone, content types
    # recreated under new ids), as every transactional test must after any other of the suite.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    units = bureau["units"]
    u1, u2, u3, u4 = stock(units["CZ-TN"], "长袖衬衣", "170", 4, "U")
    stock(units["CZ-WJ"], "长袖衬衣", "170", 1, "WJ")
    shelf = services.storage_place_create(unit=units["CZ-TN"], code="TN-K1", name="天宁一号库")
    other = services.storage_place_create(unit=units["CZ-TN"], code="TN-K2", name="天宁二号库")
    for asset, place in ((u1, shelf), (u2, shelf), (u3, other), (u4, shelf)):
        services.asset_place_set(asset=asset, place=place)
    ledger.asset_issue(asset=u4, person=bureau["officer"])
    client = Client()
    client.force_login(make_user("logi", "logistics", unit=units["CZ-TN"]))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/stocktake/")
        page.fill("#st-unit", "CZ-TN")
        page.fill("#st-place", "TN-K1")
        page.click("#st-start")
        expect(page.locator("#st-tag")).to_be_enabled()
        for tag in ("U-1", "U-3", "WJ-1", "NOPE", "U-4", "U-1"):
            page.fill("#st-tag", tag)
            page.press("#st-tag", "Enter")
            expect(page.locator("#scans tbody tr").last.locator("td.finding")).not_to_have_text("…")
        rows = page.locator("#scans tbody tr")
        expect(rows).to_have_count(6)
        assert [rows.nth(i).get_attribute("class") for i in range(6)] == [
            "found", "misplaced", "misplaced", "unexpected", "unexpected", "bad"]
        assert "已扫描过" in rows.nth(5).inner_text()
        page.click("#st-close")
        expect(page.locator("#st-status")).to_have_text("盘点已结束")
        missing = page.locator("#result-missing").inner_text()
        unexpected = page.locator("#result-unexpected").inner_text()
        misplaced = page.locator("#result-misplaced").inner_text()
        page.screenshot(path=str(ARTIFACTS / "stocktake-closed.png"), full_page=True)
        browser.close()

    assert "U-2" in missing and "U-1" not in missing
    assert "NOPE" in unexpected and "未知标签" in unexpected and "U-4" in unexpected and "已发放" in unexpected
    assert "U-3" in misplaced and "属其他存放地点" in misplaced and "WJ-1" in misplaced and "属其他单位" in misplaced
    take = Stocktake.objects.get()
    assert take.status == "closed" and [x["tag"] for x in take.result["missing"]] == ["U-2"]
