"""The project's django-filter backend: the filters' date-times reach the database in UTC."""
from __future__ import annotations

import datetime as dt

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError


def _utc(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    if isinstance(value, slice):
        return slice(_utc(value.start), _utc(value.stop), value.step)
    if isinstance(value, (list, tuple)):
        return type(value)(_utc(v) for v in value)
    return value


class FilterBackend(DjangoFilterBackend):
    """ISO 8601 allows offsets such as `+23:19`; PostgreSQL takes up to ±15:59 and refused the query (a 500).
    A filter's date-time is moved to UTC first; one that leaves the calendar doing so is a 400."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        data = filterset.form.cleaned_data
        for name, value in list(data.items()):
            try:
                data[name] = _utc(value)
            except OverflowError:
                raise ValidationError({name: ["date and time out of range"]}) from None
        return filterset.qs
