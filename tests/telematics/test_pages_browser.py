"""The vehicle pages in headless Chromium: the list with its expiry warnings, a dossier for a chosen period, the
PDF link and the livery photo (screenshots in test-artifacts/telematics/)."""
import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from pypdf import PdfReader

from assets import services as registry
from telematics import services
from telematics.choices import TripStatus
from telematics.models import Trip
from tests.support.browser import CHROMIUM, orm_allowed_under_playwright, orm_off_loop
from tests.support.fixtures import make_user

from .factories import make_vehicle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "telematics"
SH = dt.timezone(dt.timedelta(hours=8))


def _fleet(media_root):
    root = registry.unit_create(code="CZ", name="常州市城市管理局", kind="bureau")
    tn = registry.unit_create(code="CZ-TN", name="天宁大队", kind="brigade", parent=root)
    tn1 = registry.unit_create(code="CZ-TN-01", name="天宁一中队", kind="squadron", parent=tn)
    today = timezone.localdate()
    v = make_vehicle(tn1, "苏D·A0001", terminal_id="T0001", insurance_expires=today + dt.timedelta(days=12))
    make_vehicle(tn1, "苏D·A0002", vin="", inspection_expires=today - dt.timedelta(days=2))
    image = io.BytesIO()
    Image.new("RGB", (120, 80), (0, 70, 160)).save(image, format="PNG")
    v = services.vehicle_set_livery(vehicle=v, compliant=True, photo=ContentFile(image.getvalue(), "livery.png"))
    Trip.objects.create(vehicle=v, start=dt.datetime(2026, 11, 10, 19, tzinfo=SH),
                        end=dt.datetime(2026, 11, 10, 22, tzinfo=SH), purpose="夜间巡查", status=TripStatus.APPROVED,
                        approved_by="王队长")
    user = make_user("fleet-tn", "fleet", unit=tn)
    client = Client()
    client.force_login(user)
    return v.pk, client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def chromium_page(live_server):
    with orm_allowed_under_playwright(), sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        context = browser.new_context(viewport={"width": 1300, "height": 1000}, locale="zh-CN",
                                      accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        try:
            yield context, page
        finally:
            browser.close()


def test_fleet_manager_reads_a_dossier_in_the_browser(live_server, chromium_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    vehicle_id, session = orm_off_loop(lambda: _fleet(tmp_path))
    context, page = chromium_page
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/vehicles/")
    warnings = page.locator("#expiring tr")
    expect(warnings).to_have_count(3)  # header, the lapsed inspection, the insurance due in 12 days
    expect(warnings.nth(1)).to_contain_text("苏D·A0002")
    expect(warnings.nth(1)).to_contain_text("-2")
    expect(warnings.nth(2)).to_contain_text("12")
    page.screenshot(path=str(ARTIFACTS / "vehicle_list.png"), full_page=True)

    page.click("#vehicles >> text=苏D·A0001")
    page.fill("input[name=start]", "2026-11-01")
    page.fill("input[name=end]", "2026-11-30")
    page.click("#period button")
    expect(page).to_have_url(f"{live_server.url}/vehicles/{vehicle_id}/?start=2026-11-01&end=2026-11-30")
    expect(page.locator("#plate")).to_have_text("苏D·A0001")
    expect(page.locator("#completeness")).to_have_text("完整")
    expect(page.locator("body")).to_contain_text("夜间巡查")
    expect(page.locator("#mileage tr")).to_have_count(31)  # header and every day of November
    photo = page.request.get(live_server.url + page.locator("#livery-photo").get_attribute("href"))
    assert photo.ok and photo.body()[:4] == b"\x89PNG"
    page.screenshot(path=str(ARTIFACTS / "vehicle_dossier.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#dossier-pdf")
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "苏D·A0001" in text and "夜间巡查" in text and "2026-11-01 至 2026-11-30" in text
    assert page.errors == []
