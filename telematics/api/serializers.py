"""Shapes of the vehicle-file API; rules live in telematics.services."""
from django.urls import reverse
from django.utils.translation import gettext
from rest_framework import serializers

from assets.api.fields import ScopedSlugRelatedField
from assets.models import OrgUnit

from ..choices import HolidayKind, VehicleStatus
from ..models import (
    DutySchedule, Holiday, Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Trip, Vehicle,
    VehicleHistory, VehicleSeal,
)
from ..selectors import vehicle_dossier_gaps

UNIT = ScopedSlugRelatedField


def _unit_field(**kwargs):
    return UNIT(slug_field="code", queryset=OrgUnit.objects.all(), **kwargs)


class VehicleSerializer(serializers.ModelSerializer):
    unit = _unit_field()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status = serializers.ChoiceField(choices=VehicleStatus.choices, required=False)
    terminal_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    dossier_gaps = serializers.SerializerMethodField()
    livery_photo = serializers.SerializerMethodField(
        help_text="where the livery photo is served to users in scope (media files are not served openly)")

    class Meta:
        model = Vehicle
        fields = ["id", "plate", "vin", "unit", "unit_name", "seats", "vehicle_type", "terminal_id",
                  "livery_compliant", "livery_photo", "status", "acquired", "insurance_expires",
                  "inspection_expires", "dossier_gaps", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def get_livery_photo(self, obj) -> str | None:
        if not obj.livery_photo:
            return None
        url = reverse("telematics:vehicle-livery-photo", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_dossier_gaps(self, obj) -> list[str]:
        from django.utils import timezone
        return vehicle_dossier_gaps(obj, timezone.localdate())


class VehicleHistorySerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = VehicleHistory
        fields = ["id", "vehicle", "effective", "change", "unit", "status", "note", "recorded_at", "username"]


class TerminalBindingSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)

    class Meta:
        model = TerminalBinding
        fields = ["id", "vehicle", "plate", "terminal_id", "bound_at", "unbound_at", "username"]


class MaintenanceRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaintenanceRecord
        fields = ["id", "vehicle", "kind", "date", "odometer_km", "work_done", "cost", "workshop"]


class InsurancePolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = InsurancePolicy
        fields = ["id", "vehicle", "insurer", "policy_no", "starts", "expires", "premium"]


class InspectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Inspection
        fields = ["id", "vehicle", "inspected_on", "expires", "station", "note"]


class VehicleSealSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)

    class Meta:
        model = VehicleSeal
        fields = ["id", "vehicle", "plate", "sealed_from", "sealed_to", "key_holder", "photo", "note", "username",
                  "created_at"]
        read_only_fields = ["username", "created_at"]


class SealEndForm(serializers.Serializer):
    last_day = serializers.DateField()


class TripSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    dest_radius_m = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Trip
        fields = ["id", "vehicle", "plate", "start", "end", "purpose", "destination", "dest_lat", "dest_lon",
                  "dest_radius_m", "driver", "passengers", "status", "requested_by", "approved_by", "decided_at", "decision_note",
                  "created_at"]
        read_only_fields = ["status", "requested_by", "approved_by", "decided_at", "decision_note", "created_at"]


class DutyScheduleSerializer(serializers.ModelSerializer):
    unit = _unit_field()
    weekdays = serializers.CharField(max_length=20, help_text="ISO weekdays, e.g. 1-5 or 1,2,3 (1 = Monday)")
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M", help_text="end <= start: the shift ends the next day")

    class Meta:
        model = DutySchedule
        fields = ["id", "unit", "weekdays", "start", "end"]


class HolidaySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=HolidayKind.choices)

    class Meta:
        model = Holiday
        fields = ["id", "date", "kind", "name"]
        extra_kwargs = {"date": {"validators": []}}


# --- action forms --------------------------------------------------------------------------------

class BindTerminalForm(serializers.Serializer):
    terminal_id = serializers.CharField(max_length=64)
    at = serializers.DateTimeField(required=False)


class UnbindTerminalForm(serializers.Serializer):
    at = serializers.DateTimeField(required=False)


class StatusForm(serializers.Serializer):
    status = serializers.CharField(max_length=16)
    effective = serializers.DateField(required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TransferForm(serializers.Serializer):
    unit = _unit_field()
    effective = serializers.DateField(required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LiveryForm(serializers.Serializer):
    compliant = serializers.BooleanField()
    photo = serializers.ImageField(required=False, help_text="a photo of the vehicle's livery (JPEG, PNG…)")


class ReportIntervalForm(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=1, max_value=86400, required=False, allow_null=True,
                                       help_text="default reporting interval (JT/T 808 parameter 0x0029), seconds")
    sleep_seconds = serializers.IntegerField(min_value=1, max_value=86400, required=False, allow_null=True,
                                             help_text="interval while asleep, ACC off (parameter 0x0027), seconds")


class DecisionForm(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ExpirySerializer(serializers.Serializer):
    vehicle = serializers.IntegerField(source="vehicle.pk")
    plate = serializers.CharField(source="vehicle.plate")
    unit = serializers.CharField(source="vehicle.unit.code")
    what = serializers.CharField()
    expires = serializers.DateField()
    days_left = serializers.IntegerField()


class CoverageQuery(serializers.Serializer):
    at = serializers.DateTimeField(help_text="the instant asked about; without an offset it is Asia/Shanghai time")
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)

    def validate(self, attrs):
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError({"lon" if "lat" in attrs else "lat": gettext("地点需同时给出纬度和经度")})
        return attrs


class CoverageSerializer(serializers.Serializer):
    vehicle = serializers.IntegerField()
    plate = serializers.CharField()
    unit = serializers.CharField()
    at = serializers.DateTimeField()
    on_duty = serializers.BooleanField(help_text="the unit's duty calendar (shifts, holidays, adjusted working days)")
    covered_by = serializers.IntegerField(allow_null=True, help_text="the approved trip covering the instant (and "
                                          "place), if any")
    allowed = serializers.BooleanField(help_text="on duty or covered: moving is not off-duty use")
