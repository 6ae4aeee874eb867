"""The scan-first hand-over screen in headless Chromium: scan good and bad tags, confirm, check ledger and 交接单."""
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from pypdf import PdfReader

from assets import services as ledger
from assets.models import Asset, CustodyEvent
from tests.support.browser import CHROMIUM, orm_off_loop
from tests.support.fixtures import make_user
from uniforms.models import HandoverReceipt

from .conftest import stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "uniforms"


def _scan(page, tag):
    page.fill("#tag", tag)
    page.press("#tag", "Enter")


def _reasons(rows, count):
    expect(rows).to_have_count(count)
    for i in range(count):  # each line is filled in when its check answers
        expect(rows.nth(i).locator("td.reason")).not_to_be_empty()
    return [rows.nth(i).locator("td.reason").inner_text() for i in range(count)]


@pytest.mark.django_db
def test_screens_ask_for_login_first(client):
    for url in ("/issue/", "/stocktake/"):
        assert client.get(url).url.startswith("/accounts/login/")
    client.force_login(make_user("logi", "logistics"))
    page = client.get("/issue/").content.decode()
    assert 'id="tag"' in page and "扫码发放与归还" in page and 'href="/stocktake/"' in page
    assert 'id="st-tag"' in client.get("/stocktake/").content.decode()


def test_scan_issue_with_bad_tags_then_confirm_then_return(seeded, live_server, bureau):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    units = bureau["units"]
    make_user("logi", "logistics", unit=units["CZ-TN"])
    stock(units["CZ-TN"], "长袖衬衣", "170", 4, "U")
    other = ledger.person_create(staff_no="P002", name="王五", unit=units["CZ-TN-01"], role="officer")
    ledger.asset_issue(asset=Asset.objects.get(tag="U-3"), person=other)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/?next=/issue/")
        page.fill("#id_username", "logi")
        page.fill("#id_password", "pass-12345")
        page.click("#login-submit")
        page.wait_for_url("**/issue/")
        page.fill("#person", "P001")
        for tag in ("U-1", "NOPE", "U-3", "U-1", "U-2", "U-4"):
            _scan(page, tag)
        rows = page.locator("#lines tbody tr")
        reasons = _reasons(rows, 6)
        assert reasons[0] == "可以" and reasons[4] == "可以" and reasons[5] == "可以"
        assert "未知标签 NOPE" in reasons[1]
        assert "不得擅自赠送、转借" in reasons[2]
        assert "已在本单中" in reasons[3]
        assert [rows.nth(i).get_attribute("class") for i in range(6)] == ["ok", "bad", "bad", "bad", "ok", "ok"]
        page.screenshot(path=str(ARTIFACTS / "handover-scanned.png"), full_page=True)

        # Meanwhile U-4 goes to someone else: the whole hand-over is refused and nothing changes.
        orm_off_loop(lambda: ledger.asset_issue(asset=Asset.objects.get(tag="U-4"), person=other))
        page.click("#confirm")
        expect(page.locator("#result")).to_contain_text("交接被拒绝")
        expect(rows.nth(5)).to_have_class("bad")
        assert orm_off_loop(lambda: (Asset.objects.get(tag="U-1").status, HandoverReceipt.objects.count())) == (
            "in_stock", 0)
        page.locator("#lines tbody tr[data-tag='U-4'] button.remove").click()

        page.click("#confirm")
        expect(page.locator("#receipt-no")).to_be_visible()
        number = page.locator("#receipt-no").inner_text()
        expect(rows).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / "handover-committed.png"), full_page=True)
        pdf = page.request.get(live_server.url + page.locator("#receipt-link").get_attribute("href"))
        assert pdf.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)

        # Taking U-1 back: U-3 is someone else's, so it is refused at the scan; the return commits the rest.
        page.check("#mode-return")
        for tag in ("U-1", "U-3"):
            _scan(page, tag)
        assert "王五" in _reasons(rows, 2)[1]
        page.click("#confirm")
        expect(page.locator("#receipt-no")).not_to_have_text(number)
        returned = page.locator("#receipt-no").inner_text()
        browser.close()

    events = CustodyEvent.objects.filter(receipt_no=number).order_by("asset__tag")
    assert [(e.asset.tag, e.action, e.person.staff_no) for e in events] == [
        ("U-1", "issue", "P001"), ("U-2", "issue", "P001")]
    assert Asset.objects.get(tag="U-2").holder_person.staff_no == "P001"
    assert number in text and "U-1" in text and "U-2" in text and "NOPE" not in text
    assert "发放人（签字）" in text and "领用人（签字）" in text
    assert list(CustodyEvent.objects.filter(receipt_no=returned).values_list("asset__tag", "action")) == [
        ("U-1", "return")]
    assert Asset.objects.get(tag="U-1").status == "in_stock"


def test_a_tag_scanned_twice_before_its_first_answer_is_refused_the_second_time(seeded, live_server, bureau):
    """Both scans leave the page in one script turn, so the second check is sent before the first answers: the
    page must count a tag as seen from the moment it is scanned, not from the moment its check comes back."""
    units = bureau["units"]
    make_user("logi", "logistics", unit=units["CZ-TN"])
    stock(units["CZ-TN"], "长袖衬衣", "170", 1, "U")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**CHROMIUM)
        page = browser.new_page()
        page.goto(f"{live_server.url}/accounts/login/?next=/issue/")
        page.fill("#id_username", "logi")
        page.fill("#id_password", "pass-12345")
        page.click("#login-submit")
        page.wait_for_url("**/issue/")
        page.fill("#person", "P001")
        page.evaluate("""() => {
            const input = document.getElementById("tag");
            for (let i = 0; i < 2; i++) {
                input.value = "U-1";
                input.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true, cancelable: true}));
            }
        }""")
        rows = page.locator("#lines tbody tr")
        reasons = _reasons(rows, 2)
        classes = [rows.nth(i).get_attribute("class") for i in range(2)]
        browser.close()
    assert reasons[0] == "可以" and "已在本单中" in reasons[1]
    assert classes == ["ok", "bad"]
