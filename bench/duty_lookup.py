"""The ingest's hot-path question "is this vehicle on duty, or covered by an approved trip, at T?"; prints lookups/s.

Builds the same snapshots `telematics.calendar.duty_calendar()` / `trip_index()` hold (from in-memory rows,
so no database is needed): the sample bureau's 15 units plus one unit per 100 vehicles, weekly schedules with
overnight shifts on a third of the units (the rest inherit), two approved trips per vehicle (half with a
destination). Each lookup asks `is_on_duty(unit, t) or covering(vehicle, t, lat, lon)` for a random vehicle at
a random minute of October–November 2026 (holidays and the working Saturday included), three ways: on the
snapshots with UTC datetimes, with epoch seconds (as the ingest's rules call them: `is_on_duty_ts` and
`covering_ts` of the snapshots, bound once per batch), and with datetimes through the per-process caches
(`duty_calendar().is_on_duty(...)`, `trip_index().covering(...)`: as the API's selectors ask); and as one
batch (`on_duty_many` / `covered_many`, numpy) for stages that hold a whole batch of fixes.
Default: 200,000 lookups for 2,000 vehicles; `--full`: 1,000,000 lookups for 10,000 vehicles (target < 2 s).
The machine is shared: each figure is the best of `--repeat` runs (as timeit reports), CPU seconds beside
wall-clock seconds, and a baseline loop calling two no-op functions shows what the interpreter costs right now.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from types import SimpleNamespace

import numpy as np

from telematics import calendar as fleet_calendar
from telematics.calendar import SHANGHAI, DutyCalendar, TripIndex


def build(vehicles: int, rng: random.Random):
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 1}
    for brigade in (10, 20, 30):
        parents[brigade] = 2
        for squadron in range(1, 4):
            parents[brigade + squadron] = brigade
    leaves = [u for u in parents if u % 10]
    for extra in range(vehicles // 100):
        unit_id = 1000 + extra
        parents[unit_id] = rng.choice(leaves)
    schedules = [(1, "1-5", dt.time(8, 30), dt.time(17, 30))]
    for unit_id in list(parents)[::3]:
        schedules.append((unit_id, "1-5", dt.time(7), dt.time(12)))
        schedules.append((unit_id, "1-7", dt.time(20), dt.time(2)))
    calendar = DutyCalendar(parents=parents, schedules=schedules, overrides={dt.date(2026, 11, 18): "holiday"})
    units = list(parents)
    unit_of = {v: rng.choice(units) for v in range(1, vehicles + 1)}
    base = dt.datetime(2026, 10, 1, tzinfo=SHANGHAI)
    trips = []
    for v in unit_of:
        for _ in range(2):
            start = base + dt.timedelta(minutes=rng.randrange(60 * 24 * 60))
            with_dest = rng.random() < 0.5
            trips.append(SimpleNamespace(
                vehicle_id=v, start=start, end=start + dt.timedelta(hours=rng.randint(1, 8)),
                dest_lat=31.78 + rng.uniform(-0.05, 0.05) if with_dest else None,
                dest_lon=119.95 + rng.uniform(-0.05, 0.05) if with_dest else None, dest_radius_m=100))
    return calendar, TripIndex(trips), unit_of


def _install(calendar: DutyCalendar, trips: TripIndex) -> None:
    """Puts the in-memory snapshots in the per-process caches for good (no database behind them here)."""
    for cache, value in ((fleet_calendar._calendar_cache, calendar), (fleet_calendar._trip_cache, trips)):
        cache._value = value
        cache._next_check = float("inf")


def _run(lookups, unit_of, on_duty, covering) -> tuple[float, float, int]:
    started, cpu = time.perf_counter(), time.process_time()
    allowed = 0
    for vehicle_id, at, lat, lon in lookups:
        if on_duty(unit_of[vehicle_id], at) or covering(vehicle_id, at, lat, lon) is not None:
            allowed += 1
    return time.perf_counter() - started, time.process_time() - cpu, allowed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="1,000,000 lookups for 10,000 vehicles")
    parser.add_argument("--lookups", type=int, default=200_000)
    parser.add_argument("--vehicles", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best is printed")
    args = parser.parse_args(argv)
    lookups, vehicles = (1_000_000, 10_000) if args.full else (args.lookups, args.vehicles)
    rng = random.Random(5)
    started = time.perf_counter()
    calendar, trips, unit_of = build(vehicles, rng)
    print(f"snapshots for {vehicles:,} vehicles built in {time.perf_counter() - started:.2f} s")
    # The ingest holds UTC instants (datetime.fromtimestamp(ts, UTC)) and the fixes' epoch seconds.
    base = dt.datetime(2026, 9, 30, 16, tzinfo=dt.timezone.utc)
    queries = [(v, base + dt.timedelta(seconds=rng.randrange(61 * 86400)), 31.78 + rng.uniform(-0.05, 0.05),
                119.95 + rng.uniform(-0.05, 0.05))
               for v in (rng.randint(1, vehicles) for _ in range(lookups))]
    epochs = [(v, at.timestamp(), lat, lon) for v, at, lat, lon in queries]
    _install(calendar, trips)

    def on_duty_through_cache(unit_id, at):
        return fleet_calendar.duty_calendar().is_on_duty(unit_id, at)

    def covering_through_cache(vehicle_id, at, lat, lon):
        return fleet_calendar.trip_index().covering(vehicle_id, at, lat=lat, lon=lon)

    def nothing(*args, **kwargs):
        return None

    # The interpreter's floor on this machine right now: the same loop with two calls that do nothing.
    elapsed, cpu, _ = min(_run(queries, unit_of, nothing, nothing) for _ in range(args.repeat))
    print(f"baseline: the same loop calling two no-op functions: {elapsed:.2f} s ({cpu:.2f} s CPU)")
    for label, batch, on_duty, covering in (
            ("UTC datetime", queries, calendar.is_on_duty, trips.covering),
            ("epoch seconds, as the ingest's rules call it", epochs, calendar.is_on_duty_ts, trips.covering_ts),
            ("UTC datetime through the caches, as the API asks", queries, on_duty_through_cache,
             covering_through_cache)):
        elapsed, cpu, allowed = min(_run(batch, unit_of, on_duty, covering) for _ in range(args.repeat))
        _report(lookups, label, elapsed, cpu, allowed)
        one_by_one = allowed
    units = np.array([unit_of[v] for v, *_ in epochs], dtype=np.int64)
    vehicle_ids, ts, lats, lons = (np.array(column) for column in zip(*epochs))

    def batch_run():
        started, cpu = time.perf_counter(), time.process_time()
        allowed = calendar.on_duty_many(units, ts)
        off = ~allowed
        allowed[off] = trips.covered_many(vehicle_ids[off], ts[off], lats[off], lons[off])
        return time.perf_counter() - started, time.process_time() - cpu, allowed

    elapsed, cpu, allowed = min((batch_run() for _ in range(args.repeat)), key=lambda run: run[0])
    _report(lookups, "one batch, numpy", elapsed, cpu, int(allowed.sum()))
    if int(allowed.sum()) != one_by_one:
        raise SystemExit(f"the batch allowed {int(allowed.sum())} lookups, one by one {one_by_one}")


def _report(lookups: int, label: str, elapsed: float, cpu: float, allowed: int) -> None:
    print(f"{lookups:,} on-duty-or-covered lookups ({label}) in {elapsed:.2f} s ({cpu:.2f} s CPU): "
          f"{lookups / elapsed:,.0f}/s, {allowed / lookups:.0%} allowed; "
          f"{elapsed * 1_000_000 / lookups:.2f} s per 1,000,000 (target < 2 s)")


if __name__ == "__main__":
    main()
