"""Benchmark: fleet reports on a long history, on PostgreSQL (a scratch database beside QM_DATABASE_URL's).

Loads a bureau (10 brigades, 100 squadrons, duty 08:00-18:00 on weekdays) with `--vehicles` vehicles and a year of
daily rollups for each (the table `tracking_vehicleday`, as the nightly `qm rollup --trips` leaves it: distance,
moving and stopped time, fixes, the minutes with a fix, trips), and `--fix-days` days of fixes and legs for
`--fix-vehicles` of them (one fix per 10 s while moving, 10 h a day: 3,600 a day). Then prints the median of
`--repeat` runs of:
- the bureau's monthly summary (every vehicle, 30 days: distance, driving/stopped time, trips, alerts, online rate),
- the bureau's monthly online rate and daily mileage,
- one vehicle's trips for a month (read from the trips stored per finished vehicle-day, journeys.stored; and, for
  comparison, detected from its fixes with the store off),
- one vehicle's year summary (365 days of rollups),
- with TimescaleDB: the continuous aggregate refreshed over the fixes' days, and one vehicle's month read from it;
and the ingest's rate (the pipeline in process, no broker) storing the same fixes with the rollup table kept
(QM_ROLLUP=table) and without it (off), and the ratio.

Default: 600 vehicles, 5 vehicles with 30 days of fixes, 3 repeats. `--full`: 3,000 vehicles (the issue's bureau).
Targets: bureau monthly summary < 2 s, one vehicle's month of trips < 500 ms, one vehicle's year summary < 1 s, the
ingest with the rollup table at least 80 % of the rate without it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import statistics
import time
from zoneinfo import ZoneInfo

from bench.common import on_postgresql, scratch_database, setup_django

SHANGHAI = ZoneInfo("Asia/Shanghai")
END = dt.date(2026, 10, 31)  # the last day of the history (fixed: the figures do not depend on today)
BASE = (119.95, 31.78)


def _units():
    from assets import services

    root = services.unit_create(code="B", name="城市管理局", kind="bureau")
    squadrons = []
    for b in range(10):
        brigade = services.unit_create(code=f"B-{b:02d}", name=f"第{b}大队", kind="brigade", parent=root)
        for s in range(10):
            squadrons.append(services.unit_create(code=f"B-{b:02d}-{s:02d}", name=f"第{b}-{s}中队", kind="squadron",
                                                  parent=brigade))
    return root, squadrons


def _vehicles(n: int, squadrons) -> list:
    from telematics.models import Vehicle

    Vehicle.objects.bulk_create([Vehicle(plate=f"苏D·B{i:05d}", unit=squadrons[i % len(squadrons)], seats=5,
                                         terminal_id=f"B{i:05d}") for i in range(n)], batch_size=2000)
    return list(Vehicle.objects.order_by("pk"))


def _rollup_year(cur, start: dt.date, end: dt.date) -> int:
    """A year of rollup rows for every vehicle, generated on the server (20 online patterns of duty minutes)."""
    rng = random.Random(5)
    patterns = []
    for _k in range(20):
        bits = ["0"] * 1440
        for minute in range(480, 1080):
            bits[minute] = "1" if rng.random() < 0.95 else "0"
        patterns.append("".join(bits))
    cur.execute("CREATE TEMP TABLE bench_pattern (id int, m bit(1440))")
    cur.executemany("INSERT INTO bench_pattern VALUES (%s, %s::bit(1440))", list(enumerate(patterns)))
    cur.execute("INSERT INTO tracking_vehicleday (vehicle_id, day, dist_m, moving_s, stopped_s, fixes, minutes, trips) "
                "SELECT v.id, d::date, 60000 + random() * 60000, 20000 + random() * 8000, 10000 + random() * 4000,"
                " 3600, p.m, 6 + (v.id + extract(doy FROM d)::int) %% 6 "
                "FROM telematics_vehicle v CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') d "
                "JOIN bench_pattern p ON p.id = (v.id * 31 + extract(doy FROM d)::int) %% 20", [start, end])
    return cur.rowcount


def _day_track(vehicle_id: int, day: dt.date, rng: random.Random):
    """(ts, lon, lat, speed) of one day: from 08:00, 20 minutes driving at ~36 km/h then 10 minutes parked, a fix
    every 10 s, for 10 hours."""
    t = dt.datetime.combine(day, dt.time(8), SHANGHAI)
    lon, lat = BASE[0] + (vehicle_id % 50) * 0.002, BASE[1] + (vehicle_id // 50 % 50) * 0.002
    heading = rng.uniform(0, 2 * math.pi)
    out = []
    for k in range(3600):
        moving = (k % 180) < 120
        if moving:
            if k % 30 == 0:
                heading += rng.uniform(-1, 1)
            lon += 100 * math.cos(heading) / (111_320 * math.cos(math.radians(lat)))
            lat += 100 * math.sin(heading) / 111_320
        out.append((t, lon, lat, 36.0 if moving else 0.0))
        t += dt.timedelta(seconds=10)
    return out


def _fixes(cur, vehicles, start: dt.date, days: int) -> int:
    """Positions and their legs (as the rules would make them) by COPY."""
    rng = random.Random(9)
    n = 0
    with cur.copy("COPY tracking_position (terminal, ts, vehicle_id, lat, lon, speed, heading, grid_code, "
                  "received_at) FROM STDIN") as pos_copy:
        legs = []
        for v in vehicles:
            for d in range(days):
                prev = None
                for ts, lon, lat, speed in _day_track(v.pk, start + dt.timedelta(days=d), rng):
                    pos_copy.write_row((v.terminal_id, ts, v.pk, lat, lon, speed, 90.0, "", ts))
                    moving = speed > 0
                    legs.append((v.pk, ts, 100.0 if moving and prev else 0.0, 10.0 if prev else 0.0, moving))
                    prev = ts
                    n += 1
    with cur.copy("COPY tracking_leg (vehicle_id, ts, dist_m, secs, moving, grid_code) FROM STDIN") as leg_copy:
        for v, ts, dist, secs, moving in legs:
            leg_copy.write_row((v, ts, dist, secs, moving, ""))
    return n


def _median(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _ingest_rate(vehicles, day: dt.date, rollup: str, late: bool = False) -> float:
    """Fixes per second through the pipeline's stages (decode to rules and legs), batches of 2,000. The fixes are of
    a past day: `late` false takes them as live ones (no stored trips to mark), true as late ones (each batch marks
    its vehicle-days' stored trips dirty, journeys.stored.mark_late: the worst case, a replay of history)."""
    from django.conf import settings

    from telematics.tracking.pipeline import Message, Pipeline

    settings.QM_ROLLUP = rollup
    settings.QM_TRIP_STORE_SETTLE_S = 3600 if late else 10**9  # 31 years
    settings.QM_MAX_FIX_AGE_DAYS = 0
    rng = random.Random(3)
    tracks = [[(v.terminal_id, f) for f in _day_track(v.pk, day, rng)[:600]] for v in vehicles]
    messages = [Message(f"qm/terminals/{terminal}/position", json.dumps(
        {"ts": ts.isoformat(), "lon": lon, "lat": lat, "speed": speed, "heading": 90}).encode())
        for rows in zip(*tracks) for terminal, (ts, lon, lat, speed) in rows]
    pipeline = Pipeline()
    pipeline.recover()  # outside the timing: the rules' state from the checkpoint the run before left
    started = time.perf_counter()
    for k in range(0, len(messages), 2000):
        pipeline.process(messages[k:k + 2000])
    rate = len(messages) / (time.perf_counter() - started)
    pipeline.checkpoint()  # else the next run's pipeline replays these fixes first
    return rate


def _store_legs_ms(vehicles, day: dt.date, rollup: str, batches: int = 20) -> float:
    """Median milliseconds of one `store_legs` of 2,000 legs (20 per vehicle of 100), each batch later in the day."""
    from django.conf import settings
    from django.db import transaction

    from telematics.tracking.store import store_legs

    settings.QM_ROLLUP = rollup
    t0 = dt.datetime.combine(day, dt.time(8), SHANGHAI).timestamp()
    times = []
    for b in range(batches):
        rows = [(v.pk, t0 + (b * 20 + k) * 10.0, "", 100.0, 10.0, True) for v in vehicles[:100] for k in range(20)]
        started = time.perf_counter()
        with transaction.atomic():
            store_legs(rows)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _unstored(work):
    from django.conf import settings

    settings.QM_TRIP_STORE = False
    try:
        return work()
    finally:
        del settings.QM_TRIP_STORE


def _mark_ms(vehicles, day: dt.date, late: bool, batches: int = 20) -> float:
    """Median milliseconds of `mark_late` on one stored batch of 2,000 fixes (20 per vehicle of 100)."""
    from django.conf import settings

    from telematics.journeys.stored import mark_late

    settings.QM_TRIP_STORE_SETTLE_S = 3600 if late else 10**9
    t0 = dt.datetime.combine(day, dt.time(8), SHANGHAI).astimezone(dt.UTC)  # the decoders' fixes are in UTC
    times = []
    for b in range(batches):
        rows = [(v.terminal_id, t0 + dt.timedelta(seconds=(b * 20 + k) * 10), v.pk) for v in vehicles[:100]
                for k in range(20)]
        started = time.perf_counter()
        mark_late(rows)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="3,000 vehicles")
    parser.add_argument("--vehicles", type=int, default=None)
    parser.add_argument("--fix-vehicles", type=int, default=5)
    parser.add_argument("--fix-days", type=int, default=30)
    parser.add_argument("--ingest-vehicles", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args(argv)
    setup_django()
    if not on_postgresql():
        return
    vehicles_n = args.vehicles or (3000 if args.full else 600)
    from django.conf import settings
    from django.db import connection

    from telematics.models import DutySchedule
    from telematics.reports.registry import build_report
    from telematics.reports.selectors import count_trips
    from telematics.tracking import rollups

    with scratch_database("reports", keepdb=args.keepdb):
        t0 = time.perf_counter()
        root, squadrons = _units()
        DutySchedule.objects.create(unit=root, weekdays="1,2,3,4,5", start=dt.time(8), end=dt.time(18))
        vehicles = _vehicles(vehicles_n, squadrons)
        year_start = END - dt.timedelta(days=364)
        fix_start = END - dt.timedelta(days=args.fix_days - 1)
        with connection.cursor() as cur:
            rows = _rollup_year(cur, year_start, fix_start - dt.timedelta(days=1))
            fixes = _fixes(cur.cursor, vehicles[:args.fix_vehicles], fix_start, args.fix_days)
            cur.execute("ANALYZE")
        refresh_s = None
        if rollups.has_aggregate():  # before rollup_rebuild below, which refreshes it too
            lo = dt.datetime.combine(fix_start, dt.time(), SHANGHAI)
            hi = dt.datetime.combine(END + dt.timedelta(days=1), dt.time(), SHANGHAI)
            started = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(f"CALL refresh_continuous_aggregate('{rollups.AGGREGATE}', %s, %s)", [lo, hi])
            refresh_s = time.perf_counter() - started
        settings.QM_ROLLUP = "table"
        with_fixes = vehicles[:args.fix_vehicles]
        rows += rollups.rollup_rebuild(start=fix_start, end=END, vehicle_ids=[v.pk for v in with_fixes])
        counting = 0.0
        for k in range(args.fix_days):  # what the nightly `qm rollup --trips` leaves (vehicles without fixes: 0)
            day = fix_start + dt.timedelta(days=k)
            started = time.perf_counter()  # counting a day's trips stores each vehicle's detection (journeys.stored)
            counts = count_trips(with_fixes, day)
            counting += time.perf_counter() - started
            rollups.rollup_trips(day=day, counts={**{v.pk: 0 for v in vehicles}, **counts})
        print(f"   loaded {vehicles_n} vehicles, {rows:,} rollup rows (a year), {fixes:,} fixes and legs "
              f"({args.fix_vehicles} vehicles x {args.fix_days} days) in {time.perf_counter() - t0:.0f} s; trips "
              f"detected and stored per vehicle-day (as `qm rollup --trips` does) in {counting:.1f} s "
              f"({counting / (args.fix_days * len(with_fixes)) * 1000:.0f} ms a vehicle-day)", flush=True)

        month = (END - dt.timedelta(days=29), END)
        one = vehicles[0]
        figures = {
            "bureau monthly summary": lambda: build_report("summary", start=month[0], end=month[1], unit=root),
            "bureau monthly online rate": lambda: build_report("online", start=month[0], end=month[1], unit=root),
            "bureau monthly daily mileage": lambda: build_report("mileage", start=month[0], end=month[1], unit=root),
            "one vehicle's trips for a month": lambda: build_report("trips", start=month[0], end=month[1], vehicle=one),
            "one vehicle's trips for a month, detected from the fixes (QM_TRIP_STORE off)": lambda: _unstored(
                lambda: build_report("trips", start=month[0], end=month[1], vehicle=one)),
            "one vehicle's year summary": lambda: build_report("summary", start=year_start, end=END, vehicle=one),
        }
        targets = {"bureau monthly summary": 2.0, "one vehicle's trips for a month": 0.5,
                   "one vehicle's year summary": 1.0}
        for name, work in figures.items():
            median = _median(work, args.repeat)
            target = f" (target < {targets[name]:g} s)" if name in targets else ""
            print(f"   {name}: median {median * 1000:,.0f} ms{target}", flush=True)

        if refresh_s is not None:
            print(f"   continuous aggregate refreshed over {args.fix_days} days of {fixes:,} legs in {refresh_s:.1f} s "
                  f"({fixes / refresh_s:,.0f} legs/s)", flush=True)
            settings.QM_ROLLUP = "auto"
            median = _median(lambda: build_report("mileage", start=fix_start, end=END, vehicle=one), args.repeat)
            print(f"   one vehicle's month of daily mileage from the aggregate: median {median * 1000:,.0f} ms")

        legs_ms = {mode: _store_legs_ms(vehicles, END + dt.timedelta(days=10 + k), mode)
                   for k, mode in enumerate(("off", "table", "off", "table"))}
        print(f"   storing 2,000 legs: median {legs_ms['off']:.1f} ms without the rollup table, "
              f"{legs_ms['table']:.1f} ms keeping it", flush=True)
        live_ms, late_ms = _mark_ms(vehicles, END + dt.timedelta(days=20), False), _mark_ms(
            vehicles, END + dt.timedelta(days=21), True)
        print(f"   marking late fixes' stored trips dirty, a batch of 2,000 fixes of 100 vehicles: median "
              f"{live_ms:.2f} ms when none is late, {late_ms:.1f} ms when all are", flush=True)
        ingest = vehicles[-args.ingest_vehicles:]
        day = END + dt.timedelta(days=1)
        rates: dict[str, list[float]] = {"off": [], "table": []}
        for k in range(4):  # alternated, so neither gets the warm caches
            mode = ("off", "table")[k % 2]
            rates[mode].append(_ingest_rate(ingest, day + dt.timedelta(days=k), mode))
        off, table = statistics.median(rates["off"]), statistics.median(rates["table"])
        print(f"   ingest (pipeline in process, {len(ingest)} vehicles x 600 fixes): {off:,.0f} fixes/s without the "
              f"rollup table, {table:,.0f} fixes/s keeping it: ratio {table / off:.2f} (target >= 0.8)", flush=True)
        marking: dict[bool, list[float]] = {False: [], True: []}
        for k in range(4):
            late = bool(k % 2)
            marking[late].append(_ingest_rate(ingest, day + dt.timedelta(days=4 + k), "table", late=late))
        live, late = statistics.median(marking[False]), statistics.median(marking[True])
        print(f"   ingest keeping the table: {live:,.0f} fixes/s with live fixes, {late:,.0f} fixes/s with every fix "
              f"late (each batch marking its vehicle-days' stored trips dirty): ratio {late / live:.2f}", flush=True)


if __name__ == "__main__":
    main()
