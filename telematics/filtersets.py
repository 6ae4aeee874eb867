"""Query filters for the vehicle-file API: unit codes as well as ids, date ranges, statuses."""
import django_filters as filters

from assets.filtersets import SubtreeFilter

from .choices import HolidayKind, MaintenanceKind, TripStatus, VehicleStatus
from .models import (
    DutySchedule, Holiday, Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Trip, Vehicle,
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
            "inspection_expires": DATE + ["isnull"],
        }


class VehicleRecordFilterSet(filters.FilterSet):
    """Shared by the per-vehicle records: by vehicle id or plate."""

    plate = filters.CharFilter(field_name="vehicle__plate", label="vehicle plate")


class VehicleHistoryFilterSet(VehicleRecordFilterSet):
    class Meta:
        model = VehicleHistory
        fields = {"vehicle": ["exact"], "effective": DATE, "change": ["exact"], "unit": ["exact"],
                  "status": ["exact"]}


class TerminalBindingFilterSet(VehicleRecordFilterSet):
    class Meta:
        model = TerminalBinding
        fields = {"vehicle": ["exact"], "terminal_id": ["exact"], "bound_at": DATE, "unbound_at": DATE + ["isnull"]}


class MaintenanceRecordFilterSet(VehicleRecordFilterSet):
    kind = filters.ChoiceFilter(choices=MaintenanceKind.choices)

    class Meta:
        model = MaintenanceRecord
        fields = {"vehicle": ["exact"], "date": DATE, "workshop": TEXT}


class InsurancePolicyFilterSet(VehicleRecordFilterSet):
    class Meta:
        model = InsurancePolicy
        fields = {"vehicle": ["exact"], "insurer": TEXT, "policy_no": TEXT, "starts": DATE, "expires": DATE}


class InspectionFilterSet(VehicleRecordFilterSet):
    class Meta:
        model = Inspection
        fields = {"vehicle": ["exact"], "inspected_on": DATE, "expires": DATE, "station": TEXT}


class TripFilterSet(VehicleRecordFilterSet):
    status = filters.MultipleChoiceFilter(choices=TripStatus.choices)

    class Meta:
        model = Trip
        fields = {"vehicle": ["exact"], "start": DATE, "end": DATE, "purpose": TEXT}


class DutyScheduleFilterSet(filters.FilterSet):
    unit_code = filters.CharFilter(field_name="unit__code", label="unit code")

    class Meta:
        model = DutySchedule
        fields = {"unit": ["exact"], "weekdays": ["exact", "contains"]}


class HolidayFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=HolidayKind.choices)

    class Meta:
        model = Holiday
        fields = {"date": DATE}
