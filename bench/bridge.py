"""What the bridge costs: QoS 1 fixes straight to the core vs. through an edge bridged to it (deploy/mosquitto).

Brokers only, no database: a raw-socket QoS 1 publisher (bench.ingest_e2e.RawPublisher) blasts `--count`
single-fix messages either at the core or at an edge; a paho subscriber on the core (QoS 1, the workers' place)
times first to last message received. Rounds alternate the two paths; the medians and their ratio are printed
with the load average. Usage: .venv/bin/python -m bench.bridge [--full] [--count N] [--rounds R]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from bench.ingest_e2e import BARE, EVENT_T0, RawPublisher, _blast, _messages
from tests.support.mqtt import core_broker, edge_broker


def one_round(target_port: int, core_port: int, count: int, vehicles: int) -> dict:
    proc = subprocess.Popen([sys.executable, "-c", BARE, "127.0.0.1", str(core_port), "1", str(count)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "subscribed"
    pub = RawPublisher("127.0.0.1", target_port, f"bench-bridge-{time.monotonic_ns()}")
    started = _blast(pub, _messages(pub, count, vehicles, 1, EVENT_T0))
    pub.wait_acked(count)
    acked_s = time.perf_counter() - started
    out = json.loads(proc.stdout.readline())
    proc.wait(30)
    pub.close()
    return {"received": out["received"], "msg_per_s": round(out["received"] / max(out["seconds"], 1e-6)),
            "publisher_acked_per_s": round(count / acked_s)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="50,000 messages, 3 rounds (the figures in docs)")
    parser.add_argument("--count", type=int)
    parser.add_argument("--vehicles", type=int, default=1_000)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args(argv)
    args.count = args.count or (50_000 if args.full else 5_000)
    args.rounds = args.rounds or (3 if args.full else 1)
    core = core_broker()
    edge = edge_broker("bench", core)
    core.start()
    edge.start()
    time.sleep(1.5)  # the bridge connects
    results = {"direct": [], "bridged": []}
    load = [os.getloadavg()[0]]
    try:
        for _ in range(args.rounds):
            results["direct"].append(one_round(core.port, core.port, args.count, args.vehicles))
            results["bridged"].append(one_round(edge.port, core.port, args.count, args.vehicles))
            load.append(os.getloadavg()[0])
    finally:
        edge.stop()
        core.stop()
    summary = {path: {"median_msg_per_s": statistics.median(r["msg_per_s"] for r in rounds),
                      "received_all": all(r["received"] == args.count for r in rounds), "rounds": rounds}
               for path, rounds in results.items()}
    summary["bridged_vs_direct"] = round(summary["bridged"]["median_msg_per_s"]
                                         / summary["direct"]["median_msg_per_s"], 2)
    summary["loadavg_1min"] = [round(v, 2) for v in load]
    summary["cores"] = os.cpu_count()
    print(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    main()
