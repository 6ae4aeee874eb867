"""One review of an alert: its case. `Alert.status` means the episode only (open / closed): an acknowledged or
dismissed alert becomes closed when its episode has ended, else open. The former reviews (AlertReview) of the kinds
handled as cases (QM_CASE_KINDS) are carried over, in their order and with their time and user, as events of the case
(of the journey's, for a stop made during one): a dismissal → 排除 (the case is decided dismissed, unless it was
already decided: then a 批注 with the reason), an acknowledgement → 批注 (the state stays). The AlertReview rows stay as
read-only history (the reviews of the other kinds have nowhere else to live)."""
from django.db import migrations, models

OPEN, CLOSED = "open", "closed"
PENDING, DECIDED = "pending", ("confirmed", "dismissed")


def _case_kinds() -> frozenset[str]:
    from telematics.tracking.cases.services import case_kinds

    return case_kinds()


def _deadline(alert):
    from django.utils import timezone

    from telematics.tracking.cases.services import SHANGHAI, deadline_after

    return deadline_after(timezone.localtime(alert.started_at, SHANGHAI).date())


def forward(apps, schema_editor):
    Alert = apps.get_model("tracking", "Alert")
    AlertReview = apps.get_model("tracking", "AlertReview")
    AlertCase = apps.get_model("tracking", "AlertCase")
    AlertCaseEvent = apps.get_model("tracking", "AlertCaseEvent")

    Alert.objects.filter(status__in=["acknowledged", "dismissed"], ended_at__isnull=False).update(status=CLOSED)
    Alert.objects.filter(status__in=["acknowledged", "dismissed"], ended_at__isnull=True).update(status=OPEN)

    kinds = _case_kinds()
    # The events keep the review's own time: the historical model's auto_now_add would stamp the migration's.
    at = AlertCaseEvent._meta.get_field("at")
    at.auto_now_add = False
    try:
        for review in AlertReview.objects.select_related("alert", "alert__part_of").order_by("at", "pk"):
            root = review.alert.part_of if review.alert.part_of_id else review.alert
            if root.kind not in kinds:
                continue  # not a case: the review stays only as history
            case = AlertCase.objects.filter(alert=root).first()
            if case is None:
                case = AlertCase.objects.create(alert=root, state=PENDING, deadline=_deadline(root))
            dismiss = review.action == "dismiss" and case.state not in DECIDED
            to_state = "dismissed" if dismiss else case.state
            AlertCaseEvent.objects.create(
                case=case, action="dismiss" if dismiss else "note", from_state=case.state, to_state=to_state,
                text=review.reason or "", user_id=review.user_id, username=review.username or "system",
                role="", at=review.at)  # the review did not record the role
            if to_state != case.state:
                case.state = to_state
                case.save(update_fields=["state", "updated_at"])
    finally:
        at.auto_now_add = True


class Migration(migrations.Migration):
    dependencies = [("tracking", "0013_merge_alert_place_case_history")]

    operations = [
        migrations.AlterField(
            model_name="alert", name="status",
            field=models.CharField(choices=[("open", "进行中"), ("closed", "已结束")], default="open", max_length=16,
                                   verbose_name="状态")),
        migrations.AlterField(
            model_name="alertcaseevent", name="action",
            field=models.CharField(choices=[("explain", "提交说明"), ("return", "退回补充说明"), ("confirm", "认定违规"),
                                            ("dismiss", "排除"), ("note", "批注")], max_length=16,
                                   verbose_name="操作")),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
