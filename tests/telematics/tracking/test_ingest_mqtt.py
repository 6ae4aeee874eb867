"""The ingest end to end: a real paho publisher, a real Mosquitto, `qm ingest` as a process, PostgreSQL."""
import datetime as dt

import pytest

from telematics.tracking.models import Alert, Position

from .conftest import DEPOT, RESTAURANT, drive, local, park, wait_until

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
WEDNESDAY = dt.date(2026, 11, 18)


def test_lunch_at_a_restaurant_raises_one_venue_parking_alert(city, ingest, publisher):
    t0 = local(WEDNESDAY, "12:00")
    fixes = (drive(t0, DEPOT, RESTAURANT, minutes=4) + park(t0 + 250, RESTAURANT, minutes=15)
             + drive(t0 + 1160, RESTAURANT, DEPOT, minutes=4) + park(t0 + 1420, DEPOT, minutes=3))
    proc = ingest()
    pub = publisher()
    for f in fixes:
        pub.send("qm/terminals/T0001/position", f)
    wait_until(lambda: Position.objects.filter(terminal="T0001").count() == len(fixes), what="all fixes stored")
    alert = wait_until(lambda: Alert.objects.filter(kind="venue_parking", ended_at__isnull=False).first(),
                       what="venue alert closed")
    counters = proc.stop()
    assert counters["stored"] == len(fixes)
    assert Alert.objects.count() == 1
    assert alert.venue == "老街酒楼" and alert.venue_category == "restaurant"
    assert alert.vehicle == city["vehicles"]["V1"]
    assert alert.clause == "model 执法规范/执法行为/装备使用规范/1"
    assert 14 * 60 <= alert.dwell_s <= 16 * 60
    assert alert.evidence["track"] and alert.grid_code.startswith("3204020010010")
