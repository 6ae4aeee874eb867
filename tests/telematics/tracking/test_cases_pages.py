"""The alert pages: the history (filters, counts, pages, exports, precision) and an alert with its case (the steps as
forms), and the evidence pack (PDF with the CJK font embedded, XLSX with every fix), all cut to the user's scope."""
from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from django.test import Client
from openpyxl import load_workbook

from telematics.tracking.models import Alert, AlertCase, Position
from tests.support.fixtures import make_user

from .test_cases import _alert, at, clock, evening, people  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_case_page_takes_the_steps_as_forms(evening, people):
    journey, stop = evening["journey"], evening["stop"]
    unit = client_for(people["unit"])
    page = unit.get(f"/alerts/{stop.pk}/").content.decode()
    assert 'id="part-of"' in page and 'data-state="pending"' in page and 'id="form-explain"' in page
    assert 'id="do-confirm"' not in page  # the unit does not judge its own case
    assert "data:image/svg+xml;base64," in page  # the track's map
    assert stop.place == "欢乐KTV · 天宁寺社区" and f'<dd class="alert-place">{stop.place}</dd>' in page
    response = unit.post(f"/alerts/{stop.pk}/", {"action": "explain", "text": "<b>夜查</b>"})
    assert response.status_code == 302 and response["Location"] == f"/alerts/{stop.pk}/"
    # A note (批注) from the unit: the state stays; it shows in the history.
    page = unit.post(f"/alerts/{stop.pk}/", {"action": "note", "text": "派车单随后补交"}, follow=True).content.decode()
    assert "批注已添加。" in page and 'data-state="explained"' in page and 'id="form-note"' in page
    assert '<tr data-action="note">' in page and "已说明 → 已说明" in page and "派车单随后补交" in page
    inspector = client_for(people["inspector"])
    page = inspector.get(f"/alerts/{journey.pk}/").content.decode()
    assert 'data-state="explained"' in page and "&lt;b&gt;夜查&lt;/b&gt;" in page and "<b>夜查" not in page
    assert 'id="do-confirm"' in page and 'id="form-explain"' not in page
    page = inspector.post(f"/alerts/{journey.pk}/", {"action": "dismiss", "text": ""}, follow=True).content.decode()
    assert "请填写排除理由" in page and 'data-state="explained"' in page
    inspector.post(f"/alerts/{journey.pk}/", {"action": "confirm", "text": "认定"})
    assert AlertCase.objects.get().state == "confirmed"
    assert 'id="form-note"' not in inspector.get(f"/alerts/{journey.pk}/").content.decode()  # decided: no more notes
    assert client_for(people["other"]).get(f"/alerts/{journey.pk}/").status_code == 404


def test_the_evidence_pack(evening, people):
    journey = evening["journey"]
    client_for(people["unit"]).post(f"/alerts/{journey.pk}/", {"action": "explain", "text": "夜间执法检查"})
    client_for(people["brigade"]).post(f"/alerts/{journey.pk}/", {"action": "confirm", "text": "无派车单"})
    reader = client_for(people["inspector"])
    pdf = reader.get(f"/alerts/{journey.pk}/evidence.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    for expected in ("公务用车告警核查证据材料", "苏D·A0001", "非工作时间用车", "欢乐KTV", "夜间执法检查", "无派车单",
                     "fleet-tn01", "认定", "周一", "08:00", "轨迹示意图"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "WenQuanYiZenHei" in fonts and " yes " in fonts  # the CJK font, embedded
    xlsx = reader.get(f"/api/v1/alerts/{journey.pk}/case/evidence.xlsx/")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["概况", "告警", "核查过程", "定位点"]
    lo = min(journey.started_at, evening["stop"].started_at) - dt.timedelta(minutes=5)
    hi = max(journey.ended_at, evening["stop"].ended_at) + dt.timedelta(minutes=5)
    fixes = Position.objects.filter(vehicle=evening["vehicle"], ts__gte=lo, ts__lte=hi).count()
    assert book["定位点"].max_row - 1 == fixes > 50
    steps = [row[1] for row in book["核查过程"].iter_rows(min_row=2, values_only=True)]
    assert steps == ["告警产生", "提交说明", "认定违规"]
    assert {row[0] for row in book["告警"].iter_rows(min_row=2, values_only=True)} == {
        f"#{journey.pk}", f"#{evening['stop'].pk}"}
    # Where, in words: the place label (venue, community) beside the grid code.
    places = {row[0]: row[5] for row in book["告警"].iter_rows(min_row=2, values_only=True)}
    assert places[f"#{evening['stop'].pk}"] == f"欢乐KTV · 天宁寺社区 · {evening['stop'].grid_code}"
    assert client_for(people["other"]).get(f"/alerts/{journey.pk}/evidence.pdf").status_code == 404


def test_a_street_whose_box_reaches_the_map_but_not_its_line_is_left_out(evening, people):
    """The map cuts each street to its frame; a street found by its bounding box but passing outside the frame was
    cut to an empty line, which ReportLab refuses: the case page and its evidence pack answered 500."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from gis.services import layer_load_frame

    stop = evening["stop"]
    # An L round the whole city: its box holds every fix, its line none of them.
    bend = LineString([(stop.lon - 0.2, stop.lat - 0.2), (stop.lon - 0.2, stop.lat + 0.2),
                       (stop.lon + 0.2, stop.lat + 0.2)])
    layer_load_frame(layer="streets", frame=gpd.GeoDataFrame([{"name": "环城路", "kind": "main", "geometry": bend}],
                                                             geometry="geometry", crs="EPSG:4326"),
                     source_file="test streets")
    reader = client_for(people["inspector"])
    assert reader.get(f"/alerts/{stop.pk}/").status_code == 200
    assert reader.get(f"/alerts/{stop.pk}/evidence.pdf").status_code == 200


def test_the_history_filters_counts_exports_and_precision(city, people, clock):
    v1, v2 = city["vehicles"]["V1"], city["vehicles"]["V2"]
    wj = make_user("fleet-wj-only", "fleet", city["units"]["CZ-WJ"])
    start = at(dt.date(2026, 10, 5), "20:00")
    for n in range(60):
        _alert(v1, "venue_parking", start + dt.timedelta(hours=n), "confirmed" if n % 3 else "dismissed",
               venue="=HYPERLINK(\"x\")")
    _alert(v2, "off_duty_use", at(dt.date(2026, 11, 2), "21:00"))
    reader = client_for(people["brigade"])
    page = reader.get("/alerts/").content.decode()
    assert "共 61 条告警" in page and 'id="next-page"' in page and page.count("<tr data-id=") == 50
    assert 'id="precision-chart"' in page and 'data-month="2026-10"' in page
    page = reader.get("/alerts/", {"kind": "venue_parking", "case_state": "dismissed"}).content.decode()
    assert "共 20 条告警" in page and page.count('data-case-state="dismissed"') == 20
    assert '<td class="num precision">67%</td>' in page  # 40 of 60 confirmed, whatever the state filter
    page = reader.get("/alerts/", {"plate": v2.plate, "date_from": "2026-11-01", "date_to": "2026-11-30"}).content
    assert page.decode().count("<tr data-id=") == 1
    assert reader.get("/alerts/", {"date_from": "2026-13-01"}).status_code == 400
    csv_text = reader.get("/alerts/", {"kind": "venue_parking", "format": "csv"}).content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == 61 and lines[0].startswith("编号,类型,车牌号")
    assert "'=HYPERLINK" in lines[1]  # neutralised
    book = load_workbook(io.BytesIO(reader.get("/alerts/", {"unit": "CZ-TN", "format": "xlsx"}).content))
    assert book.active.max_row == 62
    pdf = reader.get("/alerts/", {"case_state": "pending", "format": "pdf"})
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
    assert "苏D·A0002".encode() in text and "苏D·A0001".encode() not in text
    assert "共 0 条告警" in client_for(wj).get("/alerts/").content.decode()
    assert Alert.objects.count() == 61


def test_the_case_pages_speak_english(evening, people, settings):
    reader = client_for(people["unit"])
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = reader.get("/alerts/").content.decode()
    assert "Alert cases" in page and "Awaiting explanation" in page and "待说明" not in page
    page = reader.get(f"/alerts/{evening['journey'].pk}/").content.decode()
    assert "Submit explanation" in page and "Case history" in page and "提交说明" not in page
    # Labels end with the page's colon ("Case state：" on the English page before), the clause is the standard's.
    assert 'Case state: <span class="state' in page and "Evidence pack: <a" in page
    assert "：" not in page.split("<main>")[1] and '<dd lang="zh-Hans">jiangsu ' in page
    reader.post(f"/alerts/{evening['journey'].pk}/", {"action": "explain", "text": "patrol"})
    pdf = reader.get(f"/alerts/{evening['journey'].pk}/evidence.pdf").content
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "evidence pack" in text and "Explained" in text and "Mon" in text
