"""Faults mid-stream: the broker restarted, PostgreSQL stopped and started again, the ingest SIGKILLed and
restarted. Each run must end with every fix stored exactly once and the alerts of an undisturbed run.

The PostgreSQL test stops the server the test database lives on: the throw-away one `make test` starts
(scripts/services.sh exports QM_PG_BIN, QM_PG_DATA, QM_PG_PORT). For a run by hand:
`eval "$(scripts/services.sh start /tmp/qm-pg)"` first (and `scripts/services.sh stop /tmp/qm-pg` after)."""
import datetime as dt
import json
import os
import shlex
import subprocess
import time

import pytest
from django.db import connection

from telematics.tracking.models import Alert, DeadLetter, Leg, Position, RuleCheckpoint
from telematics.tracking.pipeline import Message, Pipeline
from telematics.tracking.retention import fixes_unguarded
from tests.support.mqtt import MosquittoBroker

from .conftest import DEPOT, OUTSIDE, RESTAURANT, Route, fix_ts, local, north, wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
DAY = dt.date(2026, 11, 18)
FIELDS = ("vehicle__plate", "kind", "started_at", "ended_at", "dwell_s", "venue", "grid_code", "status")
# Small batches and a small receive window keep most of the stream queued at the broker, so the fault really
# lands mid-stream.
SLOW = {"QM_INGEST_WINDOW": "20", "QM_INGEST_BATCH": "20"}


def stream() -> list[tuple[str, dict]]:
    """Three vehicles for 40 minutes: V1 at the restaurant 12 minutes (venue_parking), V5 8 minutes outside the
    jurisdiction (out_of_jurisdiction), V2 on patrol; in time order."""
    t0 = local(DAY, "10:00")
    routes = {
        "T0001": Route(t0, DEPOT, 1).park(2, 20).drive(RESTAURANT, 4).park(12, 20).drive(DEPOT, 4).park(18, 20),
        "T0005": Route(t0, DEPOT, 5).park(2, 20).drive(OUTSIDE, 6).park(8, 20).drive(DEPOT, 6).park(18, 20),
        "T0002": Route(t0, DEPOT, 2).drive(north(DEPOT, 2000), 10, 10).drive(DEPOT, 10, 10).park(20, 20),
    }
    rows = sorted((fix_ts(f), f"qm/terminals/{t}/position", f) for t, r in routes.items() for f in r.fixes)
    return [(topic, f) for _, topic, f in rows]


def snapshot() -> list[tuple]:
    return sorted(tuple(str(v) for v in row) for row in Alert.objects.values_list(*FIELDS))


_reference: dict = {}


def reference() -> dict:
    """The alerts and legs of the undisturbed stream (in-process, message by message); computed once, then the
    tables the run wrote are emptied again."""
    if not _reference:
        pipeline = Pipeline()
        for topic, body in stream():
            pipeline.process([Message(topic, json.dumps(body).encode())])
        _reference.update(alerts=snapshot(), legs=Leg.objects.count())
        with fixes_unguarded():
            for model in (Alert, Position, Leg, RuleCheckpoint, DeadLetter):
                model.objects.all().delete()
    assert sorted(row[:2] for row in _reference["alerts"]) == [("苏D·A0001", "venue_parking"),
                                                              ("苏D·A0005", "out_of_jurisdiction")]
    return _reference


def publish_all(pub, msgs) -> None:
    infos = [pub.client.publish(topic, json.dumps(body), qos=1) for topic, body in msgs]
    for info in infos:
        info.wait_for_publish(30)


def assert_exactly_once_and_same_alerts(total: int, expected: dict) -> None:
    connection.close()  # the test's own connection may predate a server restart
    wait_until(lambda: Position.objects.count() == total, timeout=60,
               what=lambda: f"{total} fixes stored (have {Position.objects.count()})")
    wait_until(lambda: snapshot() == expected["alerts"], timeout=30,
               what=lambda: f"alerts {snapshot()} == {expected['alerts']}")
    assert not DeadLetter.objects.exists(), list(DeadLetter.objects.values_list("reason", "detail"))
    assert Leg.objects.count() == expected["legs"]  # the rules saw every fix, in order


def test_broker_restart_mid_stream(city, ingest, publisher, tmp_path):
    expected = reference()
    broker = MosquittoBroker()
    store = broker.dir / "store"
    store.mkdir()
    store.chmod(0o777)  # mosquitto drops to its own user
    broker.extra = f"persistence true\npersistence_location {store}/\nautosave_interval 1"
    broker.start()
    try:
        msgs = stream()
        proc = ingest(url=broker.url, env=SLOW)
        pub = publisher(broker.url)
        cut = len(msgs) * 2 // 3
        publish_all(pub, msgs[:cut])
        wait_until(lambda: Position.objects.exists(), what="the first fixes stored")
        broker.restart()
        pub2 = publisher(broker.url)
        publish_all(pub2, msgs[cut:])
        assert_exactly_once_and_same_alerts(len(msgs), expected)
        counters = proc.stop()
        assert counters["stored"] == len(msgs)
    finally:
        broker.stop()


def _pg() -> tuple[str, str, str]:
    bin_dir, data, port = (os.environ.get(k) for k in ("QM_PG_BIN", "QM_PG_DATA", "QM_PG_PORT"))
    if not (bin_dir and data and port) or str(connection.settings_dict["PORT"]) != port:
        pytest.fail("this test stops the test database's PostgreSQL server: run it through `make test`, or "
                    "`eval \"$(scripts/services.sh start /tmp/qm-pg)\"` first (QM_PG_BIN/QM_PG_DATA/QM_PG_PORT, "
                    "with QM_DATABASE_URL on that server)")
    return bin_dir, data, port


def _pg_ctl(bin_dir: str, *args: str) -> None:
    cmd = [f"{bin_dir}/pg_ctl", *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=60)


def test_postgresql_stopped_and_restarted_mid_stream(city, ingest, publisher):
    bin_dir, data, _ = _pg()
    expected = reference()
    # Started again with the options it runs with now (port, socket directory, settings).
    opts = shlex.split(open(f"{data}/postmaster.opts").read())[1:]
    i = opts.index("-D")
    del opts[i:i + 2]
    msgs = stream()
    proc = ingest(env=SLOW)
    pub = publisher()
    cut = len(msgs) // 2
    publish_all(pub, msgs[:cut])
    wait_until(lambda: Position.objects.exists(), what="the first fixes stored")
    connection.close()
    _pg_ctl(bin_dir, "-D", data, "-m", "fast", "-w", "stop")
    try:
        publish_all(pub, msgs[cut:])  # the broker keeps them: the ingest acknowledges nothing it did not commit
        time.sleep(3)
        assert proc.proc.poll() is None, "the ingest must wait for the database, not exit"
    finally:
        _pg_ctl(bin_dir, "-D", data, "-w", "-l", f"{data}/../server.log", "-o", shlex.join(opts), "start")
    assert_exactly_once_and_same_alerts(len(msgs), expected)
    counters = proc.stop()
    assert counters["stored"] == len(msgs)


def test_ingest_killed_and_restarted(city, ingest, publisher):
    expected = reference()
    msgs = stream()
    proc = ingest(env=SLOW)
    pub = publisher()
    cut = len(msgs) // 2
    publish_all(pub, msgs[:cut])
    wait_until(lambda: Position.objects.count() >= 30, what="30 fixes stored")
    proc.kill()  # SIGKILL: no flush, no checkpoint, unacknowledged messages stay with the broker
    time.sleep(0.5)
    stored = Position.objects.count()
    publish_all(pub, msgs[cut:])
    proc.start()
    assert_exactly_once_and_same_alerts(len(msgs), expected)
    counters = proc.stop()
    assert counters["stored"] == len(msgs) - stored
