"""Login, logout and the language switch in headless Chromium (the pages and the Django admin)."""
import pytest

from tests.support.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def web(browser_page, live_server, screenshot, monkeypatch, settings):
    # Playwright's sync API keeps an event loop on this thread; the test's ORM calls are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return browser_page, live_server.url, screenshot


def test_bad_password_is_refused_good_one_lands_on_the_start_page_and_logout_ends_the_session(web):
    browser_page, base, screenshot = web
    make_user("fleet", "fleet")
    page = browser_page()
    page.goto(base + "/")
    assert page.url == base + "/accounts/login/?next=/"
    page.fill("#id_username", "fleet")
    page.fill("#id_password", "wrong-password")
    page.click("#login-submit")
    page.wait_for_load_state()
    assert page.locator("#login-error").inner_text() == "用户名或密码错误。"
    assert "/accounts/login/" in page.url
    assert page.locator("#logout").count() == 0
    assert page.input_value("#id_username") == "fleet"  # kept; the password is asked for again
    assert page.evaluate("document.activeElement.id") == "id_password"
    screenshot(page, "login-refused")

    page.fill("#id_password", "pass-12345")
    page.click("#login-submit")
    page.wait_for_url(base + "/")
    assert page.locator("#start-title").get_attribute("data-role") == "fleet"
    assert page.locator("#current-user").inner_text() == "fleet · 车辆管理员 · 全局"
    screenshot(page, "login-accepted")

    page.click("#logout")
    page.wait_for_url("**/accounts/login/")
    assert page.locator("#login-submit").count() == 1
    page.goto(base + "/vehicles/")
    assert page.url == base + "/accounts/login/?next=/vehicles/"  # the session is gone


def test_language_switch_turns_pages_and_admin_english_and_back(web):
    browser_page, base, screenshot = web
    page = browser_page(make_user("admin", "administrator", superuser=True))
    # Chinese by default, whatever language the browser asks for.
    page.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator('#main-nav a[data-nav="start"]').inner_text() == "首页"

    page.select_option("#language-select", "en")
    page.wait_for_url(base + "/")
    page.wait_for_selector("html[lang=en]")
    assert page.locator('#main-nav a[data-nav="start"]').inner_text() == "Home"
    assert page.locator("#start-title").inner_text() == "Administrator · Whole bureau"
    assert page.locator("#logout").inner_text() == "Log out"
    screenshot(page, "language-en")

    page.goto(base + "/admin/")
    body = page.inner_text("body")
    assert "site administration" in body.lower() and "registry" in body.lower() and "登记台账" not in body
    assert page.locator("text=Custody event").count() >= 1  # a model of ours, verbose name translated
    page.goto(base + "/admin/assets/orgunit/add/")
    assert page.locator("label[for=id_population]").inner_text().startswith("Resident population")
    screenshot(page, "admin-en")

    page.goto(base + "/")
    page.select_option("#language-select", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.locator('#main-nav a[data-nav="start"]').inner_text() == "首页"
    page.goto(base + "/admin/")
    assert "站点管理" in page.inner_text("body")
