"""The per-vehicle dossier: data, the PDF (Chinese text embedded) and the page."""
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from django.core.files.base import ContentFile
from PIL import Image

from telematics import services
from telematics.choices import TripStatus
from telematics.dossier import build_dossier, dossier_pdf
from telematics.models import Trip
from telematics.tracking.models import Alert, Leg
from tests.support.fixtures import make_user

from .factories import make_vehicle

SH = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def vehicle(bureau):
    v = make_vehicle(bureau["units"]["CZ-TN-01"], "苏D·A0001", terminal_id="T0001")
    services.maintenance_record_create(vehicle=v, date=dt.date(2026, 5, 1), odometer_km=12000, work_done="更换机油滤芯",
                                       cost="380.00", workshop="常州市某汽修厂")
    services.insurance_policy_create(vehicle=v, starts=dt.date(2026, 3, 1), expires=dt.date(2027, 2, 28),
                                     insurer="中国人保", policy_no="PDAA2026")
    services.inspection_create(vehicle=v, inspected_on=dt.date(2026, 3, 5), expires=dt.date(2027, 3, 31),
                               station="常州市机动车检测站")
    services.vehicle_seal(vehicle=v, sealed_from=dt.date(2026, 9, 30), sealed_to=dt.date(2026, 10, 8),
                          key_holder="钥匙王师傅")
    Trip.objects.create(vehicle=v, start=dt.datetime(2026, 11, 10, 9, tzinfo=SH),
                        end=dt.datetime(2026, 11, 10, 12, tzinfo=SH), purpose="夜间巡查", status=TripStatus.APPROVED,
                        approved_by="王队长")
    return v


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_dossier_collects_the_file_and_the_period(vehicle):
    d = build_dossier(vehicle, dt.date(2026, 11, 1), dt.date(2026, 11, 30), on=dt.date(2026, 11, 22))
    assert d.gaps == []
    assert [t.purpose for t in d.trips] == ["夜间巡查"]
    assert [m.work_done for m in d.maintenance] == ["更换机油滤芯"]
    assert [b.terminal_id for b in d.bindings] == ["T0001"]
    assert [(x.sealed_from, x.key_holder) for x in d.seals] == [(dt.date(2026, 9, 30), "钥匙王师傅")]
    assert build_dossier(vehicle, dt.date(2026, 12, 1), dt.date(2026, 12, 31)).trips == []


def test_dossier_pdf_renders_chinese(vehicle):
    data = dossier_pdf(build_dossier(vehicle, dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in ("苏D", "一车一档", "中队", "更换机油滤芯", "中国人保", "夜间巡查", "每日里程", "告警", "封存记录",
                     "钥匙王师傅"):
        assert expected in text, expected
    assert b"/FontFile2" in data  # the TrueType font is embedded


def test_dossier_page_and_pdf_link(vehicle, client):
    client.force_login(make_user("fleet-tn", "fleet", unit=vehicle.unit.parent))
    page = client.get(f"/vehicles/{vehicle.pk}/?start=2026-11-01&end=2026-11-30")
    assert page.status_code == 200
    html = page.content.decode()
    assert "苏D·A0001" in html and "夜间巡查" in html and "完整" in html
    assert f"/vehicles/{vehicle.pk}/dossier.pdf?start=2026-11-01&amp;end=2026-11-30" in html
    pdf = client.get(f"/vehicles/{vehicle.pk}/dossier.pdf?start=2026-11-01&end=2026-11-30")
    assert pdf["Content-Type"] == "application/pdf" and "苏D" in pdf_text(pdf.content)
    assert client.get(f"/vehicles/{vehicle.pk}/?start=2026-13-01").status_code == 400


def test_dossier_page_is_scoped(vehicle, client, bureau):
    client.force_login(make_user("fleet-wj", "fleet", unit=bureau["units"]["CZ-WJ"]))
    assert client.get(f"/vehicles/{vehicle.pk}/").status_code == 404
    assert "苏D·A0001" not in client.get("/vehicles/").content.decode()


def _drive(vehicle, day: dt.date, km: float) -> None:
    """Legs as the tracking rules store them: km driven in ten moving legs that day, one stopped leg with drift."""
    start = dt.datetime.combine(day, dt.time(9), tzinfo=SH)
    Leg.objects.bulk_create([Leg(vehicle_id=vehicle.pk, ts=start + dt.timedelta(minutes=i), dist_m=km * 100, secs=60,
                                 moving=True) for i in range(10)])
    Leg.objects.create(vehicle_id=vehicle.pk, ts=start + dt.timedelta(hours=1), dist_m=0, secs=600, moving=False)


def test_dossier_reads_mileage_and_alerts_of_the_period_from_tracking(vehicle):
    _drive(vehicle, dt.date(2026, 11, 10), 42.5)
    _drive(vehicle, dt.date(2026, 11, 12), 7.25)
    _drive(vehicle, dt.date(2026, 12, 2), 99.0)  # outside the period
    Alert.objects.create(vehicle=vehicle, terminal="T0001", kind="venue_parking", clause="执法规范/执法行为/装备使用规范/1",
                         started_at=dt.datetime(2026, 11, 10, 21, tzinfo=SH),
                         ended_at=dt.datetime(2026, 11, 10, 22, tzinfo=SH), venue="金色年华KTV", grid_code="320402001")
    Alert.objects.create(vehicle=vehicle, terminal="T0001", kind="off_duty_use", clause="设备管理/执法车辆管理/5",
                         started_at=dt.datetime(2026, 12, 3, 23, tzinfo=SH))
    d = build_dossier(vehicle, dt.date(2026, 11, 10), dt.date(2026, 11, 12), on=dt.date(2026, 11, 22))
    assert d.mileage == [(dt.date(2026, 11, 10), 42.5), (dt.date(2026, 11, 11), 0.0), (dt.date(2026, 11, 12), 7.2)]
    assert d.total_km == 49.7
    assert [a.venue for a in d.alerts] == ["金色年华KTV"]
    text = pdf_text(dossier_pdf(d))
    for expected in ("2026-11-10", "42.5", "49.7", "金色年华KTV", "违规停放", "夜间巡查"):
        assert expected in text, expected
    assert "99.0" not in text and "非工作时间用车" not in text


def test_dossier_pdf_embeds_the_livery_photo(vehicle, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 90, 200)).save(image, format="JPEG")
    vehicle = services.vehicle_set_livery(vehicle=vehicle, compliant=True,
                                          photo=ContentFile(image.getvalue(), "livery.jpg"))
    data = dossier_pdf(build_dossier(vehicle, dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    images = [img for page in PdfReader(io.BytesIO(data)).pages for img in page.images]
    assert len(images) == 1
    assert "标识涂装合规\n是" in pdf_text(data)


def test_dossier_pdf_lists_and_embeds_the_files_photos(vehicle, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(image, format="PNG")
    services.vehicle_photo_add(vehicle=vehicle, image=ContentFile(image.getvalue(), "x.png"), caption="右后门凹陷",
                               taken_on=dt.date(2026, 11, 3))
    data = dossier_pdf(build_dossier(vehicle, dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert len([img for page in PdfReader(io.BytesIO(data)).pages for img in page.images]) == 1
    text = pdf_text(data)
    assert "车辆照片" in text and "右后门凹陷" in text and "2026-11-03" in text


def test_livery_photo_is_shown_only_in_scope(vehicle, client, bureau, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 255, 255)).save(image, format="PNG")
    services.vehicle_set_livery(vehicle=vehicle, compliant=True, photo=ContentFile(image.getvalue(), "livery.png"))
    client.force_login(make_user("fleet-tn", "fleet", unit=bureau["units"]["CZ-TN"]))
    page = client.get(f"/vehicles/{vehicle.pk}/").content.decode()
    assert f'href="/vehicles/{vehicle.pk}/livery-photo"' in page
    photo = client.get(f"/vehicles/{vehicle.pk}/livery-photo")
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == image.getvalue()
    client.force_login(make_user("fleet-wj", "fleet", unit=bureau["units"]["CZ-WJ"]))
    assert client.get(f"/vehicles/{vehicle.pk}/livery-photo").status_code == 404


def test_dossier_prints_markup_in_its_data_as_text(vehicle, tmp_path):
    """Names and notes reach ReportLab's Paragraph as text: a stray `<` used to make the PDF a 500 and an
    `<img src>` embedded a file of the server."""
    secret = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), (200, 0, 0)).save(secret)
    services.maintenance_record_create(vehicle=vehicle, date=dt.date(2026, 11, 3), work_done=f'<b>未闭合 <img src="{secret}"/>',
                                       cost="1.00", workshop="<i>")
    Trip.objects.create(vehicle=vehicle, start=dt.datetime(2026, 11, 11, 9, tzinfo=SH),
                        end=dt.datetime(2026, 11, 11, 10, tzinfo=SH), purpose="油量 < 5 & 返回",
                        status=TripStatus.APPROVED, approved_by="<font size=40>王</font>")
    data = dossier_pdf(build_dossier(vehicle, dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert [img for page in PdfReader(io.BytesIO(data)).pages for img in page.images] == []
    text = pdf_text(data).replace("\n", "")
    for expected in ("<b>未闭合", "<img src=", "<i>", "油量 < 5 & 返回", "<font size=40>王</font>"):
        assert expected in text, expected
