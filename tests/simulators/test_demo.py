"""`qm demo` in a fresh working directory (fresh SQLite): it comes up, its vehicles move (the latest positions
change, some at driving speed), the live map answers, and Ctrl-C stops every process it started."""
from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.support.mqtt import free_port

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 240  # migrating and loading the sample bureau on a busy machine
MOVING_WITHIN_S = 60


class DemoProcess:
    def __init__(self, workdir: Path, port: int):
        env = {k: v for k, v in os.environ.items() if k not in ("QM_DATABASE_URL", "QM_MQTT_URL")}
        self.lines: list[str] = []
        self.proc = subprocess.Popen([str(ROOT / ".venv/bin/qm"), "demo", "--port", str(port), "--jt808-port",
                                      str(free_port())], cwd=workdir, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"qm demo never said {text!r}:\n{self.output[-5000:]}")
            time.sleep(0.2)


def _get_json(url: str, token: str):
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


def _token(base: str, username: str, password: str) -> str:
    body = urllib.parse.urlencode({"username": username, "password": password}).encode()
    with urllib.request.urlopen(f"{base}/api/v1/auth/token/", data=body, timeout=20) as response:
        return json.loads(response.read())["token"]


def _signed_in_opener(base: str, username: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/", timeout=20).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    opener.open(f"{base}/accounts/login/", data=urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf}).encode(), timeout=20)
    return opener


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _latest(database: Path) -> dict:
    """terminal -> (ts, lat, lon, speed) of its newest stored fix, read from the demo's SQLite file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        rows = db.execute("SELECT terminal, ts, lat, lon, speed FROM tracking_position p WHERE ts = "
                          "(SELECT MAX(ts) FROM tracking_position q WHERE q.terminal = p.terminal)").fetchall()
    return {t: (ts, lat, lon, speed or 0) for t, ts, lat, lon, speed in rows}


@pytest.mark.slow
def test_the_demo_comes_up_moves_vehicles_and_stops_cleanly(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    launched = time.monotonic()
    demo = DemoProcess(tmp_path, port)
    try:
        demo.wait_for("Press Ctrl-C to stop.", READY_TIMEOUT_S)
        ready = time.monotonic()
        out = demo.output
        assert f"Quartermaster demo at {base}/" in out
        logins = dict(re.findall(r"^\s+(admin|logistics|fleet|auditor)\s+(\S+)\s", out, re.MULTILINE))
        assert set(logins) == {"admin", "logistics", "fleet", "auditor"}
        pids = [int(p) for p in re.findall(r"\(pid (\d+)\)", out)]
        assert len(pids) == 5  # serve, ingest, jt808, notify, simulate
        broker_pid = re.search(r"embedded MQTT broker \(mosquitto, pid (\d+)\)", out)
        assert broker_pid, out
        pids.append(int(broker_pid.group(1)))
        assert (tmp_path / "qm.sqlite3").exists()
        assert json.loads((tmp_path / "demo-data/scenarios/restaurant_lunch.truth.json").read_text())["alerts"]
        with urllib.request.urlopen(f"{base}/static/admin/css/base.css", timeout=20) as css:  # WhiteNoise
            assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")

        token = _token(base, "fleet", logins["fleet"])
        assert isinstance(_get_json(f"{base}/api/v1/positions/latest/", token), list | dict)
        first: dict = {}
        deadline = ready + MOVING_WITHIN_S
        while time.monotonic() < deadline:
            now = _latest(tmp_path / "qm.sqlite3")
            changed = [t for t in now if t in first and now[t][:3] != first[t][:3]]
            driving = [t for t in now if now[t][3] >= 10]
            jt808 = [t for t in now if t.startswith("0138000000")]  # the demo's JT/T 808 terminals, via the gateway
            if len(now) >= 40 and len(changed) >= 10 and driving and jt808:
                break
            first = first or now
            time.sleep(1)
        else:
            raise AssertionError(f"vehicles not moving {MOVING_WITHIN_S} s after the demo came up: {len(now)} "
                                 f"terminals stored, {len(changed)} moved, {len(driving)} driving, {len(jt808)} "
                                 f"JT/T 808; demo said:\n"
                                 + "".join(demo.lines[-60:]))
        with sqlite3.connect(f"file:{tmp_path / 'qm.sqlite3'}?mode=ro", uri=True, timeout=30) as db:
            stale = db.execute("SELECT count(*) FROM tracking_deadletter WHERE reason = 'stale_timestamp'").fetchone()
        assert stale == (0,)  # the replayed day lies within QM_MAX_FIX_AGE_DAYS (default 30)
        print(f"qm demo: up in {ready - launched:.0f} s, vehicles moving {time.monotonic() - launched:.0f} s after "
              f"launch")

        # The map page answers while the map's event stream is open (a thread per connection), and the
        # stream delivers the fixes as they are stored (nothing buffers the response).
        opener = _signed_in_opener(base, "fleet", logins["fleet"])
        with opener.open(f"{base}/map/stream/", timeout=30) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            with opener.open(f"{base}/map/", timeout=20) as page:
                assert page.status == 200 and page.url.endswith("/map/")
            events = []
            while "event: fixes\n" not in events:
                events.append(stream.readline().decode())
                assert len(events) < 10_000
    finally:
        demo.proc.send_signal(signal.SIGINT)
        try:
            code = demo.proc.wait(60)
        except subprocess.TimeoutExpired:
            demo.proc.kill()
            raise
    assert code == 0, demo.output[-3000:]
    assert all(not _alive(pid) for pid in pids), demo.output[-3000:]
    for name in ("simulate", "jt808", "ingest", "notify", "serve"):
        assert re.search(rf"stopped {name} \(pid \d+, status 0\)", demo.output), demo.output[-3000:]
    assert "stopped the MQTT broker" in demo.output


def test_a_start_beyond_the_fix_age_limit_turns_the_limit_off_for_the_demos_ingest(settings):
    from simulators.demo import beyond_fix_age_limit

    now = dt.datetime.now(dt.UTC)
    settings.QM_MAX_FIX_AGE_DAYS = 30
    assert beyond_fix_age_limit(now - dt.timedelta(days=40), now)
    assert not beyond_fix_age_limit(now - dt.timedelta(days=2), now)  # the demo's usual replay of a recent day
    settings.QM_MAX_FIX_AGE_DAYS = 0
    assert not beyond_fix_age_limit(now - dt.timedelta(days=400), now)
