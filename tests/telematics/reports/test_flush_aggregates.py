"""The flush between transactional tests leaves no materialised day behind (tests/support/flush.py): a later
test whose history falls on the same days reads its own rows, not an earlier test's and not nothing."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction

from telematics.tracking import rollups
from telematics.tracking.models import Leg
from tests.telematics.reports.conftest import TUESDAY, feed, history

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_flushed_history_is_not_read_by_the_next_test(city):  # noqa: F811
    from telematics.models import Vehicle

    ids = list(Vehicle.objects.values_list("id", flat=True))
    feed(history())  # outside a transaction: the checkpoint materialises Tuesday (TimescaleDB)
    before = rollups.vehicle_days(ids, TUESDAY, TUESDAY)
    assert before and sum(day.dist_m for day in before.values()) > 2900

    call_command("flush", interactive=False, verbosity=0)
    assert rollups.vehicle_days(ids, TUESDAY, TUESDAY) == {}

    # What a django_db test does next: legs of the same day written inside a transaction (no refresh there).
    noon = dt.datetime.combine(TUESDAY, dt.time(12), tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with transaction.atomic():
        Leg.objects.bulk_create([Leg(vehicle_id=ids[0], ts=noon + dt.timedelta(minutes=n), dist_m=100.0, secs=60.0,
                                     moving=True) for n in range(5)])
        if not rollups.keeps_table():  # the table path is written by the ingest; here only the aggregate reads legs
            days = rollups.vehicle_days([ids[0]], TUESDAY, TUESDAY)
            assert round(days[(ids[0], TUESDAY)].dist_m) == 500
        transaction.set_rollback(True)
