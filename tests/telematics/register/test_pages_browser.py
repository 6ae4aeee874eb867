"""The use register in headless Chromium on V1's fixed Tuesday (conftest.booked): a fleet manager enters a fuel entry
through the form, booked to the second morning journey, and finds it in the month's register with the vehicle's
totals updated; an export downloaded and opened. Screenshots in test-artifacts/register/."""
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook
from playwright.sync_api import expect, sync_playwright

from tests.support.browser import CHROMIUM, orm_allowed_under_playwright, orm_off_loop
from tests.support.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "register"


def test_a_fuel_entry_through_the_form_shows_in_the_register(booked, live_server, tmp_path):
    from telematics.models import VehicleCost

    client = Client()
    client.force_login(make_user("fleet-tn", "fleet", booked["units"]["CZ-TN"]))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    v1 = booked["vehicles"]["V1"].pk
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with orm_allowed_under_playwright(), sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN",
                                          accept_downloads=True)
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(30_000)
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{live_server.url}/vehicles/{v1}/")
            page.click("#cost-add")
            page.fill("#register-day-input", "2026-11-10")
            page.click("#register-day-submit")
            expect(page.locator("#register-day-count")).to_contain_text("4")
            options = page.locator("#id_journey option").all_inner_texts()
            assert options[0] == "不关联行程（计入当日）" and options[2].startswith("09:33–09:35 有单有轨 1.5")
            page.select_option("#id_journey", index=2)
            page.select_option("#id_kind", "fuel")
            page.fill("#id_amount", "200.00")
            page.fill("#id_litres", "25")
            page.fill("#id_fuel_card", "9002")
            page.screenshot(path=str(ARTIFACTS / "fuel_entry_form.png"), full_page=True)
            page.click("#register-entry-submit")
            expect(page.locator("#register-title")).to_contain_text("公务用车使用登记表")
            expect(page.locator(".register-message")).to_contain_text("已登记 苏D·A0001 的费用")
            assert page.locator("#register-month").input_value() == "2026-11"
            second = page.locator("#register-table tbody tr").nth(1)
            assert second.locator('td[data-col="start"]').inner_text() == "09:33"
            assert second.locator('td[data-col="litres"]').inner_text() == "25"
            assert second.locator('td[data-col="fuel_card"]').inner_text() == "9002"
            totals = page.locator('#register-totals tr[data-vehicle="苏D·A0001"]')
            assert totals.locator('td[data-col="litres"]').inner_text() == "29"  # 4 + 25
            assert totals.locator('td[data-col="cost_yuan"]').inner_text() == "285"  # 85 + 200
            page.screenshot(path=str(ARTIFACTS / "monthly_register.png"), full_page=True)
            with page.expect_download() as download:
                page.click("#export-xlsx")
            target = tmp_path / "register.xlsx"
            download.value.save_as(target)
            book = load_workbook(target)
            header = [c.value for c in book.worksheets[0][2]]
            assert book.worksheets[0].cell(4, header.index("加油（升）") + 1).value == 25.0
            assert errors == []
        finally:
            browser.close()
    entry = orm_off_loop(lambda: VehicleCost.objects.get(fuel_card="9002"))
    assert entry.entered_by == "fleet-tn" and entry.litres == 25
    assert entry.journey_start.isoformat() == "2026-11-10T01:33:00+00:00"


def test_the_register_scrolls_in_its_own_box_and_keeps_plates_on_one_line(booked, live_server):
    """At a laptop's width the English register (twenty-odd columns) widened the whole page past the screen and
    broke plates over two lines ("苏 / D·A0001")."""
    client = Client()
    client.force_login(make_user("fleet-tn", "fleet", booked["units"]["CZ-TN"]))
    cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url}, {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with orm_allowed_under_playwright(), sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            context.add_cookies(cookies)
            page = context.new_page()
            page.goto(f"{live_server.url}/register/?unit=CZ-TN&month=2026-11")
            expect(page.locator("#register-title")).to_contain_text("register")
            page.screenshot(path=str(ARTIFACTS / "monthly_register_en_1280.png"))
            assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
            box = page.locator(".register-scroll").first
            assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # the table scrolls inside its box
            plate = page.locator('#register-table td[data-col="vehicle"]').first
            lines = "td => { const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length; }"
            assert plate.evaluate(lines) == 1
        finally:
            browser.close()
