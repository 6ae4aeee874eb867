"""In Chromium: each role's main pages in English show no Chinese but data and the standards' original text, and a
refused hand-over in Chinese names the holder and the item without English internals."""
import re

import pytest
from django.conf import settings

from assets import services
from assets.choices import UserRole
from tests.support.fixtures import build_bureau, make_user

from .test_english_pages import HAN, OWN_NAMES, PAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The rendered text nodes a reader sees, leaving out passages marked as Chinese (`lang="zh…"`).
VISIBLE_TEXT = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('[lang^="zh"], script, style, template')) { continue; }
    if (!parent.checkVisibility() || !node.textContent.trim()) { continue; }
    parts.push(node.textContent.trim());
  }
  return parts.join(" ");
}"""
PATHS = {"home": "/", "uniforms:handover": "/issue/", "uniforms:stocktake": "/stocktake/", "compliance": "/compliance/",
         "telematics:vehicle-list": "/vehicles/", "alerts:history": "/alerts/", "assets:user-list": "/users/"}


@pytest.fixture
def world(monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    bureau = build_bureau()
    units = bureau["units"]
    shirt = services.asset_create(tag="FZ-00121", category="uniform", item="春秋执勤服", unit=units["CZ-TN-01"])
    services.asset_issue(asset=shirt, person=bureau["officer"])
    services.person_create(staff_no="P002", name="王五", unit=units["CZ-TN-01"], role="officer")
    return bureau


def test_each_roles_main_pages_in_english_show_no_chinese_but_data(world, browser_page, live_server, screenshot):
    allowed = {"张三", "李四", "王五", *OWN_NAMES} | {u.name for u in world["units"].values()}
    found = {}
    for role in (UserRole.LOGISTICS, UserRole.FLEET, UserRole.ADMINISTRATOR):
        page = browser_page(make_user(f"en-{role}", role, world["units"]["CZ"]))
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
        for name in PAGES[role]:
            if name not in PATHS:
                continue
            page.goto(live_server.url + PATHS[name])
            page.wait_for_load_state("networkidle")
            text = page.evaluate(VISIBLE_TEXT)
            assert "Home" in text or "home" in text.lower(), name  # an English page, not an error page
            leftover = sorted({run for run in HAN.findall(text) if not any(run in a for a in allowed)})
            if leftover:
                found[f"{role} {name}"] = leftover
            screenshot(page, f"english-{role}-{name.replace(':', '-')}")
    assert found == {}, found


def test_a_refused_hand_over_in_chinese_names_holder_and_item(world, browser_page, live_server, screenshot):
    page = browser_page(make_user("logi", UserRole.LOGISTICS, world["units"]["CZ"]))
    page.goto(live_server.url + "/issue/")
    page.fill("#person", "P002")
    page.fill("#tag", "FZ-00121")
    page.press("#tag", "Enter")
    reason = page.locator("#lines tbody tr td.reason").first
    reason.wait_for()
    page.wait_for_function("() => document.querySelector('#lines tbody tr td.reason').textContent.trim() !== ''")
    text = reason.inner_text()
    screenshot(page, "handover-refused-zh")
    assert "FZ-00121（春秋执勤服） 由 张三（工号 P001） 持有" in text
    assert not re.search(r"[A-Za-z]{2,}", text.replace("FZ", "")), text
