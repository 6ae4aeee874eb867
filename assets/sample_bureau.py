"""The sample bureau (常州市城市管理局) as a bureau workbook: what the demo loads with `qm import`.

Deterministic for a seed. It holds what a real bureau holds, with a few deliberate gaps so that compliance
has something to report: frontline share below 90 % at bureau level, two expired certificates, two departed
officers still holding uniforms (one also a certificate), squadrons short of recorders, terminals and radios,
a squadron without an information system, a brigade without a camera, one with a single storage device,
one without a fax, a seal without a custodian, a few uniforms past replacement, a vehicle without compliant
livery and one with lapsed insurance.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

from assets.workbook.writer import write_workbook

BRIGADES = (("CZ-TN", "天宁大队", 700_000), ("CZ-ZL", "钟楼大队", 650_000), ("CZ-XB", "新北大队", 800_000))
SQUADRON_NAMES = ("第一中队", "第二中队", "第三中队")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌宇浩鹏飞俊峰辉健林波宁凯晨"

# (item type, service years, sizes) issued to every active officer; 胸号 etc. come separately.
UNIFORM_KIT = (("春秋执勤服", 4, ("165/84A", "170/88A", "175/92A", "180/96A")),
               ("夏执勤服", 4, ("165/84A", "170/88A", "175/92A", "180/96A")),
               ("冬执勤服", 4, ("165/84A", "170/88A", "175/92A", "180/96A")),
               ("帽", 4, ("56", "57", "58", "59")), ("皮鞋", 2, ("40", "41", "42", "43")))
INSIGNIA_KIT = ("帽徽", "肩章", "领花", "胸号")
PROTECTIVE_KIT = ("多功能腰带", "防刺背心", "防割手套", "钢盔", "水壶", "防护眼镜", "手电筒", "反光背心")
OFFICE_KIT = ("计算机", "电话", "传真机", "复（打）印机", "扫描仪")

# 2026 official schedule (国务院办公厅通知): days off, and the weekend days worked instead (调休).
HOLIDAYS_2026 = (
    ("元旦", dt.date(2026, 1, 1), 3, (dt.date(2026, 1, 4),)),
    ("春节", dt.date(2026, 2, 15), 9, (dt.date(2026, 2, 14), dt.date(2026, 2, 28))),
    ("清明节", dt.date(2026, 4, 4), 3, ()),
    ("劳动节", dt.date(2026, 5, 1), 5, (dt.date(2026, 5, 9),)),
    ("端午节", dt.date(2026, 6, 19), 3, ()),
    ("中秋节", dt.date(2026, 9, 25), 3, ()),
    ("国庆节", dt.date(2026, 10, 1), 7, (dt.date(2026, 9, 20), dt.date(2026, 10, 10))),
)


class _Bureau:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.units: list[list] = []
        self.people: list[list] = []
        self.assets: list[list] = []
        self.tag_counts: dict[str, int] = {}
        self.used_names: set[str] = set()

    def name(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2))))
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def tag(self, prefix: str) -> str:
        self.tag_counts[prefix] = self.tag_counts.get(prefix, 0) + 1
        return f"{prefix}-{self.tag_counts[prefix]:05d}"

    def acquired(self, first_year: int = 2021, last_year: int = 2025) -> dt.date:
        return dt.date(self.rng.randint(first_year, last_year), self.rng.randint(1, 12), self.rng.randint(1, 28))

    def asset(self, prefix: str, category: str, item: str, unit: str, holder: str = "", status: str = "",
              serial: str = "", model: str = "", size: str = "", acquired: dt.date | None = None,
              service_years: int | None = None) -> None:
        status = status or ("issued" if holder else "in_stock")
        self.assets.append([self.tag(prefix), category, item, unit, holder, status, serial, model, size,
                            acquired or self.acquired(), service_years])


def _units(b: _Bureau) -> list[str]:
    b.units += [["CZ", "常州市城市管理局", "bureau", "", 5_300_000],
                ["CZ-BGS", "办公室", "office", "CZ", None],
                ["CZ-ZD", "常州市城市管理行政执法支队", "detachment", "CZ", None]]
    squadrons = []
    for code, name, population in BRIGADES:
        b.units.append([code, name, "brigade", "CZ-ZD", population])
        for i, squadron in enumerate(SQUADRON_NAMES, start=1):
            b.units.append([f"{code}-{i:02d}", name + squadron, "squadron", code, None])
            squadrons.append(f"{code}-{i:02d}")
    return squadrons


def _people(b: _Bureau, squadrons: list[str]) -> tuple[list[list], list[list], list[list]]:
    """Officers, auxiliaries and departed officers, as personnel rows (all of them also go to `b.people`)."""
    posts = [("CZ-BGS", 4, 0), ("CZ-ZD", 8, 4)] + [(code, 4, 2) for code, _n, _p in BRIGADES]
    posts += [(code, 10 + (i % 3 == 0), 10 + (i % 3 == 0)) for i, code in enumerate(squadrons)]
    officers, auxiliaries = [], []
    number = 0
    for unit, count, frontline in posts:
        for i in range(count):
            number += 1
            expires = dt.date(b.rng.randint(2027, 2029), b.rng.randint(1, 12), 28)
            officers.append([f"CZ{number:04d}", b.name(), unit, "officer", i < frontline, "active",
                             f"苏城执{32040000 + number}", expires, f"3204{number:04d}"])
    # Two certificates ran out this summer (valid-certificate has something to report).
    officers[20][7] = dt.date(2026, 6, 30)
    officers[57][7] = dt.date(2026, 8, 31)
    for i, unit in enumerate(squadrons * 3 + ["CZ-TN", "CZ-ZL", "CZ-XB"]):
        auxiliaries.append([f"XG{i + 1:03d}", b.name(), unit, "auxiliary", True, "active", "", None, ""])
    departed = [["CZ0901", b.name(), "CZ-TN-01", "officer", True, "transferred", "苏城执32040901",
                 dt.date(2027, 5, 28), "32040901"],
                ["CZ0902", b.name(), "CZ-ZL-02", "officer", True, "retired", "苏城执32040902",
                 dt.date(2026, 12, 28), "32040902"]]
    suspended = ["CZ0903", b.name(), "CZ-XB-01", "officer", False, "suspended", "苏城执32040903",
                 dt.date(2027, 9, 28), "32040903"]
    b.people += officers + auxiliaries + departed + [suspended]
    return officers, auxiliaries, departed


def _officer_kit(b: _Bureau, officer: list, *, uniforms_only: bool = False) -> None:
    staff_no, unit = officer[0], officer[2]
    size_index = b.rng.randrange(4)
    for item, years, sizes in UNIFORM_KIT:
        # Every tenth kit is old enough to be past replacement (uniform-replacement reports it).
        acquired = b.acquired(2019, 2020) if b.rng.random() < 0.1 else b.acquired(2023, 2025)
        b.asset("FZ", "uniform", item, unit, staff_no, size=sizes[size_index], acquired=acquired,
                service_years=years)
    if uniforms_only:
        return
    for item in INSIGNIA_KIT:
        b.asset("BZ", "insignia", item, unit, staff_no, serial=officer[8] if item == "胸号" else "",
                acquired=b.acquired(2023, 2025))
    b.asset("ZJ", "certificate", "行政执法证", unit, staff_no, serial=officer[6], acquired=dt.date(2024, 1, 15))


def _assets(b: _Bureau, squadrons: list[str], officers: list[list], auxiliaries: list[list],
            departed: list[list]) -> None:
    by_unit: dict[str, list[list]] = {}
    for officer in officers:
        by_unit.setdefault(officer[2], []).append(officer)
        _officer_kit(b, officer)
    # Departed officers who never handed their kit back (return-on-departure reports them).
    _officer_kit(b, departed[0])
    _officer_kit(b, departed[1], uniforms_only=True)

    short_recorders = {"CZ-ZL-03": 2}
    short_terminals = {"CZ-XB-02": 3}
    for unit, staff in by_unit.items():
        for i, officer in enumerate(staff):
            if i < len(staff) - short_recorders.get(unit, 0):
                b.asset("JLY", "recorder", "执法记录仪", unit, officer[0], serial=f"DSJ{b.rng.randrange(10**8):08d}",
                        model="DSJ-V9", acquired=b.acquired(2022, 2025), service_years=5)
            if i < len(staff) - short_terminals.get(unit, 0):
                b.asset("ZFT", "mobile_terminal", "执法通", unit, officer[0], serial=f"ZFT{b.rng.randrange(10**8):08d}",
                        model="ZFT-5", acquired=b.acquired(2023, 2025), service_years=4)
        radios = math.ceil(len(staff) / 2) - (1 if unit == "CZ-TN-02" else 0)
        for _ in range(radios):
            b.asset("DJJ", "radio", "对讲机", unit, status="issued", model="PD680", acquired=b.acquired(2020, 2024))
    # Spares in the stores, one recorder away for repair, one radio lost, one old recorder retired.
    b.asset("JLY", "recorder", "执法记录仪", "CZ-ZD", model="DSJ-V9", status="in_stock")
    b.asset("JLY", "recorder", "执法记录仪", "CZ-TN", model="DSJ-V9", status="in_repair")
    b.asset("JLY", "recorder", "执法记录仪", "CZ-ZL", model="DSJ-V7", status="retired", acquired=dt.date(2017, 3, 1))
    b.asset("DJJ", "radio", "对讲机", "CZ-XB-01", model="PD680", status="lost")

    for squadron in squadrons:
        if squadron != "CZ-XB-03":
            b.asset("XT", "info_system", "车载台", squadron, status="issued", model="CT-300")
        b.asset("FH", "protective", "警示隔离设备", squadron, status="in_stock")
        b.asset("BG", "office", "计算机", squadron, status="issued")
    for code, _name, _population in BRIGADES:
        if code != "CZ-XB":
            b.asset("SX", "camera", "专业摄像机", code, status="issued", model="HXR-NX100")
        for _ in range(1 if code == "CZ-ZL" else 2):
            b.asset("CC", "storage", "移动存储设备", code, status="issued", model="4TB")
    for unit in ("CZ-ZD", *(code for code, _n, _p in BRIGADES)):
        for item in OFFICE_KIT:
            if not (unit == "CZ-XB" and item == "传真机"):
                b.asset("BG", "office", item, unit, status="issued")

    frontline = [p for p in officers + auxiliaries if p[4]]
    for person in frontline:
        kit = PROTECTIVE_KIT if person[3] == "officer" else ("反光背心", "手电筒")
        for item in kit:
            if item == "防刺背心" and person[2] == "CZ-TN-03" and person[0] in {o[0] for o in by_unit["CZ-TN-03"][:2]}:
                continue
            b.asset("FH", "protective", item, person[2], person[0], acquired=b.acquired(2022, 2025))

    seal_keepers = {unit: staff[0][0] for unit, staff in by_unit.items()}
    b.asset("YZ", "seal", "行政执法专用章", "CZ-ZD", seal_keepers["CZ-ZD"], acquired=dt.date(2019, 6, 1))
    for code, _name, _population in BRIGADES:
        # 钟楼大队's seal sits in a drawer with nobody answerable for it (seal-custodian reports it).
        holder = "" if code == "CZ-ZL" else seal_keepers[code]
        b.asset("YZ", "seal", "大队执法专用章", code, holder, status="issued" if holder else "in_stock",
                acquired=dt.date(2019, 6, 1))


def _vehicles(b: _Bureau, squadrons: list[str]) -> list[list]:
    homes = [s for s in squadrons for _ in range(4)] + [c for c, _n, _p in BRIGADES for _ in range(3)]
    homes += ["CZ-ZD"] * 4 + ["CZ-BGS"]
    rows = []
    for i, unit in enumerate(homes, start=1):
        kind, seats = b.rng.choice((("轿车", 5), ("轿车", 5), ("SUV", 5), ("商务车", 7), ("皮卡", 5)))
        vin = "LSV" + "".join(b.rng.choices("ABCDEFGHJKLMNPRSTUVWXYZ0123456789", k=14))
        acquired = b.acquired(2018, 2024)
        status = "in_repair" if i in (7, 31) else "retired" if i == 44 else "in_service"
        insurance = dt.date(2026, 3, 1) if i == 50 else dt.date(2027, acquired.month, acquired.day)
        terminal = "" if status == "retired" else f"T{i:04d}"  # a retired vehicle's terminal is unbound
        rows.append([f"苏D·A{i:04d}", unit, seats, vin, kind, terminal, i != 49, status, acquired, insurance,
                     dt.date(2027, acquired.month, acquired.day)])
    return rows


def _duty_schedules(squadrons: list[str]) -> list[list]:
    rows = [[s, "1-5", dt.time(8), dt.time(18)] for s in squadrons]
    rows += [[s, "6-7", dt.time(9), dt.time(17)] for s in squadrons if s.startswith("CZ-TN")]
    rows += [[u, "1-5", dt.time(8, 30), dt.time(17, 30)] for u in ("CZ-ZD", "CZ-BGS", "CZ-TN", "CZ-ZL", "CZ-XB")]
    return rows


def _holidays() -> list[list]:
    rows = []
    for name, first, days, workdays in HOLIDAYS_2026:
        rows += [[first + dt.timedelta(days=d), "holiday", name] for d in range(days)]
        rows += [[day, "workday", f"{name}调休"] for day in workdays]
    return sorted(rows)


def _trips() -> list[list]:
    tz = dt.timezone(dt.timedelta(hours=8))

    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2026, 11, day, hour, minute, tzinfo=tz)

    return [
        ["苏D·A0001", at(22, 9), at(22, 12), "周末占道经营专项整治", 31.7812, 119.9731, "王建国"],
        ["苏D·A0003", at(22, 18, 30), at(22, 21), "夜市油烟扰民投诉处置", 31.7718, 119.9552, "王建国"],
        ["苏D·A0013", at(21, 14), at(21, 17), "市容环境联合检查", 31.7905, 119.9380, "李志强"],
        ["苏D·A0025", at(23, 7), at(23, 10), "渣土车夜查交接", None, None, "赵海峰"],
    ]


def build_sample_workbook(path: str | Path, *, seed: int = 1, headers: str = "en") -> Path:
    """Writes the sample bureau to `path` (XLSX if it ends .xlsx, else a folder of CSV files)."""
    b = _Bureau(seed)
    squadrons = _units(b)
    officers, auxiliaries, departed = _people(b, squadrons)
    _assets(b, squadrons, officers, auxiliaries, departed)
    return write_workbook(path, {
        "units": b.units, "personnel": b.people, "assets": b.assets, "vehicles": _vehicles(b, squadrons),
        "duty_schedules": _duty_schedules(squadrons), "holidays": _holidays(), "trips": _trips(),
    }, headers=headers)
