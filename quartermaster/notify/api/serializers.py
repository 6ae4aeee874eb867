"""Serializers of the notify API: shape only (the services check scope and meaning)."""
from django.conf import settings
from rest_framework import serializers

from assets.api.fields import ScopedSlugRelatedField
from assets.models import OrgUnit
from telematics.tracking.choices import AlertKind

from .. import senders
from ..choices import ROBOTS, Frequency, Severity
from ..models import Delivery, Notification, ReportFile, ReportRun, ReportSchedule, Robot, Subscription
from ..reports import REPORT_KINDS


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "purpose", "title", "body", "link", "alert", "created_at", "read_at"]
        read_only_fields = fields


class RobotSerializer(serializers.ModelSerializer):
    """The URL and the secret are written, never read back: the answer shows the URL with its key cut."""

    url = serializers.URLField(write_only=True, max_length=500)
    secret = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in ROBOTS])
    target = serializers.SerializerMethodField()
    signed = serializers.SerializerMethodField()

    class Meta:
        model = Robot
        fields = ["id", "channel", "name", "url", "secret", "target", "signed", "created_at"]
        read_only_fields = ["id", "target", "signed", "created_at"]

    def get_target(self, obj) -> str:
        return senders.display_url(obj.url)

    def get_signed(self, obj) -> bool:
        return bool(obj.secret)


class SubscriptionSerializer(serializers.ModelSerializer):
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=AlertKind.choices), required=False,
                                  max_length=len(AlertKind.values))
    units = ScopedSlugRelatedField(slug_field="code", queryset=OrgUnit.objects.all(), many=True, required=False)
    robots = serializers.PrimaryKeyRelatedField(queryset=Robot.objects.all(), many=True, required=False)
    min_severity = serializers.ChoiceField(choices=Severity.choices, required=False)

    class Meta:
        model = Subscription
        fields = ["id", "name", "kinds", "units", "min_severity", "in_app", "email", "robots", "immediate",
                  "digest", "active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # Only the user's own robots are choices (the browsable API lists them; others' names are not shown).
        own = Robot.objects.filter(user=user) if user is not None and user.is_authenticated else Robot.objects.none()
        self.fields["robots"].child_relation.queryset = own


class DeliverySerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "user", "channel", "purpose", "target", "subject", "status", "attempts", "next_attempt_at",
                  "last_error", "created_at", "sent_at", "alert", "report_run"]
        read_only_fields = fields


class ReportScheduleSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=[(k, str(v.label)) for k, v in REPORT_KINDS.items()])
    units = ScopedSlugRelatedField(slug_field="code", queryset=OrgUnit.objects.all(), many=True)
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    recipients = serializers.ListField(child=serializers.EmailField(), min_length=1, max_length=50)
    format = serializers.ChoiceField(choices=sorted({f for k in REPORT_KINDS.values() for f in k.formats}))
    params = serializers.DictField(child=serializers.CharField(max_length=50), required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    weekday = serializers.IntegerField(min_value=1, max_value=7, required=False)
    day = serializers.IntegerField(min_value=1, max_value=28, required=False)
    hour = serializers.IntegerField(min_value=0, max_value=23, required=False)

    class Meta:
        model = ReportSchedule
        fields = ["id", "name", "kind", "params", "units", "frequency", "weekday", "day", "hour", "format",
                  "language", "recipients", "active", "next_run_at", "created_at"]
        read_only_fields = ["id", "next_run_at", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["recipients"] = instance.recipient_list
        return data


class ReportFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportFile
        fields = ["id", "filename", "content_type", "size"]


class ReportRunSerializer(serializers.ModelSerializer):
    files = ReportFileSerializer(many=True, read_only=True)
    deliveries = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = ["id", "schedule", "scheduled_for", "period_start", "period_end", "status", "error", "started_at",
                  "finished_at", "files", "deliveries"]
        read_only_fields = fields

    def get_deliveries(self, obj) -> list[dict]:
        return [{"target": d.target, "status": d.status, "attempts": d.attempts, "sent_at": d.sent_at}
                for d in obj.deliveries.all()]
