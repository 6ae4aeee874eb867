"""The live map's server-sent event stream: polls the position store and the alerts every QM_MAP_POLL_S and
sends what changed in the user's scope. Polling (not LISTEN/NOTIFY) so the SQLite demo streams the same way.

Events: `fixes` (a list of [vehicle_id, ts (epoch ms), lat, lon, speed, heading, grid_code, place label], only fixes newer than the
one last sent for that vehicle), `alerts` (alert rows that changed), `review` (the ids of the alerts still
awaiting review, so alerts withdrawn or reviewed elsewhere leave the panel), `resync` (the stream was too far
behind, e.g. a laptop woke up: it skipped to the newest fixes and the page takes a fresh snapshot). Every event carries the cursor
`arrival|alerts-since` as its id; EventSource sends it back as Last-Event-ID when it reconnects. `delay`
({"delay_s", "source"}: where a replica is configured, sent first and whenever it changes) says whether each poll read a replica that is behind
(quartermaster.dbrouter: every poll picks the replica or, past QM_REPLICA_MAX_LAG_SECONDS, the primary): the page shows
"数据延迟 N 秒" rather than stale positions silently."""
from __future__ import annotations

import datetime as dt
import json
import time
from collections import deque
from collections.abc import Iterator

from django.utils import translation
from django.utils.dateparse import parse_datetime

from gis.services import place_labels
from quartermaster import dbrouter

from . import conf, selectors

UTC = dt.UTC
ALERT_LOOKBACK = dt.timedelta(seconds=2)  # an alert saved just before a poll may commit just after it
HEARTBEAT_S = 1.0  # a comment line this often: a closed browser shows up as a failed write within a second
SCOPE_REFRESH_S = 30.0


def parse_cursor(text: str | None) -> tuple[int, dt.datetime] | None:
    """`arrival|ISO time` as the stream's event ids carry it; None when absent or malformed."""
    if not text or "|" not in text:
        return None
    arrival, _, since = text.partition("|")
    when = parse_datetime(since)
    if not arrival.isdigit() or when is None or when.tzinfo is None:
        return None
    return int(arrival), when


def format_cursor(arrival: int, since: dt.datetime) -> str:
    return f"{arrival}|{since.isoformat()}"


def _event(name: str, data, cursor: str) -> bytes:
    return f"event: {name}\nid: {cursor}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n" \
        .encode()


class FleetStream:
    """One browser's stream; `events()` is the body of a StreamingHttpResponse."""

    def __init__(self, *, user, arrival: int, since: dt.datetime):
        self.user = user
        self.arrival = arrival
        self.since = since
        self.poll_s = conf.get("QM_MAP_POLL_S")
        self.lookback_s = conf.get("QM_MAP_LOOKBACK_S")
        self.resync_s = conf.get("QM_MAP_RESYNC_S")
        self.backlog_max = conf.get("QM_MAP_BACKLOG_MAX")
        self.sent_ts: dict[int, int] = {}  # vehicle -> epoch ms of the fix last sent
        self.sent_alerts: dict[int, dt.datetime] = {}
        self.floors: deque[tuple[float, int]] = deque()  # (when, newest arrival then): the lookback window
        self.vehicle_ids: set[int] | None = None
        self.scope_read_at = -SCOPE_REFRESH_S
        self.sent_delay: tuple[int, str] | None = None
        # The body is produced after the view returned and the locale middleware reset the language.
        self.language = translation.get_language()

    def _scope(self, now: float) -> set[int] | None:
        if now - self.scope_read_at >= SCOPE_REFRESH_S:
            self.scope_read_at = now
            if selectors.user_sees_whole_fleet(self.user):
                self.vehicle_ids = None
            else:
                self.vehicle_ids = set(selectors.scoped_vehicles(self.user).values_list("pk", flat=True))
        return self.vehicle_ids

    def _floor(self, now: float) -> int:
        """Read again from the newest arrival seen QM_MAP_LOOKBACK_S ago."""
        self.floors.append((now, self.arrival))
        while len(self.floors) > 1 and now - self.floors[1][0] >= self.lookback_s:
            self.floors.popleft()
        return self.floors[0][1]

    def skip_backlog(self) -> bool:
        """Jumps to the newest fix when more than QM_MAP_BACKLOG_MAX are waiting; True when it did."""
        newest = selectors.newest_arrival()
        if newest - self.arrival <= self.backlog_max:
            return False
        self.arrival = newest
        self.floors.clear()
        return True

    def poll_fixes(self, now: float) -> list[list]:
        """[vehicle_id, ts (epoch ms), lat, lon, speed, heading, grid_code, place label] of each vehicle whose
        newest fix is newer than the one last sent for it."""
        newest: dict[int, list] = {}
        sent = self.sent_ts
        for arrival, vehicle_id, ts, lat, lon, speed, heading, grid in selectors.fixes_after(
                self._floor(now), self._scope(now)):
            self.arrival = max(self.arrival, arrival)
            if ts <= sent.get(vehicle_id, -1):
                continue  # read again within the lookback, or an older fix arriving late: the marker stays
            current = newest.get(vehicle_id)
            if current is None or ts > current[1]:
                newest[vehicle_id] = [vehicle_id, ts, lat, lon, speed, heading, grid or ""]
        rows = list(newest.values())
        for row, place in zip(rows, place_labels([r[2] for r in rows], [r[3] for r in rows])):
            sent[row[0]] = row[1]
            row.append(place)
        return rows

    def poll_alerts(self, lag: float | None = None) -> list[dict]:
        """Alert rows changed since the last poll. Read from a replica `lag` seconds behind, the next poll looks
        that much further back: a change the replica had not replayed yet is read when it has."""
        started = dt.datetime.now(UTC)
        changed = selectors.alerts_changed_since(selectors.scoped_alerts(self.user), self.since - ALERT_LOOKBACK)
        self.since = started - dt.timedelta(seconds=lag or 0)
        out = []
        for alert in changed:
            if self.sent_alerts.get(alert.pk) == alert.updated_at:
                continue
            self.sent_alerts[alert.pk] = alert.updated_at
            out.append(selectors.alert_row(alert))
        return out

    def events(self, *, max_s: float | None = None) -> Iterator[bytes]:
        with translation.override(self.language):
            yield from self._events(max_s)

    def _events(self, max_s: float | None) -> Iterator[bytes]:
        deadline = time.monotonic() + (conf.get("QM_MAP_STREAM_MAX_S") if max_s is None else max_s)
        yield b"retry: 1000\n\n"
        last_write = last_resync = time.monotonic()
        while True:
            now = time.monotonic()
            route = dbrouter.choose()
            with dbrouter.reading(route):  # not across a yield: the body may be iterated from another context
                skipped = self.skip_backlog()
                fixes = self.poll_fixes(now)
                alerts = self.poll_alerts(route.lag)
                review = None
                if now - last_resync >= self.resync_s:
                    last_resync = now
                    review = selectors.alert_ids_awaiting_review(selectors.scoped_alerts(self.user))
            cursor = format_cursor(self.arrival, self.since)
            delay = (route.delay_s, "replica" if route.on_replica else "primary")
            if delay != self.sent_delay and dbrouter.configured():
                self.sent_delay = delay
                yield _event("delay", {"delay_s": delay[0], "source": delay[1]}, cursor)
                last_write = now
            if skipped:
                yield _event("resync", {}, cursor)
            if fixes:
                yield _event("fixes", fixes, cursor)
                last_write = now
            if alerts:
                yield _event("alerts", alerts, cursor)
                last_write = now
            if review is not None:
                yield _event("review", review, cursor)
                last_write = now
            if now - last_write >= HEARTBEAT_S:
                yield b": ping\n\n"
                last_write = now
            if now >= deadline:
                return
            time.sleep(max(0.0, self.poll_s - (time.monotonic() - now)))
