"""The sample bureau (常州市城市管理局) as a bureau workbook: what the demo loads, with its history.

Deterministic for a seed and a load day. Every date is relative to the day it is built for (the load day), so the
sample works on any date: officers joined over the past ten years, kit was acquired and issued when they joined or
when it was replaced, auxiliaries were cut back, two officers left this year. `build_sample_history` writes the
bureau as it stood at a few past moments (STAGE_DAYS before the load day) and `load_sample_bureau` imports them in
order, each dated at its moment, so the ledger and the personnel history carry that past and a compliance report
"as of" a past date gives the past answer. `build_sample_workbook` writes the bureau as it stands today (the last
stage), for `qm import`. It holds what a real bureau holds, with a few deliberate gaps so that compliance
has something to report: frontline share below 90 % at bureau level, two expired certificates, two departed
officers still holding uniforms (one also a certificate), squadrons short of recorders, terminals and radios,
a squadron without an information system, a brigade without a camera, one with a single storage device,
one without a fax, a seal without a custodian, a few uniforms past replacement, a few officers without an
armband, two auxiliaries' work cards run out, a vehicle without compliant livery and one with lapsed insurance.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import zlib
from decimal import Decimal
from pathlib import Path

from workbook.writer import write_workbook

BRIGADES = (("CZ-TN", "天宁大队", 700_000), ("CZ-ZL", "钟楼大队", 650_000), ("CZ-XB", "新北大队", 800_000))
SQUADRON_NAMES = ("第一中队", "第二中队", "第三中队")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌宇浩鹏飞俊峰辉健林波宁凯晨"

# (item type, service years, sizes) issued to every active officer; 胸号 etc. come separately.
UNIFORM_KIT = (("春秋执勤服", 4, ("165/84A", "170/88A", "175/92A", "180/96A")),
               ("夏执勤服", 4, ("165/84A", "170/88A", "175/92A", "180/96A")),
               ("冬执勤服", 4, ("165/84A", "170/88A", "175/92A", "180/96A")),
               ("帽", 4, ("56", "57", "58", "59")), ("皮鞋", 2, ("40", "41", "42", "43")))
INSIGNIA_KIT = ("帽徽", "肩章", "领花", "臂章", "胸徽", "胸号")
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


STAGE_DAYS = (4 * 365, 3 * 365, 2 * 365, 365, 120, 0)  # the past moments the sample is recorded at (days ago)


class _Bureau:
    """Rows with their dates: each person and asset knows since when it exists and its status from which day, so
    the workbook of any day before the load day can be written (`sheets(day)`)."""

    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.today = today
        self.units: list[list] = []
        self.people: list[dict] = []
        self.assets: list[dict] = []
        self.vehicles: list[dict] = []
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

    def ago(self, newest_days: int, oldest_days: int, *, not_before: dt.date | None = None) -> dt.date:
        """A day between `oldest_days` and `newest_days` before the load day (and not before `not_before`)."""
        day = self.today - dt.timedelta(days=self.rng.randint(newest_days, oldest_days))
        return max(day, not_before) if not_before else day

    def person(self, row: list, joined: dt.date, left: tuple[dt.date, str] | None = None) -> list:
        self.people.append({"row": row, "since": joined, "states": [(joined, "active"), *([left] if left else [])]})
        return row

    def asset(self, prefix: str, category: str, item: str, unit: str, holder: str = "", status: str = "",
              serial: str = "", model: str = "", size: str = "", acquired: dt.date | None = None,
              service_years: int | None = None, later: tuple[tuple[dt.date, str], ...] = (),
              expires: dt.date | None = None) -> str:
        """An asset acquired on `acquired` (issued to `holder` then, if any) whose status changes on the `later`
        days; the status it has today is `status` (default: issued if held, else in stock)."""
        acquired = acquired or self.ago(90, 5 * 365)
        first = status or ("issued" if holder else "in_stock")
        tag = self.tag(prefix)
        price, card = _finance(category, item, tag, acquired)
        self.assets.append({"row": [tag, category, item, unit, holder, first, serial, model, size, acquired,
                                    service_years, expires, price, card], "since": acquired,
                            "states": [(acquired, first), *later]})
        return tag

    def sheets(self, day: dt.date) -> dict[str, list[list]]:
        """The personnel, assets and vehicles sheets as they stood at the end of `day`."""
        def at(records):
            for record in records:
                if record["since"] <= day:
                    status = [s for since, s in record["states"] if since <= day][-1]
                    yield record["row"], status

        people = [[*row[:5], status, *row[6:]] for row, status in at(self.people)]
        assets = []
        for row, status in at(self.assets):
            holder = row[4] if status == "issued" else ""
            assets.append([*row[:4], holder, status, *row[6:]])
        vehicles = [[*row[:5], "" if status == "retired" else row[5], row[6], status, *row[8:]]
                    for row, status in at(self.vehicles)]
        return {"personnel": people, "assets": assets, "vehicles": vehicles}


# Acquisition prices (原值, yuan) by category, or by item where a category's items differ; each asset's price varies
# by up to ±10 % with its tag (no draw from the seeded generator: the sample's people and kit stay as they were).
PRICES = {"uniform": 420, "insignia": 35, "certificate": None, "aux_uniform": 260, "aux_card": None, "seal": 300,
          "recorder": 2600, "mobile_terminal": 3800, "radio": 1450, "info_system": 16800, "camera": 12500,
          "storage": 1100, "protective": 180}
ITEM_PRICES = {"冬执勤服": 680, "帽": 120, "皮鞋": 380, "防刺背心": 950, "钢盔": 420, "计算机": 5600, "电话": 260,
               "传真机": 1800, "复（打）印机": 3900, "扫描仪": 2200}
# Fixed assets (固定资产) carry a card in the finance books; clothing and insignia are expensed (no card).
CARDED = {"recorder", "mobile_terminal", "radio", "info_system", "camera", "storage", "office", "seal"}


def _finance(category: str, item: str, tag: str, acquired: dt.date) -> tuple[Decimal | None, str]:
    base = ITEM_PRICES.get(item, PRICES.get(category))
    if base is None:
        return None, ""
    spread = (zlib.crc32(tag.encode()) % 21 - 10) / 100
    price = (Decimal(base) * (1 + Decimal(str(spread)))).quantize(Decimal("1"))
    card = f"ZC{acquired.year}-{tag}" if category in CARDED else ""
    return price, card


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


def _joined(b: _Bureau, *, founder_share: float = 0.7) -> dt.date:
    """When someone joined: most before the oldest stage, the rest since (the last two months excepted)."""
    if b.rng.random() < founder_share:
        return b.ago(STAGE_DAYS[0] + 1, 10 * 365)
    return b.ago(60, STAGE_DAYS[0])


def _people(b: _Bureau, squadrons: list[str]) -> tuple[list[list], list[list], list[list]]:
    """Officers, auxiliaries and departed officers, as personnel rows (all of them also go to `b.people`)."""
    posts = [("CZ-BGS", 4, 0), ("CZ-ZD", 8, 4)] + [(code, 4, 2) for code, _n, _p in BRIGADES]
    posts += [(code, 10 + (i % 3 == 0), 10 + (i % 3 == 0)) for i, code in enumerate(squadrons)]
    officers, auxiliaries = [], []
    number = 0
    for unit, count, frontline in posts:
        for i in range(count):
            number += 1
            expires = b.ago(-3 * 365, -200)
            officers.append([f"CZ{number:04d}", b.name(), unit, "officer", i < frontline, "active",
                             f"苏城执{32040000 + number}", expires, f"3204{number:04d}"])
    # Two certificates ran out a few months ago (valid-certificate has something to report).
    officers[20][7] = b.today - dt.timedelta(days=155)
    officers[57][7] = b.today - dt.timedelta(days=93)
    for officer in officers:
        b.person(officer, _joined(b))
    for i, unit in enumerate(squadrons * 3 + ["CZ-TN", "CZ-ZL", "CZ-XB"]):
        auxiliaries.append(b.person([f"XG{i + 1:03d}", b.name(), unit, "auxiliary", True, "active", "", None, ""],
                                    b.ago(STAGE_DAYS[3] + 30, 8 * 365)))
    # Auxiliaries are being cut back (auxiliaries-decreasing): six left half a year ago.
    for i, unit in enumerate(squadrons[:6]):
        b.person([f"XG{len(auxiliaries) + i + 1:03d}", b.name(), unit, "auxiliary", True, "active", "", None, ""],
                 b.ago(STAGE_DAYS[0] + 30, 9 * 365), (b.today - dt.timedelta(days=200), "transferred"))
    departed = [b.person(["CZ0901", b.name(), "CZ-TN-01", "officer", True, "active", "苏城执32040901",
                          b.today + dt.timedelta(days=180), "32040901"],
                         b.ago(STAGE_DAYS[0] + 1, 9 * 365), (b.today - dt.timedelta(days=100), "transferred")),
                b.person(["CZ0902", b.name(), "CZ-ZL-02", "officer", True, "active", "苏城执32040902",
                          b.today + dt.timedelta(days=30), "32040902"],
                         b.ago(STAGE_DAYS[0] + 1, 9 * 365), (b.today - dt.timedelta(days=45), "retired"))]
    b.person(["CZ0903", b.name(), "CZ-XB-01", "officer", False, "active", "苏城执32040903",
              b.today + dt.timedelta(days=300), "32040903"],
             b.ago(STAGE_DAYS[2], 6 * 365), (b.today - dt.timedelta(days=30), "suspended"))
    return officers, auxiliaries, departed


def _joined_on(b: _Bureau, staff_no: str) -> dt.date:
    return next(p["since"] for p in b.people if p["row"][0] == staff_no)


def _officer_kit(b: _Bureau, officer: list, *, uniforms_only: bool = False) -> None:
    """Uniforms replaced every `service_years` (the one replaced retired when its successor was issued), insignia
    and the certificate from the day the officer joined."""
    staff_no, unit = officer[0], officer[2]
    joined = _joined_on(b, staff_no)
    size_index = b.rng.randrange(4)
    for item, years, sizes in UNIFORM_KIT:
        life = years * 365
        # Every tenth item is past replacement (uniform-replacement reports it).
        if b.rng.random() < 0.1:
            current = b.ago(life + 30, life + 300, not_before=joined)
        else:
            current = b.ago(30, life - 30, not_before=joined)
        if current - dt.timedelta(days=life) >= joined:
            b.asset("FZ", "uniform", item, unit, staff_no, size=sizes[size_index], service_years=years,
                    acquired=current - dt.timedelta(days=life + b.rng.randint(0, 60)), status="issued",
                    later=((current, "retired"),))
        b.asset("FZ", "uniform", item, unit, staff_no, size=sizes[size_index], acquired=current, service_years=years)
    if uniforms_only:
        return
    for item in INSIGNIA_KIT:
        if item == "臂章" and b.rng.random() < 0.03:
            continue  # a few officers never got their armband (full-insignia-set reports them)
        b.asset("BZ", "insignia", item, unit, staff_no, serial=officer[8] if item == "胸号" else "",
                acquired=min(b.today, joined + dt.timedelta(days=b.rng.randint(0, 7))))
    b.asset("ZJ", "certificate", "行政执法证", unit, staff_no, serial=officer[6], acquired=joined)


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
            joined = _joined_on(b, officer[0])
            if i < len(staff) - short_recorders.get(unit, 0):
                b.asset("JLY", "recorder", "执法记录仪", unit, officer[0], serial=f"DSJ{b.rng.randrange(10**8):08d}",
                        model="DSJ-V9", acquired=b.ago(60, 4 * 365, not_before=joined), service_years=5)
            if i < len(staff) - short_terminals.get(unit, 0):
                b.asset("ZFT", "mobile_terminal", "执法通", unit, officer[0], serial=f"ZFT{b.rng.randrange(10**8):08d}",
                        model="ZFT-5", acquired=b.ago(60, 3 * 365, not_before=joined), service_years=4)
        radios = math.ceil(len(staff) / 2) - (1 if unit == "CZ-TN-02" else 0)
        for _ in range(radios):
            b.asset("DJJ", "radio", "对讲机", unit, status="issued", model="PD680", acquired=b.ago(100, 6 * 365))
    # Spares in the stores, one recorder away for repair, one radio lost, one old recorder retired.
    b.asset("JLY", "recorder", "执法记录仪", "CZ-ZD", model="DSJ-V9", acquired=b.ago(30, 400))
    b.asset("JLY", "recorder", "执法记录仪", "CZ-TN", model="DSJ-V9", acquired=b.ago(400, 900),
            later=((b.today - dt.timedelta(days=20), "in_repair"),))
    b.asset("JLY", "recorder", "执法记录仪", "CZ-ZL", model="DSJ-V7", acquired=b.today - dt.timedelta(days=9 * 365),
            later=((b.today - dt.timedelta(days=500), "retired"),))
    b.asset("DJJ", "radio", "对讲机", "CZ-XB-01", model="PD680", status="issued", acquired=b.ago(400, 1500),
            later=((b.today - dt.timedelta(days=10), "lost"),))

    for squadron in squadrons:
        if squadron != "CZ-XB-03":
            b.asset("XT", "info_system", "车载台", squadron, status="issued", model="CT-300")
        b.asset("FH", "protective", "警示隔离设备", squadron)
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
        joined = _joined_on(b, person[0])
        for item in kit:
            if item == "防刺背心" and person[2] == "CZ-TN-03" and person[0] in {o[0] for o in by_unit["CZ-TN-03"][:2]}:
                continue
            b.asset("FH", "protective", item, person[2], person[0], acquired=b.ago(30, 3 * 365, not_before=joined))

    # Auxiliaries wear their own uniform and carry a work card (协管人员 统一着装，持证上岗); two cards ran out.
    for i, person in enumerate(auxiliaries):
        joined = _joined_on(b, person[0])
        b.asset("XGF", "aux_uniform", "协管人员制服", person[2], person[0], acquired=b.ago(30, 2 * 365, not_before=joined),
                service_years=3)
        card = b.today - dt.timedelta(days=40 + i) if i in (3, 17) else b.ago(-3 * 365, -90)
        b.asset("XGZ", "aux_card", "协管人员工作证", person[2], person[0], serial=f"XGZ{i + 1:04d}",
                acquired=joined, expires=card)

    seal_keepers = {unit: staff[0][0] for unit, staff in by_unit.items()}
    for unit, name in (("CZ-ZD", "行政执法专用章"), *((code, "大队执法专用章") for code, _n, _p in BRIGADES)):
        # 钟楼大队's seal sits in a drawer with nobody answerable for it (seal-custodian reports it).
        holder = "" if unit == "CZ-ZL" else seal_keepers[unit]
        since = _joined_on(b, holder) if holder else None
        b.asset("YZ", "seal", name, unit, holder, status="issued" if holder else "in_stock",
                acquired=b.ago(7 * 365, 7 * 365, not_before=since))


def _vehicles(b: _Bureau, squadrons: list[str]) -> None:
    homes = [s for s in squadrons for _ in range(4)] + [c for c, _n, _p in BRIGADES for _ in range(3)]
    homes += ["CZ-ZD"] * 4 + ["CZ-BGS"]
    for i, unit in enumerate(homes, start=1):
        kind, seats = b.rng.choice((("轿车", 5), ("轿车", 5), ("SUV", 5), ("商务车", 7), ("皮卡", 5)))
        vin = "LSV" + "".join(b.rng.choices("ABCDEFGHJKLMNPRSTUVWXYZ0123456789", k=14))
        acquired = b.ago(200, 8 * 365)
        insurance = b.today - dt.timedelta(days=60) if i == 50 else b.ago(-350, -20)
        row = [f"苏D·A{i:04d}", unit, seats, vin, kind, f"T{i:04d}", i != 49, "in_service", acquired, insurance,
               b.ago(-350, -20)]
        if i == 44:  # retired last winter: on record since then, its terminal unbound (SPEC "Vehicle file")
            retired = b.today - dt.timedelta(days=300)
            b.vehicles.append({"row": row, "since": retired, "states": [(retired, "retired")]})
            continue
        later = [(b.today - dt.timedelta(days=15), "in_repair")] if i in (7, 31) else []
        b.vehicles.append({"row": row, "since": acquired, "states": [(acquired, "in_service"), *later]})


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


def _trips(today: dt.date) -> list[list]:
    tz = dt.timezone(dt.timedelta(hours=8))

    def at(days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour, minute), tzinfo=tz)

    return [
        ["苏D·A0001", at(3, 9), at(3, 12), "周末占道经营专项整治", 31.7812, 119.9731, "王建国"],
        ["苏D·A0003", at(3, 18, 30), at(3, 21), "夜市油烟扰民投诉处置", 31.7718, 119.9552, "王建国"],
        ["苏D·A0013", at(4, 14), at(4, 17), "市容环境联合检查", 31.7905, 119.9380, "李志强"],
        ["苏D·A0025", at(2, 7), at(2, 10), "渣土车夜查交接", None, None, "赵海峰"],
    ]


def _build(seed: int, today: dt.date | None) -> tuple[_Bureau, list[str]]:
    if today is None:
        from django.utils import timezone

        today = timezone.localdate()
    b = _Bureau(seed, today)
    squadrons = _units(b)
    officers, auxiliaries, departed = _people(b, squadrons)
    _assets(b, squadrons, officers, auxiliaries, departed)
    _vehicles(b, squadrons)
    return b, squadrons


def _write(b: _Bureau, squadrons: list[str], day: dt.date, path: Path, headers: str) -> Path:
    return write_workbook(path, {
        "units": b.units, **b.sheets(day), "duty_schedules": _duty_schedules(squadrons), "holidays": _holidays(),
        "trips": _trips(b.today) if day == b.today else [],
    }, headers=headers, import_only=True)


def build_sample_workbook(path: str | Path, *, seed: int = 1, headers: str = "en",
                          today: dt.date | None = None) -> Path:
    """Writes the sample bureau as it stands on `today` (default: today in Asia/Shanghai) to `path` (XLSX if it
    ends .xlsx, else a folder of CSV files)."""
    b, squadrons = _build(seed, today)
    return _write(b, squadrons, b.today, Path(path), headers)


def build_sample_history(folder: str | Path, *, seed: int = 1, today: dt.date | None = None,
                         headers: str = "en") -> list[tuple[dt.date, Path]]:
    """The sample bureau at each of STAGE_DAYS before `today`, oldest first: (day, workbook folder) pairs."""
    b, squadrons = _build(seed, today)
    folder = Path(folder)
    out = []
    for days in STAGE_DAYS:
        day = b.today - dt.timedelta(days=days)
        out.append((day, _write(b, squadrons, day, folder / f"stage-{day.isoformat()}", headers)))
    return out


def load_sample_bureau(*, seed: int = 1) -> list:
    """Imports the sample bureau's history into the registry, each stage dated at its day (09:00 Asia/Shanghai;
    the last one now): the ledger, personnel history and vehicle files then answer for the past. Returns the
    ImportResult of each stage; raises WorkbookError as `qm import` would."""
    import tempfile

    from django.utils import timezone

    from workbook.importer import WorkbookImport
    from workbook.reader import Workbook

    today = timezone.localdate()
    tz = dt.timezone(dt.timedelta(hours=8))
    results = []
    with tempfile.TemporaryDirectory(prefix="qm-sample-") as tmp:
        for day, path in build_sample_history(tmp, seed=seed, today=today):
            now = None if day == today else dt.datetime.combine(day, dt.time(9), tzinfo=tz)
            with Workbook(path) as book:
                results.append(WorkbookImport(book, now=now).run())
    return results
