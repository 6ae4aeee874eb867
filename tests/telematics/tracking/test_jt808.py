"""The JT/T 808 gateway (`qm jt808`) in-process against the real Mosquitto: sessions, answers, publications into
the MQTT contract, dead letters, and connections that misbehave (garbage, slow loris, idle) beside good ones."""
from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import socket
import threading
import time
import uuid

import pytest

from simulators.jt808 import Refused, Terminal
from telematics.tracking import jt808 as gateway_module
from telematics.tracking.decoders import jt808 as j
from telematics.tracking.models import DeadLetter
from tests.support.jt808 import GatewayThread

from .conftest import wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
UTC = dt.UTC
PHONE = "013511221122"
PHONE_2019 = "00000000013912344329"
T0 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def prefix():
    return f"gw{uuid.uuid4().hex[:8]}"


@pytest.fixture
def gateway(mqtt_url, prefix, settings):
    settings.QM_JT808_IDLE_S = 2
    settings.QM_JT808_PUBACK_TIMEOUT_S = 5.0
    running = GatewayThread(mqtt_url, prefix)
    yield running
    running.stop()


@pytest.fixture
def bound(bureau):
    from telematics.models import Vehicle

    unit = bureau["units"]["CZ-TN-01"]
    return [Vehicle.objects.create(plate=f"苏D·J80{n}", unit=unit, seats=5, terminal_id=phone)
            for n, phone in enumerate((PHONE, PHONE_2019))]


@pytest.fixture
def positions(subscriber, prefix):
    return subscriber(f"{prefix}/terminals/+/position")


def loc(k: int, **kw) -> j.Location:
    values = dict(alarm=0, status=j.STATUS_POSITIONED | j.STATUS_ACC, lat=31.78 + k / 1e4, lon=119.95, altitude=12,
                  speed=36.5, heading=90, ts=T0 + dt.timedelta(seconds=10 * k), mileage_km=1000.0 + k, fuel_l=40.5,
                  signal=25, satellites=12)
    values.update(kw)
    return j.Location(**values)


def run(coro):
    return asyncio.run(coro)


def published(positions, phone: str) -> list:
    return [body for topic, body in list(positions.received) if topic.split("/")[-2] == phone]


def test_register_authenticate_report_and_the_fix_is_published_after_puback(gateway, bound, positions):
    async def scenario():
        terminal = Terminal(PHONE, port=gateway.port)
        await terminal.open()
        await terminal.login()
        assert terminal.code == gateway_module.auth_code(PHONE)
        assert await terminal.heartbeat() == j.Result.OK
        assert await terminal.report(loc(1, alarm=(1 << 1) | (1 << 8))) == j.Result.OK
        await terminal.close()

    run(scenario())
    wait_until(lambda: published(positions, PHONE), 10, "the fix published")
    (fix,) = published(positions, PHONE)
    assert fix["ts"] == int((T0 + dt.timedelta(seconds=10)).timestamp())
    assert (fix["lat"], fix["lon"], fix["speed"], fix["heading"], fix["acc"]) == (31.7801, 119.95, 36.5, 90, True)
    assert fix["attrs"] == {"alarm": 0x102, "alarms": ["overspeed", "power_cut"], "status": 3, "altitude_m": 12,
                            "mileage_km": 1001.0, "fuel_l": 40.5, "signal": 25, "satellites": 12}


def test_2019_terminal_with_20_digit_phone(gateway, bound, positions):
    async def scenario():
        terminal = Terminal(PHONE_2019, port=gateway.port)
        assert terminal.version == 1
        await terminal.open()
        await terminal.login()
        terminal.buffer = [loc(k) for k in range(3)]
        await terminal.flush()
        await terminal.close()

    run(scenario())
    wait_until(lambda: published(positions, PHONE_2019), 10, "the batch published")
    (batch,) = published(positions, PHONE_2019)
    assert [f["lat"] for f in batch] == [31.78, 31.7801, 31.7802]


def test_registration_of_an_unbound_terminal_is_refused_with_result_4(gateway, bound):
    async def scenario():
        terminal = Terminal("013900000000", port=gateway.port)
        await terminal.open()
        body = j.encode_registration(j.Registration(32, 400, "M", "X", "1", 0, ""), False)
        answer = await terminal.request(j.MsgId.REGISTER, body)
        with pytest.raises(Refused, match="result 4"):
            await terminal.login()
        await terminal.close()
        return answer

    assert run(scenario()) == (j.RegisterResult.NO_TERMINAL, "")


def test_reauthentication_after_reconnect_needs_only_the_code(gateway, bound, positions):
    async def scenario():
        first = Terminal(PHONE, port=gateway.port)
        await first.open()
        await first.login()
        code = first.code
        await first.close()
        again = Terminal(PHONE, port=gateway.port, code=code)  # 0x0102 only, no 0x0100
        await again.open()
        await again.login()
        assert await again.report(loc(2)) == j.Result.OK
        await again.close()
        wrong = Terminal(PHONE, port=gateway.port, code="not-the-code")
        await wrong.open()
        with pytest.raises(Refused, match="authentication refused"):
            await wrong.login()
        await wrong.close()

    run(scenario())
    assert gateway.gateway.counters["msg.0x0100"] == 1 and gateway.gateway.counters["auth_refused"] == 1
    wait_until(lambda: published(positions, PHONE), 10)


def test_a_report_before_authentication_is_refused_and_kept_as_a_dead_letter(gateway, bound, positions):
    async def scenario():
        terminal = Terminal(PHONE, port=gateway.port)
        await terminal.open()
        result = await terminal.report(loc(3))
        await terminal.close()
        return result

    assert run(scenario()) == j.Result.FAILURE
    wait_until(lambda: DeadLetter.objects.filter(reason="unauthenticated").exists(), 10, "the dead letter")
    dead = DeadLetter.objects.get(reason="unauthenticated")
    assert (dead.terminal, dead.topic) == (PHONE, f"jt808/{PHONE}/0x0200")
    assert j.parse_frame(bytes.fromhex(dead.payload)[1:-1]).header.msg_id == 0x0200
    time.sleep(0.3)
    assert published(positions, PHONE) == []


def test_unpositioned_report_is_answered_and_kept_as_a_dead_letter(gateway, bound, positions):
    async def scenario():
        terminal = Terminal(PHONE, port=gateway.port)
        await terminal.open()
        await terminal.login()
        result = await terminal.report(loc(4, status=j.STATUS_ACC))
        await terminal.close()
        return result

    assert run(scenario()) == j.Result.OK
    wait_until(lambda: DeadLetter.objects.filter(detail__contains="not positioned").exists(), 10)
    assert published(positions, PHONE) == []


def raw_connection(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return sock


def read_frames(sock: socket.socket, n: int, timeout: float = 5.0) -> list[j.Frame]:
    reader = j.FrameReader()
    out: list[j.Frame] = []
    sock.settimeout(timeout)
    while len(out) < n:
        data = sock.recv(4096)
        if not data:
            break
        out += [j.parse_frame(s) for s in reader.feed(data) if isinstance(s, bytes)]
    return out


def test_bad_check_code_and_malformed_body_are_dead_letters_and_the_connection_goes_on(gateway, bound):
    sock = raw_connection(gateway.port)
    good = j.build_frame(j.MsgId.HEARTBEAT, PHONE, 1)
    corrupted = bytearray(j.build_frame(j.MsgId.HEARTBEAT, PHONE, 2))
    corrupted[-2] ^= 0x01  # the check code
    auth = j.build_frame(j.MsgId.AUTH, PHONE, 3, gateway_module.auth_code(PHONE).encode())
    short = j.build_frame(j.MsgId.LOCATION, PHONE, 4, bytes(20))  # a location body of 20 bytes
    # all four in one write, the good heartbeat split in the middle of the next write
    sock.sendall(bytes(corrupted) + auth + short + good[:5])
    sock.sendall(good[5:])
    answers = read_frames(sock, 3)
    got = [(f.header.msg_id, j.decode_general_response(f.body)) for f in answers]
    assert got == [(0x8001, (3, 0x0102, 0)), (0x8001, (4, 0x0200, j.Result.MALFORMED)), (0x8001, (1, 0x0002, 0))]
    sock.close()
    wait_until(lambda: DeadLetter.objects.count() == 2, 10, "two dead letters")
    assert sorted(DeadLetter.objects.values_list("reason", flat=True)) == ["bad_frame", "invalid_field"]
    assert "check code" in DeadLetter.objects.get(reason="bad_frame").detail


def test_sub_packaged_batch_is_reassembled_and_published_once(gateway, bound, positions):
    locations = [loc(k) for k in range(40)]
    body = j.encode_batch(locations)
    wires = j.build_packages(j.MsgId.BATCH, PHONE, 10, body, size=400)
    sock = raw_connection(gateway.port)
    sock.sendall(j.build_frame(j.MsgId.AUTH, PHONE, 9, gateway_module.auth_code(PHONE).encode()))
    sock.sendall(b"".join(wires))
    answers = read_frames(sock, 1 + len(wires))
    assert [j.decode_general_response(f.body) for f in answers] == [(9, 0x0102, 0)] + [
        (serial, 0x0704, 0) for serial in range(10, 10 + len(wires))]
    sock.close()
    wait_until(lambda: published(positions, PHONE), 10)
    (batch,) = published(positions, PHONE)
    assert len(batch) == 40 and batch[-1]["ts"] == int(locations[-1].ts.timestamp())


def test_a_last_package_without_its_predecessors_is_held_and_they_are_asked_for_again(gateway, bound, positions):
    """Packages 1-2 of 4 went to a connection that is gone: on a new one, 3 is answered as it comes, the last (4)
    is not — the gateway sends 0x8003 naming 1 and 2 with the first package's serial — and once they come again the
    batch is published and the last package answered."""
    locations = [loc(k) for k in range(40)]
    body = j.encode_batch(locations)
    wires = j.build_packages(j.MsgId.BATCH, PHONE_2019, 500, body, size=-(-len(body) // 4), version=1)
    assert len(wires) == 4
    sock = raw_connection(gateway.port)
    sock.sendall(j.build_frame(j.MsgId.AUTH, PHONE_2019, 9, j.encode_auth(gateway_module.auth_code(PHONE_2019), True),
                               version=1))
    sock.sendall(wires[2] + wires[3])
    answers = read_frames(sock, 3)
    assert [f.header.msg_id for f in answers] == [0x8001, 0x8001, 0x8003]
    assert [j.decode_general_response(f.body) for f in answers[:2]] == [(9, 0x0102, 0), (502, 0x0704, 0)]
    assert j.decode_resend_request(answers[2].body, True) == (500, [1, 2])
    assert answers[2].header.version == 1 and answers[2].body[2:4] == b"\x00\x02"  # 2019: the count is a WORD
    time.sleep(0.3)
    assert published(positions, PHONE_2019) == []  # nothing handed on, the last package unanswered
    sock.sendall(wires[0] + wires[1])
    answers = read_frames(sock, 3)
    assert [j.decode_general_response(f.body) for f in answers] == [(500, 0x0704, 0), (501, 0x0704, 0),
                                                                    (503, 0x0704, 0)]
    sock.close()
    wait_until(lambda: published(positions, PHONE_2019), 10)
    (batch,) = published(positions, PHONE_2019)
    assert [f["ts"] for f in batch] == [int(x.ts.timestamp()) for x in locations]
    assert gateway.gateway.counters["resend_requests"] == 1


def test_idle_and_slow_loris_connections_are_closed_while_a_good_terminal_is_served(gateway, bound):
    loris = raw_connection(gateway.port)
    frame = j.build_frame(j.MsgId.HEARTBEAT, PHONE, 1)
    idle = raw_connection(gateway.port)

    async def good_terminal():
        terminal = Terminal(PHONE, port=gateway.port, timeout_s=1.0, retries=0)
        await terminal.open()
        await terminal.login()
        worst = 0.0
        for k in range(12):
            started = time.monotonic()
            assert await terminal.heartbeat() == j.Result.OK
            worst = max(worst, time.monotonic() - started)
            await asyncio.sleep(0.2)
        await terminal.close()
        return worst

    result = {}
    thread = threading.Thread(target=lambda: result.update(worst=run(good_terminal())))
    thread.start()
    sent = 0
    started = time.monotonic()
    try:
        while time.monotonic() - started < 4 and sent < len(frame) - 1:  # never completes its frame
            loris.sendall(frame[sent:sent + 1])
            sent += 1
            time.sleep(0.25)
    except OSError:
        pass
    thread.join(20)
    assert result["worst"] < 0.5
    for sock in (loris, idle):
        sock.settimeout(3)
        try:
            assert sock.recv(10) == b""  # closed by the gateway (idle 2 s, counted from the last complete frame)
        except ConnectionResetError:
            pass
        sock.close()
    assert gateway.gateway.counters["idle_closed"] >= 2


def test_a_thousand_garbage_connections_do_not_disturb_a_good_terminal(gateway, bound):
    garbage = b"\x7e\x00\x01\x02garbage\x7e" * 10 + b"\x7d\x03\x7e"
    socks = []
    done = threading.Event()
    latencies = []

    async def good_terminal():
        terminal = Terminal(PHONE, port=gateway.port, timeout_s=2.0, retries=0)
        await terminal.open()
        await terminal.login()
        k = 0
        while not done.is_set() or k < 5:
            started = time.monotonic()
            assert await terminal.report(loc(100 + k)) == j.Result.OK
            latencies.append(time.monotonic() - started)
            k += 1
            await asyncio.sleep(0.05)
        await terminal.close()

    thread = threading.Thread(target=lambda: run(good_terminal()))
    thread.start()
    try:
        for _ in range(1000):
            sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=5)
            sock.sendall(garbage)
            socks.append(sock)
        closed = 0
        for sock in socks:
            sock.settimeout(5)
            try:
                closed += sock.recv(10) == b""
            except OSError:
                closed += 1
    finally:
        done.set()
        thread.join(30)
        for sock in socks:
            sock.close()
    assert closed == 1000  # each closed after QM_JT808_MAX_BAD_FRAMES bad frames in a row
    assert len(latencies) >= 5 and max(latencies) < 1.5
    counters = gateway.gateway.counters
    assert counters["bad_frames"] >= 8000 and counters["fixes"] == len(latencies)
    # at most QM_JT808_DEADLETTERS_PER_CONNECTION dead letters per connection
    wait_until(lambda: DeadLetter.objects.filter(reason="bad_frame").count() == 3000, 20, "the dead letters")


def test_fix_payload_is_the_native_contract():
    from telematics.tracking.decoders import decode_position

    payload = json.dumps(gateway_module.fix_payload(loc(5, alarm=1 << 27), 77)).encode()
    (fix,) = decode_position(PHONE, payload).items
    assert (fix.terminal, fix.ts, fix.lat, fix.seq, fix.acc) == (PHONE, T0 + dt.timedelta(seconds=50), 31.7805, 77, True)
    assert fix.attrs["alarms"] == ["illegal_ignition"] and fix.attrs["mileage_km"] == 1005.0


def test_broker_restart_reports_are_answered_once_the_broker_is_back(bound, prefix, settings):
    from tests.support.mqtt import MosquittoBroker

    from .conftest import Subscriber

    settings.QM_JT808_PUBACK_TIMEOUT_S = 8.0
    broker = MosquittoBroker()
    broker.start()
    running = GatewayThread(broker.url, prefix)
    try:
        async def report(k: int, terminal: Terminal) -> int:
            return await terminal.report(loc(k))

        async def scenario():
            terminal = Terminal(PHONE, port=running.port, timeout_s=10.0, retries=0)
            await terminal.open()
            await terminal.login()
            assert await report(1, terminal) == j.Result.OK
            broker.stop()
            pending = asyncio.get_running_loop().create_task(report(2, terminal))  # published while it is down
            await asyncio.sleep(0.5)
            assert not pending.done()
            await asyncio.to_thread(broker.start)
            sub = await asyncio.to_thread(Subscriber, broker.url, f"{prefix}/terminals/+/position")
            assert await pending == j.Result.OK  # resent after the reconnect, then answered
            assert await report(3, terminal) == j.Result.OK
            await terminal.close()
            return sub

        sub = run(scenario())
        wait_until(lambda: any(f["lat"] == 31.7803 for f in published(sub, PHONE)), 10, "report 3 published")
        # report 2 too, when the subscriber was there before the gateway's reconnect resent it
        assert {f["lat"] for f in published(sub, PHONE)} <= {31.7802, 31.7803}
        sub.close()
    finally:
        running.stop()
        broker.stop()


def test_locate_now_and_reporting_interval_through_the_running_gateway(gateway, bound, prefix, mqtt_url):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    state = {}
    connected, done = threading.Event(), threading.Event()

    async def terminal_side():
        terminal = Terminal(PHONE, port=gateway.port)
        state["terminal"] = terminal
        await terminal.open()
        await terminal.login()
        assert await terminal.report(loc(6)) == j.Result.OK
        connected.set()
        while not done.is_set():  # stays connected, answering the platform's commands
            await asyncio.sleep(0.05)
        await terminal.close()

    thread = threading.Thread(target=lambda: run(terminal_side()))
    thread.start()
    try:
        assert connected.wait(10)
        out = io.StringIO()
        call_command("jt808", "--locate", PHONE, "--mqtt-url", mqtt_url, "--prefix", prefix, stdout=out)
        answer = json.loads(out.getvalue())
        assert (answer["command"], answer["status"], answer["fix"]["lat"]) == ("locate", "ok", 31.7806)
        out = io.StringIO()
        call_command("jt808", "--interval", PHONE, "60", "--sleep-interval", "900", "--mqtt-url", mqtt_url,
                     "--prefix", prefix, stdout=out)
        assert json.loads(out.getvalue())["status"] == "ok"
        assert (state["terminal"].interval_s, state["terminal"].sleep_interval_s) == (60, 900)
        with pytest.raises(CommandError, match="offline"):
            call_command("jt808", "--locate", PHONE_2019, "--mqtt-url", mqtt_url, "--prefix", prefix,
                         stdout=io.StringIO())
    finally:
        done.set()
        thread.join(10)
    assert gateway.gateway.counters["command.locate"] == 1 and gateway.gateway.counters["command.interval"] == 1


def test_locate_without_a_gateway_says_why_in_the_operators_language(mqtt_url):
    """No `qm jt808` on the broker: non-zero, the JSON answer on stdout, the reason on stderr in the command line's
    language (it used to be English inside a Chinese sentence)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.utils import translation

    args = ("jt808", "--locate", PHONE, "--mqtt-url", mqtt_url, "--prefix", f"qm-{uuid.uuid4().hex[:8]}",
            "--wait", "0.5")
    out = io.StringIO()
    with pytest.raises(CommandError, match="没有应答（qm jt808 是否在运行、终端是否在线？）"):
        call_command(*args, stdout=out)
    assert json.loads(out.getvalue())["status"] == "no answer (is qm jt808 running?)"
    with translation.override("en"), pytest.raises(CommandError, match=r"no answer \(is qm jt808 running and the "):
        call_command(*args, stdout=io.StringIO())


def test_registration_needs_only_the_bound_phone_number(gateway, bound):
    sock = raw_connection(gateway.port)
    sock.sendall(j.build_frame(j.MsgId.REGISTER, PHONE, 5, bytes(4) + b"OLD" + b"X" * 8))  # a 2011-era short body
    (answer,) = read_frames(sock, 1)
    sock.close()
    assert answer.header.msg_id == 0x8100
    assert j.decode_register_response(answer.body) == (5, j.RegisterResult.OK, gateway_module.auth_code(PHONE))
