"""The reports on V1's fixed Tuesday (conftest.history), every figure computed by hand: trips and stops from the
fixes, daily mileage, summary and online rate from the rollups; their files (XLSX, PDF, CSV, JSON) opened and read;
the API and the page scoped."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from telematics.reports.registry import build_report, report_bytes
from tests.support.fixtures import make_user

from .conftest import TUESDAY, WEDNESDAY

pytestmark = pytest.mark.django_db

# Duty 08:00-18:00 = 600 minutes a day. Online (a fix in the 10 minutes ending a minute): 08:00-10:09 (130 minutes:
# fixes every minute or 30 s until 10:00) and 14:00-17:59 (240: a fix every 5 minutes) = 370 on Tuesday, 0 on Wednesday.
V1_DUTY, V1_ONLINE = 1200, 370
# The legs: two drives of five 300 m legs of 30 s; standing still counts no distance. Stopped: 60 legs of 60 s before
# 09:00, 30 s + 30 x 60 s at P1, 30 s + 24 x 60 s back at the depot, the 4 h silence capped at 300 s, 48 x 300 s.
V1_DRIVING_S = 300
V1_STOPPED_S = 3600 + 30 + 1800 + 30 + 1440 + 300 + 48 * 300
V1_FIXES = 61 + 5 + 31 + 5 + 25 + 49


def unit_report(kind, city, start=TUESDAY, end=WEDNESDAY):
    return build_report(kind, start=start, end=end, unit=city["units"]["CZ-TN-01"])


def vehicle_report(kind, city, start=TUESDAY, end=WEDNESDAY):
    return build_report(kind, start=start, end=end, vehicle=city["vehicles"]["V1"])


def test_trips_with_places_times_speeds_and_class(fed):
    report = vehicle_report("trips", fed)
    assert [(r["start"].strftime("%H:%M:%S"), r["end"].strftime("%H:%M:%S")) for r in report.rows] == [
        ("09:00:00", "09:02:30"), ("09:33:00", "09:35:30")]
    first = report.rows[0]
    assert first["vehicle"] == "苏D·A0001" and first["class"] == "duty" and first["class_label"] == "执勤"
    assert first["distance_km"] == pytest.approx(1.5, abs=0.01)
    assert first["duration_min"] == 2.5 and first["moving_min"] == 2.5  # 150 s, all of it at 36 km/h
    assert first["max_speed"] == 36.0 and first["avg_speed"] == pytest.approx(36.0, abs=0.5)
    # Places from the layers (gis.places): the depot is on 和平北路, the trip's end only inside the community.
    assert (first["start_place"], first["end_place"]) == ("和平北路 · 天宁寺社区", "天宁寺社区")
    assert report.totals["distance_km"] == pytest.approx(3.0, abs=0.02)


def test_stops_with_place_start_and_dwell(fed):
    rows = vehicle_report("stops", fed).rows
    assert [(r["start"].strftime("%H:%M:%S"), r["dwell_min"]) for r in rows] == [
        ("08:00:00", 60.0), ("09:02:30", 30.5), ("09:35:30", 504.5)]  # the last until 18:00, through the silence
    assert [r["place"] for r in rows] == ["和平北路 · 天宁寺社区", "天宁寺社区", "和平北路 · 天宁寺社区"]


def test_daily_mileage_from_the_rollup(fed):
    report = vehicle_report("mileage", fed)
    assert [r["day"] for r in report.rows] == [TUESDAY, WEDNESDAY]
    assert report.rows[0]["distance_km"] == pytest.approx(3.0, abs=0.01) and report.rows[1]["distance_km"] == 0
    assert report.rows[0]["driving_h"] == round(V1_DRIVING_S / 3600, 2) and report.rows[0]["fixes"] == V1_FIXES
    assert report.chart.bars == [("11-10", report.rows[0]["distance_km"]), ("11-11", 0.0)]


def test_summary_per_vehicle_and_totals(fed):
    report = unit_report("summary", fed)
    assert len(report.rows) == 9  # every vehicle of CZ-TN-01, those without fixes too
    v1 = next(r for r in report.rows if r["vehicle"] == "苏D·A0001")
    assert v1["distance_km"] == pytest.approx(3.0, abs=0.01)
    assert v1["driving_h"] == round(V1_DRIVING_S / 3600, 2) and v1["stopped_h"] == round(V1_STOPPED_S / 3600, 2)
    assert v1["trips"] == 2 and v1["alerts"] == 0
    assert v1["online_rate"] == round(100 * V1_ONLINE / V1_DUTY, 1)  # 30.8
    assert report.totals["trips"] == 2 and report.totals["online_rate"] == round(100 * V1_ONLINE / (9 * V1_DUTY), 1)


def test_online_rate_by_hand_and_its_window(fed, settings):
    report = unit_report("online", fed)
    v1 = next(r for r in report.rows if r["vehicle"] == "苏D·A0001")
    assert (v1["duty_h"], v1["online_h"], v1["online_rate"]) == (20.0, round(370 / 60, 2), 30.8)
    assert report.chart.bars[-1] == ("苏D·A0001", 30.8)  # sorted lowest first
    one_day = unit_report("online", fed, TUESDAY, TUESDAY)
    assert next(r for r in one_day.rows if r["vehicle"] == "苏D·A0001")["online_rate"] == round(100 * 370 / 600, 1)
    # A window of 1 minute: only minutes holding a fix. 08:00-10:00 every minute (121) + 14:00..17:55 every 5 (48);
    # 18:00 is after the duty hours.
    settings.QM_ONLINE_WINDOW_MIN = 1
    v1 = next(r for r in unit_report("online", fed, TUESDAY, TUESDAY).rows if r["vehicle"] == "苏D·A0001")
    assert v1["online_rate"] == round(100 * (121 + 48) / 600, 1)


def test_the_exports_open_with_chinese_headers(fed, tmp_path):
    unit = fed["units"]["CZ-TN-01"]
    book = load_workbook(io.BytesIO(report_bytes("summary", start=TUESDAY, end=WEDNESDAY, fmt="xlsx", unit=unit)))
    sheet = book.active
    assert sheet.title == "车辆汇总"
    assert [c.value for c in sheet[1]][:4] == ["车牌号", "单位", "里程（公里）", "行驶时长（小时）"]
    assert "苏D·A0001" in [c.value for c in sheet["A"]] and sheet.cell(11, 1).value == "合计"
    rows = list(csv.reader(io.StringIO(report_bytes("mileage", start=TUESDAY, end=WEDNESDAY, fmt="csv",
                                                    unit=unit).decode("utf-8-sig"))))
    assert rows[0] == ["日期", "里程（公里）", "行驶时长（小时）", "定位数", "上线车辆数"]
    assert rows[1][0] == "2026-11-10" and float(rows[1][1]) == pytest.approx(3.0, abs=0.01) and rows[3][0] == "合计"
    body = json.loads(report_bytes("online", start=TUESDAY, end=WEDNESDAY, fmt="json", unit=unit))
    assert body["report"] == "online" and body["columns"][-1] == {"key": "online_rate", "label": "在线率（%）"}
    pdf = report_bytes("trips", start=TUESDAY, end=WEDNESDAY, fmt="pdf", vehicle=fed["vehicles"]["V1"])
    from pypdf import PdfReader
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "行程报表" in text and "苏D·A0001" in text and "执勤" in text


def test_english_when_switched(fed):
    body = report_bytes("mileage", start=TUESDAY, end=WEDNESDAY, fmt="csv", unit=fed["units"]["CZ-TN-01"],
                        language="en")
    assert body.decode("utf-8-sig").splitlines()[0].startswith("Date,Mileage (km),Driving time (h),Fixes")


def test_the_api_is_scoped_and_gives_the_files(fed, api_client_for):
    units = fed["units"]
    inside = api_client_for(make_user("fleet-tn", "fleet", units["CZ-TN"]))
    body = inside.get("/api/v1/reports/online/?unit=CZ-TN-01&from=2026-11-10&to=2026-11-11").json()
    assert body["totals"]["online_rate"] == round(100 * V1_ONLINE / (9 * V1_DUTY), 1)
    v1 = fed["vehicles"]["V1"].pk
    one = inside.get(f"/api/v1/reports/summary/?vehicle={v1}&from=2026-11-10&to=2026-11-11").json()
    assert [r["vehicle"] for r in one["rows"]] == ["苏D·A0001"]
    xlsx = inside.get("/api/v1/reports/mileage/?unit=CZ-TN-01&from=2026-11-10&to=2026-11-11&format=xlsx")
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.content)).active["A1"].value == "日期"
    assert inside.get("/api/v1/reports/trips/?unit=CZ-TN-01&from=2026-10-01&to=2026-11-11").status_code == 400
    outside = api_client_for(make_user("fleet-wj", "fleet", units["CZ-WJ"]))
    assert outside.get("/api/v1/reports/summary/?unit=CZ-TN-01&from=2026-11-10&to=2026-11-11").status_code == 404
    assert outside.get(f"/api/v1/reports/summary/?vehicle={v1}&from=2026-11-10&to=2026-11-11").status_code == 404
    # Its own unit: V1 is not in it.
    own = outside.get("/api/v1/reports/summary/?unit=CZ-WJ&from=2026-11-10&to=2026-11-11").json()
    assert own["rows"] == []


def test_the_page_shows_the_table_and_chart(fed, client):
    client.force_login(make_user("fleet-tn", "fleet", fed["units"]["CZ-TN"]))
    page = client.get("/reports/?kind=mileage&unit=CZ-TN-01&from=2026-11-10&to=2026-11-11")
    html = page.content.decode()
    assert page.status_code == 200 and 'class="report-chart"' in html and 'data-label="11-10"' in html
    assert "每日里程" in html and "合计" in html
    file = client.get("/reports/?kind=online&unit=CZ-TN-01&from=2026-11-10&to=2026-11-11&format=csv")
    assert file.status_code == 200 and file["Content-Disposition"].endswith('.csv"')
    assert client.get("/reports/?kind=summary&unit=CZ-WJ-01&from=2026-11-10&to=2026-11-11").status_code == 400


def test_trips_not_counted_yet_are_detected_or_said_to_be_left_out(fed, monkeypatch):
    from django.core.management import call_command

    from telematics.reports import selectors

    monkeypatch.setattr(selectors, "LIVE_TRIP_DAYS_MAX", 0)  # too many vehicle-days to detect in a report
    report = unit_report("summary", fed)
    assert report.totals["trips"] == 0 and report.notes == [
        "行程数不含尚未统计的日期：2026-11-10（每日由 qm rollup --trips 统计）。"]
    call_command("rollup", "--from", "2026-11-10", "--to", "2026-11-11", "--trips", stdout=io.StringIO())
    report = unit_report("summary", fed)  # counted by the nightly job: read, nothing left out
    assert report.totals["trips"] == 2 and report.notes == []
