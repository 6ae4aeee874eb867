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
        expect(lines.nth(0).locator("td.reason")).to_contain_text("没有按班次借出")
        expect(shifts).to_have_count(1)
        expect(shifts.first).to_have_attribute("data-tag", "REC-3")
        page.screenshot(path=str(ARTIFACTS / "counter-returned.png"), full_page=True)
        browser.close()

    events = list(CustodyEvent.objects.filter(asset__tag="REC-1").order_by("occurred_at", "id")
                  .values_list("action", "person__staff_no", "source"))
    assert events[1:] == [("shift_out", "P001", "api"), ("shift_in", "P001", "api")]
    assert CustodyEvent.objects.filter(asset__tag="REC-2").count() == 1


def test_the_inspection_register_page(seeded, live_server, bureau):
    """An auditor's view of the register: CZ-WJ never inspected and CZ-TN inspected 100 days ago are both not
    inspected within 90 days (the local period stated on the page); entering today's inspection of CZ-TN clears it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    units = bureau["units"]
    make_user("audit", "auditor", unit=units["CZ"])
    services.footage_inspection_record(inspected_on=timezone.localdate() - dt.timedelta(days=100),
                                       inspector="赵六、钱七", unit=units["CZ-TN"], items_checked=12,
                                       findings="2段视频未按时存储", follow_up="一周内整改")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/?next=/recorders/inspections/%3Fdays%3D90")
        page.fill("#id_username", "audit")
        page.fill("#id_password", "pass-12345")
        page.click("#login-submit")
        page.wait_for_url("**/recorders/inspections/**")
        rows = page.locator("#not-inspected tbody tr")
        assert rows.evaluate_all("rows => rows.map(r => [r.dataset.unit, r.dataset.state])") == [
            ["CZ-WJ", "never"], ["CZ-TN", "overdue"]]
        expect(page.locator("#not-inspected")).to_contain_text("QM_FOOTAGE_INSPECTION_DAYS")
        page.screenshot(path=str(ARTIFACTS / "inspections-due.png"), full_page=True)
        page.fill("#inspection-form input[name=inspector]", "赵六")
        page.select_option("#inspection-form select[name=unit]", "CZ-TN")
        page.fill("#inspection-form textarea[name=findings]", "抽查10段，均已存储")
        page.click("#inspection-form button[type=submit]")
        expect(page.locator('#not-inspected tr[data-unit="CZ-TN"]')).to_have_attribute("data-state", "inspected")
        expect(page.locator("#register tbody tr")).to_have_count(2)
        browser.close()
