"""Reads off the primary: the views that only read (the live map and its stream, track replay, reports, listings,
the API's GET list/retrieve) ask `choose()` where to read, and run inside `reading(route)`; everything else —
writes, the ingest, the command line, migrations, and every read of a request that writes — stays on the primary.

A streaming replica (`QM_REPLICA_DATABASE_URL`, the `replica` database alias) serves those reads while it is
reachable, still a standby, still streaming, and no more than `QM_REPLICA_MAX_LAG_SECONDS` behind; otherwise they
go to the primary. A reader served from a lagging replica is told by how much (`ReadRoute.delay_s`: the map's
"数据延迟 N 秒", the API's `X-QM-Replica-Lag` header): never stale data silently."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.checks import Error as CheckError
from django.core.checks import register
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import Error

REPLICA = "replica"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
log = logging.getLogger("qm.dbrouter")

_read_alias: ContextVar[str | None] = ContextVar("qm_read_alias", default=None)

# Seconds the replica is behind: 0 when it has replayed everything it received, else the age of the last
# transaction it replayed (PostgreSQL's own measure). A standby that is not streaming (its primary unreachable, a
# promoted former replica) cannot say how far behind it is: NULL, and the reads go to the primary. A role without
# pg_read_all_stats sees the WAL receiver's row but not its status: there, a running receiver counts as streaming.
LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL"
    " WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE coalesce(status, 'streaming') = 'streaming')"
    " THEN NULL"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()))::float8 END")


@dataclass(frozen=True)
class ReadRoute:
    """Where one request (or one poll of the map's stream) reads: `alias`, and the replica's lag in seconds when
    it is the replica (None on the primary)."""

    alias: str = DEFAULT_DB_ALIAS
    lag: float | None = None

    @property
    def on_replica(self) -> bool:
        return self.alias == REPLICA

    @property
    def delay_s(self) -> int:
        """Whole seconds the data shown is behind (0: current, or read from the primary)."""
        return int(self.lag) if self.on_replica and self.lag else 0

    def headers(self) -> dict[str, str]:
        if not configured():
            return {}
        out = {"X-QM-Read-From": "replica" if self.on_replica else "primary"}
        if self.on_replica:
            out["X-QM-Replica-Lag"] = f"{self.lag or 0:.1f}"
        return out


PRIMARY = ReadRoute()


def configured() -> bool:
    return REPLICA in connections.settings


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class _LagProbe:
    """The replica's lag, asked at most every QM_REPLICA_CHECK_SECONDS per process; a replica that failed is left
    alone for QM_REPLICA_RETRY_SECONDS (a dead host costs its connect timeout once, not on every request).

    PostgreSQL's measure overstates the lag after a quiet spell: the primary's first write in an hour reads as an hour
    behind until it is replayed (milliseconds). What the replica misses was written after the last time this process
    saw it caught up, so the lag is never more than the time since then: the smaller of the two is taken."""

    def __init__(self):
        self.lock = threading.Lock()
        self.forget()

    def forget(self) -> None:
        self.lag: float | None = None
        self.checked_at = -1e9
        self.down_until = -1e9
        self.caught_up_at: float | None = None

    def get(self) -> float | None:
        now = time.monotonic()
        if now < self.down_until:
            return None
        if now - self.checked_at < _setting("QM_REPLICA_CHECK_SECONDS", 1.0):
            return self.lag
        with self.lock:
            lag = self._ask()
            self.checked_at = time.monotonic()
            if lag is None:
                self.caught_up_at = None
                self.down_until = self.checked_at + _setting("QM_REPLICA_RETRY_SECONDS", 10.0)
            elif lag == 0:
                self.caught_up_at = self.checked_at
            elif self.caught_up_at is not None:
                lag = min(lag, self.checked_at - self.caught_up_at)
            self.lag = lag
        return lag

    @staticmethod
    def _ask() -> float | None:
        conn = connections[REPLICA]
        try:
            conn.close_if_unusable_or_obsolete()
            with conn.cursor() as cur:
                cur.execute(LAG_SQL)
                lag = cur.fetchone()[0]
        except Error as exc:
            log.warning("replica unusable, reading from the primary: %s", exc)
            try:
                conn.close()
            except Error:
                pass
            return None
        if lag is None:
            log.warning("replica is not a streaming standby, reading from the primary")
        return None if lag is None else float(lag)


_probe = _LagProbe()


def forget() -> None:
    """Drops what is known of the replica (tests; a replica restarted by hand)."""
    _probe.forget()


def choose() -> ReadRoute:
    """The replica when it is configured, usable and at most QM_REPLICA_MAX_LAG_SECONDS behind; else the primary."""
    if not configured():
        return PRIMARY
    lag = _probe.get()
    if lag is None or lag > _setting("QM_REPLICA_MAX_LAG_SECONDS", 30.0):
        return PRIMARY
    return ReadRoute(REPLICA, lag)


@contextmanager
def reading(route: ReadRoute) -> Iterator[ReadRoute]:
    """ORM reads inside go to the route's database (writes still go to the primary: ReplicaRouter)."""
    token = _read_alias.set(route.alias if route.on_replica else None)
    try:
        yield route
    finally:
        _read_alias.reset(token)


def reader():
    """The connection raw SQL reads should use: the replica inside `reading()` of a replica route, else the primary."""
    return connections[_read_alias.get() or DEFAULT_DB_ALIAS]


def reads_from_replica(view):
    """Decorates a page or feed that only reads: its GET is served under `choose()` and says where it read
    (`request.read_route`, the X-QM-Read-From / X-QM-Replica-Lag headers; base.html shows the delay). Put it
    under the access gate, so the user is checked on the primary."""

    @wraps(view)
    def routed(request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            return view(request, *args, **kwargs)
        if not configured():
            request.read_route = PRIMARY
            return view(request, *args, **kwargs)
        route = choose()
        request.read_route = route
        with reading(route):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        for name, value in route.headers().items():
            response[name] = value
        return response

    return routed


class ReplicaReadMixin:
    """For DRF views: GET list and retrieve (and views naming themselves in `replica_actions`) read through
    `choose()`, after authentication and permissions were checked on the primary. `replica_reads = False` keeps a
    view on the primary."""

    replica_reads = True
    replica_actions = ("list", "retrieve")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if (self.replica_reads and request.method in SAFE_METHODS and configured()
                and getattr(self, "action", None) in self.replica_actions):
            self._read_route = choose()
            request.read_route = self._read_route
            self._read_token = _read_alias.set(self._read_route.alias if self._read_route.on_replica else None)

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_read_token", None)
        if token is not None:
            # Rendered here, inside the route, so lazy querysets a serializer walks read where the view did; the
            # route ends whatever happens (the thread's next request must not inherit it).
            try:
                response = super().finalize_response(request, response, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
            finally:
                _read_alias.reset(token)
                self._read_token = None
            for name, value in self._read_route.headers().items():
                response[name] = value
            return response
        return super().finalize_response(request, response, *args, **kwargs)


class ReplicaRouter:
    """Reads go where `reading()` says (the primary outside it); writes always to the primary, an object read
    from the replica included; migrations never run on the replica (it replays the primary's)."""

    def db_for_read(self, model, **hints):
        return _read_alias.get()

    def db_for_write(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and getattr(instance._state, "db", None) == REPLICA:
            return DEFAULT_DB_ALIAS
        return None

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None


def replica_errors(databases: dict, max_lag: float) -> list[CheckError]:
    """A replica must be PostgreSQL (the lag is PostgreSQL's measure) and the lag limit a positive number."""
    errors = []
    replica = databases.get(REPLICA)
    if replica is not None and not replica["ENGINE"].endswith("postgresql"):
        errors.append(CheckError("QM_REPLICA_DATABASE_URL must be a PostgreSQL streaming replica (postgresql://…)",
                                 id="qm.E311"))
    if max_lag <= 0:
        errors.append(CheckError("QM_REPLICA_MAX_LAG_SECONDS must be more than 0", id="qm.E312"))
    return errors


@register("qm")
def check_replica_settings(app_configs=None, **_kwargs) -> list[CheckError]:
    return replica_errors(settings.DATABASES, _setting("QM_REPLICA_MAX_LAG_SECONDS", 30.0))
