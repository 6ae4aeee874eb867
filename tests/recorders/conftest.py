"""Fixtures of the recorders tests: recorders in a squadron's pool, a dated past, a duty calendar."""
import datetime as dt

import pytest
from django.utils import timezone

from assets import services as registry
from telematics import services as fleet
from tests.telematics.tracking.conftest import ingest, publisher  # a real ingest process and MQTT publisher
from tests.uniforms.conftest import seeded  # the seeded rows, put back for a transactional test

__all__ = ["ingest", "local", "publisher", "recorder", "seeded"]


def local(days_back: int, hour: int, minute: int = 0) -> dt.datetime:
    """`days_back` days before today at hour:minute, Asia/Shanghai."""
    day = timezone.localdate() - dt.timedelta(days=days_back)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def recorder(unit, tag: str, *, days_back: int = 30):
    return registry.asset_create(tag=tag, category="recorder", unit=unit, item="执法记录仪",
                                 at=local(days_back, 9))


@pytest.fixture
def duty(bureau):
    """Duty every day 08:00-18:00 for the whole bureau; the last three weeks declared working days (the official
    Chinese holidays of whatever year the tests run in do not move the answer)."""
    fleet.duty_schedule_create(unit=bureau["units"]["CZ"], weekdays="1-7", start="08:00", end="18:00")
    for back in range(21):
        fleet.holiday_set(date=timezone.localdate() - dt.timedelta(days=back), kind="workday")
