"""Simulated recorder docking stations: each evening after duty, one offload report per recorder of the unit
for the day it recorded (`{prefix}/docks/{dock_id}/offload`), except the days a scenario says it missed."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .plan import CST
from .terminals import Message, dumps, ts_iso

# Recorders are docked a while after the last duty period of the day ends.
DOCK_AFTER_DUTY = (dt.timedelta(minutes=20), dt.timedelta(minutes=60))
MB = 1024 * 1024


@dataclass(frozen=True)
class DockSpec:
    dock_id: str
    unit_code: str
    unit_path: list[str]
    recorders: list[str]


def dock_messages(dock: DockSpec, *, duty: Callable[[dt.date], list], start: dt.datetime, end: dt.datetime | None,
                  seed: int, prefix: str, missed: set[tuple[str, dt.date]]) -> Iterator[Message]:
    """Reports in time order, for every day from `start`'s on which the unit had duty."""
    day = start.astimezone(CST).date()
    idle_days = 0
    while idle_days <= 366:  # a unit that never has duty gets no reports (and must not spin forever)
        windows = duty(day)
        day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), CST)
        if end is not None and dt.datetime.combine(day, dt.time(0), CST) >= end:
            return
        idle_days = 0 if windows else idle_days + 1
        if windows:
            rng = random.Random(f"{seed}:{dock.dock_id}:{day.isoformat()}")
            lo, hi = (d.total_seconds() for d in DOCK_AFTER_DUTY)
            t = min(windows[-1][1] + dt.timedelta(seconds=round(rng.uniform(lo, hi))), day_end - dt.timedelta(minutes=5))
            for tag in dock.recorders:
                files = rng.randint(4, 40)
                size = files * rng.randint(120, 480) * MB
                t += dt.timedelta(seconds=rng.randint(5, 40))
                if (tag, day) in missed or t < start or (end is not None and t >= end):
                    continue
                payload = {"ts": ts_iso(t), "recorder": tag, "recorded_on": day.isoformat(), "files": files,
                           "bytes": size}
                yield Message(t, f"{prefix}/docks/{dock.dock_id}/offload", dumps(payload))
        day += dt.timedelta(days=1)
