"""What decoders return, and the field parsing they share (timestamps, numbers, JSON)."""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import orjson

from ..choices import DeadLetterReason

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
# SPEC: an epoch number at or above this is milliseconds, below it seconds.
EPOCH_MS_FROM = 1e11


@dataclass(slots=True)  # not frozen: built once per fix; a frozen dataclass's __init__ costs three times as much
class Fix:
    """One position report, coordinates already WGS-84."""

    terminal: str
    ts: dt.datetime  # aware, UTC
    lat: float
    lon: float
    speed: float | None = None  # km/h
    heading: float | None = None  # degrees
    acc: bool | None = None
    seq: int | None = None
    crs: str = "wgs84"  # the CRS the terminal sent
    attrs: dict | None = None  # the contract's optional `attrs` object, stored with the fix (Position.attrs)


@dataclass(frozen=True, slots=True)
class DockReport:
    dock_id: str
    ts: dt.datetime
    recorder: str
    recorded_on: dt.date
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Rejection:
    """A message, or one element of an array, that cannot be used, and why."""

    reason: str
    detail: str
    payload: bytes
    terminal: str = ""


@dataclass(frozen=True, slots=True)
class Decoded:
    items: tuple  # Fix or DockReport
    rejections: tuple[Rejection, ...] = ()


class FieldError(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def load_json(payload: bytes):
    """orjson for speed; what it refuses but the standard library reads (NaN, integers beyond 64 bits) is read
    by the standard library, so both give the same verdicts and the field checks decide the rest."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FieldError(DeadLetterReason.BAD_JSON, f"not JSON: {exc}") from None


def require(obj: dict, name: str):
    value = obj.get(name)
    if value is None:
        raise FieldError(DeadLetterReason.MISSING_FIELD, f"field {name!r} is missing")
    return value


def number(obj: dict, name: str, *, required: bool) -> float | None:
    value = obj.get(name)
    if value.__class__ is float and value - value == 0.0:  # the usual case, finite (inf - inf and NaN are NaN)
        return value
    if value is None:
        return require(obj, name) if required else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise FieldError(DeadLetterReason.INVALID_FIELD, f"field {name!r} is not a number: {value!r}") from None
        else:
            raise FieldError(DeadLetterReason.INVALID_FIELD, f"field {name!r} is not a number: {value!r}")
    try:
        value = float(value)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise FieldError(DeadLetterReason.INVALID_FIELD, f"field {name!r} is not finite")
    return value


def timestamp(value, name: str = "ts") -> dt.datetime:
    """ISO 8601 (with offset; without one it is Asia/Shanghai local time), epoch seconds, or epoch ms (≥ 1e11)."""
    if isinstance(value, bool):
        raise FieldError(DeadLetterReason.INVALID_FIELD, f"field {name!r} is not a time: {value!r}")
    if isinstance(value, (int, float)):
        seconds = value / 1000.0 if value >= EPOCH_MS_FROM else float(value)
        try:
            return dt.datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise FieldError(DeadLetterReason.INVALID_FIELD, f"field {name!r} is not a time: {value!r}") from None
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise FieldError(DeadLetterReason.INVALID_FIELD, f"field {name!r} is not ISO 8601: {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=SHANGHAI)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # year 1 east of UTC (or 9999 west of it) has no UTC time
            raise FieldError(DeadLetterReason.INVALID_FIELD, f"field {name!r} is out of range: {value!r}") from None
    raise FieldError(DeadLetterReason.INVALID_FIELD, f"field {name!r} is not a time: {value!r}")


def element_payload(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
