"""The replay page's purpose dialog in headless Chromium (PIPL art. 28): a window older than a week is refused until
a purpose is stated in the dialog; then the track is drawn, both reads are logged with the purpose, and the export
links carry it (screenshot in test-artifacts/pipl/)."""
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from telematics.models import Vehicle
from telematics.tracking.models import Position, TrackAccess
from tests.support.browser import CHROMIUM, orm_allowed_under_playwright, orm_off_loop
from tests.support.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.pipl, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pipl"


def test_the_replay_page_asks_for_a_purpose_and_logs_it(bureau, live_server):
    vehicle = Vehicle.objects.create(plate="苏D·H0001", unit=bureau["units"]["CZ-TN-01"], seats=5, terminal_id="H1")
    start = timezone.localtime(timezone.now() - dt.timedelta(days=20)).replace(hour=21, minute=0, second=0,
                                                                                microsecond=0)
    Position.objects.bulk_create([Position(terminal="H1", vehicle=vehicle, ts=start + dt.timedelta(minutes=5 * k),
                                           lat=31.78 + k * 0.001, lon=119.95, speed=30.0, heading=0.0,
                                           received_at=start) for k in range(6)])
    client = Client()
    client.force_login(make_user("fleet-tn", "fleet", bureau["units"]["CZ-TN"]))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    window = f"start={start:%Y-%m-%dT%H:%M}&end={start + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with orm_allowed_under_playwright(), sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="zh-CN")
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(30_000)
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{live_server.url}/map/replay/?vehicle={vehicle.pk}&{window}")  # loads the window at once
            dialog = page.locator("#purpose-dialog")
            expect(dialog).to_be_visible()
            expect(page.locator("#purpose-detail")).to_contain_text("苏D·H0001")
            page.fill("#purpose-text", "核查群众投诉：夜间公车私用")
            page.fill("#purpose-case", "TS-2026-118")
            page.screenshot(path=str(ARTIFACTS / "replay_purpose_dialog.png"))
            assert orm_off_loop(lambda: TrackAccess.objects.count()) == 0  # asked, nothing shown, nothing logged
            page.click("#purpose-submit")
            expect(dialog).to_be_hidden()
            page.wait_for_function("window.qmReplay.loaded && window.qmReplay.fixes === 6")
            expect(page.locator("#replay-summary")).to_contain_text("苏D·H0001")
            assert "purpose=" in page.locator("#replay-gpx").get_attribute("href")
            page.screenshot(path=str(ARTIFACTS / "replay_after_purpose.png"))
            rows = orm_off_loop(lambda: sorted(TrackAccess.objects.values_list("path", "purpose", "case_no",
                                                                               "username")))
            assert rows == [("api:journeys.json", "核查群众投诉：夜间公车私用", "TS-2026-118", "fleet-tn"),
                            ("api:tracks", "核查群众投诉：夜间公车私用", "TS-2026-118", "fleet-tn")]
            gpx = page.request.get(live_server.url + page.locator("#replay-gpx").get_attribute("href"))
            assert gpx.ok and gpx.text().count("<trkpt ") == 6
            assert errors == []
        finally:
            browser.close()
