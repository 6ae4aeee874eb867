"""The per-vehicle dossier: data, the PDF (Chinese text embedded) and the page."""
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from telematics import services
from telematics.choices import TripStatus
from telematics.dossier import build_dossier, dossier_pdf
from telematics.models import Trip
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
    assert build_dossier(vehicle, dt.date(2026, 12, 1), dt.date(2026, 12, 31)).trips == []


def test_dossier_pdf_renders_chinese(vehicle):
    data = dossier_pdf(build_dossier(vehicle, dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in ("苏D", "一车一档", "中队", "更换机油滤芯", "中国人保", "夜间巡查", "每日里程", "告警"):
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
