"""In Chromium: a logistics officer works from the person page (open the departure checklist, take an item back,
close it), finds things with the top bar's search, and filters and exports a list."""
import csv
import datetime as dt
import io
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from assets import services
from assets.choices import UserRole
from tests.support.fixtures import build_bureau, make_user
from uniforms.models import Departure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ISSUED = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def office(monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A transactional test before this one may have flushed the seeded categories.
    import_module("assets.migrations.0002_seed_and_append_only").seed(django_apps, None)
    bureau = build_bureau()
    unit, officer = bureau["units"]["CZ-TN-01"], bureau["officer"]
    for tag, category, item in (("FZ-001", "uniform", "夏执勤短袖衬衣"), ("JL-001", "recorder", "执法记录仪")):
        asset = services.asset_create(tag=tag, category=category, unit=unit, item=item, serial=f"SN-{tag}",
                                      service_years=2 if category == "uniform" else None,
                                      at=ISSUED - dt.timedelta(days=1))
        services.asset_issue(asset=asset, person=officer, at=ISSUED)
    services.asset_create(tag="JL-002", category="recorder", unit=unit, serial="SN-JL-002")
    return {"bureau": bureau, "user": make_user("logi-tn", UserRole.LOGISTICS, bureau["units"]["CZ-TN"])}


def test_person_page_open_departure_return_an_item_and_close(office, browser_page, live_server, screenshot):
    base = live_server.url
    page = browser_page(office["user"])
    page.goto(base + "/people/")
    page.click("#list-table a[href='/people/P001/']")
    page.wait_for_url(base + "/people/P001/")
    assert page.locator("#person-held tr[data-tag='FZ-001'] td[data-col='due']").inner_text() == "2026-05-06"
    screenshot(page, "person-page")

    page.select_option("#departure-kind", "transferred")
    page.fill("#departure-effective", "2026-01-10")
    page.click("#departure-open")
    page.wait_for_selector("#checklist")
    assert page.locator("#checklist tr[data-state='open']").count() == 2
    screenshot(page, "person-departure-opened")

    page.click("#departure-close")
    page.wait_for_selector("#messages .fail")
    assert not Departure.objects.get(person__staff_no="P001").closed_out

    for tag in ("JL-001", "FZ-001"):
        page.locator(f"#person-held tr[data-tag='{tag}'] input[name='note']").fill("完好")
        page.click(f"button[data-return='{tag}']")
        page.wait_for_selector(f"#checklist tr[data-tag='{tag}'][data-state='returned']")
    screenshot(page, "person-departure-returned")
    page.click("#departure-close")
    page.wait_for_selector("#departure-state[data-closed='1']")
    assert Departure.objects.get(person__staff_no="P001").closed_out
    screenshot(page, "person-departure-closed")
    assert page.errors == []


def test_global_search_finds_a_tag_and_a_person(office, browser_page, live_server, screenshot):
    base = live_server.url
    page = browser_page(office["user"])
    page.goto(base + "/")
    page.fill("#global-search-q", "SN-JL")
    page.press("#global-search-q", "Enter")
    page.wait_for_selector(".search-group[data-kind='assets']")
    assert page.locator(".search-group[data-kind='assets'] li").count() == 2
    screenshot(page, "search-results")
    page.click(".search-group[data-kind='assets'] a[href='/assets/JL-001/']")
    page.wait_for_url(base + "/assets/JL-001/")
    # One match: the box goes straight to its page (a scanned tag, a staff number).
    page.fill("#global-search-q", "张三")
    page.press("#global-search-q", "Enter")
    page.wait_for_url(base + "/people/P001/")
    assert page.errors == []


def test_a_list_filtered_and_exported(office, browser_page, live_server, screenshot):
    base = live_server.url
    page = browser_page(office["user"])
    page.goto(base + "/assets/")
    page.select_option("select[data-filter='category']", "recorder")
    page.click("#list-apply")
    page.wait_for_url("**category=recorder**")
    assert page.locator("#list-count").inner_text() == "2"
    page.click("a[data-sort='tag']")  # sorted by tag already: the header turns it round
    page.wait_for_url("**sort=-tag**")
    assert page.locator("#list-table td[data-col='tag']").all_inner_texts() == ["JL-002", "JL-001"]
    screenshot(page, "asset-list-filtered")
    with page.expect_download() as info:
        page.click("a[data-export='csv']")
    rows = list(csv.reader(io.StringIO(info.value.path().read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["JL-002", "JL-001"]
    assert page.errors == []


def test_the_hand_over_shows_holdings_and_warns_before_a_second_recorder(office, browser_page, live_server,
                                                                         screenshot):
    base = live_server.url
    page = browser_page(office["user"])
    page.goto(base + "/people/P001/")
    page.click("#person-handover")
    page.wait_for_selector("#holdings-table tr[data-tag='JL-001']")
    assert page.locator("#person").input_value() == "P001"
    held = page.locator("#holdings-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.tag)")
    assert sorted(held) == ["FZ-001", "JL-001"]
    assert page.locator("#holdings-table tr[data-tag='JL-001'] td").nth(1).inner_text() == "执法记录仪"
    page.fill("#tag", "JL-002")
    page.press("#tag", "Enter")
    page.wait_for_selector("#lines tr[data-tag='JL-002'] td.duplicate")
    assert "已持有同类装备" in page.locator("#lines tr[data-tag='JL-002'] td.reason").inner_text()
    screenshot(page, "handover-holdings-duplicate")
    page.check("#mode-return")
    assert page.locator("#note-label").inner_text() == "归还状况/备注"
    assert page.errors == []
