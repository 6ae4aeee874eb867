"""Scenario files (YAML): the behaviour injected into chosen vehicles at chosen times, checked on load so a bad
file is refused with the file, event number and field named."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError, Named

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


def _part(where, part: str) -> Named:
    """A place in a scenario file, for messages: "bad.yaml：start" / "bad.yaml: start"."""
    return Named(lambda: str(_("%(where)s：%(part)s")) % {"where": where, "part": part})


def _event_where(where, index: int) -> Named:
    return Named(lambda: str(_("%(where)s：第 %(index)s 个事件")) % {"where": where, "index": index})


def _keys(keys) -> str:
    return ", ".join(sorted(keys))


def parse_duration(text, where: str) -> dt.timedelta:
    """'45m', '2h', '1h30m', '90s' or a number of seconds."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return dt.timedelta(seconds=float(text))
    m = _DURATION.match(str(text).strip())
    if not m or not any(m.groups()):
        raise DomainError(_("%(where)s：“%(text)s”不是时长（例如 45m、2h、1h30m、90s）"), field="duration",
                          where=where, text=text)
    h, mi, s = (int(g or 0) for g in m.groups())
    return dt.timedelta(hours=h, minutes=mi, seconds=s)


def parse_datetime(text, where: str) -> dt.datetime:
    value = text if isinstance(text, dt.datetime) else None
    if value is None:
        try:
            value = dt.datetime.fromisoformat(str(text))
        except ValueError:
            raise DomainError(_("%(where)s：“%(text)s”不是 ISO 8601 日期时间"), field="start", where=where,
                              text=text) from None
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
        raise DomainError(_("场景文件 %(path)s 不存在"), field="scenario", path=path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DomainError(_("%(path)s：不是有效的 YAML：%(reason)s"), field="scenario", path=path,
                          reason=exc) from None
    return parse_scenario(data, path=path)


def parse_scenario(data, *, path: Path | None = None, name: str | None = None) -> Scenario:
    where = str(path or name) if path or name else Named(lambda: str(_("场景")))
    if not isinstance(data, dict):
        raise DomainError(_("%(where)s：场景应为含 start、duration 和 events 的映射"), field="scenario", where=where)
    unknown = set(data) - {"name", "description", "start", "duration", "events"}
    if unknown:
        raise DomainError(_("%(where)s：未知的键 %(keys)s"), field=min(unknown), where=where, keys=_keys(unknown))
    for key in ("start", "events"):
        if key not in data:
            raise DomainError(_("%(where)s：缺少 %(key)s"), field=key, where=where, key=key)
    start = parse_datetime(data["start"], _part(where, "start"))
    duration = parse_duration(data.get("duration", "24h"), _part(where, "duration"))
    scenario = Scenario(name=str(data.get("name") or (path.stem if path else name or "scenario")), path=path,
                        description=str(data.get("description", "")).strip(), start=start, duration=duration)
    if not isinstance(data["events"], list) or not data["events"]:
        raise DomainError(_("%(where)s：events 应为非空列表"), field="events", where=where)
    for i, raw in enumerate(data["events"], start=1):
        scenario.events.append(_parse_event(raw, i, _event_where(where, i), start))
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


def _time_on(start: dt.datetime, raw, day: int, where) -> dt.datetime:
    m = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$", str(raw).strip())
    h, mi, s = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else (0, 0, 0)
    if not m or h > 23 or mi > 59 or s > 59:
        raise DomainError(_("%(where)s：at “%(raw)s”不是 HH:MM 格式的时刻"), field="at", where=where, raw=raw)
    base = start.astimezone(CST).date() + dt.timedelta(days=day)
    return dt.datetime.combine(base, dt.time(h, mi, s), CST)


def _parse_event(raw, index: int, where, start: dt.datetime) -> Event:
    if not isinstance(raw, dict) or "type" not in raw:
        raise DomainError(_("%(where)s：事件应为含 type 的映射"), field="type", where=where)
    kind = raw["type"]
    if kind not in EVENT_TYPES:
        raise DomainError(_("%(where)s：未知的类型“%(kind)s”，应为以下之一：%(expected)s"), field="type",
                          where=where, kind=kind, expected=_keys(EVENT_TYPES))
    missing = [k for k in _REQUIRED[kind] if k not in raw]
    if missing:
        raise DomainError(_("%(where)s（%(kind)s）：缺少 %(keys)s"), field=missing[0], where=where, kind=kind,
                          keys=", ".join(missing))
    unknown = set(raw) - {"type"} - set(_REQUIRED[kind]) - _OPTIONAL
    if unknown:
        raise DomainError(_("%(where)s（%(kind)s）：未知的键 %(keys)s"), field=min(unknown), where=where, kind=kind,
                          keys=_keys(unknown))
    day = raw.get("day", 0)
    if not isinstance(day, int) or day < 0:
        raise DomainError(_("%(where)s：day 应为开始后的整天数，而不是“%(day)s”"), field="day", where=where, day=day)
    at = _time_on(start, raw["at"], day, where) if "at" in raw else None
    params = {k: v for k, v in raw.items() if k not in ("type", "vehicle", "at", "day")}
    for key in ("dwell", "duration"):
        if key in params:
            params[key] = parse_duration(params[key], _part(where, key))
            if params[key] <= dt.timedelta(0):
                raise DomainError(_("%(where)s：%(key)s 须大于 0"), field=key, where=where, key=key)
    if kind == "venue_visit" and params["category"] not in ("restaurant", "entertainment"):
        raise DomainError(_("%(where)s：category 应为 restaurant 或 entertainment"), field="category", where=where)
    if kind == "malformed":
        if params["reason"] not in MALFORMED_REASONS:
            raise DomainError(_("%(where)s：reason 应为以下之一：%(expected)s"), field="reason", where=where,
                              expected=", ".join(MALFORMED_REASONS))
        count = params.setdefault("count", 1)
        if not isinstance(count, int) or count < 1:
            raise DomainError(_("%(where)s：count 应为正整数"), field="count", where=where)
    if kind in ("approved_trip", "order"):
        trip = params["trip"]
        if not isinstance(trip, dict) or not {"start", "end"} <= set(trip):
            raise DomainError(_("%(where)s：trip 须有 start、end（HH:MM）和 purpose"), field="trip", where=where)
        params["trip_start"] = _time_on(start, trip["start"], day, _part(where, "trip start"))
        params["trip_end"] = _time_on(start, trip["end"], day, _part(where, "trip end"))
        params["purpose"] = str(trip.get("purpose", "派车单"))
        params["approved_by"] = str(trip.get("approved_by", "车辆管理员"))
        params["to"] = str(trip.get("to", "stop" if kind == "approved_trip" else "none"))
        if params["to"] not in ORDER_DESTINATIONS or (kind == "order" and params["to"] != "none"):
            raise DomainError(_("%(where)s：trip 的 to 应为以下之一：%(expected)s（无人执行的派车单为 none）"),
                              field="trip", where=where, expected=", ".join(ORDER_DESTINATIONS))
        if params["trip_end"] <= params["trip_start"]:
            raise DomainError(_("%(where)s：trip 的结束须晚于开始"), field="trip", where=where)
    if kind == "approved_trip":
        if not params["trip_start"] <= at < params["trip_end"]:
            raise DomainError(_("%(where)s：trip 的时段须包含 %(at)s 的出车"), field="trip", where=where, at=raw["at"])
        params.setdefault("destination", "outside")
        if params["destination"] not in ("outside", "private"):
            raise DomainError(_("%(where)s：destination 应为 outside 或 private"), field="destination", where=where)
    if kind == "dock_miss":
        params["day"] = day
    return Event(type=kind, index=index, vehicle=str(raw["vehicle"]) if "vehicle" in raw else None, at=at,
                 params=params)


def _check_overlaps(scenario: Scenario, where) -> None:
    end = scenario.start + scenario.duration
    for e in scenario.events:
        if e.at is not None and not scenario.start <= e.at < end:
            raise DomainError(_("%(where)s：%(at)s 不在场景的时段内（%(start)s 起 %(duration)s）"), field="at",
                              where=_event_where(where, e.index), at=f"{e.at:%Y-%m-%d %H:%M}",
                              start=f"{scenario.start:%Y-%m-%d %H:%M}", duration=scenario.duration)


def check_disjoint(scenarios: list[Scenario]) -> None:
    """Scenarios run together must not steer the same vehicle (their ground truths would interfere)."""
    owner: dict[str, str] = {}
    for sc in scenarios:
        for e in sc.events:
            if e.vehicle is None:
                continue
            if owner.setdefault(e.vehicle, sc.name) != sc.name:
                raise DomainError(_("场景 %(first)s 和 %(second)s 都在操控车辆 %(vehicle)s"), field="scenario",
                                  first=owner[e.vehicle], second=sc.name, vehicle=e.vehicle)

