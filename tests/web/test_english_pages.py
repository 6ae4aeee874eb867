"""One language at a time: the English pages of every role show no Chinese except the bureau's own data and the
standards' original text (marked `lang="zh-Hans"`, as HTML says a passage is in another language)."""
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assets import services
from assets.choices import UserRole
from assets.models import OrgUnit, Person
from tests.support.fixtures import make_user

# Chinese characters (full-width punctuation around a data name, e.g. "天宁大队（CZ-TN）", is not counted).
HAN = re.compile(r"[\u3400-\u9fff]+")
# The language switch names each language in itself.
OWN_NAMES = {"简体中文"}

# The main pages of each role (the links of its start page).
PAGES = {
    UserRole.LOGISTICS: ["home", "uniforms:handover", "uniforms:stocktake", "recorders:counter", "recorders:checks",
                         "recorders:inspections", "recorders:footage", "compliance", "uniforms:inventories",
                         "assets:disposals", "assets:disposal-register", "procurement"],
    UserRole.FLEET: ["home", "telematics:vehicle-list", "telematics:reports", "live:map", "alerts:history"],
    UserRole.AUDITOR: ["home", "compliance", "compliance-snapshots", "recorders:checks", "recorders:footage-log"],
    UserRole.ADMINISTRATOR: ["home", "assets:user-list", "assets:user-create", "telematics:vehicle-list"],
}


class VisibleText(HTMLParser):
    """The text a reader sees: no scripts, styles or templates, nor elements marked as Chinese (`lang="zh…"`)."""

    HIDDEN = {"script", "style", "template", "title"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.parts = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        skip = tag in self.HIDDEN or (attrs.get("lang") or "").startswith("zh")
        self.stack.append((tag, skip or (bool(self.stack) and self.stack[-1][1])))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def data_names() -> set[str]:
    """The bureau's own words, which no translation changes: people's and units' names."""
    names = set(Person.objects.values_list("name", flat=True)) | set(OrgUnit.objects.values_list("name", flat=True))
    return {part for name in names for part in HAN.findall(name)} | OWN_NAMES


def chinese_in(text: str, allowed: set[str]) -> list[str]:
    return sorted({run for run in HAN.findall(text) if not any(run in name for name in allowed)})


@pytest.fixture
def stocked(bureau):
    """Uniform items issued long ago (the start page lists replacements due by item) and a radio in stock."""
    for n, item in enumerate(("春秋执勤服", "皮鞋")):
        asset = services.asset_create(tag=f"U-{n}", category="uniform", item=item, unit=bureau["units"]["CZ-TN-01"],
                                      service_years=1)
        services.asset_issue(asset=asset, person=bureau["officer"])
    services.asset_create(tag="R-1", category="radio", unit=bureau["units"]["CZ-TN-01"])
    return bureau


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(PAGES))
def test_english_pages_show_no_chinese_but_data(stocked, role):
    client = Client()
    client.force_login(make_user(f"u-{role}", role, stocked["units"]["CZ"]))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    allowed = data_names()
    found = {}
    for name in PAGES[role]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Content-Language"] == "en"
        leftover = chinese_in(visible_text(response.content.decode()), allowed)
        if leftover:
            found[name] = leftover

    assert found == {}, found


def test_the_visible_text_leaves_out_what_is_marked_chinese_only():
    html = ('<p>Rule <span lang="zh-Hans">设备管理/通讯设备管理/2 <b>每2名</b></span> fails</p>'
            '<script>var s = "脚本";</script><td>未知标签</td><br><p lang="en">ok</p>')
    assert chinese_in(visible_text(html), {"张三"}) == ["未知标签"]
    assert chinese_in("张三（P001）holds 天宁大队中队", {"张三", "天宁大队中队"}) == []
