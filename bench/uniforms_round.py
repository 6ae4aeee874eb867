"""Benchmark: one seasonal uniform issue round (换季发放) for a whole brigade, in one action, on PostgreSQL.

Default: 60 officers; --full: the issue's size, a 300-officer brigade (target < 5 s). Builds a scratch database
beside QM_DATABASE_URL's: a brigade with its squadrons, every officer's sizes for every uniform item type, enough
stock of each item and size in the brigade's store, and a third of the officers holding worn-out trousers
(issued three years ago, 2-year service life) so the round also takes back and retires what it replaces.
Prints the seconds of `issue_round_run` (the API's POST /api/v1/issue-rounds/) and what it did, then of a
second round that finds everyone served.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from bench.common import on_postgresql, scratch_database, setup_django

SEASON = "spring_autumn"
SIZES = ("165", "170", "175", "180")


def load(*, officers: int, squadrons: int = 3) -> dict:
    """Fills the (empty, migrated) database; returns the brigade and what was written."""
    from django.utils import timezone

    from assets import services as ledger
    from assets.models import Asset, CustodyEvent, ItemType, Person
    from uniforms.models import OfficerSize
    from uniforms.services import round_entitlements

    bureau = ledger.unit_create(code="CZ", name="常州市城市管理局", kind="bureau")
    detachment = ledger.unit_create(code="CZ-ZD", name="常州市城市管理行政执法支队", kind="detachment",
                                    parent=bureau)
    brigade = ledger.unit_create(code="CZ-TN", name="天宁大队", kind="brigade", parent=detachment)
    squads = [ledger.unit_create(code=f"CZ-TN-{i:02d}", name=f"天宁第{i}中队", kind="squadron", parent=brigade)
              for i in range(1, squadrons + 1)]
    people = Person.objects.bulk_create(
        Person(staff_no=f"TN{i:04d}", name=f"警员{i:04d}", unit=squads[i % squadrons], role="officer",
               frontline=True, status="active") for i in range(officers))
    uniform_types = list(ItemType.objects.filter(category_id="uniform"))
    OfficerSize.objects.bulk_create(
        OfficerSize(person=p, item_type=t, size=SIZES[i % len(SIZES)])
        for i, p in enumerate(people) for t in uniform_types)

    entitlements = round_entitlements(SEASON)
    need = {(e.item_type.name, size): 0 for e in entitlements for size in SIZES}
    for i, _person in enumerate(people):
        for e in entitlements:
            need[(e.item_type.name, SIZES[i % len(SIZES)])] += e.quantity
    store = squads[0].parent
    now = timezone.now()
    worn_at = now - dt.timedelta(days=3 * 366)
    assets = []
    for (item, size), count in need.items():
        for n in range(count + 2):  # a little spare of every size
            assets.append(Asset(tag=f"U-{item}-{size}-{n:04d}", category_id="uniform", item=item, size=size,
                                unit=store, status="in_stock"))
    worn_holders = people[::3]
    worn = [Asset(tag=f"OLD-{p.staff_no}-{k}", category_id="uniform", item="裤子", size=SIZES[0], unit=store,
                  status="issued", holder_person=p) for p in worn_holders for k in (1, 2)]
    Asset.objects.bulk_create(assets + worn)
    events = [CustodyEvent(asset=a, action="receive", occurred_at=now - dt.timedelta(days=1), status_after="in_stock",
                           unit_after=store, source="bench") for a in assets]
    for a in worn:
        events.append(CustodyEvent(asset=a, action="receive", occurred_at=worn_at, status_after="in_stock",
                                   unit_after=store, source="bench"))
        events.append(CustodyEvent(asset=a, action="issue", occurred_at=worn_at + dt.timedelta(hours=1),
                                   person=a.holder_person, status_after="issued", unit_after=store,
                                   holder_person_after=a.holder_person, source="bench"))
    CustodyEvent.objects.bulk_create(events, batch_size=5000)
    return {"brigade": brigade, "officers": len(people), "stock": len(assets), "worn": len(worn)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="a 300-officer brigade (the issue's size)")
    parser.add_argument("--officers", type=int, help="brigade size (default 60, or 300 with --full)")
    args = parser.parse_args(argv)
    officers = args.officers or (300 if args.full else 60)

    setup_django()
    from django.db import connection

    from assets.models import CustodyEvent
    from uniforms.services import issue_round_run

    if not on_postgresql():
        return 0
    with scratch_database("uniforms"):
        started = time.perf_counter()
        data = load(officers=officers)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        print(f"   loaded {data['officers']:,} officers, {data['stock']:,} items in stock, {data['worn']:,} worn "
              f"items held in {time.perf_counter() - started:.1f} s", flush=True)
        before = CustodyEvent.objects.count()
        started, cpu = time.perf_counter(), time.process_time()
        rnd = issue_round_run(unit=data["brigade"], season=SEASON)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        events = CustodyEvent.objects.count() - before
        target = "  (target < 5 s)" if officers >= 300 else ""
        # The Python side's CPU time apart: on a shared machine the wall time also counts waiting for a core.
        print(f"   round {SEASON} for {rnd.officers_count:,} officers       {took:7.3f} s  (Python CPU "
              f"{cpu:.3f} s){target}", flush=True)
        print(f"      issued {rnd.issued_count:,}, replaced {rnd.replaced_count:,}, shortfall lines "
              f"{len(rnd.shortfall)}, ledger events {events:,}, receipt {rnd.receipt.number}", flush=True)
        started = time.perf_counter()
        again = issue_round_run(unit=data["brigade"], season=SEASON)
        print(f"   second round (everyone served)      {time.perf_counter() - started:7.3f} s  "
              f"issued {again.issued_count}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
