"""Alerts to subscribers end to end: raised by the real ingest pipeline, fanned out by `qm notify`'s steps, sent to
a real SMTP server and the robot receiver; scope, retries with backoff, secrets kept out of the log, the digest."""
import datetime as dt
import json
import logging

import pytest
from django.utils import timezone

from quartermaster.notify import services, worker
from quartermaster.notify.choices import DeliveryStatus, Severity
from quartermaster.notify.models import AlertNotice, Delivery, DigestRun, Notification
from telematics.tracking.models import Alert
from telematics.tracking.pipeline import Message, Pipeline
from tests.telematics.tracking.conftest import DEPOT, OUTSIDE, Route, local

pytestmark = pytest.mark.django_db
WEDNESDAY = dt.date(2026, 11, 18)
SECRET = "SECdingtalk-signing-secret-0123456789"


def raise_out_of_jurisdiction(vehicle):
    """A morning drive 2.9 km out of the jurisdiction for 10 minutes, on duty: one out_of_jurisdiction alert."""
    fixes = Route(local(WEDNESDAY, "10:00"), DEPOT, 70).park(4).drive(OUTSIDE, 6).park(10, 20) \
        .drive(DEPOT, 6).park(10, 20).fixes
    pipeline = Pipeline()
    topic = f"qm/terminals/{vehicle.terminal_id}/position"
    for i in range(0, len(fixes), 20):
        pipeline.process([Message(topic, json.dumps(f).encode()) for f in fixes[i:i + 20]])
    return Alert.objects.get(vehicle=vehicle, kind="out_of_jurisdiction")


def subscribe(user, robots_receiver, **extra):
    wecom = services.robot_create(user=user, channel="wecom", name="值班群",
                                  url=f"{robots_receiver.base}wecom/send?key=WECOM-KEY-{user.pk}")
    robots_receiver.secrets[f"DT-{user.pk}"] = SECRET
    ding = services.robot_create(user=user, channel="dingtalk", name="钉钉群", secret=SECRET,
                                 url=f"{robots_receiver.base}dingtalk/send?access_token=DT-{user.pk}")
    return services.subscription_save(user=user, name="越界", email=True, robots=[wecom, ding], **extra)


def test_an_alert_raised_by_the_ingest_reaches_mail_robots_and_the_bell_only_in_scope(city, people, smtp, robots):
    subscribe(people["tn"], robots)
    subscribe(people["wj"], robots)  # another brigade: CZ-TN's car is outside this user's scope
    alert = raise_out_of_jurisdiction(city["vehicles"]["V7"])
    assert AlertNotice.objects.filter(alert=alert, fanned_out_at__isnull=True).exists()  # the ingest's outbox row
    assert Delivery.objects.count() == 0 and smtp.messages == []  # the ingest itself sent nothing
    counts = worker.tick()
    assert counts["alerts"] == 1 and counts["deliveries"]["sent"] == 3
    (mail,) = smtp.to("tn@bureau.test")
    assert "驶出辖区" in mail["Subject"] and "苏D·A0007" in mail["Subject"]
    assert "依据条款" in mail.get_content() and "CZ-TN-01中队" in mail.get_content()
    paths = sorted(r["path"] for r in robots.received)
    assert paths == ["/dingtalk/send", "/wecom/send"] and robots.rejected == []
    wecom = next(r for r in robots.received if r["path"] == "/wecom/send")
    assert wecom["query"]["key"] == f"WECOM-KEY-{people['tn'].pk}" and "苏D·A0007" in wecom["body"]["markdown"]["content"]
    (note,) = Notification.objects.filter(user=people["tn"])
    assert note.alert == alert and note.read_at is None and note.link == f"/alerts/{alert.pk}/"
    # scope: the CZ-WJ user got nothing at all
    assert smtp.to("wj@bureau.test") == [] and not Notification.objects.filter(user=people["wj"]).exists()
    assert not Delivery.objects.filter(user=people["wj"]).exists()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert worker.tick()["alerts"] == 0  # fanned out once


def test_filters_kinds_units_and_severity(city, people, smtp, robots):
    units = people["units"]
    tn = people["tn"]
    services.subscription_save(user=tn, name="别的单位", units=[units["CZ-TN-02"]])
    services.subscription_save(user=tn, name="别的类型", kinds=["venue_parking"])
    services.subscription_save(user=tn, name="只要严重", min_severity=Severity.HIGH)
    raise_out_of_jurisdiction(city["vehicles"]["V7"])
    services.alerts_fan_out()
    assert not Notification.objects.exists()
    services.subscription_save(user=tn, name="本中队", units=[units["CZ-TN-01"]], min_severity=Severity.MEDIUM,
                               kinds=["out_of_jurisdiction"])
    services.subscription_save(user=tn, name="重复的", min_severity=Severity.LOW)
    alert = raise_out_of_jurisdiction(city["vehicles"]["V6"])
    services.alerts_fan_out()
    # two matching subscriptions, one message
    assert list(Notification.objects.filter(user=tn, alert__kind="out_of_jurisdiction")
                .values_list("alert", flat=True)) == [alert.pk]


def test_with_the_sites_address_mails_and_robots_link_to_the_alerts_page(city, people, smtp, robots, settings):
    settings.QM_NOTIFY_BASE_URL = "https://qm.bureau.test/"
    subscribe(people["tn"], robots)
    alert = raise_out_of_jurisdiction(city["vehicles"]["V7"])
    worker.tick()
    (mail,) = smtp.to("tn@bureau.test")
    assert f"https://qm.bureau.test/alerts/{alert.pk}/" in mail.get_content()
    wecom = next(r for r in robots.received if r["path"] == "/wecom/send")
    assert f"](https://qm.bureau.test/alerts/{alert.pk}/)" in wecom["body"]["markdown"]["content"]


def test_a_failing_receiver_is_retried_with_backoff_and_secrets_stay_out_of_the_log(city, people, robots, smtp,
                                                                                   caplog, settings):
    settings.QM_NOTIFY_RETRY_S, settings.QM_NOTIFY_MAX_ATTEMPTS = 30, 3
    tn = people["tn"]
    subscribe(tn, robots)
    raise_out_of_jurisdiction(city["vehicles"]["V7"])
    services.alerts_fan_out()
    robots.fail_next = 2  # the first two robot posts get HTTP 500
    smtp.fail_next = 1
    caplog.set_level(logging.INFO, logger="qm.notify")
    t0 = timezone.now()
    first = services.deliveries_send(now=t0)
    assert first == {"sent": 0, "retrying": 3, "failed": 0}
    waiting = list(Delivery.objects.exclude(channel="in_app"))
    assert all(d.status == DeliveryStatus.RETRYING and d.attempts == 1 for d in waiting)
    assert all(d.next_attempt_at >= t0 + dt.timedelta(seconds=29) for d in waiting)
    assert {d.channel: d.last_error.split("：")[0] for d in waiting} == {
        "email": "邮件服务器（SMTP）出错", "wecom": "机器人应答 HTTP 500 Internal Server Error",
        "dingtalk": "机器人应答 HTTP 500 Internal Server Error"}
    assert services.deliveries_send(now=t0 + dt.timedelta(seconds=10)) == {"sent": 0, "retrying": 0, "failed": 0}
    assert services.deliveries_send(now=t0 + dt.timedelta(seconds=3600)) == {"sent": 3, "retrying": 0, "failed": 0}
    assert len(robots.received) == 2 and len(smtp.to("tn@bureau.test")) == 1
    assert set(Delivery.objects.exclude(channel="in_app").values_list("attempts", flat=True)) == {2}
    log = caplog.text + "".join(Delivery.objects.values_list("last_error", flat=True)) + \
        "".join(Delivery.objects.values_list("target", flat=True))
    assert "failed" in caplog.text and "sent" in caplog.text
    assert f"WECOM-KEY-{tn.pk}" not in log and f"DT-{tn.pk}" not in log and SECRET not in log


def test_a_delivery_is_given_up_after_the_last_attempt_and_can_be_sent_again(city, people, robots, settings):
    settings.QM_NOTIFY_MAX_ATTEMPTS = 2
    tn = people["tn"]
    robot = services.robot_create(user=tn, channel="wecom", name="群", url=f"{robots.base}wecom/send?key=K")
    services.subscription_save(user=tn, name="s", in_app=False, robots=[robot])
    raise_out_of_jurisdiction(city["vehicles"]["V7"])
    services.alerts_fan_out()
    robots.fail_next = 5
    now = timezone.now()
    services.deliveries_send(now=now)
    services.deliveries_send(now=now + dt.timedelta(hours=2))
    (delivery,) = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2 and delivery.next_attempt_at is None
    assert services.deliveries_send(now=now + dt.timedelta(days=1))["sent"] == 0
    robots.fail_next = 0
    services.delivery_retry(delivery=delivery)
    assert services.deliveries_send(now=timezone.now() + dt.timedelta(seconds=1))["sent"] == 1
    assert len(robots.received) == 1


def _alert(vehicle, kind, at):
    return Alert.objects.create(vehicle=vehicle, terminal=vehicle.terminal_id, kind=kind, started_at=at, clause="",
                                venue="老街酒楼" if kind == "venue_parking" else "")


def test_the_daily_digest_once_a_day_with_the_scopes_alerts(city, people, smtp, robots, settings):
    settings.QM_NOTIFY_DIGEST_HOUR = 8
    units = people["units"]
    from telematics.models import Vehicle
    wj_car = Vehicle.objects.create(plate="苏D·W0001", unit=units["CZ-WJ-01"], seats=5, terminal_id="W0001")
    tz = timezone.get_current_timezone()
    day = dt.date(2026, 11, 19)
    at = lambda d, h, m=0: dt.datetime(d.year, d.month, d.day, h, m, tzinfo=tz)
    v7 = city["vehicles"]["V7"]
    _alert(v7, "venue_parking", at(WEDNESDAY, 12, 30))
    _alert(v7, "off_duty_use", at(WEDNESDAY, 21, 5))
    _alert(v7, "terminal_silent", at(WEDNESDAY, 7, 59))  # before the window
    _alert(v7, "out_of_jurisdiction", at(day, 8, 0))  # after it: tomorrow's digest
    _alert(wj_car, "venue_parking", at(WEDNESDAY, 20, 0))  # outside CZ-TN
    services.subscription_save(user=people["tn"], name="汇总", immediate=False, digest=True, email=True)
    services.subscription_save(user=people["wj"], name="汇总", immediate=False, digest=True, email=True,
                               kinds=["terminal_silent"])
    services.alerts_fan_out()
    assert not Notification.objects.exists()  # digest only: nothing at once
    assert services.digests_make(now=at(day, 7, 59)) == 0
    assert services.digests_make(now=at(day, 8, 1)) == 1
    assert services.digests_make(now=at(day, 9, 0)) == 0  # once a day
    services.deliveries_send(now=timezone.now())
    (mail,) = smtp.to("tn@bureau.test")
    text = mail.get_content()
    assert "2026-11-19" in mail["Subject"] and "共 2 条" in mail["Subject"]
    assert "苏D·A0007" in text and "老街酒楼" in text and "苏D·W0001" not in text
    assert "2026-11-18 08:00" in text and "2026-11-19 08:00" in text
    assert smtp.to("wj@bureau.test") == []  # its only alert is of another kind
    assert DigestRun.objects.get(user=people["wj"]).alerts == 0
    assert Notification.objects.get(user=people["tn"]).purpose == "digest"


def test_subscriptions_refuse_units_outside_the_scope_and_others_robots(people, robots):
    from assets.access import OutOfScope
    from quartermaster.errors import DomainError

    with pytest.raises(OutOfScope):
        services.subscription_save(user=people["tn"], name="x", units=[people["units"]["CZ-WJ"]])
    theirs = services.robot_create(user=people["wj"], channel="wecom", name="r", url=f"{robots.base}wecom/send?key=1")
    with pytest.raises(DomainError, match="机器人“r”不是您的"):
        services.subscription_save(user=people["tn"], name="x", robots=[theirs])
    with pytest.raises(DomainError, match="未知的告警类型：speeding"):
        services.subscription_save(user=people["tn"], name="x", kinds=["speeding"])
    with pytest.raises(DomainError, match="QM_NOTIFY_WEBHOOK_PREFIXES"):
        services.robot_create(user=people["tn"], channel="wecom", name="r", url="http://10.0.0.5/hook?key=1")


@pytest.mark.parametrize("language, logged", [("", "机器人已被删除"), ("en", "the robot was deleted")])
def test_a_delivery_to_a_deleted_robot_is_given_up_at_once(city, people, robots, language, logged):
    """The delivery log says why in the robot owner's language (the bureau's, Chinese, unless they chose)."""
    from assets.models import Profile

    tn = people["tn"]
    Profile.objects.update_or_create(user=tn, defaults={"language": language})
    robot = services.robot_create(user=tn, channel="wecom", name="群", url=f"{robots.base}wecom/send?key=K")
    services.subscription_save(user=tn, name="s", in_app=False, robots=[robot])
    raise_out_of_jurisdiction(city["vehicles"]["V7"])
    services.alerts_fan_out()
    robot.delete()
    assert services.deliveries_send() == {"sent": 0, "retrying": 0, "failed": 1}
    (delivery,) = Delivery.objects.all()
    assert delivery.attempts == 1 and delivery.last_error == logged and robots.received == []


def test_each_recipient_reads_the_alert_in_the_language_they_chose(city, people, smtp, robots, client):
    """The language switch is remembered on the profile (a page request with the cookie), and the mail, the robots
    and the bell's message are written in it; a user who never chose reads the bureau's language (QM_LANGUAGE)."""
    from assets.models import Profile

    client.force_login(people["tn"])
    client.cookies["django_language"] = "en"
    assert client.get("/").status_code == 200
    assert Profile.objects.get(user=people["tn"]).language == "en"
    subscribe(people["tn"], robots)
    subscribe(people["boss"], robots)
    raise_out_of_jurisdiction(city["vehicles"]["V7"])
    worker.tick()
    (english,) = smtp.to("tn@bureau.test")
    assert "Out of jurisdiction" in english["Subject"] and "驶出辖区" not in english["Subject"]
    assert "Clause" in english.get_content() and "依据条款" not in english.get_content()
    (chinese,) = smtp.to("boss@bureau.test")
    assert "驶出辖区" in chinese["Subject"] and "依据条款" in chinese.get_content()
    assert Notification.objects.get(user=people["tn"]).title.startswith("[")
    assert Notification.objects.get(user=people["boss"]).title.startswith("【车辆告警】")
