"""The small bureau the compliance tests compute by hand (built through the real services), and its sanity test.

Units: CZ 局 (pop 100000) → CZ-ZD 支队 → CZ-TN 大队 (pop 10000) → CZ-TN-01, CZ-TN-02 中队;
CZ-ZD → CZ-ZL 大队 (pop 8001) → CZ-ZL-01 中队; CZ-BGS 办公室 (empty) under CZ.
People (effective 400 days ago unless said):
  CZ-TN-01: O1 O2 frontline, O3 not frontline (certificate expired), O4 suspended frontline, A1 auxiliary
  CZ-TN-02: O5 O6 frontline, O7 frontline transferred 100 days ago still holding a uniform
  CZ-ZL-01: O8 O10 frontline, O9 frontline without certificate, O11 retired (returned everything),
            A2 auxiliary transferred 100 days ago
So n: TN-01 3, TN-02 2, TN 5, ZL 3, ZD 8, CZ 8; frontline: TN 4, ZL 3, CZ 7.
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

    def person(no, unit, role="officer", frontline=True, cert=True, expires=good, status="active"):
        p[no] = services.person_create(
            staff_no=no, name=f"人员{no}", unit=u[unit], role=role, frontline=frontline, status=status,
            cert_no=f"JS{no}" if cert and role == "officer" else "", cert_expires=expires if cert else None,
            effective=start)
        return p[no]

    person("O1", "CZ-TN-01")
    person("O2", "CZ-TN-01")
    person("O3", "CZ-TN-01", frontline=False, expires=today - dt.timedelta(days=1))
    person("O4", "CZ-TN-01", status="suspended")
    person("A1", "CZ-TN-01", role="auxiliary", frontline=False)
    person("O5", "CZ-TN-02", expires=today)  # expires on the day: still valid
    person("O6", "CZ-TN-02")
    person("O7", "CZ-TN-02")
    person("O8", "CZ-ZL-01")
    person("O9", "CZ-ZL-01", cert=False)
    person("O10", "CZ-ZL-01")
    person("O11", "CZ-ZL-01")
    person("A2", "CZ-ZL-01", role="auxiliary", frontline=False)

    a = {}
    seq = iter(range(1, 1000))

    def asset(category, unit, item="", at=t0, **kw):
        tag = f"{category[:3].upper()}-{next(seq):03d}"
        a[tag] = services.asset_create(tag=tag, category=category, unit=u[unit], item=item, at=at, **kw)
        return a[tag]

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

    # Recorders: R1 to O1, R2 to O2 (issued 30 days ago), one in stock.
    r1 = asset("recorder", "CZ-TN-01")
    r2 = asset("recorder", "CZ-TN-01")
    asset("recorder", "CZ-TN-01")
    services.asset_issue(asset=r1, person=p["O1"], at=days_ago(30))
    services.asset_issue(asset=r2, person=p["O2"], at=days_ago(30))
    for back in range(7):
        day = today - dt.timedelta(days=back)
        DockOffload.objects.create(dock_id="D1", recorder_tag=r1.tag, recorded_on=day, ts=days_ago(back, 20))
        if back not in (2, 3):
            DockOffload.objects.create(dock_id="D1", recorder_tag=r2.tag, recorded_on=day, ts=days_ago(back, 20))

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
    for item in ("计算机", "电话", "传真机", "复（打）印机", "扫描仪"):
        asset("office", "CZ-TN", item=item)
    asset("office", "CZ-ZD", item="电脑")

    # Seals: one kept by O8, one lying in stock (no custodian).
    services.asset_issue(asset=asset("seal", "CZ-ZD"), person=p["O8"], at=days_ago(399))
    asset("seal", "CZ-ZD")

    # Certificates: O5's lost 10 days ago, reported after 5 days; O6's reported after exactly 3 days.
    c5 = asset("certificate", "CZ-TN-02")
    services.asset_issue(asset=c5, person=p["O5"], at=days_ago(399))
    services.asset_report_lost(asset=c5, date_lost=days_ago(10).date(), date_reported=days_ago(5).date(),
                               at=days_ago(5))
    c6 = asset("certificate", "CZ-TN-02")
    services.asset_issue(asset=c6, person=p["O6"], at=days_ago(399))
    services.asset_report_lost(asset=c6, date_lost=days_ago(20).date(), date_reported=days_ago(17).date(),
                               at=days_ago(17))

    # Uniforms: due exactly today (not past), overdue, unknown service life, and one held by O7 who left.
    services.asset_issue(asset=asset("uniform", "CZ-TN-01", item="春秋执勤服", acquired=years_ago(4)),
                         person=p["O1"], at=days_ago(399))
    services.asset_issue(asset=asset("uniform", "CZ-TN-01", item="皮鞋", acquired=years_ago(3)),
                         person=p["O2"], at=days_ago(399))
    services.asset_issue(asset=asset("uniform", "CZ-TN-01", item="定制服装"), person=p["O2"], at=days_ago(399))
    services.asset_issue(asset=asset("uniform", "CZ-TN-02", item="执勤大衣", acquired=years_ago(1)),
                         person=p["O7"], at=days_ago(399))
    # O11 returned his cap before retiring.
    cap = asset("uniform", "CZ-ZL-01", item="帽", acquired=years_ago(1))
    services.asset_issue(asset=cap, person=p["O11"], at=days_ago(399))
    services.asset_return(asset=cap, at=days_ago(150))

    services.person_update(person=p["O7"], status="transferred", effective=days_ago(100).date())
    services.person_update(person=p["O11"], status="retired", effective=days_ago(100).date())
    services.person_update(person=p["A2"], status="transferred", effective=days_ago(100).date())

    Vehicle.objects.create(plate="苏D·A0001", vin="LSVAA4182E2000001", unit=u["CZ-TN"], seats=5,
                           livery_compliant=True, acquired=dt.date(2022, 1, 1), insurance_expires=good,
                           inspection_expires=good)
    Vehicle.objects.create(plate="苏D·A0002", vin="LSVAA4182E2000002", unit=u["CZ-ZL"], seats=4,
                           livery_compliant=False, acquired=dt.date(2022, 1, 1),
                           insurance_expires=today - dt.timedelta(days=1), inspection_expires=good)
    Vehicle.objects.create(plate="苏D·A0003", unit=u["CZ-ZL"], seats=7, status="retired")
    return {"units": u, "people": p, "assets": a, "today": today}


@pytest.fixture
def small_bureau(db):
    return build_small_bureau()


def test_fixture_builds_the_documented_bureau(small_bureau):
    from assets.models import Asset, Person

    assert Person.objects.filter(status="active", role="officer").count() == 8
    assert Asset.objects.filter(category_id="radio", status__in=("in_stock", "issued", "in_repair")).count() == 5
    assert small_bureau["units"]["CZ-TN"].path == "/CZ/CZ-ZD/CZ-TN/"
