"""Starts and stops private Mosquitto brokers for tests (fault tests restart them mid-stream)."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def external_broker_url() -> str | None:
    return os.environ.get("QM_TEST_MQTT_URL") or None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    if not found:
        raise RuntimeError("mosquitto is not installed; `make test` installs it (apt-get install mosquitto)")
    return found


class MosquittoBroker:
    """A Mosquitto on a loopback port with its own config; `extra` lines are appended to the config."""

    def __init__(self, port: int | None = None, extra: str = ""):
        self.port = port or free_port()
        self.extra = extra
        self.dir = Path(tempfile.mkdtemp(prefix="qm-mosq-"))
        self.dir.chmod(0o755)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        conf = self.dir / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                        f"max_inflight_messages 1000\nmax_queued_messages 1000000\n{self.extra}\n")
        conf.chmod(0o644)
        self.proc = subprocess.Popen([mosquitto_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, so no last save of the persistence file (a crash or an OOM kill)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def persistent_store(self) -> Path:
        """A persistence folder mosquitto can write (it drops to its own user when started as root)."""
        store = self.dir / "store"
        store.mkdir(exist_ok=True)
        store.chmod(0o777)
        return store


# --- the bridged topology of deploy/mosquitto (city edges -> core) ---------------------------------------------

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto"
# Lines of the shipped files a loopback run cannot use: it listens on its own port, writes its own folder, and has
# no password file, ACL or certificates.
SITE_ONLY = {"listener", "password_file", "acl_file", "persistence_location", "address", "bridge_cafile",
             "remote_username", "remote_password", "allow_anonymous"}


def shipped_config(name: str, **replace: str) -> str:
    """deploy/mosquitto/`name` without the site-only lines and comments, with `replace` (key -> value) applied."""
    lines = []
    for line in (DEPLOY / name).read_text().splitlines():
        key = line.split(" ", 1)[0]
        if not line.strip() or line.startswith("#") or key in SITE_ONLY:
            continue
        lines.append(f"{key} {replace[key]}" if key in replace else line)
    return "\n".join(lines)


def core_broker() -> MosquittoBroker:
    """deploy/mosquitto/core.conf on a loopback port (not started)."""
    core = MosquittoBroker()
    # MosquittoBroker writes its listener and defaults first; the shipped lines follow (the later setting wins).
    store = core.persistent_store()
    core.extra = f"allow_anonymous true\npersistence_location {store}/\n" + shipped_config("core.conf")
    return core


def edge_broker(name: str, core: MosquittoBroker) -> MosquittoBroker:
    """deploy/mosquitto/edge.conf on a loopback port, bridged to `core` as `qm-edge-{name}` (not started)."""
    edge = MosquittoBroker()
    body = shipped_config("edge.conf", remote_clientid=f"qm-edge-{name}",
                          notification_topic=f"qm/bridges/qm-edge-{name}/state")
    # The bridge section starts at `connection`: the core's address goes right after it.
    body = re.sub(r"^(connection .*)$", rf"\1\naddress 127.0.0.1:{core.port}", body, flags=re.M)
    edge.extra = f"allow_anonymous true\npersistence_location {edge.persistent_store()}/\n" + body
    return edge
