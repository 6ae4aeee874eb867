"""A working Tuesday of one car, every class of SPEC "Trips": duty patrols, an order driven as approved (matched),
one whose destination was never reached (off_route), one overrun (overtime), a drive out of the jurisdiction on duty
and an evening drive (no_order), and an order nobody drove (unused); through `qm trips` (JSON, CSV, XLSX) and the
API."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from tests.support.fixtures import make_user

CLASSES = ["duty", "duty", "matched", "matched", "off_route", "off_route", "matched", "overtime",
           "no_order", "no_order", "no_order", "no_order"]


def trips(*args, **kwargs) -> bytes:
    out = io.StringIO()
    call_command("trips", *args, stdout=out, **kwargs)
    return out.getvalue().encode()


def test_every_class_in_time_order_with_the_spec_fields(day):
    rows = json.loads(trips("苏D·A0001", "--from", "2026-11-10", "--to", "2026-11-10"))
    assert [r["class"] for r in rows] == CLASSES
    assert all(r["vehicle"] == "苏D·A0001" for r in rows)
    assert [r["start"][11:19] for r in rows][:4] == ["09:00:00", "09:20:00", "10:05:00", "10:30:00"]
    assert rows[0]["end"] == "2026-11-10T09:02:30+08:00" and 1490 < rows[0]["distance_m"] < 1510
    assert [r["order"] for r in rows[2:8]] == [day["orders"][k].pk for k in (0, 0, 1, 1, 2, 2)]
    assert rows[7]["end"] == "2026-11-10T13:46:30+08:00"  # after 13:30 + 15 min: overtime
    # Where each trip starts and ends, in words: the depot is on 和平北路, P1 only in the community.
    assert (rows[0]["start_place"], rows[0]["end_place"]) == ("和平北路 · 天宁寺社区", "天宁寺社区")
    # The same by terminal id.
    assert [r["class"] for r in json.loads(trips("T0001", "--from", "2026-11-10"))] == CLASSES


def test_the_period_picks_trips_starting_in_it(day):
    rows = json.loads(trips("苏D·A0001", "--from", "2026-11-10T10:00", "--to", "2026-11-10T12:00"))
    assert [r["class"] for r in rows] == ["matched", "matched", "off_route", "off_route"]


def test_a_setting_requires_orders_for_duty_trips(day, settings):
    settings.QM_TRIP_DUTY_NEEDS_ORDER = True
    assert [r["class"] for r in json.loads(trips("苏D·A0001"))][:2] == ["no_order", "no_order"]


def test_csv_and_xlsx(day, tmp_path):
    rows = list(csv.DictReader(io.StringIO(trips("苏D·A0001", "--format", "csv").decode())))
    assert [r["class"] for r in rows] == CLASSES and rows[2]["vehicle"] == "苏D·A0001"
    target = tmp_path / "trips.xlsx"
    trips("苏D·A0001", "--format", "xlsx", "--output", str(target))
    book = load_workbook(target)
    assert book.sheetnames == ["行程", "停车点", "有单无轨"]
    sheet = book["行程"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["车牌号", "终端号", "开始时间", "结束时间", "里程（米）"]
    classes = [row[header.index("类别")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert classes == ["执勤", "执勤", "有单有轨", "有单有轨", "超范围", "超范围", "有单有轨", "超时",
                       "有轨无单", "有轨无单", "有轨无单", "有轨无单"]
    unused = list(book["有单无轨"].iter_rows(min_row=2, values_only=True))
    assert len(unused) == 1 and "夜查" in unused[0] and "有单无轨" in unused[0]
    assert book["停车点"].max_row - 1 == 13  # a stop before, between and after the twelve trips


def test_the_api_gives_trips_stops_and_unused_orders(day, bureau, api_client_for):
    v1 = day["vehicle"]
    client = api_client_for(make_user("fleet01", "fleet", bureau["units"]["CZ-TN"]))
    body = client.get(f"/api/v1/vehicles/{v1.pk}/journeys/", {"from": "2026-11-10", "to": "2026-11-10"}).json()
    assert [r["class"] for r in body["journeys"]] == CLASSES
    assert [u["order"] for u in body["unused"]] == [day["orders"][3].pk] and len(body["stops"]) == 13
    assert body["stops"][0]["place"] == "和平北路 · 天宁寺社区"
    response = client.get(f"/api/v1/vehicles/{v1.pk}/journeys/", {"format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    other = api_client_for(make_user("fleet02", "fleet", bureau["units"]["CZ-WJ"]))
    assert other.get(f"/api/v1/vehicles/{v1.pk}/journeys/").status_code == 404


def test_the_vehicle_file_shows_the_trips_with_their_classes(day, bureau, client):
    import re

    from django.urls import reverse

    v1 = day["vehicle"]
    client.force_login(make_user("fleet01", "fleet", bureau["units"]["CZ-TN"]))
    page = client.get(reverse("telematics:vehicle-dossier", args=[v1.pk]), {"start": "2026-11-10", "end": "2026-11-10"})
    html = page.content.decode()
    table = html[html.index('<table id="journeys">'):]
    table = table[:table.index("</table>")]
    assert re.findall(r'data-class="(\w+)"', table) == CLASSES
    assert "有单有轨" in table and "超范围" in table and "超时" in table and "有轨无单" in table and "执勤" in table
    assert '<small class="journey-place">和平北路 · 天宁寺社区</small>' in table  # where the trips start and end
    unused = html[html.index('<table id="unused-orders">'):]
    assert "夜查" in unused[:unused.index("</table>")]
    assert f"/api/v1/vehicles/{v1.pk}/journeys/?format=xlsx&amp;from=2026-11-10&amp;to=2026-11-10" in html
    assert client.get(f"/api/v1/vehicles/{v1.pk}/track/?format=gpx&from=2026-11-10&to=2026-11-10").status_code == 200


def test_xlsx_speaks_english_when_asked(day, tmp_path):
    target = tmp_path / "trips-en.xlsx"
    trips("苏D·A0001", "--format", "xlsx", "--output", str(target), "--lang", "en")
    book = load_workbook(target)
    assert book.sheetnames == ["Trips", "Stops", "Unused (order without track)"]
    header = [c.value for c in book["Trips"][1]]
    assert header[4] == "Distance (m)"
    assert [r[header.index("Category")] for r in book["Trips"].iter_rows(min_row=2, values_only=True)][:3] == [
        "Duty patrol", "Duty patrol", "Matched (order and track)"]
    trips("苏D·A0001", "--format", "xlsx", "--output", str(target))
    assert load_workbook(target).sheetnames[0] == "行程"  # English only when asked


def test_a_units_report_with_a_summary_per_vehicle(day, bureau, api_client_for, tmp_path):
    target = tmp_path / "unit.xlsx"
    trips("--unit", "CZ-TN", "--from", "2026-11-10", "--to", "2026-11-10", "--format", "xlsx", "--output", str(target))
    book = load_workbook(target)
    assert book.sheetnames == ["行程", "停车点", "有单无轨", "汇总"]
    summary = {row[0]: row for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in book["汇总"][1]]
    a1 = dict(zip(header, summary["苏D·A0001"]))
    assert (a1["行程数"], a1["有单有轨"], a1["超时"], a1["超范围"], a1["执勤"], a1["有轨无单"], a1["有单无轨"]) == (
        12, 3, 1, 2, 2, 4, 1)
    assert dict(zip(header, summary["苏D·A0002"]))["行程数"] == 0  # the city's other vehicles drove nothing
    with pytest.raises(CommandError, match="最长 31 天"):
        trips("--unit", "CZ-TN", "--from", "2026-10-01", "--to", "2026-11-10")
    with pytest.raises(CommandError, match="请给出车牌号或终端号，或 --unit CODE"):
        trips()
    api = api_client_for(make_user("fleet-tn", "fleet", bureau["units"]["CZ-TN"]))
    body = api.get("/api/v1/journeys/", {"unit": "CZ-TN", "from": "2026-11-10", "to": "2026-11-10"}).json()
    assert [r["class"] for r in body["journeys"]] == CLASSES and body["summary"][0]["vehicle"] == "苏D·A0001"
    assert api.get("/api/v1/journeys/", {"unit": "CZ-WJ", "from": "2026-11-10", "to": "2026-11-10"}).status_code == 404
    response = api.get("/api/v1/journeys/", {"unit": "CZ-TN", "from": "2026-11-10", "to": "2026-11-10",
                                             "format": "csv"})
    assert response.status_code == 200 and len(response.content.decode().splitlines()) == 13


def test_the_dossier_pdf_lists_the_trips_with_their_classes(day):
    from pypdf import PdfReader

    from telematics.dossier import build_dossier, dossier_pdf

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(dossier_pdf(build_dossier(
        day["vehicle"], dt.date(2026, 11, 10), dt.date(2026, 11, 10))))).pages)
    assert "行程（本期）" in text and text.count("有单有轨") >= 3 and "超范围" in text and "超时" in text
    assert "有单无轨" in text and "夜查" in text
