"""Benchmark: compliance evaluation of a province-sized bureau on PostgreSQL.

Default: 2 detachments, 10 brigades, 100 squadrons, 3,000 officers, 100,000 assets; --full: the issue's size
(13 detachments, 100 brigades, 1,000 squadrons, 30,000 officers, 1,000,000 assets). Loads a scratch database
beside QM_DATABASE_URL's with COPY (units, people and their history, assets with their receive/issue events,
vehicles, a week of dock offloads), then prints the median seconds to evaluate the whole province and one brigade,
today and as of past dates. Target at full size: province < 2 s, one brigade < 100 ms, today and 30 days back.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

from bench.common import on_postgresql, scratch_database, setup_django

CATEGORIES = (  # (category, items, share)
    ("uniform", ("春秋执勤服", "夏执勤服", "冬执勤服", "皮鞋", "帽"), 0.34),
    ("insignia", ("肩章", "帽徽", "胸号"), 0.12), ("certificate", ("行政执法证",), 0.03),
    ("recorder", ("执法记录仪",), 0.03), ("mobile_terminal", ("执法通",), 0.03), ("radio", ("对讲机",), 0.02),
    ("protective", ("多功能腰带", "防刺背心", "防割手套", "钢盔", "水壶", "防护眼镜", "手电筒", "反光背心",
                    "警示隔离设备"), 0.33),
    ("office", ("计算机", "电话", "传真机", "复（打）印机", "扫描仪"), 0.08), ("storage", ("移动存储设备",), 0.01),
    ("camera", ("摄像机",), 0.005), ("info_system", ("车载台",), 0.005), ("seal", ("公章",), 0.001),
    ("aux_card", ("协管人员工作证",), 0.002), ("aux_uniform", ("协管制服",), 0.004),
)
PERSONAL = ("uniform", "insignia", "certificate", "recorder", "mobile_terminal", "radio", "protective", "seal")
EXPIRING = ("certificate", "aux_card")


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def load(*, detachments: int, brigades: int, squadrons: int, officers: int, assets: int, seed: int = 11) -> dict:
    """Fills the (empty, migrated) database; returns what it wrote."""
    from django.db import connection

    rng = random.Random(seed)
    today = dt.date.today()
    now = dt.datetime.now(dt.UTC)
    units = [(1, "P", "省城市管理局", "bureau", None, 80_000_000, "/P/", 0)]
    det_ids = []
    for d in range(detachments):
        uid = len(units) + 1
        units.append((uid, f"P-D{d:02d}", f"第{d}支队", "detachment", 1, 6_000_000, f"/P/P-D{d:02d}/", 1))
        det_ids.append(uid)
    brigade_ids = []
    for b in range(brigades):
        parent = units[det_ids[b % detachments] - 1]
        uid = len(units) + 1
        code = f"{parent[1]}-B{b:03d}"
        units.append((uid, code, f"第{b}大队", "brigade", parent[0], 600_000, f"{parent[6]}{code}/", 2))
        brigade_ids.append(uid)
    squadron_ids = []
    for s in range(squadrons):
        parent = units[brigade_ids[s % brigades] - 1]
        uid = len(units) + 1
        code = f"{parent[1]}-S{s:04d}"
        units.append((uid, code, f"第{s}中队", "squadron", parent[0], None, f"{parent[6]}{code}/", 3))
        squadron_ids.append(uid)

    people = []  # (id, unit, role, status, frontline)
    auxiliaries = officers // 10
    for i in range(officers + auxiliaries):
        role = "officer" if i < officers else "auxiliary"
        status = "retired" if i % 101 == 0 else "suspended" if i % 211 == 0 else "active"
        people.append((i + 1, squadron_ids[i % squadrons], role, status, i % 10 != 0))
    officer_ids = [p for p in people if p[2] == "officer" and p[3] == "active"]
    auxiliary_ids = [p for p in people if p[2] == "auxiliary" and p[3] == "active"]

    with connection.cursor() as cur:
        raw = cur.cursor
        written = {"units": _copy(raw, "assets_orgunit",
                                  ("id", "code", "name", "kind", "parent_id", "population", "path", "depth"), units)}
        written["people"] = _copy(raw, "assets_person", (
            "id", "staff_no", "name", "unit_id", "role", "frontline", "status", "cert_no", "cert_expires",
            "badge_no", "created_at", "updated_at"), (
            (pid, f"S{pid:06d}", f"人员{pid}", unit, role, front, status, f"JS{pid:08d}" if role == "officer" else "",
             today + dt.timedelta(days=rng.randint(-30, 900)) if role == "officer" else None, None, now, now)
            for pid, unit, role, status, front in people))
        written["history"] = _copy(raw, "assets_personhistory", (
            "person_id", "effective", "unit_id", "role", "frontline", "status", "recorded_at"), (
            (pid, today - dt.timedelta(days=800), unit, role, front, status, now)
            for pid, unit, role, status, front in people))

        weights = [c[2] for c in CATEGORIES]
        asset_rows, event_rows, issued_recorders = [], [], []
        event_id = 0
        for aid in range(1, assets + 1):
            category, items, _ = rng.choices(CATEGORIES, weights)[0]
            item = rng.choice(items)
            roll = rng.random()
            acquired = today - dt.timedelta(days=rng.randint(30, 2500))
            received = dt.datetime.combine(acquired, dt.time(9), tzinfo=dt.UTC)
            holder, issued_at = None, None
            expires = today + dt.timedelta(days=rng.randint(-60, 1500)) if category in EXPIRING else None
            if category in PERSONAL + ("aux_card", "aux_uniform") and roll < 0.8:
                person = rng.choice(auxiliary_ids if category.startswith("aux_") else officer_ids)
                unit, status, holder = person[1], "issued", person[0]
            else:
                unit = rng.choice(squadron_ids if roll < 0.9 else brigade_ids)
                status = "in_stock" if roll < 0.97 else rng.choice(("in_repair", "lost", "retired"))
            moved_at = received + dt.timedelta(days=rng.randint(1, 20))
            if status == "issued":
                issued_at = moved_at
            asset_rows.append((aid, f"A{aid:08d}", category, item, unit, "", "", "", acquired,
                               4 if category == "uniform" else None, status, holder, None, expires, issued_at,
                               now, now))
            event_id += 1
            event_rows.append((event_id, aid, "receive", received, now, None, unit, "in_stock", unit, None, expires))
            if status != "in_stock":
                event_id += 1
                action = {"issued": "issue", "in_repair": "repair_out", "lost": "report_lost",
                          "retired": "retire"}[status]
                event_rows.append((event_id, aid, action, moved_at, now, holder, None, status, unit, holder,
                                   expires))
            if category == "recorder" and status == "issued":
                issued_recorders.append(f"A{aid:08d}")
        written["assets"] = _copy(raw, "assets_asset", (
            "id", "tag", "category_id", "item", "unit_id", "serial", "model", "size", "acquired", "service_years",
            "status", "holder_person_id", "holder_unit_id", "expires", "issued_at", "created_at", "updated_at",
            "finance_card_no"), ((*row, "") for row in asset_rows))
        written["events"] = _copy(raw, "assets_custodyevent", (
            "id", "asset_id", "action", "occurred_at", "recorded_at", "person_id", "unit_id", "status_after",
            "unit_after_id", "holder_person_after_id", "expires_after", "receipt_no", "note", "username",
            "source"), (
            (*e, "", "", "bench", "import") for e in event_rows))
        del asset_rows, event_rows
        written["vehicles"] = _copy(raw, "telematics_vehicle", (
            "plate", "vin", "unit_id", "seats", "vehicle_type", "livery_compliant", "livery_photo", "status",
            "acquired", "insurance_expires", "inspection_expires", "created_at", "updated_at"), (
            (f"苏Z·{v:05d}", f"VIN{v:014d}", rng.choice(brigade_ids + squadron_ids), rng.choice((2, 5, 7)), "轿车",
             v % 17 != 0, "", "in_service" if v % 23 else "in_repair", today - dt.timedelta(days=900),
             today + dt.timedelta(days=rng.randint(-20, 300)), today + dt.timedelta(days=rng.randint(-20, 300)),
             now - dt.timedelta(days=900), now) for v in range(squadrons * 3)))
        written["dock_offloads"] = _copy(raw, "tracking_dockoffload", (
            "dock_id", "recorder_tag", "recorded_on", "ts", "files", "bytes", "received_at"), (
            ("D1", tag, today - dt.timedelta(days=back), now - dt.timedelta(days=back), 3, 1_000_000, now)
            for tag in issued_recorders for back in range(10) if rng.random() < 0.97))
        # Duty hours: the province's weekdays (recorders held by officers are in use on duty days).
        written["duty_schedules"] = _copy(raw, "telematics_dutyschedule", (
            "unit_id", "weekdays", "start", '"end"'),
            [(1, "1,2,3,4,5", dt.time(8), dt.time(18))])
        for table in ("assets_orgunit", "assets_person", "assets_personhistory", "assets_asset",
                      "assets_custodyevent"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cur.execute("VACUUM ANALYZE")  # sets the visibility map, as autovacuum would on a live database
    return written


def _time(label: str, fn, target: float | None = None, repeat: int = 5) -> float:
    """Runs `fn` `repeat` times; prints and returns the median seconds (the fastest run beside it)."""
    seconds = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    rows = len(result.data["results"])
    goal = f"  (target < {target:g} s)" if target else ""
    print(f"   {label:<36} {median:7.3f} s median of {repeat} (fastest {min(seconds):.3f})  {rows:6,} rows{goal}",
          flush=True)
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="13 detachments, 100 brigades, 1,000 squadrons, "
                                                            "30,000 officers, 1,000,000 assets")
    parser.add_argument("--keepdb", action="store_true",
                        help="keep the scratch database afterwards and reuse a loaded one (for profiling)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; the median is reported")
    args = parser.parse_args(argv)
    size = (dict(detachments=13, brigades=100, squadrons=1000, officers=30_000, assets=1_000_000) if args.full
            else dict(detachments=2, brigades=10, squadrons=100, officers=3_000, assets=100_000))

    setup_django()
    from django.utils import timezone

    from assets.models import OrgUnit
    from compliance.services import compliance_report

    if not on_postgresql():
        return 0
    with scratch_database("compliance", keepdb=args.keepdb):
        if not OrgUnit.objects.exists():
            started = time.monotonic()
            written = load(**size)
            print(f"   loaded {', '.join(f'{v:,} {k}' for k, v in written.items())} in "
                  f"{time.monotonic() - started:.1f} s", flush=True)
        root = OrgUnit.objects.get(code="P")
        brigade = OrgUnit.objects.filter(kind="brigade").order_by("code").first()
        today = timezone.localdate()
        past, year_ago = today - dt.timedelta(days=30), today - dt.timedelta(days=365)
        full, repeat = args.full, args.repeat

        def report(unit, standard, day):
            return lambda: compliance_report(unit=unit, standard_id=standard, as_of=day)

        province_goal, brigade_goal = (2, 0.1) if full else (None, None)
        _time("province, jiangsu, today", report(root, "jiangsu", today), province_goal, repeat)
        _time("province, model, today", report(root, "model", today), province_goal, repeat)
        _time(f"brigade {brigade.code}, jiangsu, today", report(brigade, "jiangsu", today), brigade_goal, repeat)
        _time(f"province, jiangsu, as of {past}", report(root, "jiangsu", past), province_goal, repeat)
        _time(f"brigade, jiangsu, as of {past}", report(brigade, "jiangsu", past), brigade_goal, repeat)
        # A year back most of the ledger has moved since: the past-date path's cost grows with those movements.
        _time(f"province, jiangsu, as of {year_ago}", report(root, "jiangsu", year_ago), None, repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
