"""Retention of fixes and legs on real PostgreSQL (telematics/tracking/retention.py, migration 0015): fixes past
QM_FIX_RETENTION_DAYS go, those of alert cases and manual holds and the recent ones stay, a second run deletes
nothing; both the TimescaleDB path (chunks dropped, then batches) and the batched DELETE path (forced, as on plain
PostgreSQL); positions and legs refuse any other DELETE, and the runtime role may only call the functions."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from telematics.models import Vehicle
from telematics.tracking.models import Alert, AlertCase, FixHold, Leg, Position
from telematics.tracking.retention import fixes_purge, has_hypertables

pytestmark = pytest.mark.django_db
ROLE = "qm_test_retention"


@pytest.fixture
def history(bureau):
    """Vehicles A and B with fixes and legs over 400 days; what must stay is listed in `kept`."""
    unit = bureau["units"]["CZ-TN-01"]
    a = Vehicle.objects.create(plate="苏D·R0001", unit=unit, seats=5, terminal_id="RA")
    b = Vehicle.objects.create(plate="苏D·R0002", unit=unit, seats=5, terminal_id="RB")
    now = timezone.now().replace(microsecond=0)
    base = now - dt.timedelta(days=400)
    times = {
        "a-old": (a, [base + dt.timedelta(minutes=10 * k) for k in range(6)]),
        "b-case": (b, [base + dt.timedelta(hours=1, minutes=15 * k) for k in range(5)]),  # the alert's hour
        "b-old": (b, [base + dt.timedelta(hours=5, minutes=k) for k in range(3)]),        # beyond its margin
        "a-far": (a, [now - dt.timedelta(days=380, minutes=k) for k in range(4)]),        # a chunk of its own
        "a-hold": (a, [now - dt.timedelta(days=390, minutes=k) for k in range(4)]),       # a manual hold
        "a-recent": (a, [now - dt.timedelta(days=10, minutes=k) for k in range(4)]),
    }
    for vehicle, stamps in times.values():
        Position.objects.bulk_create([Position(terminal=vehicle.terminal_id, vehicle=vehicle, ts=ts, lat=31.78,
                                               lon=119.95, received_at=ts) for ts in stamps])
        Leg.objects.bulk_create([Leg(vehicle=vehicle, ts=ts, dist_m=10.0, secs=60.0, moving=True) for ts in stamps])
    # a fix the ingest attributed to no vehicle (an unknown terminal since bound): purged like any other
    Position.objects.create(terminal="RX", ts=base, lat=31.78, lon=119.95, received_at=base)
    alert = Alert.objects.create(vehicle=b, terminal="RB", kind="off_duty_use", clause="-",
                                 started_at=base + dt.timedelta(hours=1), ended_at=base + dt.timedelta(hours=2))
    AlertCase.objects.create(alert=alert, deadline=base + dt.timedelta(days=5))
    hold = times["a-hold"][1]
    FixHold.objects.create(vehicle=a, start=min(hold), end=max(hold), reason="行政复议", case_no="FY-3")
    # a released hold keeps nothing
    FixHold.objects.create(vehicle=a, start=base - dt.timedelta(hours=1), end=base + dt.timedelta(hours=3),
                           reason="已结", released_at=now)
    kept = {(v.pk, ts) for key in ("b-case", "a-hold", "a-recent") for v, stamps in [times[key]] for ts in stamps}
    return {"a": a, "b": b, "kept": kept, "times": times}


def _positions() -> set:
    return set(Position.objects.values_list("vehicle_id", "ts"))


def _legs() -> set:
    return set(Leg.objects.values_list("vehicle_id", "ts"))


@pytest.mark.parametrize("method", ["auto", "delete"])
def test_the_purge_keeps_held_and_recent_fixes_and_is_idempotent(history, method):
    result = fixes_purge(days=365, method=method, batch=4)
    assert _positions() == history["kept"] and _legs() == history["kept"]
    if method == "auto" and has_hypertables():
        assert result.method == "chunks+delete" and result.chunks >= 2  # a-far: a chunk of positions, one of legs
    else:
        assert result.method == "delete" and result.chunks == 0
        assert result.batches >= 3  # 4 rows a statement at most
    assert result.rows > 0
    again = fixes_purge(days=365, method=method, batch=4)
    assert (again.chunks, again.rows) == (0, 0)
    assert _positions() == history["kept"]


def test_a_retention_of_zero_keeps_everything_and_the_command_reports(history, monkeypatch):
    before = _positions()
    assert fixes_purge(days=0).cutoff is None and _positions() == before
    monkeypatch.setenv("QM_FIX_RETENTION_DAYS", "395")
    out, err = io.StringIO(), io.StringIO()
    call_command("retention", method="delete", stdout=out, stderr=err)
    summary = json.loads(out.getvalue())
    assert summary["method"] == "delete" and summary["rows_deleted"] > 0 and "rows deleted" in err.getvalue()
    # 395 days: the far chunk (380 days) and the held fixes stay; the 400-day-old unheld ones go.
    left = {ts for _, ts in _positions()}
    assert set(history["times"]["a-far"][1]) <= left and not set(history["times"]["a-old"][1]) & left
    with pytest.raises(CommandError, match="保留期至少为 1 天"):
        call_command("retention", days=-1, stdout=io.StringIO(), stderr=io.StringIO())


def test_positions_and_legs_refuse_any_other_delete(history):
    for table in ("tracking_position", "tracking_leg"):
        for statement in (f"DELETE FROM {table}", f"UPDATE {table} SET ts = ts"):
            with pytest.raises(DatabaseError, match="purged only by tracking_purge_fixes"), transaction.atomic(), \
                    connection.cursor() as cur:
                cur.execute(statement)
    with pytest.raises(DatabaseError, match="last day"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT tracking_purge_fixes('-infinity', now(), 100)")
    assert len(_positions()) == sum(len(stamps) for _, stamps in history["times"].values()) + 1


def test_the_runtime_role_purges_only_through_the_functions(history):
    with connection.cursor() as cur:
        cur.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    call_command("dbroles", role=ROLE, stdout=io.StringIO())
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL ROLE {ROLE}")
        cur.execute("DELETE FROM tracking_position")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL ROLE {ROLE}")
        cur.execute("SELECT tracking_purge_fixes('-infinity', now() - interval '365 days', 1000)")
        assert cur.fetchone()[0] > 0
        cur.execute("SELECT current_setting('qm.fix_purge', true)")
        assert cur.fetchone()[0] in ("", None)  # the switch does not outlive the function
    assert _positions() == history["kept"]
