"""Scenario files (YAML): the behaviour injected into chosen vehicles at chosen times, checked on load so a bad
file is refused with the file, event number and field named."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from quartermaster.errors import DomainError

from .plan import CST

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

EXCURSIONS = {"venue_visit", "private_trip", "leave_jurisdiction", "approved_trip"}
TRANSPORT = {"silence", "dead_zone", "duplicates", "out_of_order"}
FORMATS = {"gcj02", "owntracks"}
MALFORMED_REASONS = ("bad_json", "missing_field", "out_of_range", "future_timestamp", "unknown_terminal")
EVENT_TYPES = EXCURSIONS | TRANSPORT | FORMATS | {"malformed", "dock_miss", "order"}
# An approved trip's destination: where the vehicle stops (default), a place it never goes near, or none given.
ORDER_DESTINATIONS = ("stop", "elsewhere", "none")

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text, where: str) -> dt.timedelta:
    """'45m', '2h', '1h30m', '90s' or a number of seconds."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return dt.timedelta(seconds=float(text))
    m = _DURATION.match(str(text).strip())
    if not m or not any(m.groups()):
        raise DomainError(f"{where}: {text!r} is not a duration (e.g. 45m, 2h, 1h30m, 90s)", field="duration")
    h, mi, s = (int(g or 0) for g in m.groups())
    return dt.timedelta(hours=h, minutes=mi, seconds=s)


def parse_datetime(text, where: str) -> dt.datetime:
    value = text if isinstance(text, dt.datetime) else None
    if value is None:
        try:
            value = dt.datetime.fromisoformat(str(text))
        except ValueError:
            raise DomainError(f"{where}: {text!r} is not an ISO 8601 date-time", field="start") from None
    return value if value.tzinfo else value.replace(tzinfo=CST)


@dataclass(frozen=True)
class Event:
    type: str
    index: int
    vehicle: str | None
    at: dt.datetime | None
    params: dict


@dataclass
class Scenario:
    name: str
    path: Path | None
    description: str
    start: dt.datetime
    duration: dt.timedelta
    events: list[Event] = field(default_factory=list)

    @property
    def truth_path(self) -> Path | None:
        return self.path.with_name(f"{self.name}.truth.json") if self.path else None

    def at_day(self, start: dt.datetime) -> Scenario:
        """The same scenario moved to begin on `start`'s day (its events keep their times of day)."""
        shift = start.astimezone(CST).date() - self.start.astimezone(CST).date()
        events = [Event(e.type, e.index, e.vehicle, e.at + shift if e.at else None, _shift_times(e.params, shift))
                  for e in self.events]
        return Scenario(self.name, self.path, self.description, self.start + shift, self.duration, events)


def _shift_times(params: dict, shift: dt.timedelta) -> dict:
    """An event's parameters with its points in time (an approved trip's window) moved by `shift`."""
    return {k: v + shift if isinstance(v, dt.datetime) else v for k, v in params.items()}


def builtin_scenarios() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.yaml"))


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    if not path.exists():
        raise DomainError(f"scenario file {path} does not exist", field="scenario")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DomainError(f"{path}: not valid YAML: {exc}", field="scenario") from None
    return parse_scenario(data, path=path)


def parse_scenario(data, *, path: Path | None = None, name: str | None = None) -> Scenario:
    where = str(path or name or "scenario")
    if not isinstance(data, dict):
        raise DomainError(f"{where}: a scenario is a mapping with start, duration and events", field="scenario")
    unknown = set(data) - {"name", "description", "start", "duration", "events"}
    if unknown:
        raise DomainError(f"{where}: unknown keys {', '.join(sorted(unknown))}", field=min(unknown))
    for key in ("start", "events"):
        if key not in data:
            raise DomainError(f"{where}: missing {key!r}", field=key)
    start = parse_datetime(data["start"], f"{where}: start")
    duration = parse_duration(data.get("duration", "24h"), f"{where}: duration")
    scenario = Scenario(name=str(data.get("name") or (path.stem if path else name or "scenario")), path=path,
                        description=str(data.get("description", "")).strip(), start=start, duration=duration)
    if not isinstance(data["events"], list) or not data["events"]:
        raise DomainError(f"{where}: events must be a non-empty list", field="events")
    for i, raw in enumerate(data["events"], start=1):
        scenario.events.append(_parse_event(raw, i, f"{where}: event {i}", start))
    _check_overlaps(scenario, where)
    return scenario


_REQUIRED = {
    "venue_visit": ("vehicle", "at", "category", "dwell"),
    "private_trip": ("vehicle", "at", "dwell"),
    "leave_jurisdiction": ("vehicle", "at", "dwell"),
    "approved_trip": ("vehicle", "at", "dwell", "trip"),
    "silence": ("vehicle", "at", "duration"),
    "dead_zone": ("vehicle", "at", "duration"),
    "duplicates": ("vehicle", "at", "duration"),
    "out_of_order": ("vehicle", "at", "duration"),
    "gcj02": ("vehicle",),
    "owntracks": ("vehicle", "user", "device"),
    "malformed": ("at", "reason"),
    "dock_miss": ("unit",),
    "order": ("vehicle", "trip"),
}
_OPTIONAL = {"day", "venue", "min_distance", "destination", "count", "recorder", "note"}


def _time_on(start: dt.datetime, raw, day: int, where: str) -> dt.datetime:
    m = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$", str(raw).strip())
    if not m:
        raise DomainError(f"{where}: at {raw!r} is not a time of day HH:MM", field="at")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        raise DomainError(f"{where}: at {raw!r} is not a time of day HH:MM", field="at")
    base = start.astimezone(CST).date() + dt.timedelta(days=day)
    return dt.datetime.combine(base, dt.time(h, mi, s), CST)


def _parse_event(raw, index: int, where: str, start: dt.datetime) -> Event:
    if not isinstance(raw, dict) or "type" not in raw:
        raise DomainError(f"{where}: an event is a mapping with a type", field="type")
    kind = raw["type"]
    if kind not in EVENT_TYPES:
        raise DomainError(f"{where}: unknown type {kind!r}; expected one of {', '.join(sorted(EVENT_TYPES))}",
                          field="type")
    missing = [k for k in _REQUIRED[kind] if k not in raw]
    if missing:
        raise DomainError(f"{where} ({kind}): missing {', '.join(missing)}", field=missing[0])
    unknown = set(raw) - {"type"} - set(_REQUIRED[kind]) - _OPTIONAL
    if unknown:
        raise DomainError(f"{where} ({kind}): unknown keys {', '.join(sorted(unknown))}", field=min(unknown))
    day = raw.get("day", 0)
    if not isinstance(day, int) or day < 0:
        raise DomainError(f"{where}: day must be a whole number of days after the start, not {day!r}", field="day")
    at = _time_on(start, raw["at"], day, where) if "at" in raw else None
    params = {k: v for k, v in raw.items() if k not in ("type", "vehicle", "at", "day")}
    for key in ("dwell", "duration"):
        if key in params:
            params[key] = parse_duration(params[key], f"{where}: {key}")
            if params[key] <= dt.timedelta(0):
                raise DomainError(f"{where}: {key} must be positive", field=key)
    if kind == "venue_visit" and params["category"] not in ("restaurant", "entertainment"):
        raise DomainError(f"{where}: category must be restaurant or entertainment", field="category")
    if kind == "malformed":
        if params["reason"] not in MALFORMED_REASONS:
            raise DomainError(f"{where}: reason must be one of {', '.join(MALFORMED_REASONS)}", field="reason")
        count = params.setdefault("count", 1)
        if not isinstance(count, int) or count < 1:
            raise DomainError(f"{where}: count must be a positive whole number", field="count")
    if kind in ("approved_trip", "order"):
        trip = params["trip"]
        if not isinstance(trip, dict) or not {"start", "end"} <= set(trip):
            raise DomainError(f"{where}: trip needs start and end (HH:MM) and a purpose", field="trip")
        params["trip_start"] = _time_on(start, trip["start"], day, f"{where}: trip start")
        params["trip_end"] = _time_on(start, trip["end"], day, f"{where}: trip end")
        params["purpose"] = str(trip.get("purpose", "派车单"))
        params["approved_by"] = str(trip.get("approved_by", "车辆管理员"))
        params["to"] = str(trip.get("to", "stop" if kind == "approved_trip" else "none"))
        if params["to"] not in ORDER_DESTINATIONS or (kind == "order" and params["to"] != "none"):
            raise DomainError(f"{where}: trip to must be one of {', '.join(ORDER_DESTINATIONS)} (none for an order "
                              f"nobody drives)", field="trip")
        if params["trip_end"] <= params["trip_start"]:
            raise DomainError(f"{where}: the trip must end after it starts", field="trip")
    if kind == "approved_trip":
        if not params["trip_start"] <= at < params["trip_end"]:
            raise DomainError(f"{where}: the trip window must contain the departure at {raw['at']}", field="trip")
        params.setdefault("destination", "outside")
        if params["destination"] not in ("outside", "private"):
            raise DomainError(f"{where}: destination must be outside or private", field="destination")
    if kind == "dock_miss":
        params["day"] = day
    return Event(type=kind, index=index, vehicle=str(raw["vehicle"]) if "vehicle" in raw else None, at=at,
                 params=params)


def _check_overlaps(scenario: Scenario, where: str) -> None:
    end = scenario.start + scenario.duration
    for e in scenario.events:
        if e.at is not None and not scenario.start <= e.at < end:
            raise DomainError(f"{where}: event {e.index} at {e.at:%Y-%m-%d %H:%M} is outside the scenario's time "
                              f"({scenario.start:%Y-%m-%d %H:%M} + {scenario.duration})", field="at")


def check_disjoint(scenarios: list[Scenario]) -> None:
    """Scenarios run together must not steer the same vehicle (their ground truths would interfere)."""
    owner: dict[str, str] = {}
    for sc in scenarios:
        for e in sc.events:
            if e.vehicle is None:
                continue
            if owner.setdefault(e.vehicle, sc.name) != sc.name:
                raise DomainError(f"scenarios {owner[e.vehicle]} and {sc.name} both steer vehicle {e.vehicle}",
                                  field="scenario")
