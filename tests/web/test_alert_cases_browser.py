"""An alert handled as a case in headless Chromium against the live server: the vehicle's unit explains an evening
out (text and a photo of the order), an inspector confirms it (认定), the evidence pack PDF is downloaded and rendered
to PNG (pdftoppm); then the alert history, filtered, with its counts and per-rule precision."""
import datetime as dt
import subprocess

import pytest

from telematics.tracking.models import AlertCase, AlertCaseEvent
from tests.telematics.tracking.test_cases import _alert, at, clock, evening, people  # noqa: F401 - fixtures

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8"
                    "cfc0f01f0005000201e2f0c2a40000000049454e44ae426082")


def test_a_case_from_awaiting_explanation_to_confirmed_with_its_evidence_pack(evening, people, live_server,
                                                                             browser_page, screenshot, tmp_path,
                                                                             settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    journey, stop = evening["journey"], evening["stop"]
    unit = browser_page(people["unit"])
    unit.goto(f"{live_server.url}/alerts/{stop.pk}/")
    assert unit.locator("#case-state").get_attribute("data-state") == "pending"
    assert unit.locator("#do-confirm").count() == 0
    unit.fill("#form-explain textarea[name=text]", "当晚夜查，派车单事后补办，附照片。")
    unit.set_input_files("#form-explain input[name=files]",
                         files=[{"name": "派车单.png", "mimeType": "image/png", "buffer": PNG}])
    unit.click("#form-explain button[type=submit]")
    unit.wait_for_selector("#case-state[data-state=explained]")
    assert "说明已提交" in unit.locator("#messages").inner_text()
    assert unit.locator("#case-history a.attachment").inner_text() == "派车单.png"
    screenshot(unit, "alert-case-explained")

    inspector = browser_page(people["inspector"])
    inspector.goto(f"{live_server.url}/alerts/{journey.pk}/")
    assert inspector.locator("#form-explain").count() == 0
    assert inspector.locator("img#case-map").count() == 1
    inspector.fill("#form-decide textarea[name=text]", "事后补单理由不成立，认定公车私用。")
    inspector.click("#do-confirm")
    inspector.wait_for_selector("#case-state[data-state=confirmed]")
    rows = inspector.locator("#case-history tr[data-action]")
    assert [rows.nth(i).get_attribute("data-action") for i in range(rows.count())] == ["explain", "confirm"]
    assert inspector.locator("#form-decide").count() == 0  # decided: final
    screenshot(inspector, "alert-case-confirmed")
    assert AlertCase.objects.get().state == "confirmed"
    assert list(AlertCaseEvent.objects.order_by("pk").values_list("username", flat=True)) == ["fleet-tn01",
                                                                                             "inspector"]

    with inspector.expect_download() as download:
        inspector.click("#evidence-pdf")
    pdf = tmp_path / "evidence.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "认定违规" in text and "事后补单理由不成立" in text and "派车单.png" in text and "苏D·A0001" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("alert-case-evidence-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(ARTIFACTS / "alert-case-evidence")], check=True)
    pages = sorted(ARTIFACTS.glob("alert-case-evidence-*.png"))
    assert pages and pages[0].stat().st_size > 20_000


def test_the_alert_history_filtered(city, people, live_server, browser_page, clock):
    v1, v2, v3 = (city["vehicles"][k] for k in ("V1", "V2", "V3"))
    start = at(dt.date(2026, 8, 3), "20:00")
    for month, (confirmed, dismissed) in enumerate(((2, 2), (3, 1), (4, 1), (5, 0))):
        first = start + dt.timedelta(days=31 * month)
        states = ["confirmed"] * confirmed + ["dismissed"] * dismissed
        for n, state in enumerate(states):
            _alert((v1, v2)[n % 2], "venue_parking", first + dt.timedelta(hours=n), state, venue="老街酒楼",
                   grid_code="320402001001011")
            _alert((v2, v3)[n % 2], "off_duty_use", first + dt.timedelta(days=1, hours=n),
                   "confirmed" if n % 3 else "dismissed", grid_code="320402001001012")
    _alert(v3, "not_in_depot", at(dt.date(2026, 11, 18), "19:00"))
    _alert(v1, "off_duty_use", at(dt.date(2026, 11, 13), "21:00"))  # due Wednesday the 18th: overdue on the 19th
    page = browser_page(people["brigade"], viewport=(1400, 1000))
    page.goto(f"{live_server.url}/alerts/")
    assert "共 38 条告警" in page.locator("#counts h2").inner_text()
    page.select_option("#f-kind", ["venue_parking", "off_duty_use"])
    page.select_option("#f-case-state", ["confirmed", "dismissed"])
    page.fill("#f-from", "2026-09-01")
    page.select_option("#f-unit", "CZ-TN")
    page.click("#f-apply")
    page.wait_for_url(lambda url: "case_state=" in url)
    assert "共 28 条告警" in page.locator("#counts h2").inner_text()
    assert page.locator("#alerts tr[data-id]").count() == 28
    venue = page.locator('#precision tr[data-kind="venue_parking"][data-month="2026-09"] td.precision')
    assert venue.inner_text() == "75%"
    assert page.locator("#precision-chart circle").count() == 6
    assert page.locator("#export-xlsx").get_attribute("href").endswith("format=xlsx")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "alert-history-filtered.png"), full_page=True)
    page.goto(f"{live_server.url}/alerts/?overdue=true")
    assert page.locator("#alerts tr[data-id]").count() == 1
    assert page.locator("#alerts .overdue").count() == 1
