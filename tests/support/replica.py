"""A real streaming replica of the test database's PostgreSQL (`scripts/services.sh replica`: pg_basebackup -R of the
server `make test` started, as a hot standby on a port of its own), for the database router's tests.

`replica_server` starts it for a test module that asks for it and stops it after; `replica_alias` makes it the
`replica` database alias for one test module and takes it away after, so every other test runs without one (the
router's no-op); `replica` hands a test the server caught up with the primary."""
from __future__ import annotations

import copy
import os
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections

from quartermaster import dbrouter

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "services.sh"


def wait_until(check, *, what: str, timeout: float = 15.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


@dataclass
class ReplicaServer:
    services_dir: Path
    data: Path
    host: str
    port: int

    def _pg_ctl(self, *args: str) -> None:
        bin_dir = os.environ["QM_PG_BIN"]
        cmd = [f"{bin_dir}/pg_ctl", "-D", str(self.data), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=60)

    def stop(self) -> None:
        self.opts = shlex.split((self.data / "postmaster.opts").read_text())[1:]
        i = self.opts.index("-D")
        del self.opts[i:i + 2]
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        self._pg_ctl("-w", "-l", str(self.data.parent / "server.log"), "-o", shlex.join(self.opts), "start")


@pytest.fixture(scope="module")
def replica_server(django_db_setup, django_db_blocker):
    """Started for the module that asks and stopped after it (about 10 s on the migrated test database): a replica
    kept for the whole session would replay every later test's writes on this loaded machine, and without a slot
    could fall behind the WAL the primary keeps."""
    data, port = os.environ.get("QM_PG_DATA"), os.environ.get("QM_PG_PORT")
    with django_db_blocker.unblock():
        on_it = data and port and str(connection.settings_dict["PORT"]) == port
    if not (on_it and os.environ.get("QM_PG_BIN")):
        pytest.fail("the replica tests stream from the test database's PostgreSQL: run them through `make test` / "
                    "scripts/test.sh, or `eval \"$(scripts/services.sh start /tmp/qm-pg)\"` first (QM_PG_BIN/QM_PG_DATA/"
                    "QM_PG_PORT, with QM_DATABASE_URL on that server)")
    services_dir = Path(data).parents[1]
    out = subprocess.run([str(SERVICES), "replica", str(services_dir)], check=False, capture_output=True,
                         text=True, timeout=300)
    if out.returncode:
        pytest.fail(f"services.sh replica failed:\n{out.stderr}")
    exports = dict(item.split("=", 1) for item in shlex.split(out.stdout.replace("export ", "")))
    url = urlsplit(exports["QM_TEST_REPLICA_URL"])
    try:
        yield ReplicaServer(services_dir, Path(exports["QM_TEST_REPLICA_DATA"]), url.hostname, url.port)
    finally:
        subprocess.run([str(SERVICES), "replica-stop", str(services_dir)], check=False, capture_output=True,
                       timeout=120)


class Replica:
    """The replica as one test sees it: replay paused and resumed, caught up with the primary, its lag."""

    def __init__(self, server: ReplicaServer):
        self.server = server
        self.paused = False

    @property
    def connection(self):
        return connections[dbrouter.REPLICA]

    def one(self, sql: str, params=()):
        with self.connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()[0]

    @staticmethod
    def _primary_lsn() -> str:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_current_wal_insert_lsn()::text")  # commits are asynchronous here
            return cur.fetchone()[0]

    def caught_up(self) -> None:
        """Waits until the replica has replayed everything the primary has written so far."""
        lsn = self._primary_lsn()
        wait_until(lambda: self.one("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]),
                   what=f"the replica to replay up to {lsn}")

    def received(self) -> None:
        """Waits until the replica has received (not necessarily replayed) what the primary has written so far."""
        lsn = self._primary_lsn()
        wait_until(lambda: self.one("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [lsn]),
                   what=f"the replica to receive up to {lsn}")

    def pause(self) -> None:
        self.caught_up()
        self.one("SELECT pg_wal_replay_pause()::text")
        self.paused = True

    def resume(self) -> None:
        self.one("SELECT pg_wal_replay_resume()::text")
        self.paused = False

    def lag(self) -> float | None:
        return self.one(dbrouter.LAG_SQL)


@pytest.fixture(scope="module")
def replica_alias(replica_server):
    """The `replica` alias on the real replica for a module's tests. Module-scoped, so it exists before each test's
    database set-up: those tests name it (`django_db(transaction=True, databases=["default", "replica"])`; only
    committed rows reach a replica). It mirrors `default` for the test runner: never created, flushed or migrated."""
    cfg = copy.deepcopy(connections["default"].settings_dict)
    cfg.update(HOST=replica_server.host, PORT=replica_server.port)
    cfg["OPTIONS"] = {**cfg.get("OPTIONS", {}), "connect_timeout": 2}
    cfg["TEST"] = {**cfg.get("TEST", {}), "MIRROR": "default"}
    connections.settings[dbrouter.REPLICA] = cfg
    dbrouter.forget()
    try:
        yield replica_server
    finally:
        connections[dbrouter.REPLICA].close()
        del connections[dbrouter.REPLICA]
        del connections.settings[dbrouter.REPLICA]
        dbrouter.forget()


@pytest.fixture
def replica(replica_alias, settings):
    """The replica for one test, caught up with the primary; its lag is judged afresh at every read."""
    settings.QM_REPLICA_CHECK_SECONDS = 0
    settings.QM_REPLICA_RETRY_SECONDS = 0
    dbrouter.forget()
    handle = Replica(replica_alias)
    try:
        wait_until(lambda: handle.lag() is not None, what="the replica streaming")
        handle.caught_up()
        yield handle
    finally:
        if handle.paused:
            handle.resume()
        dbrouter.forget()
