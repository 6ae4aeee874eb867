"""Benchmark: the live map in headless Chromium with a fleet reporting every second.

Default: 500 vehicles for 20 s; --full: the issue's size, 5,000 vehicles for 60 s. A scratch PostgreSQL database
beside QM_DATABASE_URL's gets the vehicles; `qm serve` serves the map from it; a writer stores one fix per
vehicle per second through the position store (COPY, as the ingest does — the MQTT ingest has its own
benchmark); Chromium shows /map/ signed in as a superuser. Prints the median/p95 frame time (requestAnimationFrame
intervals), long tasks, the update delay (fix timestamp, taken as it is written, to its marker being moved in
the page) and how many fixes reached the page. Target: updates within 2 s, the page stays responsive.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bench.common import on_postgresql, scratch_database, setup_django

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CENTRE = (119.95, 31.78)

FRAME_PROBE = """() => {
    window.__frames = []; window.__long = []; window.__moved = [];
    // After the map's own handler: its batch runs first in the next frame, then this records when.
    qmMap.source.addEventListener('fixes', e => {
        const counts = {};
        JSON.parse(e.data).forEach(f => { counts[f[1]] = (counts[f[1]] || 0) + 1; });
        requestAnimationFrame(() => { const t = Date.now();
            Object.entries(counts).forEach(([ts, n]) => window.__moved.push([ts, t, n])); });
    });
    let last = performance.now();
    const tick = t => { window.__frames.push(t - last); last = t; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    new PerformanceObserver(list => list.getEntries().forEach(e => window.__long.push(e.duration)))
        .observe({entryTypes: ['longtask']});
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_fleet(n: int) -> list:
    """A bureau unit, `n` vehicles with terminals, a superuser; returns the vehicles."""
    from django.contrib.auth import get_user_model

    from assets import services
    from telematics.models import Vehicle

    unit = services.unit_create(code="BENCH", name="基准测试局", kind="bureau")
    Vehicle.objects.bulk_create([Vehicle(plate=f"基准{k:05d}", unit=unit, seats=5, terminal_id=f"B{k:05d}")
                                 for k in range(n)], batch_size=2000)
    get_user_model().objects.create_superuser("bench-map", password="bench-map-12345")
    return list(Vehicle.objects.order_by("pk"))


class Writer(threading.Thread):
    """One fix per vehicle per second, each vehicle driving its own circle around the city centre."""

    def __init__(self, vehicles: list, stop: threading.Event):
        super().__init__(daemon=True)
        self.vehicles = vehicles
        self.stop = stop
        self.rounds: list[float] = []  # seconds each second's batch took to store
        self.committed: dict[int, float] = {}  # the round's fix time (epoch ms) -> when it was committed
        rnd = random.Random(7)
        self.tracks = [(rnd.uniform(0.002, 0.06), rnd.uniform(0, 2 * math.pi), rnd.uniform(0.0005, 0.003))
                       for _ in vehicles]

    def run(self):
        from django.db import connection, transaction

        from telematics.tracking.store import PositionRow, store_positions

        step = 0
        next_at = time.monotonic()
        while not self.stop.is_set():
            now = dt.datetime.now(dt.UTC)
            rows = []
            for v, (radius, phase, speed) in zip(self.vehicles, self.tracks, strict=True):
                angle = phase + speed * step
                rows.append(PositionRow(terminal=v.terminal_id, ts=now, vehicle_id=v.pk,
                                        lat=CENTRE[1] + radius * math.sin(angle),
                                        lon=CENTRE[0] + radius * math.cos(angle), speed=36.0,
                                        heading=(math.degrees(angle) + 90) % 360, acc=True, seq=step,
                                        grid_code="", venue_id=None, received_at=now))
            started = time.monotonic()
            with transaction.atomic():
                store_positions(rows)
            self.committed[round(now.timestamp() * 1000)] = time.time()
            self.rounds.append(time.monotonic() - started)
            step += 1
            next_at += 1.0
            self.stop.wait(max(0.0, next_at - time.monotonic()))
        connection.close()


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(n: int, seconds: float, warmup: float) -> dict:
    from django.conf import settings
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from quartermaster.dburl import connection_url

    vehicles = load_fleet(n)
    client = Client()
    client.force_login(vehicles[0].__class__._meta.apps.get_model("auth", "User").objects.get(username="bench-map"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    port = _free_port()
    env = {**os.environ, "QM_DATABASE_URL": connection_url(), "QM_LOG_LEVEL": "ERROR"}
    server = subprocess.Popen([str(ROOT / ".venv/bin/qm"), "serve", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    writer = Writer(vehicles, stop)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("qm serve did not start") from None
                time.sleep(0.3)
        writer.start()
        time.sleep(1.5)  # the first round is stored: every vehicle is on the map from the start
        # Playwright's sync API keeps an event loop on this thread; no Django query runs on it from here on.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(f"{exc} {(exc.stack or '')[:600]}"))
            opened = time.monotonic()
            page.goto(f"{base}/map/")
            page.wait_for_function("window.qmMap && window.qmMap.ready", timeout=120_000)
            ready_s = time.monotonic() - opened
            placed = page.evaluate("qmMap.cluster.getLayers().length")
            page.evaluate(FRAME_PROBE)
            time.sleep(warmup)
            page.evaluate("() => { qmMap.stats.delays = []; qmMap.stats.received = 0; qmMap.stats.applied = 0;"
                          " qmMap.stats.flushMs = [];"
                          " window.__frames = []; window.__long = []; window.__moved = []; }")
            rounds_before = len(writer.rounds)
            time.sleep(seconds)
            stored = (len(writer.rounds) - rounds_before) * n / seconds
            result = page.evaluate("""() => ({delays: qmMap.stats.delays, received: qmMap.stats.received,
                moved: window.__moved,
                applied: qmMap.stats.applied, flush: qmMap.stats.flushMs, frames: window.__frames, long: window.__long})""")
            snapshot_s = []
            for _ in range(3):  # what a page (re)load asks first, while the fleet keeps reporting
                request = urllib.request.Request(f"{base}/map/snapshot.json",
                                                 headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"})
                started = time.monotonic()
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                snapshot_s.append(time.monotonic() - started)
            browser.close()
    finally:
        stop.set()
        writer.join(10)
        server.terminate()
        server.wait(10)
    since_stored = [moved / 1000 - writer.committed[int(ts)] for ts, moved, k in result["moved"]
                    if int(ts) in writer.committed for _ in range(k)]
    result.update(errors=errors, stored=stored, snapshot_s=statistics.median(snapshot_s), since_stored=since_stored, ready_s=ready_s, placed=placed, store_s=writer.rounds)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="5,000 vehicles for 60 s")
    parser.add_argument("--vehicles", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args(argv)
    n = args.vehicles or (5000 if args.full else 500)
    seconds = args.seconds or (60.0 if args.full else 20.0)

    setup_django()
    if not on_postgresql():
        return 0
    with scratch_database("map"):
        try:
            r = run(n, seconds, warmup=5.0)
        finally:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    delays = [d / 1000 for d in r["delays"]]
    frames = r["frames"]
    print(f"   {n:,} vehicles reporting every second, measured {seconds:g} s after a 5 s warm-up", flush=True)
    print(f"   page ready (snapshot, {r['placed']:,} markers clustered) in {r['ready_s']:.1f} s; "
          f"/map/snapshot.json alone {r['snapshot_s']:.2f} s (median of 3, after the run)")
    print(f"   fixes stored: {r['stored']:,.0f}/s (target {n:,}/s; one COPY round per second, median "
          f"{statistics.median(r['store_s']) * 1000:.0f} ms)")
    print(f"   fixes reaching the page: {r['received'] / seconds:,.0f}/s, markers moved {r['applied'] / seconds:,.0f}/s")
    stored_delays = r["since_stored"]
    print(f"   update delay, fix stored (committed) -> marker moved: median {statistics.median(stored_delays):.2f} s, "
          f"p95 {_pct(stored_delays, 0.95):.2f} s, max {max(stored_delays):.2f} s  (target < 2 s)" if stored_delays
          else "   update delay: no updates reached the page")
    print(f"   update delay, fix timestamp -> marker moved: median {statistics.median(delays):.2f} s, "
          f"p95 {_pct(delays, 0.95):.2f} s" if delays else "")
    print(f"   frame time: median {statistics.median(frames):.1f} ms, p95 {_pct(frames, 0.95):.1f} ms, "
          f"max {max(frames):.0f} ms over {len(frames)} frames" if frames else "   frame time: no frames")
    flush = r["flush"]
    print(f"   marker batch (one per frame with fixes): median {statistics.median(flush):.1f} ms, "
          f"p95 {_pct(flush, 0.95):.1f} ms, {len(flush)} batches" if flush else "   marker batches: none")
    if r["errors"]:
        print(f"   script errors in the page: {len(r['errors'])}, first: {r['errors'][0]}")
    print(f"   long tasks (> 50 ms): {len(r['long'])}, total {sum(r['long']) / 1000:.1f} s of {seconds:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
