"""JT/T 808 end to end: `qm jt808` and `qm ingest` as processes with the real Mosquitto and PostgreSQL; the gateway
SIGKILLed mid-stream and started again: the terminal retransmits what was not answered, every fix is stored
once, with its JT/T 808 attrs."""
import asyncio
import datetime as dt
import os
import subprocess
import threading
import time

import pytest

from quartermaster.dburl import connection_url
from simulators.jt808 import Terminal
from telematics.tracking.decoders import jt808 as j
from telematics.tracking.models import DeadLetter, Position
from tests.support.mqtt import free_port

from .conftest import ROOT, wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
PHONE = "013511229988"
T0 = dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


class GatewayProcess:
    def __init__(self, mqtt_url: str, port: int):
        self.port = port
        self.env = {**os.environ, "QM_DATABASE_URL": connection_url(), "QM_MQTT_URL": mqtt_url,
                    "QM_LOG_LEVEL": "WARNING"}
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []

    def start(self) -> "GatewayProcess":
        self.output = []
        self.proc = subprocess.Popen([str(ROOT / ".venv/bin/qm"), "jt808", "--host", "127.0.0.1", "--port",
                                      str(self.port)], env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        ready = threading.Event()

        def read():
            for line in self.proc.stdout:
                self.output.append(line)
                if "listening" in line:
                    ready.set()
        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60):
            self.kill()
            raise AssertionError("qm jt808 did not start:\n" + "".join(self.output))
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def location(k: int) -> j.Location:
    return j.Location(1 << 8 if k == 7 else 0, j.STATUS_POSITIONED | j.STATUS_ACC, 31.78 + k / 2e4, 119.95, 8,
                      30.0, 0, T0 + dt.timedelta(seconds=10 * k), mileage_km=500.0 + k / 10, fuel_l=33.3,
                      satellites=11)


def test_gateway_killed_mid_stream_nothing_lost_nothing_doubled(city, ingest, mqtt_url):
    from telematics.models import Vehicle

    vehicle = Vehicle.objects.create(plate="苏D·J8080", unit=city["units"]["CZ-TN-01"], seats=5, terminal_id=PHONE)
    ingest(env={"QM_MAX_FIX_AGE_DAYS": "0"})  # the fixes' fixed date may lie beyond the age limit one day
    gateway = GatewayProcess(mqtt_url, free_port()).start()
    n = 60
    answered = []

    async def terminal_run():
        terminal = Terminal(PHONE, port=gateway.port, timeout_s=1.0, retries=1, backoff_max_s=2.0)
        for k in range(n):
            await terminal.deliver([location(k)])
            answered.append(k)
            await asyncio.sleep(0.02)
        await terminal.close()
        return terminal

    result = {}
    thread = threading.Thread(target=lambda: result.update(terminal=asyncio.run(terminal_run())))
    thread.start()
    try:
        wait_until(lambda: len(answered) >= 20, 30, "20 fixes answered")
        gateway.kill()  # SIGKILL mid-stream: reports in flight are unanswered
        killed_at = len(answered)
        time.sleep(1.0)
        gateway.start()
        thread.join(90)
        assert not thread.is_alive() and len(answered) == n
        assert killed_at < n
        expected = {T0 + dt.timedelta(seconds=10 * k) for k in range(n)}
        wait_until(lambda: Position.objects.filter(terminal=PHONE).count() >= n, 30, "every fix stored")
        stored = list(Position.objects.filter(terminal=PHONE).values_list("ts", flat=True))
        assert len(stored) == n and set(stored) == expected
        assert result["terminal"].counters.get("reconnects", 0) >= 1
        seventh = Position.objects.get(terminal=PHONE, ts=T0 + dt.timedelta(seconds=70))
        assert seventh.vehicle_id == vehicle.pk
        assert seventh.attrs == {"alarm": 256, "alarms": ["power_cut"], "status": 3, "altitude_m": 8,
                                 "mileage_km": 500.7, "fuel_l": 33.3, "satellites": 11}
        # A fix the broker had before the kill and the terminal sent again is a duplicate dead letter, not a row.
        assert not DeadLetter.objects.exclude(reason="duplicate").filter(terminal=PHONE).exists()
    finally:
        gateway.kill()


def test_gateway_killed_mid_reassembly_of_a_sub_packaged_batch(city, ingest, mqtt_url):
    """A 0x0704 of 60 fixes in 5 sub-packages, the gateway SIGKILLed after it answered some of them: the terminal
    sends the unanswered ones to the restarted gateway, which asks for the rest again (0x8003) and answers the last
    package once the whole batch is published — every fix stored once."""
    from telematics.models import Vehicle

    phone = "013511229977"
    Vehicle.objects.create(plate="苏D·J8079", unit=city["units"]["CZ-TN-01"], seats=5, terminal_id=phone)
    ingest(env={"QM_MAX_FIX_AGE_DAYS": "0"})
    gateway = GatewayProcess(mqtt_url, free_port()).start()
    n = 60
    terminal = Terminal(phone, port=gateway.port, timeout_s=2.0, retries=1, backoff_max_s=2.0, batch_max=n,
                        package_size=600, package_gap_s=0.5)
    total = len(j.build_packages(j.MsgId.BATCH, phone, 1, j.encode_batch([location(k) for k in range(n)]),
                                 size=600))
    assert total == 5

    async def terminal_run():
        await terminal.deliver([location(k) for k in range(n)], covered=False)  # out of coverage: buffered
        await terminal.deliver([])  # back in coverage: one 0x0704 (盲区补传)
        await terminal.close()

    thread = threading.Thread(target=lambda: asyncio.run(terminal_run()))
    thread.start()
    try:
        wait_until(lambda: terminal.counters.get("package_receipts", 0) >= 2, 30, "two packages answered")
        gateway.kill()  # mid-reassembly: the earlier packages were answered, the batch is not published
        answered_before_kill = terminal.counters["package_receipts"]
        time.sleep(1.0)
        gateway.start()
        thread.join(90)
        assert not thread.is_alive() and terminal.buffer == [] and terminal.sent == n
        assert answered_before_kill < total - 1
        # it came back on a new connection (at once if the gateway was already up again, else after failed tries)
        assert terminal.counters.get("connections", 0) >= 2
        assert terminal.counters.get("resend_requests", 0) >= 1  # the restarted gateway asked for packages again
        wait_until(lambda: Position.objects.filter(terminal=phone).count() >= n, 30, "every fix stored")
        stored = list(Position.objects.filter(terminal=phone).values_list("ts", flat=True))
        assert len(stored) == n and set(stored) == {T0 + dt.timedelta(seconds=10 * k) for k in range(n)}
        # nothing was published before the kill, so nothing came twice either
        assert not DeadLetter.objects.filter(terminal=phone).exists()
    finally:
        gateway.kill()
