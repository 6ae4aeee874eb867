"""Retention of fixes and legs (PIPL art. 28: personal whereabouts are kept no longer than needed).

Fixes and legs older than QM_FIX_RETENTION_DAYS (0: kept forever) are purged by `qm purge-fixes`, a scheduled job
(deploy/systemd/qm-purge-fixes.timer), except those under legal hold: the windows of alerts handled as cases and
the manual holds (`FixHold`), as the database view `tracking_fixholdwindow` lists them (migration 0015).

The purge goes through the sanctioned path only: the positions and legs refuse DELETE by a trigger unless the
session set `qm.fix_purge`, and the runtime role has no DELETE on them at all; the SECURITY DEFINER functions
`tracking_drop_fix_chunks` and `tracking_purge_fixes` (which the runtime role may execute) do the work, skipping
held rows themselves and refusing anything of the last day.

- TimescaleDB: whole chunks before the cutoff that no hold window touches are dropped (`drop_chunks`, instant); a
  chunk cannot be kept in part, so the chunks that hold fixes under legal hold, and the part of the chunk the
  cutoff cuts, are left to the batched DELETE below.
- Plain PostgreSQL (or `--method delete`): batched DELETE of QM_FIX_PURGE_BATCH rows a statement, each batch its
  own transaction, with progress.
- SQLite (the embedded demo): the same batches through the ORM.
Running it again deletes nothing more (idempotent)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

from . import conf

METHODS = ("auto", "chunks", "delete")
FIX_TABLES = ("tracking_position", "tracking_leg")  # read and insert only for the runtime role (qm dbroles)
PURGE_FUNCTIONS = ("tracking_purge_fixes", "tracking_drop_fix_chunks")


@dataclass
class PurgeResult:
    cutoff: dt.datetime | None
    method: str = "none"
    chunks: int = 0          # chunks dropped (TimescaleDB)
    rows: int = 0            # positions and legs deleted by the batches
    batches: int = 0

    def as_dict(self) -> dict:
        return {"cutoff": self.cutoff.isoformat() if self.cutoff else None, "method": self.method,
                "chunks_dropped": self.chunks, "rows_deleted": self.rows, "batches": self.batches}


@contextmanager
def fixes_unguarded() -> Iterator[None]:
    """A transaction in which this connection may delete or rewrite stored fixes and legs: the owner's switch
    (`qm.fix_purge`), for `qm demo`'s reset of its simulated day and for tests. The runtime role has no DELETE or
    UPDATE on these tables, so the switch gives it nothing; it ends with the transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT set_config('qm.fix_purge', 'on', true)")
        yield


def has_hypertables() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('timescaledb_information.hypertables') IS NOT NULL")
        if not cur.fetchone()[0]:
            return False
        cur.execute("SELECT count(*) FROM timescaledb_information.hypertables "
                    "WHERE hypertable_name IN ('tracking_position', 'tracking_leg')")
        return cur.fetchone()[0] == 2


def cutoff_for(days: int, now: dt.datetime | None = None) -> dt.datetime | None:
    """The moment before which fixes go; None when kept forever (0)."""
    if days <= 0:
        return None
    return (now or timezone.now()) - dt.timedelta(days=days)


def fixes_purge(*, days: int | None = None, method: str = "auto", batch: int | None = None,
                progress: Callable[[PurgeResult], None] | None = None) -> PurgeResult:
    """Purges the fixes and legs older than `days` (default QM_FIX_RETENTION_DAYS) that no legal hold keeps."""
    days = conf.get("QM_FIX_RETENTION_DAYS") if days is None else days
    batch = batch or conf.get("QM_FIX_PURGE_BATCH")
    if method not in METHODS:
        raise DomainError(_("清理方式 %(method)s 无效，应为 %(choices)s 之一"), field="method", method=method,
                          choices="、".join(METHODS))
    if days and days < 1:
        raise DomainError(_("保留期至少为 1 天（0 表示永久保留）"), field="days")
    result = PurgeResult(cutoff=cutoff_for(days))
    if result.cutoff is None:
        return result
    if connection.vendor != "postgresql":
        return _purge_orm(result, batch, progress)
    timescale = has_hypertables()
    if method == "chunks" and not timescale:
        raise DomainError(_("--method chunks 需要 TimescaleDB 超表；此数据库是普通表"), field="method")
    result.method = "chunks+delete" if timescale and method != "delete" else "delete"
    if result.method == "chunks+delete":
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT tracking_drop_fix_chunks(%s)", [result.cutoff])
            result.chunks = cur.fetchone()[0]
        if progress:
            progress(result)
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT tracking_purge_fixes('-infinity', %s, %s)", [result.cutoff, batch])
            n = cur.fetchone()[0]
        if not n:
            return result
        result.rows += n
        result.batches += 1
        if progress:
            progress(result)


def held_q(field: str = "vehicle_id", *, now: dt.datetime | None = None) -> Q:
    """The rows under legal hold, as an ORM condition (the view's rule, for SQLite)."""
    from .models import Alert, FixHold

    margin = dt.timedelta(hours=1)
    held = Q()
    for vehicle_id, start, end in Alert.objects.filter(case__isnull=False, vehicle__isnull=False).values_list(
            "vehicle_id", "started_at", "ended_at"):
        span = Q(**{field: vehicle_id, "ts__gte": start - margin})
        if end is not None:
            span &= Q(ts__lte=end + margin)
        held |= span
    for vehicle_id, start, end in FixHold.objects.filter(released_at__isnull=True).values_list("vehicle_id", "start",
                                                                                                "end"):
        held |= Q(**{field: vehicle_id, "ts__gte": start, "ts__lte": end})
    return held


def _purge_orm(result: PurgeResult, batch: int, progress) -> PurgeResult:
    """SQLite has no triggers on these tables and the demo's store is small: one DELETE per table."""
    from .models import Leg, Position

    result.method = "delete"
    held = held_q()
    for model in (Position, Leg):
        qs = model._base_manager.filter(ts__lt=result.cutoff)
        with transaction.atomic():
            n, _ = (qs.exclude(held) if held else qs).delete()
        result.rows += n
        result.batches += 1
    if progress:
        progress(result)
    return result
