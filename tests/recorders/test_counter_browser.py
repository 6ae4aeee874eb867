"""The shift counter in headless Chromium: scan a badge, sign recorders out, see what is out (an overdue one
highlighted), sign one back in; the ledger holds each scan as one movement."""
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from assets.models import CustodyEvent
from recorders import services
from tests.support.browser import CHROMIUM
from tests.support.fixtures import make_user

from .conftest import recorder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "recorders"


def _scan(page, tag):
    page.fill("#tag", tag)
    page.press("#tag", "Enter")


def test_sign_out_and_return_at_the_counter(seeded, live_server, bureau, settings):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    settings.QM_SHIFT_OVERDUE_HOURS = 12
    units = bureau["units"]
    make_user("logi", "logistics", unit=units["CZ-TN"])
    for tag in ("REC-1", "REC-2", "REC-3"):
        recorder(units["CZ-TN-01"], tag)
    services.shift_sign_out(card="P001", tag="REC-3", at=timezone.now() - dt.timedelta(hours=14))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/?next=/recorders/counter/")
        page.fill("#id_username", "logi")
        page.fill("#id_password", "pass-12345")
        page.click("#login-submit")
        page.wait_for_url("**/recorders/counter/")
        shifts = page.locator("#shifts tbody tr")
        expect(shifts).to_have_count(1)
        expect(shifts.first).to_have_class("overdue")

        page.fill("#card", "320401001")  # the badge number (胸号) scanned
        page.press("#card", "Enter")
        expect(page.locator("#tag")).to_be_focused()
        _scan(page, "REC-1")
        lines = page.locator("#lines tbody tr")
        expect(lines).to_have_count(1)
        _scan(page, "NOPE")
        expect(lines).to_have_count(2)
        expect(lines.nth(0)).to_have_class("bad")
        expect(lines.nth(0).locator("td.reason")).to_contain_text("NOPE")
        expect(lines.nth(1)).to_have_class("ok")
        expect(lines.nth(1)).to_contain_text("张三（P001）")
        expect(page.locator("#officer")).to_have_text("张三（P001）")
        expect(shifts).to_have_count(2)
        assert shifts.evaluate_all("rows => rows.map(r => [r.dataset.tag, r.className])") == [
            ["REC-3", "overdue"], ["REC-1", ""]]
        page.screenshot(path=str(ARTIFACTS / "counter-signed-out.png"), full_page=True)

        page.check("#mode-in")
        expect(page.locator("#card-field")).to_be_hidden()
        _scan(page, "REC-1")
        expect(lines).to_have_count(3)
        expect(lines.nth(0)).to_have_class("ok")
        _scan(page, "REC-2")  # never signed out
        expect(lines).to_have_count(4)
        expect(lines.nth(0)).to_have_class("bad")
        expect(lines.nth(0).locator("td.reason")).to_contain_text("not out on a shift")
        expect(shifts).to_have_count(1)
        expect(shifts.first).to_have_attribute("data-tag", "REC-3")
        page.screenshot(path=str(ARTIFACTS / "counter-returned.png"), full_page=True)
        browser.close()

    events = list(CustodyEvent.objects.filter(asset__tag="REC-1").order_by("occurred_at", "id")
                  .values_list("action", "person__staff_no", "source"))
    assert events[1:] == [("shift_out", "P001", "api"), ("shift_in", "P001", "api")]
    assert CustodyEvent.objects.filter(asset__tag="REC-2").count() == 1
