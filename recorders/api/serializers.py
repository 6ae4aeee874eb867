"""Shapes of the recorders API: assets by tag, people by staff number, units by code; forms check shape only."""
from rest_framework import serializers

from assets.api.fields import ScopedSlugRelatedField
from assets.models import Asset, OrgUnit, Person

from ..choices import CheckKind, CheckResult
from ..models import FootageInspection, RecorderCheck


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
