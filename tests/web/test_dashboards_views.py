"""The start-page plumbing without a browser: live-state rules, the language choice, who may open which page."""
import datetime as dt

import pytest
from django.test import Client

from assets.choices import UserRole
from quartermaster import dashboards
from quartermaster.errors import DomainError
from quartermaster.navigation import links_for
from tests.support.fixtures import make_user

NOW = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_live_state_alert_wins_then_silence_then_speed(settings):
    settings.QM_MAP_OFFLINE_S = 600
    settings.QM_STOP_SPEED_KMH = 5.0
    recent, stale = NOW - dt.timedelta(seconds=599), NOW - dt.timedelta(seconds=601)
    assert dashboards.live_state(last_ts=stale, speed=40, alerting=True, now=NOW) == "in_alert"
    assert dashboards.live_state(last_ts=None, speed=None, alerting=False, now=NOW) == "offline"
    assert dashboards.live_state(last_ts=stale, speed=40, alerting=False, now=NOW) == "offline"
    assert dashboards.live_state(last_ts=recent, speed=5.0, alerting=False, now=NOW) == "moving"
    assert dashboards.live_state(last_ts=recent, speed=4.9, alerting=False, now=NOW) == "stopped"
    assert dashboards.live_state(last_ts=recent, speed=None, alerting=False, now=NOW) == "stopped"


def test_unknown_standard_is_refused_by_name(settings):
    assert dashboards.standard_in_force(None) == "jiangsu"
    assert dashboards.standard_in_force("model") == "model"
    settings.QM_STANDARD = "model"
    assert dashboards.standard_in_force(None) == "model"
    with pytest.raises(DomainError, match="未知的标准 'nope'；已知：jiangsu, model") as err:
        dashboards.standard_in_force("nope")
    assert err.value.code == "unknown_standard"
    assert err.value.in_language("en") == "Unknown standard 'nope'; known: jiangsu, model"


def test_each_role_menu_lists_its_pages():
    keys = {role: [link.key for link in links_for(role)] for role in UserRole.values}
    assert keys[UserRole.LOGISTICS] == ["start", "alerts", "people", "assets", "departures", "handover",
                                      "stocktake", "recorders", "inventory", "disposals", "procurement",
                                      "compliance", "footage", "api-docs"]
    assert {"inventory", "disposals"} <= set(keys[UserRole.AUDITOR]) and "procurement" not in keys[UserRole.AUDITOR]
    assert keys[UserRole.FLEET] == ["start", "map", "replay", "vehicles", "reports", "alerts", "deadletters",
                                  "api-docs"]
    assert "admin" in keys[UserRole.ADMINISTRATOR] and "admin" not in keys[UserRole.AUDITOR]
    assert links_for(None) == []


@pytest.mark.django_db
def test_chinese_unless_the_user_switched_whatever_the_browser_asks():
    client = Client()
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "zh-hans" and "用户名" in page.content.decode()
    client.cookies["django_language"] = "en"
    assert "Username" in client.get("/accounts/login/").content.decode()
    client.cookies["django_language"] = "fr"  # not offered: back to the default
    assert "用户名" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_set_language_switches_and_returns_to_the_page():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "Log in" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_start_pages_need_a_login_a_role_and_administrators_for_other_roles(bureau):
    assert Client().get("/").url == "/accounts/login/?next=/"
    client = Client()
    client.force_login(make_user("nobody", None))
    assert client.get("/").status_code == 403
    client.force_login(make_user("logi", "logistics", unit=bureau["units"]["CZ-TN"]))
    assert client.get("/start/logistics/").status_code == 200
    assert client.get("/start/auditor/").status_code == 403
    assert client.get("/start/nobody/").status_code == 404
    client.force_login(make_user("admin", "administrator"))
    for role in UserRole.values:
        page = client.get(f"/start/{role}/")
        assert page.status_code == 200 and f'data-role="{role}"' in page.content.decode()


@pytest.mark.django_db
def test_logout_is_a_post():
    client = Client()
    client.force_login(make_user("fleet", "fleet"))
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").url == "/accounts/login/"
    assert client.get("/").status_code == 302
