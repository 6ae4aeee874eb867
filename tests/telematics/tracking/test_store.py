"""The position store on PostgreSQL: what it reports stored now, with and without rows already there."""
import datetime as dt

import pytest

from telematics.tracking.models import Position
from telematics.tracking.store import PositionRow, store_positions

pytestmark = pytest.mark.django_db  # one transaction per test, as the store needs
T0 = dt.datetime(2026, 11, 18, 1, 0, tzinfo=dt.UTC)


def _row(terminal: str, k: int, received: dt.datetime | None = None) -> PositionRow:
    return PositionRow(terminal, T0 + dt.timedelta(seconds=10 * k), None, 31.78, 119.95, 30.0, 90.0, True, k,
                       "320402001001011", None, received)


def test_all_new_rows_get_increasing_arrivals_in_their_order():
    arrivals = store_positions([_row("S1", k) for k in range(5)] + [_row("S2", 0)])
    assert None not in arrivals and arrivals == sorted(arrivals) and len(set(arrivals)) == 6
    by_key = dict(Position.objects.values_list("seq", "arrival").filter(terminal="S1"))
    assert [by_key[k] for k in range(5)] == arrivals[:5]
    # received_at: as given, or stamped by the store when left out.
    assert Position.objects.filter(received_at__isnull=True).count() == 0


def test_rows_already_there_are_reported_and_the_others_stored():
    first = store_positions([_row("S1", 1), _row("S1", 3)])
    again = store_positions([_row("S1", k) for k in range(5)])
    assert again[1] is None and again[3] is None
    assert all(a is not None and a > max(first) for a in (again[0], again[2], again[4]))
    assert again[0] < again[2] < again[4]
    assert dict(Position.objects.filter(terminal="S1").values_list("seq", "arrival")) == {
        0: again[0], 1: first[0], 2: again[2], 3: first[1], 4: again[4]}
    assert store_positions([_row("S1", 2)]) == [None]


def test_received_at_given_is_kept():
    received = dt.datetime(2026, 11, 18, 1, 0, 5, tzinfo=dt.UTC)
    store_positions([_row("S3", 0, received)])
    assert Position.objects.get(terminal="S3").received_at == received
