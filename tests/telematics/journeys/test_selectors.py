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
from openpyxl import load_workbook

from tests.support.fixtures import make_user
from tests.telematics.tracking.conftest import DEPOT, OUTSIDE

from .conftest import at, driven, east, north, parked, store

DAY = dt.date(2026, 11, 10)  # a Tuesday: CZ-TN is on duty 08:00-18:00
P1 = east(DEPOT, 1500)
P2 = north(DEPOT, 2500)
CLASSES = ["duty", "duty", "matched", "matched", "off_route", "off_route", "matched", "overtime",
           "no_order", "no_order", "no_order", "no_order"]


def t(hhmm: str, seconds: int = 0) -> dt.datetime:
    return at(DAY, hhmm, seconds)


@pytest.fixture
def day(city):
    from telematics.models import Trip

    v1 = city["vehicles"]["V1"]
    store("T0001", None, [
        *parked(t("07:00"), 120, DEPOT),
        *driven(t("09:00"), DEPOT, P1), *parked(t("09:03"), 17, P1),
        *driven(t("09:20"), P1, DEPOT), *parked(t("09:23"), 42, DEPOT),
        *driven(t("10:05"), DEPOT, P1), *parked(t("10:08"), 22, P1),  # order 1: 10:00-11:00 to P1
        *driven(t("10:30"), P1, DEPOT), *parked(t("10:33"), 62, DEPOT),
        *driven(t("11:35"), DEPOT, P1), *parked(t("11:38"), 10, P1),  # order 2: 11:30-12:00 to P2
        *driven(t("11:48"), P1, DEPOT), *parked(t("11:51"), 79, DEPOT),
        *driven(t("13:10"), DEPOT, P1), *parked(t("13:13"), 31, P1),  # order 3: 13:00-13:30, back after 13:45
        *driven(t("13:44"), P1, DEPOT), *parked(t("13:47"), 73, DEPOT),
        *driven(t("15:00"), DEPOT, OUTSIDE), *parked(t("15:13"), 20, OUTSIDE),
        *driven(t("15:33"), OUTSIDE, DEPOT), *parked(t("15:46"), 194, DEPOT),
        *driven(t("19:00"), DEPOT, P1), *parked(t("19:03"), 30, P1),
        *driven(t("19:33"), P1, DEPOT), *parked(t("19:36"), 120, DEPOT),
    ])
    orders = [Trip.objects.create(vehicle=v1, start=s, end=e, purpose=p, status=status, dest_lat=d and d[1],
                                  dest_lon=d and d[0], approved_by="王科长")
              for s, e, p, d, status in ((t("10:00"), t("11:00"), "检查", P1, "approved"),
                                         (t("11:30"), t("12:00"), "会议", P2, "approved"),
                                         (t("13:00"), t("13:30"), "取件", None, "approved"),
                                         (t("20:00"), t("21:00"), "夜查", None, "approved"),
                                         (t("09:00"), t("09:30"), "未批", None, "requested"))]
    return {"vehicle": v1, "orders": orders}


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
