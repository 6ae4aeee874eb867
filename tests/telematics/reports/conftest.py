"""Fixtures of the report tests: a small fixed history of V1 fed through the real pipeline (positions, legs, the
rollups the ingest keeps), whose figures are computed by hand in test_reports.py."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.telematics.journeys.conftest import at, driven, east, parked
from tests.telematics.tracking.conftest import DEPOT, OUTSIDE, city  # noqa: F401  (their small city, reused)

TUESDAY = dt.date(2026, 11, 10)  # CZ-TN on duty 08:00-18:00 (Monday-Friday)
WEDNESDAY = dt.date(2026, 11, 11)
P1 = east(DEPOT, 1500)


def history() -> list[tuple[str, tuple]]:
    """V1 (T0001) on Tuesday: parked at the depot 08:00-09:00 (a fix a minute), to P1 and back (1.5 km each way,
    36 km/h, a fix every 30 s) with half an hour at P1, parked until 10:00, silent 10:00-14:00, then a fix every 5
    minutes until 18:00. Wednesday nothing but one fix of V2 at 09:00, which releases V1's last fixes to the rules."""
    def t(hhmm):
        return at(TUESDAY, hhmm)

    v1 = [*parked(t("08:00"), 60, DEPOT), *driven(t("09:00"), DEPOT, P1), *parked(t("09:03"), 30, P1),
          *driven(t("09:33"), P1, DEPOT), *parked(t("09:36"), 24, DEPOT),
          *parked(t("14:00"), 240, DEPOT, every_s=300)]
    v2 = [(at(WEDNESDAY, "09:00"), DEPOT, 0.0)]
    return [("T0001", row) for row in v1] + [("T0002", row) for row in v2]


def feed(rows) -> None:
    from telematics.tracking.pipeline import Message, Pipeline

    pipeline = Pipeline()
    messages = [Message(f"qm/terminals/{terminal}/position",
                        json.dumps({"ts": ts.isoformat(), "lon": p[0], "lat": p[1], "speed": speed,
                                    "heading": 90}).encode())
                for terminal, (ts, p, speed) in rows]
    for start in range(0, len(messages), 50):
        pipeline.process(messages[start:start + 50])
    # As the ingest does between batches: the checkpoint re-materialises the aggregates over these old days
    # (outside a transaction only; a test whose earlier neighbour refreshed them up to now would read empty days).
    pipeline.checkpoint()


@pytest.fixture(autouse=True)
def replaying_history(settings):
    settings.QM_MAX_FIX_AGE_DAYS = 0


@pytest.fixture
def fed(city):  # noqa: F811
    feed(history())
    return city
