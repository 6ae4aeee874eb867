"""The vehicle pages in headless Chromium: the list with its expiry warnings, search, filters, sort, live state and
export; a dossier for a chosen period, the PDF link and the livery photo; an insurance record and a photo added
through the file's forms (screenshots in test-artifacts/telematics/)."""
import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from pypdf import PdfReader

from assets import services as registry
from telematics import services
from telematics.choices import TripStatus
from telematics.models import Trip, Vehicle
from telematics.tracking import rollups
from telematics.tracking.models import Leg
from telematics.tracking.store import PositionRow, store_positions
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


def _list_fleet():
    root = registry.unit_create(code="CZ", name="常州市城市管理局", kind="bureau")
    tn = registry.unit_create(code="CZ-TN", name="天宁大队", kind="brigade", parent=root)
    wj = registry.unit_create(code="CZ-WJ", name="武进大队", kind="brigade", parent=root)
    today = timezone.localdate()
    for n in range(1, 8):
        make_vehicle(tn, f"苏D·T000{n}", terminal_id=f"T000{n}", vin=f"LSVAB2BM5KN00000{n}",
                     vehicle_type="皮卡" if n % 2 else "轿车",
                     insurance_expires=today + dt.timedelta(days=5 * n))
    make_vehicle(wj, "苏D·W0001", terminal_id="T0101", vin="LSVAB2BM5KN000101")
    first = Vehicle.objects.get(plate="苏D·T0001")
    with transaction.atomic():
        store_positions([PositionRow(terminal="T0001", ts=timezone.now() - dt.timedelta(seconds=40),
                                     vehicle_id=first.pk, lat=31.78, lon=119.95, speed=36.0, heading=0.0, acc=True,
                                     seq=None, grid_code="", venue_id=None, received_at=timezone.now())])
    noon = dt.datetime.combine(today, dt.time(12), tzinfo=SH)
    Leg.objects.bulk_create([Leg(vehicle_id=first.pk, ts=noon - dt.timedelta(days=d, minutes=m), dist_m=400.0 + 10 * d,
                                 secs=60, moving=True) for d in range(1, 30, 3) for m in range(10 + d)])
    rollups.rollup_rebuild(start=today - dt.timedelta(days=30), end=today, vehicle_ids=[first.pk])
    user = make_user("fleet-tn", "fleet", unit=tn)
    client = Client()
    client.force_login(user)
    return first.pk, client.cookies[settings.SESSION_COOKIE_NAME].value


def test_fleet_manager_searches_filters_and_exports_the_list(live_server, chromium_page):
    _vehicle_id, session = orm_off_loop(_list_fleet)
    context, page = chromium_page
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/vehicles/")
    rows = page.locator("#vehicles tr[data-vehicle]")
    expect(rows).to_have_count(7)  # the other brigade's vehicle is not listed
    expect(page.locator("#vehicles")).not_to_contain_text("苏D·W0001")
    expect(rows.first.locator("td.live")).to_contain_text("行驶")
    expect(rows.nth(1).locator("td.live")).to_contain_text("离线")
    page.screenshot(path=str(ARTIFACTS / "vehicle_list_live.png"), full_page=True)

    page.fill("#vehicle-filters input[name=q]", "T0003")
    page.click("#filter-apply")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("苏D·T0003")

    page.fill("#vehicle-filters input[name=q]", "")
    page.select_option("select[name=vehicle_type]", "皮卡")
    page.fill("input[name=insurance_due]", "20")
    page.click("#filter-apply")
    expect(rows).to_have_count(2)  # 皮卡 T0001 (5 days) and T0003 (15 days)
    expect(page.locator("#vehicle-count")).to_have_text("共 2 辆")
    page.click("#vehicles th[data-col=plate] a")  # plate, now descending
    expect(rows.first).to_contain_text("苏D·T0003")
    page.screenshot(path=str(ARTIFACTS / "vehicle_list_filtered.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#export-xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["苏D·T0003", "苏D·T0001"]
    assert sheet["A1"].value == "车牌号"
    with page.expect_download() as download:
        page.click("#export-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("车牌号,") and "苏D·T0001" in text and "苏D·T0005" not in text
    assert page.errors == []


def test_fleet_manager_adds_insurance_and_a_photo_through_the_file(live_server, chromium_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    vehicle_id, session = orm_off_loop(_list_fleet)
    context, page = chromium_page
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/vehicles/{vehicle_id}/")
    expect(page.locator("#live-map-link")).to_have_attribute("href", f"/map/?vehicle={vehicle_id}")
    expect(page.locator("#replay-link")).to_have_attribute("href", f"/map/replay/?vehicle={vehicle_id}")
    expect(page.locator("#mileage-chart rect.day")).to_have_count(30)
    day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()  # 11 minutes of 410 m
    expect(page.locator(f'#mileage-chart rect.day[data-day="{day}"]')).to_have_attribute("data-km", "4.5")
    page.locator("#mileage-chart").screenshot(path=str(ARTIFACTS / "vehicle_mileage_chart.png"))

    page.click("#add-insurance summary")
    form = page.locator("#insurance-form")
    form.locator("input[name=insurer]").fill("人保财险常州分公司")
    form.locator("input[name=policy_no]").fill("PDAA202632040001")
    form.locator("input[name=starts]").fill("2026-06-01")
    form.locator("input[name=expires]").fill("2027-05-31")
    page.screenshot(path=str(ARTIFACTS / "vehicle_insurance_form.png"), full_page=True)
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("已保存")
    expect(page.locator("#basic")).to_contain_text("2027-05-31")
    expect(page.locator("body")).to_contain_text("PDAA202632040001")

    image = tmp_path / "upload.png"
    Image.new("RGB", (160, 100), (200, 40, 40)).save(image, format="PNG")
    page.click("#add-photo summary")
    photo_form = page.locator("#photo-form")
    photo_form.locator("input[name=image]").set_input_files(str(image))
    photo_form.locator("input[name=caption]").fill("左前门划痕")
    photo_form.locator("button[type=submit]").click()
    figure = page.locator("#photos figure")
    expect(figure).to_have_count(1)
    expect(figure).to_contain_text("左前门划痕")
    src = figure.locator("img").get_attribute("src")
    assert src.startswith("/vehicles/photos/") and "/media/" not in src
    assert figure.locator("img").evaluate("img => img.complete && img.naturalWidth") == 160
    page.screenshot(path=str(ARTIFACTS / "vehicle_photo_added.png"), full_page=True)

    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    page.click("#add-photo summary")
    page.locator("#photo-form input[name=image]").set_input_files(str(bad))
    page.locator("#photo-form button[type=submit]").click()
    expect(page.locator(".form-error")).to_contain_text("只接受 JPEG、PNG 或 WebP")

    page.goto(f"{live_server.url}/vehicles/{vehicle_id}/")
    page.click("#live-map-link")  # the live map opens on this vehicle, its card open, following it
    page.wait_for_function("window.qmMap && window.qmMap.ready")
    assert page.evaluate("window.qmMap.following()") == vehicle_id
    expect(page.locator("#follow-plate")).to_have_text("苏D·T0001")
    expect(page.locator("#vehicle-card")).to_contain_text("苏D·T0001")
    assert page.errors == []
