"""In Chromium, what a walk through the demo turned up: a dead letter's payload (one long line of JSON) widened the
dead-letter list past the screen, hiding the top bar's right end."""
import datetime as dt

import pytest
from django.conf import settings

from assets.choices import UserRole
from telematics.tracking.models import DeadLetter
from tests.support.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_long_payload_wraps_in_its_cell(monkeypatch, settings, browser_page, live_server, screenshot):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    payload = ('{"ts":"2026-12-01T09:04:07+08:00","lat":31.777,"lon":119.9527,"speed":0.0,"heading":0,"acc":false,'
               '"attrs":{"alarm":0,"status":2,"altitude_m":10,"mileage_km":26498.0,"signal":26,"satellites":7}}')
    DeadLetter.objects.create(topic="qm/terminals/013800000045/position", payload=payload, reason="future_timestamp",
                              detail="ts 2099-01-01T00:00:00+00:00 is more than 600 s ahead", terminal="013800000045",
                              received_at=dt.datetime(2026, 12, 1, 1, 4, tzinfo=dt.timezone.utc))
    page = browser_page(make_user("fleet-all", UserRole.FLEET), viewport=(1280, 800))
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto(live_server.url + "/deadletters/")
    screenshot(page, "deadletters-long-payload-en")
    assert page.locator("#list-title").inner_text() == "Dead letters"
    assert page.locator('#list-table td[data-col="received_at"]').inner_text() == "2026-12-01 09:04"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.locator("#logout").evaluate(
        "b => b.getBoundingClientRect().right <= document.documentElement.clientWidth")
    assert page.errors == []
