"""Related fields that look a row up by its code and refuse (403) one outside the requesting user's scope."""
from rest_framework import serializers

from .. import access


class ScopedRelatedMixin:
    """The row must exist (400 otherwise) and lie in the user's scope (403 otherwise, nothing changes)."""

    def to_internal_value(self, data):
        obj = super().to_internal_value(data)
        request = self.context.get("request")
        if request is not None and obj is not None:
            access.ensure(request.user, obj, access.VIEW, what=self.field_name)
        return obj


class ScopedSlugRelatedField(ScopedRelatedMixin, serializers.SlugRelatedField):
    pass


class ScopedPrimaryKeyRelatedField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    pass
