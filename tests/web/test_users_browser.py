"""In Chromium: an administrator creates a user on the user pages, and the new user signs in to their start page."""
import pytest

from assets.choices import UserRole
from assets.models import ChangeRecord
from tests.support.fixtures import build_bureau, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_creates_a_user_who_then_signs_in(browser_page, live_server, screenshot, monkeypatch,
                                                           settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    bureau = build_bureau()
    admin = make_user("admin-tn", UserRole.ADMINISTRATOR, bureau["units"]["CZ-TN"])
    base = live_server.url

    page = browser_page(admin)
    page.goto(base + "/")
    page.click("#users a[href='/users/']")
    page.wait_for_url(base + "/users/")
    page.click("#new-user")
    page.fill("#id_username", "li.na")
    page.fill("#id_first_name", "李娜")
    page.select_option("#id_role", UserRole.LOGISTICS)
    page.select_option("#id_unit", str(bureau["units"]["CZ-TN-01"].pk))
    page.fill("#id_password1", "Qm-browser-2026")
    page.fill("#id_password2", "Qm-browser-2026")
    screenshot(page, "users-create-form")
    page.click("#save-user")
    page.wait_for_selector("#messages")
    assert "已创建用户 li.na" in page.locator("#messages").inner_text()
    assert "admin-tn" in page.locator("#user-history").inner_text()
    screenshot(page, "users-created")
    assert ChangeRecord.objects.filter(content_type__model="user", username="admin-tn", action="create").count() == 1

    newcomer = browser_page()
    newcomer.goto(base + "/")
    newcomer.fill("#id_username", "li.na")
    newcomer.fill("#id_password", "Qm-browser-2026")
    newcomer.click("#login-submit")
    newcomer.wait_for_url(base + "/")
    assert newcomer.locator("#start-title").get_attribute("data-role") == UserRole.LOGISTICS
    assert newcomer.locator("#current-user").inner_text().startswith("li.na · 装备管理员")
    screenshot(newcomer, "users-new-user-signed-in")
    newcomer.goto(base + "/users/")
    assert newcomer.locator("#error-title").inner_text() == "无权访问"
    assert page.errors == [] and newcomer.errors == []
