"""Base views: declarations only. Rows are those `assets.access.restrict` leaves for the user and the action; a
queryset that reaches the list or the object lookup without that restriction is refused."""
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied

from quartermaster.context import set_user
from quartermaster.dbrouter import ReplicaReadMixin

from .. import access
from .permissions import view_action


class RestrictedViewMixin(ReplicaReadMixin):
    """Every API view inherits this (assets.api.permissions.AccessPermission refuses the others). A view without a
    queryset names the model it serves in `access_model` and restricts what it reads itself. Its GET list and
    retrieve read from the replica when one is configured (quartermaster.dbrouter)."""

    restricts_rows = True
    access_model = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user and request.user.is_authenticated:
            set_user(request.user)

    def restrict(self, qs):
        return access.restrict(qs, self.request.user, view_action(self.request, self))

    def get_queryset(self):
        return self.restrict(super().get_queryset())

    def filter_queryset(self, queryset):
        if not access.is_restricted(queryset):
            raise PermissionDenied("this endpoint does not restrict its rows to your scope; it is refused")
        return super().filter_queryset(queryset)


class ScopedModelViewSet(RestrictedViewMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(RestrictedViewMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedCreateReadViewSet(RestrictedViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedViewSet(RestrictedViewMixin, viewsets.ViewSet):
    """Endpoints without a queryset (reports, PDFs, scans): `access_model` names what they read or change."""
