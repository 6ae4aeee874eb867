"""Role start pages in headless Chromium: each role lands on its page with the figures of a small bureau, and a
brigade-scoped user sees only its brigade's figures.

The bureau (the shared `bureau` fixture plus what `build_dashboard_bureau` adds; only the 帽 entitlement active):
  CZ-TN: caps TN-CAP-1..3 (one issued to officer P001 four years less ten days ago: due in ten days),
         radios TN-R-1..4 (one issued to P001, one held by P004 who retired without a checklist); vehicles 苏D·A0001 (in service, moving, insurance expires in
         10 days, an ended alert whose case awaits review, one whose case is dismissed, an ended terminal_silent
         (no case: done when over)), 苏D·A0002 (in repair, never reported).
  CZ-WJ: caps WJ-CAP-1..2, radios WJ-R-1..5 in stock, WJ-R-6 held by officer P003 who has left (open checklist);
         officer P002 holds no cap (entitled, not held); vehicles 苏D·A0003 (in service, an ongoing alert,
         inspection expired 5 days ago), 苏D·A0004 (retired), 苏D·A0005 (in service, stopped).
"""
import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from assets import services as ledger
from compliance.services import compliance_report
from assets.models import ItemType
from telematics import services as fleet
from telematics.tracking.models import Alert, AlertCase, Position
from tests.support.fixtures import make_user
from uniforms import services as logistics
from uniforms.models import Departure, Entitlement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _local(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def _years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def reseed() -> None:
    """Put back the categories, item types and entitlements the migrations seed (a transactional test's flush
    empties every table)."""
    for module in ("assets.migrations.0002_seed_and_append_only", "uniforms.migrations.0002_seed_entitlements"):
        importlib.import_module(module).seed(django_apps, None)


def build_dashboard_bureau(bureau) -> dict:
    units = bureau["units"]
    today = timezone.localdate()
    long_ago = _local(today - dt.timedelta(days=6 * 365))
    cap = ItemType.objects.get(category_id="uniform", code="cap")
    Entitlement.objects.exclude(item_type=cap).update(active=False)
    logistics.entitlement_set(item_type=cap, quantity=1, service_years=4)
    p001 = bureau["officer"]
    ledger.person_create(staff_no="P002", name="王五", unit=units["CZ-WJ-01"], role="officer")
    p003 = ledger.person_create(staff_no="P003", name="赵六", unit=units["CZ-WJ-01"], role="officer")

    def assets(prefix, category, unit, n, **kw):
        return [ledger.asset_create(tag=f"{prefix}-{i}", category=category, unit=units[unit], at=long_ago, **kw)
                for i in range(1, n + 1)]

    tn_caps = assets("TN-CAP", "uniform", "CZ-TN", 3, item="帽", size="57")
    issued_on = _years_ago(today, 4) + dt.timedelta(days=10)
    ledger.asset_issue(asset=tn_caps[0], person=p001, at=_local(issued_on))
    tn_radios = assets("TN-R", "radio", "CZ-TN", 4)
    ledger.asset_issue(asset=tn_radios[0], person=p001, at=_local(today - dt.timedelta(days=30)))
    p004 = ledger.person_create(staff_no="P004", name="钱七", unit=units["CZ-TN-01"], role="officer")
    ledger.asset_issue(asset=tn_radios[1], person=p004, at=_local(today - dt.timedelta(days=30)))
    ledger.person_update(person=p004, status="retired")
    # Records from before departures opened their checklist themselves: a leaver holding items, no checklist.
    Departure.objects.filter(person=p004).delete()
    assets("WJ-CAP", "uniform", "CZ-WJ", 2, item="帽", size="58")
    wj_radios = assets("WJ-R", "radio", "CZ-WJ", 6)
    ledger.asset_issue(asset=wj_radios[5], person=p003, at=_local(today - dt.timedelta(days=30)))
    logistics.person_depart(person=p003, kind="transferred", effective=today - dt.timedelta(days=1))

    def vehicle(plate, unit, terminal=None, **kw):
        fields = {"seats": 5, "vin": f"LSVAB2BM5KN0000{plate[-1]}", "acquired": today - dt.timedelta(days=400),
                  "insurance_expires": today + dt.timedelta(days=200),
                  "inspection_expires": today + dt.timedelta(days=200)}
        fields.update(kw)
        return fleet.vehicle_create(plate=plate, unit=units[unit], terminal_id=terminal, **fields)

    v1 = vehicle("苏D·A0001", "CZ-TN", "T0001", insurance_expires=today + dt.timedelta(days=10))
    vehicle("苏D·A0002", "CZ-TN", status="in_repair")
    v3 = vehicle("苏D·A0003", "CZ-WJ", "T0003", inspection_expires=today - dt.timedelta(days=5))
    vehicle("苏D·A0004", "CZ-WJ", status="retired")
    v5 = vehicle("苏D·A0005", "CZ-WJ", "T0005")
    now = timezone.now()
    for v, speed, age in ((v1, 32.0, 60), (v3, 0.0, 30), (v5, 0.0, 45)):
        ts = now - dt.timedelta(seconds=age)
        Position.objects.create(terminal=v.terminal_id, ts=ts, vehicle=v, lat=31.78, lon=119.95, speed=speed,
                                heading=90.0, received_at=ts)

    def alert(v, kind, status, hours_ago, ended=True):
        started = now - dt.timedelta(hours=hours_ago)
        return Alert.objects.create(vehicle=v, terminal=v.terminal_id, kind=kind, started_at=started,
                                    ended_at=started + dt.timedelta(minutes=20) if ended else None,
                                    status=status, clause="test", venue="某酒楼" if kind == "venue_parking" else "")

    alert(v1, "off_duty_use", "closed", 5)
    decided = alert(v1, "off_duty_use", "closed", 30)
    AlertCase.objects.create(alert=decided, state="dismissed", deadline=now)  # its case is decided: done with
    alert(v1, "terminal_silent", "closed", 3)  # not a case kind: done with once the episode is over
    alert(v3, "venue_parking", "open", 1, ended=False)
    return {"today": today}


@pytest.fixture
def dashboard_bureau(bureau, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reseed()
    return build_dashboard_bureau(bureau)


@pytest.fixture
def browser(browser_page, live_server, screenshot, monkeypatch):
    """browser(user) -> a page of the live server signed in as `user` (conftest's shared Chromium)."""
    # Playwright's sync API keeps an event loop on this thread; the test's ORM calls are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    def open_as(user=None):
        return browser_page(user)

    open_as.base = live_server.url
    open_as.shot = screenshot
    return open_as


def cell(page, selector: str) -> str:
    return page.locator(selector).inner_text().strip()


def check_logistics(bureau, browser):
    page = browser(make_user("logi", "logistics", unit=bureau["units"]["CZ"]))
    page.goto(browser.base + "/")
    assert page.locator("#start-title").get_attribute("data-role") == "logistics"
    assert cell(page, "#current-unit") == "常州市城市管理局"
    radios = '#stock-table tr[data-category="radio"]'
    assert [cell(page, f'{radios} td[data-col="{c}"]') for c in ("in_stock", "issued", "lost", "counted")] == \
        ["7", "3", "0", "10"]
    assert cell(page, '#stock-table tr[data-category="uniform"] td[data-col="in_stock"]') == "4"
    assert cell(page, "#fig-in-stock") == "11"
    categories = page.locator("#stock-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.category)")
    assert categories == ["uniform", "radio"]  # SPEC's order, not the codes' alphabetical one
    # P001's cap falls due in ten days; P002 is entitled to a cap and holds none; P003 and P004 have left.
    assert [cell(page, f'#replacements [data-count="{k}"]') for k in ("due", "overdue", "not_held")] == ["1", "0", "1"]
    assert (cell(page, "#fig-replacements"), cell(page, "#fig-not-held")) == ("1", "1")
    assert page.locator('#departures-table tr[data-staff="P003"] td[data-col="open"]').inner_text() == "1 / 1"
    p004 = page.locator('#departures-table tr[data-staff="P004"]')
    assert p004.locator('td[data-col="open"]').inner_text() == "1 / 1"
    assert p004.locator('[data-col="no-checklist"]').count() == 1
    assert cell(page, "#fig-departures") == "2"
    nav = page.locator("#main-nav a").evaluate_all("links => links.map(a => a.getAttribute('data-nav'))")
    assert nav == ["start", "alerts", "people", "assets", "departures", "handover", "stocktake", "recorders",
                   "inventory", "disposals", "procurement",
                   "compliance", "footage", "api-docs"]
    browser.shot(page, "start-logistics")


def check_fleet(browser):
    page = browser(make_user("fleet", "fleet", unit=None))
    page.goto(browser.base + "/")
    assert page.locator("#start-title").get_attribute("data-role") == "fleet"
    assert cell(page, "#current-unit") == "全局"
    status = {s: cell(page, f'#vehicle-status-table td[data-status="{s}"]') for s in ("in_service", "in_repair", "retired")}
    assert status == {"in_service": "3", "in_repair": "1", "retired": "1"}
    live = {s: cell(page, f'#vehicle-live-table td[data-live="{s}"]') for s in ("moving", "stopped", "offline", "in_alert")}
    assert live == {"moving": "1", "stopped": "1", "offline": "1", "in_alert": "1"}
    assert cell(page, "#fig-alerts") == "2"  # the dismissed case and the ended terminal_silent are done with
    assert page.locator("#alerts-table tbody tr").count() == 2
    assert "某酒楼" in cell(page, "#alerts-table tbody tr:first-child")
    assert cell(page, "#alerts-table tbody tr:last-child td:last-child") == "已结束 · 待说明"  # episode · case
    expiring = page.locator("#expiring-table tbody tr")
    assert expiring.count() == 2
    assert expiring.nth(0).get_attribute("data-plate") == "苏D·A0003"  # expired five days ago: first
    assert expiring.nth(0).locator("td").last.get_attribute("data-days-left") == "-5"
    assert expiring.nth(0).locator("td").last.inner_text() == "已过期 5 天"
    assert expiring.nth(1).get_attribute("data-what") == "insurance"
    nav = page.locator("#main-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert nav[:4] == ["/", "/map/", "/map/replay/", "/vehicles/"]
    browser.shot(page, "start-fleet")
    page.click('#main-nav a[data-nav="replay"]')
    page.wait_for_url("**/map/replay/")
    assert page.locator("#main-nav a.active").get_attribute("data-nav") == "replay"  # not "map"


def check_auditor(dashboard_bureau, bureau, browser):
    root = bureau["units"]["CZ"]
    expected = compliance_report(unit=root, standard_id="jiangsu", as_of=dashboard_bureau["today"]).data
    page = browser(make_user("audit", "auditor", unit=root))
    page.goto(browser.base + "/")
    assert page.locator("#start-title").get_attribute("data-role") == "auditor"
    section = page.locator('.compliance-summary[data-root="CZ"]')
    for status, count in expected["summary"].items():
        assert cell(section, f'[data-summary="{status}"]') == str(count)
    fails = {r["unit"] for r in expected["results"] if r["status"] == "fail"}
    assert fails, "the fixture bureau must fail somewhere for this test to mean anything"
    unit = min(fails)
    row = section.locator(f'tr[data-unit="{unit}"]')
    assert row.get_attribute("class") == "fail"
    failing = sum(1 for r in expected["results"] if r["unit"] == unit and r["status"] == "fail")
    assert row.locator("td").nth(2).inner_text() == str(failing)
    failing_units = {}
    for r in expected["results"]:
        if r["status"] == "fail":
            failing_units.setdefault(r["rule"], set()).add(r["unit"])
    rules = section.locator(".failing-rules tbody tr")
    assert rules.count() == len(failing_units)
    assert cell(rules.nth(0), '[data-col="units"]') == str(max(len(u) for u in failing_units.values()))
    browser.shot(page, "start-auditor")
    row.locator("a.report-link").click()
    page.wait_for_load_state()
    assert f"unit={unit}" in page.url and "standard=jiangsu" in page.url
    assert page.locator("#report-unit").count() == 1

    page.goto(browser.base + "/?standard=model")
    assert page.locator("#standard-select").input_value() == "model"
    page.goto(browser.base + "/?standard=nope")
    assert "未知的标准 'nope'" in cell(page, "#start-error")


def check_administrator(bureau, browser):
    page = browser(make_user("admin", "administrator"))
    page.goto(browser.base + "/")
    assert page.locator("#start-title").get_attribute("data-role") == "administrator"
    assert cell(page, "#fig-vehicles") == "4"  # the retired one is not counted
    links = set(page.locator("#pages a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert {"/map/", "/map/replay/", "/vehicles/", "/issue/", "/compliance/", "/admin/", "/api/docs/"} <= links
    admin_pages = page.locator("#admin-pages a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert {"/users/", "/units/",
            "/admin/gis/layerversion/"} <= set(admin_pages)
    page.locator('#role-pages a[data-role="fleet"]').click()
    page.wait_for_load_state()
    assert page.locator("#start-title").get_attribute("data-role") == "fleet"
    assert cell(page, "#fig-alerts") == "2"

    other = browser(get_user_model().objects.get(username="logi"))
    response = other.goto(browser.base + "/start/fleet/")
    assert response.status == 403


def test_each_role_lands_on_its_start_page_with_the_figures_of_its_scope(dashboard_bureau, bureau, browser):
    """One bureau for the four roles (a transactional test's flush and rebuild cost more than the pages)."""
    check_logistics(bureau, browser)
    check_fleet(browser)
    check_auditor(dashboard_bureau, bureau, browser)
    check_administrator(bureau, browser)


def test_brigade_scoped_users_see_only_their_brigade(dashboard_bureau, bureau, browser):
    tn = bureau["units"]["CZ-TN"]
    page = browser(make_user("logi-tn", "logistics", unit=tn))
    page.goto(browser.base + "/")
    assert cell(page, "#current-unit") == "天宁大队"
    radios = '#stock-table tr[data-category="radio"]'
    assert [cell(page, f'{radios} td[data-col="{c}"]') for c in ("in_stock", "issued")] == ["2", "2"]
    assert [cell(page, f'#replacements [data-count="{k}"]') for k in ("due", "not_held")] == ["1", "0"]
    staff = page.locator("#departures-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.staff)")
    assert staff == ["P004"]  # P003 left CZ-WJ
    browser.shot(page, "start-logistics-brigade")

    page = browser(make_user("fleet-tn", "fleet", unit=tn))
    page.goto(browser.base + "/")
    status = {s: cell(page, f'#vehicle-status-table td[data-status="{s}"]') for s in ("in_service", "in_repair", "retired")}
    assert status == {"in_service": "1", "in_repair": "1", "retired": "0"}
    live = {s: cell(page, f'#vehicle-live-table td[data-live="{s}"]') for s in ("moving", "stopped", "offline", "in_alert")}
    assert live == {"moving": "1", "stopped": "0", "offline": "1", "in_alert": "0"}
    assert cell(page, "#fig-alerts") == "1"
    assert "苏D·A0003" not in page.inner_text("main")
    assert [r.get_attribute("data-plate") for r in page.locator("#expiring-table tbody tr").all()] == ["苏D·A0001"]

    page = browser(make_user("audit-tn", "auditor", unit=tn))
    page.goto(browser.base + "/")
    units = page.locator(".compliance-summary tr[data-unit]").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-unit'))")
    assert units and all(code.startswith("CZ-TN") for code in units)
    assert page.locator('.compliance-summary[data-root="CZ-TN"]').count() == 1
    browser.shot(page, "start-auditor-brigade")


def test_user_without_a_role_is_told_so(db, browser):
    page = browser(make_user("nobody", None))
    response = page.goto(browser.base + "/")
    assert response.status == 403
    assert page.locator("#no-role").count() == 1
    assert page.locator("#main-nav a").count() == 0
