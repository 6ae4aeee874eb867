"""Reads of the live map: the vehicles in a user's scope with their newest fix, alerts awaiting review, and the
changes since a cursor (fixes by arrival number, alerts by update time) that the event stream sends."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from assets import access
from assets.models import OrgUnit
from gis.services import place_labels
from quartermaster.dbrouter import reader
from telematics.models import Vehicle
from telematics.tracking.choices import AlertKind, AlertStatus
from telematics.tracking.models import Alert, Position

from . import conf

_FIX_FIELDS = ("ts", "lat", "lon", "speed", "heading", "grid_code")
AWAITING_REVIEW = (AlertStatus.OPEN, AlertStatus.CLOSED)


def user_sees_whole_fleet(user) -> bool:
    return access.user_role(user) is not None and access.scope_unit(user) is None


def scoped_vehicles(user) -> QuerySet:
    return access.restrict(Vehicle.objects.select_related("unit"), user)


def scoped_alerts(user) -> QuerySet:
    return access.restrict(Alert.objects.select_related("vehicle"), user)


def scoped_units(user) -> list[OrgUnit]:
    """Units the map may filter by: the user's subtree, in tree order."""
    return list(access.restrict(OrgUnit.objects.all(), user).order_by("path"))


def epoch_ms(ts: dt.datetime | None) -> int | None:
    """Times go to the page as epoch milliseconds: cheaper than ISO text at thousands of fixes a second."""
    return None if ts is None else round(ts.timestamp() * 1000)


def fix_row(vehicle_id: int, ts, lat, lon, speed, heading, grid_code) -> dict:
    return {"id": vehicle_id, "ts": epoch_ms(ts), "lat": lat, "lon": lon, "speed": speed, "heading": heading,
            "grid": grid_code or ""}


def newest_fixes(vehicle_ids: list[int]) -> dict[int, tuple]:
    """vehicle id -> (ts, lat, lon, speed, heading, grid_code) of its newest fix: one index probe per vehicle on
    (vehicle, ts), so it stays fast however long the position history is. PostgreSQL does it in one LATERAL
    join; elsewhere each column is a correlated subquery (the SQLite demo's fleet is small)."""
    if not vehicle_ids:
        return {}
    connection = reader()  # the replica inside a replica-read view (quartermaster.dbrouter)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT v.id, p.ts, p.lat, p.lon, p.speed, p.heading, p.grid_code "
                        "FROM unnest(%s::bigint[]) AS v(id) CROSS JOIN LATERAL ("
                        "  SELECT ts, lat, lon, speed, heading, grid_code FROM tracking_position"
                        "  WHERE vehicle_id = v.id ORDER BY ts DESC LIMIT 1) p", [list(vehicle_ids)])
            return {row[0]: row[1:] for row in cur.fetchall()}
    newest = Position.objects.filter(vehicle_id=OuterRef("pk")).order_by("-ts")
    rows = (Vehicle.objects.filter(pk__in=vehicle_ids)
            .annotate(**{f"fix_{f}": Subquery(newest.values(f)[:1]) for f in _FIX_FIELDS})
            .values_list("pk", *(f"fix_{f}" for f in _FIX_FIELDS)))
    return {row[0]: row[1:] for row in rows if row[1] is not None}


def fleet_snapshot(vehicles: QuerySet) -> list[dict]:
    """Every vehicle with its newest fix (None fields when it never reported), where that is in words (`place`),
    and its ongoing alerts."""
    from telematics.tracking.jt808 import is_phone

    rows = list(vehicles.values_list("pk", "plate", "unit__code", "unit__name", "unit__path", "status",
                                     "terminal_id"))
    fixes = newest_fixes([r[0] for r in rows])
    ongoing: dict[int, list[int]] = {}
    for vehicle_id, alert_id in (Alert.objects.filter(vehicle__in=vehicles, ended_at__isnull=True)
                                 .exclude(status=AlertStatus.DISMISSED).values_list("vehicle_id", "pk")):
        ongoing.setdefault(vehicle_id, []).append(alert_id)
    out = []
    no_fix = (None,) * len(_FIX_FIELDS)
    for pk, plate, unit_code, unit_name, unit_path, status, terminal in rows:
        row = fix_row(pk, *fixes.get(pk, no_fix))
        row.update(plate=plate, unit=unit_code, unit_name=unit_name, unit_path=unit_path, status=status,
                   ongoing_alerts=ongoing.get(pk, []), jt808=is_phone(terminal or ""))
        out.append(row)
    for row, place in zip(out, place_labels([r["lat"] for r in out], [r["lon"] for r in out])):
        row["place"] = place
    return out


def alert_row(alert: Alert) -> dict:
    """What the panel and the vehicle card show of an alert (the evidence is fetched from the API on click)."""
    return {"id": alert.pk, "kind": alert.kind, "kind_label": str(alert.get_kind_display()),
            "vehicle_id": alert.vehicle_id, "plate": alert.vehicle.plate, "status": alert.status,
            "status_label": str(alert.get_status_display()),
            "started_at": alert.started_at.isoformat(), "ended_at": alert.ended_at.isoformat() if alert.ended_at else None,
            "lat": alert.lat, "lon": alert.lon, "venue": alert.venue, "grid_code": alert.grid_code,
            "place": alert.place_text,
            "dwell_s": alert.dwell_s, "clause": alert.clause,
            "ongoing": alert.ended_at is None and alert.status != AlertStatus.DISMISSED,
            "explained_by": _explained_by(alert)}


def _explained_by(alert: Alert) -> list[dict]:
    """The terminal's own alarms (power or antenna cut) open when a terminal_silent began: why it went quiet."""
    causes = (alert.evidence or {}).get("explained_by") or []
    labels = dict(AlertKind.choices)
    return [{"kind": c.get("kind"), "label": str(labels.get(c.get("kind"), c.get("kind"))),
             "started_at": c.get("started_at")} for c in causes if isinstance(c, dict)]


def alerts_awaiting_review(alerts: QuerySet) -> list[dict]:
    limit = conf.get("QM_MAP_ALERTS_MAX")
    return [alert_row(a) for a in alerts.filter(status__in=AWAITING_REVIEW).order_by("-started_at", "-id")[:limit]]


def alert_ids_awaiting_review(alerts: QuerySet) -> list[int]:
    limit = conf.get("QM_MAP_ALERTS_MAX")
    return list(alerts.filter(status__in=AWAITING_REVIEW).order_by("-started_at", "-id")
                .values_list("pk", flat=True)[:limit])


def newest_arrival() -> int:
    return Position.objects.aggregate(n=Max("arrival"))["n"] or 0


def fixes_after(arrival: int, vehicle_ids: set[int] | None) -> list[tuple]:
    """Fixes stored after `arrival` in arrival order: (arrival, vehicle_id, ts in epoch ms, lat, lon, speed,
    heading, grid_code). Plain SQL with the time as a number: the stream reads thousands a second, and building
    a datetime per row was most of its cost."""
    connection = reader()
    epoch = ("(EXTRACT(EPOCH FROM ts) * 1000)::int8" if connection.vendor == "postgresql"
             else "CAST(ROUND((julianday(ts) - 2440587.5) * 86400000.0) AS INTEGER)")
    with connection.cursor() as cur:
        cur.execute(f"SELECT arrival, vehicle_id, {epoch}, lat, lon, speed, heading, grid_code "
                    "FROM tracking_position WHERE arrival > %s AND vehicle_id IS NOT NULL ORDER BY arrival",
                    [arrival])
        rows = cur.fetchall()
    return [r for r in rows if vehicle_ids is None or r[1] in vehicle_ids]


def alerts_changed_since(alerts: QuerySet, since: dt.datetime) -> list[Alert]:
    return list(alerts.filter(updated_at__gte=since).order_by("updated_at", "id"))


# --- a vehicle's live state, outside the map (the vehicle list) ---------------------------------------------------

LIVE_STATES = ("moving", "stopped", "offline")


@dataclass(frozen=True)
class LiveState:
    """What the map would show of a vehicle now: `state` moving / stopped / offline (no fix, or the newest older
    than QM_MAP_OFFLINE_S), the newest fix's time and age in seconds, and its alerts awaiting review."""

    state: str
    ts: dt.datetime | None
    age_s: int | None
    speed: float | None
    open_alerts: int


def live_states(vehicle_ids: list[int], now: dt.datetime | None = None) -> dict[int, LiveState]:
    """vehicle id -> LiveState, judged as the map judges (map.js `stateOf`) on the server's clock: two reads
    whatever the number of vehicles."""
    from telematics.tracking import conf as tracking_conf

    now = now or timezone.now()
    offline_s, stop_kmh = conf.get("QM_MAP_OFFLINE_S"), tracking_conf.get("QM_STOP_SPEED_KMH")
    fixes = newest_fixes(list(vehicle_ids))
    alerts = dict(Alert.objects.filter(vehicle_id__in=vehicle_ids, status__in=AWAITING_REVIEW).order_by()
                  .values("vehicle_id").annotate(n=Count("id")).values_list("vehicle_id", "n"))
    states = {}
    for pk in vehicle_ids:
        ts, _lat, _lon, speed, *_rest = fixes.get(pk, (None,) * len(_FIX_FIELDS))
        age = None if ts is None else max(0, int((now - ts).total_seconds()))
        if age is None or age > offline_s:
            state = "offline"
        else:
            state = "moving" if (speed or 0) >= stop_kmh else "stopped"
        states[pk] = LiveState(state, ts, age, speed, alerts.get(pk, 0))
    return states
