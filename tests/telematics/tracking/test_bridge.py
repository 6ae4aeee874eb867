"""A bridged Mosquitto topology (two city edges -> one core) with the core SIGKILLed and restarted mid-stream.

The brokers run deploy/mosquitto/edge.conf and core.conf (on loopback, in their own folders, without the auth
and TLS lines). Terminals T0001-T0004 publish to edge A, T0005-T0008 to edge B, at QoS 1 with an increasing
`seq`; `qm ingest --shard 0/2` and `--shard 1/2` read the core. What the topology guarantees, and what this test
holds it to:
- an edge acknowledges a terminal's fix once it has it and queues it for the core while the core is down
  (the terminals keep publishing through the outage);
- the core's snapshot persistence keeps the workers' sessions and the fixes queued for them across a SIGKILL
  (a snapshot every second; the kill lands when the core has been sent nothing new for 3 s, with the workers
  held by SIGSTOP so that a backlog is queued for them — a kill within ~2 s of the core acknowledging fixes
  to a bridge loses those not yet delivered, see docs/scaling.md);
- the bridge's persistent session sends again what was in flight: duplicates are possible and the ingest's
  (terminal, ts) dedupe stores each fix once (the second copy is a `duplicate` dead letter);
- one bridge connection per edge and one worker per terminal keep each terminal's fixes in publishing order."""
import json
import signal
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from django.db import connection
from django.db.models import Count

from telematics.tracking.ingest import owner
from telematics.tracking.models import DeadLetter, Position
from tests.support.mqtt import MosquittoBroker, core_broker, edge_broker

from .conftest import DEPOT, fix, wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
# A receive window of 20: with the workers held, at most 20 fixes each are in flight to them (in their sockets);
# the rest of the backlog is queued on the core itself.
WINDOW = 20
ENV = {"QM_REGISTRY_REFRESH_S": "1", "QM_INGEST_WINDOW": str(WINDOW)}
PER_PHASE = 60  # fixes per terminal in each of the three phases


class Watch:
    """A plain subscriber on a broker: the bridges' state notifications and a count of what the core received."""

    def __init__(self, broker: MosquittoBroker, *topics: str):
        self.states: dict[str, str] = {}
        self.count = 0
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe([(t, 1) for t in topics])
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def _message(self, client, userdata, msg):
        with self.lock:
            if msg.topic.startswith("qm/bridges/"):
                self.states[msg.topic.split("/")[2]] = msg.payload.decode()
            else:
                self.count += 1

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def publish(pubs: dict, terminals: list[str], seqs: range, t0: float) -> int:
    """Each terminal's fixes `seqs`, interleaved as a fleet sends them; returns when each edge has them."""
    infos = []
    for k in seqs:
        for t in terminals:
            body = fix(t0 + k * 10, *DEPOT, seq=k)
            infos.append(pubs[t].client.publish(f"qm/terminals/{t}/position", json.dumps(body), qos=1))
    for info in infos:
        info.wait_for_publish(30)
    return len(infos)


def test_bridged_pair_core_killed_mid_stream(city, ingest, publisher):
    terminals = [f"T000{n}" for n in range(1, 9)]
    assert {owner(t, 2) for t in terminals} == {0, 1}
    core = core_broker()
    edges = {"a": edge_broker("a", core), "b": edge_broker("b", core)}
    core.start()
    watch = None
    try:
        for edge in edges.values():
            edge.start()
        workers = [ingest("--shard", "1/2", url=core.url, env=ENV), ingest("--shard", "0/2", url=core.url, env=ENV)]
        watch = Watch(core, "qm/bridges/+/state", "qm/terminals/#")
        wait_until(lambda: watch.states == {"qm-edge-a": "1", "qm-edge-b": "1"}, what="both bridges connected")
        city_a, city_b = publisher(edges["a"].url), publisher(edges["b"].url)
        pubs = {t: city_a if t <= "T0004" else city_b for t in terminals}
        t0 = time.time() - 3600

        # Phase 0: through the bridges to the core, the workers storing it as it comes ...
        sent = publish(pubs, terminals, range(0, 30), t0)
        wait_until(lambda: Position.objects.count() == sent, what="the first fixes stored")
        # ... then held (SIGSTOP, as if busy) while the rest of the phase reaches the core and queues there.
        for w in workers:
            w.proc.send_signal(signal.SIGSTOP)
        sent += publish(pubs, terminals, range(30, 60), t0)
        wait_until(lambda: watch.count >= sent, what=lambda: f"the core has {sent} fixes (has {watch.count})")
        # The core's snapshot has what it acknowledged: autosave_interval 1 counts whole seconds and runs from the
        # event loop, so the next one can come up to ~2 s later (1.5 s lost a run's queue once).
        time.sleep(3)
        queued = sent - Position.objects.count()
        core.kill()
        for w in workers:
            w.proc.send_signal(signal.SIGCONT)
        # Phase 1: the core is down; the edges acknowledge the terminals and queue for the core.
        sent += publish(pubs, terminals, range(60, 120), t0)
        time.sleep(1)
        core.start()
        # Phase 2: the core is back; the bridges reconnect (restart_timeout 1) and drain the edges' queues first.
        sent += publish(pubs, terminals, range(120, 180), t0)
        connection.close()
        wait_until(lambda: Position.objects.count() >= sent, timeout=60,
                   what=lambda: f"{sent} fixes stored (have {Position.objects.count()})")
        time.sleep(2)  # room for any late duplicate
        counters = [w.stop() for w in workers]

        assert queued == 30 * len(terminals)  # the kill landed with 240 fixes held on the core, unacknowledged
        # Every fix stored exactly once ...
        assert Position.objects.count() == sent == 3 * PER_PHASE * len(terminals)
        assert not Position.objects.values("terminal", "ts").annotate(n=Count("ts")).filter(n__gt=1).exists()
        assert sum(c["stored"] for c in counters) == sent
        # ... each terminal's in publishing order (arrival order = time order = seq order) ...
        for t in terminals:
            rows = list(Position.objects.filter(terminal=t).order_by("arrival").values_list("ts", "seq"))
            assert [seq for _, seq in rows] == list(range(3 * PER_PHASE)), t
            assert [ts for ts, _ in rows] == sorted(ts for ts, _ in rows), t
        # ... and the only dead letters are copies the bridge sent again.
        reasons = set(DeadLetter.objects.values_list("reason", flat=True))
        assert reasons <= {"duplicate"}, reasons
        print(f"\nbridge: {sent} fixes, {queued} held on the core at the kill, "
              f"{DeadLetter.objects.count()} duplicates removed")
    finally:
        if watch:
            watch.close()
        for edge in edges.values():
            edge.stop()
        core.stop()
