"""Alerts from a terminal's own alarm word (JT/T 808 fixes' attrs): main power cut and antenna cut open an episode
each and close on the first fix without the bit; a terminal_silent that follows a power cut names it; the other
alarm bits are only recorded with the fix."""
import datetime as dt
import json

import pytest

from telematics.tracking.alarms import TerminalAlarms
from telematics.tracking.models import Alert, Position
from telematics.tracking.pipeline import Message, Pipeline

from .conftest import DEPOT, local

DAY = dt.date(2026, 11, 18)
POWER_CUT, ANTENNA_CUT, OVERSPEED, ILLEGAL_IGNITION = 1 << 8, 1 << 5, 1 << 1, 1 << 27


def send(pipeline: Pipeline, terminal: str, ts: float, alarm: int | None = None, lat_step: int = 0) -> None:
    fix = {"ts": ts, "lat": DEPOT[1] + lat_step * 1e-5, "lon": DEPOT[0], "speed": 0.0}
    if alarm is not None:
        fix["attrs"] = {"alarm": alarm, "status": 3}
    pipeline.process([Message(f"qm/terminals/{terminal}/position", json.dumps(fix).encode())])


@pytest.fixture(autouse=True)
def _no_age_limit(settings):
    settings.QM_MAX_FIX_AGE_DAYS = 0  # the fixes' fixed date may lie beyond the age limit one day


@pytest.mark.django_db
def test_power_and_antenna_cut_episodes_and_the_silence_they_explain(city):
    pipeline = Pipeline()
    t0 = local(DAY, "20:00")
    for k in range(5):
        send(pipeline, "T0001", t0 + 60 * k, alarm=OVERSPEED if k == 2 else 0)
    send(pipeline, "T0001", t0 + 300, alarm=POWER_CUT | ILLEGAL_IGNITION)
    send(pipeline, "T0001", t0 + 360, alarm=POWER_CUT | ANTENNA_CUT)
    for k in range(1, 50):  # T0001 silent for 49 minutes while T0002 reports
        send(pipeline, "T0002", t0 + 360 + 60 * k)
    power = Alert.objects.get(kind="terminal_power_cut")
    antenna = Alert.objects.get(kind="terminal_antenna_cut")
    silent = Alert.objects.get(kind="terminal_silent", vehicle=city["vehicles"]["V1"])
    assert (power.status, power.started_at.timestamp(), power.terminal) == ("open", t0 + 300, "T0001")
    assert power.evidence["alarms"] == ["power_cut", "illegal_ignition"] and power.clause
    assert (antenna.status, antenna.started_at.timestamp()) == ("open", t0 + 360)
    assert silent.evidence["explained_by"] == [
        {"kind": "terminal_antenna_cut", "started_at": antenna.started_at.isoformat()},
        {"kind": "terminal_power_cut", "started_at": power.started_at.isoformat()}]
    # ... and the map's alert panel shows it beside the silence
    from telematics.live.selectors import alert_row

    assert alert_row(silent)["explained_by"] == [
        {"kind": "terminal_antenna_cut", "label": "终端卫星天线断开", "started_at": antenna.started_at.isoformat()},
        {"kind": "terminal_power_cut", "label": "终端主电源掉电", "started_at": power.started_at.isoformat()}]
    assert alert_row(power)["explained_by"] == []
    # Power back: both episodes close at the first fix without the bits.
    send(pipeline, "T0001", t0 + 3400, alarm=0)
    power.refresh_from_db()
    antenna.refresh_from_db()
    assert (power.status, power.ended_at.timestamp(), power.dwell_s) == ("closed", t0 + 3400, 3100)
    assert (antenna.status, antenna.ended_at.timestamp()) == ("closed", t0 + 3400)
    # The other bits are kept with the fix only.
    overspeed = Position.objects.get(terminal="T0001", ts=dt.datetime.fromtimestamp(t0 + 120, dt.UTC))
    assert overspeed.attrs == {"alarm": OVERSPEED, "status": 3}
    assert set(Alert.objects.values_list("kind", flat=True)) == {"terminal_power_cut", "terminal_antenna_cut",
                                                                 "terminal_silent"}


@pytest.mark.django_db
def test_an_open_episode_survives_a_restart_and_fixes_without_a_word_are_ignored(city):
    t0 = local(DAY, "09:00")
    first = Pipeline()
    send(first, "T0003", t0, alarm=POWER_CUT)
    send(first, "T0004", t0)  # a plain MQTT fix: no alarm word, no episode
    restarted = Pipeline()  # a new ingest: the open episode is read back from the alerts table
    send(restarted, "T0003", t0 + 60, alarm=POWER_CUT)
    assert Alert.objects.filter(kind="terminal_power_cut").count() == 1
    send(restarted, "T0003", t0 + 120, alarm=0)
    alert = Alert.objects.get(kind="terminal_power_cut")
    assert (alert.status, alert.dwell_s) == ("closed", 120)
    assert TerminalAlarms().events([], []) == []
