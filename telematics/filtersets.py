"""Query filters for the vehicle-file API: unit codes as well as ids, date ranges, statuses."""
import django_filters as filters

from assets.filtersets import SubtreeFilter

from .choices import HolidayKind, MaintenanceKind, TripStatus, VehicleStatus
from .models import (
    DutySchedule, Holiday, Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Trip, Vehicle,
    VehicleSeal,
    VehicleHistory,
)

TEXT = ["exact", "icontains"]
DATE = ["exact", "gte", "lte"]


class VehicleFilterSet(filters.FilterSet):
    unit_code = filters.CharFilter(field_name="unit__code", label="unit code")
    within = SubtreeFilter(field_name="unit", label="unit code: vehicles of that unit and its subtree")
    status = filters.MultipleChoiceFilter(choices=VehicleStatus.choices)

    class Meta:
        model = Vehicle
        fields = {
            "id": ["exact", "in"], "plate": TEXT, "vin": TEXT, "unit": ["exact"], "seats": ["exact", "gte", "lte"],
            "vehicle_type": TEXT, "terminal_id": TEXT + ["isnull"], "livery_compliant": ["exact"],
            "acquired": DATE + ["isnull"], "insurance_expires": DATE + ["isnull"],
            "inspection_expires": DATE + ["isnull"], "created_at": DATE, "updated_at": DATE,
        }


class VehicleRecordFilterSet(filters.FilterSet):
    """Shared by the per-vehicle records: by vehicle id or plate."""

    plate = filters.CharFilter(field_name="vehicle__plate", label="vehicle plate")


class VehicleHistoryFilterSet(VehicleRecordFilterSet):
    class Meta:
        model = VehicleHistory
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "effective": DATE, "change": ["exact"],
                  "unit": ["exact"], "status": ["exact"], "note": TEXT, "recorded_at": DATE, "username": ["exact"]}


class TerminalBindingFilterSet(VehicleRecordFilterSet):
    class Meta:
        model = TerminalBinding
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "terminal_id": ["exact"], "bound_at": DATE,
                  "unbound_at": DATE + ["isnull"], "username": ["exact"]}


class MaintenanceRecordFilterSet(VehicleRecordFilterSet):
    kind = filters.ChoiceFilter(choices=MaintenanceKind.choices)

    class Meta:
        model = MaintenanceRecord
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "date": DATE, "workshop": TEXT,
                  "odometer_km": ["exact", "gte", "lte"], "work_done": ["icontains"], "cost": ["gte", "lte"]}


class InsurancePolicyFilterSet(VehicleRecordFilterSet):
    class Meta:
        model = InsurancePolicy
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "insurer": TEXT, "policy_no": TEXT, "starts": DATE,
                  "expires": DATE, "premium": ["gte", "lte"]}


class InspectionFilterSet(VehicleRecordFilterSet):
    class Meta:
        model = Inspection
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "inspected_on": DATE, "expires": DATE,
                  "station": TEXT, "note": TEXT}


class VehicleSealFilterSet(VehicleRecordFilterSet):
    on = filters.DateFilter(method="filter_on", label="sealed on this date")

    class Meta:
        model = VehicleSeal
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "sealed_from": DATE, "sealed_to": DATE,
                  "key_holder": TEXT, "note": TEXT, "username": ["exact"], "created_at": DATE}

    def filter_on(self, qs, name, value):
        return qs.filter(sealed_from__lte=value, sealed_to__gte=value)


class TripFilterSet(VehicleRecordFilterSet):
    status = filters.MultipleChoiceFilter(choices=TripStatus.choices)

    class Meta:
        model = Trip
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "start": DATE, "end": DATE, "purpose": TEXT,
                  "destination": TEXT, "dest_lat": ["isnull"], "dest_lon": ["isnull"], "dest_radius_m": ["gte", "lte"],
                  "driver": TEXT, "passengers": ["icontains"], "approved_by": TEXT, "approver": ["exact"], "requested_by": ["exact"], "decided_at": DATE,
                  "decision_note": ["icontains"], "created_at": DATE, "updated_at": DATE}


class DutyScheduleFilterSet(filters.FilterSet):
    unit_code = filters.CharFilter(field_name="unit__code", label="unit code")

    class Meta:
        model = DutySchedule
        fields = {"id": ["exact", "in"], "unit": ["exact"], "weekdays": ["exact", "contains"],
                  "start": ["gte", "lte"], "end": ["gte", "lte"]}


class HolidayFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=HolidayKind.choices)

    class Meta:
        model = Holiday
        fields = {"id": ["exact", "in"], "date": DATE, "name": TEXT}
