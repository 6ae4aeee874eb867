"""What the RabbitMQ cluster costs: QoS 1 fixes through one Mosquitto, one RabbitMQ node and a 3-node cluster.

Brokers only, no database, in one run: a raw-socket QoS 1 publisher (bench.ingest_e2e.RawPublisher) blasts
`--count` single-fix messages; a paho subscriber with a persistent session (clean session off, QoS 1: on
RabbitMQ the durable queue of deploy/rabbitmq/rabbitmq.conf's type, as the workers have) times first to last
message received. Paths, alternating each round:
- `mosquitto`: deploy/mosquitto/core.conf (one broker);
- `rabbitmq_1_node`: one RabbitMQ node, publisher and subscriber on it (its quorum queue has one member);
- `rabbitmq_cluster`: 3 nodes, publisher on n2, subscriber on n1 (the queue's leader on n1, replicated on all 3).
`--ingest` adds the same three paths end to end: one `qm ingest` worker (on n1 in the cluster, the publisher on
n2) storing `--count` single fixes into PostgreSQL (bench.ingest_e2e's throughput case; needs QM_DATABASE_URL,
a database is created beside it), the sustained msg/s from the first publish to the last fix stored.
`--classic-kill` instead characterises 3.10's default classic queue in the cluster: a subscriber's durable queue
on n1, a paced publisher on n2, n1 SIGKILLed mid-stream and restarted; it prints what the publisher had
acknowledged and what the subscriber received.
Usage: .venv/bin/python -m bench.cluster [--full] [--count N] [--rounds R] [--ingest] [--classic-kill]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import paho.mqtt.client as mqtt

from bench.ingest_e2e import EVENT_T0, RawPublisher, _blast, _messages
from tests.support.mqtt import core_broker
from tests.support.rabbitmq import RabbitCluster

# A persistent-session QoS 1 subscriber: prints "subscribed", then {"received", "seconds"} once it has `n`.
SUBSCRIBER = r"""
import json, sys, time
import paho.mqtt.client as mqtt
host, port, client_id, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
state = {"n": 0, "first": None, "last": None}
def on_message(c, u, m):
    json.loads(m.payload)
    state["n"] += 1
    now = time.perf_counter()
    state["first"] = state["first"] or now
    state["last"] = now
c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311, clean_session=False)
c.max_inflight_messages_set(1000)
c.on_message = on_message
c.on_connect = lambda c, u, f, rc, p: c.subscribe("qm/terminals/+/position", qos=1)
c.on_subscribe = lambda *a: print("subscribed", flush=True)
c.connect(host, port)
deadline = None
while state["n"] < n:
    c.loop(0.05)
    if state["first"] and deadline is None:
        deadline = time.monotonic() + 300
    if deadline and time.monotonic() > deadline:
        break
c.disconnect()
print(json.dumps({"received": state["n"], "seconds": (state["last"] or 0) - (state["first"] or 0)}), flush=True)
"""


def forget(port: int, client_id: str) -> None:
    """Ends a persistent session (and on RabbitMQ deletes its queue): a clean-session connect with its id."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311,
                         clean_session=True)
    client.connect("127.0.0.1", port)
    client.loop_start()
    time.sleep(0.5)
    client.disconnect()
    client.loop_stop()


def one_round(pub_port: int, sub_port: int, count: int, vehicles: int, broker=None) -> dict:
    client_id = f"bench-cluster-{time.monotonic_ns()}"
    proc = subprocess.Popen([sys.executable, "-c", SUBSCRIBER, "127.0.0.1", str(sub_port), client_id, str(count)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "subscribed"
    # On RabbitMQ: the subscriber's queue, its type, leader and members' count, as the workers' would be.
    queue = next((q for name, q in broker.queues().items() if client_id in name), None) if broker else None
    pub = RawPublisher("127.0.0.1", pub_port, f"bench-cluster-pub-{time.monotonic_ns()}")
    started = _blast(pub, _messages(pub, count, vehicles, 1, EVENT_T0))
    pub.wait_acked(count, timeout=600)
    acked_s = time.perf_counter() - started
    out = json.loads(proc.stdout.readline())
    proc.wait(30)
    pub.close()
    forget(sub_port, client_id)
    result = {"received": out["received"], "msg_per_s": round(out["received"] / max(out["seconds"], 1e-6)),
              "publisher_acked_per_s": round(count / acked_s)}
    if queue:
        result["queue"] = f"{queue['type']} led by {queue['node'].split('@')[0]}"
    return result


def ingest_round(pub_port: int, sub_port: int, count: int, vehicles: int, broker=None) -> dict:
    """One `qm ingest` worker on `sub_port` storing `count` single fixes published to `pub_port`."""
    from bench import ingest_e2e

    env = {"QM_DATABASE_URL": os.environ["QM_DATABASE_URL"], "QM_LOG_LEVEL": "WARNING", "QM_MAX_FIX_AGE_DAYS": "0"}
    try:
        result = ingest_e2e.throughput(f"mqtt://127.0.0.1:{sub_port}", "127.0.0.1", pub_port, env, count=count,
                                       vehicles=vehicles, per_message=1)
    finally:
        if broker:  # the worker's session queue (ingest_e2e ends sessions with MQTT 5, which RabbitMQ 3.10 refuses)
            node = next(n for n in broker.nodes if n.mqtt_port == sub_port)
            for name in broker.queues():
                node.ctl("delete_queue", name)
    return {k: result[k] for k in ("stored", "lost", "dead_letters", "msg_per_s", "drain_s")}


def throughput(args) -> dict:
    mosquitto = core_broker()
    single = RabbitCluster(1)
    cluster = RabbitCluster(3)
    try:
        mosquitto.start()
        single.start()
        cluster.start()
        n1, n2, _ = cluster.nodes
        paths = {"mosquitto": (mosquitto.port, mosquitto.port, None),
                 "rabbitmq_1_node": (single.nodes[0].mqtt_port, single.nodes[0].mqtt_port, single),
                 "rabbitmq_cluster": (n2.mqtt_port, n1.mqtt_port, cluster)}
        results = {path: [] for path in paths}
        load = [os.getloadavg()[0]]
        for _ in range(args.rounds):
            for path, (pub_port, sub_port, broker) in paths.items():
                results[path].append(one_round(pub_port, sub_port, args.count, args.vehicles, broker))
            load.append(os.getloadavg()[0])
        print(json.dumps({path: [r["msg_per_s"] for r in rounds] for path, rounds in results.items()}), flush=True)
        ingest = {}
        if args.ingest:
            for path, (pub_port, sub_port, broker) in paths.items():
                ingest[path] = ingest_round(pub_port, sub_port, args.count, args.vehicles, broker)
                print(path, json.dumps(ingest[path]), flush=True)
            load.append(os.getloadavg()[0])
    finally:
        mosquitto.stop()
        single.stop()
        cluster.stop()
    summary = {path: {"median_msg_per_s": statistics.median(r["msg_per_s"] for r in rounds),
                      "median_publisher_acked_per_s": statistics.median(r["publisher_acked_per_s"] for r in rounds),
                      "received_all": all(r["received"] == args.count for r in rounds), "rounds": rounds}
               for path, rounds in results.items()}
    if ingest:
        summary["ingest_1_worker"] = ingest
        summary["ingest_cluster_vs_1_node"] = round(ingest["rabbitmq_cluster"]["msg_per_s"]
                                                    / ingest["rabbitmq_1_node"]["msg_per_s"], 2)
        summary["ingest_cluster_vs_mosquitto"] = round(ingest["rabbitmq_cluster"]["msg_per_s"]
                                                       / ingest["mosquitto"]["msg_per_s"], 2)
    base = summary["mosquitto"]["median_msg_per_s"]
    summary["vs_mosquitto"] = {path: round(summary[path]["median_msg_per_s"] / base, 2) for path in results}
    summary["cluster_vs_1_node"] = round(summary["rabbitmq_cluster"]["median_msg_per_s"]
                                         / summary["rabbitmq_1_node"]["median_msg_per_s"], 2)
    summary["count"], summary["loadavg_1min"], summary["cores"] = args.count, [round(v, 2) for v in load], os.cpu_count()
    return summary


def classic_kill(args) -> dict:
    """3.10's default: the subscriber's durable queue is a classic queue on the node it connected to (n1)."""
    cluster = RabbitCluster(3, mqtt__durable_queue_type="classic")
    try:
        cluster.start()
        n1, n2, _ = cluster.nodes
        client_id = "bench-classic-sub"
        received: list[int] = []
        sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311,
                          clean_session=False)
        sub.reconnect_delay_set(1, 1)
        sub.on_connect = lambda c, u, f, rc, p: c.subscribe("qm/terminals/+/position", qos=1)
        sub.on_message = lambda c, u, m: received.append(json.loads(m.payload)["seq"])
        sub.connect("127.0.0.1", n1.mqtt_port)
        sub.loop_start()
        time.sleep(2)
        queue = cluster.queues()
        acked = []
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-classic-pub", protocol=mqtt.MQTTv311)
        pub.max_inflight_messages_set(20)
        sub_ready = threading.Event()
        pub.on_publish = lambda c, u, mid, rc, p: acked.append(mid)
        pub.connect("127.0.0.1", n2.mqtt_port)
        pub.loop_start()
        outcome = {}

        def crash():
            time.sleep(2)
            n1.kill()
            time.sleep(3)
            outcome["queues_while_down"] = cluster.queues(n2)
            n1.start()
            sub_ready.set()
        thread = threading.Thread(target=crash)
        thread.start()
        sent = 0
        while not sub_ready.is_set() or sent < 1000:
            pub.publish("qm/terminals/C0001/position", json.dumps({"seq": sent}), qos=1)
            sent += 1
            time.sleep(0.01)
        thread.join()
        deadline = time.monotonic() + 60
        while len(acked) < sent and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(5)  # the subscriber reconnects (every second) and drains its queue
        sub.disconnect()
        sub.loop_stop()
        pub.disconnect()
        pub.loop_stop()
        got = set(received)
        outcome.update({"published": sent, "publisher_acked": len(acked), "received_distinct": len(got),
                        "lost": sent - len(got), "lost_seqs": _ranges(sorted(set(range(sent)) - got)),
                        "duplicates": len(received) - len(got), "queue_before": queue})
    finally:
        cluster.stop()
    return outcome


def _ranges(values: list[int]) -> list[str]:
    out = []
    for v in values:
        if out and out[-1][1] == v - 1:
            out[-1][1] = v
        else:
            out.append([v, v])
    return [f"{a}-{b}" if a != b else str(a) for a, b in out]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="20,000 messages, 3 rounds (the figures in docs)")
    parser.add_argument("--count", type=int)
    parser.add_argument("--vehicles", type=int, default=1_000)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--ingest", action="store_true", help="also one qm ingest worker end to end per path")
    parser.add_argument("--classic-kill", action="store_true", help="the classic-queue node kill instead")
    args = parser.parse_args(argv)
    args.count = args.count or (20_000 if args.full else 5_000)
    args.rounds = args.rounds or (3 if args.full else 1)
    if args.ingest:
        from bench import ingest_e2e
        from bench.common import setup_django

        url = os.environ.get("QM_DATABASE_URL", "")
        if not url.startswith("postgresql://"):
            raise SystemExit("--ingest needs QM_DATABASE_URL=postgresql://… (a database is created beside it)")
        os.environ["QM_DATABASE_URL"] = ingest_e2e._bench_database(url)
        setup_django()
        ingest_e2e._setup(args.vehicles)
    summary = classic_kill(args) if args.classic_kill else throughput(args)
    print(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    main()
