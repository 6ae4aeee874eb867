"""End-to-end benchmark of `qm ingest` through a private Mosquitto on PostgreSQL (issue 7's targets).

Cases, each with the real worker (`qm ingest` as a process) and a raw-socket MQTT load generator (pre-encoded
QoS 1 PUBLISH packets, so the publisher is not the bottleneck):
- single-fix messages at QoS 1, as fast as the ingest drains them: sustained msg/s, and that nothing was lost;
- arrays of 10 fixes per message (half as many messages as single fixes, so five times the fixes: with `--full`
  500,000 fixes, long enough to be sustained rather than a burst): fixes/s;
- latency at a paced 5,000 fixes/s: p50/p99 fix→stored (the fix's publish time is carried in `seq`, the store
  stamps `received_at`) and fix→alert (vehicles parked at a restaurant; alert seen on `qm/alerts/+` minus the
  publish time of the fix that made it due);
- the worker's RSS (peak) with the registry of N vehicles;
- the ceiling: a bare paho subscriber that only parses the JSON, QoS 0 and QoS 1, same generator, same broker.

Uses its own database `<QM_DATABASE_URL's name>_bench_ingest` on the QM_DATABASE_URL server (created and
migrated on first use). Default sizes are small; `--full` is the issue's: 10,000 vehicles, 100,000 messages.
`--workers N` runs N workers (`qm ingest --shard K/N`) instead of one; RSS is then given per worker (largest)
and summed."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time

from bench.common import QmProcess, setup_django

RESTAURANT = (119.960, 31.790)
# Event time of the load: a Wednesday morning, on duty (so moving vehicles raise no off_duty_use).
EVENT_T0 = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


# --- a raw MQTT 3.1.1 publisher ------------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(s: str) -> bytes:
    b = s.encode()
    return len(b).to_bytes(2, "big") + b


class RawPublisher:
    """Writes pre-encoded QoS 1 PUBLISH packets to a socket and counts the PUBACKs."""

    def __init__(self, host: str, port: int, client_id: str = "bench-load"):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = _string("MQTT") + bytes([4, 0x02]) + (60).to_bytes(2, "big") + _string(client_id)
        self.sock.sendall(b"\x10" + _varint(len(body)) + body)
        if self.sock.recv(4)[:2] != b"\x20\x02":
            raise RuntimeError("the broker refused the load generator")
        self.acked = 0
        self.mid = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            n = len(buf) // 4  # only PUBACKs (4 bytes) come back
            self.acked += n
            buf = buf[n * 4:]

    def packet(self, topic: str, payload: bytes) -> bytes:
        self.mid = self.mid % 65535 + 1
        rest = _string(topic) + self.mid.to_bytes(2, "big") + payload
        return b"\x32" + _varint(len(rest)) + rest

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def wait_acked(self, n: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.acked < n and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.acked < n:
            raise RuntimeError(f"the broker acknowledged {self.acked} of {n} messages")

    def close(self) -> None:
        try:
            self.sock.sendall(b"\xe0\x00")
        finally:
            self.sock.close()


# --- setup -------------------------------------------------------------------------------------------------

def _bench_database(url: str) -> str:
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/") + "_bench_ingest"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


def _setup(vehicles: int) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from assets.models import OrgUnit
    from telematics.models import DutySchedule, Vehicle
    from tests.support.fixtures import build_bureau
    from tests.telematics.tracking.conftest import load_city

    if not OrgUnit.objects.filter(code="CZ").exists():
        build_bureau()
    load_city()
    unit = OrgUnit.objects.get(code="CZ-TN-01")
    have = Vehicle.objects.filter(terminal_id__startswith="B").count()
    tn = OrgUnit.objects.get(code="CZ-TN")
    if not DutySchedule.objects.filter(unit=tn).exists():
        DutySchedule.objects.create(unit=tn, weekdays="1,2,3,4,5", start=dt.time(8), end=dt.time(18))
    if have < vehicles:
        Vehicle.objects.bulk_create([Vehicle(plate=f"苏D·B{n:05d}", unit=unit, seats=5, terminal_id=f"B{n:05d}")
                                     for n in range(have, vehicles)], batch_size=5000)


def _reset() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE tracking_position, tracking_leg, tracking_rulecheckpoint, tracking_deadletter")
        # Alerts are referred to by the notifications and the (append-only) alert cases: TRUNCATE refuses them even
        # when those are empty, a DELETE works as long as no case or notification refers to an alert.
        cur.execute("DELETE FROM tracking_alertreview")
        cur.execute("DELETE FROM tracking_alert")


def _count(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def _wait_stored(base: int, total: int, *, deadline: float) -> int:
    """Waits until `total` positions are stored; returns how many are. Polls the newest arrival (an index probe)
    rather than count(*), which on 1 M rows costs tens of milliseconds of the database's CPU, taken from the
    ingest being measured; counts once at the end (arrivals may have gaps, so a short count polls on)."""
    while time.monotonic() < deadline:
        if _count("SELECT coalesce(max(arrival), 0) FROM tracking_position") - base >= total:
            break
        time.sleep(0.05)
    while True:
        stored = _count("SELECT count(*) FROM tracking_position")
        if stored >= total or time.monotonic() >= deadline:
            return stored
        time.sleep(0.5)


class Worker(QmProcess):
    def __init__(self, url: str, env: dict, shard: str | None = None, extra: tuple[str, ...] = ()):
        from telematics.tracking.ingest import parse_mqtt_url

        server = parse_mqtt_url(url)
        self.host, self.port = server["host"], server["port"]
        self.client_id = f"bench-{time.monotonic_ns()}"
        super().__init__(["ingest", "--mqtt-url", url, "--client-id", self.client_id,
                          *(["--shard", shard] if shard else []), *extra], env, "subscribed", "ingest")

    def stop(self) -> None:
        super().stop()
        # The worker's session is persistent: end it, or the broker queues every later case's messages for it.
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 0
        client.connect(self.host, self.port, clean_start=True, properties=props)
        client.disconnect()


class Workers:
    """`n` workers, one per shard (a plain single worker when n == 1)."""

    def __init__(self, url: str, env: dict, n: int, exact: bool = False):
        self.all: list[Worker] = []
        extra = ("--exact-topics",) if n > 1 and exact else ()
        try:
            for k in range(n):
                self.all.append(Worker(url, env, f"{k}/{n}" if n > 1 else None, extra))
        except BaseException:
            self.stop()
            raise

    def rss_mb(self) -> tuple[float, float, float]:
        """(largest RSS, largest peak, sum of RSS) over the workers."""
        values = [w.rss_mb() for w in self.all]
        return max(v[0] for v in values), max(v[1] for v in values), sum(v[0] for v in values)

    def stop(self) -> None:
        for worker in self.all:
            worker.stop()


# --- the load ----------------------------------------------------------------------------------------------

def _fix(ts: float, n: int, k: int, seq: int = 0, parked: bool = False) -> dict:
    if parked:
        lon, lat, speed = RESTAURANT[0] + (k % 3) * 1e-5, RESTAURANT[1], 0.0
    else:
        lon = 119.935 + (n % 100) * 0.0004 + (k % 50) * 0.0002  # inside the jurisdiction
        lat, speed = 31.765 + (n // 100 % 100) * 0.0005, 36.0
    return {"ts": ts, "lat": round(lat, 6), "lon": round(lon, 6), "speed": speed, "seq": seq}


def _messages(pub: RawPublisher, count: int, vehicles: int, per_message: int, t0: float) -> list[bytes]:
    """`count` messages round-robin over the vehicles, each vehicle's event time 10 s per fix."""
    out = []
    k_of = [0] * vehicles
    for i in range(count):
        n = i % vehicles
        fixes = []
        for _ in range(per_message):
            k = k_of[n]
            k_of[n] += 1
            fixes.append(_fix(t0 + k * 10, n, k))
        body = fixes[0] if per_message == 1 else fixes
        out.append(pub.packet(f"qm/terminals/B{n:05d}/position", json.dumps(body).encode()))
    return out


def _blast(pub: RawPublisher, packets: list[bytes]) -> float:
    started = time.perf_counter()
    for i in range(0, len(packets), 200):
        pub.send(b"".join(packets[i:i + 200]))
    return started


def throughput(broker_url: str, host: str, port: int, env: dict, *, count: int, vehicles: int,
               per_message: int, workers: int = 1, exact: bool = False) -> dict:
    _reset()
    worker = Workers(broker_url, env, workers, exact)
    try:
        pub = RawPublisher(host, port, f"bench-{per_message}-{time.monotonic_ns()}")
        t0 = EVENT_T0
        packets = _messages(pub, count, vehicles, per_message, t0)
        base = _count("SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END "
                      "FROM tracking_position_arrival_seq")
        started = _blast(pub, packets)
        pub.wait_acked(count)
        published = time.perf_counter() - started
        total = count * per_message
        stored = _wait_stored(base, total, deadline=time.monotonic() + 600)
        took = time.perf_counter() - started
        dead = _count("SELECT count(*) FROM tracking_deadletter")
        rss, peak, rss_sum = worker.rss_mb()
        pub.close()
    finally:
        worker.stop()
    return {"messages": count, "fixes": total, "stored": stored, "dead_letters": dead, "lost": total - stored - dead,
            "publish_s": round(published, 2), "drain_s": round(took, 2), "msg_per_s": round(count / took),
            "fixes_per_s": round(total / took), "rss_mb": round(rss), "rss_peak_mb": round(peak),
            "rss_sum_mb": round(rss_sum)}


def latency(broker_url: str, host: str, port: int, env: dict, *, rate: int, seconds: float, vehicles: int,
            parked_every: int = 20, workers: int = 1, exact: bool = False) -> dict:
    """Paced single fixes; every `parked_every`-th vehicle stands at the restaurant (venue_parking after 600 s of
    event time = 60 fixes) so alerts are raised while the load runs."""
    import paho.mqtt.client as mqtt
    from django.db import connection

    _reset()
    alerts: list[tuple[float, dict]] = []
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    subscribed = threading.Event()
    sub.on_message = lambda c, u, m: alerts.append((time.time(), json.loads(m.payload)))
    sub.on_subscribe = lambda *a: subscribed.set()
    sub.on_connect = lambda c, u, f, rc, p: c.subscribe("qm/alerts/+", qos=1)
    sub.connect(host, port)
    sub.loop_start()
    subscribed.wait(10)
    worker = Workers(broker_url, env, workers, exact)
    published: dict[tuple[str, float], float] = {}
    try:
        pub = RawPublisher(host, port, f"bench-latency-{time.monotonic_ns()}")
        t0 = EVENT_T0
        k_of = [0] * vehicles
        total = int(rate * seconds)
        started = time.time()
        tick = 0.01
        per_tick = max(1, int(rate * tick))
        sent = 0
        while sent < total:
            due = started + sent / rate
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            chunk = []
            for _ in range(min(per_tick, total - sent)):
                n = sent % vehicles
                k = k_of[n]
                k_of[n] += 1
                now = time.time()
                terminal = f"B{n:05d}"
                ts = t0 + k * 10
                parked = n % parked_every == 0
                if parked:
                    published[(terminal, ts)] = now
                chunk.append(pub.packet(f"qm/terminals/{terminal}/position", json.dumps(
                    _fix(ts, n, k, seq=int(now * 1e6), parked=parked)).encode()))
                sent += 1
            pub.send(b"".join(chunk))
        achieved = sent / (time.time() - started)
        pub.wait_acked(sent)
        deadline = time.monotonic() + 120
        while _count("SELECT count(*) FROM tracking_position") < sent and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        with connection.cursor() as cur:
            cur.execute("SELECT extract(epoch FROM received_at) * 1e6 - seq FROM tracking_position")
            stored_ms = sorted(row[0] / 1000 for row in cur.fetchall())
        pub.close()
    finally:
        worker.stop()
        sub.disconnect()
        sub.loop_stop()
    alert_ms = []
    for received, body in alerts:
        if body.get("kind") != "venue_parking" or body.get("status") != "open":
            continue
        start = dt.datetime.fromisoformat(body["started_at"]).timestamp()
        due = [t for (terminal, ts), t in published.items() if terminal == body["terminal"] and ts >= start + 630]
        if due:
            alert_ms.append((received - min(due)) * 1000)
    alert_ms.sort()
    return {"rate": rate, "achieved": round(achieved), "fixes": sent, "stored_p50_ms": _pct(stored_ms, 50),
            "stored_p99_ms": _pct(stored_ms, 99), "alerts": len(alert_ms), "alert_p50_ms": _pct(alert_ms, 50),
            "alert_p99_ms": _pct(alert_ms, 99)}


def _pct(values: list[float], p: float):
    if not values:
        return None
    return round(values[min(len(values) - 1, int(len(values) * p / 100))], 1)


BARE = r"""
import json, sys, time
import paho.mqtt.client as mqtt
host, port, qos, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
state = {"n": 0, "first": None, "last": None}
def on_message(c, u, m):
    json.loads(m.payload)
    state["n"] += 1
    now = time.perf_counter()
    state["first"] = state["first"] or now
    state["last"] = now
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-bare-%d" % qos, protocol=mqtt.MQTTv311)
c.max_inflight_messages_set(1000)
c.on_message = on_message
c.on_connect = lambda c, u, f, rc, p: c.subscribe("qm/terminals/+/position", qos=qos)
c.on_subscribe = lambda *a: print("subscribed", flush=True)
c.connect(host, port)
deadline = None
while state["n"] < n:
    c.loop(0.05)
    if state["first"] and deadline is None:
        deadline = time.monotonic() + 300
    if deadline and time.monotonic() > deadline:
        break
print(json.dumps({"received": state["n"], "seconds": (state["last"] or 0) - (state["first"] or 0)}), flush=True)
"""


def bare_ceiling(host: str, port: int, *, qos: int, count: int, vehicles: int) -> dict:
    proc = subprocess.Popen([sys.executable, "-c", BARE, host, str(port), str(qos), str(count)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "subscribed"
    pub = RawPublisher(host, port, f"bench-bare-load-{qos}")
    _blast(pub, _messages(pub, count, vehicles, 1, EVENT_T0))
    pub.wait_acked(count)
    out = json.loads(proc.stdout.readline())
    proc.wait(30)
    pub.close()
    return {"qos": qos, "received": out["received"], "msg_per_s": round(out["received"] / max(out["seconds"], 1e-6))}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench.ingest_e2e")
    parser.add_argument("--full", action="store_true", help="the issue's size: 10,000 vehicles, 100,000 messages")
    parser.add_argument("--vehicles", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--latency-rate", type=int, default=5000)
    parser.add_argument("--latency-seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=1, help="ingest workers, each `qm ingest --shard K/N`")
    parser.add_argument("--exact-topics", action="store_true",
                        help="the workers run with --exact-topics (worker 0 without the terminal wildcards)")
    parser.add_argument("--cases", default="ceiling,single,arrays,latency",
                        help="which cases to run, comma-separated (default: all)")
    args = parser.parse_args(argv)
    cases = set(args.cases.split(","))
    if cases - {"ceiling", "single", "arrays", "latency"}:
        parser.error(f"unknown --cases {sorted(cases - {'ceiling', 'single', 'arrays', 'latency'})}")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.full:
        args.vehicles, args.messages, args.latency_seconds = 10_000, 100_000, 20
    url = os.environ.get("QM_DATABASE_URL", "")
    if not url.startswith("postgresql://"):
        raise SystemExit("bench.ingest_e2e needs QM_DATABASE_URL=postgresql://… (a database is created beside it)")
    os.environ["QM_DATABASE_URL"] = _bench_database(url)
    setup_django()
    from tests.support.mqtt import MosquittoBroker

    _setup(args.vehicles)
    # The fixes are dated EVENT_T0 (a fixed day, so runs compare): the fix-age limit is off, as for any replay.
    env = {"QM_DATABASE_URL": os.environ["QM_DATABASE_URL"], "QM_LOG_LEVEL": "WARNING", "QM_MAX_FIX_AGE_DAYS": "0"}
    broker = MosquittoBroker()
    broker.start()
    host, port = "127.0.0.1", broker.port
    try:
        how = "one `qm ingest` worker" if args.workers == 1 else f"{args.workers} `qm ingest --shard K/{args.workers}` workers"
        how += " with --exact-topics" if args.exact_topics and args.workers > 1 else ""
        print(f"ingest_e2e: {args.vehicles} vehicles registered, PostgreSQL, Mosquitto, {how} "
              f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start)", flush=True)
        ceilings = {}
        for qos in (0, 1) if "ceiling" in cases else ():
            r = bare_ceiling(host, port, qos=qos, count=args.messages, vehicles=args.vehicles)
            ceilings[qos] = r["msg_per_s"]
            print(f"  ceiling: bare paho subscriber, QoS {qos}, JSON parse only: {r['msg_per_s']} msg/s "
                  f"({r['received']}/{args.messages} received)", flush=True)
        sustained = args.latency_rate * 2
        if "single" in cases:
            single = throughput(broker.url, host, port, env, count=args.messages, vehicles=args.vehicles,
                                per_message=1, workers=args.workers, exact=args.exact_topics)
            sustained = single["msg_per_s"]
            share = f"{100 * single['msg_per_s'] / ceilings[1]:.0f}% of the bare QoS 1 ceiling; " if ceilings else ""
            print(f"  single fixes, QoS 1: {single['msg_per_s']} msg/s sustained; stored {single['stored']}/"
                  f"{single['fixes']}, lost {single['lost']}, dead letters {single['dead_letters']}; {share}worker RSS "
                  f"{single['rss_mb']} MB (peak {single['rss_peak_mb']} MB"
                  f"{'' if args.workers == 1 else ', largest worker; all workers ' + str(single['rss_sum_mb']) + ' MB'}) "
                  f"with {args.vehicles} vehicles", flush=True)
        if "arrays" in cases:
            arrays = throughput(broker.url, host, port, env, count=args.messages // 2, vehicles=args.vehicles,
                                per_message=10, workers=args.workers, exact=args.exact_topics)
            print(f"  arrays of 10, QoS 1: {arrays['fixes_per_s']} fixes/s ({arrays['msg_per_s']} msg/s); stored "
                  f"{arrays['stored']}/{arrays['fixes']}, lost {arrays['lost']}", flush=True)
        # At the 5,000 fixes/s, and at half the rate this worker sustained here (on a machine slower than
        # the target, 5,000/s only measures the queue). Vehicles so that each sends ~75 fixes in the run: the
        # parked ones reach the 10-minute dwell (60 fixes of 10 s event time) while the load runs.
        for rate in sorted({args.latency_rate, max(100, min(args.latency_rate, sustained // 2))}) \
                if "latency" in cases else ():
            lat = latency(broker.url, host, port, env, rate=rate, seconds=args.latency_seconds,
                          vehicles=max(40, min(args.vehicles, int(rate * args.latency_seconds / 75))),
                          workers=args.workers, exact=args.exact_topics)
            print(f"  latency at {lat['rate']} fixes/s (achieved {lat['achieved']}): fix->stored p50 "
                  f"{lat['stored_p50_ms']} ms, p99 {lat['stored_p99_ms']} ms; fix->alert p50 {lat['alert_p50_ms']} "
                  f"ms, p99 {lat['alert_p99_ms']} ms over {lat['alerts']} alerts", flush=True)
    finally:
        broker.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
