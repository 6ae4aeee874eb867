"""Query filters of the use register's entries: by vehicle (id or plate), date, kind, journey."""
import django_filters as filters

from telematics.choices import CostKind
from telematics.filtersets import DATE, TEXT, VehicleRecordFilterSet
from telematics.models import OdometerReading, VehicleCost


class VehicleCostFilterSet(VehicleRecordFilterSet):
    kind = filters.MultipleChoiceFilter(choices=CostKind.choices)
    within = filters.CharFilter(field_name="vehicle__unit__code", method="filter_within",
                                label="unit code: entries of that unit's subtree")

    class Meta:
        model = VehicleCost
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "date": DATE, "amount": ["gte", "lte"],
                  "litres": ["gte", "lte", "isnull"], "fuel_card": TEXT, "odometer_km": ["exact", "gte", "lte"],
                  "journey_start": DATE + ["isnull"], "note": ["icontains"], "entered_by": ["exact"],
                  "created_at": DATE}

    def filter_within(self, qs, name, value):
        from assets.models import OrgUnit

        unit = OrgUnit.objects.filter(code=value).first()
        return qs.filter(vehicle__unit__path__startswith=unit.path) if unit else qs.none()


class OdometerReadingFilterSet(VehicleRecordFilterSet):
    class Meta:
        model = OdometerReading
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "read_at": DATE, "km": ["exact", "gte", "lte"],
                  "note": ["icontains"], "entered_by": ["exact"], "created_at": DATE}
