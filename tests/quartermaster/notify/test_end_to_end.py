"""The whole path with real processes: fixes published to Mosquitto, `qm ingest` raising the alert (it writes only
the outbox row), then `qm notify --once` configured by QM_SMTP_* and sending to the local SMTP server and robot."""
import json
import os
import subprocess

import pytest

from quartermaster.dburl import connection_url
from quartermaster.notify import services
from quartermaster.notify.models import AlertNotice, Delivery
from telematics.tracking.models import Alert
from tests.telematics.tracking.conftest import DEPOT, OUTSIDE, ROOT, Route, local, wait_until

from .test_services import WEDNESDAY

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]


def test_fixes_over_mqtt_to_a_mail_and_a_robot_message(city, people, smtp, robots, ingest, publisher):
    tn = people["tn"]
    robot = services.robot_create(user=tn, channel="wecom", name="值班群", url=f"{robots.base}wecom/send?key=K-E2E")
    services.subscription_save(user=tn, name="全部", email=True, robots=[robot])
    ingest()
    pub = publisher()
    for f in Route(local(WEDNESDAY, "10:00"), DEPOT, 70).park(4).drive(OUTSIDE, 6).park(10, 20).drive(DEPOT, 6) \
            .park(10, 20).fixes:
        pub.send("qm/terminals/T0007/position", f)
    alert = wait_until(lambda: Alert.objects.filter(kind="out_of_jurisdiction").first(), 60, "the alert")
    wait_until(lambda: AlertNotice.objects.filter(alert=alert).exists(), 10, "the outbox row")
    assert not Delivery.objects.exists() and smtp.messages == [] and robots.received == []
    env = {**os.environ, "QM_DATABASE_URL": connection_url(), "QM_SMTP_HOST": "127.0.0.1",
           "QM_SMTP_PORT": str(smtp.port), "QM_SMTP_TLS": "none", "QM_MAIL_FROM": "fleet-alerts@bureau.test",
           "QM_NOTIFY_WEBHOOK_PREFIXES": robots.base, "QM_LOG_LEVEL": "WARNING"}
    done = subprocess.run([str(ROOT / ".venv/bin/qm"), "notify", "--once"], env=env, cwd=ROOT, capture_output=True, check=False,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["alerts"] == 1 and counts["deliveries"] == {"sent": 2, "retrying": 0, "failed": 0}
    (mail,) = smtp.to("tn@bureau.test")
    assert mail["From"] == "fleet-alerts@bureau.test" and "苏D·A0007" in mail["Subject"]
    (message,) = robots.received
    assert message["query"] == {"key": "K-E2E"} and "驶出辖区" in message["body"]["markdown"]["content"]
