"""The pages people work from: the person page (holdings with replacement dates, custody history, the departure
checklist opened, worked and closed from it), the asset and unit pages, the lists (assets.lists: search, filters,
sort, pagination, XLSX/CSV export) and the global search — each cut to the user's scope."""
import csv
import datetime as dt
import io

import pytest
from django.test import Client, RequestFactory
from openpyxl import load_workbook

from assets import services
from assets.choices import UserRole
from assets.lists import Column, Listing
from assets.models import Person
from tests.support.fixtures import make_user
from uniforms.models import Departure

pytestmark = pytest.mark.django_db
ISSUED = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.timezone.utc)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def kit(bureau):
    units, officer = bureau["units"], bureau["officer"]
    shirt = services.asset_create(tag="FZ-001", category="uniform", unit=units["CZ-TN-01"], item="夏执勤短袖衬衣",
                                  size="175/92A", service_years=2, at=ISSUED - dt.timedelta(days=1))
    recorder = services.asset_create(tag="JL-001", category="recorder", unit=units["CZ-TN-01"], serial="SN-777",
                                     at=ISSUED - dt.timedelta(days=1))
    services.asset_issue(asset=shirt, person=officer, at=ISSUED)
    services.asset_issue(asset=recorder, person=officer, at=ISSUED)
    services.asset_repair_out(asset=services.asset_create(tag="JL-002", category="recorder", unit=units["CZ-TN-01"],
                                                          at=ISSUED), at=ISSUED + dt.timedelta(hours=1),
                              note="屏幕损坏")
    outsider = services.person_create(staff_no="W001", name="王五", unit=units["CZ-WJ-01"], role="officer")
    services.asset_create(tag="WJ-001", category="recorder", unit=units["CZ-WJ-01"], serial="SN-WJ")
    return {"shirt": shirt, "recorder": recorder, "outsider": outsider}


@pytest.fixture
def logistics(bureau):
    return _client(make_user("logi-tn", UserRole.LOGISTICS, bureau["units"]["CZ-TN"]))


def test_the_person_page_shows_holdings_with_replacement_dates_and_history(kit, logistics):
    page = logistics.get("/people/P001/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "张三" in html and 'href="/units/CZ-TN-01/"' in html and "JS0001" in html
    assert 'data-tag="FZ-001"' in html and 'data-tag="JL-001"' in html
    # Uniform replacement: service_years after the issue (assets.selectors.uniform_due_on), 2 years here.
    assert "2026-05-06" in html
    assert html.count('data-action="issue"') == 2 and 'href="/assets/FZ-001/"' in html


def test_a_person_asset_or_unit_of_another_brigade_is_not_found(kit, logistics):
    assert logistics.get("/people/W001/").status_code == 404
    assert logistics.get("/assets/WJ-001/").status_code == 404
    assert logistics.get("/units/CZ-WJ-01/").status_code == 404
    assert logistics.post("/people/W001/departure/", {"kind": "transferred"}).status_code == 404
    assert not Departure.objects.exists()


def test_open_return_and_close_a_departure_from_the_person_page(kit, logistics):
    page = logistics.post("/people/P001/departure/", {"kind": "transferred", "effective": "2026-01-10"}, follow=True)
    assert page.status_code == 200
    departure = Departure.objects.get(person__staff_no="P001")
    assert departure.kind == "transferred" and departure.effective == dt.date(2026, 1, 10)
    assert Person.objects.get(staff_no="P001").status == "transferred"
    html = page.content.decode()
    assert 'data-tag="FZ-001" data-state="open"' in html and 'id="departure-close"' in html

    refused = logistics.post(f"/departures/{departure.pk}/close/", follow=True).content.decode()
    assert 'class="fail"' in refused and "张三 仍持有 FZ-001、JL-001" in refused
    departure.refresh_from_db()
    assert not departure.closed_out

    for tag in ("FZ-001", "JL-001"):
        logistics.post("/people/P001/return/", {"tag": tag, "note": "完好"})
    kit["recorder"].refresh_from_db()
    assert kit["recorder"].status == "in_stock" and kit["recorder"].holder_person is None
    assert kit["recorder"].events.order_by("-id").first().note == "完好"
    html = logistics.post(f"/departures/{departure.pk}/close/", follow=True).content.decode()
    departure.refresh_from_db()
    assert departure.closed_out and departure.closed_by == "logi-tn"
    assert 'data-closed="1"' in html and 'data-state="returned"' in html


def test_a_departed_person_without_a_checklist_gets_one_from_the_start_page_button(kit, bureau, logistics):
    # An imported record: transferred, still holding, no checklist (the start page says 未开清退单).
    Person.objects.filter(staff_no="P001").update(status="transferred")
    start = logistics.get("/").content.decode()
    assert 'data-open-checklist="P001"' in start and 'action="/people/P001/departure/"' in start
    logistics.post("/people/P001/departure/")
    departure = Departure.objects.get(person__staff_no="P001")
    assert departure.kind == "transferred" and departure.items.count() == 2


def test_an_auditor_reads_the_person_page_without_the_buttons(kit, bureau):
    auditor = _client(make_user("audit-tn", UserRole.AUDITOR, bureau["units"]["CZ-TN"]))
    html = auditor.get("/people/P001/").content.decode()
    assert "张三" in html and "departure-open" not in html and "data-return" not in html
    assert auditor.post("/people/P001/return/", {"tag": "FZ-001"}).status_code == 403


def test_the_asset_page_shows_holder_ledger_repairs_and_label(kit, logistics):
    html = logistics.get("/assets/FZ-001/").content.decode()
    assert 'href="/people/P001/"' in html and "2026-05-06" in html and "/api/v1/labels/?tags=FZ-001" in html
    assert 'data-action="receive"' in html and 'data-action="issue"' in html
    repair = logistics.get("/assets/JL-002/").content.decode()
    assert "屏幕损坏" in repair and 'data-status="in_repair"' in repair


def test_the_unit_page_shows_people_stock_and_the_compliance_link(kit, logistics):
    html = logistics.get("/units/CZ-TN/").content.decode()
    assert 'href="/compliance/?unit=CZ-TN"' in html and 'href="/units/CZ-TN-01/"' in html
    assert '<tr data-category="recorder"><td>' in html and 'data-col="total">2<' in html
    assert "WJ-001" not in html
    squadron = logistics.get("/units/CZ-TN-01/").content.decode()
    assert 'data-staff="P001"' in squadron and 'data-staff="A001"' in squadron


def test_the_asset_list_filters_sorts_pages_and_exports(kit, logistics):
    html = logistics.get("/assets/?category=recorder&sort=-tag").content.decode()
    assert html.index("JL-002") < html.index("JL-001") and "FZ-001" not in html and "WJ-001" not in html
    assert 'id="list-count">2<' in html and "print-labels" in html
    searched = logistics.get("/assets/?q=SN-777").content.decode()
    assert 'id="list-count">1<' in searched
    rows = list(csv.reader(io.StringIO(logistics.get("/assets/?category=recorder&sort=tag&export=csv")
                                       .content.decode("utf-8-sig"))))
    assert rows[0][0] == "标签号" and [r[0] for r in rows[1:]] == ["JL-001", "JL-002"]
    book = load_workbook(io.BytesIO(logistics.get("/assets/?status=issued&export=xlsx").content))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert sorted(r[0] for r in values[1:]) == ["FZ-001", "JL-001"]
    holders = {r[0]: r[6] for r in values[1:]}
    assert "张三" in holders["FZ-001"] and values[0][6] == "持有人"


def test_the_people_list_pages_and_filters_by_subtree(kit, bureau, logistics):
    for n in range(60):
        services.person_create(staff_no=f"Q{n:03d}", name=f"队员{n}", unit=bureau["units"]["CZ-TN-02"],
                               role="auxiliary")
    first = logistics.get("/people/?sort=staff_no").content.decode()
    assert 'id="list-count">62<' in first and 'id="list-next"' in first and "W001" not in first
    second = logistics.get("/people/?sort=staff_no&page=2").content.decode()
    assert "Q059" in second and "Q000" not in second and 'id="list-previous"' in second
    squadron = logistics.get("/people/?unit=CZ-TN-01").content.decode()
    assert 'id="list-count">2<' in squadron
    # A unit outside the scope is not a choice: the filter is ignored, the scope still holds.
    assert 'id="list-count">62<' in logistics.get("/people/?unit=CZ-WJ-01").content.decode()


def test_a_formula_in_a_name_is_neutralised_in_the_export(bureau, logistics):
    services.person_create(staff_no="F001", name="=HYPERLINK(\"x\")", unit=bureau["units"]["CZ-TN-01"],
                           role="auxiliary")
    rows = list(csv.reader(io.StringIO(logistics.get("/people/?q=F001&export=csv").content.decode("utf-8-sig"))))
    assert rows[1][1] == "'=HYPERLINK(\"x\")"


def test_a_list_refuses_an_unrestricted_queryset(bureau):
    request = RequestFactory().get("/people/")
    request.user = make_user("x", UserRole.ADMINISTRATOR)
    with pytest.raises(ValueError, match="not restricted"):
        Listing(request, Person.objects.all(), [Column("staff_no", "工号", lambda p: p.staff_no)])


def test_the_global_search_groups_by_kind_within_the_scope(kit, bureau, logistics):
    from tests.telematics.factories import make_vehicle

    make_vehicle(bureau["units"]["CZ-TN-01"], plate="苏D·S0001", terminal_id="13800000001")
    make_vehicle(bureau["units"]["CZ-WJ-01"], plate="苏D·S0002", vin="LSVAB2BM5KN000002", terminal_id="13800000002")
    html = logistics.get("/search/?q=13800000").content.decode()
    assert 'data-kind="vehicles"' in html and "苏D·S0001" in html and "苏D·S0002" not in html
    html = logistics.get("/search/?q=SN-").content.decode()
    assert 'data-kind="assets"' in html and "JL-001" in html and "WJ-001" not in html
    html = logistics.get("/search/?q=P001").content.decode()
    assert 'data-kind="people"' in html and 'href="/people/P001/"' in html
    assert "search-none" in logistics.get("/search/?q=W001").content.decode()
    assert logistics.get("/search/?q=JL-001&go=1")["Location"] == "/assets/JL-001/"


def test_the_pages_in_english_hold_no_chinese_but_data(kit, logistics):
    import re

    logistics.cookies["django_language"] = "en"
    data = ("张三", "李四", "王五", "CZ-TN-01中队", "CZ-TN-02中队", "天宁大队", "夏执勤短袖衬衣", "屏幕损坏", "执法支队",
            "常州市城市管理局")
    for url in ("/people/P001/", "/assets/FZ-001/", "/assets/JL-002/", "/units/CZ-TN/", "/people/", "/assets/",
                "/departures/", "/stocktakes/", "/units/", "/search/?q=JL"):
        html = logistics.get(url).content.decode()
        for text in data:
            html = html.replace(text, "")
        html = re.sub(r'<option value="(zh-hans)"[^<]*</option>', "", html)  # the language menu names itself
        assert re.findall(r"[\u4e00-\u9fff]+", html) == [], url


def test_a_form_post_without_its_token_gets_the_styled_403_in_the_users_language(kit, bureau):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("logi-csrf", UserRole.LOGISTICS, bureau["units"]["CZ-TN"]))
    refused = client.post("/people/P001/return/", {"tag": "FZ-001"})
    assert refused.status_code == 403 and 'id="error-title">无权访问<' in refused.content.decode()
    client.cookies["django_language"] = "en"
    assert "The form has expired" in client.post("/people/P001/return/", {"tag": "FZ-001"}).content.decode()
    kit["shirt"].refresh_from_db()
    assert kit["shirt"].status == "issued"
