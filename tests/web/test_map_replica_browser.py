"""The live map in headless Chromium read from a real streaming replica (tests/support/replica.py) whose replay is
paused: the replica's older position is shown with "数据延迟 N 秒", and once the replica is further behind than
QM_REPLICA_MAX_LAG_SECONDS the stream reads the primary, the marker moves to the current position and the label
goes away. Never stale data silently."""
import datetime as dt
import re

import pytest
from django.db import transaction
from django.utils import timezone

from telematics.models import Vehicle
from telematics.tracking.store import PositionRow, store_positions
from tests.support.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
              pytest.mark.usefixtures("replica_alias")]


def store(vehicle, ts, lat, lon=119.95):
    with transaction.atomic():
        store_positions([PositionRow(terminal=vehicle.terminal_id, ts=ts, vehicle_id=vehicle.pk, lat=lat, lon=lon,
                                     speed=30.0, heading=90.0, acc=True, seq=None, grid_code="320402001001001",
                                     venue_id=None, received_at=timezone.now())])


def test_the_map_labels_a_lagging_replica_then_shows_the_primary(bureau, replica, settings, live_server,
                                                                  browser_page, screenshot):
    settings.QM_REPLICA_MAX_LAG_SECONDS = 8
    vehicle = Vehicle.objects.create(plate="苏D·R0100", unit=bureau["units"]["CZ-TN-01"], seats=5,
                                     terminal_id="R0100")
    user = make_user("fleet", "fleet", bureau["units"]["CZ"])
    now = timezone.now().replace(microsecond=0)
    store(vehicle, now - dt.timedelta(seconds=20), 31.78)
    replica.caught_up()
    page = browser_page(user)
    page.goto(f"{live_server.url}/map/")
    page.wait_for_function("window.qmMap && window.qmMap.ready")
    page.wait_for_function("document.getElementById('stream-status').dataset.state === 'live'")
    assert page.evaluate(f"qmMap.position({vehicle.pk}).lat") == 31.78
    label = page.locator("#replica-delay")
    assert label.is_hidden(), "a replica that is not behind: no label"

    replica.pause()
    store(vehicle, now, 31.79)  # on the primary only
    label.wait_for(state="visible", timeout=10_000)  # the stream's `delay` event, once the replica is 1 s behind
    assert page.evaluate(f"qmMap.position({vehicle.pk}).lat") == 31.78, "the replica's older position..."
    assert re.fullmatch(r"数据延迟 [1-8] 秒", label.inner_text()), "...shown as delayed"
    screenshot(page, "map-replica-delayed")

    # Past the limit the stream reads the primary: the current position, and no label.
    page.wait_for_function(f"qmMap.position({vehicle.pk}).lat === 31.79", timeout=30_000)
    label.wait_for(state="hidden")
    assert replica.lag() > 8
    screenshot(page, "map-replica-left-for-primary")
    assert page.errors == []
