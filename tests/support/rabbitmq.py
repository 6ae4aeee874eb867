"""A RabbitMQ cluster with the MQTT plugin, on loopback, for the cluster test and benchmark (`make cluster-test`).

Each node is Debian's rabbitmq-server (3.10) started in the foreground with its own node name, ports, data and
log folders under one temporary folder; the nodes share an Erlang cookie and a private epmd port, so nothing of
a system RabbitMQ (or of another run) is touched. deploy/rabbitmq/rabbitmq.conf is the configuration; only the
listeners (loopback ports) and the site-only lines (TLS, users) differ.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.support.mqtt import free_port

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq" / "rabbitmq.conf"
# Lines of the shipped file a loopback run replaces or cannot use (it has no certificates and no site users).
SITE_ONLY = ("cluster_formation.", "listeners.", "mqtt.listeners.", "ssl_options.", "mqtt.allow_anonymous", "default_user",
             "default_pass", "mqtt.default_user", "mqtt.default_pass", "mqtt.vhost", "mqtt.exchange")


def rabbitmq_installed() -> bool:
    return (RABBIT_BIN / "rabbitmq-server").exists()


def shipped_config(**replace: str) -> str:
    """deploy/rabbitmq/rabbitmq.conf without comments and site-only lines, `replace` (key -> value) applied."""
    lines = []
    for line in DEPLOY.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key = line.split("=", 1)[0].strip()
        if key.startswith(SITE_ONLY):
            continue
        lines.append(f"{key} = {replace.pop(key)}" if key in replace else line)
    lines += [f"{key} = {value}" for key, value in replace.items()]
    return "\n".join(lines) + "\n"


class RabbitNode:
    def __init__(self, cluster: RabbitCluster, index: int):
        self.cluster = cluster
        self.index = index
        self.name = f"{cluster.prefix}{index}@localhost"
        self.mqtt_port, self.amqp_port, self.dist_port = free_port(), free_port(), free_port()
        self.dir = cluster.dir / f"node{index}"
        self.dir.mkdir()
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.mqtt_port}"

    def env(self) -> dict:
        return {**self.cluster.env(), "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self.amqp_port), "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"), "RABBITMQ_LOG_BASE": str(self.dir / "log"),
                "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.dir / "advanced.config"),
                "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
                "RABBITMQ_PID_FILE": str(self.dir / "rabbit.pid"), "ERL_CRASH_DUMP": str(self.dir / "erl_crash.dump")}

    def start(self, timeout: float = 180) -> None:
        """Starts the node (joining its cluster again if it was in one) and waits until it takes MQTT.

        A node's first start that dies at boot is tried again on new ports: a port picked free may have been taken
        by another process meanwhile (the machine is shared). A restart keeps its ports: clients reconnect there."""
        for attempt in range(3):
            try:
                return self._start(timeout)
            except RuntimeError:
                if self.starts > 1 or self.proc is None or self.proc.poll() is None or attempt == 2:
                    raise
                self.starts -= 1
                self.mqtt_port, self.amqp_port, self.dist_port = free_port(), free_port(), free_port()

    def _start(self, timeout: float) -> None:
        conf = shipped_config(**self.cluster.config)
        conf += (f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}\n"
                 f"mqtt.listeners.tcp.default = 127.0.0.1:{self.mqtt_port}\n"
                 "mqtt.allow_anonymous = true\nloopback_users = none\n")
        (self.dir / "rabbitmq.conf").write_text(conf)
        (self.dir / "rabbitmq-env.conf").write_text("")
        (self.dir / "enabled_plugins").write_text("[rabbitmq_mqtt].\n")
        with open(self.dir / "stdout.log", "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen([str(RABBIT_BIN / "rabbitmq-server")], env=self.env(), stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                         cwd=self.dir)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:  # await_startup fails at once until the VM has registered its name with epmd
            try:
                self.ctl("await_startup", timeout=max(5, deadline - time.monotonic()))
                break
            except RuntimeError as exc:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start (exit status {self.proc.poll()}): {exc}") from None
                time.sleep(1)
        self.wait_port(timeout)

    def wait_port(self, timeout: float = 60) -> None:
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.mqtt_port), 0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"{self.name}: MQTT listener not up\n{self.tail()}")

    def ctl(self, *args: str, timeout: float = 120) -> str:
        """rabbitmqctl against this node; raises with its output when it fails."""
        cmd = [str(RABBIT_BIN / "rabbitmqctl"), "-n", self.name, *args]
        if args and args[0] == "await_startup":
            cmd += ["--timeout", str(int(timeout))]
        done = subprocess.run(cmd, env=self.cluster.env(), capture_output=True, text=True, cwd=self.cluster.dir,
                              timeout=timeout + 30, check=False)
        if done.returncode:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {self.name}: {done.stdout}{done.stderr}\n"
                               f"{self.tail()}")
        return done.stdout

    def tail(self, lines: int = 30) -> str:
        logs = sorted((self.dir / "log").glob("*.log")) if (self.dir / "log").exists() else []
        logs += [self.dir / "stdout.log"] if (self.dir / "stdout.log").exists() else []
        text = "".join(p.read_text(errors="replace") for p in logs)
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL to the node's whole process group: the Erlang VM dies as in a crash, an OOM kill or power loss."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self.ctl("stop", timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class RabbitCluster:
    """`size` RabbitMQ nodes with the MQTT plugin joined in one cluster (node 1 first, the others join it).

    `config` overrides keys of deploy/rabbitmq/rabbitmq.conf (e.g. mqtt.durable_queue_type = classic)."""

    def __init__(self, size: int = 3, **config: str):
        if not rabbitmq_installed():
            raise RuntimeError("rabbitmq-server is not installed: scripts/system-deps.sh rabbitmq")
        self.dir = Path(tempfile.mkdtemp(prefix="qm-rabbit-"))
        self.prefix = f"qm{uuid.uuid4().hex[:6]}n"
        self.epmd_port = free_port()
        self.config = {key.replace("__", "."): value for key, value in config.items()}
        home = self.dir / "home"
        home.mkdir()
        cookie = home / ".erlang.cookie"
        cookie.write_text(uuid.uuid4().hex.upper())
        cookie.chmod(0o400)
        self.nodes = [RabbitNode(self, n) for n in range(1, size + 1)]

    def env(self) -> dict:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        return {**keep, "HOME": str(self.dir / "home"), "ERL_EPMD_PORT": str(self.epmd_port),
                "ERL_EPMD_ADDRESS": "127.0.0.1", "ERL_CRASH_DUMP": str(self.dir / "erl_crash.dump"),
                "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
                # Schedulers that do not spin when idle: four VMs share the machine's cores with everything else.
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1} "
                                                       "+sbwt none +sbwtdcpu none +sbwtdio none"}

    def start(self) -> RabbitCluster:
        # The private epmd first: a node's boot that has to start it itself can lose the race to register
        # ("nodistribution", seen once here).
        subprocess.run(["epmd", "-daemon"], env=self.env(), check=True, timeout=30)
        try:
            first, *others = self.nodes
            first.start()
            for node in others:
                node.start()
                node.ctl("stop_app")
                node.ctl("join_cluster", first.name)
                node.ctl("start_app")
                node.wait_port()
            self.wait_running(len(self.nodes))
        except BaseException:
            self.stop()  # nothing left running when the cluster does not form
            raise
        return self

    def running_nodes(self) -> list[str]:
        node = next(n for n in self.nodes if n.running)
        return json.loads(node.ctl("cluster_status", "--formatter", "json"))["running_nodes"]

    def wait_running(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.running_nodes()) == count:
                return
            time.sleep(0.5)
        raise RuntimeError(f"the cluster has {self.running_nodes()} running, not {count}")

    def queues(self, node: RabbitNode | None = None) -> dict[str, dict]:
        """name -> {node (the queue's leader/master), messages, consumers, type} for every queue."""
        node = node or next(n for n in self.nodes if n.running)
        out = node.ctl("list_queues", "--formatter", "json", "name", "type", "leader", "messages",
                       "consumers", timeout=60)
        result = {}
        for queue in json.loads(out):
            result[queue["name"]] = {"type": queue["type"], "node": queue.get("leader") or "",
                                     "messages": int(queue.get("messages") or 0),
                                     "consumers": int(queue.get("consumers") or 0)}
        if any(not q["node"] for q in result.values()):  # a classic queue: which node's own queues it is among
            for other in (n for n in self.nodes if n.running):
                local = json.loads(other.ctl("list_queues", "--local", "--formatter", "json", "name", timeout=60))
                for queue in local:
                    if queue["name"] in result and not result[queue["name"]]["node"]:
                        result[queue["name"]]["node"] = other.name
        return result

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        subprocess.run(["epmd", "-kill"], env=self.env(), capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
