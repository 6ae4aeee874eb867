"""`qm track` and GET /api/v1/vehicles/{id}/track/: fixes in time order following the terminal bindings; JSON, CSV
and GPX 1.1 (parsed back); failures exit non-zero with the reason on stderr."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quartermaster.dburl import connection_url
from tests.support.fixtures import make_user
from tests.telematics.factories import make_vehicle

from .conftest import at, store

DAY = dt.date(2026, 11, 10)
HOME = (119.95, 31.78)
ROOT = Path(__file__).resolve().parents[3]
GPX = "{http://www.topografix.com/GPX/1/1}"


@pytest.fixture
def swap(bureau):
    """A0001 carries T1 from 07:00 and T2 from 09:00 on; T1 goes to A0002 at 10:00. Each terminal reports on the
    hour (T1 at 08:00, 09:30, 10:30; T2 at 09:15, 10:15) — the ingest's own attribution left empty on purpose."""
    from telematics import services

    units = bureau["units"]
    a = make_vehicle(units["CZ-TN-01"], plate="苏D·A0001")
    b = make_vehicle(units["CZ-TN-02"], plate="苏D·A0002", vin="LSVAB2BM5KN000002")
    services.vehicle_bind_terminal(vehicle=a, terminal_id="T1", at=at(DAY, "07:00"))
    services.vehicle_bind_terminal(vehicle=a, terminal_id="T2", at=at(DAY, "09:00"))
    services.vehicle_bind_terminal(vehicle=b, terminal_id="T1", at=at(DAY, "10:00"))
    store("T1", None, [(at(DAY, "08:00"), HOME, 10.0), (at(DAY, "09:30"), HOME, 0.0), (at(DAY, "10:30"), HOME, 20.0)])
    store("T2", None, [(at(DAY, "09:15"), (119.951, 31.781), 33.5), (at(DAY, "10:15"), (119.952, 31.782), None)])
    return {"a": a, "b": b}


def run(*args) -> bytes:
    out = io.StringIO()
    call_command("track", *args, stdout=out)
    return out.getvalue().encode()


def test_a_plate_follows_its_terminal_bindings_in_time_order(swap):
    fixes = json.loads(run("苏D·A0001"))
    assert [(f["terminal"], f["ts"]) for f in fixes] == [
        ("T1", "2026-11-10T08:00:00+08:00"), ("T2", "2026-11-10T09:15:00+08:00"), ("T2", "2026-11-10T10:15:00+08:00")]
    assert fixes[1] == {"terminal": "T2", "ts": "2026-11-10T09:15:00+08:00", "lat": 31.781, "lon": 119.951,
                        "speed": 33.5, "heading": 90.0}
    assert [f["ts"][11:16] for f in json.loads(run("苏D·A0002"))] == ["10:30"]


def test_a_terminal_gives_all_its_fixes_and_the_period_bounds_them(swap):
    assert [f["ts"][11:16] for f in json.loads(run("T1"))] == ["08:00", "09:30", "10:30"]
    # --from inclusive, --to exclusive; local time without an offset.
    assert [f["ts"][11:16] for f in json.loads(run("T1", "--from", "2026-11-10T09:30", "--to",
                                                   "2026-11-10T10:30"))] == ["09:30"]
    assert len(json.loads(run("苏D·A0001", "--from", "2026-11-10", "--to", "2026-11-10"))) == 3
    assert json.loads(run("苏D·A0001", "--from", "2026-11-11")) == []


def test_the_binary_read_gives_what_the_orm_reads(swap):
    """track_fixes reads PostgreSQL's binary results on a cursor of its own: the same values and types as the ORM's
    (a missing speed stays None, times are aware and in UTC)."""
    from telematics.journeys.track import Subject, track_fixes
    from telematics.tracking.models import Position

    fixes = track_fixes(Subject(vehicle=None, terminal="T2"))
    orm = list(Position.objects.filter(terminal="T2").order_by("ts").values_list(
        "terminal", "ts", "lat", "lon", "speed", "heading", "grid_code"))
    assert [tuple(f) for f in fixes] == orm and len(orm) == 2
    assert [f.speed for f in fixes] == [33.5, None]
    assert all(f.ts.utcoffset() == dt.timedelta(0) for f in fixes)
    assert [type(v) for v in fixes[0]] == [type(v) for v in orm[0]]


def test_csv_and_gpx(swap, tmp_path):
    rows = list(csv.DictReader(io.StringIO(run("苏D·A0001", "--format", "csv").decode())))
    assert [r["terminal"] for r in rows] == ["T1", "T2", "T2"]
    assert rows[2] == {"terminal": "T2", "ts": "2026-11-10T10:15:00+08:00", "lat": "31.782", "lon": "119.952",
                       "speed": "", "heading": "90.0"}
    target = tmp_path / "a.gpx"
    assert run("苏D·A0001", "--format", "gpx", "--output", str(target)) == b""
    root = ET.parse(target).getroot()
    assert root.tag == f"{GPX}gpx" and root.get("version") == "1.1"
    segments = root.findall(f"{GPX}trk/{GPX}trkseg")
    assert [len(s.findall(f"{GPX}trkpt")) for s in segments] == [1, 2]  # one segment per terminal run
    point = segments[1].find(f"{GPX}trkpt")
    assert (point.get("lat"), point.get("lon")) == ("31.781", "119.951")
    assert point.find(f"{GPX}time").text == "2026-11-10T01:15:00Z"
    speed = point.find(f"{GPX}extensions").find("{http://www.garmin.com/xmlschemas/TrackPointExtension/v2}"
                                                "TrackPointExtension")[0]
    assert float(speed.text) == pytest.approx(33.5 / 3.6, abs=0.01)
    assert root.find(f"{GPX}trk/{GPX}name").text == "苏D·A0001"


def test_bad_input_is_refused(swap):
    with pytest.raises(CommandError, match="没有车牌号为 NOPE 的车辆"):
        run("NOPE")
    with pytest.raises(CommandError, match="不是 ISO 格式的日期"):
        run("T1", "--from", "yesterday")
    with pytest.raises(CommandError, match="结束须晚于开始"):
        run("T1", "--from", "2026-11-10T10:00", "--to", "2026-11-10T09:00")
    # Well-formed but impossible: refused with the reason like any other bad date, not a ValueError's traceback.
    for flag, value in (("--from", "2026-13-45"), ("--to", "2026-02-30T10:00")):
        with pytest.raises(CommandError, match=f"{flag} {value} 不是 ISO 格式的日期"):
            run("T1", flag, value)
        with pytest.raises(CommandError, match=f"{flag} {value} 不是 ISO 格式的日期"):
            call_command("trips", "T1", flag, value, stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"Give a plate or terminal id, or --unit CODE \(not both\)"):
        call_command("trips", "--lang", "en", stdout=io.StringIO())  # --lang's language, before any lookup too


@pytest.mark.django_db(transaction=True)
def test_the_console_script_exits_non_zero_with_the_reason_on_stderr_in_its_language(bureau):
    """Chinese by default; English with QM_LANGUAGE=en or a leading --lang en (SPEC "Command line")."""
    env = {**os.environ, "QM_DATABASE_URL": connection_url()}
    env.pop("QM_LANGUAGE", None)

    def qm(*args, **extra):
        return subprocess.run([str(ROOT / ".venv/bin/qm"), *args], env={**env, **extra}, capture_output=True,
                              text=True, check=False, cwd=ROOT, timeout=120)

    done = qm("track", "苏D·NONE")
    assert done.returncode != 0
    assert "没有车牌号为 苏D·NONE 的车辆" in done.stderr and done.stdout == ""
    for english in (qm("track", "苏D·NONE", QM_LANGUAGE="en"), qm("--lang", "en", "track", "苏D·NONE")):
        assert english.returncode != 0 and english.stdout == ""
        assert "No vehicle with plate 苏D·NONE and no terminal 苏D·NONE" in english.stderr
        assert "车辆" not in english.stderr and "没有" not in english.stderr


def test_the_api_is_scoped_and_offers_the_formats(bureau, swap, api_client_for):
    a, b = swap["a"], swap["b"]
    fleet = api_client_for(make_user("fleet01", "fleet", bureau["units"]["CZ-TN-01"]))
    body = fleet.get(f"/api/v1/vehicles/{a.pk}/track/", {"from": "2026-11-10T09:00"}).json()
    assert body["plate"] == "苏D·A0001" and [f["terminal"] for f in body["fixes"]] == ["T2", "T2"]
    assert fleet.get(f"/api/v1/vehicles/{b.pk}/track/").status_code == 404  # CZ-TN-02 is outside CZ-TN-01
    response = fleet.get(f"/api/v1/vehicles/{a.pk}/track/", {"format": "gpx"})
    assert response.status_code == 200 and response["Content-Type"] == "application/gpx+xml"
    assert len(ET.fromstring(response.content).findall(f".//{GPX}trkpt")) == 3
    response = fleet.get(f"/api/v1/vehicles/{a.pk}/track/", {"format": "csv"})
    assert response.content.decode().splitlines()[0] == "terminal,ts,lat,lon,speed,heading"
    assert fleet.get(f"/api/v1/vehicles/{a.pk}/track/", {"from": "soon"}).status_code == 400
    assert api_client_for(make_user("nobody", None)).get(f"/api/v1/vehicles/{a.pk}/track/").status_code in (403, 404)
