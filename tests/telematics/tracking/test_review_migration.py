"""tracking 0014: a database with the former acknowledge/dismiss review keeps it — as case steps for the kinds handled
as cases (dismiss → 排除, acknowledge → 批注, on the journey's case for a stop made during one, in time order, with
the reviewer and the time), as read-only AlertReview history for the others — and `Alert.status` becomes the
episode's (closed once ended, else open)."""
import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from telematics.tracking.models import Alert, AlertCase, AlertReview
from tests.support.fixtures import make_user

PREVIOUS = [("tracking", "0013_merge_alert_place_case_history")]
T0 = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.timezone.utc)


@pytest.mark.django_db(transaction=True)
def test_the_former_reviews_become_case_steps_and_the_status_the_episodes():
    user = make_user("fleet-old", "fleet", None)
    MigrationExecutor(connection).migrate(PREVIOUS)
    old = MigrationExecutor(connection).loader.project_state(PREVIOUS).apps
    unit = old.get_model("assets", "OrgUnit").objects.create(code="MIG", name="迁移大队", kind="brigade", path="MIG")
    vehicle = old.get_model("telematics", "Vehicle").objects.create(plate="苏D·M0001", unit_id=unit.pk, seats=5)
    OldAlert, OldReview = old.get_model("tracking", "Alert"), old.get_model("tracking", "AlertReview")

    def alert(kind, status, ended, **extra):
        return OldAlert.objects.create(vehicle_id=vehicle.pk, terminal="T", kind=kind, started_at=T0 + extra.pop(
            "after", dt.timedelta()), ended_at=T0 + dt.timedelta(hours=1) if ended else None, status=status,
            clause="x", **extra)

    def review(alert, action, reason, minutes):
        row = OldReview.objects.create(alert_id=alert.pk, action=action, reason=reason, user_id=user.pk,
                                       username="fleet-old")
        OldReview.objects.filter(pk=row.pk).update(at=T0 + dt.timedelta(minutes=minutes))

    journey = alert("off_duty_use", "dismissed", ended=False)
    stop = alert("venue_parking", "acknowledged", ended=True, part_of_id=journey.pk, after=dt.timedelta(minutes=10))
    silent = alert("terminal_silent", "acknowledged", ended=True, after=dt.timedelta(minutes=20))
    untouched = alert("out_of_jurisdiction", "closed", ended=True, after=dt.timedelta(minutes=30))
    review(stop, "acknowledge", "已电话核实", 30)
    review(journey, "dismiss", "经批准跨区支援", 60)
    review(silent, "acknowledge", "终端已更换", 40)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    status = dict(Alert.objects.values_list("pk", "status"))
    assert status == {journey.pk: "open", stop.pk: "closed", silent.pk: "closed", untouched.pk: "closed"}
    case = AlertCase.objects.get()  # the journey's: the stop has none of its own, the others had no review
    assert (case.alert_id, case.state) == (journey.pk, "dismissed")
    steps = [(e.action, e.from_state, e.to_state, e.text, e.username, e.user_id, e.at) for e in case.events.all()]
    assert steps == [
        ("note", "pending", "pending", "已电话核实", "fleet-old", user.pk, T0 + dt.timedelta(minutes=30)),
        ("dismiss", "pending", "dismissed", "经批准跨区支援", "fleet-old", user.pk, T0 + dt.timedelta(minutes=60))]
    # The reviews stay as history (terminal_silent is no case: that is where its review lives).
    assert AlertReview.objects.filter(alert_id=silent.pk).values_list("reason", flat=True).get() == "终端已更换"
    assert AlertReview.objects.count() == 3
    assert not MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
