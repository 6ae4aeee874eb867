"""Benchmark: `qm import` of a generated bureau workbook (default 10,000 assets; --full 100,000 assets, 20,000 people).

Generates the XLSX, creates a scratch PostgreSQL database beside QM_DATABASE_URL's, runs the real CLI on it
twice (the second run must write nothing) and prints rows/s and the import process's peak RSS.
Target at full size: under 60 s and under 1 GB.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import on_postgresql, scratch_database, setup_django

CATEGORIES = (  # (category, item, share of assets, officer only)
    ("uniform", "春秋执勤服", 0.30, True), ("insignia", "肩章", 0.12, True), ("certificate", "行政执法证", 0.05, True),
    ("recorder", "执法记录仪", 0.08, False), ("mobile_terminal", "执法通", 0.08, False), ("radio", "对讲机", 0.07, False),
    ("protective", "防刺背心", 0.20, False), ("office", "计算机", 0.08, False), ("storage", "移动存储设备", 0.02, False),
)


def generate(path: Path, *, assets: int, people: int, seed: int = 7) -> int:
    """Writes the workbook; returns its number of data rows."""
    from workbook.writer import write_workbook

    rng = random.Random(seed)
    brigades = [f"B{b:02d}" for b in range(10)]
    squadrons = [f"{b}-{s:02d}" for b in brigades for s in range(10)]
    units = [["BJ", "基准市城市管理局", "bureau", "", 9_000_000], ["BJ-ZD", "执法支队", "detachment", "BJ", None]]
    units += [[b, f"{b}大队", "brigade", "BJ-ZD", 800_000] for b in brigades]
    units += [[s, f"{s}中队", "squadron", s.split("-")[0], None] for s in squadrons]
    staff = []  # (staff_no, unit, officer?)
    personnel = []
    for i in range(people):
        unit = squadrons[i % len(squadrons)]
        officer = i % 5 != 4
        status = "retired" if i % 97 == 0 else "active"
        staff.append((f"S{i:06d}", unit, officer))
        personnel.append([f"S{i:06d}", f"人员{i}", unit, "officer" if officer else "auxiliary", i % 10 != 0, status,
                          f"JS{i:08d}" if officer else "", dt.date(2028, 1, 1) if officer else None,
                          f"B{i:07d}" if officer else ""])
    officers = [s for s in staff if s[2]]
    weights = [c[2] for c in CATEGORIES]

    def asset_rows():
        for i in range(assets):
            category, item, _share, officer_only = rng.choices(CATEGORIES, weights)[0]
            roll = rng.random()
            holder, status = "", "in_stock"
            if roll < 0.75:
                person = rng.choice(officers if officer_only else staff)
                holder, status, unit = person[0], "issued", person[1]
            else:
                unit = rng.choice(squadrons)
                if not officer_only and roll < 0.85:
                    status = "issued"
                elif roll > 0.98:
                    status = rng.choice(("in_repair", "lost", "retired"))
            yield [f"A{i:07d}", category, item, unit, holder, status, f"SN{i:09d}", "M-1", "",
                   dt.date(2020 + i % 6, 1 + i % 12, 1 + i % 28), 4]

    write_workbook(path, {"units": units, "personnel": personnel, "assets": asset_rows()})
    return len(units) + len(personnel) + assets


def _run_import(path: Path, env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the import process, its summary). On a shared machine the wall time
    includes waiting for a core; the CPU time says what the import itself costs (PostgreSQL's not included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "quartermaster.cli", "import", str(path), "--quiet"], env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"qm import failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu, done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="100,000 assets and 20,000 people (the issue's size)")
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000)
    args = parser.parse_args(argv)
    if args.full:
        args.assets, args.people = 100_000, 20_000

    setup_django()

    if not on_postgresql("the benchmark imports into PostgreSQL"):
        return 0
    with tempfile.TemporaryDirectory(prefix="qm-bench-") as tmp:
        path = Path(tmp) / "bureau.xlsx"
        started = time.monotonic()
        rows = generate(path, assets=args.assets, people=args.people)
        print(f"   generated {rows:,} rows ({args.assets:,} assets, {args.people:,} people) in "
              f"{time.monotonic() - started:.1f} s, {path.stat().st_size / 1e6:.1f} MB XLSX", flush=True)
        from quartermaster.dburl import connection_url

        with scratch_database("import") as name:
            env = {**os.environ, "QM_DATABASE_URL": connection_url(name)}
            elapsed, cpu, summary = _run_import(path, env)
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"   import:    {elapsed:6.1f} s  {rows / elapsed:9,.0f} rows/s  (CPU {cpu:.1f} s)  peak RSS "
                  f"{peak_mb:,.0f} MB (target < 60 s, < 1024 MB); load average {os.getloadavg()[0]:.1f}", flush=True)
            again, cpu_again, summary_again = _run_import(path, env)
            print(f"   re-import: {again:6.1f} s  {rows / again:9,.0f} rows/s  (CPU {cpu_again:.1f} s)  "
                  f"({summary_again.split('. ', 1)[-1]})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
