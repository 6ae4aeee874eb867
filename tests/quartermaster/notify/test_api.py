"""The notify API and pages: own rows only, robots' secrets never read back, the bell's unread count, `qm notify`."""
import json

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from quartermaster.notify import services
from quartermaster.notify.models import Delivery, Notification, Robot, Subscription

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_robots_are_written_but_their_url_and_secret_never_read_back(people, robots):
    client = client_for(people["tn"])
    url = f"{robots.base}dingtalk/send?access_token=0123456789abcdef0123456789abcdef"
    made = client.post("/api/v1/notify/robots/", {"channel": "dingtalk", "name": "钉钉群", "url": url,
                                                  "secret": "SECxyz"}, format="json")
    assert made.status_code == 201, made.content
    listed = client.get("/api/v1/notify/robots/").json()["results"]
    text = json.dumps(listed)
    assert "0123456789abcdef0123456789abcdef" not in text and "SECxyz" not in text
    assert listed[0]["target"].endswith("access_token=0123***") and listed[0]["signed"] is True
    bad = client.post("/api/v1/notify/robots/", {"channel": "wecom", "name": "x", "url": "https://example.com/h?k=1"},
                      format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "url"
    assert client_for(people["wj"]).get("/api/v1/notify/robots/").json()["results"] == []
    robot_id = made.json()["id"]
    assert client_for(people["wj"]).delete(f"/api/v1/notify/robots/{robot_id}/").status_code == 404
    test = client.post(f"/api/v1/notify/robots/{robot_id}/test/")
    assert test.status_code == 201 and test.json()["purpose"] == "test"
    services.deliveries_send()
    assert robots.received[0]["body"]["markdown"]["title"] == "Quartermaster 测试消息"
    assert client.delete(f"/api/v1/notify/robots/{robot_id}/").status_code == 204
    assert not Robot.objects.exists()


def test_subscriptions_through_the_api_stay_in_scope(people):
    client = client_for(people["tn"])
    refused = client.post("/api/v1/notify/subscriptions/", {"name": "x", "units": ["CZ-WJ-01"]}, format="json")
    assert refused.status_code == 403 and not Subscription.objects.exists()
    made = client.post("/api/v1/notify/subscriptions/", {"name": "本大队", "units": ["CZ-TN"],
                                                         "kinds": ["venue_parking", "off_duty_use"],
                                                         "min_severity": 3, "email": True, "digest": True},
                       format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["units"] == ["CZ-TN"] and body["kinds"] == ["off_duty_use", "venue_parking"] and body["digest"]
    changed = client.patch(f"/api/v1/notify/subscriptions/{body['id']}/", {"active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert changed.json()["units"] == ["CZ-TN"]  # the rest kept
    assert client_for(people["wj"]).get(f"/api/v1/notify/subscriptions/{body['id']}/").status_code == 404
    assert client_for(people["boss"]).get("/api/v1/notify/subscriptions/").json()["results"] == []  # own rows
    theirs = Robot.objects.create(user=people["wj"], channel="wecom", name="武进群", url="https://x.test/?key=1")
    stolen = client.patch(f"/api/v1/notify/subscriptions/{body['id']}/", {"robots": [theirs.pk]}, format="json")
    assert stolen.status_code == 400 and not Subscription.objects.get(pk=body["id"]).robots.exists()


def _note(user, title="【车辆告警】测试"):
    return Notification.objects.create(user=user, purpose="alert", title=title, body="正文")


def test_the_inbox_marks_read_and_the_bell_counts_unread(people):
    tn = people["tn"]
    first, second = _note(tn), _note(tn, "<script>x</script>")
    _note(people["wj"])
    client = client_for(tn)
    assert [n["id"] for n in client.get("/api/v1/notifications/?unread=1").json()["results"]] == [second.pk, first.pk]
    assert client.post(f"/api/v1/notifications/{first.pk}/read/").json()["read_at"] is not None
    web = Client()
    web.force_login(tn)
    page = web.get("/notifications/").content.decode()
    assert 'id="notify-unread" class="badge">1<' in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert client.post("/api/v1/notifications/read-all/").json() == {"read": 1}
    assert 'id="notify-unread" class="badge zero">0<' in web.get("/").content.decode()
    assert Notification.objects.filter(user=people["wj"], read_at__isnull=True).count() == 1


def test_the_delivery_log_is_the_users_own_and_an_administrators_subtree(people):
    for user in (people["tn"], people["wj"]):
        Delivery.objects.create(user=user, channel="email", purpose="alert", target=user.email, subject="s")
    assert {d["target"] for d in client_for(people["tn"]).get("/api/v1/notify/deliveries/").json()["results"]} == {
        "tn@bureau.test"}
    assert {d["target"] for d in client_for(people["boss"]).get("/api/v1/notify/deliveries/").json()["results"]} == {
        "tn@bureau.test", "wj@bureau.test"}


def test_the_settings_page_adds_a_robot_and_a_subscription(people, robots):
    web = Client()
    web.force_login(people["tn"])
    assert web.post("/notifications/settings/", {"op": "robot", "channel": "wecom", "name": "值班群",
                                                  "url": f"{robots.base}wecom/send?key=abc"}).status_code == 302
    robot = Robot.objects.get(user=people["tn"])
    response = web.post("/notifications/settings/", {"op": "subscription", "name": "严重告警", "min_severity": "3",
                                                     "kinds": ["venue_parking"], "units": ["CZ-TN-01"],
                                                     "robots": [str(robot.pk)], "in_app": "on", "immediate": "on"})
    assert response.status_code == 302
    sub = Subscription.objects.get(user=people["tn"])
    assert [u.code for u in sub.units.all()] == ["CZ-TN-01"] and list(sub.robots.all()) == [robot]
    page = web.get("/notifications/settings/").content.decode()
    assert "严重告警" in page and "key=abc" not in page
    refused = web.post("/notifications/settings/", {"op": "subscription", "name": "越权", "min_severity": "1",
                                                    "units": ["CZ-WJ-01"]})
    assert refused.status_code == 200 and Subscription.objects.count() == 1  # not a choice of this user


def test_qm_notify_once_does_one_look(people, capsys):
    _note(people["tn"])
    call_command("notify", "--once")
    counts = json.loads(capsys.readouterr().out)
    assert counts == {"alerts": 0, "digests": counts["digests"], "reports": 0,
                      "deliveries": {"sent": 0, "retrying": 0, "failed": 0}}


def test_the_admin_lists_deliveries_to_administrators_only(people):
    Delivery.objects.create(user=people["tn"], channel="email", purpose="alert", target="tn@bureau.test", subject="s")
    for user in (people["boss"], people["tn"]):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    web = Client()
    web.force_login(people["boss"])
    page = web.get("/admin/notify/delivery/")
    assert page.status_code == 200 and "tn@bureau.test" in page.content.decode()
    web.force_login(people["tn"])
    assert web.get("/admin/notify/delivery/").status_code == 403


def test_a_failed_delivery_is_queued_again_from_the_log_page(people):
    mine = Delivery.objects.create(user=people["tn"], channel="email", purpose="alert", target="tn@bureau.test",
                                   subject="s", status="failed", attempts=6, last_error="SMTP: timeout")
    theirs = Delivery.objects.create(user=people["wj"], channel="email", purpose="alert", target="wj@bureau.test",
                                     subject="s", status="failed", attempts=6)
    web = Client()
    web.force_login(people["tn"])
    page = web.get("/notifications/deliveries/").content.decode()
    assert "SMTP: timeout" in page and "wj@bureau.test" not in page
    assert web.post("/notifications/deliveries/", {"id": mine.pk}).status_code == 302
    assert web.post("/notifications/deliveries/", {"id": theirs.pk}).status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.attempts, theirs.status) == ("pending", 0, "failed")


@pytest.mark.parametrize("url", ["/api/v1/notifications/", "/api/v1/notify/subscriptions/", "/api/v1/notify/robots/",
                                 "/api/v1/notify/deliveries/", "/api/v1/report-schedules/", "/api/v1/report-runs/"])
def test_list_query_counts_do_not_grow_with_the_rows(people, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quartermaster.notify import reports
    from quartermaster.notify.models import ReportFile, ReportRun

    tn = people["tn"]
    client = client_for(tn)

    def add(n):
        for i in range(n):
            robot = Robot.objects.create(user=tn, channel="wecom", name=f"r{i}", url=f"https://x.test/?key={i}")
            sub = services.subscription_save(user=tn, name=f"s{i}", units=[people["units"]["CZ-TN"]], robots=[robot])
            _note(tn)
            sched = reports.schedule_save(owner=tn, name=f"x{i}", kind="compliance", fmt="csv",
                                          units=[people["units"]["CZ-TN"]], recipients=["a@b.test"],
                                          frequency="daily")
            run = ReportRun.objects.create(schedule=sched, scheduled_for=sched.next_run_at,
                                           period_start="2026-11-18", period_end="2026-11-18", status="ok")
            ReportFile.objects.create(run=run, filename="f.csv", content_type="text/csv", content=b"x", size=1)
            Delivery.objects.create(user=tn, channel="email", purpose="report", target="a@b.test", subject="s",
                                    report_run=run)
            assert sub.pk

    add(1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(3)
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]
