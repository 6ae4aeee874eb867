"""Fixtures of the use-register tests: a fixed Tuesday of V1 fed through the real pipeline (positions, legs,
rollups), an approved 派车单 for the morning, a 补单 for the first evening journey, fuel and cost entries and
odometer readings; the register's figures are computed by hand in test_register.py."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.support.fixtures import make_user
from tests.telematics.journeys.conftest import at, driven, east, north, parked
from tests.telematics.reports.conftest import feed
from tests.telematics.tracking.conftest import DEPOT, city  # noqa: F401  (their small city, reused)

TUESDAY = dt.date(2026, 11, 10)  # CZ-TN on duty 08:00-18:00 (Monday-Friday)
WEDNESDAY = dt.date(2026, 11, 11)
P1 = east(DEPOT, 1500)
P2 = north(DEPOT, 2500)


def t(hhmm: str, day: dt.date = TUESDAY) -> dt.datetime:
    return at(day, hhmm)


def history() -> list[tuple[str, tuple]]:
    """V1 on Tuesday: J1 09:00-09:02:30 depot -> P1 (1.5 km), J2 09:33-09:35:30 back (both in the approved window
    08:45-10:00 to P1); after duty J3 19:00-19:04:30 depot -> P2 (2.5 km north), J4 19:25-19:29:30 back. V2 one fix on
    Wednesday, which releases V1's last fixes to the rules."""
    v1 = [*parked(t("08:00"), 60, DEPOT), *driven(t("09:00"), DEPOT, P1), *parked(t("09:03"), 30, P1),
          *driven(t("09:33"), P1, DEPOT), *parked(t("09:36"), 60, DEPOT), *parked(t("18:30"), 30, DEPOT),
          *driven(t("19:00"), DEPOT, P2), *parked(t("19:05"), 20, P2), *driven(t("19:25"), P2, DEPOT),
          *parked(t("19:30"), 30, DEPOT)]
    v2 = [(t("09:00", WEDNESDAY), DEPOT, 0.0)]
    return [("T0001", row) for row in v1] + [("T0002", row) for row in v2]


@pytest.fixture(autouse=True)
def replaying_history(settings):
    settings.QM_MAX_FIX_AGE_DAYS = 0


@pytest.fixture
def booked(city):  # noqa: F811
    """The fed history plus the orders, the late order, the entries and the readings (see the module docstring)."""
    from telematics import services as fleet
    from telematics.journeys.services import late_order_request
    from telematics.models import Trip
    from telematics.register.services import cost_entry_create, odometer_reading_create
    from tests.telematics.factories import make_vehicle

    feed(history())
    units, v1 = city["units"], city["vehicles"]["V1"]
    order = Trip.objects.create(vehicle=v1, start=t("08:45"), end=t("10:00"), purpose="市容巡查", destination="东门广场",
                                dest_lat=P1[1], dest_lon=P1[0], status="approved", approved_by="王科长",
                                requested_by="fleet-tn", driver="李师傅", passengers="张三、赵六")
    late = late_order_request(vehicle=v1, journey_start=t("19:00"), purpose="夜间投诉处置", destination="北街",
                              reason="群众投诉，紧急出车", driver="周师傅")
    fleet.trip_approve(trip=late.trip, user=make_user("chief", "fleet", units["CZ-TN"]))
    cost_entry_create(vehicle=v1, date=TUESDAY, kind="fuel", amount=Decimal("30.00"), litres=Decimal("4.00"),
                      fuel_card="9001", odometer_km=10000, journey_start=t("09:00"))
    cost_entry_create(vehicle=v1, date=TUESDAY, kind="toll", amount=Decimal("15.00"), journey_start=t("19:00"))
    cost_entry_create(vehicle=v1, date=TUESDAY, kind="parking", amount=Decimal("10.00"))
    cost_entry_create(vehicle=v1, date=WEDNESDAY, kind="wash", amount=Decimal("30.00"), note="洗车")
    odometer_reading_create(vehicle=v1, read_at=t("09:10"), km=10002)
    odometer_reading_create(vehicle=v1, read_at=t("09:40"), km=10004)
    other = make_vehicle(units["CZ-WJ-01"], "苏D·W0001", vin="LSVAB2BM5KN000077")
    cost_entry_create(vehicle=other, date=TUESDAY, kind="fuel", amount=Decimal("500.00"), litres=Decimal("60.00"),
                      fuel_card="7777")
    return {**city, "order": order, "late": late, "other": other}
