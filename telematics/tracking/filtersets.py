"""Query filters of the tracking API (and of the alert history page)."""
import datetime as dt
from zoneinfo import ZoneInfo

import django_filters as filters

from assets.models import OrgUnit

from .choices import AlertKind, AlertStatus, CaseState, DeadLetterReason
from .models import Alert, DeadLetter, TrackAccess

SHANGHAI = ZoneInfo("Asia/Shanghai")


class AlertFilterSet(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=AlertKind.choices)
    status = filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    since = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lte")
    plate = filters.CharFilter(field_name="vehicle__plate")
    open = filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull")
    # The alert cases (on querysets from telematics.tracking.cases.selectors.annotate_cases).
    case_state = filters.MultipleChoiceFilter(choices=CaseState.choices, field_name="case_state_v")
    overdue = filters.BooleanFilter(method="filter_overdue")
    unit = filters.CharFilter(method="filter_unit")  # a unit code: its whole subtree
    date_from = filters.DateFilter(method="filter_date_from")  # local dates of the episode's start, inclusive
    date_to = filters.DateFilter(method="filter_date_to")

    def filter_overdue(self, queryset, name, value):
        from .cases.selectors import overdue_q

        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_unit(self, queryset, name, value):
        unit = OrgUnit.objects.filter(code=value.strip()).first()
        return queryset.filter(vehicle__unit__path__startswith=unit.path) if unit else queryset.none()

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(started_at__gte=dt.datetime.combine(value, dt.time(), SHANGHAI))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(started_at__lt=dt.datetime.combine(value + dt.timedelta(days=1), dt.time(), SHANGHAI))

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


class TrackAccessFilterSet(filters.FilterSet):
    """The auditors' access report: by viewer, vehicle, the moment of the view (`since`/`until`, or local dates
    `date_from`/`date_to` inclusive), the case, the path, and why a purpose was needed."""

    username = filters.CharFilter()
    plate = filters.CharFilter()
    case_no = filters.CharFilter()
    path = filters.CharFilter(lookup_expr="startswith")
    reasons = filters.CharFilter(lookup_expr="contains")
    since = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    date_from = filters.DateFilter(method="filter_date_from")
    date_to = filters.DateFilter(method="filter_date_to")

    class Meta:
        model = TrackAccess
        fields = ["user", "vehicle"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(at__gte=dt.datetime.combine(value, dt.time(), SHANGHAI))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(at__lt=dt.datetime.combine(value + dt.timedelta(days=1), dt.time(), SHANGHAI))
