"""The monthly use register on V1's fixed Tuesday (conftest.booked), every figure computed by hand: the journeys
with their orders (派车单 and 补单), GPS and odometer km, the costs booked to journeys and to vehicle-days, the totals
per vehicle and per 100 km; the files (XLSX, PDF, CSV, JSON) opened and read; the scope."""
from __future__ import annotations

import csv
import io
import json

import pytest

from telematics.register.render import register_bytes
from telematics.register.selectors import build_register

pytestmark = pytest.mark.django_db


def _v1_rows(register):
    return [r for r in register.rows if r["vehicle"] == "苏D·A0001"]


def test_one_row_per_journey_with_its_order_km_and_costs(booked):
    register = build_register(unit=booked["units"]["CZ-TN"], month="2026-11")
    rows = _v1_rows(register)
    assert [(r["date"].isoformat(), r["start"] and r["start"].strftime("%H:%M:%S"), r["class"]) for r in rows] == [
        ("2026-11-10", "09:00:00", "matched"), ("2026-11-10", "09:33:00", "matched"),
        ("2026-11-10", "19:00:00", "matched"), ("2026-11-10", "19:25:00", "no_order"),
        ("2026-11-10", None, ""), ("2026-11-11", None, "")]
    j1, j2, j3, j4, day1, day2 = rows
    # The morning order: driver, purpose, destination, requester, passengers, approver.
    assert (j1["driver"], j1["purpose"], j1["destination"], j1["requester"], j1["passengers"], j1["approver"]) == (
        "李师傅", "市容巡查", "东门广场", "fleet-tn", "张三、赵六", "王科长")
    assert j2["purpose"] == "市容巡查" and j1["late_order"] == ""
    # The 补单 regularised J3: its purpose and destination, marked as a late order; J4 kept no order.
    assert (j3["purpose"], j3["destination"], j3["late_order"], j3["approver"], j3["driver"]) == (
        "夜间投诉处置", "北街", "是", "chief", "周师傅")
    assert (j4["purpose"], j4["class_label"], j4["driver"]) == ("", "有轨无单", "")
    assert [r["gps_km"] for r in (j1, j2)] == [pytest.approx(1.5, abs=0.01)] * 2
    assert [r["gps_km"] for r in (j3, j4)] == [pytest.approx(2.5, abs=0.01)] * 2
    # Odometer: 10000 at J1's start (entered with the fuel), 10002 between J1 and J2, 10004 after J2.
    assert (j1["odometer_start"], j1["odometer_end"], j1["odometer_km"]) == (10000, 10002, 2)
    assert (j2["odometer_start"], j2["odometer_end"], j2["odometer_km"]) == (10002, 10004, 2)
    assert j3["odometer_km"] is None and j4["odometer_km"] is None
    # Costs: the fuel to J1, the toll to J3, the parking to Tuesday, the wash to Wednesday.
    assert (j1["litres"], j1["fuel_yuan"], j1["cost_yuan"], j1["fuel_card"]) == (4.0, 30.0, 30.0, "9001")
    assert (j3["toll_yuan"], j3["cost_yuan"]) == (15.0, 15.0) and j2["cost_yuan"] == j4["cost_yuan"] == 0.0
    assert (day1["purpose"], day1["parking_yuan"], day1["cost_yuan"]) == ("当日费用（未关联行程）", 10.0, 10.0)
    assert (day2["other_yuan"], day2["cost_yuan"], day2["gps_km"]) == (30.0, 30.0, None)


def test_totals_per_vehicle_and_per_100_km(booked):
    register = build_register(unit=booked["units"]["CZ-TN"], month="2026-11")
    v1 = next(t for t in register.totals if t["vehicle"] == "苏D·A0001")
    assert (v1["journeys"], v1["no_order"], v1["odometer_km"]) == (4, 1, 4)
    assert v1["gps_km"] == pytest.approx(8.0, abs=0.04)
    assert v1["month_km"] == pytest.approx(8.0, abs=0.04)  # the daily rollups: nothing moved but the journeys
    assert (v1["litres"], v1["fuel_yuan"], v1["toll_yuan"], v1["parking_yuan"], v1["other_yuan"], v1["cost_yuan"]) == (
        4.0, 30.0, 15.0, 10.0, 30.0, 85.0)
    assert v1["litres_per_100km"] == round(4.0 * 100 / v1["gps_km"], 2)  # ≈ 50 L/100 km
    assert v1["yuan_per_100km"] == round(85.0 * 100 / v1["gps_km"], 2)  # ≈ 1062.5 ¥/100 km
    v2 = next(t for t in register.totals if t["vehicle"] == "苏D·A0002")
    assert (v2["journeys"], v2["cost_yuan"], v2["litres_per_100km"]) == (0, 0.0, None)
    assert len(register.totals) == 9  # every vehicle of CZ-TN-01; the WJ vehicle is another brigade's
    assert register.grand_total["cost_yuan"] == 85.0 and register.grand_total["journeys"] == 4
    assert "苏D·W0001" not in {r["vehicle"] for r in register.rows}


def test_another_month_is_empty(booked):
    register = build_register(unit=booked["units"]["CZ-TN"], month="2026-10")
    assert register.rows == [] and register.grand_total["cost_yuan"] == 0.0


def test_the_files_open_with_chinese_headers(booked):
    unit = booked["units"]["CZ-TN"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(register_bytes(unit=unit, month="2026-11", fmt="xlsx")))
    journeys, totals = book.worksheets
    assert journeys.title == "使用登记" and totals.title == "车辆合计"
    assert journeys["A1"].value == "公务用车使用登记表　天宁大队（CZ-TN）　2026-11"
    header = [c.value for c in journeys[2]]
    assert header[:5] == ["车牌号", "日期", "出车时间", "回车时间", "驾驶员"] and "费用合计（元）" in header
    first = {header[k]: c.value for k, c in enumerate(journeys[3])}
    assert first["车牌号"] == "苏D·A0001" and first["事由"] == "市容巡查" and first["油费（元）"] == 30.0
    assert first["出车时间"].strftime("%H:%M") == "09:00" and first["里程表里程（公里）"] == 2
    total_header = [c.value for c in totals[2]]
    v1 = next({total_header[k]: c.value for k, c in enumerate(row)} for row in totals.iter_rows(min_row=3)
              if row[0].value == "苏D·A0001")
    assert v1["费用合计（元）"] == 85.0 and v1["加油（升）"] == 4.0
    assert [c.value for c in totals[totals.max_row]][0] == "合计"

    lines = list(csv.reader(io.StringIO(register_bytes(unit=unit, month="2026-11", fmt="csv").decode("utf-8-sig"))))
    assert lines[1][:4] == ["车牌号", "日期", "出车时间", "回车时间"]
    assert lines[2][:3] == ["苏D·A0001", "2026-11-10", "09:00"] and "有单有轨" in lines[2]
    assert ["车辆合计"] in lines

    body = json.loads(register_bytes(unit=unit, month="2026-11", fmt="json"))
    assert body["report"] == "register" and body["month"] == "2026-11" and body["grand_total"]["cost_yuan"] == 85.0
    assert body["rows"][0]["start"] == "2026-11-10T09:00:00"

    from pypdf import PdfReader
    pdf = PdfReader(io.BytesIO(register_bytes(unit=unit, month="2026-11", fmt="pdf")))
    text = "".join(page.extract_text() for page in pdf.pages)
    for expected in ("公务用车使用登记表", "苏D·A0001", "市容巡查", "夜间投诉处置", "有轨无单", "车辆合计", "85"):
        assert expected in text, expected


def test_english_when_switched(booked):
    body = register_bytes(unit=booked["units"]["CZ-TN"], month="2026-11", fmt="csv", language="en")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("Plate,Date,Departure,Return,Driver")


def test_an_entry_naming_no_journey_counts_for_its_day(booked):
    from decimal import Decimal

    from telematics.register.services import cost_entry_create
    from tests.telematics.journeys.conftest import at

    from .conftest import TUESDAY

    cost_entry_create(vehicle=booked["vehicles"]["V1"], date=TUESDAY, kind="other", amount=Decimal("7.00"),
                      journey_start=at(TUESDAY, "12:00"))  # V1 stood at the depot at noon
    day = next(r for r in _v1_rows(build_register(unit=booked["units"]["CZ-TN"], month="2026-11"))
               if r["date"] == TUESDAY and r["start"] is None)
    assert (day["parking_yuan"], day["other_yuan"], day["cost_yuan"]) == (10.0, 7.0, 17.0)


def test_the_command_writes_the_register_and_fails_with_its_reason(booked, tmp_path):
    from django.core.management import CommandError, call_command

    target = tmp_path / "register.json"
    call_command("register", "--unit", "CZ-TN", "--month", "2026-11", "--format", "json", "--output", str(target))
    body = json.loads(target.read_text(encoding="utf-8"))
    assert body["unit"] == "CZ-TN" and body["grand_total"]["cost_yuan"] == 85.0
    call_command("register", "--unit", "CZ-TN", "--month", "2026-11", "--format", "csv", "--lang", "en",
                 "--output", str(tmp_path / "register.csv"))
    assert (tmp_path / "register.csv").read_text(encoding="utf-8-sig").splitlines()[1].startswith("Plate,Date")
    with pytest.raises(CommandError, match="没有代码为 NOPE 的单位"):
        call_command("register", "--unit", "NOPE", "--month", "2026-11")
    with pytest.raises(CommandError, match="No unit with code NOPE"):
        call_command("register", "--unit", "NOPE", "--month", "2026-11", "--lang", "en")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("register", "--unit", "CZ-TN", "--month", "2026-13")
