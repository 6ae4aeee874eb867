"""Fixtures of the journey tests: fixes written straight into the position store."""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from tests.telematics.tracking.conftest import city  # noqa: F401  (the tracking tests' small city, reused)

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
