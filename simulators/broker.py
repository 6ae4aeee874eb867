"""The demo's embedded MQTT broker on a loopback port: Mosquitto when it is installed, else amqtt (pure Python)
running on an asyncio loop in a thread of the calling process."""
from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from quartermaster.errors import DomainError

START_TIMEOUT_S = 15.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def mosquitto_binary() -> str | None:
    """Mosquitto on PATH, or where Debian installs it (/usr/sbin is not on every user's PATH)."""
    return shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)


def _wait_listening(port: int, alive) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if not alive():
            break
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise DomainError(_("内置 MQTT 代理没有在 127.0.0.1:%(port)s 上开始监听"), field="mqtt", port=port)


class EmbeddedBroker:
    """start() → url; stop() is idempotent. `kind` says which broker runs ("mosquitto" or "amqtt")."""

    def __init__(self, *, port: int | None = None, prefer: str = "auto", allow_anonymous: bool = True):
        if prefer not in ("auto", "mosquitto", "amqtt"):
            raise DomainError(_("未知的代理“%(broker)s”，应为 auto、mosquitto 或 amqtt"), field="broker",
                              broker=prefer)
        binary = mosquitto_binary() if prefer != "amqtt" else None
        if prefer == "mosquitto" and binary is None:
            raise DomainError(_("未安装 mosquitto（apt-get install mosquitto），请使用 amqtt 代理"), field="broker")
        self.kind = "mosquitto" if binary else "amqtt"
        self.binary = binary
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self._dir: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._amqtt = None
        # amqtt only: with logins required it keeps an offline persistent session's QoS 1 messages (it checks
        # no passwords; the demo allows anonymous clients).
        self.allow_anonymous = allow_anonymous

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self, *, preexec_fn=None) -> str:
        if self.kind == "mosquitto":
            self._start_mosquitto(preexec_fn)
        else:
            self._start_amqtt()
        return self.url

    def _start_mosquitto(self, preexec_fn) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="qm-demo-mosq-"))
        # Mosquitto started as root drops to its own user, which must be able to read the config.
        self._dir.chmod(0o755)
        conf = self._dir / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                        f"max_inflight_messages 1000\nmax_queued_messages 1000000\n", encoding="utf-8")
        conf.chmod(0o644)
        self.proc = subprocess.Popen([self.binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                     preexec_fn=preexec_fn)  # noqa: PLW1509 - the demo's one C call
        _wait_listening(self.port, lambda: self.proc.poll() is None)

    def _start_amqtt(self) -> None:
        from amqtt.broker import Broker

        config = {"listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
                  "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin":
                              {"allow_anonymous": self.allow_anonymous}}}
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run():
            asyncio.set_event_loop(self._loop)
            try:
                self._amqtt = Broker(config, loop=self._loop)
                self._loop.run_until_complete(self._amqtt.start())
            except BaseException as exc:  # noqa: BLE001 - whatever it is, the starting thread reports it
                failure.append(exc)
                started.set()
                return
            started.set()
            self._loop.run_forever()
            # Stopped: end what amqtt left running (its broadcast loop), so no task dies pending at exit.
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

        self._thread = threading.Thread(target=run, name="qm-amqtt", daemon=True)
        self._thread.start()
        started.wait(START_TIMEOUT_S)
        if failure or not started.is_set():
            if failure:
                raise DomainError(_("内置 amqtt 代理没有启动：%(reason)s"), field="mqtt", reason=failure[0])
            raise DomainError(_("内置 amqtt 代理没有启动：%(seconds)s 秒后仍未监听"), field="mqtt",
                              seconds=f"{START_TIMEOUT_S:.0f}")


    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        if self._amqtt is not None and self._loop is not None:
            future = asyncio.run_coroutine_threadsafe(self._amqtt.shutdown(), self._loop)
            with contextlib.suppress(Exception):  # a broker failing to shut down politely stops with its loop
                future.result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._amqtt = None
