"""Benchmark: how long each role's start page (`/`) takes to render for the sample bureau on PostgreSQL.

Loads the sample bureau workbook (15 units, 150 people, ~2,400 assets, 50 vehicles) into a scratch database
beside QM_DATABASE_URL's, gives every vehicle a fix in the last minute and a few an open alert, then renders the
start page of each role (bureau-wide and one brigade) through Django's test client and prints the median time.
The issue names no size for start pages: --full renders each page more often, nothing else changes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import on_postgresql, scratch_database, setup_django


def _load() -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from telematics.models import Vehicle
    from telematics.tracking.models import Alert, Position
    from workbook.sample_bureau import build_sample_workbook

    with tempfile.TemporaryDirectory() as folder:
        path = build_sample_workbook(Path(folder) / "sample.xlsx")
        call_command("import", str(path), verbosity=0)
    now = timezone.now()
    vehicles = list(Vehicle.objects.exclude(terminal_id=None).exclude(terminal_id=""))
    Position.objects.bulk_create(
        Position(terminal=v.terminal_id, ts=now - dt.timedelta(seconds=30), vehicle=v, lat=31.78, lon=119.95,
                 speed=float(i % 3) * 20, heading=90.0, received_at=now) for i, v in enumerate(vehicles))
    Alert.objects.bulk_create(
        Alert(vehicle=v, terminal=v.terminal_id, kind="venue_parking", started_at=now - dt.timedelta(minutes=20),
              clause="bench", venue="bench") for v in vehicles[:5])


def _median_ms(client, repeat: int) -> tuple[float, int]:
    client.get("/")  # warm: templates, catalogues, standards
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get("/")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), response.status_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="render each page 20 times instead of 5")
    args = parser.parse_args(argv)
    repeat = 20 if args.full else 5

    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from assets.models import OrgUnit, Profile

    if not on_postgresql():
        return 0
    setup_test_environment()  # the test client on a plain settings module (ALLOWED_HOSTS, no e-mail)
    with scratch_database("start"):
        started = time.monotonic()
        _load()
        print(f"   loaded the sample bureau in {time.monotonic() - started:.1f} s", flush=True)
        bureau, brigade = OrgUnit.objects.get(code="CZ"), OrgUnit.objects.get(code="CZ-TN")
        for role in ("logistics", "fleet", "auditor", "administrator"):
            for unit in (bureau, brigade):
                user = get_user_model().objects.create_user(username=f"bench-{role}-{unit.code}", is_staff=True)
                Profile.objects.create(user=user, role=role, unit=unit)
                client = Client()
                client.force_login(user)
                ms, status = _median_ms(client, repeat)
                print(f"   {role:<13} {unit.code:<6} median {ms:7.1f} ms over {repeat} renders (HTTP {status})",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
