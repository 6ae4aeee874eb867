"""`qm ingest`: the MQTT side of the pipeline.

paho's network thread (`mqttclient.IngestClient`) only puts messages in a bounded inbox. The main thread takes
batches off it and runs the stages that write nothing (decode, validate, enrich); the committer thread runs the
rest in one transaction, in batch order, and acknowledges (manual_ack) only after the commit, so a crash or a
database outage leaves the messages with the broker (persistent session, QoS 1) instead of losing them, while
the next batch is decoded as the database writes the previous one. The broker sends
at most QM_INGEST_WINDOW unacknowledged messages (MQTT5 receive maximum), which bounds the queue and keeps the
65,535 message ids from wrapping. paho reconnects with backoff; every connect resubscribes.

QM_MQTT_PROTOCOL=auto (the default) connects with MQTT 5 and, when the broker answers "unsupported protocol
version", closes the connection, or does not answer the MQTT 5 CONNECT within a few seconds (amqtt, the demo's
pure-Python broker, waits for more bytes when the CONNECT carries properties), connects again with MQTT 3.1.1: the same persistent
session (clean session off), QoS 1 subscriptions and manual acks after the commit. 3.1.1 has no receive
maximum, so there the broker's own in-flight limit bounds the unacknowledged messages, and the bounded queue
holds paho's network thread (TCP back-pressure) when the pipeline falls behind.
"""
from __future__ import annotations

import gc
import json
import logging
import queue
import signal
import ssl
import threading
import time
import zlib
from collections import deque
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection
from django.utils.translation import gettext_lazy as _
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from quartermaster.errors import DomainError

from . import conf
from .choices import DeadLetterReason
from .mqttclient import IngestClient, stop_loop
from .pipeline import Batch, Drop, Message, Pipeline

log = logging.getLogger("qm.ingest")
_DB_ERRORS = (OperationalError, InterfaceError, DatabaseError)
PROTOCOLS = {"5": mqtt.MQTTv5, "3.1.1": mqtt.MQTTv311}
# CONNACK "unsupported protocol version": 1 in MQTT 3.1.1, 0x84 in MQTT 5.
_UNSUPPORTED_PROTOCOL = (1, 0x84)
FULL_COLLECTION_EVERY = 1000  # gc threshold of the oldest generation, see Ingest.start
SQLITE_WRITER_PAUSE_S = 0.15  # > the 100 ms between a waiting SQLite writer's retries (its busy handler), see _commit_loop


# scheme -> (default port, TLS)
MQTT_SCHEMES = {"mqtt": (1883, False), "tcp": (1883, False), "mqtts": (8883, True), "ssl": (8883, True)}


def parse_mqtt_url(url: str) -> dict:
    """`mqtt[s]://[user:pass@]host:port` -> connection arguments; a clear error for anything else."""
    parts = urlparse(url or "")
    if parts.scheme not in MQTT_SCHEMES or not parts.hostname:
        raise DomainError(
            _("QM_MQTT_URL %(url)s 不是 mqtt://[user:pass@]host:port 或 mqtts://…"),
            field="QM_MQTT_URL", url=repr(url))
    default_port, tls = MQTT_SCHEMES[parts.scheme]
    return {"host": parts.hostname, "port": parts.port or default_port, "tls": tls,
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None}


def mqtt_configure(client: mqtt.Client, server: dict) -> None:
    """The login of `server` (parse_mqtt_url) and, for mqtts://, TLS that verifies the broker's certificate and
    host name against QM_MQTT_CA_FILE (the system's CAs when it is empty)."""
    if server["username"]:
        client.username_pw_set(server["username"], server["password"])
    if server["tls"]:
        ca_file = conf.get("QM_MQTT_CA_FILE") or None
        try:
            context = ssl.create_default_context(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise DomainError(_("QM_MQTT_CA_FILE %(file)s 无法作为 CA 证书读取：%(error)s"),
                              field="QM_MQTT_CA_FILE", file=repr(ca_file), error=exc) from None
        client.tls_set_context(context)


def owner(terminal: str, workers: int) -> int:
    """The worker that handles a terminal: a stable hash, so each terminal's fixes stay in order in one worker."""
    return zlib.crc32(terminal.encode()) % workers


def terminal_of(topic: str, prefix: str) -> str | None:
    parts = topic.split("/")
    n = len(prefix.split("/"))
    if len(parts) == 3 and parts[0] == "owntracks":
        return f"{parts[1]}/{parts[2]}"
    if len(parts) == n + 3 and parts[n] == "terminals":
        return parts[n + 1]
    return None


def terminal_topic(terminal: str, prefix: str) -> str:
    return f"owntracks/{terminal}" if "/" in terminal else f"{prefix}/terminals/{terminal}/position"


class Inbox:
    """The bounded hand-over from paho's network thread to the main thread, taken in batches.

    Cheaper per message than queue.Queue (a deque append; the lock only to wake a waiting taker). When full,
    put() holds paho's thread, so TCP back-pressure reaches the broker instead of memory growing."""

    def __init__(self, *, maxsize: int):
        self.maxsize = maxsize
        self._items: deque[Message] = deque()
        self._ready = threading.Condition()
        self.closed = False

    def put(self, item: Message) -> None:
        items = self._items
        while len(items) >= self.maxsize:
            if self.closed:
                return  # shutting down: left unacknowledged, so the broker delivers it again to the next run
            time.sleep(0.002)
        items.append(item)
        if len(items) == 1:
            with self._ready:
                self._ready.notify()

    def take(self, limit: int, wait_s: float) -> list[Message]:
        """Waits up to `wait_s` for a first message, then up to `wait_s` more for up to `limit` of them."""
        items = self._items
        with self._ready:
            if not items and not self._ready.wait_for(lambda: items, timeout=wait_s):
                return []
        deadline = time.monotonic() + wait_s
        while len(items) < limit and time.monotonic() < deadline:
            time.sleep(0.002)
        return [items.popleft() for _ in range(min(limit, len(items)))]

    def __len__(self) -> int:
        return len(self._items)


class Ingest:
    def __init__(self, *, url: str, prefix: str = "qm", worker: int = 0, workers: int = 1, client_id: str = "",
                 exact_topics: bool = False):
        if not (0 <= worker < workers):
            raise DomainError(_("--worker %(worker)s 应在 0 到 --workers %(workers)s - 1 之间"), field="worker",
                              worker=worker, workers=workers)
        self.server = parse_mqtt_url(url)
        self.prefix = prefix
        self.worker, self.workers = worker, workers
        # Worker 0 without the terminal wildcards: only where the broker's ACL keeps unregistered terminals out.
        self.exact_topics = exact_topics and workers > 1
        self.pipeline = Pipeline(prefix=prefix, worker=worker, workers=workers)
        self.pipeline.owns = self.owns
        self.window = max(1, min(conf.get("QM_INGEST_WINDOW"), 65_000))
        self.inbox = Inbox(maxsize=self.window * 2)
        self._work: queue.Queue = queue.Queue(maxsize=2)  # prepared batches for the committer thread
        self._commit_error: BaseException | None = None
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.generation = 0
        self.subscribed: set[str] = set()
        self.first_seen: dict[str, float] = {}  # terminal -> when worker 0 first saw it in the registry
        self.client_id = client_id or f"qm-ingest-{worker}-of-{workers}"
        mode = str(conf.get("QM_MQTT_PROTOCOL")).strip().lower()
        if mode not in ("auto", *PROTOCOLS):
            raise DomainError(_("QM_MQTT_PROTOCOL %(mode)s 不是 auto、5、3.1.1 之一"), field="QM_MQTT_PROTOCOL",
                              mode=repr(mode))
        self.fallback = mode == "auto"
        self.protocol_refused = threading.Event()
        self._connecting_since: float | None = None  # TCP up, CONNACK awaited
        self.client = self._make_client(PROTOCOLS.get(mode, mqtt.MQTTv5))

    def _make_client(self, protocol: int) -> mqtt.Client:
        client = IngestClient(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                              protocol=protocol, clean_session=False if protocol == mqtt.MQTTv311 else None,
                              manual_ack=True)
        client.on_fast_message = self._on_fast_message
        mqtt_configure(client, self.server)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.max_inflight_messages_set(100)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_pre_connect = self._on_pre_connect
        client.on_connect_fail = self._on_connect_fail
        return client

    @property
    def protocol(self) -> str:
        return "5" if self.client.protocol == mqtt.MQTTv5 else "3.1.1"

    # --- paho's thread: nothing slow here ----------------------------------------------------------------

    def owns(self, terminal: str) -> bool:
        return owner(terminal, self.workers) == self.worker

    def _topics(self) -> list[str]:
        if self.exact_topics:
            own = sorted(terminal_topic(t, self.prefix) for t in self.pipeline.registry.terminals() if self.owns(t))
            return [*own, f"{self.prefix}/docks/+/offload"] if self.worker == 0 else own
        if self.workers == 1 or self.worker == 0:
            # Worker 0 of several also takes the wildcards: it sees unknown terminals (dead letters) and docks,
            # and acknowledges other workers' fixes unread (see _mine).
            return [f"{self.prefix}/terminals/+/position", f"{self.prefix}/docks/+/offload", "owntracks/+/+"]
        return sorted(terminal_topic(t, self.prefix) for t in self.pipeline.registry.terminals() if self.owns(t))

    def _subscribe(self, topics: list[str]) -> None:
        """Subscribes what is new in `topics` and, after a registry refresh, drops what is no longer there."""
        gone = sorted(self.subscribed - set(topics))
        if gone:
            self.client.unsubscribe(gone)
            self.subscribed -= set(gone)
        topics = [t for t in topics if t not in self.subscribed]
        if not topics:
            self.ready.set()
            return
        for start in range(0, len(topics), 500):
            chunk = topics[start:start + 500]
            qos = SubscribeOptions(qos=1) if self.client.protocol == mqtt.MQTTv5 else 1
            self.client.subscribe([(t, qos) for t in chunk])
            self.subscribed.update(chunk)

    def _refresh_shares(self, *, initial: bool = False) -> None:
        """Reloads the registry. Worker 0 notes when it first saw each terminal: it hands a new terminal's fixes
        over to the owning worker only after that worker has surely subscribed its topic (see _mine)."""
        self.pipeline.registry.refresh()
        seen_at = -1e18 if initial else time.monotonic()
        for terminal in self.pipeline.registry.terminals():
            self.first_seen.setdefault(terminal, seen_at)
        self._topics_cached = self._topics()

    def _on_pre_connect(self, client, userdata):
        self._connecting_since = time.monotonic()

    def _on_connect_fail(self, client, userdata):
        self._connecting_since = None  # the broker is not there: nothing to learn about its protocol

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self._connecting_since = None
        if reason_code.is_failure:
            if reason_code.value in _UNSUPPORTED_PROTOCOL and self.fallback and client.protocol == mqtt.MQTTv5:
                self.protocol_refused.set()  # the main thread reconnects with MQTT 3.1.1
                return
            log.warning("MQTT connect refused: %s", reason_code)
            return
        self.generation += 1
        self.subscribed = set()
        self._subscribe(self._topics_cached)
        log.info("connected to MQTT (session present: %s)", flags.session_present)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        if any(rc.is_failure for rc in reason_codes):
            log.error("a subscription was refused: %s", [str(rc) for rc in reason_codes])
        self.ready.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        if client is not self.client:
            return  # the MQTT 5 client given up for 3.1.1
        if self._connecting_since is not None and self.fallback and client.protocol == mqtt.MQTTv5:
            self.protocol_refused.set()  # closed on our MQTT 5 CONNECT without an answer
        self._connecting_since = None
        if not self.stopping.is_set():
            log.warning("MQTT disconnected (%s); reconnecting", reason_code)

    def _on_fast_message(self, topic: str, payload: bytes, mid: int, qos: int, dup: bool) -> None:
        self.inbox.put(Message(topic, payload, mid, qos, dup, time.time(), self.generation))

    # --- the main thread ---------------------------------------------------------------------------------

    def start(self) -> None:
        self._refresh_shares(initial=True)
        self.pipeline.recover()
        # Django, the registry and the map layers' index are loaded for good: out of the collector's way, or every
        # batch's many short-lived objects make it walk them again and again (a quarter of the pipeline's time).
        gc.collect()
        gc.freeze()
        # What stays is the rules' state, a track per vehicle, large and long-lived. Each batch's objects live
        # through a few young collections, so by default a full collection (walking the whole state again) ran more
        # than once per batch: 21 more in 300,000 fixes in arrays of 10 from 10,000 vehicles, ~80 ms each, a sixth
        # of the ingest's time. Full collections now wait for 1,000 of the middle generation's (about seven million
        # allocations); the ingest makes few reference cycles (that run: 73 objects), so memory stays as it was.
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
        self._connect()
        deadline = time.monotonic() + 30
        while not self.ready.wait(0.1) and time.monotonic() < deadline:
            self._fall_back_if_refused()
        if not self.ready.is_set():
            log.warning("not subscribed after 30 s; still trying")
        else:
            print(f"qm ingest: subscribed (MQTT {self.protocol})", flush=True)

    def _connect(self) -> None:
        if self.client.protocol == mqtt.MQTTv5:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = conf.get("QM_SESSION_EXPIRY_S")
            props.ReceiveMaximum = self.window
            self.client.connect_async(self.server["host"], self.server["port"], keepalive=30, clean_start=False,
                                      properties=props)
        else:
            self.client.connect_async(self.server["host"], self.server["port"], keepalive=30)
        self.client.loop_start()

    def _fall_back_if_refused(self) -> None:
        """The broker refused MQTT 5 (QM_MQTT_PROTOCOL=auto): the same session over MQTT 3.1.1 from now on.
        Nothing was received on the refused connection, so there is nothing to acknowledge or lose."""
        if not self.fallback or self.client.protocol != mqtt.MQTTv5:
            return
        since = self._connecting_since
        if since is not None and time.monotonic() - since > conf.get("QM_MQTT_CONNACK_TIMEOUT_S"):
            self.protocol_refused.set()
        if not self.protocol_refused.is_set():
            return
        self.protocol_refused.clear()
        log.warning("the broker does not speak MQTT 5; connecting with MQTT 3.1.1")
        self.fallback = False
        self._connecting_since = None
        old = self.client
        old.disconnect()
        stop_loop(old)
        self.client = self._make_client(mqtt.MQTTv311)
        self._connect()

    def run(self) -> dict:
        """Until SIGTERM/SIGINT (or `stopping` set): batches in, commits, acks. Returns the counters.

        This thread takes batches off the inbox and prepares them (decode, validate, enrich: no writes); the
        committer thread writes them in order (store, rules, dead letters in one transaction), then acknowledges
        them and publishes the alerts. So the next batch is decoded while the database writes the previous one."""
        self.start()
        committer = threading.Thread(target=self._commit_loop, name="qm-ingest-commit", daemon=True)
        committer.start()
        last_refresh = time.monotonic()
        batch_max = conf.get("QM_INGEST_BATCH")
        wait_s = conf.get("QM_INGEST_BATCH_MS") / 1000.0
        try:
            while not self.stopping.is_set() and committer.is_alive():
                self._fall_back_if_refused()
                batch = self._take(batch_max, wait_s)
                if batch:
                    self._submit(batch, committer)
                now = time.monotonic()
                if self.workers > 1 and now - last_refresh >= conf.get("QM_REGISTRY_REFRESH_S"):
                    self._refresh_shares()
                    if self.worker > 0 or self.exact_topics:
                        self._subscribe(self._topics_cached)
                    last_refresh = now
            # Clean shutdown: what was received is processed and acknowledged, then the state is saved.
            while committer.is_alive():
                batch = self._take(batch_max, 0.2)
                if not batch:
                    break
                self._submit(batch, committer)
        finally:
            self.stopping.set()  # a committer waiting out a database outage gives up now
            if committer.is_alive():
                self._work.put(None)
            committer.join()
            self.inbox.closed = True  # paho's thread must not wait for room that nobody makes any more
            self.client.disconnect()
            stop_loop(self.client)
        if self._commit_error is not None:
            raise self._commit_error
        return dict(self.pipeline.counters)

    def _take(self, limit: int, wait_s: float) -> list[Message]:
        return self.inbox.take(limit, wait_s if wait_s > 0 else 0.05)

    def _submit(self, batch: list[Message], committer: threading.Thread) -> None:
        """Prepares a batch and hands it to the committer (waiting while it is two batches behind)."""
        if self.workers > 1:
            batch = self._mine(batch)
            if not batch:
                return
        try:
            prepared = self.pipeline.prepare(batch)
        except _DB_ERRORS:
            self._close_db()
            prepared = None  # the committer runs every stage again, waiting out the database
        except Exception:  # a message that breaks a stage: the committer runs them one by one and finds it
            prepared = None
        while committer.is_alive():
            try:
                self._work.put((batch, prepared), timeout=0.5)
                return
            except queue.Full:
                continue

    # --- the committer thread ----------------------------------------------------------------------------

    def _commit_loop(self) -> None:
        last_checkpoint = time.monotonic()
        try:
            while True:
                try:
                    work = self._work.get(timeout=0.5)
                except queue.Empty:
                    work = ()
                if work is None:
                    break
                if work:
                    self._handle(*work)
                    if connection.vendor == "sqlite":
                        # SQLite has one writer and no queue for the lock: a busy ingest that begins its next
                        # batch the moment it commits starves the web app and `qm notify` (their waits end in
                        # "database is locked" under load). A pause between batches lets them in (demo only).
                        time.sleep(SQLITE_WRITER_PAUSE_S)
                if time.monotonic() - last_checkpoint >= conf.get("QM_CHECKPOINT_S"):
                    self._checkpoint()
                    last_checkpoint = time.monotonic()
            self._checkpoint()
        except BaseException as exc:  # the run ends with it (SystemExit: the database is gone at shutdown)
            self._commit_error = exc
            self.stopping.set()
        finally:
            self._close_db()

    def _handle(self, batch: list[Message], prepared: Batch | None = None) -> None:
        backoff = 0.5
        while batch:
            try:
                result = self.pipeline.commit(prepared) if prepared is not None else self.pipeline.process(batch)
                break
            except _DB_ERRORS as exc:
                prepared = None  # spent: its messages are prepared again
                if self.stopping.is_set():
                    raise SystemExit("database unavailable at shutdown; unacknowledged messages stay with the broker")
                log.warning("database error, retrying in %.1f s (nothing acknowledged): %s", backoff, exc)
                self._reset_db()
                time.sleep(backoff)
                backoff = min(backoff * 2, 10)
            except Exception as exc:  # a message that breaks a stage must not stop the ingest
                log.exception("batch failed; processing its messages one by one")
                if len(batch) == 1:
                    self._poison(batch[0], exc)
                    result = None
                    break
                for msg in batch:
                    self._handle([msg])
                return
        else:
            return
        self._ack(batch)
        if result is not None:
            for payload in result.alerts:
                self.client.publish(f"{self.prefix}/alerts/{payload['kind']}", json.dumps(payload, ensure_ascii=False),
                                    qos=1)

    def _mine(self, batch: list[Message]) -> list[Message]:
        """This worker's share of a batch; the rest is acknowledged unread (another worker has it).

        Worker 0 reads everything (wildcards). It keeps docks, malformed topics, unknown terminals (each dead
        letter is recorded by it alone) and its own terminals, and passes over a known terminal of another worker
        once that terminal has been in its registry for QM_SHARD_HANDOVER_S: until then the owner may not have
        subscribed yet (it refreshes every QM_REGISTRY_REFRESH_S), so worker 0 stores those fixes itself (storing is
        idempotent on (terminal, ts), so a fix both receive is stored once). Terminals known at start are handed
        over at once: the other workers' persistent sessions hold their subscriptions. Worker K > 0 subscribes
        only its own terminals' topics; it passes over a terminal that has left the registry (worker 0 records it)."""
        keep, others = [], []
        now = time.monotonic()
        grace = conf.get("QM_SHARD_HANDOVER_S")
        for msg in batch:
            terminal = terminal_of(msg.topic, self.prefix)
            if terminal is None or (self.worker == 0 and self.owns(terminal)):
                keep.append(msg)
            elif self.worker == 0:
                seen = self.first_seen.get(terminal)
                (others if seen is not None and now - seen >= grace else keep).append(msg)
            elif self.owns(terminal) and self.pipeline.registry.lookup(terminal) is not None:
                keep.append(msg)
            else:
                others.append(msg)
        self._ack(others)
        self.pipeline.counters["other_workers"] += len(others)
        return keep

    def _poison(self, msg: Message, exc: Exception) -> None:
        from django.db import transaction

        self._reset_db()
        holder = Batch([msg], drops=[Drop(msg, DeadLetterReason.UNSUPPORTED, f"processing failed: {exc!r}"[:500],
                                          msg.payload)])
        with transaction.atomic():
            self.pipeline.dead_letters(holder)
        self._ack([msg])

    def _ack(self, batch: list[Message]) -> None:
        self.client.ack_many([msg.mid for msg in batch if msg.qos == 1])

    def _checkpoint(self) -> None:
        try:
            self.pipeline.checkpoint()
        except _DB_ERRORS as exc:
            log.warning("checkpoint not saved: %s", exc)
            self._reset_db()

    def _reset_db(self) -> None:
        """Committer thread: a fresh connection, and the rules' state rebuilt before the next batch."""
        self._close_db()
        self.pipeline.engine = None

    @staticmethod
    def _close_db() -> None:
        """This thread's database connection (Django keeps one per thread); a fresh one opens on next use."""
        try:
            connection.close()
        except Exception:  # the connection is already gone
            pass
        close_old_connections()

    def install_signal_handlers(self) -> None:
        def stop(signum, frame):
            self.stopping.set()
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
