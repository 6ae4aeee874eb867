"""A dock report published over the real Mosquitto, through the ingest process: the recorder out on a shift comes
back into stock at the report's time; a recorder issued for keeps stays with its officer; each report becomes a
footage record of the officer who held the recorder, with its access log's first line."""
import datetime as dt

import pytest
from django.utils import timezone

from assets import services as registry
from assets.models import Asset, CustodyEvent
from recorders import services
from recorders.models import FootageAccessLog, FootageRecord
from telematics.tracking.models import DockOffload
from tests.telematics.tracking.conftest import wait_until

from .conftest import recorder

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]


def test_the_ingest_signs_a_docked_recorder_back_in(seeded, bureau, ingest, publisher):
    units = bureau["units"]
    recorder(units["CZ-TN-01"], "REC-1")
    recorder(units["CZ-TN-01"], "REC-2")
    out_at = timezone.now() - dt.timedelta(hours=3)
    services.shift_sign_out(card="P001", tag="REC-1", at=out_at)
    registry.asset_issue(asset=Asset.objects.get(tag="REC-2"), person=bureau["officer"], at=out_at)
    docked = (timezone.now() - dt.timedelta(minutes=5)).replace(microsecond=0)
    ingest()
    pub = publisher()
    for tag in ("REC-1", "REC-2"):
        pub.send("qm/docks/D01/offload", {"ts": timezone.localtime(docked).isoformat(), "recorder": tag,
                                          "recorded_on": timezone.localdate(docked).isoformat(), "files": 3,
                                          "bytes": 1000})
    wait_until(lambda: DockOffload.objects.count() == 2, what="both dock reports stored")
    assert dict(Asset.objects.filter(tag__in=["REC-1", "REC-2"]).values_list("tag", "status")) == {
        "REC-1": "in_stock", "REC-2": "issued"}
    back = CustodyEvent.objects.filter(asset__tag="REC-1").order_by("-occurred_at", "-id").first()
    assert (back.action, back.occurred_at, back.note, back.source) == ("shift_in", docked, "dock D01", "ingest")
    footage = FootageRecord.objects.order_by("asset__tag").values_list("asset__tag", "person__staff_no", "recorded_on",
                                                                       "recording_type")
    assert list(footage) == [(tag, "P001", timezone.localdate(docked), "daily_duty") for tag in ("REC-1", "REC-2")]
    assert list(FootageAccessLog.objects.values_list("action", "note")) == [("stored", "D01")] * 2
