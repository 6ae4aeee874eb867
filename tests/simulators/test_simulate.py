"""`qm simulate --dry-run`: the message stream is reproducible from the seed, byte for byte, and scenario files
are checked on load with the file, event and field named."""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from quartermaster.errors import DomainError
from simulators.engine import write_jsonl
from simulators.plan import CST
from simulators.runner import RunRequest, build
from simulators.scenarios import parse_scenario

# Every transport and format behaviour between 09:00 and 12:00: arrays, duplicates, shuffles, GCJ-02, OwnTracks,
# junk, an excursion to a restaurant.
SCENARIO = """
name: transports
start: 2026-11-18T07:00:00+08:00
events:
  - {type: dead_zone, vehicle: T0001, at: "10:30", duration: 20m}
  - {type: duplicates, vehicle: T0002, at: "09:30", duration: 10m}
  - {type: out_of_order, vehicle: T0003, at: "11:00", duration: 15m}
  - {type: gcj02, vehicle: T0004}
  - {type: owntracks, vehicle: T0005, user: wangqiang, device: phone}
  - {type: venue_visit, vehicle: T0006, at: "10:00", category: restaurant, dwell: 30m}
  - {type: malformed, at: "09:00", reason: bad_json, count: 2}
  - {type: malformed, at: "09:05", reason: future_timestamp}
"""


START = dt.datetime(2026, 11, 18, 9, tzinfo=CST)


def scenario_file(tmp_path) -> Path:
    path = tmp_path / "transports.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def dry_run_command(tmp_path, seed: int) -> bytes:
    out = tmp_path / f"cli-{seed}.jsonl"
    call_command("simulate", "--vehicles", "8", "--city", "sample", "--seed", str(seed), "--start", START.isoformat(),
                 "--duration", "3h", "--no-truth", "--dry-run", str(out), "--scenario", str(scenario_file(tmp_path)))
    return out.read_bytes()


def dry_run(tmp_path, seed: int, city_map) -> bytes:
    """The same run in this process, on the session's (identical) sample city, from fresh objects."""
    out = tmp_path / f"run-{seed}-{len(list(tmp_path.iterdir()))}.jsonl"
    sim = build(RunRequest(start=START, duration=dt.timedelta(hours=3), seed=seed, vehicles=8,
                           scenario_files=(str(scenario_file(tmp_path)),)), city=city_map)
    write_jsonl(sim.messages(), out)
    return out.read_bytes()


def test_the_same_seed_gives_a_byte_identical_stream_and_another_seed_another(tmp_path, city_map):
    first = dry_run_command(tmp_path, 7)
    second = dry_run(tmp_path, 7, city_map)
    other = dry_run(tmp_path, 8, city_map)
    assert first == second
    assert first != other
    rows = [json.loads(line) for line in first.decode().splitlines()]
    topics = {r["topic"] for r in rows}
    assert len(rows) > 500
    assert "owntracks/wangqiang/phone" in topics and "qm/terminals/T0008/position" in topics
    assert any(r["payload"].startswith("[") for r in rows)  # the dead zone's buffer flushed as an array
    assert any('"crs":"gcj02"' in r["payload"] for r in rows)
    assert any('"ts":"2099-' in r["payload"] for r in rows)  # the future timestamp
    assert [r["t"] for r in rows] == sorted(r["t"] for r in rows)


def test_a_bad_scenario_is_refused_naming_the_event_and_field():
    with pytest.raises(DomainError) as excinfo:
        parse_scenario({"start": "2026-11-18T07:00:00+08:00", "events": [
            {"type": "silence", "vehicle": "T0001", "at": "13:00", "duration": "50m"},
            {"type": "venue_visit", "vehicle": "T0002", "at": "25:00", "category": "restaurant", "dwell": "1h"}]},
            name="bad.yaml")
    assert excinfo.value.field == "at"
    assert excinfo.value.in_language("zh-hans").startswith("bad.yaml：第 2 个事件：at “25:00”不是 HH:MM 格式的时刻")
    assert excinfo.value.in_language("en").startswith("bad.yaml: event 2: at “25:00” is not a time of day HH:MM")
    with pytest.raises(DomainError) as excinfo:
        parse_scenario({"start": "2026-11-18T07:00:00+08:00", "events": [{"type": "teleport"}]}, name="x")
    assert "未知的类型“teleport”" in excinfo.value.in_language("zh-hans")
    assert "unknown type “teleport”" in excinfo.value.in_language("en")


def test_the_command_reports_progress_in_the_operators_language(tmp_path):
    """Chinese by default, English with qm --lang en / QM_LANGUAGE=en (the demo's handshake line stays as it is)."""
    args = ["simulate", "--vehicles", "1", "--city", "sample", "--start", START.isoformat(), "--duration", "2m",
            "--no-docks", "--dry-run", str(tmp_path / "x.jsonl")]
    chinese, english = io.StringIO(), io.StringIO()
    call_command(*args, stderr=chinese)
    with translation.override("en"):
        call_command(*args, stderr=english)
    count = len((tmp_path / "x.jsonl").read_text().splitlines())
    assert f"已将 {count} 条消息写入 {tmp_path / 'x.jsonl'}" in chinese.getvalue()
    assert f"wrote {count} messages to {tmp_path / 'x.jsonl'}" in english.getvalue()


def test_the_command_refuses_a_missing_scenario_file(tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("simulate", "--vehicles", "2", "--city", "sample", "--dry-run", str(tmp_path / "x.jsonl"),
                     "--scenario", str(tmp_path / "nowhere.yaml"))
    assert not (tmp_path / "x.jsonl").exists()


def test_the_command_refuses_an_unwritable_dry_run_file_and_a_gateway_without_port(tmp_path):
    """Both used to end in a traceback (FileNotFoundError, ValueError from int())."""
    with pytest.raises(CommandError, match=f"无法写入 {tmp_path / 'none' / 'x.jsonl'}："):
        call_command("simulate", "--vehicles", "1", "--city", "sample", "--start", START.isoformat(),
                     "--duration", "2m", "--no-docks", "--dry-run", str(tmp_path / "none" / "x.jsonl"))
    with pytest.raises(CommandError, match="应为 HOST:PORT"):
        call_command("simulate", "--protocol", "jt808", "--jt808", "gateway", "--dry-run", str(tmp_path / "x.jsonl"))


@pytest.mark.mqtt
@pytest.mark.parametrize("days_ago, noted", [(40, True), (2, False)])
def test_a_simulation_older_than_the_fix_age_limit_says_how_to_replay_it(mqtt_url, settings, days_ago, noted):
    settings.QM_MAX_FIX_AGE_DAYS = 30
    start = (dt.datetime.now(CST) - dt.timedelta(days=days_ago)).replace(microsecond=0)
    err = io.StringIO()
    call_command("simulate", "--vehicles", "1", "--city", "sample", "--start", start.isoformat(), "--duration", "2m",
                 "--speed", "0", "--no-docks", "--mqtt", mqtt_url, stderr=err)
    assert ("请发往以 QM_MAX_FIX_AGE_DAYS=0 启动的接入服务" in err.getvalue()) is noted
    assert "已发布 " in err.getvalue() and "published" not in err.getvalue()
