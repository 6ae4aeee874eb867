"""The report page and the replay page in headless Chromium on V1's fixed Tuesday: the daily-mileage and online-rate
charts drawn (screenshots in test-artifacts/reports/), an export downloaded and opened; the replay's trips listed, a
chosen trip's totals, the stops as timed markers named by their place."""
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook
from playwright.sync_api import expect, sync_playwright

from tests.support.browser import CHROMIUM, orm_allowed_under_playwright
from tests.support.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "reports"


def _page(browser, live_server, session):
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, locale="zh-CN", accept_downloads=True)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def test_report_charts_exports_and_the_replay_totals(fed, live_server, tmp_path):
    client = Client()
    client.force_login(make_user("fleet-tn", "fleet", fed["units"]["CZ-TN"]))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    v1 = fed["vehicles"]["V1"].pk
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with orm_allowed_under_playwright(), sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        try:
            page = _page(browser, live_server, session)
            page.goto(f"{live_server.url}/reports/")
            page.select_option("#report-kind", "mileage")
            page.select_option("#report-unit", "CZ-TN-01")
            page.fill("#report-from", "2026-11-10")
            page.fill("#report-to", "2026-11-11")
            page.click("#report-submit")
            expect(page.locator("#report-title")).to_contain_text("每日里程")
            bars = page.locator("#report-chart rect.bar")
            expect(bars).to_have_count(2)
            heights = bars.evaluate_all("rs => rs.map(r => r.getBoundingClientRect().height)")
            assert heights[0] > 100 and heights[1] == 0  # 3 km on Tuesday, nothing on Wednesday
            assert page.locator("#report-table tbody tr").count() == 3  # two days and the totals
            page.screenshot(path=str(ARTIFACTS / "daily_mileage.png"), full_page=True)
            with page.expect_download() as download:
                page.click("#export-xlsx")
            target = tmp_path / "mileage.xlsx"
            download.value.save_as(target)
            sheet = load_workbook(target).active
            assert sheet["A1"].value == "日期" and sheet["B2"].value == pytest.approx(3.0, abs=0.01)

            page.select_option("#report-kind", "online")
            page.click("#report-submit")
            expect(page.locator("#report-title")).to_contain_text("在线率")
            expect(page.locator("#report-chart rect.bar")).to_have_count(9)
            assert page.locator('#report-chart rect.bar[data-label="苏D·A0001"]').get_attribute("data-value") == "30.8"
            page.screenshot(path=str(ARTIFACTS / "online_rate.png"), full_page=True)

            page.goto(f"{live_server.url}/map/replay/?vehicle={v1}&start=2026-11-10T07:30&end=2026-11-10T19:00")
            page.wait_for_function("window.qmReplay && window.qmReplay.loaded")
            assert page.evaluate("[qmReplay.trips, qmReplay.stops]") == [2, 3]
            labels = page.locator(".replay-stop-label")
            expect(labels).to_have_count(3)
            assert labels.nth(1).inner_text().startswith("09:02–09:33 天宁寺社区")
            expect(page.locator("#replay-totals-title")).to_contain_text("全部行程（2）")
            page.click('#replay-trips li[data-trip="0"]')
            expect(page.locator("#replay-totals-title")).to_contain_text("行程 09:00–09:02")
            totals = page.evaluate("qmReplay.totals")
            assert totals["moving_s"] == 150 and totals["stopped_s"] == 0
            assert 1490 < totals["distance_m"] < 1510
            expect(page.locator("#replay-distance")).to_have_text("1.50 公里")
            expect(page.locator("#replay-moving")).to_have_text("2.5 分钟")
            assert page.locator("path.replay-trip-selected").count() == 1
            page.screenshot(path=str(ARTIFACTS / "replay_trip_totals.png"), full_page=True)
            assert page.errors == []
        finally:
            browser.close()
