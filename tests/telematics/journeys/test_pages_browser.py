"""The vehicle file's trips in headless Chromium: every class of V1's working Tuesday in its row, the unused order,
the exports downloaded and opened (screenshot in test-artifacts/journeys/)."""
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook
from playwright.sync_api import expect, sync_playwright

from tests.support.browser import CHROMIUM, orm_allowed_under_playwright
from tests.support.fixtures import make_user

from .test_selectors import CLASSES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "journeys"


def test_the_vehicle_file_shows_the_trips_and_their_exports(day, bureau, live_server, tmp_path):
    client = Client()
    client.force_login(make_user("fleet-tn", "fleet", bureau["units"]["CZ-TN"]))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    v1 = day["vehicle"].pk
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with orm_allowed_under_playwright(), sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 1000}, locale="zh-CN",
                                          accept_downloads=True)
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(20_000)
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{live_server.url}/vehicles/{v1}/?start=2026-11-10&end=2026-11-10")
            rows = page.locator("#journeys tr")
            expect(rows).to_have_count(1 + len(CLASSES))
            assert page.locator("#journeys td[data-class]").evaluate_all(
                "cells => cells.map(c => c.dataset.class)") == CLASSES
            expect(rows.nth(8)).to_contain_text("超时")
            expect(page.locator("#unused-orders")).to_contain_text("夜查")
            page.screenshot(path=str(ARTIFACTS / "vehicle_trips.png"), full_page=True)
            with page.expect_download() as download:
                page.click("#journeys-xlsx")
            target = tmp_path / "trips.xlsx"
            download.value.save_as(target)
            sheet = load_workbook(target)["行程"]
            assert sheet.max_row == 1 + len(CLASSES) and sheet["A2"].value == "苏D·A0001"
            gpx = page.request.get(live_server.url + page.locator("#track-gpx").get_attribute("href"))
            assert gpx.ok and gpx.text().count("<trkpt ") > 500
            assert errors == []
        finally:
            browser.close()
