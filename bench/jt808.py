"""Benchmark of the JT/T 808 gateway end to end: `qm jt808` → private Mosquitto → `qm ingest` → PostgreSQL.

- connections held: N terminals connect and authenticate (0x0102) and stay connected; the gateway's RSS;
- throughput: every terminal sends location reports one after another, each after the previous one's 0x8001 (as
  terminals do); reports/s answered, and stored/s until the last one is in the store, with nothing lost;
- latency at a paced rate (default 5,000 reports/s spread over the terminals): report→0x8001 p50/p99;
- the MQTT path in the same run (`bench.ingest_e2e`'s single-fix case, same broker and ingest), for the ratio.

The load generator is asyncio in this process (pre-encoded frames). Database `<name>_bench_ingest` beside
QM_DATABASE_URL, as bench.ingest_e2e. `--full`: 10,000 connections, 100,000 reports, 20 s of latency."""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import os
import sys
import time

from bench.common import QmProcess, setup_django
from bench.ingest_e2e import (
    EVENT_T0,
    Worker,
    _bench_database,
    _count,
    _pct,
    _reset,
    _setup,
    _wait_stored,
    throughput,
)

PREFIX = "0139"  # the benchmark's terminals: 0139 + 8 digits


def phone(n: int) -> str:
    return f"{PREFIX}{n:08d}"


def _setup_terminals(count: int) -> None:
    from assets.models import OrgUnit
    from telematics.models import Vehicle

    unit = OrgUnit.objects.get(code="CZ-TN-01")
    have = Vehicle.objects.filter(terminal_id__startswith=PREFIX).count()
    if have < count:
        Vehicle.objects.bulk_create([Vehicle(plate=f"苏D·J{n:05d}", unit=unit, seats=5, terminal_id=phone(n))
                                     for n in range(have, count)], batch_size=5000)


class Gateway(QmProcess):
    def __init__(self, url: str, env: dict):
        from tests.support.mqtt import free_port

        self.port = free_port()
        super().__init__(["jt808", "--host", "127.0.0.1", "--port", str(self.port), "--mqtt-url", url], env,
                         "listening", "qm jt808")


class Conn:
    """One terminal's connection: frames out, answers in (by serial)."""

    def __init__(self, n: int):
        self.n = n
        self.phone = phone(n)
        self.serial = 0
        self.k = 0
        self.waiting: dict[int, asyncio.Future] = {}

    async def open(self, port: int) -> None:
        from telematics.tracking.decoders import jt808 as j
        from telematics.tracking.jt808 import auth_code

        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.frames = j.FrameReader()
        self.task = asyncio.get_running_loop().create_task(self._read())
        result = await self.request(j.MsgId.AUTH, auth_code(self.phone).encode())
        if result != 0:
            raise RuntimeError(f"{self.phone}: authentication refused")

    async def _read(self) -> None:
        from telematics.tracking.decoders import jt808 as j

        while data := await self.reader.read(4096):
            for segment in self.frames.feed(data):
                if isinstance(segment, bytes):
                    body = j.parse_frame(segment).body
                    future = self.waiting.pop(int.from_bytes(body[0:2]), None)
                    if future is not None and not future.done():
                        future.set_result(body[4])

    async def request(self, msg_id: int, body: bytes) -> int:
        from telematics.tracking.decoders import jt808 as j

        self.serial = (self.serial + 1) & 0xFFFF
        future = asyncio.get_running_loop().create_future()
        self.waiting[self.serial] = future
        self.writer.write(j.build_frame(msg_id, self.phone, self.serial, body))
        return await asyncio.wait_for(future, 60)

    def location(self) -> bytes:
        from telematics.tracking.decoders import jt808 as j

        n, k = self.n, self.k
        self.k += 1
        lon = 119.935 + (n % 100) * 0.0004 + (k % 50) * 0.0002
        lat = 31.765 + (n // 100 % 100) * 0.0005
        loc = j.Location(0, j.STATUS_POSITIONED | j.STATUS_ACC, round(lat, 6), round(lon, 6), 10, 36.0, 90,
                         dt.datetime.fromtimestamp(EVENT_T0 + 10 * k, dt.UTC), mileage_km=100.0 + k, satellites=12)
        return j.encode_location(loc)

    async def report(self, body: bytes | None = None) -> int:
        return await self.request(0x0200, body if body is not None else self.location())


async def connect_all(port: int, count: int) -> list[Conn]:
    conns = [Conn(n) for n in range(count)]
    for start in range(0, count, 500):  # not all at once: the listen backlog
        await asyncio.gather(*(c.open(port) for c in conns[start:start + 500]))
    return conns


async def throughput_run(conns: list[Conn], reports: int) -> tuple[float, int]:
    per = max(1, reports // len(conns))
    bodies = {c.n: [c.location() for _ in range(per)] for c in conns}  # encoded before the clock starts
    started = time.perf_counter()

    async def one(c: Conn) -> int:
        ok = 0
        for body in bodies[c.n]:
            ok += await c.report(body) == 0
        return ok
    answered = sum(await asyncio.gather(*(one(c) for c in conns)))
    return time.perf_counter() - started, answered


async def latency_run(conns: list[Conn], rate: int, seconds: float) -> tuple[list[float], float]:
    """Reports at `rate` per second, round-robin over the terminals (each waits for its previous answer)."""
    latencies: list[float] = []
    busy: set[int] = set()
    tasks = []
    interval = 1.0 / rate
    started = time.perf_counter()
    i = 0

    async def one(c: Conn, sent: float) -> None:
        busy.add(c.n)
        try:
            if await c.report() == 0:
                latencies.append(time.perf_counter() - sent)
        finally:
            busy.discard(c.n)
    while (now := time.perf_counter()) - started < seconds:
        due = started + i * interval
        if due > now:
            await asyncio.sleep(due - now)
        c = conns[i % len(conns)]
        i += 1
        if c.n in busy:
            continue
        tasks.append(asyncio.get_running_loop().create_task(one(c, time.perf_counter())))
    await asyncio.gather(*tasks)
    return latencies, len(latencies) / (time.perf_counter() - started)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench.jt808")
    parser.add_argument("--full", action="store_true", help="10,000 connections, 100,000 reports, 20 s latency")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--latency-rate", type=int, default=5000)
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument("--no-mqtt", action="store_true", help="skip the MQTT path's comparison case")
    args = parser.parse_args(argv)
    if args.full:
        args.connections, args.reports, args.latency_seconds = 10_000, 100_000, 20
    url = os.environ.get("QM_DATABASE_URL", "")
    if not url.startswith("postgresql://"):
        raise SystemExit("bench.jt808 needs QM_DATABASE_URL=postgresql://… (a database is created beside it)")
    os.environ["QM_DATABASE_URL"] = _bench_database(url)
    setup_django()
    from tests.support.mqtt import MosquittoBroker

    _setup(args.connections)
    _setup_terminals(args.connections)
    env = {"QM_DATABASE_URL": os.environ["QM_DATABASE_URL"], "QM_LOG_LEVEL": "WARNING", "QM_MAX_FIX_AGE_DAYS": "0"}
    broker = MosquittoBroker()
    broker.start()
    print(f"jt808: {args.connections} terminals registered; PostgreSQL, Mosquitto, one `qm ingest`, `qm jt808` "
          f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start)", flush=True)
    try:
        mqtt = None
        if not args.no_mqtt:
            mqtt = throughput(broker.url, "127.0.0.1", broker.port, env, count=args.reports,
                              vehicles=args.connections, per_message=1)
            print(f"  MQTT path, single fixes QoS 1: {mqtt['msg_per_s']} msg/s into the store, lost {mqtt['lost']}",
                  flush=True)
        _reset()
        worker = Worker(broker.url, env)
        gateway = Gateway(broker.url, env)
        try:
            async def run():
                gc.freeze()  # the generator's own collections would show as the gateway's latency
                gc.set_threshold(700, 10, 1000)
                t = time.perf_counter()
                conns = await connect_all(gateway.port, args.connections)
                took = time.perf_counter() - t
                rss, peak = gateway.rss_mb()
                print(f"  held {len(conns)} authenticated connections (connected in {took:.1f} s); gateway RSS "
                      f"{rss:.0f} MB (peak {peak:.0f} MB)", flush=True)
                base = await asyncio.to_thread(_count, "SELECT CASE WHEN is_called THEN last_value ELSE "
                                               "last_value - 1 END FROM tracking_position_arrival_seq")
                t = time.perf_counter()
                cpu0, own0 = gateway.cpu_s(), time.process_time()
                took, answered = await throughput_run(conns, args.reports)
                cpu, own = gateway.cpu_s() - cpu0, time.process_time() - own0
                stored = await asyncio.to_thread(_wait_stored, base, answered, deadline=time.monotonic() + 600)
                into_store = stored / (time.perf_counter() - t)
                print(f"  throughput: {answered} reports answered in {took:.1f} s = {answered / took:.0f} reports/s "
                      f"(answered after PUBACK); stored {stored}/{answered} ({into_store:.0f}/s into the store), "
                      f"lost {answered - stored}; CPU per report: gateway {1e6 * cpu / max(1, answered):.0f} µs, "
                      f"load generator {1e6 * own / max(1, answered):.0f} µs", flush=True)
                if mqtt:
                    print(f"  gateway vs MQTT path: {into_store / mqtt['msg_per_s']:.2f} of the MQTT path's fixes/s "
                          f"into the store", flush=True)
                # At the rate, and at half the rate sustained here (beyond capacity only the queue shows).
                for rate in sorted({args.latency_rate, max(100, min(args.latency_rate, int(answered / took) // 2))}):
                    latencies, achieved = await latency_run(conns, rate, args.latency_seconds)
                    latencies = sorted(x * 1000 for x in latencies)
                    print(f"  latency at {rate} reports/s (achieved {achieved:.0f}): report->0x8001 p50 "
                          f"{_pct(latencies, 50)} ms, p99 {_pct(latencies, 99)} ms", flush=True)
                rss, peak = gateway.rss_mb()
                print(f"  gateway RSS after the run {rss:.0f} MB (peak {peak:.0f} MB)", flush=True)
                for c in conns:
                    c.writer.close()
            asyncio.run(run())
        finally:
            gateway.stop()
            worker.stop()
    finally:
        broker.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
