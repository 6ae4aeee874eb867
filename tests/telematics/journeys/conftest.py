"""Fixtures of the journey tests: fixes written straight into the position store."""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest

from tests.telematics.tracking.conftest import DEPOT, OUTSIDE, city  # noqa: F401  (their small city, reused)

SHANGHAI = ZoneInfo("Asia/Shanghai")
M_PER_DEG = 111_320.0


def at(day: dt.date, hhmm: str, seconds: int = 0) -> dt.datetime:
    h, m = map(int, hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=SHANGHAI) + dt.timedelta(seconds=seconds)


def east(point: tuple[float, float], metres: float) -> tuple[float, float]:
    """(lon, lat) moved `metres` east."""
    return point[0] + metres / (M_PER_DEG * math.cos(math.radians(point[1]))), point[1]


def store(terminal: str, vehicle, rows) -> None:
    """rows: (ts, (lon, lat), speed) -> Position rows of the terminal (attributed to `vehicle`, may be None)."""
    from telematics.tracking.models import Position

    Position.objects.bulk_create([Position(terminal=terminal, ts=ts, vehicle=vehicle, lat=p[1], lon=p[0], speed=speed,
                                           heading=90.0, received_at=ts) for ts, p, speed in rows])


def parked(start: dt.datetime, minutes: float, place, every_s: int = 60):
    return [(start + dt.timedelta(seconds=s), place, 0.0) for s in range(0, int(minutes * 60) + 1, every_s)]


def driven(start: dt.datetime, origin, dest, kmh: float = 36.0, every_s: int = 30):
    """From `origin` to `dest` in a straight line at `kmh` (the origin itself not included; the last fix is at
    `dest`), one fix every `every_s`."""
    metres = math.dist(((dest[0] - origin[0]) * M_PER_DEG * math.cos(math.radians(origin[1])),
                        (dest[1] - origin[1]) * M_PER_DEG), (0.0, 0.0))
    n = max(1, math.ceil(round(metres / (kmh * every_s / 3.6), 6)))
    return [(start + dt.timedelta(seconds=every_s * k),
             (origin[0] + (dest[0] - origin[0]) * k / n, origin[1] + (dest[1] - origin[1]) * k / n), kmh)
            for k in range(1, n + 1)]


def north(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0], point[1] + metres / M_PER_DEG


# A working Tuesday of V1 (tests of the classes, the exports and late orders): see test_selectors.
DAY = dt.date(2026, 11, 10)  # a Tuesday: CZ-TN is on duty 08:00-18:00
P1 = east(DEPOT, 1500)
P2 = north(DEPOT, 2500)


def _t(hhmm: str) -> dt.datetime:
    return at(DAY, hhmm)


@pytest.fixture
def day(request):
    """V1's day: two duty patrols; order 1 (10:00-11:00, to P1) driven as approved; order 2 (11:30-12:00, to P2)
    driven to P1 instead; order 3 (13:00-13:30) overrun on the way back; a drive out of the jurisdiction on duty; an
    evening drive; order 4 (20:00-21:00) never driven; a request never approved (09:00-09:30)."""
    from telematics.models import Trip

    v1 = request.getfixturevalue("city")["vehicles"]["V1"]
    store("T0001", None, [
        *parked(_t("07:00"), 120, DEPOT),
        *driven(_t("09:00"), DEPOT, P1), *parked(_t("09:03"), 17, P1),
        *driven(_t("09:20"), P1, DEPOT), *parked(_t("09:23"), 42, DEPOT),
        *driven(_t("10:05"), DEPOT, P1), *parked(_t("10:08"), 22, P1),
        *driven(_t("10:30"), P1, DEPOT), *parked(_t("10:33"), 62, DEPOT),
        *driven(_t("11:35"), DEPOT, P1), *parked(_t("11:38"), 10, P1),
        *driven(_t("11:48"), P1, DEPOT), *parked(_t("11:51"), 79, DEPOT),
        *driven(_t("13:10"), DEPOT, P1), *parked(_t("13:13"), 31, P1),
        *driven(_t("13:44"), P1, DEPOT), *parked(_t("13:47"), 73, DEPOT),
        *driven(_t("15:00"), DEPOT, OUTSIDE), *parked(_t("15:13"), 20, OUTSIDE),
        *driven(_t("15:33"), OUTSIDE, DEPOT), *parked(_t("15:46"), 194, DEPOT),
        *driven(_t("19:00"), DEPOT, P1), *parked(_t("19:03"), 30, P1),
        *driven(_t("19:33"), P1, DEPOT), *parked(_t("19:36"), 120, DEPOT),
    ])
    orders = [Trip.objects.create(vehicle=v1, start=s, end=e, purpose=p, status=status, dest_lat=d and d[1],
                                  dest_lon=d and d[0], approved_by="王科长")
              for s, e, p, d, status in ((_t("10:00"), _t("11:00"), "检查", P1, "approved"),
                                         (_t("11:30"), _t("12:00"), "会议", P2, "approved"),
                                         (_t("13:00"), _t("13:30"), "取件", None, "approved"),
                                         (_t("20:00"), _t("21:00"), "夜查", None, "approved"),
                                         (_t("09:00"), _t("09:30"), "未批", None, "requested"))]
    return {"vehicle": v1, "orders": orders}
