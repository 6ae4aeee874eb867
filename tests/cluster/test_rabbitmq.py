"""A 3-node RabbitMQ cluster (MQTT plugin, deploy/rabbitmq/rabbitmq.conf) with nodes SIGKILLed mid-stream.

Not in `make test` (a cluster takes ~30 s to form and each node restart ~10 s on this machine): `make
cluster-test` runs it. Three nodes n1, n2, n3 on loopback; `qm ingest --shard 0/2` connects to n1 and `--shard
1/2` to n2 (MQTT 3.1.1: RabbitMQ 3.10 has no MQTT 5, the ingest falls back by itself), so each worker's session
queue — a quorum queue, replicated on all three nodes — has its leader on its worker's node. Terminals
T0001-T0003 publish to n1, T0004-T0006 to n2, T0007-T0008 to n3, at QoS 1 with an increasing `seq`; each
terminal keeps (in its MQTT client) what was not acknowledged and sends it again after reconnecting, as a real
terminal buffers. The test holds the cluster to:
- n3 (terminals only, no queue leader, no worker) SIGKILLed mid-stream and restarted: nothing lost;
- n1 (worker 0's node and its queue's leader, three terminals) SIGKILLed with a backlog queued for both workers
  (held by SIGSTOP) and restarted while the other terminals keep publishing: the queue's leadership moves to a
  surviving member, the backlog and what is published during the outage are kept, worker 0 reconnects;
- every fix stored exactly once (copies sent again after a lost PUBACK or a lost ack are `duplicate` dead
  letters), each terminal's in publishing order.
The classic-queue case (mqtt.durable_queue_type = classic, 3.10's default) is characterised by
`bench/cluster.py --classic-kill`, not held here: see docs/scaling.md."""
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
from tests.support.rabbitmq import RabbitCluster
from tests.telematics.tracking.conftest import DEPOT, fix, wait_until

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]
ENV = {"QM_REGISTRY_REFRESH_S": "1"}
TERMINALS = [f"T000{n}" for n in range(1, 9)]
NODE_OF = {t: 0 if t <= "T0003" else 1 if t <= "T0006" else 2 for t in TERMINALS}


class Terminals:
    """One MQTT client per node carrying that node's terminals (QoS 1, reconnecting every second)."""

    def __init__(self, cluster: RabbitCluster):
        self.clients = []
        self.disconnects = [0] * len(cluster.nodes)
        self.acked = 0
        self.published = 0
        self.lock = threading.Lock()
        for node in cluster.nodes:
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"terminals-{node.index}",
                                 protocol=mqtt.MQTTv311)
            client.reconnect_delay_set(1, 1)
            client.max_queued_messages_set(0)
            client.on_publish = self._acked
            client.on_disconnect = lambda c, u, f, rc, p, i=node.index - 1: self._lost(i)
            client.connect("127.0.0.1", node.mqtt_port, keepalive=10)
            client.loop_start()
            self.clients.append(client)

    def _lost(self, index: int) -> None:
        with self.lock:
            self.disconnects[index] += 1

    def _acked(self, client, userdata, mid, reason_code, properties):
        with self.lock:
            self.acked += 1

    def publish(self, seqs: range, t0: float, interval: float = 0.0) -> None:
        """Each terminal's fixes `seqs`, interleaved as a fleet sends them, one round every `interval` s."""
        for k in seqs:
            for t in TERMINALS:
                body = json.dumps(fix(t0 + k * 10, *DEPOT, seq=k))
                # Queued in the client when its node is down (rc NO_CONN): sent after the reconnect.
                self.clients[NODE_OF[t]].publish(f"qm/terminals/{t}/position", body, qos=1)
                with self.lock:
                    self.published += 1
            if interval:
                time.sleep(interval)

    def wait_acked(self, timeout: float = 120) -> int:
        wait_until(lambda: self.acked >= self.published, timeout=timeout,
                   what=lambda: f"the cluster acknowledging {self.published} fixes (has {self.acked})")
        return self.published

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()
            client.loop_stop()


def stream_through(terminals: Terminals, seqs: range, t0: float, interval: float, fault) -> None:
    """Publishes `seqs` in a thread at one round per `interval` s while `fault()` runs (kill, restart)."""
    thread = threading.Thread(target=terminals.publish, args=(seqs, t0, interval))
    thread.start()
    try:
        time.sleep(1.0)
        fault()
    finally:
        thread.join()


def stored() -> int:
    connection.close()  # a fresh snapshot each time (transactional test, autocommit)
    return Position.objects.count()


@pytest.fixture
def cluster():
    cluster = RabbitCluster(3).start()
    yield cluster
    cluster.stop()


def test_quorum_cluster_nodes_killed_mid_stream(city, ingest, cluster):
    assert {owner(t, 2) for t in TERMINALS} == {0, 1}
    n1, n2, n3 = cluster.nodes
    # Worker 1 first: its session must exist before worker 0 passes its fixes over (docs/scaling.md "Running it").
    w1 = ingest("--shard", "1/2", url=n2.url, env=ENV)
    w0 = ingest("--shard", "0/2", url=n1.url, env=ENV)
    workers = [w0, w1]
    assert all("MQTT 3.1.1" in "".join(w.output) for w in workers)
    queues = wait_until(lambda: (q := cluster.queues()) and len(q) == 2 and q, what="the workers' two queues")
    queue_of = {w: next(name for name in queues if w.client_id in name) for w in workers}
    assert {q["type"] for q in queues.values()} == {"quorum"}
    assert queues[queue_of[w0]]["node"] == n1.name  # client-local leaders: worker 0's queue on n1
    assert queues[queue_of[w1]]["node"] == n2.name
    terminals = Terminals(cluster)
    t0 = time.time() - 3600
    try:
        # Phase 0: every node carrying fixes, the workers storing them as they come.
        terminals.publish(range(40), t0)
        sent = terminals.wait_acked()
        wait_until(lambda: stored() == sent, what="the first fixes stored")

        # Phase 1: n3 (two terminals, nothing else) killed mid-stream and started again; its terminals buffer.
        def crash_n3():
            n3.kill()
            time.sleep(2)
            n3.start()
        stream_through(terminals, range(40, 100), t0, 0.1, crash_n3)
        sent = terminals.wait_acked()
        cluster.wait_running(3)
        wait_until(lambda: stored() == sent, timeout=60, what=lambda: f"{sent} fixes stored (have {stored()})")

        # Phase 2: a backlog queued for both workers (held by SIGSTOP, as if busy) ...
        for w in workers:
            w.proc.send_signal(signal.SIGSTOP)
        terminals.publish(range(100, 140), t0)
        sent = terminals.wait_acked()
        backlog = sent - stored()
        assert backlog == 40 * len(TERMINALS)

        # ... then n1, holding worker 0's connection, its queue's leader and three terminals, killed; the workers
        # go on, the other terminals keep publishing while n1 is down, and n1 is started again.
        def crash_n1():
            n1.kill()
            for w in workers:
                w.proc.send_signal(signal.SIGCONT)
            time.sleep(2)
            leaders["during"] = cluster.queues()[queue_of[w0]]["node"]
            n1.start()
        leaders = {}
        stream_through(terminals, range(140, 240), t0, 0.1, crash_n1)
        sent = terminals.wait_acked()
        cluster.wait_running(3)
        wait_until(lambda: stored() >= sent, timeout=120, what=lambda: f"{sent} fixes stored (have {stored()})")
        time.sleep(2)  # room for any late duplicate
        counters = [w.stop() for w in workers]

        # The faults happened where they were meant to: n3's and n1's terminals and worker 0 were cut off, and
        # reconnected (the cluster acknowledged all their fixes), n2's terminals and worker 1 were not.
        assert terminals.disconnects == [1, 0, 1]
        connects = ["".join(w.output).count("connected to MQTT (session present") for w in workers]
        assert connects[0] >= 2 and connects[1] == 1, connects
        assert leaders["during"] in (n2.name, n3.name)  # worker 0's queue was led by a survivor meanwhile
        assert n1.starts == n3.starts == 2
        # Every fix stored exactly once ...
        assert stored() == sent == 240 * len(TERMINALS)
        assert not Position.objects.values("terminal", "ts").annotate(n=Count("ts")).filter(n__gt=1).exists()
        assert sum(c["stored"] for c in counters) == sent
        # ... each terminal's in publishing order (arrival order = time order = seq order) ...
        for t in TERMINALS:
            rows = list(Position.objects.filter(terminal=t).order_by("arrival").values_list("ts", "seq"))
            assert [seq for _, seq in rows] == list(range(240)), t
            assert [ts for ts, _ in rows] == sorted(ts for ts, _ in rows), t
        # ... and the only dead letters are copies sent again.
        reasons = set(DeadLetter.objects.values_list("reason", flat=True))
        assert reasons <= {"duplicate"}, reasons
        print(f"\nrabbitmq cluster: {sent} fixes, {backlog} queued at n1's kill, "
              f"{DeadLetter.objects.count()} duplicates removed")
    finally:
        terminals.close()
