"""In Chromium: an alert fanned out to a fleet manager rings the bell in the top bar; the inbox lists it and marks it
read; the subscription and scheduled-report pages save what the forms say (screenshots in test-artifacts/web/)."""
import datetime as dt

import pytest
from django.utils import timezone

from quartermaster.notify import services
from quartermaster.notify.models import ReportSchedule, Subscription
from telematics.models import Vehicle
from telematics.tracking.models import Alert
from tests.support.fixtures import build_bureau, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_the_inbox_and_the_settings_pages(browser_page, live_server, screenshot, monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    units = build_bureau()["units"]
    fleet = make_user("fleet-tn", "fleet", units["CZ-TN"])
    services.subscription_save(user=fleet, name="全部告警", in_app=True)
    car = Vehicle.objects.create(plate="苏D·A0001", unit=units["CZ-TN-01"], seats=5, terminal_id="T0001")
    alert = Alert.objects.create(vehicle=car, terminal="T0001", kind="venue_parking", clause="model 执法规范",
                                 started_at=timezone.now() - dt.timedelta(minutes=12), venue="老街酒楼")
    services.alerts_enqueue(alert_ids=[alert.pk])
    services.alerts_fan_out()
    base = live_server.url

    page = browser_page(fleet)
    page.goto(base + "/")
    assert page.locator("#notify-unread").inner_text() == "1"
    page.click("#notify-bell")
    page.wait_for_url(base + "/notifications/")
    row = page.locator("#inbox tbody tr.unread")
    assert row.count() == 1 and "苏D·A0001" in row.inner_text() and "老街酒楼" in row.inner_text()
    screenshot(page, "notify-inbox")
    page.click("#read-all")
    page.wait_for_selector("#inbox tbody tr:not(.unread)")
    assert page.locator("#notify-unread").inner_text() == "0"

    page.goto(base + "/notifications/settings/")
    page.fill("#subscription-form #id_name", "本中队严重告警")
    page.check("#subscription-form input[name=kinds][value=venue_parking]")
    page.check("#subscription-form input[name=units][value=CZ-TN-01]")
    page.select_option("#subscription-form #id_min_severity", "3")
    page.click("#subscription-form button[type=submit]")
    page.wait_for_selector("#page-messages")
    assert "本中队严重告警" in page.locator("#subscriptions").inner_text()
    sub = Subscription.objects.get(name="本中队严重告警")
    assert sub.kinds == ["venue_parking"] and [u.code for u in sub.units.all()] == ["CZ-TN-01"]
    screenshot(page, "notify-settings")

    page.goto(base + "/reports/schedules/")
    page.fill("#schedule-form #id_name", "天宁周报")
    page.select_option("#schedule-form #id_kind", "compliance")
    page.check("#schedule-form input[name=units][value=CZ-TN]")
    page.select_option("#schedule-form #id_frequency", "weekly")
    page.select_option("#schedule-form #id_format", "xlsx")
    page.fill("#schedule-form #id_recipients", "chief@bureau.test")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_selector("#page-messages")
    schedule = ReportSchedule.objects.get(name="天宁周报")
    assert schedule.frequency == "weekly" and schedule.recipient_list == ["chief@bureau.test"]
    assert timezone.localtime(schedule.next_run_at).isoweekday() == 1
    assert "合规核查报告" in page.locator("#schedules").inner_text()
    screenshot(page, "notify-schedules")
    assert page.errors == []
