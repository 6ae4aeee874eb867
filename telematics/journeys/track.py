"""A vehicle's or a terminal's track: its stored fixes in time order (WGS-84), and the track as JSON, CSV or GPX 1.1.

A plate follows the vehicle's terminal bindings over time (a terminal's fixes count for the vehicle while it was
bound to it), plus every fix the ingest attributed to the vehicle (a terminal bound by import, before the binding
history starts)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from quartermaster.dbrouter import reader
from quartermaster.errors import DomainError
from quartermaster.spreadsheets import neutralise
from telematics.models import TerminalBinding, Vehicle
from telematics.tracking.models import Position

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
FORMATS = ("json", "csv", "gpx")
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "gpx": "application/gpx+xml",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FIX_FIELDS = ("terminal", "ts", "lat", "lon", "speed", "heading")


@dataclass(frozen=True)
class Subject:
    """What a track is asked for: a vehicle (by plate) or a bare terminal id."""

    vehicle: Vehicle | None
    terminal: str | None

    @property
    def label(self) -> str:
        return self.vehicle.plate if self.vehicle is not None else self.terminal


class Fix(NamedTuple):
    """A stored fix as reports read it (a tuple: a month's 100,000 are built ten times faster than dataclasses)."""

    terminal: str
    ts: dt.datetime
    lat: float
    lon: float
    speed: float | None
    heading: float | None
    grid_code: str = ""

    def as_dict(self) -> dict:
        return {"terminal": self.terminal, "ts": self.ts.astimezone(SHANGHAI).isoformat(), "lat": self.lat,
                "lon": self.lon, "speed": self.speed, "heading": self.heading}


def resolve_subject(text: str) -> Subject:
    """A plate (exact) or a terminal id: a terminal bound to a vehicle now or ever, or one that has fixes."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("请给出车牌号或终端号"), field="vehicle")
    vehicle = Vehicle.objects.select_related("unit").filter(plate=text).first()
    if vehicle is not None:
        return Subject(vehicle=vehicle, terminal=None)
    if (Vehicle.objects.filter(terminal_id=text).exists() or TerminalBinding.objects.filter(terminal_id=text).exists()
            or Position.objects.filter(terminal=text).exists()):
        return Subject(vehicle=None, terminal=text)
    raise DomainError(_("没有车牌号为 %(text)s 的车辆，也没有终端号为 %(text)s 的终端"), field="vehicle",
                      code="not_found", status_code=404, text=text)


def vehicle_for_subject(subject: Subject, at: dt.datetime | None = None) -> Vehicle | None:
    """The vehicle a subject stands for: its own, or the one its terminal is (or, at `at`, was) bound to."""
    if subject.vehicle is not None:
        return subject.vehicle
    if at is not None:
        binding = (TerminalBinding.objects.select_related("vehicle__unit")
                   .filter(terminal_id=subject.terminal, bound_at__lte=at)
                   .filter(Q(unbound_at__isnull=True) | Q(unbound_at__gt=at)).first())
        if binding is not None:
            return binding.vehicle
    return Vehicle.objects.select_related("unit").filter(terminal_id=subject.terminal).first()


def parse_moment(text: str | None, *, end: bool = False, what: str = "from") -> dt.datetime | None:
    """ISO 8601 date-time (local Asia/Shanghai without an offset) or a date: its start, or with `end` the start of
    the next day, so `--to 2026-11-18` takes the whole day."""
    if text is None or str(text).strip() == "":
        return None
    text = str(text).strip()
    try:  # a well-formed but impossible value (2026-13-01, 02-30) raises instead of answering None
        day = parse_date(text) if len(text) == 10 else None
        moment = None if day is not None else parse_datetime(text)
    except ValueError:
        day = moment = None
    if day is not None:
        moment = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time())
    elif moment is None:
        raise DomainError(_("--%(what)s %(text)s 不是 ISO 格式的日期或日期时间"), field=what, what=what, text=text)
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def check_period(start: dt.datetime | None, end: dt.datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise DomainError(_("时段的结束须晚于开始（--to 晚于 --from）"), field="to")


def _vehicle_filter(vehicle: Vehicle) -> Q:
    """Fixes of the vehicle: its bindings' terminals while bound, and what the ingest stored as the vehicle's."""
    where = Q(vehicle_id=vehicle.pk)
    bindings = list(TerminalBinding.objects.filter(vehicle=vehicle).values_list("terminal_id", "bound_at", "unbound_at"))
    for terminal, bound_at, unbound_at in bindings:
        span = Q(terminal=terminal, ts__gte=bound_at)
        if unbound_at is not None:
            span &= Q(ts__lt=unbound_at)
        where |= span
    if vehicle.terminal_id and not any(t == vehicle.terminal_id and u is None for t, _, u in bindings):
        # Bound outside the services (workbook import): no history says since when, so all of its fixes.
        first = min((b for t, b, _ in bindings if t == vehicle.terminal_id), default=None)
        where |= Q(terminal=vehicle.terminal_id) if first is None else Q(terminal=vehicle.terminal_id, ts__lt=first)
    return where


def track_fixes(subject: Subject, start: dt.datetime | None = None, end: dt.datetime | None = None) -> list[Fix]:
    """The subject's fixes in [start, end) in time order (terminal as the tie-break)."""
    check_period(start, end)
    qs = Position.objects.filter(_vehicle_filter(subject.vehicle) if subject.vehicle is not None
                                 else Q(terminal=subject.terminal))
    if start is not None:
        qs = qs.filter(ts__gte=start)
    if end is not None:
        qs = qs.filter(ts__lt=end)
    qs = qs.order_by("ts", "terminal")
    rows = qs.values_list("terminal", "ts", "lat", "lon", "speed", "heading", "grid_code")
    connection = reader()  # the replica inside a replica-read view (quartermaster.dbrouter)
    if connection.vendor == "postgresql":
        # Fetched at once in PostgreSQL's binary format (the times come as datetimes made in C, not parsed from text)
        # and made tuples by Fix._make: the ORM's row iterator, parsing and dataclasses were most of a month's trips.
        import psycopg

        # A month of one vehicle (~110,000 fixes, 5 MB) is sorted in memory rather than spilled to disk (4 MB default).
        sql, params = rows.query.sql_with_params()
        with transaction.atomic(using=connection.alias):
            connection.ensure_connection()
            with psycopg.Cursor(connection.connection) as cur:  # Django's cursors bind client-side: text results only
                cur.execute("SET LOCAL work_mem = '64MB'")
                cur.execute(sql, params, binary=True)
                return list(map(Fix._make, cur.fetchall()))
    return [Fix._make(row) for row in rows.iterator(chunk_size=10_000)]


# --- renderings ---------------------------------------------------------------------------------------------------

def render_json(fixes: list[Fix]) -> bytes:
    return (json.dumps([f.as_dict() for f in fixes], ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render_csv(fixes: list[Fix]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIX_FIELDS)
    for f in fixes:
        row = f.as_dict()
        writer.writerow(["" if row[k] is None else neutralise(row[k]) for k in FIX_FIELDS])
    return out.getvalue().encode("utf-8")


def render_gpx(fixes: list[Fix], name: str) -> bytes:
    """GPX 1.1: one track, one segment per run of fixes from one terminal; times in UTC; speed (m/s) and course
    (degrees) in the Garmin TrackPointExtension v2 most tools read."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<gpx version="1.1" creator="Quartermaster" xmlns="http://www.topografix.com/GPX/1/1" '
             'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">',
             f"<metadata><name>{escape(name)}</name></metadata>", f"<trk><name>{escape(name)}</name>"]
    terminal = None
    for f in fixes:
        if f.terminal != terminal:
            if terminal is not None:
                lines.append("</trkseg>")
            lines.append("<trkseg>")
            terminal = f.terminal
        ext = []
        if f.speed is not None:
            ext.append(f"<gpxtpx:speed>{f.speed / 3.6:.2f}</gpxtpx:speed>")
        if f.heading is not None:
            ext.append(f"<gpxtpx:course>{f.heading % 360:g}</gpxtpx:course>")
        body = f"<time>{f.ts.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}</time>"
        if ext:
            body += f"<extensions><gpxtpx:TrackPointExtension>{''.join(ext)}</gpxtpx:TrackPointExtension></extensions>"
        lines.append(f"<trkpt lat={quoteattr(repr(f.lat))} lon={quoteattr(repr(f.lon))}>{body}</trkpt>")
    if terminal is not None:
        lines.append("</trkseg>")
    lines += ["</trk>", "</gpx>", ""]
    return "\n".join(lines).encode("utf-8")


def render_track(fixes: list[Fix], fmt: str, name: str) -> bytes:
    if fmt == "json":
        return render_json(fixes)
    if fmt == "csv":
        return render_csv(fixes)
    if fmt == "gpx":
        return render_gpx(fixes, name)
    raise DomainError(_("格式 %(format)s：应为 %(formats)s 之一"), field="format", format=fmt, formats=", ".join(FORMATS))
