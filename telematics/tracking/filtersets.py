"""Query filters of the tracking API."""
import django_filters as filters

from .choices import AlertKind, AlertStatus, DeadLetterReason
from .models import Alert, DeadLetter


class AlertFilterSet(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=AlertKind.choices)
    status = filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    since = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lte")
    plate = filters.CharFilter(field_name="vehicle__plate")
    open = filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull")

    class Meta:
        model = Alert
        fields = {"id": ["exact", "in"], "vehicle": ["exact"], "terminal": ["exact"], "grid_code": ["exact"],
                  "venue": ["exact", "icontains"], "place": ["icontains"], "venue_category": ["exact"], "started_at": ["gte", "lte"],
                  "ended_at": ["gte", "lte", "isnull"], "part_of": ["exact", "isnull"]}


class DeadLetterFilterSet(filters.FilterSet):
    reason = filters.MultipleChoiceFilter(choices=DeadLetterReason.choices)
    since = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")

    class Meta:
        model = DeadLetter
        fields = {"id": ["exact", "in"], "topic": ["exact", "startswith"], "terminal": ["exact"],
                  "received_at": ["gte", "lte"], "truncated": ["exact"]}
