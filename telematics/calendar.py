"""Cached duty calendars (with the units' depots), trip coverage and sealed periods for the ingest's hot path: "is this
unit on duty / this vehicle covered / sealed at T?".

Both caches are snapshots of the database held per process. A snapshot is replaced when
- a service or any ORM save/delete of the underlying rows in this process invalidates it (signals below), or
- its fingerprint (a cheap read of the rows' identities) changed, checked at most every
  `QM_DUTY_CACHE_SECONDS` (default 5) seconds — this catches writes by other processes and bulk writers, or
- a unit the snapshot does not know is asked about (a unit created since), once per unit and snapshot.

Times: shifts are local Asia/Shanghai wall-clock times (SPEC). Resolution is one minute.
Lookups one at a time (`is_on_duty`, `covering`, and `_ts` variants for epoch seconds) are what the rules call per
fix; `on_duty_many` / `covered_many` answer a whole batch with numpy. `bench/duty_lookup.py` measures both.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from math import cos, radians
from zoneinfo import ZoneInfo

import chinese_calendar
import numpy as np
from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

from .choices import HolidayKind, TripStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
# Asia/Shanghai has been a fixed UTC+8 since daylight saving ended in 1991; from 1992 on the local
# day and minute are plain arithmetic on the epoch (or on a UTC datetime's fields), which is what keeps a
# lookup well under a microsecond. Local days before 1992 always take the slow, zoneinfo path.
_FIXED_OFFSET_SINCE = 694_224_000  # 1992-01-01T00:00:00Z
_FIXED_FROM_DAY = 8035  # 1992-01-01 as a day number since 1970-01-01
_OFFSET = 8 * 3600
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_MINUTES = 1440
# Day kinds: 0 no duty (holiday), 1..7 the ISO weekday whose schedule applies.
_HOLIDAY = 0
_MONDAY = 1
_DEFAULT_DESTINATION_RADIUS_M = 100.0
_M_PER_DEG = 111_320.0


def _check_seconds() -> float:
    return float(getattr(settings, "QM_DUTY_CACHE_SECONDS", 5))


def parse_weekdays(text: str) -> frozenset[int]:
    """"1-5", "1,2,3", "6,7" or "1-3,6" -> ISO weekdays; raises ValueError naming the bad part."""
    days: set[int] = set()
    for part in str(text).replace("，", ",").replace(" ", "").split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError:
            raise ValueError(f"weekdays {text!r}: {part!r} is not a weekday number 1-7 or a range like 1-5") from None
        if not (1 <= first <= last <= 7):
            raise ValueError(f"weekdays {text!r}: {part!r} is outside 1-7 (1 = Monday) or reversed")
        days.update(range(first, last + 1))
    if not days:
        raise ValueError(f"weekdays {text!r}: no weekday given")
    return frozenset(days)


def _slow_day_minute(ts: float) -> tuple[int, int]:
    """(local day number since 1970-01-01, minute of the local day) before Shanghai's offset became fixed."""
    local_dt = dt.datetime.fromtimestamp(ts, SHANGHAI)
    return local_dt.toordinal() - _EPOCH_ORDINAL, local_dt.hour * 60 + local_dt.minute


def _default_day_kind(day: dt.date) -> int:
    """chinese-calendar's verdict: statutory holiday -> no duty; weekend made a working day (调休) -> Monday."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # outside the years the package knows: a plain week
        return day.isoweekday()
    if on_holiday and name is not None:
        return _HOLIDAY
    if not on_holiday and day.isoweekday() >= 6:
        return _MONDAY
    return day.isoweekday()


class _UnitProfile:
    """One weekly schedule: shifts per day kind, and one flat duty table indexed by
    (kind today * 8 + kind yesterday) * 1440 + minute of the day."""

    __slots__ = ("shifts", "flat")

    def __init__(self, shifts: dict[int, list[tuple[int, int]]]):
        # shifts[kind] = [(start_minute, end_minute)], end_minute > start_minute, up to 2 * 1440 for overnight.
        self.shifts = shifts
        own = [bytearray(_MINUTES) for _ in range(8)]
        spill = [bytearray(_MINUTES) for _ in range(8)]
        for kind, spans in shifts.items():
            for start, end in spans:
                for m in range(start, min(end, _MINUTES)):
                    own[kind][m] = 1
                for m in range(0, max(end - _MINUTES, 0)):
                    spill[kind][m] = 1
        # Overnight shifts begun yesterday run into today's first minutes; one bytes object so that a lookup
        # is a single index.
        self.flat = b"".join(bytes(a | b for a, b in zip(own[today], spill[yesterday]))
                             for today in range(8) for yesterday in range(8))


_NO_DUTY = _UnitProfile({})


class DutyCalendar:
    """A snapshot of every unit's effective weekly schedule (own, else the nearest ancestor's) and of the day kinds.

    A unit with no schedule of its own nor on any ancestor has no duty hours (SPEC: movement outside
    duty hours is off-duty use)."""

    def __init__(self, *, parents: dict[int, int | None], schedules: list[tuple[int, str, dt.time, dt.time]],
                 overrides: dict[dt.date, str], depots: dict[int, tuple[float, float, float]] | None = None,
                 fingerprint: str = ""):
        self.fingerprint = fingerprint
        self._overrides = {day: (_HOLIDAY if kind == HolidayKind.HOLIDAY else _MONDAY) for day, kind in overrides.items()}
        own: dict[int, dict[int, list[tuple[int, int]]]] = {}
        for unit_id, weekdays, start, end in schedules:
            s = start.hour * 60 + start.minute
            e = end.hour * 60 + end.minute
            if e <= s:
                e += _MINUTES
            for day in parse_weekdays(weekdays):
                own.setdefault(unit_id, {}).setdefault(day, []).append((s, e))
        profiles = {unit_id: _UnitProfile({k: sorted(v) for k, v in shifts.items()}) for unit_id, shifts in own.items()}
        self._profiles: dict[int, _UnitProfile] = {}
        for unit_id in parents:
            self._profiles[unit_id] = self._resolve(unit_id, parents, profiles)
        self._flat = {unit_id: profile.flat for unit_id, profile in self._profiles.items()}
        # A unit's depot is its own, else its nearest ancestor's (as with duty hours).
        own_depots = depots or {}
        self._depots: dict[int, tuple[float, float, float] | None] = {
            unit_id: self._resolve(unit_id, parents, own_depots, None) for unit_id in parents}
        # day number -> offset of that day's (kind today, kind yesterday) table in a unit's flat table
        self._offsets: dict[int, int] = {}

    @staticmethod
    def _resolve(unit_id, parents, own, default=_NO_DUTY):
        seen = set()
        current = unit_id
        while current is not None and current not in seen:
            if current in own:
                return own[current]
            seen.add(current)
            current = parents.get(current)
        return default

    def depot(self, unit_id: int) -> tuple[float, float, float] | None:
        """(lat, lon, radius_m) of the depot where the unit's vehicles belong outside duty, or None."""
        try:
            return self._depots[unit_id]
        except KeyError:
            _unknown_unit(unit_id)
            return _calendar_cache.get()._depots.get(unit_id)

    def duty_end_ts(self, unit_id: int, ts: float) -> float | None:
        """The end of the duty hours of the first duty day (a local day with shifts) that end after `ts` (epoch
        seconds), looking a week ahead; None when the unit has no duty hours that week."""
        profile = self._profiles.get(unit_id) or _unknown_unit(unit_id)
        if not profile.shifts:
            return None
        first = int(ts + _OFFSET) // 86_400
        for day_number in range(first - 1, first + 8):
            spans = profile.shifts.get(self.day_kind(dt.date.fromordinal(day_number + _EPOCH_ORDINAL)))
            if spans:
                end = day_number * 86_400 - _OFFSET + max(e for _, e in spans) * 60
                if end > ts:
                    return float(end)
        return None

    def schedule_key(self, unit_id: int):
        """The same object for units with the same duty hours (those inheriting one unit's schedule): a cache key
        for per-day work such as the online rate's duty minutes."""
        return self._profiles.get(unit_id) or _unknown_unit(unit_id)

    def knows(self, unit_id: int) -> bool:
        return unit_id in self._profiles

    def day_kind(self, day: dt.date) -> int:
        """0 when `day` is a holiday, else the ISO weekday whose schedule applies (1 on an adjusted working day)."""
        kind = self._overrides.get(day)
        return kind if kind is not None else _default_day_kind(day)

    def _offset(self, day_number: int) -> int:
        day = dt.date.fromordinal(day_number + _EPOCH_ORDINAL)
        offset = (self.day_kind(day) * 8 + self.day_kind(day - dt.timedelta(days=1))) * _MINUTES
        if day_number >= _FIXED_FROM_DAY:
            self._offsets[day_number] = offset
        return offset

    def _lookup_slow(self, unit_id: int, day: int, minute: int, ts: float | None) -> bool:
        """A unit or a day not seen yet by this snapshot, or an instant before 1992 (`ts`: recompute its local day
        and minute through zoneinfo)."""
        if ts is not None and ts < _FIXED_OFFSET_SINCE:
            day, minute = _slow_day_minute(ts)
        flat = self._flat.get(unit_id)
        if flat is None:
            flat = _unknown_unit(unit_id).flat
        offset = self._offsets.get(day)
        if offset is None:
            offset = self._offset(day)
        return flat[offset + minute] == 1

    # The two lookups below are the ingest's hot path: kept flat (no helper calls on the common path) on purpose.
    def is_on_duty(self, unit_id: int, at: dt.datetime) -> bool:
        """Whether `unit_id` has duty hours at `at` (a shift begun the evening before counts after midnight);
        naive datetimes are Asia/Shanghai local time."""
        tz = at.tzinfo
        if tz is UTC:  # what the ingest holds: local time is eight hours on, read from the fields
            minute = at.hour * 60 + at.minute + 480
            day = at.toordinal() - 719_163
            if minute >= 1440:
                day += 1
                minute -= 1440
        elif tz is SHANGHAI or tz is None:
            day, minute = at.toordinal() - 719_163, at.hour * 60 + at.minute
        else:
            return self.is_on_duty_ts(unit_id, at.timestamp())
        try:
            return self._flat[unit_id][self._offsets[day] + minute] == 1
        except KeyError:
            return self._lookup_slow(unit_id, day, minute, None if tz is None else at.timestamp())

    def is_on_duty_ts(self, unit_id: int, ts: float) -> bool:
        """`is_on_duty` for epoch seconds (what the ingest holds), without building a datetime."""
        minute = int(ts + 28_800) // 60
        day = minute // 1440
        minute -= day * 1440
        try:
            return self._flat[unit_id][self._offsets[day] + minute] == 1
        except KeyError:
            return self._lookup_slow(unit_id, day, minute, ts)

    def on_duty_many(self, unit_ids, ts) -> np.ndarray:
        """`is_on_duty_ts` for a whole batch (the ingest's stages work on batches): unit ids and epoch seconds as
        sequences or arrays of one length -> a boolean array. Units and days are resolved once per distinct value;
        instants before 1992 take the one-by-one path."""
        units = np.asarray(unit_ids, dtype=np.int64)
        ts = np.asarray(ts, dtype=np.float64)
        if not len(units):
            return np.zeros(0, dtype=bool)
        minutes = np.floor((ts + _OFFSET) / 60).astype(np.int64)
        days = minutes // _MINUTES
        minutes -= days * _MINUTES
        distinct_days, day_index = np.unique(days, return_inverse=True)
        offsets = np.array([self._offsets[d] if d in self._offsets else self._offset(d)
                            for d in distinct_days.tolist()], dtype=np.int64)
        # One table row per distinct schedule in the batch (units inheriting one schedule share its row).
        distinct_units, unit_index = np.unique(units, return_inverse=True)
        row_of_table: dict[int, int] = {}
        tables, rows = [], []
        for unit_id in distinct_units.tolist():
            flat = self._flat.get(unit_id) or _unknown_unit(unit_id).flat
            if id(flat) not in row_of_table:
                row_of_table[id(flat)] = len(tables)
                tables.append(np.frombuffer(flat, dtype=np.uint8))
            rows.append(row_of_table[id(flat)])
        result = np.vstack(tables)[np.asarray(rows)[unit_index], offsets[day_index] + minutes] == 1
        for i in np.flatnonzero(ts < _FIXED_OFFSET_SINCE).tolist():
            result[i] = self.is_on_duty_ts(int(units[i]), float(ts[i]))
        return result

    def kinds_with_duty(self, unit_id: int) -> frozenset[int]:
        """The day kinds (see `day_kind`) on which the unit has a shift starting: with the days' kinds, which days
        of a period are duty days, without a lookup per unit and day (compliance's recorder-days)."""
        profile = self._profiles.get(unit_id) or _unknown_unit(unit_id)
        return frozenset(kind for kind, spans in profile.shifts.items() if spans)

    def duty_windows(self, unit_id: int, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The duty windows overlapping the local day `day`, each a whole shift (an overnight shift begun the day
        before included), overlapping shifts merged; aware datetimes in Asia/Shanghai."""
        profile = self._profiles.get(unit_id) or _unknown_unit(unit_id)
        spans: list[tuple[dt.datetime, dt.datetime]] = []
        for base in (day - dt.timedelta(days=1), day):
            midnight = dt.datetime.combine(base, dt.time(), tzinfo=SHANGHAI)
            for start, end in profile.shifts.get(self.day_kind(base), ()):
                s, e = midnight + dt.timedelta(minutes=start), midnight + dt.timedelta(minutes=end)
                if base < day and e <= dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI):
                    continue
                spans.append((s, e))
        spans.sort()
        merged: list[tuple[dt.datetime, dt.datetime]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return merged


@dataclass(frozen=True)
class _TripSpan:
    start: float
    end: float
    trip: object  # telematics.models.Trip, a read-only snapshot
    lat: float | None
    lon: float | None
    radius_m: float


class TripIndex:
    """A snapshot of approved trips, laid out for few memory reads per lookup (on a busy machine the cache misses of
    chasing per-vehicle objects cost more than the arithmetic): every trip's start and the running maximum of ends
    in two flat arrays of epoch seconds, sorted by (vehicle, start), and each vehicle's slice of them in an array
    indexed by vehicle id. The trip objects are read only on a hit."""

    def __init__(self, trips, fingerprint: str = ""):
        self.fingerprint = fingerprint
        by_vehicle: dict[int, list[_TripSpan]] = {}
        for trip in trips:
            by_vehicle.setdefault(trip.vehicle_id, []).append(_TripSpan(
                trip.start.timestamp(), trip.end.timestamp(), trip, trip.dest_lat, trip.dest_lon,
                float(_DEFAULT_DESTINATION_RADIUS_M if trip.dest_radius_m is None else trip.dest_radius_m)))
        size = max(by_vehicle, default=-1) + 2
        self._first = array("q", bytes(8 * size))  # vehicle id -> index of its first trip; id + 1 -> past its last
        self._starts, self._max_end = array("d"), array("d")
        self._spans: list[_TripSpan] = []
        for vehicle_id in range(size - 1):
            self._first[vehicle_id] = len(self._spans)
            spans = sorted(by_vehicle.get(vehicle_id, ()), key=lambda s: s.start)
            running = float("-inf")
            for span in spans:
                running = max(running, span.end)
                self._starts.append(span.start)
                self._max_end.append(running)
            self._spans += spans
        self._first[size - 1] = len(self._spans)

    # The two lookups below are the ingest's hot path: kept flat (no helper calls) on purpose.
    def covering(self, vehicle_id: int, at: dt.datetime, lat: float | None = None, lon: float | None = None):
        """The approved trip of the vehicle whose window holds `at` (inclusive), and — given a place — whose
        destination is within its radius of the place (a trip without destination covers any place); else None.
        Naive datetimes are Asia/Shanghai local time. The trip returned is a shared snapshot: read it only."""
        t = (at if at.tzinfo is not None else at.replace(tzinfo=SHANGHAI)).timestamp()
        return self.covering_ts(vehicle_id, t, lat, lon)

    def covered_many(self, vehicle_ids, ts, lats=None, lons=None) -> np.ndarray:
        """Whether `covering_ts` finds a trip, for a whole batch -> a boolean array. One sorted search over all
        trips finds each fix's latest trip started by then; only fixes inside some trip's window (rare) are checked
        one by one, which is where destinations and overlapping trips are looked at."""
        vehicles = np.asarray(vehicle_ids, dtype=np.int64)
        ts = np.asarray(ts, dtype=np.float64)
        result = np.zeros(len(vehicles), dtype=bool)
        if not self._spans or not len(vehicles):
            return result
        first = np.frombuffer(self._first, dtype=np.int64)
        known = (vehicles >= 0) & (vehicles < len(first) - 1)
        v = np.where(known, vehicles, 0)
        lo, hi = np.where(known, first[v], 0), np.where(known, first[v + 1], 0)
        starts = np.frombuffer(self._starts, dtype=np.float64)
        max_end = np.frombuffer(self._max_end, dtype=np.float64)
        # Within a vehicle's slice the starts are sorted: search each fix in its own slice at once.
        i = np.minimum(_searchsorted_in_slices(starts, lo, hi, ts), hi) - 1
        inside = (i >= lo) & (hi > lo)
        i = np.where(inside, i, 0)
        candidates = np.flatnonzero(inside & (max_end[i] >= ts))
        for k in candidates:
            lat = None if lats is None else float(lats[k])
            lon = None if lons is None else float(lons[k])
            result[k] = self.covering_ts(int(vehicles[k]), float(ts[k]), lat, lon) is not None
        return result

    def covering_ts(self, vehicle_id: int, t: float, lat: float | None = None, lon: float | None = None):
        """`covering` for epoch seconds (what the ingest holds), without building a datetime."""
        try:
            lo, hi = self._first[vehicle_id], self._first[vehicle_id + 1]
        except (IndexError, TypeError):  # no trip of this vehicle (nor of any with a higher id), or no vehicle
            return None
        if lo == hi:
            return None
        max_end = self._max_end
        i = bisect_right(self._starts, t, lo, hi) - 1
        while i >= lo and max_end[i] >= t:
            span = self._spans[i]
            if span.end >= t and (lat is None or lon is None or span.lat is None
                                  or _within(span.lat, span.lon, lat, lon, span.radius_m)):
                return span.trip
            i -= 1
        return None


def _searchsorted_in_slices(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each target, the first index in values[lo:hi] (sorted) whose value is greater (bisect_right), all at once:
    a binary search run in lockstep over every slice."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        open_ = lo < hi
        if not open_.any():
            return lo
        mid = (lo + hi) // 2
        probe = values[np.where(open_, mid, 0)]
        right = open_ & (probe <= targets)
        left = open_ & ~right
        lo = np.where(right, mid + 1, lo)
        hi = np.where(left, mid, hi)


def _within(lat1: float, lon1: float, lat2: float, lon2: float, radius_m: float) -> bool:
    # An equirectangular distance is within centimetres of the great circle at a few hundred metres.
    dy = (lat1 - lat2) * _M_PER_DEG
    dx = (lon1 - lon2) * _M_PER_DEG * cos(radians((lat1 + lat2) / 2))
    return dx * dx + dy * dy <= radius_m * radius_m


class SealIndex:
    """A snapshot of the sealed (封存) periods: vehicle id -> [(start, end)] in epoch seconds, from the local midnight
    beginning the first day to the one ending the last."""

    def __init__(self, seals, fingerprint: str = ""):
        self.fingerprint = fingerprint
        self._periods: dict[int, tuple[tuple[float, float], ...]] = {}
        by_vehicle: dict[int, list[tuple[float, float]]] = {}
        for vehicle_id, first, last in seals:
            start = dt.datetime.combine(first, dt.time(), SHANGHAI).timestamp()
            end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), SHANGHAI).timestamp()
            by_vehicle.setdefault(vehicle_id, []).append((start, end))
        self._periods = {v: tuple(sorted(p)) for v, p in by_vehicle.items()}

    def sealed_ts(self, vehicle_id: int, ts: float) -> tuple[float, float] | None:
        """The sealed period of the vehicle holding `ts` (epoch seconds), or None."""
        periods = self._periods.get(vehicle_id)
        if periods is None:
            return None
        for period in periods:
            if period[0] <= ts < period[1]:
                return period
        return None


# --- the per-process caches ----------------------------------------------------------------------

class _Cache:
    """Holds one snapshot; rebuilds it when invalidated or when its fingerprint changed (checked every few seconds)."""

    def __init__(self, fingerprint, build):
        self._fingerprint = fingerprint
        self._build = build
        self._value = None
        # When the fingerprint is next read: kept as a deadline so that `get` needs no settings lookup.
        self._next_check = 0.0
        self._lock = threading.Lock()

    def get(self):
        value = self._value
        if value is not None and time.monotonic() < self._next_check:
            return value
        return self._refresh()

    def _refresh(self, force_check: bool = False):
        with self._lock:
            value = self._value
            now = time.monotonic()
            if value is not None and not force_check and now < self._next_check:
                return value
            fingerprint = self._fingerprint()
            if value is None or value.fingerprint != fingerprint:
                value = self._build(fingerprint)
                self._value = value
            self._next_check = now + _check_seconds()
            return value

    def check_now(self):
        return self._refresh(force_check=True)

    def invalidate(self) -> None:
        self._value = None


def _digest(*parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _calendar_fingerprint() -> str:
    from assets.models import OrgUnit

    from .models import DutySchedule, Holiday
    return _digest(list(OrgUnit.objects.order_by("pk").values_list("pk", "parent_id", "depot_lat", "depot_lon",
                                                                    "depot_radius_m")),
                   list(DutySchedule.objects.order_by("pk").values_list("pk", "unit_id", "weekdays", "start", "end")),
                   list(Holiday.objects.order_by("date").values_list("date", "kind")))


def _build_calendar(fingerprint: str) -> DutyCalendar:
    from assets.models import OrgUnit

    from .models import DutySchedule, Holiday
    return DutyCalendar(
        parents=dict(OrgUnit.objects.values_list("pk", "parent_id")),
        schedules=list(DutySchedule.objects.values_list("unit_id", "weekdays", "start", "end")),
        overrides=dict(Holiday.objects.values_list("date", "kind")),
        depots={pk: (lat, lon, r) for pk, lat, lon, r in OrgUnit.objects.filter(depot_lat__isnull=False)
                .values_list("pk", "depot_lat", "depot_lon", "depot_radius_m")},
        fingerprint=fingerprint,
    )


def _trip_fingerprint() -> str:
    from .models import Trip
    agg = Trip.objects.aggregate(n=Count("pk"), last=Max("pk"), changed=Max("updated_at"))
    return _digest(agg["n"], agg["last"], agg["changed"])


def _build_trips(fingerprint: str) -> TripIndex:
    from .models import Trip
    return TripIndex(Trip.objects.filter(status=TripStatus.APPROVED), fingerprint=fingerprint)


def _seal_fingerprint() -> str:
    from .models import VehicleSeal
    agg = VehicleSeal.objects.aggregate(n=Count("pk"), last=Max("pk"), changed=Max("updated_at"))
    return _digest(agg["n"], agg["last"], agg["changed"])


def _build_seals(fingerprint: str) -> SealIndex:
    from .models import VehicleSeal
    return SealIndex(VehicleSeal.objects.values_list("vehicle_id", "sealed_from", "sealed_to"), fingerprint=fingerprint)


_calendar_cache = _Cache(_calendar_fingerprint, _build_calendar)
_trip_cache = _Cache(_trip_fingerprint, _build_trips)
_seal_cache = _Cache(_seal_fingerprint, _build_seals)
_unknown_checked: set[tuple[str, int]] = set()


def _unknown_unit(unit_id: int) -> _UnitProfile:
    """A unit the snapshot does not know was probably created since: look once per snapshot, then answer."""
    current = _calendar_cache.get()
    key = (current.fingerprint, unit_id)
    if key not in _unknown_checked:
        _unknown_checked.add(key)
        current = _calendar_cache.check_now()
    return current._profiles.get(unit_id, _NO_DUTY)


# duty_calendar() -> the current DutyCalendar snapshot; trip_index() -> the current TripIndex snapshot. Cheap: call
# them per lookup or per batch. Bound methods rather than wrapper functions: the ingest calls them per fix.
duty_calendar = _calendar_cache.get
trip_index = _trip_cache.get
seal_index = _seal_cache.get


def is_on_duty(unit_id: int, at: dt.datetime) -> bool:
    return _calendar_cache.get().is_on_duty(unit_id, at)


def invalidate_calendar() -> None:
    _calendar_cache.invalidate()


def invalidate_trips() -> None:
    _trip_cache.invalidate()


def invalidate_seals() -> None:
    _seal_cache.invalidate()


def _on_calendar_change(sender, **kwargs):
    invalidate_calendar()


def _on_trip_change(sender, **kwargs):
    invalidate_trips()


def _on_seal_change(sender, **kwargs):
    invalidate_seals()


def _on_setting_changed(setting, **kwargs):
    if setting == "QM_DUTY_CACHE_SECONDS":
        invalidate_calendar()
        invalidate_trips()
        invalidate_seals()


def connect() -> None:
    """Any save/delete of units, schedules, holidays or trips in this process drops the matching snapshot (and a
    changed QM_DUTY_CACHE_SECONDS drops both)."""
    from assets.models import OrgUnit

    from .models import DutySchedule, Holiday, Trip, VehicleSeal
    for model in (OrgUnit, DutySchedule, Holiday):
        post_save.connect(_on_calendar_change, sender=model, dispatch_uid=f"qm_calendar_{model.__name__}_save")
        post_delete.connect(_on_calendar_change, sender=model, dispatch_uid=f"qm_calendar_{model.__name__}_delete")
    post_save.connect(_on_trip_change, sender=Trip, dispatch_uid="qm_trips_save")
    post_delete.connect(_on_trip_change, sender=Trip, dispatch_uid="qm_trips_delete")
    post_save.connect(_on_seal_change, sender=VehicleSeal, dispatch_uid="qm_seals_save")
    post_delete.connect(_on_seal_change, sender=VehicleSeal, dispatch_uid="qm_seals_delete")
    setting_changed.connect(_on_setting_changed, dispatch_uid="qm_calendar_setting")


def is_working_day(day: dt.date) -> bool:
    """A working day of the bureau: Monday to Friday or an adjusted working day (调休), and not a holiday (the
    `holidays` sheet, else the statutory calendar)."""
    return 1 <= duty_calendar().day_kind(day) <= 5


def working_days_after(day: dt.date, n: int) -> dt.date:
    """The `n`-th working day after `day` (`day` itself not counted); `day` when `n` is 0."""
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return day
