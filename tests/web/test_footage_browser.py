"""Footage rules in headless Chromium: a logistics officer requests to copy a recorder's footage (found from the
recorder's asset page), an auditor approves it, the officer records the copy, and the access log shows each step.
Screenshots in test-artifacts/footage/."""
import contextlib
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from assets import services as asset_services
from recorders.models import FootageAccessLog, FootageRecord
from telematics.tracking.models import DockOffload
from telematics.tracking.signals import dock_reports_stored
from tests.recorders.conftest import local
from tests.support.browser import orm_off_loop
from tests.support.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "footage"


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _page(browser, live_server, cookie: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context.new_page()


def test_a_copy_request_approved_and_logged(chromium, live_server, bureau):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    units = bureau["units"]
    asset = asset_services.asset_create(tag="REC-7", category="recorder", unit=units["CZ-TN-01"], item="执法记录仪",
                                        at=local(30, 9))
    asset_services.asset_issue(asset=asset, person=bureau["officer"], at=local(20, 9))
    at = local(1, 18)
    with transaction.atomic():  # as the ingest stores and announces a dock report
        dock_reports_stored.send(sender=DockOffload, reports=[DockOffload.objects.create(
            dock_id="DOCK-TN", recorder_tag="REC-7", recorded_on=timezone.localdate(at), ts=at, files=14,
            bytes=9_500_000_000)])
    since = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    cookies = {u.username: _cookie(u) for u in (make_user("logi", "logistics", units["CZ-TN"]),
                                                make_user("auditor", "auditor", units["CZ-TN"]))}

    with contextlib.nullcontext(chromium) as browser:  # the web tests' one Chromium (tests/web/conftest.py)
        page = _page(browser, live_server, cookies["logi"])
        page.goto(f"{live_server.url}/assets/REC-7/")
        panel = page.locator("#asset-footage")
        expect(panel).to_contain_text("张三（P001）")
        panel.locator("tbody tr a").first.click()
        expect(page.locator("#record")).to_contain_text("DOCK-TN")
        expect(page.locator("#retention")).to_contain_text("180")
        page.select_option("#request-kind", "copy")
        page.fill("#request-reason", "市民投诉核查，复制交投诉科")
        page.click("#request-submit")
        row = page.locator("#requests tbody tr").first
        expect(row).to_have_attribute("data-status", "pending")
        expect(row.locator("form.approve-form")).to_have_count(0)  # the requester never decides their own
        page.screenshot(path=str(ARTIFACTS / "footage-1-requested.png"), full_page=True)
        detail = page.url

        page = _page(browser, live_server, cookies["auditor"])
        page.goto(f"{live_server.url}/recorders/footage/")
        expect(page.locator("#pending tbody tr")).to_have_count(1)
        expect(page.locator('#records tr[data-tag="REC-7"]')).to_contain_text("张三（P001）")
        page.screenshot(path=str(ARTIFACTS / "footage-0-list-pending.png"), full_page=True)
        page.locator("#pending tbody tr a").first.click()
        page.locator("#requests form.approve-form input[name=note]").fill("同意复制")
        page.locator("#requests form.approve-form button").click()
        expect(page.locator("#requests tbody tr").first).to_have_attribute("data-status", "approved")

        page = _page(browser, live_server, cookies["logi"])
        page.goto(detail)
        page.locator("#requests form.use-form input[name=note]").fill("刻录光盘 1 张")
        page.locator("#requests form.use-form button").click()
        expect(page.locator("#requests tbody tr").first).to_have_attribute("data-status", "done")
        log = page.locator("#log tbody tr")
        assert log.evaluate_all("rows => rows.map(r => r.dataset.action)") == ["stored", "requested", "approved",
                                                                              "copied"]
        expect(log.nth(2)).to_contain_text("auditor")
        expect(log.nth(3)).to_contain_text("刻录光盘 1 张")
        page.screenshot(path=str(ARTIFACTS / "footage-2-logged.png"), full_page=True)

        page = _page(browser, live_server, cookies["auditor"])
        page.goto(f"{live_server.url}/recorders/footage/log/?since={since}")
        expect(page.locator("#log tbody tr")).to_have_count(4)
        page.screenshot(path=str(ARTIFACTS / "footage-3-access-log.png"), full_page=True)
    actions = orm_off_loop(lambda: list(FootageAccessLog.objects.order_by("at", "id").values_list("action", "username")))
    assert actions == [("stored", ""), ("requested", "logi"), ("approved", "auditor"), ("copied", "logi")]
    assert orm_off_loop(lambda: FootageRecord.objects.get().status) == "kept"
