"""Two `qm ingest --shard K/2` workers through a real Mosquitto: every fix stored exactly once, each terminal's
fixes stored in the order they were published, each unknown terminal's message a dead letter once, and a terminal
registered while the workers run is stored once, by worker 0 at first and then by its owner (a fix of the
handover that both workers received is stored once; the second copy is a `duplicate` dead letter)."""
import json
import time

import pytest

from telematics.tracking.ingest import owner
from telematics.tracking.models import DeadLetter, Position

from .conftest import DEPOT, fix, wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
ENV = {"QM_REGISTRY_REFRESH_S": "1", "QM_SHARD_HANDOVER_S": "3"}


def _ordered(terminal: str) -> bool:
    ts = list(Position.objects.filter(terminal=terminal).order_by("arrival").values_list("ts", flat=True))
    return ts == sorted(ts)


def test_two_workers_store_every_fix_once_in_order(city, ingest, publisher):
    from telematics.models import Vehicle

    terminals = [f"T000{n}" for n in range(1, 9)]
    share1 = [t for t in terminals if owner(t, 2) == 1]
    assert 0 < len(share1) < len(terminals) and owner("T0010", 2) == 1
    workers = [ingest("--shard", "0/2", env=ENV), ingest("--shard", "1/2", env=ENV)]
    pub = publisher()
    t0 = time.time() - 3600
    sent = 0
    infos = []
    for k in range(40):  # interleaved, as a fleet sends them
        for t in terminals:
            body = fix(t0 + k * 10, *DEPOT, seq=k)
            infos.append(pub.client.publish(f"qm/terminals/{t}/position", json.dumps(body), qos=1))
            sent += 1
        if k in (5, 30):
            pub.send("qm/terminals/T9999/position", fix(t0 + k * 10, *DEPOT))  # unknown terminal
    for info in infos:
        info.wait_for_publish(30)
    wait_until(lambda: Position.objects.count() == sent, timeout=40,
               what=lambda: f"{sent} fixes stored (have {Position.objects.count()})")

    # A terminal registered now: worker 0 stores its first fixes (its owner may not have subscribed yet) ...
    unit = city["vehicles"]["V1"].unit
    Vehicle.objects.bulk_create([Vehicle(plate="苏D·A0010", unit=unit, seats=5, terminal_id="T0010")])
    pub.send("qm/terminals/T0010/position", fix(t0, *DEPOT))
    wait_until(lambda: Position.objects.filter(terminal="T0010").count() == 1, timeout=20, what="T0010's first fix")
    time.sleep(5)  # ... and after the handover its owner alone stores them.
    for k in range(1, 6):
        pub.send("qm/terminals/T0010/position", fix(t0 + k * 10, *DEPOT))
    wait_until(lambda: Position.objects.filter(terminal="T0010").count() == 6, timeout=20, what="T0010's fixes")
    time.sleep(1)

    counters = [w.stop() for w in workers]
    assert Position.objects.count() == sent + 6
    assert sum(c["stored"] for c in counters) == sent + 6  # each fix stored by one worker only
    # Worker 0 stored its share and T0010's first fix (unless worker 1 had subscribed T0010 and was quicker);
    # worker 1 its share and T0010's fixes after the handover.
    assert counters[1]["stored"] - 40 * len(share1) in (5, 6)
    assert counters[0]["other_workers"] >= 40 * len(share1) + 5
    duplicates = list(DeadLetter.objects.filter(reason="duplicate").values_list("topic", flat=True))
    assert duplicates in ([], ["qm/terminals/T0010/position"])
    assert DeadLetter.objects.filter(reason="unknown_terminal").count() == 2
    for t in [*terminals, "T0010"]:
        assert _ordered(t), t


def test_with_exact_topics_worker_0_receives_only_its_share(city, ingest, publisher):
    """`--exact-topics` (brokers whose ACL keeps unknown terminals out): no worker reads the others' fixes."""
    terminals = [f"T000{n}" for n in range(1, 9)]
    workers = [ingest("--shard", f"{k}/2", "--exact-topics", env=ENV) for k in range(2)]
    pub = publisher()
    t0 = time.time() - 3600
    for k in range(5):
        for t in terminals:
            pub.send(f"qm/terminals/{t}/position", fix(t0 + k * 10, *DEPOT))
    pub.send("owntracks/officer/phone", {"_type": "location", "tst": int(t0), "lat": DEPOT[1], "lon": DEPOT[0]})
    wait_until(lambda: Position.objects.count() == 41, timeout=20,
               what=lambda: f"41 fixes stored (have {Position.objects.count()})")
    counters = [w.stop() for w in workers]
    share = {k: [t for t in [*terminals, "officer/phone"] if owner(t, 2) == k] for k in range(2)}
    for k in range(2):
        assert counters[k]["stored"] == 5 * len([t for t in share[k] if t != "officer/phone"]) + (
            "officer/phone" in share[k])
        assert counters[k].get("other_workers", 0) == 0
