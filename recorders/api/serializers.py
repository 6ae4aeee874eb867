"""Shapes of the recorders API: assets by tag, people by staff number, units by code; forms check shape only."""
from rest_framework import serializers

from assets.api.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from assets.models import Asset, OrgUnit, Person

from .. import footage
from ..choices import CheckKind, CheckResult, FootageRequestKind, RecordingType
from ..models import FootageAccessLog, FootageInspection, FootageRecord, FootageRequest, RecorderCheck


class ShiftSignOutSerializer(serializers.Serializer):
    person = serializers.CharField(help_text="the officer's card as scanned: staff number, badge number (胸号) or "
                                             "enforcement certificate number")
    tag = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ShiftSignInSerializer(serializers.Serializer):
    tag = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ShiftMovementSerializer(serializers.Serializer):
    """One shift movement as the counter shows it."""

    tag = serializers.CharField()
    action = serializers.CharField()
    person = serializers.CharField(allow_null=True)
    person_name = serializers.CharField(allow_null=True)
    occurred_at = serializers.DateTimeField()


class ShiftRowSerializer(serializers.Serializer):
    """Kit out on a shift now (recorders.selectors.shifts_out)."""

    tag = serializers.CharField()
    category = serializers.CharField()
    category_name = serializers.CharField()
    item = serializers.CharField()
    unit = serializers.CharField()
    person = serializers.CharField()
    person_name = serializers.CharField()
    since = serializers.DateTimeField()
    hours_out = serializers.FloatField()
    overdue = serializers.BooleanField(help_text="out longer than QM_SHIFT_OVERDUE_HOURS (a local setting)")


class ShiftQuerySerializer(serializers.Serializer):
    unit = serializers.CharField(required=False, help_text="unit code (default: your scope)")


class RecorderCheckSerializer(serializers.ModelSerializer):
    asset = ScopedSlugRelatedField(slug_field="tag", queryset=Asset.objects.all())
    performed_by = ScopedSlugRelatedField(slug_field="staff_no", queryset=Person.objects.all(), required=False,
                                          allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=CheckKind.choices)
    result = serializers.ChoiceField(choices=CheckResult.choices)
    send_to_repair = serializers.BooleanField(default=True, help_text="a fault sends the recorder to repair")

    class Meta:
        model = RecorderCheck
        fields = ["id", "asset", "checked_on", "kind", "result", "performed_by", "note", "send_to_repair",
                  "sent_to_repair", "recorded_at", "username"]
        read_only_fields = ["sent_to_repair", "recorded_at", "username"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data.pop("send_to_repair", None)
        return data


class DueQuerySerializer(serializers.Serializer):
    unit = serializers.CharField(help_text="unit code")
    on = serializers.DateField(required=False, allow_null=True, default=None)
    days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class FootageInspectionSerializer(serializers.ModelSerializer):
    unit = ScopedSlugRelatedField(slug_field="code", queryset=OrgUnit.objects.all(), help_text="the brigade inspected")
    recorders = ScopedSlugRelatedField(slug_field="tag", queryset=Asset.objects.all(), many=True, required=False,
                                       default=list)

    class Meta:
        model = FootageInspection
        fields = ["id", "inspected_on", "inspector", "unit", "recorders", "items_checked", "findings", "follow_up",
                  "recorded_at", "username"]
        read_only_fields = ["recorded_at", "username"]


class FootageRecordSerializer(serializers.ModelSerializer):
    """One offload batch's footage with its retention class (read only: the dock reports create them)."""

    recorder = serializers.CharField(source="asset.tag", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    person = serializers.CharField(source="person.staff_no", read_only=True, allow_null=True, default=None)
    person_name = serializers.CharField(source="person.name", read_only=True, allow_null=True, default=None)
    dock = serializers.CharField(source="dock_id", read_only=True)
    retention_days = serializers.SerializerMethodField(help_text="null: permanent (evidence, or a permanent type)")
    retain_until = serializers.SerializerMethodField(help_text="the last day it must be kept; null: permanent")

    class Meta:
        model = FootageRecord
        fields = ["id", "recorder", "unit", "person", "person_name", "recorded_on", "dock", "offload", "files",
                  "bytes", "recording_type", "evidence", "case_number", "evidence_marked_at", "status", "deleted_at",
                  "stored_at", "retention_days", "retain_until"]
        read_only_fields = fields

    def get_retention_days(self, obj) -> int | None:
        return footage.retention_days(obj)

    def get_retain_until(self, obj) -> str | None:
        until = footage.retain_until(obj)
        return until.isoformat() if until else None


class FootageClassifySerializer(serializers.Serializer):
    recording_type = serializers.ChoiceField(choices=RecordingType.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FootageEvidenceSerializer(serializers.Serializer):
    case_number = serializers.CharField(max_length=64, help_text="the case the footage is evidence in (案件编号)")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FootageDueQuerySerializer(serializers.Serializer):
    unit = serializers.CharField(required=False, help_text="unit code (default: your scope)")
    on = serializers.DateField(required=False, allow_null=True, default=None)


class FootageRequestSerializer(serializers.ModelSerializer):
    record = ScopedPrimaryKeyRelatedField(queryset=FootageRecord.objects.all(), help_text="the footage record's id")
    kind = serializers.ChoiceField(choices=FootageRequestKind.choices)
    recorder = serializers.CharField(source="record.asset.tag", read_only=True)
    recorded_on = serializers.DateField(source="record.recorded_on", read_only=True)

    class Meta:
        model = FootageRequest
        fields = ["id", "record", "recorder", "recorded_on", "kind", "reason", "status", "requested_by",
                  "requested_at", "decided_by", "decided_at", "decision_note"]
        read_only_fields = ["status", "requested_by", "requested_at", "decided_by", "decided_at", "decision_note"]


class FootageDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FootageRefuseSerializer(serializers.Serializer):
    reason = serializers.CharField()


class FootageAccessLogSerializer(serializers.ModelSerializer):
    recorder = serializers.CharField(source="record.asset.tag", read_only=True)
    recorded_on = serializers.DateField(source="record.recorded_on", read_only=True)
    unit = serializers.CharField(source="record.unit.code", read_only=True)

    class Meta:
        model = FootageAccessLog
        fields = ["id", "record", "recorder", "recorded_on", "unit", "request", "action", "username", "at", "note"]
        read_only_fields = fields
