"""The small bureau the compliance tests compute by hand (built through the real services), and its sanity test.

Units: CZ 局 (pop 100000) → CZ-ZD 支队 → CZ-TN 大队 (pop 10000) → CZ-TN-01, CZ-TN-02 中队;
CZ-ZD → CZ-ZL 大队 (pop 8001) → CZ-ZL-01 中队; CZ-BGS 办公室 (empty) under CZ. Responsible units (unit-scoped rows):
CZ, CZ-ZD, CZ-TN, CZ-ZL.
People (effective 400 days ago unless said):
  CZ-TN-01: O1 O2 frontline, O3 not frontline (certificate expired yesterday), O4 suspended frontline,
            A1 auxiliary (work card and clothing)
  CZ-TN-02: O5 O6 frontline (each lost a certificate and holds its replacement), O7 frontline transferred 100 days
            ago still holding a uniform and his certificate
  CZ-ZL-01: O8 O10 frontline, O9 frontline without certificate, O11 retired (returned everything),
            A2 auxiliary transferred 100 days ago, A3 auxiliary whose work card expired
So n: TN 5, ZL 3, ZD 8, CZ 8; frontline: TN 4, ZL 3, CZ 7; auxiliaries now: TN 1, ZL 1; a year ago TN 1, ZL 2.
Duty: CZ works every day 08:00–18:00 (inherited by every unit); every day of the last fortnight is declared a
working day except 2 days ago, a holiday.
"""
import datetime as dt

import pytest
from django.utils import timezone

from assets import services
from telematics.models import Vehicle
from telematics.tracking.models import DockOffload

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def days_ago(n: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=n)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def build_small_bureau() -> dict:
    from telematics import services as fleet

    today = timezone.localdate()
    t0 = days_ago(400)
    start = t0.date()
    u = {}
    u["CZ"] = services.unit_create(code="CZ", name="常州市城市管理局", kind="bureau", population=100_000)
    u["CZ-ZD"] = services.unit_create(code="CZ-ZD", name="常州市城市管理行政执法支队", kind="detachment",
                                      parent=u["CZ"])
    u["CZ-BGS"] = services.unit_create(code="CZ-BGS", name="办公室", kind="office", parent=u["CZ"])
    u["CZ-TN"] = services.unit_create(code="CZ-TN", name="天宁大队", kind="brigade", parent=u["CZ-ZD"],
                                      population=10_000)
    u["CZ-ZL"] = services.unit_create(code="CZ-ZL", name="钟楼大队", kind="brigade", parent=u["CZ-ZD"],
                                      population=8_001)
    for code, parent in (("CZ-TN-01", "CZ-TN"), ("CZ-TN-02", "CZ-TN"), ("CZ-ZL-01", "CZ-ZL")):
        u[code] = services.unit_create(code=code, name=f"{code}中队", kind="squadron", parent=u[parent])

    good = dt.date(2099, 1, 1)
    p = {}

    def person(no, unit, role="officer", frontline=True, status="active"):
        p[no] = services.person_create(staff_no=no, name=f"人员{no}", unit=u[unit], role=role, frontline=frontline,
                                       status=status, effective=start)
        return p[no]

    person("O1", "CZ-TN-01")
    person("O2", "CZ-TN-01")
    person("O3", "CZ-TN-01", frontline=False)
    person("O4", "CZ-TN-01", status="suspended")
    person("A1", "CZ-TN-01", role="auxiliary", frontline=False)
    person("O5", "CZ-TN-02")
    person("O6", "CZ-TN-02")
    person("O7", "CZ-TN-02")
    person("O8", "CZ-ZL-01")
    person("O9", "CZ-ZL-01")
    person("O10", "CZ-ZL-01")
    person("O11", "CZ-ZL-01")
    person("A2", "CZ-ZL-01", role="auxiliary", frontline=False)
    person("A3", "CZ-ZL-01", role="auxiliary", frontline=False)

    a = {}
    seq = iter(range(1, 1000))

    def asset(category, unit, item="", at=t0, tag=None, **kw):
        tag = tag or f"{category[:3].upper()}-{next(seq):03d}"
        a[tag] = services.asset_create(tag=tag, category=category, unit=u[unit], item=item, at=at, **kw)
        return a[tag]

    def holds(person_no, category, unit, item="", at=t0, **kw):
        item_asset = asset(category, unit, item, at=at, **kw)
        services.asset_issue(asset=item_asset, person=p[person_no], at=at + dt.timedelta(hours=1))
        return item_asset

    # Certificates (the certificate asset is the only source): O3's expired yesterday, O5's replacement expires
    # today (still valid), O9 has none; O7 (transferred) still holds his, O11 (retired) surrendered his.
    for no, unit in (("O1", "CZ-TN-01"), ("O2", "CZ-TN-01"), ("O7", "CZ-TN-02"),
                     ("O8", "CZ-ZL-01"), ("O10", "CZ-ZL-01"), ("O11", "CZ-ZL-01")):
        holds(no, "certificate", unit, "行政执法证", tag=f"JS-{no}", expires=good)
    holds("O3", "certificate", "CZ-TN-01", "行政执法证", tag="JS-O3", expires=today - dt.timedelta(days=1))
    services.asset_return(asset=a["JS-O11"], at=days_ago(100))
    # O5's lost 10 days ago, reported after 5 days; O6's reported after exactly 3 days; each got a replacement.
    c5 = holds("O5", "certificate", "CZ-TN-02", "行政执法证", tag="JS-O5", expires=good)
    services.asset_report_lost(asset=c5, date_lost=days_ago(10).date(), date_reported=days_ago(5).date(),
                               at=days_ago(5))
    holds("O5", "certificate", "CZ-TN-02", "行政执法证", at=days_ago(5, 11), tag="JS-O5-2", expires=today)
    c6 = holds("O6", "certificate", "CZ-TN-02", "行政执法证", tag="JS-O6", expires=good)
    services.asset_report_lost(asset=c6, date_lost=days_ago(20).date(), date_reported=days_ago(17).date(),
                               at=days_ago(17))
    holds("O6", "certificate", "CZ-TN-02", "行政执法证", at=days_ago(17, 11), tag="JS-O6-2", expires=good)

    # Radios: TN-01 two in stock + one in repair; TN-02 one lost 100 days ago, one retired; ZL-01 one issued.
    asset("radio", "CZ-TN-01")
    asset("radio", "CZ-TN-01")
    services.asset_repair_out(asset=asset("radio", "CZ-TN-01"), at=days_ago(399))
    lost_radio = asset("radio", "CZ-TN-02")
    services.asset_report_lost(asset=lost_radio, date_lost=days_ago(101).date(), date_reported=days_ago(100).date(),
                               at=days_ago(100))
    services.asset_retire(asset=asset("radio", "CZ-TN-02"), at=days_ago(399))
    services.asset_issue(asset=asset("radio", "CZ-ZL-01"), person=p["O8"], at=days_ago(399))
    # A radio received 50 days ago: counted now, not 200 days ago.
    asset("radio", "CZ-ZL-01", at=days_ago(50))

    # Duty every day 08:00-18:00; the last fortnight declared working days, but for a holiday 2 days ago.
    fleet.duty_schedule_create(unit=u["CZ"], weekdays="1-7", start="08:00", end="18:00")
    for back in range(15):
        fleet.holiday_set(date=today - dt.timedelta(days=back), kind="holiday" if back == 2 else "workday")
    # Recorders: R1 to O1, R2 to O2 (issued 30 days ago); R3 in the pool, signed out to O3 for a shift 3 days ago.
    r1 = asset("recorder", "CZ-TN-01", tag="REC-1")
    r2 = asset("recorder", "CZ-TN-01", tag="REC-2")
    r3 = asset("recorder", "CZ-TN-01", tag="REC-3")
    services.asset_issue(asset=r1, person=p["O1"], at=days_ago(30))
    services.asset_issue(asset=r2, person=p["O2"], at=days_ago(30))
    services.asset_issue(asset=r3, person=p["O3"], at=days_ago(3, 9))
    services.asset_return(asset=r3, at=days_ago(3, 17))
    # Dock reports, 1 to 8 days ago, each offloaded the evening of the day recorded: R1 every day; R2 not 2 and 3
    # days ago, and 6 days ago's offloaded only 4 days ago (late); R3 recorded 5 days ago.
    for back in range(1, 9):
        DockOffload.objects.create(dock_id="D1", recorder_tag=r1.tag, recorded_on=today - dt.timedelta(days=back),
                                   ts=days_ago(back, 20))
        if back not in (2, 3):
            DockOffload.objects.create(dock_id="D1", recorder_tag=r2.tag,
                                       recorded_on=today - dt.timedelta(days=back),
                                       ts=days_ago(4 if back == 6 else back, 20))
    DockOffload.objects.create(dock_id="D2", recorder_tag=r3.tag, recorded_on=today - dt.timedelta(days=5),
                               ts=days_ago(5, 19))

    for _ in range(5):
        asset("mobile_terminal", "CZ-TN")
    asset("info_system", "CZ-TN-01")
    asset("info_system", "CZ-ZL-01")
    asset("camera", "CZ-TN")
    asset("storage", "CZ-TN")
    asset("storage", "CZ-TN")
    asset("storage", "CZ-ZL")
    for _ in range(4):
        asset("protective", "CZ-TN", item="防刺背心")
    for _ in range(3):
        asset("protective", "CZ-TN", item="钢盔")
    for _ in range(3):
        asset("protective", "CZ-TN", item="警示隔离设备")
    for item in ("计算机", "电话", "传真机", "复（打）印机", "扫描仪"):
        asset("office", "CZ-TN", item=item)
    asset("office", "CZ-ZD", item="电脑")

    # Seals: one kept by O8, one lying in stock (no custodian).
    services.asset_issue(asset=asset("seal", "CZ-ZD"), person=p["O8"], at=days_ago(399))
    asset("seal", "CZ-ZD")

    # Insignia: O1 holds the full set, O2 all but the 胸号.
    for item in ("帽徽", "肩章", "领花", "臂章", "胸徽", "胸号"):
        holds("O1", "insignia", "CZ-TN-01", item)
        if item != "胸号":
            holds("O2", "insignia", "CZ-TN-01", item)

    # Auxiliaries: A1 has an unexpired work card and clothing; A3's card expired 10 days ago.
    holds("A1", "aux_card", "CZ-TN-01", "协管人员工作证", expires=good)
    holds("A1", "aux_uniform", "CZ-TN-01", "协管制服")
    holds("A3", "aux_card", "CZ-ZL-01", "协管人员工作证", expires=today - dt.timedelta(days=10))
    holds("A3", "aux_uniform", "CZ-ZL-01", "协管制服")

    # Uniforms, due from their issue to the holder: the 春秋执勤服 (4 years) issued exactly 4 years ago is due today
    # (not past), the shoes (2 years) issued 3 years ago are overdue, 定制服装 has no known service life, O7's
    # greatcoat is fine.
    four_years = dt.datetime.combine(years_ago(4), dt.time(10), tzinfo=SHANGHAI)
    holds("O1", "uniform", "CZ-TN-01", "春秋执勤服", at=four_years - dt.timedelta(days=30), tag="UNI-SA")
    services.asset_return(asset=a["UNI-SA"], at=four_years - dt.timedelta(days=29))
    services.asset_issue(asset=a["UNI-SA"], person=p["O1"], at=four_years)
    three_years = dt.datetime.combine(years_ago(3), dt.time(10), tzinfo=SHANGHAI)
    holds("O2", "uniform", "CZ-TN-01", "皮鞋", at=three_years, tag="UNI-SHOE", acquired=years_ago(5))
    holds("O2", "uniform", "CZ-TN-01", "定制服装")
    holds("O7", "uniform", "CZ-TN-02", "执勤大衣", acquired=years_ago(1))
    # O11 returned his cap before retiring.
    cap = holds("O11", "uniform", "CZ-ZL-01", "帽", acquired=years_ago(1))
    services.asset_return(asset=cap, at=days_ago(150))

    services.person_update(person=p["O7"], status="transferred", effective=days_ago(100).date())
    services.person_update(person=p["O11"], status="retired", effective=days_ago(100).date())
    services.person_update(person=p["A2"], status="transferred", effective=days_ago(100).date())

    # Vehicle files: A0002 has no inspection record (incomplete); A0004's insurance and inspection expired long ago
    # (complete: the clause asks for the records, not their validity).
    Vehicle.objects.create(plate="苏D·A0001", vin="LSVAA4182E2000001", unit=u["CZ-TN"], seats=5,
                           livery_compliant=True, acquired=dt.date(2022, 1, 1), insurance_expires=good,
                           inspection_expires=good)
    Vehicle.objects.create(plate="苏D·A0002", vin="LSVAA4182E2000002", unit=u["CZ-ZL"], seats=4,
                           livery_compliant=False, acquired=dt.date(2022, 1, 1),
                           insurance_expires=today - dt.timedelta(days=1))
    Vehicle.objects.create(plate="苏D·A0003", unit=u["CZ-ZL"], seats=7, status="retired")
    Vehicle.objects.create(plate="苏D·A0004", vin="LSVAA4182E2000004", unit=u["CZ-ZD"], seats=2,
                           livery_compliant=True, acquired=dt.date(2020, 1, 1),
                           insurance_expires=dt.date(2023, 1, 1), inspection_expires=dt.date(2023, 1, 1))
    return {"units": u, "people": p, "assets": a, "today": today}


@pytest.fixture
def small_bureau(db):
    return build_small_bureau()


def test_fixture_builds_the_documented_bureau(small_bureau):
    from assets.models import Asset, Person

    assert Person.objects.filter(status="active", role="officer").count() == 8
    assert Asset.objects.filter(category_id="radio", status__in=("in_stock", "issued", "in_repair")).count() == 5
    assert Asset.objects.get(tag="UNI-SA").issued_at.date() == years_ago(4)
    assert Asset.objects.get(tag="JS-O5-2").holder_person == small_bureau["people"]["O5"]
    assert small_bureau["units"]["CZ-TN"].path == "/CZ/CZ-ZD/CZ-TN/"
