"""Serializers of the tracking API: shape only."""
from rest_framework import serializers

from ..cases.selectors import case_fields
from ..models import Alert, DeadLetter, TrackAccess
from ..services import alert_payload


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = ["id"]

    def to_representation(self, instance):
        data = alert_payload(instance, evidence=self.context.get("evidence", True))
        data.update(raised_at=instance.raised_at.isoformat(),
                    reviewed_at=instance.reviewed_at.isoformat() if instance.reviewed_at else None)
        if hasattr(instance, "case_state_v"):  # the viewset's rows carry their case (cases.selectors.annotate_cases)
            data.update(case_fields(instance))
        return data


class DeadLetterSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadLetter
        fields = ["id", "topic", "payload", "truncated", "reason", "detail", "terminal", "received_at"]


class LatestPositionSerializer(serializers.Serializer):
    """The newest fix of one vehicle (read only)."""

    vehicle_id = serializers.IntegerField()
    ts = serializers.DateTimeField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    speed = serializers.FloatField(allow_null=True)
    heading = serializers.FloatField(allow_null=True)
    grid_code = serializers.CharField(allow_null=True)


class TrackAccessSerializer(serializers.ModelSerializer):
    vehicle_unit = serializers.CharField(source="vehicle.unit.code", read_only=True)

    class Meta:
        model = TrackAccess
        fields = ["id", "at", "username", "vehicle", "plate", "vehicle_unit", "start", "end", "purpose", "case_no",
                  "reasons", "path"]
