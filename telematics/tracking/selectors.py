"""Reads of the position store: tracks with stops and trips, daily mileage (for the dossier), grid coverage,
latest positions, dead-letter counts."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import Count

from gis.services import place_labels
from quartermaster.dbrouter import reader

from .models import DeadLetter, Leg, Position

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
STOP_MIN_S = 120  # a pause shorter than this (a red light) is part of the trip


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.combine(start, dt.time(), SHANGHAI),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI))


# Daily mileage on PostgreSQL: from the continuous aggregate on TimescaleDB, else summed from the legs; both
# give (local day start, metres, driving seconds) and are run as they are by the TimescaleDB tests on PGlite.
MILEAGE_AGGREGATE_SQL = ("SELECT day, dist_m, driving_s FROM tracking_daily_mileage "
                         "WHERE vehicle_id = %s AND day >= %s AND day < %s")
MILEAGE_LEGS_SQL = ("SELECT day, sum(dist_m), sum(CASE WHEN moving THEN secs ELSE 0 END) FROM "
                    "(SELECT date_trunc('day', ts AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' AS day, "
                    "dist_m, secs, moving FROM tracking_leg WHERE vehicle_id = %s AND ts >= %s AND ts < %s) legs "
                    "GROUP BY day")


def has_continuous_aggregate(cur) -> bool:
    cur.execute("SELECT to_regclass('tracking_daily_mileage') IS NOT NULL")
    return bool(cur.fetchone()[0])


def mileage_rows(cur, vehicle_id: int, lo: dt.datetime, hi: dt.datetime) -> dict[dt.date, tuple[float, float]]:
    """PostgreSQL: local day -> (metres, driving seconds) for [lo, hi), from whichever storage the server has."""
    cur.execute(MILEAGE_AGGREGATE_SQL if has_continuous_aggregate(cur) else MILEAGE_LEGS_SQL, [vehicle_id, lo, hi])
    return {day.astimezone(SHANGHAI).date(): (float(dist or 0.0), float(secs or 0.0))
            for day, dist, secs in cur.fetchall()}


def daily_mileage(vehicle_id: int, start_date: dt.date, end_date: dt.date) -> list[tuple[dt.date, float, int]]:
    """Every local day from start_date to end_date: (day, km driven, seconds driving). GPS drift while
    stopped counts nothing (the rules' legs). On TimescaleDB the continuous aggregate answers."""
    lo, hi = _day_bounds(start_date, end_date)
    totals: dict[dt.date, list[float]] = defaultdict(lambda: [0.0, 0.0])
    connection = reader()  # the replica inside a replica-read view (quartermaster.dbrouter)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            totals.update({day: list(v) for day, v in mileage_rows(cur, vehicle_id, lo, hi).items()})
    else:
        legs = Leg.objects.filter(vehicle_id=vehicle_id, ts__gte=lo, ts__lt=hi).values_list("ts", "dist_m", "secs",
                                                                                              "moving")
        for ts, dist, secs, moving in legs.iterator(chunk_size=10_000):
            day = totals[ts.astimezone(SHANGHAI).date()]
            day[0] += dist
            if moving:
                day[1] += secs
    days = []
    day = start_date
    while day <= end_date:
        dist, secs = totals.get(day, (0.0, 0.0))
        days.append((day, round(dist / 1000.0, 3), int(round(secs))))
        day += dt.timedelta(days=1)
    return days


def vehicle_track(vehicle_id: int, start: dt.datetime, end: dt.datetime) -> dict:
    """The fixes of a vehicle in [start, end] with its stops (standing ≥ 2 min, with their place label) and the
    trips between them."""
    fixes = list(Position.objects.filter(vehicle_id=vehicle_id, ts__gte=start, ts__lte=end).order_by("ts")
                 .values_list("ts", "lat", "lon", "speed", "heading", "grid_code"))
    legs = {ts: (dist, secs, moving) for ts, dist, secs, moving in
            Leg.objects.filter(vehicle_id=vehicle_id, ts__gte=start, ts__lte=end).values_list("ts", "dist_m", "secs",
                                                                                               "moving")}
    stops, trips = [], []
    run: list = []  # the current stretch of fixes standing still
    trip: dict | None = None

    def close_run():
        nonlocal trip
        if run and (run[-1][0] - run[0][0]).total_seconds() >= STOP_MIN_S:
            if trip is not None:
                trip["end"] = run[0][0].isoformat()
                trips.append(trip)
                trip = None
            stops.append({"start": run[0][0].isoformat(), "end": run[-1][0].isoformat(),
                          "dwell_s": int((run[-1][0] - run[0][0]).total_seconds()),
                          "lat": sum(r[1] for r in run) / len(run), "lon": sum(r[2] for r in run) / len(run),
                          "grid_code": run[0][5]})
        run.clear()

    for row in fixes:
        dist, secs, moving = legs.get(row[0], (0.0, 0.0, False))
        if moving:
            close_run()
            if trip is None:
                trip = {"start": row[0].isoformat(), "km": 0.0, "driving_s": 0}
            trip["km"] = round(trip["km"] + dist / 1000.0, 3)
            trip["driving_s"] += int(secs)
            trip["end"] = row[0].isoformat()
        else:
            run.append(row)
    close_run()
    if trip is not None:
        trips.append(trip)
    for stop, place in zip(stops, place_labels([s["lat"] for s in stops], [s["lon"] for s in stops]), strict=True):
        stop["place"] = place
    return {"vehicle": vehicle_id,
            "fixes": [{"ts": ts.isoformat(), "lat": lat, "lon": lon, "speed": speed, "heading": heading,
                       "grid_code": grid} for ts, lat, lon, speed, heading, grid in fixes],
            "stops": stops, "trips": trips, "alarms": track_alarms(vehicle_id, start, end)}


# The alarm bits of a JT/T 808 terminal's own word shown on a vehicle's track (the others stay in Position.attrs).
TRACK_ALARMS = ("overspeed", "fatigue", "illegal_ignition", "illegal_movement", "power_cut", "antenna_cut")


def track_alarms(vehicle_id: int, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The fixes in [start, end] whose alarm word (`Position.attrs["alarm"]`) has a bit of TRACK_ALARMS set, in time
    order: `{"ts", "lat", "lon", "alarms": [names]}`."""
    from .decoders.jt808 import ALARM_BITS

    mask = sum(1 << bit for bit, name in ALARM_BITS.items() if name in TRACK_ALARMS)
    rows = (Position.objects.filter(vehicle_id=vehicle_id, ts__gte=start, ts__lte=end, attrs__has_key="alarm")
            .exclude(attrs__alarm=0).order_by("ts").values_list("ts", "lat", "lon", "attrs"))
    out = []
    for ts, lat, lon, attrs in rows:
        word = attrs.get("alarm")
        if isinstance(word, int) and word & mask:
            names = [name for bit, name in ALARM_BITS.items() if word >> bit & 1 and name in TRACK_ALARMS]
            out.append({"ts": ts.isoformat(), "lat": lat, "lon": lon, "alarms": names})
    return out


def grid_coverage(day: dt.date, vehicle_ids=None) -> list[dict]:
    """Patrol coverage of one local day: per grid cell, the time vehicles spent and the distance they drove."""
    lo, hi = _day_bounds(day, day)
    qs = Leg.objects.filter(ts__gte=lo, ts__lt=hi).exclude(grid_code="")
    if vehicle_ids is not None:
        qs = qs.filter(vehicle_id__in=vehicle_ids)
    cells: dict[str, dict] = {}
    for grid, vehicle_id, dist, secs in qs.values_list("grid_code", "vehicle_id", "dist_m", "secs").iterator(
            chunk_size=10_000):
        cell = cells.setdefault(grid, {"grid_code": grid, "seconds": 0.0, "km": 0.0, "vehicles": set()})
        cell["seconds"] += secs
        cell["km"] += dist / 1000.0
        cell["vehicles"].add(vehicle_id)
    return [{"grid_code": c["grid_code"], "seconds": int(round(c["seconds"])), "km": round(c["km"], 3),
             "vehicles": len(c["vehicles"])} for c in sorted(cells.values(), key=lambda c: c["grid_code"])]


def latest_positions(vehicle_ids=None, since: dt.datetime | None = None) -> list[dict]:
    """The newest fix of each vehicle (within the last day unless `since` says otherwise)."""
    since = since or dt.datetime.now(UTC) - dt.timedelta(days=1)
    qs = Position.objects.filter(ts__gte=since, vehicle__isnull=False)
    if vehicle_ids is not None:
        qs = qs.filter(vehicle_id__in=vehicle_ids)
    newest: dict[int, tuple] = {}
    for row in qs.values_list("vehicle_id", "ts", "lat", "lon", "speed", "heading", "grid_code").iterator(
            chunk_size=10_000):
        if row[0] not in newest or row[1] > newest[row[0]][1]:
            newest[row[0]] = row
    return [{"vehicle_id": v, "ts": ts.isoformat(), "lat": lat, "lon": lon, "speed": speed, "heading": heading,
             "grid_code": grid} for v, ts, lat, lon, speed, heading, grid in newest.values()]


def dead_letter_counts(letters=None) -> dict[str, int]:
    """Dead letters per reason, of `letters` (a queryset cut to the reader's scope) or of all."""
    letters = DeadLetter.objects.all() if letters is None else letters
    return dict(letters.order_by().values_list("reason").annotate(n=Count("id")).values_list("reason", "n"))
