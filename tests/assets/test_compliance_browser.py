"""The auditor's report page in headless Chromium: colours, drill-down to a unit, and a shortfall's records."""
import pytest
from django.conf import settings
from django.test import Client

from tests.support.browser import CHROMIUM
from tests.assets.test_compliance_fixture import build_small_bureau
from tests.support.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_as_auditor(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    build_small_bureau()
    client = Client()
    client.force_login(make_user("auditor", "auditor"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        try:
            yield page, live_server.url
        finally:
            browser.close()


def test_report_page_colours_drills_down_and_links_to_records(page_as_auditor, tmp_path):
    page, base = page_as_auditor
    page.goto(f"{base}/compliance/?unit=CZ&standard=jiangsu")
    failing = page.locator('tr[data-rule="recorders-per-officer"][data-unit="CZ-ZL"]')
    assert failing.get_attribute("data-status") == "fail"
    assert failing.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 227, 227)"
    passing = page.locator('tr[data-rule="radios-per-officer"][data-unit="CZ-TN"]')
    assert passing.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(227, 249, 229)"
    assert "每名执法人员应当配备1部执法记录仪和1部执法通。" in failing.inner_text()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=False)

    page.locator("a.drill", has_text="单独核查").first.click()  # the first sub-unit with rows: CZ-ZD
    page.wait_for_load_state()
    assert "unit=CZ-ZD" in page.url
    assert page.locator("#report-unit").inner_text() == "常州市城市管理行政执法支队（CZ-ZD）"
    page.goto(f"{base}/compliance/?unit=CZ-ZL&standard=jiangsu")
    assert page.locator("#report-unit").inner_text() == "钟楼大队（CZ-ZL）"

    page.locator('tr[data-rule="camera-per-brigade"][data-unit="CZ-ZL"] a.shortfall').click()
    page.wait_for_load_state()
    assert "/compliance/evidence/" in page.url
    assert page.locator("#evidence-table tbody tr").count() == 1 and "无记录" in page.inner_text("#evidence-table")

    page.goto(f"{base}/compliance/compare/?unit=CZ")
    row = page.locator('#compliance-compare tr[data-rule="frontline-ratio"]')
    assert row.locator('td[data-standard="jiangsu"]').inner_text() == "不符合"
    assert row.locator('td[data-standard="model"]').inner_text() == "符合"
