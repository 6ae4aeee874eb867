"""The rules' checkpoint: the engine state pickled per worker, and the replay of fixes stored after it.

Fixes, legs and alerts are committed together, and the checkpoint records the last stored fix (`arrival`) its
state includes; replaying the fixes stored since, in storage order, rebuilds exactly the state the engine had.
Alerts are keyed by episode, so re-applying what the replay produces changes nothing already written."""
from __future__ import annotations

import datetime as dt
import pickle
import zlib

from django.utils import timezone

from .decoders import Fix
from .models import Position, RuleCheckpoint
from .registry import VehicleInfo
from .rules import EngineState

_CHUNK = 20_000
_FIRST_START_LOOKBACK = dt.timedelta(hours=1)


def load_state(worker: str) -> tuple[EngineState | None, int]:
    row = RuleCheckpoint.objects.filter(worker=worker).first()
    if row is None:
        return None, -1
    return pickle.loads(zlib.decompress(bytes(row.state))), row.arrival


def save_state(worker: str, state: EngineState) -> None:
    blob = zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1)
    RuleCheckpoint.objects.update_or_create(worker=worker, defaults={"arrival": state.arrival, "state": blob})


def replay_since(pipeline, arrival: int, owns) -> int:
    """Feeds the fixes stored after `arrival` (all of the last hour on a first start) through the rules."""
    from telematics.models import Vehicle

    qs = Position.objects.filter(vehicle__isnull=False).order_by("arrival")
    if arrival < 0:
        qs = qs.filter(received_at__gte=timezone.now() - _FIRST_START_LOOKBACK)
    else:
        qs = qs.filter(arrival__gt=arrival)
    units = dict(Vehicle.objects.values_list("pk", "unit_id"))
    codes = dict(Vehicle.objects.values_list("pk", "unit__code"))
    fed = 0
    last = arrival
    while True:
        rows = list(qs.filter(arrival__gt=last).values_list("terminal", "ts", "lat", "lon", "speed", "vehicle_id",
                                                            "arrival")[:_CHUNK])
        if not rows:
            break
        last = rows[-1][6]
        mine = [r for r in rows if owns(r[0]) and r[5] in units]
        fixes = [Fix(terminal=r[0], ts=r[1], lat=r[2], lon=r[3], speed=r[4]) for r in mine]
        infos = [VehicleInfo(r[5], "", units[r[5]], codes[r[5]]) for r in mine]
        points = pipeline.points(fixes, infos)
        for point, row in zip(points, mine):
            point.arrival = row[6]
        if points:
            pipeline.run_rules(points, last)
        fed += len(points)
    return fed
