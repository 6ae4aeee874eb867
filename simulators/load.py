"""Load mode for benchmarks: M terminals publishing at a fixed aggregate rate (single fixes or arrays of K), QoS 0
or 1, reporting what was actually sent."""
from __future__ import annotations

import datetime as dt
import math
import random
import time
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError
from telematics.tracking.mqttclient import stop_loop

from .engine import mqtt_client
from .plan import CST
from .terminals import dumps, ts_iso

# Loads stay inside the sample city's box so the fixes classify like real ones.
CITY_BOX = (119.905, 31.750, 120.0004, 31.804)
TICK_S = 0.01


@dataclass(frozen=True)
class LoadReport:
    messages: int
    fixes: int
    seconds: float
    target_rate: float
    qos: int
    batch: int
    terminals: int

    @property
    def rate(self) -> float:
        """Messages per second achieved (published and, at QoS 1, acknowledged by the broker)."""
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def fix_rate(self) -> float:
        return self.fixes / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        return (f"{self.messages} messages ({self.fixes} fixes) from {self.terminals} terminals in {self.seconds:.2f} s: "
                f"{self.rate:.0f} msg/s ({self.fix_rate:.0f} fixes/s), target {self.target_rate:.0f} msg/s, "
                f"QoS {self.qos}, {self.batch} fix(es) per message")


def load_terminal_ids(count: int) -> list[str]:
    """The ids the load mode publishes as (register them as vehicles to have the fixes stored)."""
    return [f"L{i:05d}" for i in range(1, count + 1)]


def run_load(url: str, terminals: int | list[str], rate: float, duration: float, qos: int = 1, batch: int = 1, *,
             prefix: str = "qm", seed: int = 1) -> LoadReport:
    """Publishes `rate` messages/s for `duration` s, round-robin over the terminals, each message one fix
    (batch=1) or a JSON array of `batch` fixes. Fix times count up one second per fix per terminal from far
    enough in the past that none is ever in the future, so (terminal, ts) never repeats."""
    ids = load_terminal_ids(terminals) if isinstance(terminals, int) else list(terminals)
    if not ids or rate <= 0 or duration <= 0 or batch < 1 or qos not in (0, 1):
        raise DomainError(_("压测需要终端数 ≥ 1、速率 > 0、时长 > 0、批量 ≥ 1，且 QoS 为 0 或 1"), field="load")

    rng = random.Random(seed)
    total = int(rate * duration)
    per_terminal = math.ceil(total * batch / len(ids)) + 1
    base = dt.datetime.now(CST).replace(microsecond=0) - dt.timedelta(seconds=per_terminal + 60)
    counters = [0] * len(ids)
    positions = [(rng.uniform(CITY_BOX[0], CITY_BOX[2]), rng.uniform(CITY_BOX[1], CITY_BOX[3])) for _ in ids]
    topics = [f"{prefix}/terminals/{tid}/position" for tid in ids]

    def fix(k: int) -> dict:
        counters[k] += 1
        lon, lat = positions[k]
        lon += rng.uniform(-2e-4, 2e-4)
        lat += rng.uniform(-2e-4, 2e-4)
        positions[k] = (lon, lat)
        return {"ts": ts_iso(base + dt.timedelta(seconds=counters[k])), "lat": round(lat, 6), "lon": round(lon, 6),
                "speed": round(rng.uniform(0, 50), 1), "heading": rng.randrange(360), "acc": True, "crs": "wgs84",
                "seq": counters[k]}

    client = mqtt_client(url, f"qm-load-{time.time_ns()}")
    pending = []
    sent = fixes = 0
    started = time.perf_counter()
    try:
        while sent < total:
            due = min(total, int((time.perf_counter() - started) * rate) + 1)
            while sent < due:
                k = sent % len(ids)
                body = fix(k) if batch == 1 else [fix(k) for _ in range(batch)]
                info = client.publish(topics[k], dumps(body), qos=qos)
                # QoS 0 completes in order once written to the socket: the last one stands for all before it.
                if qos:
                    pending.append(info)
                else:
                    pending[:] = [info]
                sent += 1
                fixes += batch
                if len(pending) >= 1000:
                    for info in pending:
                        info.wait_for_publish(30)
                    pending.clear()
            ahead = sent / rate - (time.perf_counter() - started)
            if ahead > 0:
                time.sleep(min(ahead, TICK_S))
        for info in pending:
            info.wait_for_publish(30)
        elapsed = time.perf_counter() - started
    finally:
        stop_loop(client)
        client.disconnect()
    return LoadReport(messages=sent, fixes=fixes, seconds=elapsed, target_rate=rate, qos=qos, batch=batch,
                      terminals=len(ids))
