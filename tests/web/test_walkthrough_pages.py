"""What a walk through the demo bureau in both languages turned up: item names left in Chinese on English pages
(lists, asset and person pages, the hand-over's holdings), menu entries named by a model's singular ("Staff
member", "Asset"), and a brigade's unit pages linking their 支队, which is "not found" to a brigade-scoped user."""
import datetime as dt
import re

import pytest
from django.test import Client

from assets import services
from assets.choices import UserRole
from tests.support.fixtures import make_user

from .test_english_pages import visible_text

pytestmark = pytest.mark.django_db
ISSUED = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.timezone.utc)


def _client(user, language=None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.fixture
def kit(bureau):
    """Seeded item types (their English names are known) issued to the officer."""
    unit, officer = bureau["units"]["CZ-TN-01"], bureau["officer"]
    for tag, category, item in (("FZ-001", "uniform", "春秋执勤服"), ("BZ-001", "insignia", "肩章"),
                                ("BG-001", "office", "传真机")):
        asset = services.asset_create(tag=tag, category=category, unit=unit, item=item,
                                      at=ISSUED - dt.timedelta(days=1))
        services.asset_issue(asset=asset, person=officer, at=ISSUED)
    return bureau


@pytest.fixture
def logistics(bureau):
    return make_user("logi-tn", UserRole.LOGISTICS, bureau["units"]["CZ-TN"])


@pytest.mark.parametrize("url", ["/assets/", "/assets/?category=insignia", "/assets/BZ-001/", "/assets/BG-001/",
                                 "/people/P001/"])
def test_seeded_items_are_named_in_english_on_english_pages(kit, logistics, url):
    response = _client(logistics, "en").get(url)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert not {"春秋执勤服", "肩章", "传真机"} & set(re.findall(r"[\u4e00-\u9fff]+", text)), url
    assert any(name in text for name in ("Spring/autumn duty uniform", "Epaulette", "Fax machine")), url


def test_item_names_stay_chinese_on_chinese_pages(kit, logistics):
    html = _client(logistics).get("/assets/").content.decode()
    assert "春秋执勤服" in html and "Spring/autumn" not in html


def test_the_english_asset_export_names_items_in_english(kit, logistics):
    body = _client(logistics, "en").get("/assets/?export=csv").content.decode("utf-8-sig")
    assert "Spring/autumn duty uniform" in body and "春秋执勤服" not in body


def test_the_departure_checklist_names_category_and_item_in_english(kit, logistics):
    client = _client(logistics, "en")
    response = client.post("/people/P001/departure/", {"kind": "transferred", "effective": "2026-01-10"})
    assert response.status_code in (200, 302)
    html = client.get("/people/P001/").content.decode()
    checklist = html[html.index('id="checklist"'):]
    assert "Uniform" in checklist and "Spring/autumn duty uniform" in checklist
    assert "制式服装" not in checklist and "春秋执勤服" not in checklist


def test_the_hand_over_screen_carries_english_item_names_for_its_script(kit, logistics):
    html = _client(logistics, "en").get("/issue/").content.decode()
    assert re.search(r'<script id="item-names" type="application/json">\{.*"\\u6625\\u79cb\\u6267\\u52e4\\u670d": '
                     r'"Spring/autumn duty uniform"', html)
    assert '<script id="item-names" type="application/json">{}</script>' in _client(logistics).get("/issue/") \
        .content.decode()


def test_the_menu_names_the_lists_in_the_plural_in_english(bureau):
    html = _client(make_user("root", UserRole.ADMINISTRATOR), "en").get("/").content.decode()
    nav = html[html.index('<nav id="main-nav">'):html.index("</nav>", html.index('<nav id="main-nav">'))]
    for key, label in (("people", "People"), ("assets", "Assets"), ("departures", "Departures"),
                       ("deadletters", "Dead letters")):
        assert re.search(rf'data-nav="{key}"[^>]*>{label}</a>', nav), key
    assert "Staff member" not in nav and ">Asset<" not in nav


def test_a_brigade_users_unit_pages_name_the_detachment_without_linking_it(bureau, logistics):
    client = _client(logistics)
    units = client.get("/units/").content.decode()
    detail = client.get("/units/CZ-TN/").content.decode()
    assert client.get("/units/CZ-ZD/").status_code == 404
    for html in (units, detail):
        assert "执法支队" in html and 'href="/units/CZ-ZD/"' not in html
    assert 'href="/units/CZ-TN/"' in client.get("/units/CZ-TN-01/").content.decode()

    whole = _client(make_user("root", UserRole.ADMINISTRATOR))
    assert 'href="/units/CZ-ZD/"' in whole.get("/units/").content.decode()
    assert 'href="/units/CZ-ZD/"' in whole.get("/units/CZ-TN/").content.decode()


def test_english_lists_write_times_numerically_in_shanghai_time(kit, logistics):
    """ISSUED is 09:00 UTC: 17:00 in Asia/Shanghai, written as the Chinese page writes it, not "May 6, 2024, 5 p.m."."""
    html = _client(logistics, "en").get("/assets/").content.decode()
    assert '<td data-col="issued_at">2024-05-06 17:00</td>' in html
    assert "p.m." not in html and "midnight" not in html


def test_the_imports_ledger_note_reads_in_english_and_a_persons_note_as_written(bureau, logistics):
    from workbook.importer import IMPORT_NOTE

    unit, officer = bureau["units"]["CZ-TN-01"], bureau["officer"]
    imported = services.asset_create(tag="FZ-009", category="uniform", unit=unit, item="春秋执勤服",
                                     at=ISSUED - dt.timedelta(days=1))
    services.asset_issue(asset=imported, person=officer, at=ISSUED, note=IMPORT_NOTE)
    written = services.asset_create(tag="FZ-010", category="uniform", unit=unit, item="皮鞋",
                                    at=ISSUED - dt.timedelta(days=1))
    services.asset_issue(asset=written, person=officer, at=ISSUED, note="以旧换新")
    english = _client(logistics, "en")
    for url in ("/people/P001/", "/assets/FZ-009/"):
        text = visible_text(english.get(url).content.decode())
        assert "Imported from the workbook" in text and IMPORT_NOTE not in text, url
    assert "以旧换新" in english.get("/assets/FZ-010/").content.decode()
    assert IMPORT_NOTE in _client(logistics).get("/assets/FZ-009/").content.decode()
