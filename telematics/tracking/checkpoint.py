"""The rules' checkpoint: the engine state pickled per worker, and the replay of fixes stored after it.

Fixes, legs and alerts are committed together, and the checkpoint records the last stored fix (`arrival`) its
state includes; replaying the fixes stored since, in storage order, rebuilds exactly the state the engine had.
Alerts are keyed by episode, so re-applying what the replay produces changes nothing already written.

A pickle holds objects, not their classes: loaded into classes that gained a field since it was saved (a deploy),
the objects would lack it. So each checkpoint is saved with `state_version()`, a digest of the fields of the state's
classes; a checkpoint of another version, or one that cannot be read, is set aside and the state is rebuilt by
replaying the stored fixes (`rebuild_since`)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import logging
import pickle
import zlib

from django.utils import timezone

from .choices import AlertKind, AlertStatus
from .decoders import Fix
from .models import Alert, Position, RuleCheckpoint
from .registry import VehicleInfo
from .rules import EngineState

log = logging.getLogger("qm.ingest")
_CHUNK = 20_000
_FIRST_START_LOOKBACK = dt.timedelta(hours=1)
# A rebuild also replays from a little before the oldest open alert's start, so its episode is found again with
# the same start (and stays one alert), but never more than this far back (replaying is ~60 µs a fix).
_REBUILD_MARGIN = dt.timedelta(minutes=30)
_REBUILD_LOOKBACK_MAX = dt.timedelta(hours=6)
# Bump when the state's classes keep their fields but change what they hold.
STATE_REVISION = 1
# The modules whose dataclasses and named tuples the pickled state is made of.
STATE_MODULES = ("telematics.tracking.rules",)
_MAGIC = b"qm-rules-state/"


def state_version() -> str:
    """A digest of STATE_REVISION and of each state class's fields (name and type): adding, removing, renaming or
    retyping one changes it."""
    parts = [f"revision {STATE_REVISION}"]
    for module_name in STATE_MODULES:
        module = importlib.import_module(module_name)
        for obj in sorted((o for o in vars(module).values() if isinstance(o, type) and o.__module__ == module_name),
                          key=lambda o: o.__qualname__):
            if dataclasses.is_dataclass(obj):
                fields = [f"{f.name}: {f.type}" for f in dataclasses.fields(obj)]
            elif issubclass(obj, tuple) and hasattr(obj, "_fields"):
                fields = [f"{name}: {obj.__annotations__.get(name, '')}" for name in obj._fields]
            else:
                continue
            parts.append(f"{module_name}.{obj.__qualname__}({', '.join(fields)})")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def load_state(worker: str) -> tuple[EngineState | None, int]:
    """The saved state and the arrival it includes; (None, -1) when there is none, or none this code can use."""
    row = RuleCheckpoint.objects.filter(worker=worker).first()
    if row is None:
        return None, -1
    blob = bytes(row.state)
    header, _, body = blob.partition(b"\n")
    version = state_version()
    if header != _MAGIC + version.encode():
        log.warning("rules checkpoint of worker %s was saved by other state classes (%s, now %s): rebuilding the "
                    "state from the stored fixes", worker, header[len(_MAGIC):].decode("ascii", "replace")[:16]
                    if header.startswith(_MAGIC) else "unversioned", version)
        return None, -1
    try:
        state = pickle.loads(zlib.decompress(body))
    except Exception as exc:  # truncated, or a class gone: anything unpickling raises
        log.warning("rules checkpoint of worker %s cannot be read (%r): rebuilding the state from the stored fixes",
                    worker, exc)
        return None, -1
    if not isinstance(state, EngineState):
        log.warning("rules checkpoint of worker %s holds a %s: rebuilding the state from the stored fixes", worker,
                    type(state).__name__)
        return None, -1
    return state, row.arrival


def save_state(worker: str, state: EngineState) -> None:
    blob = zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1)
    header = _MAGIC + state_version().encode() + b"\n"
    RuleCheckpoint.objects.update_or_create(worker=worker, defaults={"arrival": state.arrival, "state": header + blob})


def rebuild_since(owns) -> dt.datetime:
    """Where a state rebuilt without a checkpoint starts replaying: the last hour, or from a little before the
    oldest open alert of this worker's terminals (terminal_silent aside: a silence has no fixes to replay), at
    most _REBUILD_LOOKBACK_MAX back."""
    now = timezone.now()
    since = now - _FIRST_START_LOOKBACK
    open_alerts = (Alert.objects.filter(status=AlertStatus.OPEN, started_at__gte=now - _REBUILD_LOOKBACK_MAX)
                   .exclude(kind=AlertKind.TERMINAL_SILENT).values_list("terminal", "started_at"))
    starts = [started - _REBUILD_MARGIN for terminal, started in open_alerts if owns(terminal)]
    return max(min([since, *starts]), now - _REBUILD_LOOKBACK_MAX)


def replay_since(pipeline, arrival: int, owns) -> int:
    """Feeds the fixes stored after `arrival` through the rules; without a checkpoint (arrival < 0) those received
    since `rebuild_since`."""
    from telematics.models import Vehicle

    qs = Position.objects.filter(vehicle__isnull=False).order_by("arrival")
    if arrival < 0:
        qs = qs.filter(received_at__gte=rebuild_since(owns))
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
