"""The vehicle pages' server side on PostgreSQL: the list's search, filters, sort, pages, export and live state;
the forms that add insurance, inspection, maintenance records and photos (validation, change log, roles); the
photo served only within scope; the mileage chart."""
import csv
import datetime as dt
import io

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook
from PIL import Image

from assets.models import ChangeRecord
from quartermaster.context import change_context
from telematics import services
from telematics.models import InsurancePolicy, VehiclePhoto
from telematics.tracking import rollups
from telematics.tracking.models import Alert, Leg
from telematics.tracking.store import PositionRow, store_positions
from tests.support.fixtures import make_user

from .factories import make_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_restored():
    """A request in English leaves English active on the thread: the next tests must not inherit it."""
    yield
    translation.deactivate()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _png(size=(40, 30), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 90, 160)).save(out, format=fmt)
    return out.getvalue()


def _store(vehicle, ts, speed):
    with transaction.atomic():
        store_positions([PositionRow(terminal=vehicle.terminal_id, ts=ts, vehicle_id=vehicle.pk, lat=31.78,
                                     lon=119.95, speed=speed, heading=0.0, acc=True, seq=None, grid_code="",
                                     venue_id=None, received_at=timezone.now())])


@pytest.fixture
def fleet(bureau, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    units = bureau["units"]
    today = timezone.localdate()
    moving = make_vehicle(units["CZ-TN-01"], "苏D·A0001", terminal_id="T0001", vehicle_type="皮卡",
                          vin="LSVAB2BM5KN000001", insurance_expires=today + dt.timedelta(days=10))
    stopped = make_vehicle(units["CZ-TN-02"], "苏D·A0002", terminal_id="T0002", vin="LSVAB2BM5KN000002",
                           inspection_expires=today - dt.timedelta(days=3))
    offline = make_vehicle(units["CZ-TN-01"], "苏D·A0003", terminal_id="T0003", vin="LSVAB2BM5KN000003")
    theirs = make_vehicle(units["CZ-WJ-01"], "苏D·W0001", terminal_id="T0101", vin="LSVAB2BM5KN000101")
    now = timezone.now()
    _store(moving, now - dt.timedelta(seconds=30), 42.0)
    _store(stopped, now - dt.timedelta(seconds=90), 0.0)
    _store(offline, now - dt.timedelta(hours=3), 0.0)
    Alert.objects.create(vehicle=stopped, terminal="T0002", kind="venue_parking", started_at=now,
                         clause="x", lat=31.78, lon=119.95)
    return {"units": units, "moving": moving, "stopped": stopped, "offline": offline, "theirs": theirs,
            "tn": _client(make_user("fleet-tn", "fleet", units["CZ-TN"])),
            "wj": _client(make_user("fleet-wj", "fleet", units["CZ-WJ"])),
            "auditor": _client(make_user("audit-tn", "auditor", units["CZ-TN"]))}


def _plates(response) -> list[str]:
    body = response.content.decode().split('<table id="vehicles">')[1].split("</table>")[0]
    return [p for p in ("苏D·A0001", "苏D·A0002", "苏D·A0003", "苏D·W0001") if f">{p}</a></td>" in body]


def test_list_shows_the_scope_with_live_states(fleet):
    response = fleet["tn"].get("/vehicles/")
    assert response.status_code == 200
    assert _plates(response) == ["苏D·A0001", "苏D·A0002", "苏D·A0003"]
    body = response.content.decode()
    for vehicle, state in (("moving", "moving"), ("stopped", "stopped"), ("offline", "offline")):
        row = body.split(f'data-vehicle="{fleet[vehicle].pk}"')[1].split("</tr>")[0]
        assert f'data-state="{state}"' in row
    stopped_row = body.split(f'data-vehicle="{fleet["stopped"].pk}"')[1].split("</tr>")[0]
    assert "1分钟前" in stopped_row and '<span class="danger">1</span>' in stopped_row
    offline_row = body.split(f'data-vehicle="{fleet["offline"].pk}"')[1].split("</tr>")[0]
    assert "3小时前" in offline_row
    assert _plates(fleet["wj"].get("/vehicles/")) == ["苏D·W0001"]


@pytest.mark.parametrize(("query", "plates"), [
    ("q=A0002", ["苏D·A0002"]),
    ("q=kn000003", ["苏D·A0003"]),            # VIN, any case
    ("q=T0001", ["苏D·A0001"]),               # terminal id
    ("q=W0001", []),                          # out of scope: never found
    ("live=moving", ["苏D·A0001"]), ("live=stopped", ["苏D·A0002"]), ("live=offline", ["苏D·A0003"]),
    ("live=alerts", ["苏D·A0002"]),
    ("vehicle_type=皮卡", ["苏D·A0001"]),
    ("insurance_due=30", ["苏D·A0001"]), ("inspection_due=0", ["苏D·A0002"]),
    ("status=in_repair", []),
    ("live=bogus", ["苏D·A0001", "苏D·A0002", "苏D·A0003"]),   # a bad value filters nothing
])
def test_list_search_and_filters(fleet, query, plates):
    assert _plates(fleet["tn"].get(f"/vehicles/?{query}")) == plates


def test_list_filters_by_unit_subtree_and_driver(fleet):
    tn01 = fleet["units"]["CZ-TN-01"]
    assert _plates(fleet["tn"].get(f"/vehicles/?unit={tn01.pk}")) == ["苏D·A0001", "苏D·A0003"]
    wj = fleet["units"]["CZ-WJ"]
    assert _plates(fleet["tn"].get(f"/vehicles/?unit={wj.pk}")) == ["苏D·A0001", "苏D·A0002", "苏D·A0003"]
    start = timezone.now() + dt.timedelta(days=1)
    with change_context(source="cli", username="wangwu"):
        services.trip_request(vehicle=fleet["offline"], start=start, end=start + dt.timedelta(hours=2),
                              purpose="巡查")
    assert _plates(fleet["tn"].get("/vehicles/?q=wangwu")) == ["苏D·A0003"]


def test_list_sorts_and_pages(fleet):
    body = fleet["tn"].get("/vehicles/?sort=-plate").content.decode().split('id="vehicles"')[1]
    assert body.index(">苏D·A0003<") < body.index(">苏D·A0002<") < body.index(">苏D·A0001<")
    body = fleet["tn"].get("/vehicles/?sort=fix").content.decode().split('id="vehicles"')[1]  # newest fix first
    assert body.index(">苏D·A0001<") < body.index(">苏D·A0002<") < body.index(">苏D·A0003<")
    assert "?sort=-fix" in body  # the sorted column's link turns the order round
    for n in range(30):
        make_vehicle(fleet["units"]["CZ-TN-02"], f"苏D·B{n:04d}", vin=f"LSVAB2BM5KN1{n:05d}")
    first = fleet["tn"].get("/vehicles/?size=25&q=B0").content.decode()
    assert "共 30 辆" in first and "第 1 / 2 页" in first and ">苏D·B0024<" in first and ">苏D·B0025<" not in first
    assert 'id="page-next" href="?size=25&amp;q=B0&amp;page=2"' in first
    second = fleet["tn"].get("/vehicles/?size=25&q=B0&page=2").content.decode()
    assert ">苏D·B0025<" in second and ">苏D·B0029<" in second and ">苏D·B0000<" not in second


def test_list_exports_the_filtered_rows(fleet):
    response = fleet["tn"].get("/vehicles/?export=xlsx&q=A000&sort=-plate")
    assert response["Content-Disposition"].startswith('attachment; filename="vehicles-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("车牌号", "所属单位", "车辆类型") and "实时状态" in rows[0]
    assert [r[0] for r in rows[1:]] == ["苏D·A0003", "苏D·A0002", "苏D·A0001"]
    live = rows[0].index("实时状态")
    assert [r[live] for r in rows[1:]] == ["离线", "停驶", "行驶"]

    response = fleet["tn"].get("/vehicles/?export=csv&live=alerts", HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0][0] == "车牌号" and [r[0] for r in table[1:]] == ["苏D·A0002"]


def test_export_headers_follow_the_language(fleet):
    fleet["tn"].post("/i18n/setlang/", {"language": "en"})
    sheet = load_workbook(io.BytesIO(fleet["tn"].get("/vehicles/?export=xlsx").content)).active
    header = next(sheet.iter_rows(values_only=True))
    assert header[0] == "Plate" and "Live state" in header


def test_export_neutralises_formulas(fleet):
    make_vehicle(fleet["units"]["CZ-TN-01"], "苏D·F0001", vehicle_type="=HYPERLINK(\"x\")", vin="LSVAB2BM5KN000222")
    sheet = load_workbook(io.BytesIO(fleet["tn"].get("/vehicles/?export=xlsx&q=F0001").content)).active
    assert sheet["C2"].value == "'=HYPERLINK(\"x\")"


def test_insurance_form_adds_a_record_logged_as_the_user(fleet):
    vehicle = fleet["moving"]
    response = fleet["tn"].post(f"/vehicles/{vehicle.pk}/insurance/add/", {
        "insurer": "人保财险", "policy_no": "PDAA2026", "starts": "2026-01-01", "expires": "2027-12-31",
        "premium": "3200.50"})
    assert response.status_code == 302 and response["Location"] == f"/vehicles/{vehicle.pk}/#insurance"
    policy = InsurancePolicy.objects.get(vehicle=vehicle, policy_no="PDAA2026")
    assert str(policy.premium) == "3200.50"
    vehicle.refresh_from_db()
    assert vehicle.insurance_expires == dt.date(2027, 12, 31)
    record = ChangeRecord.objects.filter(object_id=str(policy.pk), action="create").get()
    assert record.username == "fleet-tn" and record.source == "web"
    assert "PDAA2026" in fleet["tn"].get(f"/vehicles/{vehicle.pk}/").content.decode()


def test_forms_refuse_bad_input_and_change_nothing(fleet):
    vehicle = fleet["moving"]
    response = fleet["tn"].post(f"/vehicles/{vehicle.pk}/insurance/add/",
                                {"starts": "2026-05-01", "expires": "2026-04-01"})
    assert response.status_code == 400 and "到期日期不能早于起保日期" in response.content.decode()
    response = fleet["tn"].post(f"/vehicles/{vehicle.pk}/maintenance/add/", {
        "kind": "repair", "date": "2026-03-01", "odometer_km": "12000", "work_done": "更换刹车片", "cost": ""})
    assert response.status_code == 302
    response = fleet["tn"].post(f"/vehicles/{vehicle.pk}/maintenance/add/", {
        "kind": "maintenance", "date": "2026-04-01", "odometer_km": "9000", "work_done": "保养"})
    assert response.status_code == 400 and "的里程 9000 公里低于此前记录的 12000 公里" in response.content.decode()
    assert vehicle.maintenance.count() == 1
    response = fleet["tn"].post(f"/vehicles/{vehicle.pk}/inspections/add/", {
        "inspected_on": "2026-02-01", "expires": "2027-02-28", "station": "常州检测站"})
    assert response.status_code == 302 and vehicle.inspections.get().station == "常州检测站"
    assert InsurancePolicy.objects.filter(vehicle=vehicle).count() == 0


def test_photo_upload_is_checked_stored_privately_and_served_in_scope(fleet, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    vehicle = fleet["moving"]
    url = f"/vehicles/{vehicle.pk}/photos/add/"
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    response = fleet["tn"].post(url, {"image": fake})
    assert response.status_code == 400 and "只接受 JPEG、PNG 或 WebP" in response.content.decode()
    gif = SimpleUploadedFile("a.gif", _png(fmt="GIF"), content_type="image/gif")
    assert fleet["tn"].post(url, {"image": gif}).status_code == 400
    settings.QM_VEHICLE_PHOTO_MAX_MB = 0.001
    big = SimpleUploadedFile("big.png", _png((200, 200)) + b"\0" * 2048, content_type="image/png")
    response = fleet["tn"].post(url, {"image": big})
    assert response.status_code == 400 and "照片不能超过 0.001 MB" in response.content.decode()
    settings.QM_VEHICLE_PHOTO_MAX_MB = 0.01  # a body far over the limit: refused unread
    huge = SimpleUploadedFile("huge.png", b"\0" * 200_000, content_type="image/png")
    response = fleet["tn"].post(url, {"image": huge})
    assert response.status_code == 413 and "照片不能超过 0.01 MB" in response.content.decode()
    settings.QM_VEHICLE_PHOTO_MAX_MB = 10
    assert VehiclePhoto.objects.count() == 0 and not any(tmp_path.rglob("*.*"))

    good = SimpleUploadedFile("车头 ../../x.jpg", _png(fmt="JPEG"), content_type="image/jpeg")
    response = fleet["tn"].post(url, {"image": good, "caption": "<b>前保险杠</b>", "taken_on": "2026-03-02"})
    assert response.status_code == 302
    photo = VehiclePhoto.objects.get()
    assert photo.image.name.startswith(f"vehicles/photos/{vehicle.pk}-") and photo.image.name.endswith(".jpg")
    assert (tmp_path / photo.image.name).is_file()
    assert ChangeRecord.objects.filter(object_id=str(photo.pk), username="fleet-tn").exists()
    page = fleet["tn"].get(f"/vehicles/{vehicle.pk}/").content.decode()
    assert f'src="/vehicles/photos/{photo.pk}"' in page and "&lt;b&gt;前保险杠&lt;/b&gt;" in page
    served = fleet["tn"].get(f"/vehicles/photos/{photo.pk}")
    assert served.status_code == 200 and b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert fleet["auditor"].get(f"/vehicles/photos/{photo.pk}").status_code == 200
    assert fleet["wj"].get(f"/vehicles/photos/{photo.pk}").status_code == 404
    assert Client().get(f"/vehicles/photos/{photo.pk}").status_code == 302


def test_another_units_fleet_manager_reaches_nothing(fleet):
    vehicle = fleet["moving"]
    wj = fleet["wj"]
    assert wj.get(f"/vehicles/{vehicle.pk}/").status_code == 404
    for path in ("insurance", "inspections", "maintenance", "photos"):
        assert wj.get(f"/vehicles/{vehicle.pk}/{path}/add/").status_code == 404
    response = wj.post(f"/vehicles/{vehicle.pk}/insurance/add/", {"starts": "2026-01-01", "expires": "2027-01-01"})
    assert response.status_code == 404 and not InsurancePolicy.objects.exists()


def test_only_roles_that_write_vehicle_files_get_the_forms(fleet):
    vehicle = fleet["moving"]
    page = fleet["auditor"].get(f"/vehicles/{vehicle.pk}/").content.decode()
    assert 'id="insurance-form"' not in page and 'id="photo-form"' not in page
    response = fleet["auditor"].post(f"/vehicles/{vehicle.pk}/insurance/add/",
                                     {"starts": "2026-01-01", "expires": "2027-01-01"})
    assert response.status_code == 403 and not InsurancePolicy.objects.exists()
    page = fleet["tn"].get(f"/vehicles/{vehicle.pk}/").content.decode()
    for form in ("insurance", "inspection", "maintenance", "photo"):
        assert f'id="{form}-form"' in page


def test_file_links_to_map_and_replay_and_draws_mileage(fleet):
    vehicle = fleet["moving"]
    today = timezone.localdate()
    noon = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(12), tzinfo=timezone.get_current_timezone())
    Leg.objects.bulk_create([Leg(vehicle_id=vehicle.pk, ts=noon + dt.timedelta(minutes=i), dist_m=500.0, secs=60,
                                 moving=True) for i in range(25)])  # 12.5 km two days ago
    rollups.rollup_rebuild(start=today - dt.timedelta(days=2), end=today, vehicle_ids=[vehicle.pk])
    page = fleet["tn"].get(f"/vehicles/{vehicle.pk}/").content.decode()
    assert f'href="/map/?vehicle={vehicle.pk}"' in page and f'href="/map/replay/?vehicle={vehicle.pk}"' in page
    chart = page.split('<div id="mileage-chart">')[1].split("</div>")[0]
    assert chart.count('class="day"') == 30
    assert f'data-day="{today - dt.timedelta(days=2):%Y-%m-%d}" data-km="12.5"' in chart
    assert "近 30 天每日里程（合计 12.5 公里）" in page
    longer = fleet["tn"].get(f"/vehicles/{vehicle.pk}/?km_days=90").content.decode()
    assert longer.split('<div id="mileage-chart">')[1].split("</div>")[0].count('class="day"') == 90
    focus = fleet["tn"].get(f"/map/?vehicle={vehicle.pk}").content.decode()
    assert f'"focus": {vehicle.pk}' in focus


def test_list_and_file_speak_english_when_switched(fleet):
    client = fleet["tn"]
    client.post("/i18n/setlang/", {"language": "en"})
    body = client.get("/vehicles/?q=A000").content.decode()
    assert "Live state" in body and "Vehicles: 3" in body and ">Moving" in body.replace("\n", "")
    page = client.get(f"/vehicles/{fleet['moving'].pk}/").content.decode()
    assert "Show on the live map" in page and "Add an insurance record" in page and "Daily mileage over the last 30" in page
